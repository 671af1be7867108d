//! Every rule of the lint, with its stable code: what it is about, how
//! severe, the algorithm MySQL uses, and the safe way. The facts are the
//! MySQL 8.0/8.4 Reference Manual's "Online DDL Operations" tables
//! (`docs/migration-lint.md` cites each); Atlas's code is given where
//! Atlas checks the same thing.

use crate::Algorithm::{self, Copy, Inplace, Instant};

/// What a rule is about, which decides its severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Writes to the table wait until the statement ends (COPY, or an
    /// in-place operation without concurrent DML): an error.
    Blocking,
    /// The table is rebuilt in place; writes go on, but a big table takes
    /// long and replicas lag: a warning.
    Rebuild,
    /// Data is deleted: an error (the annotation is the explicit flag).
    Destructive,
    /// Tasks still running the previous image break: a warning under a
    /// rolling deployment, an error when old tasks serve for a bake.
    Incompatible,
    /// It fails on some data (duplicates, NULLs): a warning.
    DataDependent,
    /// The lint cannot tell (a statement it cannot read, a column no
    /// earlier migration defines): a warning.
    Unknown,
    /// The statement may wait behind open transactions, with every query
    /// on the table queued behind it: a warning.
    Waits,
    /// A malformed annotation: an error.
    Annotation,
}

/// One rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub code: &'static str,
    pub kind: Kind,
    pub title: &'static str,
    pub algorithm: Option<Algorithm>,
    pub writes_continue: Option<bool>,
    pub atlas: Option<&'static str>,
    pub fix: &'static str,
}

const EXPAND: &str = "expand and contract: add the new column or table beside the old one, write both from the application, backfill in batches, switch reads, and drop the old one in a later release; for a big table, use an online schema change tool (gh-ost, pt-online-schema-change); for a small one, allow it with `-- awsdeploy:allow CODE <reason>` above the statement";

const fn define(
    code: &'static str,
    kind: Kind,
    title: &'static str,
    algorithm: Option<(Algorithm, bool)>,
    atlas: Option<&'static str>,
    fix: &'static str,
) -> Rule {
    let (algorithm, writes_continue) = match algorithm {
        Some((a, w)) => (Some(a), Some(w)),
        None => (None, None),
    };
    Rule {
        code,
        kind,
        title,
        algorithm,
        writes_continue,
        atlas,
        fix,
    }
}

