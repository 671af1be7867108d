//! `ALTER TABLE` (and `CREATE FULLTEXT|SPATIAL INDEX`, `OPTIMIZE TABLE`):
//! the algorithm MySQL picks for each clause, from the online DDL tables.
//!
//! 1. The clauses are cut at top-level commas. Table options sqlparser's
//!    MySQL dialect does not read (`CONVERT TO CHARACTER SET`, `ENGINE`,
//!    `[DEFAULT] CHARSET`, `ROW_FORMAT`, `FORCE`, partitioning, `RENAME
//!    INDEX`, `ALGORITHM`, `LOCK`, …) are read here from their words; the
//!    rest goes to sqlparser as one `ALTER TABLE`.
//! 2. Each operation is compared with the model: a changed column with
//!    its earlier definition (VARCHAR bytes in its character set, ENUM and
//!    SET members), an index with the table's.
//! 3. What blocks writes is a finding of its own; what only rebuilds the
//!    table in place is one `ML114` for the statement; instant ADD/DROP
//!    COLUMN counts a row version, and the 65th is `ML113`.
//! 4. An explicit `ALGORITHM=INSTANT|INPLACE` or `LOCK=NONE|SHARED` the
//!    statement cannot honour makes MySQL refuse it: its findings say so.

use std::fmt::Write as _;

use sqlparser::ast::{
    AlterColumnOperation, AlterTableAlgorithm, AlterTableLock, AlterTableOperation, ColumnOption,
    DataType, MySQLColumnPosition, Statement as Sql, TableConstraint,
};
use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::analyse::{Cx, charset_in, parse, words};
use crate::rules::{self, Kind};
use crate::schema::{self, Column, MAX_ROW_VERSIONS, Members, Table, max_bytes};
use crate::split::{self, Statement};

/// A clause sqlparser does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TableOption {
    Convert(String),
    Engine(String),
    Charset(String),
    Rebuild(&'static str),
    Partitioning(String),
    DropsPartitions(String),
    Algorithm(String),
    Lock(String),
    Metadata,
}

/// What one statement does, beyond its findings.
#[derive(Debug, Default)]
struct Effect {
    /// Rebuilds the table (COPY, or in place).
    rebuilt: bool,
    /// What rebuilds it in place without another finding saying so.
    rebuilds: Vec<String>,
    /// Adds or drops a column instantly (a row version).
    instant_change: bool,
    algorithm: Option<String>,
    lock: Option<String>,
}

/// `ALTER [ONLINE|IGNORE] TABLE name clause, clause, …`.
pub(crate) fn alter_table(cx: &mut Cx<'_>, statement: &Statement) {
    let tokens = &statement.tokens;
    let positions: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let word = |i: usize| match &tokens[positions[i]].token {
        Token::Word(w) => Some(w.clone()),
        _ => None,
    };
    let Some(at) = (0..positions.len()).find(|&i| {
        word(i).is_some_and(|w| w.quote_style.is_none() && w.value.eq_ignore_ascii_case("TABLE"))
    }) else {
        return;
    };
    let mut end = at + 1;
    let Some(mut name) = positions.get(end).and_then(|_| word(end)).map(|w| w.value) else {
        return unreadable(cx, "no table name after ALTER TABLE");
    };
    if positions
        .get(end + 1)
        .is_some_and(|&p| tokens[p].token == Token::Period)
    {
        end += 2;
        match positions.get(end).and_then(|_| word(end)) {
            Some(w) => name = w.value,
            None => return unreadable(cx, "no table name after the schema"),
        }
    }
    let rest = positions
        .get(end)
        .map_or(&tokens[..0], |&p| &tokens[p + 1..]);
    let mut options = Vec::new();
    let mut clauses = Vec::new();
    for clause in top_level(rest) {
        let words = words(&split::significant(clause));
        if words.is_empty() {
            continue;
        }
        match option(&words) {
            Some(option) => options.push(option),
            None => clauses.push(split::text(clause).trim().to_owned()),
        }
    }
    let mut operations = Vec::new();
    if !clauses.is_empty() {
        let text = format!("ALTER TABLE `{name}` {}", clauses.join(", "));
        match parse(&text) {
            Ok(Sql::AlterTable(alter)) => operations = alter.operations,
            Ok(_) => return unreadable(cx, "read as another statement"),
            Err(message) => return unreadable(cx, &message),
        }
    }
    if operations.is_empty() && options.is_empty() {
        return;
    }
    cx.ddl(&name);
    let mut effect = Effect::default();
    let first = cx.found.len();
    let adds_pk = operations.iter().any(|op| {
        matches!(
            op,
            AlterTableOperation::AddConstraint {
                constraint: TableConstraint::PrimaryKey(_),
                ..
            }
        )
    });
    let mut renamed = None;
    for op in &operations {
        if let AlterTableOperation::RenameTable { table_name } = op {
            let new = match table_name {
                sqlparser::ast::RenameTableNameKind::As(n)
                | sqlparser::ast::RenameTableNameKind::To(n) => crate::analyse::table_name(n),
            };
            cx.emit(
                "ML301",
                &name,
                format!("renames {name} to {new}: tasks on the previous image still query {name}"),
            );
            renamed = Some(new);
            continue;
        }
        operation(cx, &name, op, adds_pk, &mut effect);
    }
    for option in &options {
        table_option(cx, &name, option, &mut effect);
    }
    finish(cx, &name, first, &effect);
    if let Some(new) = renamed {
        cx.model.rename(&name, &new);
    }
}

