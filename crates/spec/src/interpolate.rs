//! `${VAR}` and `${VAR:-default}` in string values, from the process
//! environment (or any lookup, for tests). `$${` is a literal `${`.

use toml::Spanned;

use crate::Diagnostic;

/// Why a string could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    /// `${VAR}` with `VAR` unset and no default.
    Unset(String),
    /// `${` without its `}`.
    Unclosed,
    /// `${}` or a name that is not `[A-Za-z_][A-Za-z0-9_]*`.
    BadName(String),
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a name a process environment variable can have
/// (in `${…}`, and as a key of `service.env` / `service.secrets`).
pub fn is_variable_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Expands every `${…}` in `text`.
pub fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        if let Some(literal) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = literal;
        } else if let Some(body) = after.strip_prefix("${") {
            let end = body.find('}').ok_or(ExpandError::Unclosed)?;
            let (name, default) = match body[..end].split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (&body[..end], None),
            };
            if !is_variable_name(name) {
                return Err(ExpandError::BadName(name.to_owned()));
            }
            match (lookup(name), default) {
                (Some(value), _) => out.push_str(&value),
                (None, Some(default)) => out.push_str(default),
                (None, None) => return Err(ExpandError::Unset(name.to_owned())),
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Expands `value` in place; a problem becomes a diagnostic at the value.
pub fn interpolate(
    key: &str,
    value: &mut Spanned<String>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), Diagnostic> {
    let span = value.span();
    match expand(value.get_ref(), lookup) {
        Ok(expanded) => {
            *value = Spanned::new(span, expanded);
            Ok(())
        }
        Err(ExpandError::Unset(var)) => Err(Diagnostic::error(
            format!("{key} uses ${{{var}}}, which is not set"),
            Some(span),
        )
        .with_hint(format!(
            "set {var} in the environment, or give a default: ${{{var}:-value}}"
        ))),
        Err(ExpandError::Unclosed) => Err(Diagnostic::error(
            format!("{key} has a `${{` without its closing `}}`"),
            Some(span),
        )
        .with_hint("write ${VAR} or ${VAR:-default}; for a literal ${ write $${")),
        Err(ExpandError::BadName(name)) => Err(Diagnostic::error(
            format!("{key}: `{name}` is not an environment variable name"),
            Some(span),
        )
        .with_hint("names are letters, digits and _, not starting with a digit: ${IMAGE_TAG}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "TAG" => Some("v42".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_set_variables_defaults_and_literals() {
        assert_eq!(expand("api:${TAG}", &vars), Ok("api:v42".to_owned()));
        assert_eq!(
            expand("${NOPE:-10.0.0.0/16}", &vars),
            Ok("10.0.0.0/16".to_owned())
        );
        assert_eq!(expand("${TAG:-x}", &vars), Ok("v42".to_owned()));
        assert_eq!(expand("[${EMPTY}]", &vars), Ok("[]".to_owned()));
        assert_eq!(
            expand("cost $5 and $${TAG}", &vars),
            Ok("cost $5 and ${TAG}".to_owned())
        );
        assert_eq!(expand("no variables", &vars), Ok("no variables".to_owned()));
    }

    #[test]
    fn reports_what_is_wrong() {
        assert_eq!(
            expand("${NOPE}", &vars),
            Err(ExpandError::Unset("NOPE".to_owned()))
        );
        assert_eq!(expand("${TAG", &vars), Err(ExpandError::Unclosed));
        assert_eq!(
            expand("${}", &vars),
            Err(ExpandError::BadName(String::new()))
        );
        assert_eq!(
            expand("${1X}", &vars),
            Err(ExpandError::BadName("1X".to_owned()))
        );
    }
}
