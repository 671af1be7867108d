//! The schema the migrations build, as far as the lint needs it: each
//! table's columns (type, nullability, character set, generated, auto
//! increment), whether it has a FULLTEXT index or a primary key, the
//! instant row versions InnoDB has counted on it, and whether this batch
//! created it.

use std::collections::BTreeMap;

use sqlparser::ast::{CharacterLength, ColumnOption, DataType, GeneratedExpressionMode};

/// The MySQL version the lint is keyed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Engine {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Engine {
    /// `8.0.39`, `8.0` (RDS's 8.0 minors are all 8.0.32 or later, so a
    /// bare `8.0` reads as 8.0.32), `8.4`. Anything unreadable reads as
    /// 8.0.32.
    pub fn parse(version: &str) -> Engine {
        let mut parts = version.split('.').map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse::<u32>()
                .ok()
        });
        let major = parts.next().flatten().unwrap_or(8);
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts
            .next()
            .flatten()
            .unwrap_or(if (major, minor) == (8, 0) { 32 } else { 0 });
        Engine {
            major,
            minor,
            patch,
        }
    }

    fn at_least(self, major: u32, minor: u32, patch: u32) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }

    /// INSTANT ADD COLUMN at any position and INSTANT DROP COLUMN.
    pub fn instant_anywhere(self) -> bool {
        self.at_least(8, 0, 29)
    }

    /// INSTANT ADD COLUMN (as the last column).
    pub fn instant_add(self) -> bool {
        self.at_least(8, 0, 12)
    }

    /// INSTANT RENAME COLUMN.
    pub fn instant_rename(self) -> bool {
        self.at_least(8, 0, 28)
    }
}

/// InnoDB's limit on instant ADD/DROP COLUMN row versions (8.0.29 to
/// 8.4); a rebuild resets the count.
pub(crate) const MAX_ROW_VERSIONS: u32 = 64;

/// A column, as its last definition left it.
#[allow(clippy::struct_excessive_bools)] // the facts of a definition
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Column {
    /// The type, upper case, integer display widths dropped.
    pub ty: String,
    /// A VARCHAR's length in characters.
    pub varchar: Option<u64>,
    /// An ENUM's or a SET's members, and which.
    pub members: Option<(Members, Vec<String>)>,
    pub nullable: bool,
    pub has_default: bool,
    pub auto_increment: bool,
    /// `Some(true)`: STORED; `Some(false)`: VIRTUAL.
    pub generated: Option<bool>,
    pub charset: Option<String>,
    pub unique: bool,
    pub primary_key: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Members {
    Enum,
    Set,
}

impl Column {
    /// The column a definition makes.
    pub fn of<'a>(
        data_type: &DataType,
        options: impl IntoIterator<Item = &'a ColumnOption>,
    ) -> Column {
        let mut column = Column {
            ty: normalise(&data_type.to_string()),
            nullable: true,
            ..Column::default()
        };
        match data_type {
            DataType::Varchar(Some(CharacterLength::IntegerLength { length, .. })) => {
                column.varchar = Some(*length);
            }
            DataType::Enum(members, _) => {
                let names = members
                    .iter()
                    .map(|m| match m {
                        sqlparser::ast::EnumMember::Name(n)
                        | sqlparser::ast::EnumMember::NamedValue(n, _) => n.clone(),
                    })
                    .collect();
                column.members = Some((Members::Enum, names));
            }
            DataType::Set(members) => column.members = Some((Members::Set, members.clone())),
            _ => {}
        }
        for option in options {
            match option {
                ColumnOption::Null => column.nullable = true,
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Default(_) => column.has_default = true,
                ColumnOption::CharacterSet(name) => {
                    column.charset = Some(name.to_string().to_ascii_lowercase());
                }
                ColumnOption::DialectSpecific(tokens)
                    if tokens
                        .iter()
                        .any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT")) =>
                {
                    column.auto_increment = true;
                }
                ColumnOption::Generated {
                    generation_expr: Some(_),
                    generation_expr_mode,
                    ..
                } => {
                    column.generated = Some(matches!(
                        generation_expr_mode,
                        Some(GeneratedExpressionMode::Stored)
                    ));
                }
                ColumnOption::PrimaryKey(_) => {
                    column.primary_key = true;
                    column.nullable = false;
                }
                ColumnOption::Unique(_) => column.unique = true,
                _ => {}
            }
        }
        column
    }

    /// Its character set: its own, or else the table's.
    pub fn charset<'a>(&'a self, table: &'a Table) -> &'a str {
        self.charset
            .as_deref()
            .or(table.charset.as_deref())
            .unwrap_or(DEFAULT_CHARSET)
    }
}