/// A statement that cannot be read: `ML001`.
fn unreadable(cx: &mut Cx<'_>, message: &str) {
    let place = cx.place.clone();
    cx.found.push(crate::report::Finding::new(
        "ML001",
        &place,
        format!("not checked: the MySQL parser cannot read it ({message})"),
    ));
}

/// `tokens` cut at commas outside parentheses.
fn top_level(tokens: &[TokenWithSpan]) -> Vec<&[TokenWithSpan]> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, token) in tokens.iter().enumerate() {
        match token.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => {
                out.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&tokens[start..]);
    out
}

/// The value after `words[at]` and an optional `=`.
fn value(words: &[String], at: usize) -> String {
    words[at..]
        .iter()
        .find(|w| *w != "=")
        .map(|w| w.trim_matches(['\'', '"']).to_owned())
        .unwrap_or_default()
}

/// A table option read from its words, or `None` for sqlparser.
fn option(words: &[String]) -> Option<TableOption> {
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    Some(match (w(0), w(1)) {
        ("CONVERT", "TO") => {
            TableOption::Convert(charset_in(words).unwrap_or_else(|| "another set".to_owned()))
        }
        ("ENGINE", _) => TableOption::Engine(value(words, 1).to_ascii_lowercase()),
        ("DEFAULT", "CHARSET" | "CHARACTER") | ("CHARSET" | "CHARACTER", _) => {
            TableOption::Charset(charset_in(words).unwrap_or_default())
        }
        ("ROW_FORMAT", _) => TableOption::Rebuild("changes ROW_FORMAT"),
        ("KEY_BLOCK_SIZE", _) => TableOption::Rebuild("changes KEY_BLOCK_SIZE"),
        ("FORCE", _) => TableOption::Rebuild("FORCE"),
        ("PARTITION", "BY") => TableOption::Partitioning("partitions it (PARTITION BY)".to_owned()),
        ("REMOVE", "PARTITIONING") => {
            TableOption::Partitioning("removes its partitioning".to_owned())
        }
        ("COALESCE" | "REORGANIZE" | "REBUILD", "PARTITION") => {
            TableOption::Partitioning(format!("{} PARTITION", w(0)))
        }
        ("DROP" | "TRUNCATE", "PARTITION") => TableOption::DropsPartitions(w(0).to_owned()),
        (
            "ADD" | "ANALYZE" | "CHECK" | "OPTIMIZE" | "REPAIR" | "EXCHANGE",
            "PARTITION",
        )
        | ("DEFAULT", "COLLATE")
        | ("RENAME", "INDEX" | "KEY")
        // DROP INDEX's synonym: in place, metadata only.
        | ("DROP", "KEY")
        | (
            "COLLATE" | "COMMENT" | "STATS_PERSISTENT" | "STATS_AUTO_RECALC" | "STATS_SAMPLE_PAGES"
            | "PACK_KEYS" | "CHECKSUM" | "DELAY_KEY_WRITE" | "MAX_ROWS" | "MIN_ROWS",
            _,
        ) => TableOption::Metadata,
        ("ALGORITHM", _) => TableOption::Algorithm(value(words, 1).to_ascii_uppercase()),
        ("LOCK", _) => TableOption::Lock(value(words, 1).to_ascii_uppercase()),
        _ => return None,
    })
}

