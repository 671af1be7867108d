//! What the lint found: findings with their rule, place and severity, and
//! the report over a release's files.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Options;
use crate::rules::{self, Kind};

/// How bad a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; the release goes on.
    Warning,
    /// Stops the release before the migration task runs, unless an
    /// annotation allows it.
    Error,
}

/// The algorithm MySQL's online DDL uses for an `ALTER TABLE` (the first
/// the operation supports of INSTANT, INPLACE, COPY, when the statement
/// names none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Algorithm {
    Instant,
    Inplace,
    Copy,
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Algorithm::Instant => "INSTANT",
            Algorithm::Inplace => "INPLACE",
            Algorithm::Copy => "COPY",
        })
    }
}

/// One finding: a rule a statement breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// The rule's stable code (`ML101`); `docs/migration-lint.md` lists
    /// them.
    pub code: String,
    pub severity: Severity,
    /// The file's name in the migrations folder.
    pub file: String,
    /// Where the statement starts (1-based).
    pub line: u64,
    pub column: u64,
    /// The table the statement changes, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The algorithm MySQL uses for it, where the rule is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
    /// Whether reads and writes go on while it runs (online DDL's
    /// "permits concurrent DML"), where the rule is about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes_continue: Option<bool>,
    /// What MySQL will do.
    pub message: String,
    /// The safe way.
    pub fix: String,
    /// Atlas's code for the same check, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub atlas: Option<String>,
    /// The reason of the `awsdeploy:allow` annotation that allows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<String>,
}

impl Finding {
    /// A finding of `code` at `place` (file, line, column).
    pub(crate) fn new(code: &'static str, place: &Place, message: String) -> Finding {
        let rule = rules::rule(code);
        Finding {
            code: code.to_owned(),
            severity: Severity::Warning,
            file: place.file.clone(),
            line: place.line,
            column: place.column,
            table: None,
            algorithm: rule.algorithm,
            writes_continue: rule.writes_continue,
            message,
            fix: rule.fix.to_owned(),
            atlas: rule.atlas.map(str::to_owned),
            allowed: None,
        }
    }

    pub(crate) fn on(mut self, table: &str) -> Finding {
        self.table = Some(table.to_owned());
        self
    }

    /// Its severity under `options`.
    pub(crate) fn finish(mut self, options: &Options) -> Finding {
        self.severity = match rules::rule(&self.code).kind {
            Kind::Blocking | Kind::Destructive | Kind::Annotation => Severity::Error,
            Kind::Incompatible if options.mixed_versions => Severity::Error,
            Kind::Incompatible
            | Kind::Rebuild
            | Kind::DataDependent
            | Kind::Waits
            | Kind::Unknown => Severity::Warning,
        };
        self
    }

    /// `file:line:column`.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Where a statement starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

/// The lint of a release's migrations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// The MySQL version it was keyed to.
    pub engine_version: String,
    /// The version the database had reached: older files were replayed,
    /// not linted. `None`: every file was linted as new.
    pub since: Option<u64>,
    /// Whether old and new tasks serve together for a while (blue/green,
    /// canary, linear): backward-incompatible changes are errors.
    pub mixed_versions: bool,
    /// The files linted, oldest first.
    pub files: Vec<String>,
    /// Every finding, allowed ones included, in file order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Findings that stop the release: errors no annotation allows.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error && f.allowed.is_none())
    }

    /// Warnings no annotation allows.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning && f.allowed.is_none())
    }

    /// Findings an annotation allows.
    pub fn allowed(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.allowed.is_some())
    }

    /// Errors as warnings, each saying why: the database records no
    /// version, so the files linted may have run already, and an error
    /// would stop every release until one is recorded.
    pub fn unsure(&mut self) {
        for finding in &mut self.findings {
            if finding.severity == Severity::Error && finding.allowed.is_none() {
                finding.severity = Severity::Warning;
                finding
                    .message
                    .push_str(" (a warning: the database records no migration version, so this file may have run already)");
            }
        }
    }

    /// One line: what was linted and what it found.
    pub fn summary(&self) -> String {
        let files = match self.files.as_slice() {
            [] => "no new migration files".to_owned(),
            [one] => one.clone(),
            [first, .., last] => format!("{} files ({first} … {last})", self.files.len()),
        };
        let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let (errors, warnings, allowed) = (
            self.errors().count(),
            self.warnings().count(),
            self.allowed().count(),
        );
        let mut parts = Vec::new();
        if errors > 0 {
            parts.push(count(errors, "error"));
        }
        if warnings > 0 {
            parts.push(count(warnings, "warning"));
        }
        if allowed > 0 {
            parts.push(format!("{allowed} allowed"));
        }
        if parts.is_empty() {
            parts.push("clean".to_owned());
        }
        format!("{files}: {}", parts.join(", "))
    }
}

impl std::fmt::Display for Finding {
    /// `file:line:column: error ML101 [COPY, writes wait]: message`, then
    /// the fix (and the annotation's reason) on lines of their own.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match (self.severity, &self.allowed) {
            (_, Some(_)) => "allowed",
            (Severity::Error, None) => "error",
            (Severity::Warning, None) => "warning",
        };
        write!(f, "{}: {severity} {}", self.location(), self.code)?;
        if let Some(algorithm) = self.algorithm {
            let writes = match self.writes_continue {
                Some(true) => ", writes continue",
                Some(false) => ", writes wait",
                None => "",
            };
            write!(f, " [{algorithm}{writes}]")?;
        }
        write!(f, ": {}", self.message)?;
        match &self.allowed {
            Some(reason) => write!(f, "\n    allowed: {reason}"),
            None => write!(f, "\n    fix: {}", self.fix),
        }
    }
}
