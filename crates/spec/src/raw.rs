//! The spec as written: serde types with spans, before validation.
//!
//! Every scalar the validator checks is `Spanned` so its diagnostics can
//! point at it. Integers are read as `i64` so that out-of-range values get
//! our message (with the allowed range) rather than a type error.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, did_you_mean};

/// A string-keyed table of strings, e.g. `service.env`.
pub type RawMap = BTreeMap<String, Spanned<String>>;

/// One field of a section, as the overlay and interpolation see it.
pub trait RawField {
    /// `over` wins where it says something.
    fn overlay(self, over: Self) -> Self;
    /// Every string inside, with its dotted key.
    fn strings<'a>(&'a mut self, key: &str, out: &mut Vec<(String, &'a mut Spanned<String>)>);
}

impl RawField for Option<Spanned<i64>> {
    fn overlay(self, over: Self) -> Self {
        over.or(self)
    }
    fn strings<'a>(&'a mut self, _: &str, _: &mut Vec<(String, &'a mut Spanned<String>)>) {}
}

impl RawField for Option<Spanned<bool>> {
    fn overlay(self, over: Self) -> Self {
        over.or(self)
    }
    fn strings<'a>(&'a mut self, _: &str, _: &mut Vec<(String, &'a mut Spanned<String>)>) {}
}

impl RawField for Option<Spanned<String>> {
    fn overlay(self, over: Self) -> Self {
        over.or(self)
    }
    fn strings<'a>(&'a mut self, key: &str, out: &mut Vec<(String, &'a mut Spanned<String>)>) {
        if let Some(value) = self {
            out.push((key.to_owned(), value));
        }
    }
}

/// Lists (a command) are replaced whole.
impl RawField for Option<Spanned<Vec<Spanned<String>>>> {
    fn overlay(self, over: Self) -> Self {
        over.or(self)
    }
    fn strings<'a>(&'a mut self, key: &str, out: &mut Vec<(String, &'a mut Spanned<String>)>) {
        if let Some(list) = self {
            for (i, value) in list.get_mut().iter_mut().enumerate() {
                out.push((format!("{key}[{i}]"), value));
            }
        }
    }
}

/// Tables of strings merge key by key.
impl RawField for Option<RawMap> {
    fn overlay(self, over: Self) -> Self {
        match (self, over) {
            (Some(mut base), Some(over)) => {
                base.extend(over);
                Some(base)
            }
            (base, over) => over.or(base),
        }
    }
    fn strings<'a>(&'a mut self, key: &str, out: &mut Vec<(String, &'a mut Spanned<String>)>) {
        for (name, value) in self.iter_mut().flatten() {
            out.push((format!("{key}.{name}"), value));
        }
    }
}

/// A `[section]`: present or not, merged field by field.
impl<S: RawSection> RawField for Option<S> {
    fn overlay(self, over: Self) -> Self {
        match (self, over) {
            (Some(base), Some(over)) => Some(base.overlay_section(over)),
            (base, over) => over.or(base),
        }
    }
    fn strings<'a>(&'a mut self, key: &str, out: &mut Vec<(String, &'a mut Spanned<String>)>) {
        if let Some(section) = self {
            section.section_strings(&format!("{key}."), out);
        }
    }
}

pub trait RawSection {
    fn overlay_section(self, over: Self) -> Self;
    fn section_strings<'a>(
        &'a mut self,
        prefix: &str,
        out: &mut Vec<(String, &'a mut Spanned<String>)>,
    );
}

/// Declares a section: every field optional, merged and interpolated field
/// by field.
macro_rules! raw_section {
    ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(pub $field: $ty,)*
        }

