//! Column operations: ADD, DROP, RENAME, MODIFY and CHANGE COLUMN, each
//! compared with the column's earlier definition.

use sqlparser::ast::{ColumnOption, DataType, MySQLColumnPosition};

use super::Effect;
use crate::analyse::Cx;
use crate::schema::{Column, Members, max_bytes};

pub(super) fn add_column(
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

pub(super) fn drop_column(cx: &mut Cx<'_>, name: &str, column_name: &str, effect: &mut Effect) {
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

pub(super) fn rename_column(cx: &mut Cx<'_>, name: &str, old: &str, new: &str) {
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
pub(super) struct Change<'a> {
    pub old: &'a str,
    pub new: &'a str,
    pub data_type: &'a DataType,
    pub options: &'a [ColumnOption],
    pub moved: bool,
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

pub(super) fn modify(cx: &mut Cx<'_>, name: &str, change: &Change<'_>, effect: &mut Effect) {
    let mut column = Column::of(change.data_type, change.options);
    let table = cx.model.table(name);
    // A primary key's column stays NOT NULL whatever MODIFY says.
    if table.column(change.old).is_some_and(|c| c.primary_key) {
        column.nullable = false;
        column.primary_key = true;
    }
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
        } else if to > from {
            if from <= 255 && to > 255 {
                cx.emit(
                    "ML102",
                    name,
                    format!("grows {name}.{column_name} from VARCHAR({a}) to VARCHAR({b}) in {before}: from {from} to {to} bytes, past 255, so its length prefix grows from 1 to 2 bytes and MySQL copies the table; writes wait"),
                );
                effect.rebuilt = true;
            }
            // In place, metadata only: not INSTANT.
            effect.inplace_only = true;
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
    if old.has_default && !column.has_default && !column.nullable && !column.auto_increment {
        default_dropped(cx, name, column_name);
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

/// `ML305`: a NOT NULL column without its DEFAULT now.
pub(super) fn default_dropped(cx: &mut Cx<'_>, name: &str, column: &str) {
    cx.emit(
        "ML305",
        name,
        format!("drops the DEFAULT of {name}.{column}, which is NOT NULL: inserts from tasks on the previous image that leave it out fail (\"Field '{column}' doesn't have a default value\")"),
    );
}
