//! A file cut into statements by sqlparser's MySQL tokenizer (so a `;` in
//! a string or a comment does not cut), each with where it starts and the
//! comments around it, and the `awsdeploy:allow` annotations in them.

use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

/// One statement: its tokens (comments and whitespace kept, the `;` not),
/// where its first word is, and its comments: those between the previous
/// statement and it, those inside it, and one after its `;` on the same
/// line.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub tokens: Vec<TokenWithSpan>,
    pub line: u64,
    pub column: u64,
    pub comments: Vec<String>,
}

impl Statement {
    /// Its words and symbols, without whitespace and comments.
    pub fn significant(&self) -> Vec<&Token> {
        significant(&self.tokens)
    }

    /// Its text as the parser reads it.
    #[cfg(test)]
    pub fn text(&self) -> String {
        text(&self.tokens)
    }
}

/// `tokens` without whitespace and comments.
pub(crate) fn significant(tokens: &[TokenWithSpan]) -> Vec<&Token> {
    tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect()
}

/// `tokens` back to SQL text.
pub(crate) fn text(tokens: &[TokenWithSpan]) -> String {
    tokens.iter().map(|t| t.token.to_string()).collect()
}

/// Why a file cannot be cut: the tokenizer's message and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unreadable {
    pub message: String,
    pub line: u64,
    pub column: u64,
}

/// A file's statements, and the comments after its last one.
#[derive(Debug, Clone, Default)]
pub(crate) struct File {
    pub statements: Vec<Statement>,
    pub trailing: Vec<String>,
}

/// `sql` cut into statements.
pub(crate) fn statements(sql: &str) -> Result<Vec<Statement>, Unreadable> {
    file(sql).map(|f| f.statements)
}

/// `sql` cut into statements, with the comments after the last.
pub(crate) fn file(sql: &str) -> Result<File, Unreadable> {
    // Strings kept as written (`'it''s'`), so that a statement's text
    // parses again as it was.
    let tokens = Tokenizer::new(&MySqlDialect {}, sql)
        .with_unescape(false)
        .tokenize_with_location()
        .map_err(|e| Unreadable {
            message: e.message,
            line: e.location.line,
            column: e.location.column,
        })?;
    let mut out: Vec<Statement> = Vec::new();
    let mut current: Vec<TokenWithSpan> = Vec::new();
    let mut comments: Vec<String> = Vec::new();
    // The line of the last `;`, for a comment that follows it there.
    let mut ended_on: Option<u64> = None;
    for token in tokens {
        let started = current.iter().any(|t| !is_space(&t.token));
        match &token.token {
            Token::SemiColon => {
                if started {
                    out.push(finish(
                        std::mem::take(&mut current),
                        std::mem::take(&mut comments),
                    ));
                }
                current.clear();
                ended_on = Some(token.span.start.line);
            }
            Token::Whitespace(space) => {
                if let Some(comment) = comment(space) {
                    match (started, ended_on, out.last_mut()) {
                        (false, Some(line), Some(last)) if line == token.span.start.line => {
                            last.comments.push(comment);
                        }
                        _ => comments.push(comment),
                    }
                }
                if started {
                    current.push(token);
                }
            }
            Token::EOF => {}
            _ => {
                if !started {
                    ended_on = None;
                }
                current.push(token);
            }
        }
    }
    if current.iter().any(|t| !is_space(&t.token)) {
        out.push(finish(current, comments));
        comments = Vec::new();
    }
    Ok(File {
        statements: out,
        trailing: comments,
    })
}

fn is_space(token: &Token) -> bool {
    matches!(token, Token::Whitespace(_))
}

fn comment(space: &Whitespace) -> Option<String> {
    match space {
        Whitespace::SingleLineComment { comment, .. } | Whitespace::MultiLineComment(comment) => {
            Some(comment.trim().to_owned())
        }
        _ => None,
    }
}

fn finish(tokens: Vec<TokenWithSpan>, comments: Vec<String>) -> Statement {
    let start = tokens
        .iter()
        .find(|t| !is_space(&t.token))
        .map_or((0, 0), |t| (t.span.start.line, t.span.start.column));
    Statement {
        tokens,
        line: start.0,
        column: start.1,
        comments,
    }
}

/// The marker of an annotation comment.
pub const ALLOW: &str = "awsdeploy:allow";

/// An `awsdeploy:allow CODE[,CODE…] reason` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Allow {
    pub codes: Vec<String>,
    pub reason: String,
}

/// The annotations in `comments`: `Err` with the comment for one that
/// names no code or gives no reason.
pub(crate) fn allows(comments: &[String]) -> Vec<Result<Allow, String>> {
    comments
        .iter()
        .flat_map(|c| c.lines())
        .filter_map(|line| {
            // At the start of the comment (or of a line of a block comment).
            let rest = line
                .trim()
                .trim_start_matches('*')
                .trim()
                .strip_prefix(ALLOW)?
                .trim();
            let (codes, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let codes: Vec<String> = codes
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_ascii_uppercase)
                .collect();
            let reason = reason.trim().trim_end_matches("*/").trim().to_owned();
            let known = !codes.is_empty() && codes.iter().all(|c| crate::rules::find(c).is_some());
            Some(if known && !reason.is_empty() {
                Ok(Allow { codes, reason })
            } else {
                Err(line.trim().to_owned())
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_cut_at_semicolons_outside_strings_and_comments() {
        let sql = "-- first\nCREATE TABLE a (x VARCHAR(3) DEFAULT ';' COMMENT 'it''s');\n\n/* two; */ INSERT INTO a VALUES ('x;y'); -- after\n  ALTER TABLE a ADD COLUMN y INT";
        let statements = statements(sql).unwrap();
        assert_eq!(statements.len(), 3);
        assert_eq!((statements[0].line, statements[0].column), (2, 1));
        assert_eq!(statements[0].comments, ["first"]);
        assert_eq!((statements[1].line, statements[1].column), (4, 12));
        assert_eq!(statements[1].comments, ["two;", "after"]);
        assert_eq!((statements[2].line, statements[2].column), (5, 3));
        assert!(statements[2].comments.is_empty());
        assert_eq!(statements[2].text(), "ALTER TABLE a ADD COLUMN y INT");
    }

    #[test]
    fn an_unterminated_string_is_unreadable_with_its_place() {
        let error = statements("SELECT 1;\nSELECT 'oops").unwrap_err();
        assert_eq!(error.line, 2);
    }

    #[test]
    fn annotations_need_a_known_code_and_a_reason() {
        let comments = [
            "awsdeploy:allow ML101 orders holds 200 rows".to_owned(),
            "awsdeploy:allow ml202,ML101 dropped after the 1.4 release */".to_owned(),
            "awsdeploy:allow ML101".to_owned(),
            "awsdeploy:allow XX999 because".to_owned(),
            "an ordinary comment".to_owned(),
            "never write awsdeploy:allow without a reason".to_owned(),
        ];
        let allows = allows(&comments);
        assert_eq!(
            allows.len(),
            4,
            "prose that mentions the marker is no annotation"
        );
        assert_eq!(
            allows[0],
            Ok(Allow {
                codes: vec!["ML101".to_owned()],
                reason: "orders holds 200 rows".to_owned()
            })
        );
        assert_eq!(
            allows[1].as_ref().unwrap().codes,
            ["ML202".to_owned(), "ML101".to_owned()]
        );
        assert_eq!(
            allows[1].as_ref().unwrap().reason,
            "dropped after the 1.4 release"
        );
        assert!(allows[2].is_err());
        assert!(allows[3].is_err());
    }
}