/// MySQL 8.0's and 8.4's default character set.
pub(crate) const DEFAULT_CHARSET: &str = "utf8mb4";

/// The most bytes one character takes in `charset` (4 for one the lint
/// does not know).
pub(crate) fn max_bytes(charset: &str) -> u64 {
    match charset {
        "latin1" | "ascii" | "binary" | "latin2" | "latin5" | "latin7" | "cp1250" | "cp1251"
        | "cp1256" | "cp1257" | "cp850" | "cp852" | "cp866" | "dec8" | "greek" | "hebrew"
        | "hp8" | "keybcs2" | "koi8r" | "koi8u" | "macce" | "macroman" | "swe7" | "tis620"
        | "armscii8" | "geostd8" => 1,
        "ucs2" | "gbk" | "big5" | "sjis" | "cp932" | "euckr" | "gb2312" => 2,
        "utf8" | "utf8mb3" | "ujis" | "eucjpms" => 3,
        _ => 4,
    }
}

/// `INT(11) UNSIGNED` → `INT UNSIGNED`; `INTEGER` → `INT`; `BOOL` →
/// `TINYINT`: what MySQL 8 stores is the same type.
pub(crate) fn normalise(ty: &str) -> String {
    let upper = ty
        .to_ascii_uppercase()
        .replace("DOUBLE PRECISION", "DOUBLE")
        .replace("CHARACTER VARYING", "VARCHAR");
    let mut words: Vec<String> = Vec::new();
    for word in upper.split_whitespace() {
        // What MySQL stores the same: the default precision, scale and
        // length, and SIGNED.
        let word = match word {
            "SIGNED" => continue,
            "DECIMAL" | "NUMERIC" | "DEC" | "FIXED" => "DECIMAL(10,0)",
            "REAL" => "DOUBLE",
            "CHAR" | "CHARACTER" => "CHAR(1)",
            "BINARY" => "BINARY(1)",
            "TIMESTAMP(0)" => "TIMESTAMP",
            "DATETIME(0)" => "DATETIME",
            "TIME(0)" => "TIME",
            other => other,
        };
        let word = word
            .replace("NUMERIC(", "DECIMAL(")
            .replace("DEC(", "DECIMAL(");
        let word = match word
            .strip_prefix("DECIMAL(")
            .and_then(|r| r.strip_suffix(')'))
        {
            Some(precision) if !precision.contains(',') => format!("DECIMAL({precision},0)"),
            _ => word,
        };
        let word = word.as_str();
        let base = word.split('(').next().unwrap_or(word);
        let base = match base {
            "INTEGER" => "INT",
            "BOOL" | "BOOLEAN" => "TINYINT",
            other => other,
        };
        let integer = matches!(
            base,
            "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT"
        );
        if integer || base != word.split('(').next().unwrap_or(word) {
            words.push(base.to_owned());
        } else {
            words.push(word.to_owned());
        }
    }
    words.join(" ")
}

