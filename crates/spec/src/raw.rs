//! The spec as written: serde types with spans, before validation.
//!
//! Every scalar the validator checks is `Spanned` so its diagnostics can
//! point at it. Integers are read as `i64` so that out-of-range values get
//! our message (with the allowed range) rather than a type error.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, did_you_mean};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    pub app: Spanned<RawApp>,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub service: RawService,
    /// `[env.<name>]` overlays, merged over the base by [`RawSpec::for_env`].
    #[serde(default)]
    pub env: BTreeMap<String, Spanned<RawOverlay>>,
}

/// What an `[env.<name>]` table may change: any key of the base but the
/// app's name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOverlay {
    pub app: Option<RawAppOverlay>,
    pub network: Option<RawNetwork>,
    pub service: Option<RawService>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAppOverlay {
    pub region: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApp {
    pub name: Spanned<String>,
    pub region: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub cidr: Option<Spanned<String>>,
    pub azs: Option<Spanned<i64>>,
    pub nat: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub port: Option<Spanned<i64>>,
}

impl RawNetwork {
    fn overlay(self, over: RawNetwork) -> RawNetwork {
        RawNetwork {
            cidr: over.cidr.or(self.cidr),
            azs: over.azs.or(self.azs),
            nat: over.nat.or(self.nat),
        }
    }
}

impl RawService {
    fn overlay(self, over: RawService) -> RawService {
        RawService {
            port: over.port.or(self.port),
        }
    }
}

impl RawSpec {
    /// The spec for `env`: the base with `[env.<env>]` merged over it, key by
    /// key (each value keeps its own span). When the spec declares no
    /// environments any name is accepted; once it declares some, `env` must
    /// be one of them.
    pub fn for_env(mut self, env: &str) -> Result<RawSpec, Diagnostic> {
        let mut overlays = std::mem::take(&mut self.env);
        if overlays.is_empty() {
            return Ok(self);
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
            return Err(Diagnostic::error(
                format!("unknown environment `{env}`: the spec has no [env.{env}] table"),
                None,
            )
            .with_hint(hint));
        };
        let overlay = overlay.into_inner();
        if let Some(app) = overlay.app {
            let span = self.app.span();
            let mut base = self.app.into_inner();
            base.region = app.region.or(base.region);
            self.app = Spanned::new(span, base);
        }
        if let Some(network) = overlay.network {
            self.network = self.network.overlay(network);
        }
        if let Some(service) = overlay.service {
            self.service = self.service.overlay(service);
        }
        Ok(self)
    }

    /// Every string value with its dotted key, for interpolation.
    pub fn strings_mut(&mut self) -> Vec<(&'static str, &mut Spanned<String>)> {
        let app = self.app.get_mut();
        let mut strings = vec![("app.name", &mut app.name)];
        strings.extend(app.region.as_mut().map(|v| ("app.region", v)));
        strings.extend(self.network.cidr.as_mut().map(|v| ("network.cidr", v)));
        strings.extend(self.network.nat.as_mut().map(|v| ("network.nat", v)));
        strings
    }
}

/// Parses TOML into [`RawSpec`]; a syntax, unknown-key or type error becomes
/// one diagnostic at its place.
pub fn parse(text: &str) -> Result<RawSpec, Vec<Diagnostic>> {
    toml::from_str(text).map_err(|error| vec![diagnostic_from_toml(&error)])
}

fn diagnostic_from_toml(error: &toml::de::Error) -> Diagnostic {
    let message = error.message().trim().to_owned();
    let diagnostic = Diagnostic::error(message.clone(), error.span());
    if let Some((unknown, expected)) = parse_unknown_field(&message) {
        let candidates: Vec<&str> = expected.iter().map(String::as_str).collect();
        let hint = match did_you_mean(&unknown, &candidates) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => format!("known keys here: {}", expected.join(", ")),
        };
        return Diagnostic::error(format!("unknown key `{unknown}`"), error.span()).with_hint(hint);
    }
    if message.starts_with("missing field `app`") {
        return diagnostic.with_hint(
            "every spec starts with an [app] table: [app] name = \"shop\" region = \"eu-west-1\"",
        );
    }
    diagnostic
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
