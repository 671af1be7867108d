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
    AlterColumnOperation, AlterTableAlgorithm, AlterTableLock, AlterTableOperation,
    Statement as Sql, TableConstraint,
};
use sqlparser::tokenizer::{Token, TokenWithSpan};

mod columns;

use columns::{Change, add_column, drop_column, modify, rename_column};

use crate::analyse::{Cx, charset_in, parse, words};
use crate::rules::{self, Kind};
use crate::schema::{self, Column, MAX_ROW_VERSIONS, Table};
use crate::split::{self, Statement};

/// A clause sqlparser does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TableOption {
    /// In place, metadata only (`RENAME INDEX`, `DROP KEY`, `ADD
    /// PARTITION`, …).
    InPlace,
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
pub(super) struct Effect {
    /// Rebuilds the table (COPY, or in place).
    pub rebuilt: bool,
    /// What rebuilds it in place without another finding saying so.
    pub rebuilds: Vec<String>,
    /// Adds or drops a column instantly (a row version).
    pub instant_change: bool,
    /// Holds a clause INSTANT does not support (an index, a key, a table
    /// option): MySQL then does the whole statement in place, and a column
    /// added or dropped beside it rebuilds the table.
    pub inplace_only: bool,
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
            Some(found) => options.extend(found),
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

/// The table options of a clause read from its words (`ENGINE=InnoDB
/// DEFAULT CHARSET=utf8mb4` is two), or `None` for sqlparser.
fn option(words: &[String]) -> Option<Vec<TableOption>> {
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    let one = match (w(0), w(1)) {
        ("CONVERT", "TO") => {
            TableOption::Convert(charset_in(words).unwrap_or_else(|| "another set".to_owned()))
        }
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
        | ("RENAME", "INDEX" | "KEY")
        // DROP INDEX's synonym: in place, metadata only.
        | ("DROP", "KEY") => TableOption::InPlace,
        ("FORCE", _) => TableOption::Rebuild("FORCE"),
        ("ALGORITHM", _) => TableOption::Algorithm(value(words, 1).to_ascii_uppercase()),
        ("LOCK", _) => TableOption::Lock(value(words, 1).to_ascii_uppercase()),
        (first, second) if table_option_word(first, second) => return Some(table_options(words)),
        _ => return None,
    };
    Some(vec![one])
}

/// Whether a clause starting `first second` is a list of table options.
fn table_option_word(first: &str, second: &str) -> bool {
    matches!(
        first,
        "ENGINE"
            | "CHARSET"
            | "CHARACTER"
            | "COLLATE"
            | "ROW_FORMAT"
            | "KEY_BLOCK_SIZE"
            | "COMMENT"
            | "STATS_PERSISTENT"
            | "STATS_AUTO_RECALC"
            | "STATS_SAMPLE_PAGES"
            | "AUTO_INCREMENT"
            | "PACK_KEYS"
            | "CHECKSUM"
            | "DELAY_KEY_WRITE"
            | "MAX_ROWS"
            | "MIN_ROWS"
    ) || (first == "DEFAULT" && matches!(second, "CHARSET" | "CHARACTER" | "COLLATE"))
}

/// Every option in a list of table options (`ENGINE=InnoDB DEFAULT
/// CHARSET=utf8mb4 COMMENT='…'`); what only changes metadata is left out.
fn table_options(words: &[String]) -> Vec<TableOption> {
    let mut out = Vec::new();
    for (at, word) in words.iter().enumerate() {
        match word.as_str() {
            "ENGINE" => out.push(TableOption::Engine(
                value(words, at + 1).to_ascii_lowercase(),
            )),
            "ROW_FORMAT" => out.push(TableOption::Rebuild("changes ROW_FORMAT")),
            "KEY_BLOCK_SIZE" => out.push(TableOption::Rebuild("changes KEY_BLOCK_SIZE")),
            // In place, not INSTANT.
            "AUTO_INCREMENT" | "STATS_PERSISTENT" | "STATS_AUTO_RECALC" | "STATS_SAMPLE_PAGES" => {
                out.push(TableOption::InPlace);
            }
            _ => {}
        }
    }
    if let Some(charset) = charset_in(words) {
        out.push(TableOption::Charset(charset));
    }
    if out.is_empty() {
        out.push(TableOption::Metadata);
    }
    out
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
            effect.inplace_only |= !cx.model.engine.instant_rename();
            rename_column(cx, name, &old_column_name.value, &new_column_name.value);
            cx.model
                .table(name)
                .rename(&old_column_name.value, &new_column_name.value);
        }
        AlterTableOperation::ChangeColumn { .. } | AlterTableOperation::ModifyColumn { .. } => {
            change_column(cx, name, op, effect);
        }
        AlterTableOperation::AddConstraint { constraint, .. } => {
            effect.inplace_only = true;
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
            effect.inplace_only = true;
            cx.model.table(name).primary_key = false;
        }
        AlterTableOperation::Algorithm { .. } | AlterTableOperation::Lock { .. } => {
            explicit(op, effect);
        }
        AlterTableOperation::AlterColumn {
            column_name,
            op: AlterColumnOperation::DropDefault,
        } => {
            let table = cx.model.table(name);
            let column = table.column(&column_name.value).cloned();
            if let Some(mut column) = column {
                let had = column.has_default;
                column.has_default = false;
                table.put(None, &column_name.value, column.clone());
                if had && !column.nullable && !column.auto_increment {
                    columns::default_dropped(cx, name, &column_name.value);
                }
            }
        }
        AlterTableOperation::AlterColumn {
            column_name,
            op: AlterColumnOperation::SetDefault { .. },
        } => {
            let table = cx.model.table(name);
            if let Some(mut column) = table.column(&column_name.value).cloned() {
                column.has_default = true;
                table.put(None, &column_name.value, column);
            }
        }
        AlterTableOperation::DropForeignKey { .. }
        | AlterTableOperation::DropIndex { .. }
        | AlterTableOperation::DropConstraint { .. }
        | AlterTableOperation::AutoIncrement { .. } => effect.inplace_only = true,
        other => unreadable(cx, &format!("the lint does not know `{other}`")),
    }
}