/// One operation sqlparser read.
fn operation(
    cx: &mut Cx<'_>,
    name: &str,
    op: &AlterTableOperation,
    adds_pk: bool,
    effect: &mut Effect,
) {
    match op {
        AlterTableOperation::AddColumn {
            column_def,
            column_position,
            ..
        } => {
            let column = Column::of(
                &column_def.data_type,
                column_def.options.iter().map(|o| &o.option),
            );
            add_column(
                cx,
                name,
                &column_def.name.value,
                column,
                column_position.as_ref(),
                effect,
            );
        }
        AlterTableOperation::DropColumn { column_names, .. } => {
            for column in column_names {
                drop_column(cx, name, &column.value, effect);
            }
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => {
            rename_column(cx, name, &old_column_name.value, &new_column_name.value);
            cx.model
                .table(name)
                .rename(&old_column_name.value, &new_column_name.value);
        }
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            column_position,
        } => {
            if !old_name.value.eq_ignore_ascii_case(&new_name.value) {
                rename_column(cx, name, &old_name.value, &new_name.value);
            }
            let change = Change {
                old: &old_name.value,
                new: &new_name.value,
                data_type,
                options,
                moved: column_position.is_some(),
            };
            modify(cx, name, &change, effect);
        }
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            column_position,
        } => {
            let change = Change {
                old: &col_name.value,
                new: &col_name.value,
                data_type,
                options,
                moved: column_position.is_some(),
            };
            modify(cx, name, &change, effect);
        }
        AlterTableOperation::AddConstraint { constraint, .. } => {
            add_constraint(cx, name, constraint, effect);
        }
        AlterTableOperation::DropPrimaryKey { .. } => {
            if !adds_pk {
                cx.emit(
                    "ML107",
                    name,
                    format!("drops the primary key of {name} without adding another: only ALGORITHM=COPY can, and writes wait until the table is copied"),
                );
            }
            effect.rebuilt |= !adds_pk;
            cx.model.table(name).primary_key = false;
        }
        AlterTableOperation::Algorithm { .. } | AlterTableOperation::Lock { .. } => {
            explicit(op, effect);
        }
        AlterTableOperation::AlterColumn {
            op: AlterColumnOperation::SetDefault { .. } | AlterColumnOperation::DropDefault,
            ..
        }
        | AlterTableOperation::DropForeignKey { .. }
        | AlterTableOperation::DropIndex { .. }
        | AlterTableOperation::DropConstraint { .. }
        | AlterTableOperation::AutoIncrement { .. } => {}
        other => unreadable(cx, &format!("the lint does not know `{other}`")),
    }
}

/// `ALGORITHM=…` / `LOCK=…`, as the statement asks.
fn explicit(op: &AlterTableOperation, effect: &mut Effect) {
    match op {
        AlterTableOperation::Algorithm { algorithm, .. } => {
            effect.algorithm = Some(
                match algorithm {
                    AlterTableAlgorithm::Default => "DEFAULT",
                    AlterTableAlgorithm::Instant => "INSTANT",
                    AlterTableAlgorithm::Inplace => "INPLACE",
                    AlterTableAlgorithm::Copy => "COPY",
                }
                .to_owned(),
            );
        }
        AlterTableOperation::Lock { lock, .. } => {
            effect.lock = Some(
                match lock {
                    AlterTableLock::Default => "DEFAULT",
                    AlterTableLock::None => "NONE",
                    AlterTableLock::Shared => "SHARED",
                    AlterTableLock::Exclusive => "EXCLUSIVE",
                }
                .to_owned(),
            );
        }
        _ => {}
    }
}

