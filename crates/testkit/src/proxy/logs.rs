//! `CloudWatch` Logs where an emulator is more lenient than AWS:
//! `FilterLogEvents` honours `logStreamNamePrefix` (moto answers from every
//! stream) and a term `filterPattern` (LocalStack 2026.3 answers every
//! event whatever the pattern).

use super::message::{Request, Response};

/// Drops the events (and searched streams) outside the request's
/// `logStreamNamePrefix`, and the events its term `filterPattern` does not
/// match, as `CloudWatch` Logs does.
pub(super) fn on_answer(operation: &str, request: &Request, response: &mut Response) {
    if operation != "FilterLogEvents" || response.status != 200 {
        return;
    }
    let asked = request.json();
    let prefix = asked["logStreamNamePrefix"].as_str();
    let pattern = asked["filterPattern"].as_str().and_then(Terms::parse);
    if prefix.is_none() && pattern.is_none() {
        return;
    }
    let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        return;
    };
    for list in ["events", "searchedLogStreams"] {
        if let Some(items) = body[list].as_array_mut() {
            items.retain(|item| {
                prefix.is_none_or(|prefix| {
                    item["logStreamName"]
                        .as_str()
                        .is_some_and(|name| name.starts_with(prefix))
                }) && (list != "events"
                    || pattern
                        .as_ref()
                        .is_none_or(|p| p.matches(item["message"].as_str().unwrap_or(""))))
            });
        }
    }
    response.set_body(body.to_string());
}

/// A filter pattern for unstructured events (CloudWatch Logs user guide,
/// "Filter pattern syntax for unstructured log events"): every term must
/// appear (case-sensitive), `"a phrase"` as written, `-term` must not,
/// and a pattern of `?term`s only matches any one of them. What this does
/// not read (JSON and space-delimited patterns, `%regex%`, escaped quotes,
/// `?` terms beside plain ones, which group) is left unfiltered: the
/// emulator's answer stands.
#[derive(Debug, PartialEq)]
struct Terms {
    all: Vec<String>,
    none: Vec<String>,
    any: Vec<String>,
}

impl Terms {
    /// `None` for an empty pattern or a JSON (`{…}`) or space-delimited
    /// (`[…]`) one, which are not read here.
    fn parse(pattern: &str) -> Option<Terms> {
        let pattern = pattern.trim();
        if pattern.is_empty() || pattern.starts_with(['{', '[', '%']) || pattern.contains('\\') {
            return None;
        }
        let mut terms = Terms {
            all: Vec::new(),
            none: Vec::new(),
            any: Vec::new(),
        };
        let mut rest = pattern;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            let (sign, after) = match rest.as_bytes()[0] {
                b'-' => (Some('-'), &rest[1..]),
                b'?' => (Some('?'), &rest[1..]),
                _ => (None, rest),
            };
            let (term, next) = if let Some(quoted) = after.strip_prefix('"') {
                let end = quoted.find('"').unwrap_or(quoted.len());
                (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            let list = match sign {
                Some('-') => &mut terms.none,
                Some(_) => &mut terms.any,
                None => &mut terms.all,
            };
            list.push(term.to_owned());
            rest = next;
        }
        // `?` terms beside plain ones group (`?"a" "b" ?"c"`): not read.
        let plain = !(terms.all.is_empty() && terms.none.is_empty());
        (terms.any.is_empty() || !plain).then_some(terms)
    }

    fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::Terms;

    #[test]
    fn term_patterns_match_as_cloudwatch_logs_documents() {
        let cases = [
            ("ERROR", "ERROR db timeout", true),
            ("ERROR", "error db timeout", false),
            ("ERROR timeout", "ERROR db timeout", true),
            ("ERROR refused", "ERROR db timeout", false),
            ("\"db timeout\"", "ERROR db timeout", true),
            ("\"timeout db\"", "ERROR db timeout", false),
            ("ERROR -timeout", "ERROR db timeout", false),
            ("?ERROR ?WARN", "WARN slow", true),
            ("?ERROR ?WARN", "INFO up", false),
        ];
        for (pattern, message, expected) in cases {
            let terms = Terms::parse(pattern).unwrap();
            assert_eq!(terms.matches(message), expected, "{pattern} on {message}");
        }
        assert_eq!(Terms::parse("{ $.level = \"error\" }"), None);
        assert_eq!(Terms::parse("  "), None);
        assert_eq!(Terms::parse("%ERROR [0-9]+%"), None);
        assert_eq!(Terms::parse("?\"a\" \"b\" ?\"c\""), None);
        assert_eq!(Terms::parse("\"say \\\"hi\\\"\""), None);
    }
}

/// `CloudWatch` Logs, as mended here.
#[derive(Debug, Default)]
pub(super) struct Logs;

impl super::simulated::Simulated for Logs {
    fn claims(&self, call: &super::simulated::Call<'_>) -> bool {
        call.service() == "logs"
    }

    fn on_answer(&mut self, call: &super::simulated::Call<'_>, response: &mut Response) -> bool {
        on_answer(call.name(), call.request, response);
        true
    }
}
