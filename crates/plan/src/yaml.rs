//! A small YAML writer for the CI files awsdeploy prints: maps keep their
//! order, a string is written plain only when YAML reads it back as the
//! same string, double-quoted (JSON's escapes, which YAML shares) when not,
//! and as a literal block when it spans lines.

use std::fmt::Write as _;

/// A YAML value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Yaml {
    Str(String),
    /// Written as is: a number or a boolean.
    Scalar(String),
    List(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    pub fn str(text: impl Into<String>) -> Yaml {
        Yaml::Str(text.into())
    }

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Yaml)>) -> Yaml {
        Yaml::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn strs<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Yaml {
        Yaml::List(items.into_iter().map(|s| Yaml::Str(s.into())).collect())
    }

    /// The document, ending in a newline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self {
            Yaml::Map(entries) => write_map(&mut out, entries, 0),
            Yaml::List(items) => write_list(&mut out, items, 0),
            Yaml::Str(_) | Yaml::Scalar(_) => {
                out.push_str(&inline(self, 0));
                out.push('\n');
            }
        }
        out
    }
}

fn write_map(out: &mut String, entries: &[(String, Yaml)], indent: usize) {
    for (key, value) in entries {
        let _ = write!(out, "{:indent$}{}:", "", scalar(key));
        write_value(out, value, indent);
    }
}

fn write_list(out: &mut String, items: &[Yaml], indent: usize) {
    for item in items {
        let _ = write!(out, "{:indent$}-", "");
        match item {
            // A map in a list starts on the dash's line.
            Yaml::Map(entries) if !entries.is_empty() => {
                let mut inner = String::new();
                write_map(&mut inner, entries, indent + 2);
                out.push(' ');
                out.push_str(&inner[indent + 2..]);
            }
            _ => write_value(out, item, indent),
        }
    }
}

/// After `key:` or `-`: the value inline, or on the lines below.
fn write_value(out: &mut String, value: &Yaml, indent: usize) {
    match value {
        Yaml::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_map(out, entries, indent + 2);
        }
        Yaml::List(items) if !items.is_empty() => {
            out.push('\n');
            write_list(out, items, indent + 2);
        }
        _ => {
            out.push(' ');
            out.push_str(&inline(value, indent + 2));
            out.push('\n');
        }
    }
}

fn inline(value: &Yaml, indent: usize) -> String {
    match value {
        Yaml::Str(text) if text.contains('\n') => {
            let mut block = String::from("|");
            if text.starts_with(' ') {
                let _ = write!(block, "2");
            }
            if !text.ends_with('\n') {
                block.push('-');
            }
            for line in text.trim_end_matches('\n').lines() {
                block.push('\n');
                if !line.is_empty() {
                    let _ = write!(block, "{:indent$}{line}", "");
                }
            }
            block
        }
        Yaml::Str(text) => scalar(text),
        Yaml::Scalar(text) => text.clone(),
        Yaml::List(_) => "[]".to_owned(),
        Yaml::Map(_) => "{}".to_owned(),
    }
}

/// `text` plain when YAML reads it back unchanged as a string, else
/// double-quoted.
fn scalar(text: &str) -> String {
    const WORDS: [&str; 14] = [
        "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n", "True", "False", "Yes",
        "No",
    ];
    let first = text.chars().next();
    let plain = first.is_some_and(|c| c.is_ascii_alphanumeric() || "/._$(".contains(c))
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.contains([
            '"', '\'', '{', '}', '[', ']', '&', '*', '!', '|', '>', '\\', '\t',
        ])
        && !WORDS.contains(&text)
        && text.parse::<f64>().is_err()
        && !text.starts_with("0x")
        && !text.starts_with("0o");
    if plain {
        text.to_owned()
    } else {
        serde_json::to_string(text).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_only_when_yaml_would_misread_them() {
        assert_eq!(
            scalar("pnpm install --frozen-lockfile"),
            "pnpm install --frozen-lockfile"
        );
        assert_eq!(scalar("0.2"), "\"0.2\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(
            scalar("docker push \"$IMAGE\""),
            r#""docker push \"$IMAGE\"""#
        );
        assert_eq!(scalar("${{ github.sha }}"), "\"${{ github.sha }}\"");
        assert_eq!(scalar("**/*"), "\"**/*\"");
        assert_eq!(scalar("actions/checkout@v4"), "actions/checkout@v4");
        assert_eq!(scalar("@v4"), "\"@v4\"");
        assert_eq!(scalar(""), "\"\"");
    }

    #[test]
    fn nested_maps_lists_and_blocks() {
        let doc = Yaml::map([
            ("version", Yaml::Scalar("0.2".to_owned())),
            (
                "steps",
                Yaml::List(vec![
                    Yaml::map([("uses", Yaml::str("actions/checkout@v4"))]),
                    Yaml::map([
                        ("name", Yaml::str("Build")),
                        ("run", Yaml::str("make\nmake test")),
                    ]),
                ]),
            ),
            ("empty", Yaml::List(vec![])),
        ]);
        assert_eq!(
            doc.render(),
            "version: 0.2\nsteps:\n  - uses: actions/checkout@v4\n  - name: Build\n    run: |-\n      make\n      make test\nempty: []\n"
        );
    }
}