fn add_column(
    cx: &mut Cx<'_>,
    name: &str,
    column_name: &str,
    column: Column,
    position: Option<&MySQLColumnPosition>,
    effect: &mut Effect,
) {
    let engine = cx.model.engine;
    let fulltext = cx.model.table(name).fulltext;
    if column.generated == Some(true) {
        cx.emit(
            "ML105",
            name,
            format!("adds the STORED generated column {name}.{column_name}: MySQL copies the table to compute it, and writes wait"),
        );
        effect.rebuilt = true;
    } else if column.auto_increment {
        cx.emit(
            "ML106",
            name,
            format!("adds the AUTO_INCREMENT column {name}.{column_name}: the table is rebuilt in place and writes wait (LOCK=SHARED at best)"),
        );
        effect.rebuilt = true;
    } else if column.generated.is_some() {
        // A VIRTUAL column is instant on a table that is not partitioned.
    } else if fulltext {
        effect.rebuilds.push(format!(
            "adds {column_name} to a table with a FULLTEXT index (no INSTANT)"
        ));
    } else if !engine.instant_add() {
        effect
            .rebuilds
            .push(format!("adds {column_name} (INSTANT from 8.0.12)"));
    } else if position.is_some() && !engine.instant_anywhere() {
        effect.rebuilds.push(format!(
            "adds {column_name} {} (INSTANT only as the last column before 8.0.29)",
            position.map_or(String::new(), ToString::to_string)
        ));
    } else {
        effect.instant_change = true;
    }
    if !column.nullable
        && !column.has_default
        && !column.auto_increment
        && column.generated.is_none()
    {
        cx.emit(
            "ML303",
            name,
            format!("adds {name}.{column_name} NOT NULL without a DEFAULT: existing rows get the type's zero value, and inserts from tasks on the previous image fail (\"Field '{column_name}' doesn't have a default value\")"),
        );
    }
    if column.unique {
        cx.emit(
            "ML304",
            name,
            format!(
                "adds {name}.{column_name} with a UNIQUE index: tasks still writing duplicates fail"
            ),
        );
    }
    if column.primary_key {
        effect
            .rebuilds
            .push(format!("adds the primary key {column_name}"));
        cx.model.table(name).primary_key = true;
    }
    cx.model.table(name).put(None, column_name, column);
}

fn drop_column(cx: &mut Cx<'_>, name: &str, column_name: &str, effect: &mut Effect) {
    let engine = cx.model.engine;
    let table = cx.model.table(name);
    let (fulltext, old) = (table.fulltext, table.column(column_name).cloned());
    table.remove(column_name);
    if old.as_ref().is_some_and(|c| c.generated == Some(false)) {
        return;
    }
    cx.emit(
        "ML202",
        name,
        format!("drops {name}.{column_name} and its data: tasks on the previous image still read and write it"),
    );
    if old.as_ref().is_some_and(|c| c.generated == Some(true)) {
        effect
            .rebuilds
            .push(format!("drops the STORED column {column_name}"));
    } else if engine.instant_anywhere() && !fulltext {
        effect.instant_change = true;
    } else {
        effect.rebuilds.push(format!("drops {column_name}"));
    }
}

fn rename_column(cx: &mut Cx<'_>, name: &str, old: &str, new: &str) {
    let algorithm = if cx.model.engine.instant_rename() {
        crate::Algorithm::Instant
    } else {
        crate::Algorithm::Inplace
    };
    if let Some(finding) = cx.emit(
        "ML302",
        name,
        format!("renames {name}.{old} to {new}: tasks on the previous image still use {old}"),
    ) {
        finding.algorithm = Some(algorithm);
    }
}

/// `MODIFY` / `CHANGE`: the column before and after.
struct Change<'a> {
    old: &'a str,
    new: &'a str,
    data_type: &'a DataType,
    options: &'a [ColumnOption],
    moved: bool,
}

fn is_text(ty: &str) -> bool {
    [
        "CHAR",
        "VARCHAR",
        "TINYTEXT",
        "TEXT",
        "MEDIUMTEXT",
        "LONGTEXT",
        "ENUM",
        "SET",
    ]
    .iter()
    .any(|t| ty == *t || ty.starts_with(&format!("{t}(")) || ty.starts_with(&format!("{t} ")))
}

