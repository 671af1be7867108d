//! The MySQL migration lint: what each statement of the golang-migrate
//! files a release applies will do to a live database, before the
//! migration task runs them.
//!
//! 1. Every `.up.sql` file is cut into statements by sqlparser's MySQL
//!    tokenizer ([`split`]), keeping each statement's line and column and
//!    the comments before it (where `awsdeploy:allow` annotations live).
//! 2. The files up to [`Options::since`] (what the database has already
//!    applied) are replayed into a schema model ([`schema`]): tables,
//!    columns with their types, nullability and character sets, indexes,
//!    and InnoDB's instant row versions. They are not linted.
//! 3. The files after it are linted statement by statement against that
//!    model, which each statement then updates ([`analyse`]): a statement
//!    on a table the same batch created is exempt (nothing reads it yet).
//! 4. Each finding names its rule ([`rules::RULES`]: a stable code, its
//!    severity, the algorithm MySQL picks, whether writes continue, and
//!    the safe way), its file, line and column; an annotation comment
//!    naming the code and a reason allows it on purpose.
//!
//! Statements the parser cannot read are findings of their own (`ML001`),
//! never skipped silently. The lint reads no files and calls nothing: the
//! caller hands it the files' text.

mod alter;
mod analyse;
mod report;
pub mod rules;
mod schema;
mod split;

pub use report::{Algorithm, Finding, Report, Severity};

/// One golang-migrate up file: its version, file name and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub version: u64,
    pub name: String,
    pub sql: String,
}

/// What the lint needs besides the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The database's MySQL version (`database.engine_version`: `8.0`,
    /// `8.0.39`, `8.4`).
    pub engine_version: String,
    /// The version the database has reached: files up to it are history
    /// (replayed, not linted). `None`: every file is new, as on a database
    /// no migration has run on.
    pub since: Option<u64>,
    /// Old tasks keep serving beside new ones for a while (blue/green,
    /// canary and linear deployments): backward-incompatible changes are
    /// errors rather than warnings.
    pub mixed_versions: bool,
}

/// Lints the files newer than `options.since` (oldest first, whatever
/// order they come in), after replaying the older ones.
pub fn lint(sources: &[Source], options: &Options) -> Report {
    let mut sources: Vec<&Source> = sources.iter().collect();
    sources.sort_by_key(|s| s.version);
    let mut model = schema::Schema::new(schema::Engine::parse(&options.engine_version));
    let mut report = Report {
        engine_version: options.engine_version.clone(),
        since: options.since,
        mixed_versions: options.mixed_versions,
        files: Vec::new(),
        findings: Vec::new(),
    };
    for source in sources {
        let history = options.since.is_some_and(|since| source.version <= since);
        if !history {
            report.files.push(source.name.clone());
        }
        let findings = analyse::file(&mut model, source, history);
        if !history {
            report
                .findings
                .extend(findings.into_iter().map(|f| f.finish(options)));
        }
    }
    report
}

/// How many statements `sql` holds (0 when it cannot be cut).
pub fn statements(sql: &str) -> usize {
    split::statements(sql).map_or(0, |s| s.len())
}

#[cfg(test)]
mod tests;