/// A table.
#[allow(clippy::struct_excessive_bools)] // the facts the rules read
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Table {
    /// Its columns by lower-case name, in order.
    pub columns: Vec<(String, Column)>,
    /// Its default character set, when a migration named it.
    pub charset: Option<String>,
    /// Made by this batch: nothing reads it yet, so no rule applies.
    pub new: bool,
    /// Made by a migration (its columns are known).
    pub known: bool,
    pub fulltext: bool,
    pub spatial: bool,
    pub primary_key: bool,
    /// Instant ADD/DROP COLUMN statements since it was made or rebuilt.
    pub row_versions: u32,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        let name = name.to_ascii_lowercase();
        self.columns
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c)
    }

    /// Sets `name` (after removing `old`, when it is a rename).
    pub fn put(&mut self, old: Option<&str>, name: &str, column: Column) {
        let key = old.unwrap_or(name).to_ascii_lowercase();
        match self.columns.iter_mut().find(|(n, _)| *n == key) {
            Some(slot) => *slot = (name.to_ascii_lowercase(), column),
            None => self.columns.push((name.to_ascii_lowercase(), column)),
        }
    }

    /// The columns of a primary key are NOT NULL.
    pub fn not_null(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        if let Some((_, column)) = self.columns.iter_mut().find(|(n, _)| *n == name) {
            column.nullable = false;
            column.primary_key = true;
        }
    }

    pub fn remove(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        self.columns.retain(|(n, _)| *n != name);
    }

    pub fn rename(&mut self, old: &str, new: &str) {
        let old = old.to_ascii_lowercase();
        if let Some(slot) = self.columns.iter_mut().find(|(n, _)| *n == old) {
            slot.0 = new.to_ascii_lowercase();
        }
    }
}

/// Every table the migrations made or touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Schema {
    pub engine: Engine,
    tables: BTreeMap<String, Table>,
}

impl Schema {
    pub fn new(engine: Engine) -> Schema {
        Schema {
            engine,
            tables: BTreeMap::new(),
        }
    }

    /// The table `name`; one no migration made is taken as existing, its
    /// columns unknown.
    pub fn table(&mut self, name: &str) -> &mut Table {
        self.tables.entry(key(name)).or_default()
    }

    pub fn table_exists(&self, name: &str) -> bool {
        self.tables.contains_key(&key(name))
    }

    pub fn is_new(&self, name: &str) -> bool {
        self.tables.get(&key(name)).is_some_and(|t| t.new)
    }

    pub fn create(&mut self, name: &str, table: Table) {
        self.tables.insert(key(name), table);
    }

    pub fn drop(&mut self, name: &str) {
        self.tables.remove(&key(name));
    }

    pub fn rename(&mut self, old: &str, new: &str) {
        let table = self.tables.remove(&key(old)).unwrap_or_default();
        self.tables.insert(key(new), table);
    }
}

/// Table names compare without case (RDS for MySQL's `lower_case_table_names`
/// is 0, but one table under two cases is a bug the lint need not model).
fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            Engine::parse("8.0"),
            Engine {
                major: 8,
                minor: 0,
                patch: 32
            }
        );
        assert_eq!(
            Engine::parse("8.0.28"),
            Engine {
                major: 8,
                minor: 0,
                patch: 28
            }
        );
        assert_eq!(
            Engine::parse("8.4"),
            Engine {
                major: 8,
                minor: 4,
                patch: 0
            }
        );
        assert!(!Engine::parse("8.0.28").instant_anywhere());
        assert!(Engine::parse("8.4.3").instant_anywhere());
    }

    #[test]
    fn types_compare_as_mysql_stores_them() {
        assert_eq!(normalise("int(11) unsigned"), "INT UNSIGNED");
        assert_eq!(normalise("INTEGER"), "INT");
        assert_eq!(normalise("bigint(20)"), "BIGINT");
        assert_eq!(normalise("VARCHAR(20)"), "VARCHAR(20)");
        assert_eq!(normalise("DECIMAL(10,2)"), "DECIMAL(10,2)");
        assert_eq!(normalise("DECIMAL"), normalise("decimal(10,0)"));
        assert_eq!(normalise("NUMERIC(8)"), "DECIMAL(8,0)");
        assert_eq!(normalise("INT SIGNED"), "INT");
        assert_eq!(normalise("CHAR"), "CHAR(1)");
        assert_eq!(normalise("TIMESTAMP(0)"), "TIMESTAMP");
        assert_eq!(normalise("DOUBLE PRECISION"), normalise("REAL"));
    }
}