fn modify(cx: &mut Cx<'_>, name: &str, change: &Change<'_>, effect: &mut Effect) {
    let column = Column::of(change.data_type, change.options);
    let table = cx.model.table(name);
    let Some(old) = table.column(change.old).cloned() else {
        let what = if table.known {
            "no earlier migration defines it"
        } else {
            "no earlier migration made the table"
        };
        table.put(Some(change.old), change.new, column);
        cx.emit(
            "ML100",
            name,
            format!("changes {name}.{}, but {what}: the lint cannot tell whether MySQL copies the table", change.old),
        );
        return;
    };
    let (before, after) = (
        old.charset(table).to_owned(),
        column.charset(table).to_owned(),
    );
    let text = is_text(&old.ty) || is_text(&column.ty);
    let charset_changes = text && before != after;
    let column_name = change.old;
    table.put(Some(change.old), change.new, column.clone());
    if let (Some(a), Some(b), false) = (old.varchar, column.varchar, charset_changes) {
        let (from, to) = (a * max_bytes(&before), b * max_bytes(&before));
        if to < from {
            cx.emit(
                "ML103",
                name,
                format!("shrinks {name}.{column_name} from VARCHAR({a}) to VARCHAR({b}): MySQL copies the table to check every row, and writes wait"),
            );
            effect.rebuilt = true;
        } else if from <= 255 && to > 255 {
            cx.emit(
                "ML102",
                name,
                format!("grows {name}.{column_name} from VARCHAR({a}) to VARCHAR({b}) in {before}: from {from} to {to} bytes, past 255, so its length prefix grows from 1 to 2 bytes and MySQL copies the table; writes wait"),
            );
            effect.rebuilt = true;
        }
    } else if let (Some((kind, a)), Some((kind2, b)), false) =
        (&old.members, &column.members, charset_changes)
        && kind == kind2
    {
        members(cx, name, column_name, *kind, (a, b), effect);
    } else if old.ty != column.ty || charset_changes {
        let what = if charset_changes {
            format!("{} {before} to {} {after}", old.ty, column.ty)
        } else {
            format!("{} to {}", old.ty, column.ty)
        };
        cx.emit(
            "ML101",
            name,
            format!("changes {name}.{column_name} from {what}: MySQL copies the table, and writes wait until it is done"),
        );
        effect.rebuilt = true;
    }
    if old.nullable && !column.nullable {
        cx.emit(
            "ML115",
            name,
            format!("makes {name}.{column_name} NOT NULL: it fails if a row holds NULL, tasks on the previous image that write NULL fail after it, and the table is rebuilt in place"),
        );
        effect.rebuilt = true;
    } else if !old.nullable && column.nullable {
        effect.rebuilds.push(format!("makes {column_name} NULL"));
    }
    if change.moved {
        effect.rebuilds.push(format!("moves {column_name}"));
    }
}

/// An ENUM's or a SET's members from `a` to `b`: appended within the same
/// storage is instant; anything else copies the table.
fn members(
    cx: &mut Cx<'_>,
    name: &str,
    column: &str,
    kind: Members,
    (a, b): (&[String], &[String]),
    effect: &mut Effect,
) {
    let (what, base) = match kind {
        Members::Enum => ("ENUM", 110),
        Members::Set => ("SET", 120),
    };
    let storage = |n: usize| match kind {
        Members::Enum => usize::from(n > 255) + 1,
        Members::Set => match n {
            0..=8 => 1,
            9..=16 => 2,
            17..=24 => 3,
            25..=32 => 4,
            _ => 8,
        },
    };
    let (problem, atlas) = if b.starts_with(a) {
        if storage(a.len()) == storage(b.len()) {
            return;
        }
        (
            format!(
                "grows from {} to {} members, which takes {} bytes instead of {}",
                a.len(),
                b.len(),
                storage(b.len()),
                storage(a.len())
            ),
            base + 3,
        )
    } else if a.iter().any(|m| !b.contains(m)) {
        ("removes members".to_owned(), base)
    } else if b.iter().filter(|m| a.contains(m)).ne(a.iter()) {
        ("reorders its members".to_owned(), base + 1)
    } else {
        ("inserts members before the end".to_owned(), base + 2)
    };
    if let Some(finding) = cx.emit(
        "ML104",
        name,
        format!("changes the {what} {name}.{column}: it {problem}, so MySQL renumbers the values and copies the table; writes wait"),
    ) {
        finding.atlas = Some(format!("MY{atlas}"));
    }
    effect.rebuilt = true;
}

