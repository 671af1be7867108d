//! One file, statement by statement: what each does to the schema model
//! and which rules it breaks, then the annotations that allow some.
//!
//! 1. The file is cut into statements ([`split`]); one the tokenizer
//!    cannot read is one `ML001` for the file.
//! 2. `ALTER TABLE`, `CREATE FULLTEXT|SPATIAL INDEX` and `OPTIMIZE TABLE`
//!    go to [`alter`], which reads the clauses sqlparser's MySQL dialect
//!    lacks itself; every other statement is parsed by sqlparser.
//! 3. `SET [SESSION] lock_wait_timeout` and `SET foreign_key_checks` are
//!    the file's session: golang-migrate runs a file on one connection.
//! 4. Findings on a table this batch made are dropped; the rest meet the
//!    statement's annotations.

use sqlparser::ast::{ObjectName, ObjectType, Statement as Sql};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use crate::report::{Finding, Place};
use crate::schema::{Column, Schema, Table};
use crate::split::{self, Statement};
use crate::{Source, alter};

/// What a file's earlier statements set on its connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Session {
    /// `SET [SESSION] lock_wait_timeout = …` came first.
    pub lock_wait: bool,
    pub foreign_key_checks: bool,
    /// `ML120` was reported once for this file.
    pub warned: bool,
}

/// Where one statement is linted: the model, the file's session, and what
/// it found.
pub(crate) struct Cx<'a> {
    pub model: &'a mut Schema,
    pub session: &'a mut Session,
    pub place: Place,
    pub found: Vec<Finding>,
}

impl Cx<'_> {
    /// A finding of `code` on `table`, unless this batch made the table
    /// (nothing reads it yet).
    pub fn emit(
        &mut self,
        code: &'static str,
        table: &str,
        message: String,
    ) -> Option<&mut Finding> {
        if self.model.is_new(table) {
            return None;
        }
        self.found
            .push(Finding::new(code, &self.place, message).on(table));
        self.found.last_mut()
    }

    /// The statement changes `table`: without a short `lock_wait_timeout`
    /// first, that is `ML120` (once a file, and not for a table this
    /// batch made).
    pub fn ddl(&mut self, table: &str) {
        if self.session.lock_wait || self.session.warned || self.model.is_new(table) {
            return;
        }
        self.session.warned = true;
        self.emit(
            "ML120",
            table,
            format!("changes {table} without `SET SESSION lock_wait_timeout` first in this file: it waits for the table's metadata lock behind any open transaction, and every query on {table} queues behind it, for up to a year (the default)"),
        );
    }
}

/// The findings of `source`'s statements, the model updated as they
/// go; `history`: the file has run before, so it only updates the model.
pub(crate) fn file(model: &mut Schema, source: &Source, history: bool) -> Vec<Finding> {
    let split::File {
        statements,
        trailing,
    } = match split::file(&source.sql) {
        Ok(file) => file,
        Err(error) => {
            let place = Place {
                file: source.name.clone(),
                line: error.line,
                column: error.column,
            };
            return vec![Finding::new(
                "ML001",
                &place,
                format!("the file cannot be read from here on: {}", error.message),
            )];
        }
    };
    let mut session = Session {
        lock_wait: false,
        foreign_key_checks: true,
        warned: false,
    };
    let mut out = Vec::new();
    for statement in &statements {
        let place = Place {
            file: source.name.clone(),
            line: statement.line,
            column: statement.column,
        };
        let mut cx = Cx {
            model,
            session: &mut session,
            place,
            found: Vec::new(),
        };
        one(&mut cx, statement, history);
        let found = std::mem::take(&mut cx.found);
        if !history {
            out.extend(allow(&cx.place, statement, found));
        }
    }
    if !history && split::allows(&trailing).iter().any(Result::is_ok) {
        let place = Place {
            file: source.name.clone(),
            line: statements.last().map_or(1, |s| s.line),
            column: 1,
        };
        out.push(Finding::new(
            "ML003",
            &place,
            "an annotation after the file's last statement allows nothing (an annotation is for the statement right after it)".to_owned(),
        ));
    }
    out
}