/// Every rule, by code.
pub const RULES: &[Rule] = &[
    define(
        "ML001",
        Kind::Unknown,
        "a statement the lint cannot read",
        None,
        None,
        "check the statement by hand against MySQL's online DDL tables, then allow it with `-- awsdeploy:allow ML001 <reason>` above it",
    ),
    define(
        "ML002",
        Kind::Annotation,
        "an annotation without a known code or a reason",
        None,
        None,
        "write `-- awsdeploy:allow CODE <reason>` (e.g. `-- awsdeploy:allow ML101 orders holds 2,000 rows`) on the line above the statement",
    ),
    define(
        "ML003",
        Kind::Unknown,
        "an annotation that allows nothing",
        None,
        None,
        "delete the annotation, or move it above the statement it is for",
    ),
    define(
        "ML004",
        Kind::Blocking,
        "a statement MySQL refuses for its ALGORITHM or LOCK clause",
        None,
        None,
        "drop the clause (and accept what the statement does, allowing its finding), or split the statement so each part can be done as asked",
    ),
    define(
        "ML100",
        Kind::Unknown,
        "a column no earlier migration defines",
        None,
        None,
        "the lint compares a changed column with its definition in the earlier migrations; when the table was made outside them, check the change against MySQL's online DDL tables by hand",
    ),
    define(
        "ML101",
        Kind::Blocking,
        "a column's data type changes",
        Some((Copy, false)),
        None,
        EXPAND,
    ),
    define(
        "ML102",
        Kind::Blocking,
        "a VARCHAR grows across 255 bytes",
        Some((Copy, false)),
        None,
        "size VARCHARs in one step across the boundary only on small tables; otherwise add a new column (expand and contract) or use an online schema change tool (gh-ost, pt-online-schema-change)",
    ),
    define(
        "ML103",
        Kind::Blocking,
        "a VARCHAR shrinks",
        Some((Copy, false)),
        None,
        EXPAND,
    ),
    define(
        "ML104",
        Kind::Blocking,
        "ENUM or SET members removed, reordered, inserted before the end, or past a storage boundary",
        Some((Copy, false)),
        Some("MY110"),
        "add new members at the end only (and keep an ENUM under 256 members, a SET within its byte); to rename or remove one, expand and contract",
    ),
    define(
        "ML105",
        Kind::Blocking,
        "a STORED generated column is added",
        Some((Copy, false)),
        Some("MY140"),
        "add it as VIRTUAL (instant), with an index on it if reads need one; or use an online schema change tool for a big table",
    ),
    define(
        "ML106",
        Kind::Blocking,
        "an AUTO_INCREMENT column is added",
        Some((Inplace, false)),
        Some("MY141"),
        "add the column without AUTO_INCREMENT, backfill it, then make it the key with an online schema change tool; or create the new table and copy rows in batches",
    ),
    define(
        "ML107",
        Kind::Blocking,
        "the primary key is dropped without another added in the same statement",
        Some((Copy, false)),
        Some("MY137"),
        "drop and add the primary key in one ALTER TABLE (`DROP PRIMARY KEY, ADD PRIMARY KEY (...)`), which MySQL does in place with writes going on",
    ),
    define(
        "ML108",
        Kind::Blocking,
        "a FULLTEXT index is added",
        Some((Inplace, false)),
        None,
        "build it with an online schema change tool (gh-ost, pt-online-schema-change) on a big table, or at a quiet hour; the first FULLTEXT index of a table also rebuilds it unless it has an FTS_DOC_ID column",
    ),
    define(
        "ML109",
        Kind::Blocking,
        "a SPATIAL index is added",
        Some((Inplace, false)),
        None,
        "build it with an online schema change tool (gh-ost, pt-online-schema-change) on a big table, or at a quiet hour",
    ),
    define(
        "ML110",
        Kind::Blocking,
        "a foreign key is added while foreign_key_checks is on",
        Some((Copy, false)),
        None,
        "check the data first, then `SET foreign_key_checks = 0;` before the ALTER TABLE (and `SET foreign_key_checks = 1;` after it): MySQL then adds the key in place, without copying the table",
    ),
    define(
        "ML111",
        Kind::Blocking,
        "a table is converted to another character set",
        Some((Inplace, false)),
        None,
        "convert with an online schema change tool (gh-ost, pt-online-schema-change), or column by column into new columns (expand and contract)",
    ),
    define(
        "ML112",
        Kind::Blocking,
        "the storage engine or the partitioning changes",
        Some((Copy, false)),
        Some("MY138"),
        "use an online schema change tool (gh-ost, pt-online-schema-change), or build the new table beside the old one and move the rows in batches",
    ),
    define(
        "ML113",
        Kind::Rebuild,
        "an instant ADD or DROP COLUMN past InnoDB's 64 row versions",
        Some((Inplace, true)),
        None,
        "after 64 instant column changes a table must be rebuilt (`ALTER TABLE t FORCE` or `OPTIMIZE TABLE t`, in place) before the next is instant; with ALGORITHM=INSTANT the statement fails; plan the rebuild at a quiet hour",
    ),
    define(
        "ML114",
        Kind::Rebuild,
        "the table is rebuilt in place",
        Some((Inplace, true)),
        None,
        "writes go on, but a big table takes as long as a copy and replicas lag behind; run it at a quiet hour, or with an online schema change tool",
    ),
    define(
        "ML116",
        Kind::Blocking,
        "a table with a FULLTEXT or SPATIAL index is rebuilt",
        Some((Copy, false)),
        None,
        "InnoDB cannot rebuild a table with a FULLTEXT index in place (it copies it), nor one with a SPATIAL index with writes going on: use an online schema change tool (gh-ost, pt-online-schema-change) on a big table, or run it at a quiet hour",
    ),
    define(
        "ML115",
        Kind::DataDependent,
        "a column becomes NOT NULL",
        Some((Inplace, true)),
        Some("MF104"),
        "backfill the NULLs first (UPDATE in batches), make every running version write a value, then change the column in a later release; it rebuilds the table in place",
    ),
    define(
        "ML120",
        Kind::Waits,
        "DDL on an existing table without a short lock_wait_timeout",
        None,
        None,
        "start the file with `SET SESSION lock_wait_timeout = 5;`: DDL waits for the table's metadata lock behind any open transaction, and every query on the table queues behind the DDL for as long as lock_wait_timeout (a year by default); with 5 seconds the migration fails fast and can be run again",
    ),
    define(
        "ML201",
        Kind::Destructive,
        "a table is dropped",
        None,
        Some("DS102"),
        "make sure nothing reads it (a release earlier) and that its rows are not needed (a snapshot), then allow it with `-- awsdeploy:allow ML201 <reason>`",
    ),
    define(
        "ML202",
        Kind::Destructive,
        "a column is dropped",
        None,
        Some("DS103"),
        "stop reading and writing it a release earlier, then allow it with `-- awsdeploy:allow ML202 <reason>`",
    ),
    define(
        "ML203",
        Kind::Destructive,
        "a table is emptied (TRUNCATE)",
        None,
        None,
        "make sure its rows are not needed, then allow it with `-- awsdeploy:allow ML203 <reason>`",
    ),
    define(
        "ML301",
        Kind::Incompatible,
        "a table is renamed",
        Some((Instant, true)),
        Some("BC101"),
        "tasks on the previous image still use the old name: create the new table, write both, backfill, switch reads, and drop the old one later (expand and contract)",
    ),
    define(
        "ML302",
        Kind::Incompatible,
        "a column is renamed",
        Some((Instant, true)),
        Some("BC102"),
        "tasks on the previous image still use the old name: add the new column, write both, backfill, switch reads, drop the old one later (expand and contract)",
    ),
    define(
        "ML303",
        Kind::Incompatible,
        "a NOT NULL column without a DEFAULT is added to an existing table",
        Some((Instant, true)),
        Some("MY101"),
        "give it a DEFAULT: tasks on the previous image insert rows without it and fail with \"Field doesn't have a default value\"; existing rows get the type's zero value",
    ),
    define(
        "ML304",
        Kind::DataDependent,
        "a UNIQUE index is added to an existing table",
        Some((Inplace, true)),
        Some("MF101"),
        "check for duplicates first (`SELECT col, COUNT(*) ... GROUP BY col HAVING COUNT(*) > 1`), and make every running version stop writing them; the ALTER fails on the first duplicate",
    ),
    define(
        "ML305",
        Kind::Incompatible,
        "a NOT NULL column loses its DEFAULT",
        None,
        None,
        "keep the DEFAULT (MODIFY and CHANGE restate the whole column: repeat it there) until no running version inserts rows without the column",
    ),
];

/// The rule of `code`.
///
/// # Panics
/// On a code no rule has: the analyser only names codes of [`RULES`],
/// which a unit test checks.
pub fn rule(code: &str) -> &'static Rule {
    find(code).unwrap_or_else(|| panic!("no lint rule {code}"))
}

/// The rule of `code`, if there is one.
pub fn find(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}