fn add_constraint(cx: &mut Cx<'_>, name: &str, constraint: &TableConstraint, effect: &mut Effect) {
    match constraint {
        TableConstraint::PrimaryKey(_) => {
            effect.rebuilds.push("adds a primary key".to_owned());
            cx.model.table(name).primary_key = true;
        }
        TableConstraint::Unique(_) => {
            cx.emit(
                "ML304",
                name,
                format!("adds a UNIQUE index to {name}: it fails on the first duplicate, and tasks still writing duplicates fail after it"),
            );
        }
        TableConstraint::FulltextOrSpatial(index) if index.fulltext => {
            let first = !cx.model.table(name).fulltext;
            cx.emit(
                "ML108",
                name,
                format!(
                    "adds a FULLTEXT index to {name}: writes wait until it is built{}",
                    if first {
                        ", and as its first FULLTEXT index it rebuilds the table"
                    } else {
                        ""
                    }
                ),
            );
            effect.rebuilt |= first;
            cx.model.table(name).fulltext = true;
        }
        TableConstraint::FulltextOrSpatial(_) => {
            cx.emit(
                "ML109",
                name,
                format!("adds a SPATIAL index to {name}: writes wait until it is built"),
            );
        }
        TableConstraint::ForeignKey(_) if cx.session.foreign_key_checks => {
            cx.emit(
                "ML110",
                name,
                format!("adds a foreign key to {name} with foreign_key_checks on: MySQL copies the table (in place only with the checks off), and writes wait"),
            );
            effect.rebuilt = true;
        }
        _ => {}
    }
}

fn table_option(cx: &mut Cx<'_>, name: &str, option: &TableOption, effect: &mut Effect) {
    match option {
        TableOption::Convert(charset) => {
            cx.emit(
                "ML111",
                name,
                format!("converts {name} to {charset}: every text column is rewritten, the table is rebuilt and writes wait"),
            );
            effect.rebuilt = true;
            let table = cx.model.table(name);
            table.charset = Some(charset.clone());
            for (_, column) in &mut table.columns {
                column.charset = None;
            }
        }
        TableOption::Engine(engine) if engine == "innodb" => {
            effect
                .rebuilds
                .push("ENGINE=InnoDB (a null rebuild)".to_owned());
        }
        TableOption::Engine(engine) => {
            cx.emit(
                "ML112",
                name,
                format!(
                    "moves {name} to the {engine} engine: MySQL copies the table, and writes wait"
                ),
            );
            effect.rebuilt = true;
        }
        TableOption::Charset(charset) => {
            let table = cx.model.table(name);
            let before = table
                .charset
                .clone()
                .unwrap_or_else(|| schema::DEFAULT_CHARSET.to_owned());
            // Existing columns keep theirs.
            for (_, column) in &mut table.columns {
                column.charset.get_or_insert_with(|| before.clone());
            }
            table.charset = Some(charset.clone());
            if *charset != before {
                effect
                    .rebuilds
                    .push(format!("changes the default character set to {charset}"));
            }
        }
        TableOption::Rebuild(what) => effect.rebuilds.push((*what).to_owned()),
        TableOption::Partitioning(what) => {
            if let Some(finding) = cx.emit(
                "ML112",
                name,
                format!("{what} on {name}: MySQL copies the table or locks it, and writes wait"),
            ) {
                finding.atlas = Some("MY139".to_owned());
            }
            effect.rebuilt = true;
        }
        TableOption::DropsPartitions(how) => {
            cx.emit(
                "ML203",
                name,
                format!("{how} PARTITION deletes the rows of those partitions of {name}"),
            );
        }
        TableOption::Algorithm(algorithm) => effect.algorithm = Some(algorithm.clone()),
        TableOption::Lock(lock) => effect.lock = Some(lock.clone()),
        TableOption::Metadata => {}
    }
}

