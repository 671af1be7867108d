//! Ownership tags: how awsdeploy marks what it created and finds it again.

use awsdeploy_plan::Component;

pub const APP: &str = "awsdeploy:app";
pub const ENV: &str = "awsdeploy:env";
pub const COMPONENT: &str = "awsdeploy:component";
pub const NAME: &str = "Name";

/// The app and environment whose resources these are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub app: String,
    pub env: String,
}

impl Owner {
    /// Every tag a created resource carries, as (key, value) pairs.
    pub fn tags(&self, component: Component, name: &str) -> [(&'static str, String); 4] {
        [
            (APP, self.app.clone()),
            (ENV, self.env.clone()),
            (COMPONENT, component.as_str().to_owned()),
            (NAME, name.to_owned()),
        ]
    }
}
