//! The spec as written: serde types with spans, before validation.
//!
//! Every scalar the validator checks is `Spanned` so its diagnostics can
//! point at it. Integers are read as `i64` so that out-of-range values get
//! our message (with the allowed range) rather than a type error.

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
