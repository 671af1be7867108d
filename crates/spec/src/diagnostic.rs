//! Diagnostics that point into the spec text: message, span, hint.

use std::fmt::Write as _;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Byte range of the offending text, when it has a place in the file.
    pub span: Option<Range<usize>>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, span: Option<Range<usize>>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            hint: None,
        }
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// 1-based line and column of the span's start in `text`.
    pub fn line_column(&self, text: &str) -> Option<(usize, usize)> {
        let start = self.span.as_ref()?.start.min(text.len());
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..start].chars().count() + 1;
        Some((line, column))
    }

    /// Renders this diagnostic as `file:line:col`, the source line with the
    /// offending text underlined, and the hint.
    pub fn render(&self, origin: &str, text: &str) -> String {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!("{label}: {}\n", self.message);
        match (self.line_column(text), &self.span) {
            (Some((line, column)), Some(span)) => {
                let _ = writeln!(out, "  --> {origin}:{line}:{column}");
                let source_line = text.lines().nth(line - 1).unwrap_or("");
                let gutter = line.to_string().len();
                let width = text[span.start.min(text.len())..span.end.min(text.len())]
                    .lines()
                    .next()
                    .map_or(1, |s| s.chars().count().max(1));
                let _ = writeln!(out, "{:gutter$} |", "");
                let _ = writeln!(out, "{line} | {source_line}");
                let _ = writeln!(
                    out,
                    "{:gutter$} | {}{}",
                    "",
                    " ".repeat(column - 1),
                    "^".repeat(width)
                );
            }
            _ => {
                let _ = writeln!(out, "  --> {origin}");
            }
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  = hint: {hint}");
        }
        out
    }
}

/// Renders every diagnostic, errors first, separated by blank lines.
pub fn render_all(diagnostics: &[Diagnostic], origin: &str, text: &str) -> String {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| {
        (
            d.severity != Severity::Error,
            d.span.as_ref().map(|s| s.start),
        )
    });
    let mut out = String::new();
    for (i, diagnostic) in sorted.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&diagnostic.render(origin, text));
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors > 1 {
        let _ = writeln!(out, "\n{errors} errors in {origin}");
    }
    out.trim_end().to_owned()
}

/// The closest of `candidates` to `word`, if it is close enough to be a
/// likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let text = "[app]\nname = 1\n";
        let d = Diagnostic::error("x", Some(13..14));
        assert_eq!(d.line_column(text), Some((2, 8)));
    }

    #[test]
    fn render_underlines_the_span() {
        let text = "[network]\nazs = 0\n";
        let d = Diagnostic::error("bad", Some(16..17)).with_hint("use 1 to 6");
        let out = d.render("spec.toml", text);
        assert!(out.contains("--> spec.toml:2:7"), "{out}");
        assert!(out.contains("2 | azs = 0"), "{out}");
        assert!(out.contains("  |       ^\n"), "{out}");
        assert!(out.contains("hint: use 1 to 6"), "{out}");
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(did_you_mean("azz", &["cidr", "azs", "nat"]), Some("azs"));
        assert_eq!(did_you_mean("region", &["cidr", "azs", "nat"]), None);
    }
}