/// Lints one statement into `cx.found`; `history`: tables it makes are not
/// new (the database has them).
fn one(cx: &mut Cx<'_>, statement: &Statement, history: bool) {
    let significant = statement.significant();
    let words = words(&significant);
    let names = names(&significant);
    let first: Vec<&str> = words.iter().take(3).map(String::as_str).collect();
    match first.as_slice() {
        ["ALTER", "TABLE" | "IGNORE" | "ONLINE", ..] => alter::alter_table(cx, statement),
        ["CREATE", "FULLTEXT" | "SPATIAL", "INDEX"] => {
            alter::create_special_index(cx, &words, &names);
        }
        ["OPTIMIZE", ..] => alter::optimize(cx, &words, &names),
        _ => match parse(&text(statement, first.first() == Some(&"SET"))) {
            Ok(sql) => parsed(cx, statement, &sql, history),
            Err(message) => {
                cx.found.push(Finding::new(
                    "ML001",
                    &cx.place,
                    format!("not checked: the MySQL parser cannot read it ({message})"),
                ));
            }
        },
    }
}

/// The statement's text for the parser; in a `SET`, `:=` is `=` (MySQL
/// reads both there; sqlparser's MySQL dialect only `=`).
fn text(statement: &Statement, set: bool) -> String {
    statement
        .tokens
        .iter()
        .map(|t| match &t.token {
            Token::Assignment if set => "=".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

/// The statement's words, upper case (symbols as written).
pub(crate) fn words(tokens: &[&Token]) -> Vec<String> {
    tokens
        .iter()
        .map(|t| match t {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
            Token::Word(w) => w.value.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// The statement's words as written (for names in messages).
pub(crate) fn names(tokens: &[&Token]) -> Vec<String> {
    tokens
        .iter()
        .map(|t| match t {
            Token::Word(w) => w.value.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// `text` parsed as one MySQL statement.
pub(crate) fn parse(text: &str) -> Result<Sql, String> {
    let mut statements = Parser::parse_sql(&MySqlDialect {}, text).map_err(|e| {
        e.to_string()
            .trim_start_matches("sql parser error: ")
            .to_owned()
    })?;
    match statements.len() {
        1 => Ok(statements.remove(0)),
        n => Err(format!("read as {n} statements")),
    }
}

/// The last part of a (possibly `db.`-qualified) name.
pub(crate) fn table_name(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map_or_else(|| name.to_string(), |i| i.value.clone())
}

/// What a statement sqlparser reads does.
fn parsed(cx: &mut Cx<'_>, statement: &Statement, sql: &Sql, history: bool) {
    match sql {
        Sql::CreateTable(create) => {
            let name = table_name(&create.name);
            if create.if_not_exists && cx.model.table_exists(&name) {
                return;
            }
            let mut table = Table {
                new: !history,
                known: create.like.is_none() && create.query.is_none(),
                charset: table_charset(statement),
                ..Table::default()
            };
            for column in &create.columns {
                let c = Column::of(&column.data_type, column.options.iter().map(|o| &o.option));
                table.primary_key |= c.primary_key;
                table.put(None, &column.name.value, c);
            }
            for constraint in &create.constraints {
                alter::constrain(&mut table, constraint);
            }
            cx.model.create(&name, table);
        }
        Sql::CreateIndex(index) => {
            let name = table_name(&index.table_name);
            cx.ddl(&name);
            if index.unique {
                cx.emit(
                    "ML304",
                    &name,
                    format!("adds a UNIQUE index to {name}: it fails on the first duplicate, and tasks still writing duplicates fail after it"),
                );
            }
        }
        Sql::Drop {
            object_type,
            names,
            table,
            ..
        } => match object_type {
            ObjectType::Table => {
                for name in names {
                    let name = table_name(name);
                    cx.ddl(&name);
                    cx.emit("ML201", &name, format!("drops {name} and every row in it"));
                    cx.model.drop(&name);
                }
            }
            ObjectType::Index => {
                if let Some(table) = table {
                    cx.ddl(&table_name(table));
                }
            }
            ObjectType::Database | ObjectType::Schema => {
                for name in names {
                    let name = table_name(name);
                    cx.emit(
                        "ML201",
                        &name,
                        format!("drops the database {name} and every table in it"),
                    );
                }
            }
            _ => {}
        },
        Sql::RenameTable(renames) => {
            for rename in renames {
                let (old, new) = (table_name(&rename.old_name), table_name(&rename.new_name));
                cx.ddl(&old);
                cx.emit(
                    "ML301",
                    &old,
                    format!(
                        "renames {old} to {new}: tasks on the previous image still query {old}"
                    ),
                );
                cx.model.rename(&old, &new);
            }
        }
        Sql::Truncate(truncate) => {
            for target in &truncate.table_names {
                let name = table_name(&target.name);
                cx.ddl(&name);
                cx.emit("ML203", &name, format!("deletes every row of {name}"));
            }
        }
        Sql::Set(set) => session(cx.session, set),
        _ => {}
    }
}

/// The table's `[DEFAULT] CHARSET|CHARACTER SET [=] x` after its columns.
fn table_charset(statement: &Statement) -> Option<String> {
    let words = words(&statement.significant());
    let mut depth = 0i32;
    let mut after = 0;
    for (i, w) in words.iter().enumerate() {
        match w.as_str() {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    after = i;
                }
            }
            _ => {}
        }
    }
    charset_in(&words[after..])
}

/// The value of the first `CHARSET [=] x` / `CHARACTER SET [=] x` in
/// `words`.
pub(crate) fn charset_in(words: &[String]) -> Option<String> {
    let at = words
        .windows(2)
        .position(|w| w[0] == "CHARSET" || (w[0] == "CHARACTER" && w[1] == "SET"))?;
    let skip = if words[at] == "CHARSET" { 1 } else { 2 };
    words[at + skip..]
        .iter()
        .find(|w| *w != "=")
        .map(|w| w.trim_matches(['\'', '"']).to_ascii_lowercase())
}

/// `SET [SESSION] lock_wait_timeout = n` and `SET foreign_key_checks = 0|1`.
fn session(session: &mut Session, set: &sqlparser::ast::Set) {
    use sqlparser::ast::{ContextModifier, Set};
    /// A variable, its values, and whether it is `GLOBAL`.
    type Assignment<'a> = (&'a ObjectName, &'a [sqlparser::ast::Expr], bool);
    let assignments: Vec<Assignment<'_>> = match set {
        Set::SingleAssignment {
            scope,
            variable,
            values,
            ..
        } => vec![(
            variable,
            values.as_slice(),
            matches!(scope, Some(ContextModifier::Global)),
        )],
        Set::MultipleAssignments { assignments } => assignments
            .iter()
            .map(|a| {
                (
                    &a.name,
                    std::slice::from_ref(&a.value),
                    matches!(a.scope, Some(ContextModifier::Global)),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    for (variable, values, global) in assignments {
        let parts: Vec<String> = variable
            .0
            .iter()
            .map(|p| p.to_string().to_ascii_lowercase())
            .collect();
        // `@@foreign_key_checks`, `@@session.x`, `@@global.x`.
        let last = parts.last().map(|p| p.trim_start_matches('@').to_owned());
        let global = global || parts.first().is_some_and(|p| p == "@@global");
        let value = values.first().map(|v| v.to_string().to_ascii_lowercase());
        match last.as_deref() {
            Some("lock_wait_timeout") if !global => session.lock_wait = true,
            Some("foreign_key_checks") if !global => {
                session.foreign_key_checks =
                    !matches!(value.as_deref(), Some("0" | "off" | "false"));
            }
            _ => {}
        }
    }
}

/// `found` with the statement's annotations applied: a finding a valid
/// annotation names is allowed with its reason; a malformed annotation is
/// `ML002`, one that allows nothing here `ML003`.
fn allow(place: &Place, statement: &Statement, mut found: Vec<Finding>) -> Vec<Finding> {
    let mut extra = Vec::new();
    for annotation in split::allows(&statement.comments) {
        match annotation {
            Ok(allow) => {
                for code in &allow.codes {
                    let mut used = false;
                    for finding in found.iter_mut().filter(|f| f.code == *code) {
                        finding.allowed = Some(allow.reason.clone());
                        used = true;
                    }
                    if !used {
                        extra.push(Finding::new(
                            "ML003",
                            place,
                            format!(
                                "the annotation allows {code}, which this statement does not break (an annotation is for the statement right after it)"
                            ),
                        ));
                    }
                }
            }
            Err(comment) => extra.push(Finding::new(
                "ML002",
                place,
                format!("`{comment}` names no rule code the lint knows, or gives no reason"),
            )),
        }
    }
    found.extend(extra);
    found
}