        impl RawSection for $name {
            fn overlay_section(self, over: Self) -> Self {
                $name { $($field: RawField::overlay(self.$field, over.$field),)* }
            }
            fn section_strings<'a>(&'a mut self, prefix: &str, out: &mut Vec<(String, &'a mut Spanned<String>)>) {
                $(RawField::strings(&mut self.$field, &format!("{prefix}{}", stringify!($field)), out);)*
            }
        }
    };
}

pub(crate) use raw_section;

pub(crate) type Int = Option<Spanned<i64>>;
type Bool = Option<Spanned<bool>>;
pub(crate) type Text = Option<Spanned<String>>;

raw_section!(
    /// The whole file, and also what an `[env.<name>]` table may hold (the
    /// same keys; `app.name` and `env` are refused there by
    /// [`RawSpec::for_env`]). A section is `None` when the file has no such
    /// table: that component is not part of the stack.
    RawSpec {
        app: Option<RawApp>,
        network: Option<RawNetwork>,
        database: Option<RawDatabase>,
        registry: Option<crate::registry::RawRegistry>,
        service: Option<RawService>,
        load_balancer: Option<RawLoadBalancer>,
        migration: Option<RawMigration>,
        web: Option<RawWeb>,
        dns: Option<RawDns>,
        alarms: Option<RawAlarms>,
        pipeline: Option<RawPipeline>,
        env: Option<BTreeMap<String, Spanned<RawSpec>>>,
    }
);

/// Environment overlays are not themselves overlaid or interpolated: they
/// are merged into the base first.
impl RawField for Option<BTreeMap<String, Spanned<RawSpec>>> {
    fn overlay(self, _: Self) -> Self {
        self
    }
    fn strings<'a>(&'a mut self, _: &str, _: &mut Vec<(String, &'a mut Spanned<String>)>) {}
}

raw_section!(RawApp {
    name: Text,
    region: Text,
    allowed_account_ids: Option<Spanned<Vec<Spanned<String>>>>,
});

raw_section!(RawNetwork {
    cidr: Text,
    azs: Int,
    nat: Text
});

raw_section!(RawDatabase {
    engine_version: Text,
    instance_class: Text,
    storage_gb: Int,
    multi_az: Bool,
    deletion_protection: Bool,
    backup_retention_days: Int,
    log_exports: Option<Spanned<Vec<Spanned<String>>>>,
});

raw_section!(RawService {
    image_tag: Text,
    cpu: Int,
    memory: Int,
    desired_count: Int,
    port: Int,
    health_check_path: Text,
    log_retention_days: Int,
    min_healthy_percent: Int,
    max_percent: Int,
    health_check_grace_period: Text,
    rollout_timeout: Text,
    task_role_policies: Option<Spanned<Vec<Spanned<String>>>>,
    env: Option<RawMap>,
    secrets: Option<RawMap>,
    autoscaling: Option<RawAutoscaling>,
    deploy: Option<RawDeploy>,
    container_insights: Bool,
    tracing: Text,
    cpu_architecture: Text,
});

raw_section!(RawAutoscaling {
    min: Int,
    max: Int,
    target_cpu: Int
});

raw_section!(RawDeploy {
    strategy: Text,
    bake_time: Text,
    canary_percent: Int,
    canary_bake_time: Text,
    linear_step_percent: Int,
    linear_step_bake_time: Text,
    test_port: Int,
    test_cidrs: Option<Spanned<Vec<Spanned<String>>>>,
    pause_at: Option<Spanned<Vec<Spanned<String>>>>,
    pause_timeout: Text,
});

raw_section!(RawLoadBalancer {
    certificate_arn: Text,
    tls_policy: Text,
    idle_timeout: Text,
    health_check_interval: Text,
    healthy_threshold: Int,
    unhealthy_threshold: Int,
    deregistration_delay: Text,
});

raw_section!(RawMigration {
    command: Option<Spanned<Vec<Spanned<String>>>>,
    image: Text,
    path: Text,
    timeout: Text,
});

raw_section!(RawWeb {
    branch: Text,
    artifact: Text,
    platform: Text,
    env: Option<RawMap>,
    domain: Text,
    timeout: Text,
});

raw_section!(RawAlarms {
    email: Option<Spanned<Vec<Spanned<String>>>>,
    https: Option<Spanned<Vec<Spanned<String>>>>,
    rollback: Bool,
    dashboard: Bool,
    thresholds: Option<RawThresholds>,
});

raw_section!(RawThresholds {
    target_5xx_count: Int,
    target_5xx_percent: Int,
    elb_5xx_count: Int,
    response_time_p99_ms: Int,
    unhealthy_minutes: Int,
    service_cpu_percent: Int,
    service_memory_percent: Int,
    database_cpu_percent: Int,
    database_free_storage_percent: Int,
    database_freeable_memory_mib: Int,
    database_connections_percent: Int,
});

raw_section!(RawPipeline {
    runner: Text,
    repository: Text,
    branch: Text,
    provider: Text,
    spec: Text,
    build_image: Text,
    compute_type: Text,
    buildspec: Text,
    awsdeploy_git: Text,
    awsdeploy_rev: Text,
    awsdeploy_install: Text,
    github_oidc: Bool,
    artifact_retention_days: Int,
    build: Option<RawPipelineBuild>,
});

raw_section!(RawPipelineBuild {
    install: Option<Spanned<Vec<Spanned<String>>>>,
    generate: Option<Spanned<Vec<Spanned<String>>>>,
    build: Option<Spanned<Vec<Spanned<String>>>>,
    dockerfile: Text,
    context: Text,
});

raw_section!(RawDns {
    zone: Text,
    api: Text
});

impl RawSpec {
    /// The spec for `env`: the base with `[env.<env>]` merged over it, key by
    /// key (each value keeps its own span; tables of strings merge by key,
    /// lists are replaced). When the spec declares no environments any name
    /// is accepted; once it declares some, `env` must be one of them.
    pub fn for_env(mut self, env: &str) -> Result<RawSpec, Vec<Diagnostic>> {
        let mut overlays = self.env.take().unwrap_or_default();
        if overlays.is_empty() {
            return Ok(self);
        }
        let mut problems = Vec::new();
        for (name, overlay) in &overlays {
            if let Some(app_name) = overlay.get_ref().app.as_ref().and_then(|a| a.name.as_ref()) {
                problems.push(
                    Diagnostic::error(format!("[env.{name}] sets app.name; the app's name is the same in every environment"), Some(app_name.span()))
                        .with_hint("names already differ per environment ({app}-{env}-…); remove app.name here"),
                );
            }
            if overlay.get_ref().env.is_some() {
                problems.push(
                    Diagnostic::error(
                        format!("[env.{name}] holds env tables; environments do not nest"),
                        Some(overlay.span()),
                    )
                    .with_hint(
                        "declare every environment at the top level: [env.staging], [env.prod]",
                    ),
                );
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let Some(overlay) = overlays.remove(env) else {
            let known: Vec<&str> = overlays.keys().map(String::as_str).collect();
            let hint = match did_you_mean(env, &known) {
                Some(suggestion) => format!(
                    "did you mean `{suggestion}`? known environments: {}",
                    known.join(", ")
                ),
                None => format!(
                    "known environments: {}; pass one with -e/--env, or add [env.{env}]",
                    known.join(", ")
                ),
            };
            return Err(vec![
                Diagnostic::error(
                    format!("unknown environment `{env}`: the spec has no [env.{env}] table"),
                    None,
                )
                .with_hint(hint),
            ]);
        };
        Ok(self.overlay_section(overlay.into_inner()))
    }

    /// Every string value with its dotted key, for interpolation.
    pub fn strings_mut(&mut self) -> Vec<(String, &mut Spanned<String>)> {
        let mut strings = Vec::new();
        self.section_strings("", &mut strings);
        strings
    }
}

/// Parses TOML into [`RawSpec`]; a syntax, unknown-key or type error becomes
/// one diagnostic at its place.
pub fn parse(text: &str) -> Result<RawSpec, Vec<Diagnostic>> {
    toml::from_str(text).map_err(|error| vec![diagnostic_from_toml(&error)])
}

fn diagnostic_from_toml(error: &toml::de::Error) -> Diagnostic {
    let message = error
        .message()
        .trim()
        .replace("expected i64", "expected a whole number");
    let diagnostic = Diagnostic::error(message.clone(), error.span());
    if let Some((unknown, expected)) = parse_unknown_field(&message) {
        let candidates: Vec<&str> = expected.iter().map(String::as_str).collect();
        let hint = match did_you_mean(&unknown, &candidates) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => format!("known keys here: {}", expected.join(", ")),
        };
        return Diagnostic::error(format!("unknown key `{unknown}`"), error.span()).with_hint(hint);
    }
    let hint = if message.contains("duplicate key") {
        "a key may appear once per table: keep one of them (per-environment values go under [env.<name>])"
    } else if message.starts_with("invalid type") {
        "this key takes a value of another type: see config/full.toml for every key with an example"
    } else {
        "the spec is TOML: `key = value` lines under `[section]` headers, strings in double quotes"
    };
    diagnostic.with_hint(hint)
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`" (or "expected
/// `a`") into the unknown name and the known ones.
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Some((unknown.to_owned(), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_message_is_read() {
        let (unknown, expected) =
            parse_unknown_field("unknown field `azz`, expected one of `cidr`, `azs`, `nat`")
                .unwrap();
        assert_eq!(unknown, "azz");
        assert_eq!(expected, ["cidr", "azs", "nat"]);
    }
}
