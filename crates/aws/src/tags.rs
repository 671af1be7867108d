//! Ownership tags: how awsdeploy marks what it created and finds it again.

use awsdeploy_plan::ComponentId;

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
    /// Whether `tags` ((key, value) pairs) carry this owner's app and env.
    /// Describe calls already filter on them where the API can; this check
    /// makes ownership hold even where an API (or an emulator) applies only
    /// some filters, or none.
    pub fn owns<'a>(
        &self,
        tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
    ) -> bool {
        let (mut app, mut env) = (false, false);
        for (key, value) in tags {
            app |= key == Some(APP) && value == Some(self.app.as_str());
            env |= key == Some(ENV) && value == Some(self.env.as_str());
        }
        app && env
    }

    /// Every tag a created resource carries, as (key, value) pairs.
    pub fn tags(&self, component: ComponentId, name: &str) -> [(&'static str, String); 4] {
        self.tags_of(component.as_str(), name)
    }

    /// [`Owner::tags`] for what belongs to no plan component (the deploy
    /// lock's table).
    pub fn tags_of(&self, component: &str, name: &str) -> [(&'static str, String); 4] {
        [
            (APP, self.app.clone()),
            (ENV, self.env.clone()),
            (COMPONENT, component.to_owned()),
            (NAME, name.to_owned()),
        ]
    }
}
