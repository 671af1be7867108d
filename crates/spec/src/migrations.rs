//! The local golang-migrate folder (`migration.path`), checked before a
//! migration runs so that a misnamed or unpaired file is caught on the
//! developer's machine, not half-way through a deploy.
//!
//! golang-migrate reads `<version>_<title>.up.<ext>` and
//! `<version>_<title>.down.<ext>` and silently skips every other name; a
//! skipped `.sql` file is a migration that never runs, so here it is an
//! error. Versions are unsigned integers (`001` and `1` are the same
//! version). Other files (a README, `.gitkeep`) and sub-folders are ignored,
//! as golang-migrate ignores them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One migration version: its up and down files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationVersion {
    pub version: u64,
    pub title: String,
    pub up: String,
    pub down: String,
}

/// The folder's migrations, oldest first, when it passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrations {
    pub path: PathBuf,
    pub versions: Vec<MigrationVersion>,
}

impl Migrations {
    /// The newest version, if any.
    pub fn latest(&self) -> Option<u64> {
        self.versions.last().map(|v| v.version)
    }
}

/// Why the folder cannot be used: every problem found, each with a fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintError {
    pub path: PathBuf,
    pub problems: Vec<String>,
}

impl std::fmt::Display for LintError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{} has {n} problem{}:",
            self.path.display(),
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LintError {}