/// The statement's rebuild, row versions and explicit algorithm.
fn finish(cx: &mut Cx<'_>, name: &str, first: usize, effect: &Effect) {
    let engine = cx.model.engine;
    if !effect.rebuilds.is_empty() && !effect.rebuilt {
        cx.emit(
            "ML114",
            name,
            format!("rebuilds {name} in place ({}): writes go on, but it takes as long as copying the table", effect.rebuilds.join(", ")),
        );
    }
    let rebuilt = effect.rebuilt || !effect.rebuilds.is_empty();
    let table: &mut Table = cx.model.table(name);
    if rebuilt {
        table.row_versions = 0;
    } else if effect.instant_change && engine.instant_anywhere() {
        table.row_versions += 1;
        if table.row_versions > MAX_ROW_VERSIONS {
            table.row_versions = 0;
            cx.emit(
                "ML113",
                name,
                format!("adds or drops a column of {name} after {MAX_ROW_VERSIONS} instant ones since it was made or rebuilt: INSTANT is refused, so MySQL rebuilds the table in place"),
            );
        }
    }
    let refuses = |algorithm: Option<crate::Algorithm>, writes: Option<bool>| {
        let by_algorithm = match (effect.algorithm.as_deref(), algorithm) {
            (Some("INSTANT"), Some(crate::Algorithm::Inplace | crate::Algorithm::Copy))
            | (Some("INPLACE"), Some(crate::Algorithm::Copy)) => effect.algorithm.clone(),
            _ => None,
        };
        let by_lock = match (effect.lock.as_deref(), writes) {
            (Some("NONE"), Some(false)) => Some("LOCK=NONE".to_owned()),
            _ => None,
        };
        by_algorithm.map(|a| format!("ALGORITHM={a}")).or(by_lock)
    };
    for finding in &mut cx.found[first..] {
        if rules::rule(&finding.code).kind != Kind::Blocking {
            continue;
        }
        if let Some(clause) = refuses(finding.algorithm, finding.writes_continue) {
            let _ = write!(
                finding.message,
                "; with {clause} in the statement, MySQL refuses it instead: the migration fails before changing anything"
            );
        }
    }
}

/// `CREATE FULLTEXT|SPATIAL INDEX name ON table (…)`.
pub(crate) fn create_special_index(cx: &mut Cx<'_>, words: &[String]) {
    let Some(on) = words.iter().position(|w| w == "ON") else {
        return unreadable(cx, "no ON table");
    };
    let mut name = words.get(on + 1).cloned().unwrap_or_default();
    if words.get(on + 2).is_some_and(|w| w == ".") {
        name = words.get(on + 3).cloned().unwrap_or_default();
    }
    cx.ddl(&name);
    let constraint =
        TableConstraint::FulltextOrSpatial(sqlparser::ast::FullTextOrSpatialConstraint {
            fulltext: words[1] == "FULLTEXT",
            index_type_display: sqlparser::ast::KeyOrIndexDisplay::Index,
            opt_index_name: None,
            columns: Vec::new(),
        });
    let mut effect = Effect::default();
    let first = cx.found.len();
    add_constraint(cx, &name, &constraint, &mut effect);
    finish(cx, &name, first, &effect);
}

/// `OPTIMIZE [NO_WRITE_TO_BINLOG | LOCAL] TABLE t[, t…]`: rebuilds each.
pub(crate) fn optimize(cx: &mut Cx<'_>, words: &[String]) {
    let Some(at) = words.iter().position(|w| w == "TABLE" || w == "TABLES") else {
        return unreadable(cx, "no TABLE");
    };
    for name in words[at + 1..].iter().filter(|w| *w != "," && *w != ".") {
        cx.ddl(name);
        let effect = Effect {
            rebuilds: vec!["OPTIMIZE TABLE".to_owned()],
            ..Effect::default()
        };
        let first = cx.found.len();
        finish(cx, name, first, &effect);
    }
}

/// A `CREATE TABLE` constraint, into the model.
pub(crate) fn constrain(table: &mut Table, constraint: &TableConstraint) {
    match constraint {
        TableConstraint::PrimaryKey(_) => table.primary_key = true,
        TableConstraint::FulltextOrSpatial(index) if index.fulltext => table.fulltext = true,
        _ => {}
    }
}
