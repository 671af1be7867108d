//! `[registry]`: the ECR repository of the API image, as the spec says it:
//! its raw keys, the checked section and its defaults' use.

use serde::Deserialize;
use toml::Spanned;

use crate::defaults;
use crate::raw::{Int, RawField, RawSection, Text, raw_section};
use crate::validate::Checker;

raw_section!(RawRegistry {
    repository: Text,
    keep_images: Int
});

/// `[registry]`: the ECR repository of the API image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Registry {
    pub repository: String,
    /// How many images the lifecycle policy keeps (1..=1000).
    #[schemars(range(min = 1, max = 1000))]
    pub keep_images: u32,
}

/// The checked section: a valid repository name, 1 to 1000 images kept.
pub(crate) fn registry(c: &mut Checker, raw: &RawRegistry) -> Registry {
    Registry {
        repository: repository_name(c, raw.repository.as_ref()),
        keep_images: u32::try_from(c.int(
            raw.keep_images.as_ref(),
            "registry.keep_images",
            "how many images to keep",
            (1, 1000),
            i64::from(defaults::REGISTRY_KEEP_IMAGES),
        ))
        .unwrap_or(defaults::REGISTRY_KEEP_IMAGES),
    }
}

fn repository_name(c: &mut Checker, value: Option<&Spanned<String>>) -> String {
    let name = Checker::text(value, defaults::REGISTRY_REPOSITORY);
    let valid = !name.is_empty()
        && name.len() <= 200
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_./".contains(c));
    if let Some(value) = value
        && !valid
    {
        c.error(
            format!("registry.repository `{name}` is not an ECR repository name"),
            Some(value.span()),
            "use lowercase letters, digits and - _ . /, e.g. \"api\"",
        );
    }
    name
}