impl LintError {
    fn one(path: &Path, problem: String) -> LintError {
        LintError {
            path: path.to_owned(),
            problems: vec![problem],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Direction {
    Up,
    Down,
}

/// Whether golang-migrate reads a file of this name
/// (`{version}_{title}.up|down.{ext}`).
pub fn is_migration_file(name: &str) -> bool {
    parse(name).is_some()
}

/// A file name golang-migrate reads: `(version, title, direction)`.
fn parse(name: &str) -> Option<(u64, &str, Direction)> {
    let (version, rest) = name.split_once('_')?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let version = version.parse().ok()?;
    let (stem, extension) = rest.rsplit_once('.')?;
    if extension.is_empty() {
        return None;
    }
    let (title, direction) = match stem.rsplit_once('.')? {
        (title, "up") => (title, Direction::Up),
        (title, "down") => (title, Direction::Down),
        _ => return None,
    };
    (!title.is_empty()).then_some((version, title, direction))
}

/// Checks the file names in `path`.
pub fn lint(path: &Path) -> Result<Migrations, LintError> {
    let entries = std::fs::read_dir(path).map_err(|e| {
        LintError::one(
            path,
            format!("cannot be read ({e}); migration.path is relative to the spec file"),
        )
    })?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| LintError::one(path, format!("cannot be listed ({e})")))?;
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    lint_names(path, &names)
}

/// Checks a folder's file names; the pure part of [`lint`].
pub fn lint_names(path: &Path, names: &[String]) -> Result<Migrations, LintError> {
    let mut names = names.to_vec();
    names.sort();
    let mut problems = Vec::new();
    // version → direction → the files claiming it
    let mut found: BTreeMap<u64, BTreeMap<Direction, Vec<&str>>> = BTreeMap::new();
    for name in &names {
        match parse(name) {
            Some((version, _, direction)) => found
                .entry(version)
                .or_default()
                .entry(direction)
                .or_default()
                .push(name),
            None if Path::new(name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("sql")) =>
            {
                problems.push(format!(
                "{name}: not a golang-migrate name, so golang-migrate would skip it; name it <version>_<title>.up.sql or <version>_<title>.down.sql (e.g. 3_add_orders.up.sql)"
                ));
            }
            None => {}
        }
    }
    let mut versions = Vec::new();
    for (version, files) in &found {
        for (direction, claimed) in files {
            if claimed.len() > 1 {
                problems.push(format!(
                    "version {version} has {} {} files ({}); golang-migrate refuses duplicate versions: renumber one of them",
                    claimed.len(),
                    if *direction == Direction::Up { "up" } else { "down" },
                    claimed.join(", ")
                ));
            }
        }
        match (files.get(&Direction::Up), files.get(&Direction::Down)) {
            (Some(up), Some(down)) => {
                let title = parse(up[0]).map_or("", |(_, t, _)| t).to_owned();
                versions.push(MigrationVersion {
                    version: *version,
                    title,
                    up: up[0].to_owned(),
                    down: down[0].to_owned(),
                });
            }
            (Some(up), None) => problems.push(format!(
                "{}: no down migration; add {} that undoes it (an empty file if it cannot be undone)",
                up[0],
                up[0].replace(".up.", ".down.")
            )),
            (None, Some(down)) => problems.push(format!(
                "{}: a down migration without an up; add {} or delete it",
                down[0],
                down[0].replace(".down.", ".up.")
            )),
            (None, None) => {}
        }
    }
    if found.is_empty() && problems.is_empty() {
        problems.push(
            "has no migrations; add <version>_<title>.up.sql and .down.sql files, or fix migration.path"
                .to_owned(),
        );
    }
    if problems.is_empty() {
        Ok(Migrations {
            path: path.to_owned(),
            versions,
        })
    } else {
        Err(LintError {
            path: path.to_owned(),
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/migrations")
            .join(name)
    }

    fn problems(name: &str) -> Vec<String> {
        lint(&fixture(name)).expect_err(name).problems
    }

    #[test]
    fn names() {
        assert_eq!(parse("001_init.up.sql"), Some((1, "init", Direction::Up)));
        assert_eq!(
            parse("20240101120000_add_orders.down.sql"),
            Some((20_240_101_120_000, "add_orders", Direction::Down))
        );
        for bad in [
            "1_init.sql",
            "init.up.sql",
            "1init.up.sql",
            "1_.up.sql",
            "a_init.up.sql",
            "1_init.upp.sql",
            "1_init.up.",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_example_folder_passes() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/migrations");
        let migrations = lint(&path).unwrap();
        assert!(migrations.versions.len() >= 2);
        assert_eq!(migrations.versions[0].version, 1);
    }

    #[test]
    fn a_good_folder_passes_and_ignores_other_files() {
        let migrations = lint(&fixture("good")).unwrap();
        let versions: Vec<u64> = migrations.versions.iter().map(|v| v.version).collect();
        assert_eq!(versions, [1, 2]);
        assert_eq!(migrations.latest(), Some(2));
    }

    #[test]
    fn a_misnamed_sql_file_is_named() {
        let problems = problems("bad-name");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("2_add_orders.sql: not a golang-migrate name"));
    }

    #[test]
    fn duplicate_versions_are_refused() {
        let problems = problems("duplicate-version");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0]
                .contains("version 2 has 2 up files (002_add_users.up.sql, 2_add_orders.up.sql)")
        );
        assert!(problems[1].contains("version 2 has 2 down files"));
    }

    #[test]
    fn an_up_without_a_down_is_refused() {
        let problems = problems("missing-down");
        assert_eq!(
            problems,
            [
                "2_add_orders.up.sql: no down migration; add 2_add_orders.down.sql that undoes it (an empty file if it cannot be undone)"
            ]
        );
    }

    #[test]
    fn a_down_without_an_up_is_refused() {
        let problems = problems("missing-up");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("2_add_orders.down.sql: a down migration without an up"));
    }

    #[test]
    fn an_empty_or_missing_folder_is_refused() {
        assert!(problems("empty")[0].contains("has no migrations"));
        assert!(problems("does-not-exist")[0].starts_with("cannot be read"));
    }

    #[test]
    fn every_problem_is_in_the_message() {
        let error = lint_names(
            Path::new("m"),
            &["1_a.up.sql".to_owned(), "2_b.down.sql".to_owned()],
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "m has 2 problems:\n  - 1_a.up.sql: no down migration; add 1_a.down.sql that undoes it (an empty file if it cannot be undone)\n  - 2_b.down.sql: a down migration without an up; add 2_b.up.sql or delete it"
        );
    }
}