/// `CHANGE old new …` (a rename when the names differ) and `MODIFY col …`.
fn change_column(cx: &mut Cx<'_>, name: &str, op: &AlterTableOperation, effect: &mut Effect) {
    let (old, new, data_type, options, position) = match op {
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            column_position,
        } => (old_name, new_name, data_type, options, column_position),
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            column_position,
        } => (col_name, col_name, data_type, options, column_position),
        _ => return,
    };
    if !old.value.eq_ignore_ascii_case(&new.value) {
        effect.inplace_only |= !cx.model.engine.instant_rename();
        rename_column(cx, name, &old.value, &new.value);
    }
    let change = Change {
        old: &old.value,
        new: &new.value,
        data_type,
        options,
        moved: position.is_some(),
    };
    modify(cx, name, &change, effect);
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

fn add_constraint(cx: &mut Cx<'_>, name: &str, constraint: &TableConstraint, effect: &mut Effect) {
    match constraint {
        TableConstraint::PrimaryKey(key) => {
            effect.rebuilds.push("adds a primary key".to_owned());
            let table = cx.model.table(name);
            table.primary_key = true;
            for column in key_columns(key) {
                table.not_null(&column);
            }
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
            cx.model.table(name).spatial = true;
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
    if !matches!(
        option,
        TableOption::Metadata | TableOption::Algorithm(_) | TableOption::Lock(_)
    ) {
        effect.inplace_only = true;
    }
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
        TableOption::InPlace | TableOption::Metadata => {}
    }
}

/// The statement's rebuild, row versions and explicit algorithm.
fn finish(cx: &mut Cx<'_>, name: &str, first: usize, effect: &Effect) {
    let engine = cx.model.engine;
    let mut rebuilds = effect.rebuilds.clone();
    // INSTANT only when every clause supports it; in place, adding or
    // dropping a column rebuilds the table.
    if effect.instant_change && (effect.inplace_only || !rebuilds.is_empty() || effect.rebuilt) {
        rebuilds.push("adds or drops a column beside a clause INSTANT does not support".to_owned());
    }
    if !rebuilds.is_empty() && !effect.rebuilt {
        let table = cx.model.table(name);
        let (fulltext, spatial) = (table.fulltext, table.spatial);
        let reasons = rebuilds.join(", ");
        if fulltext || spatial {
            let (algorithm, index, what) = if fulltext {
                (crate::Algorithm::Copy, "a FULLTEXT", "so MySQL copies it")
            } else {
                (
                    crate::Algorithm::Inplace,
                    "a SPATIAL",
                    "in place without concurrent writes",
                )
            };
            if let Some(finding) = cx.emit(
                "ML116",
                name,
                format!("rebuilds {name} ({reasons}), which has {index} index: InnoDB rebuilds it {what}, and writes wait"),
            ) {
                finding.algorithm = Some(algorithm);
            }
        } else {
            cx.emit(
                "ML114",
                name,
                format!("rebuilds {name} in place ({reasons}): writes go on, but it takes as long as copying the table"),
            );
        }
    }
    let rebuilt = effect.rebuilt || !rebuilds.is_empty();
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
    let mut refusal = None;
    for finding in &mut cx.found[first..] {
        if !matches!(
            rules::rule(&finding.code).kind,
            Kind::Blocking | Kind::Rebuild
        ) {
            continue;
        }
        if let Some(clause) = refuses(finding.algorithm, finding.writes_continue) {
            let _ = write!(
                finding.message,
                "; with {clause} in the statement, MySQL refuses it instead"
            );
            refusal = Some(clause);
        }
    }
    if let Some(clause) = refusal {
        cx.emit(
            "ML004",
            name,
            format!("MySQL refuses this statement: {clause} asks for what it cannot do here, so the migration fails (and golang-migrate marks the database dirty)"),
        );
    }
}

/// `CREATE FULLTEXT|SPATIAL INDEX name ON table (…)`; `names`: the words
/// as written.
pub(crate) fn create_special_index(cx: &mut Cx<'_>, words: &[String], names: &[String]) {
    let Some(on) = words.iter().position(|w| w == "ON") else {
        return unreadable(cx, "no ON table");
    };
    let mut name = names.get(on + 1).cloned().unwrap_or_default();
    if words.get(on + 2).is_some_and(|w| w == ".") {
        name = names.get(on + 3).cloned().unwrap_or_default();
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
pub(crate) fn optimize(cx: &mut Cx<'_>, words: &[String], names: &[String]) {
    let Some(at) = words.iter().position(|w| w == "TABLE" || w == "TABLES") else {
        return unreadable(cx, "no TABLE");
    };
    for name in names[at + 1..].iter().filter(|w| *w != "," && *w != ".") {
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
        TableConstraint::PrimaryKey(key) => {
            table.primary_key = true;
            for column in key_columns(key) {
                table.not_null(&column);
            }
        }
        TableConstraint::FulltextOrSpatial(index) if index.fulltext => table.fulltext = true,
        TableConstraint::FulltextOrSpatial(_) => table.spatial = true,
        _ => {}
    }
}

/// The columns a primary key names.
fn key_columns(key: &sqlparser::ast::PrimaryKeyConstraint) -> Vec<String> {
    key.columns
        .iter()
        .filter_map(|c| match &c.column.expr {
            sqlparser::ast::Expr::Identifier(ident) => Some(ident.value.clone()),
            _ => None,
        })
        .collect()
}
