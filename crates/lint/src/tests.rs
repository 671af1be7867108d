//! The rules, one table-driven case each, from the MySQL 8.0/8.4 manual's
//! online DDL tables (docs/migration-lint.md cites each row).

use std::fmt::Write as _;

use crate::{Algorithm, Options, Report, Severity, Source, lint};

/// The schema the cases start from: what earlier releases applied.
const HISTORY: &str = "CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  status ENUM('new','paid') NOT NULL DEFAULT 'new',
  flags SET('a','b','c','d','e','f','g','h') NULL,
  note VARCHAR(50) NULL,
  code VARCHAR(60) CHARACTER SET latin1 NOT NULL,
  qty INT(11) NOT NULL,
  customer_id BIGINT UNSIGNED NULL,
  body TEXT NULL,
  place POINT NOT NULL SRID 4326
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE customers (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(80) NOT NULL);
";

/// A release's file: a short `lock_wait_timeout`, then the statement on
/// line 2.
fn release(sql: &str) -> String {
    format!("SET SESSION lock_wait_timeout = 5;\n{sql}\n")
}

fn run(files: &[&str], engine: &str, mixed_versions: bool) -> Report {
    let mut sources = vec![Source {
        version: 1,
        name: "1_init.up.sql".to_owned(),
        sql: HISTORY.to_owned(),
    }];
    for (i, sql) in files.iter().enumerate() {
        let version = i as u64 + 2;
        sources.push(Source {
            version,
            name: format!("{version}_change.up.sql"),
            sql: (*sql).to_owned(),
        });
    }
    lint(
        &sources,
        &Options {
            engine_version: engine.to_owned(),
            since: Some(1),
            mixed_versions,
        },
    )
}

/// (code, line, algorithm) of each finding.
fn found(report: &Report) -> Vec<(String, u64, Option<Algorithm>)> {
    report
        .findings
        .iter()
        .map(|f| (f.code.clone(), f.line, f.algorithm))
        .collect()
}

fn expect(name: &str, sql: &str, expected: &[(&str, u64, Option<Algorithm>)]) {
    let report = run(&[&release(sql)], "8.0", false);
    let expected: Vec<(String, u64, Option<Algorithm>)> = expected
        .iter()
        .map(|(c, l, a)| ((*c).to_owned(), *l, *a))
        .collect();
    assert_eq!(
        found(&report),
        expected,
        "{name}: {sql}\n{:#?}",
        report.findings
    );
}

use Algorithm::{Copy, Inplace, Instant};

/// A case: its name, the statement, and (code, line, algorithm) of each
/// finding.
type Case<'a> = (&'a str, &'a str, &'a [(&'a str, u64, Option<Algorithm>)]);

#[test]
#[allow(clippy::too_many_lines)] // one table
fn each_rule_from_the_online_ddl_tables() {
    let cases: &[Case] = &[
        (
            "type change",
            "ALTER TABLE orders MODIFY qty BIGINT NOT NULL;",
            &[("ML101", 2, Some(Copy))],
        ),
        (
            "display width only",
            "ALTER TABLE orders MODIFY qty INT NOT NULL;",
            &[],
        ),
        (
            "varchar across 255 bytes (utf8mb4: 200 -> 256)",
            "ALTER TABLE orders MODIFY note VARCHAR(64) NULL;",
            &[("ML102", 2, Some(Copy))],
        ),
        (
            "varchar within 255 bytes (utf8mb4: 200 -> 252)",
            "ALTER TABLE orders MODIFY note VARCHAR(63) NULL;",
            &[],
        ),
        (
            "varchar across 255 bytes (latin1: 60 -> 300)",
            "ALTER TABLE orders MODIFY code VARCHAR(300) CHARACTER SET latin1 NOT NULL;",
            &[("ML102", 2, Some(Copy))],
        ),
        (
            "varchar within 255 bytes (latin1: 60 -> 255)",
            "ALTER TABLE orders MODIFY code VARCHAR(255) CHARACTER SET latin1 NOT NULL;",
            &[],
        ),
        (
            "varchar above 255 bytes both sides (customers.name 320 -> 1020)",
            "ALTER TABLE customers MODIFY name VARCHAR(255) NOT NULL;",
            &[],
        ),
        (
            "varchar shrinks",
            "ALTER TABLE orders MODIFY note VARCHAR(40) NULL;",
            &[("ML103", 2, Some(Copy))],
        ),
        (
            "a column's character set changes",
            "ALTER TABLE orders MODIFY code VARCHAR(60) NOT NULL;",
            &[("ML101", 2, Some(Copy))],
        ),
        (
            "NULL to NOT NULL",
            "ALTER TABLE orders MODIFY note VARCHAR(50) NOT NULL;",
            &[("ML115", 2, Some(Inplace))],
        ),
        (
            "NOT NULL to NULL",
            "ALTER TABLE orders MODIFY qty INT NULL;",
            &[("ML114", 2, Some(Inplace))],
        ),
        (
            "ENUM member appended",
            "ALTER TABLE orders MODIFY status ENUM('new','paid','shipped') NOT NULL DEFAULT 'new';",
            &[],
        ),
        (
            "ENUM members reordered",
            "ALTER TABLE orders MODIFY status ENUM('paid','new') NOT NULL DEFAULT 'new';",
            &[("ML104", 2, Some(Copy))],
        ),
        (
            "ENUM member inserted",
            "ALTER TABLE orders MODIFY status ENUM('new','held','paid') NOT NULL DEFAULT 'new';",
            &[("ML104", 2, Some(Copy))],
        ),
        (
            "ENUM member removed",
            "ALTER TABLE orders MODIFY status ENUM('new') NOT NULL DEFAULT 'new';",
            &[("ML104", 2, Some(Copy))],
        ),
        (
            "SET's 9th member takes a second byte",
            "ALTER TABLE orders MODIFY flags SET('a','b','c','d','e','f','g','h','i') NULL;",
            &[("ML104", 2, Some(Copy))],
        ),
        (
            "STORED generated column",
            "ALTER TABLE orders ADD COLUMN twice INT AS (qty * 2) STORED;",
            &[("ML105", 2, Some(Copy))],
        ),
        (
            "VIRTUAL generated column",
            "ALTER TABLE orders ADD COLUMN twice INT AS (qty * 2) VIRTUAL;",
            &[],
        ),
        (
            "AUTO_INCREMENT column",
            "ALTER TABLE customers ADD COLUMN seq BIGINT NOT NULL AUTO_INCREMENT, ADD KEY (seq);",
            &[("ML106", 2, Some(Inplace))],
        ),
        (
            "primary key dropped alone",
            "ALTER TABLE orders DROP PRIMARY KEY;",
            &[("ML107", 2, Some(Copy))],
        ),
        (
            "primary key dropped and added",
            "ALTER TABLE orders DROP PRIMARY KEY, ADD PRIMARY KEY (id, qty);",
            &[("ML114", 2, Some(Inplace))],
        ),
        (
            "FULLTEXT index",
            "ALTER TABLE orders ADD FULLTEXT INDEX body_text (body);",
            &[("ML108", 2, Some(Inplace))],
        ),
        (
            "FULLTEXT index by CREATE",
            "CREATE FULLTEXT INDEX body_text ON orders (body);",
            &[("ML108", 2, Some(Inplace))],
        ),
        (
            "SPATIAL index",
            "ALTER TABLE orders ADD SPATIAL INDEX places (place);",
            &[("ML109", 2, Some(Inplace))],
        ),
        (
            "secondary index",
            "CREATE INDEX orders_qty ON orders (qty);",
            &[],
        ),
        (
            "foreign key with checks on",
            "ALTER TABLE orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id);",
            &[("ML110", 2, Some(Copy))],
        ),
        (
            "foreign key with checks off",
            "SET foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id);\nSET foreign_key_checks = 1;",
            &[],
        ),
        (
            "charset conversion",
            "ALTER TABLE orders CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;",
            &[("ML111", 2, Some(Inplace))],
        ),
        (
            "default charset only",
            "ALTER TABLE orders DEFAULT CHARSET = latin1;",
            &[("ML114", 2, Some(Inplace))],
        ),
        (
            "engine change",
            "ALTER TABLE orders ENGINE = MyISAM;",
            &[("ML112", 2, Some(Copy))],
        ),
        (
            "partitioning",
            "ALTER TABLE orders PARTITION BY HASH(id) PARTITIONS 4;",
            &[("ML112", 2, Some(Copy))],
        ),
        (
            "null rebuild",
            "ALTER TABLE orders FORCE;",
            &[("ML114", 2, Some(Inplace))],
        ),
        (
            "rename column",
            "ALTER TABLE orders RENAME COLUMN note TO remark;",
            &[("ML302", 2, Some(Instant))],
        ),
        (
            "rename column by CHANGE",
            "ALTER TABLE orders CHANGE note remark VARCHAR(50) NULL;",
            &[("ML302", 2, Some(Instant))],
        ),
        (
            "drop column",
            "ALTER TABLE orders DROP COLUMN note;",
            &[("ML202", 2, None)],
        ),
        (
            "add a nullable column",
            "ALTER TABLE orders ADD COLUMN shipped_at DATETIME NULL AFTER qty;",
            &[],
        ),
        (
            "add NOT NULL without DEFAULT",
            "ALTER TABLE orders ADD COLUMN currency CHAR(3) NOT NULL;",
            &[("ML303", 2, Some(Instant))],
        ),
        (
            "add NOT NULL with DEFAULT",
            "ALTER TABLE orders ADD COLUMN currency CHAR(3) NOT NULL DEFAULT 'USD';",
            &[],
        ),
        (
            "unique index",
            "CREATE UNIQUE INDEX orders_code ON orders (code);",
            &[("ML304", 2, Some(Inplace))],
        ),
        (
            "unique key by ALTER",
            "ALTER TABLE orders ADD UNIQUE KEY orders_code (code);",
            &[("ML304", 2, Some(Inplace))],
        ),
        ("drop table", "DROP TABLE customers;", &[("ML201", 2, None)]),
        (
            "truncate",
            "TRUNCATE TABLE customers;",
            &[("ML203", 2, None)],
        ),
        (
            "rename table",
            "RENAME TABLE customers TO clients;",
            &[("ML301", 2, Some(Instant))],
        ),
        (
            "rename table by ALTER",
            "ALTER TABLE customers RENAME TO clients;",
            &[("ML301", 2, Some(Instant))],
        ),
        (
            "a column no migration defines",
            "ALTER TABLE orders MODIFY legacy INT NOT NULL;",
            &[("ML100", 2, None)],
        ),
        (
            "a table no migration made",
            "ALTER TABLE audit MODIFY at DATETIME NOT NULL;",
            &[("ML100", 2, None)],
        ),
        (
            "data changes are not DDL",
            "INSERT INTO customers (id, name) VALUES (1, 'a');\nUPDATE orders SET qty = 1 WHERE id = 2;",
            &[],
        ),
        (
            "a statement the parser cannot read",
            "ALTER TABLE orders FROBNICATE;",
            &[("ML001", 2, None)],
        ),
        (
            "a column added beside an index: in place, so the table is rebuilt",
            "ALTER TABLE orders ADD COLUMN x INT NULL, ADD INDEX (x);",
            &[("ML114", 2, Some(Inplace))],
        ),
        (
            "MODIFY without the DEFAULT drops it",
            "ALTER TABLE orders MODIFY status ENUM('new','paid') NOT NULL;",
            &[("ML305", 2, None)],
        ),
        (
            "ALTER COLUMN DROP DEFAULT on a NOT NULL column",
            "ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;",
            &[("ML305", 2, None)],
        ),
        (
            "foreign key checks off by @@",
            "SET @@foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id);",
            &[],
        ),
        (
            "a quote escaped in a string",
            "ALTER TABLE orders ADD COLUMN c VARCHAR(10) NULL COMMENT 'it''s';",
            &[],
        ),
        (
            "DECIMAL is DECIMAL(10,0)",
            "ALTER TABLE customers ADD COLUMN d DECIMAL NULL;\nALTER TABLE customers MODIFY d DECIMAL(10,0) NULL;",
            &[],
        ),
        (
            "engine and charset in one clause",
            "ALTER TABLE orders ENGINE=InnoDB DEFAULT CHARSET=latin1;",
            &[("ML114", 2, Some(Inplace))],
        ),
        (
            "SET DEFAULT, then MODIFY without it",
            "ALTER TABLE orders ALTER COLUMN qty SET DEFAULT 1;\nALTER TABLE orders MODIFY qty INT NOT NULL;",
            &[("ML305", 3, None)],
        ),
        (
            "DROP DEFAULT where there was none",
            "ALTER TABLE orders ALTER COLUMN qty DROP DEFAULT;",
            &[],
        ),
        (
            "a primary key's column stays NOT NULL",
            "ALTER TABLE customers MODIFY id BIGINT UNSIGNED;",
            &[],
        ),
        (
            "AUTO_INCREMENT and COMMENT in one clause",
            "ALTER TABLE orders AUTO_INCREMENT = 5 COMMENT = 'orders';",
            &[],
        ),
        (
            "a column added beside AUTO_INCREMENT=",
            "ALTER TABLE orders ADD COLUMN x INT NULL, AUTO_INCREMENT = 5;",
            &[("ML114", 2, Some(Inplace))],
        ),
        (
            "drop a database",
            "DROP DATABASE shop;",
            &[("ML201", 2, None)],
        ),
    ];
    for (name, sql, expected) in cases {
        expect(name, sql, expected);
    }
}

#[test]
fn ddl_without_a_short_lock_wait_timeout_is_reported_once_per_file() {
    let report = run(
        &["ALTER TABLE orders ADD INDEX q (qty);\nALTER TABLE orders ADD INDEX c (code);\n"],
        "8.0",
        false,
    );
    assert_eq!(found(&report), [("ML120".to_owned(), 1, None)]);
    assert_eq!(report.findings[0].severity, Severity::Warning);
    // SET GLOBAL changes new sessions only.
    let report = run(
        &["SET GLOBAL lock_wait_timeout = 5;\nALTER TABLE orders ADD INDEX q (qty);"],
        "8.0",
        false,
    );
    assert_eq!(found(&report), [("ML120".to_owned(), 2, None)]);
    let report = run(
        &["SET @@session.lock_wait_timeout = 5;\nALTER TABLE orders ADD INDEX q (qty);"],
        "8.0",
        false,
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn tables_the_batch_makes_are_exempt() {
    let sql = "CREATE TABLE refunds (id BIGINT NOT NULL PRIMARY KEY, note VARCHAR(10) NULL);\nALTER TABLE refunds MODIFY note VARCHAR(200) NOT NULL;\nALTER TABLE refunds ADD FULLTEXT INDEX ft (note);\nRENAME TABLE refunds TO returns;\nALTER TABLE returns DROP COLUMN note;";
    let report = run(&[sql], "8.0", false);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // Made in an earlier file of the same batch: still new.
    let report = run(
        &[
            "CREATE TABLE refunds (id BIGINT NOT NULL PRIMARY KEY);",
            "ALTER TABLE refunds ADD COLUMN at DATETIME NOT NULL;",
        ],
        "8.0",
        false,
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn every_file_is_new_when_no_migration_has_run() {
    let sources = [Source {
        version: 1,
        name: "1_init.up.sql".to_owned(),
        sql: format!("{HISTORY}ALTER TABLE orders MODIFY qty BIGINT NOT NULL;"),
    }];
    let report = lint(
        &sources,
        &Options {
            engine_version: "8.4".to_owned(),
            since: None,
            mixed_versions: false,
        },
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.files, ["1_init.up.sql"]);
}

#[test]
fn history_is_replayed_not_linted() {
    let report = run(&[], "8.0", false);
    assert!(report.files.is_empty());
    assert!(report.findings.is_empty());
}

#[test]
fn instant_column_changes_past_64_row_versions_rebuild() {
    let mut sql = String::from("SET SESSION lock_wait_timeout = 5;\n");
    for i in 0..65 {
        writeln!(sql, "ALTER TABLE orders ADD COLUMN c{i} INT NULL;").unwrap();
    }
    let report = run(&[&sql], "8.0", false);
    assert_eq!(found(&report), [("ML113".to_owned(), 66, Some(Inplace))]);
    // A rebuild in between resets the count.
    let sql = sql.replacen(
        "ADD COLUMN c30 INT NULL",
        "ADD COLUMN c30 INT NULL, FORCE",
        1,
    );
    let report = run(&[&sql], "8.0", false);
    assert_eq!(found(&report), [("ML114".to_owned(), 32, Some(Inplace))]);
}

#[test]
fn before_8_0_29_a_column_added_in_the_middle_or_dropped_rebuilds() {
    let report = run(
        &[&release("ALTER TABLE orders ADD COLUMN a INT NULL FIRST;")],
        "8.0.28",
        false,
    );
    assert_eq!(found(&report), [("ML114".to_owned(), 2, Some(Inplace))]);
    let report = run(
        &[&release("ALTER TABLE orders ADD COLUMN a INT NULL FIRST;")],
        "8.4",
        false,
    );
    assert!(report.findings.is_empty());
}

#[test]
fn an_explicit_algorithm_mysql_cannot_honour_is_refused_not_blocking() {
    let report = run(
        &[&release(
            "ALTER TABLE orders MODIFY qty BIGINT NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;",
        )],
        "8.0",
        false,
    );
    assert_eq!(
        found(&report),
        [
            ("ML101".to_owned(), 2, Some(Copy)),
            ("ML004".to_owned(), 2, None)
        ]
    );
    assert!(
        report.findings[0]
            .message
            .contains("with ALGORITHM=INPLACE in the statement, MySQL refuses it"),
        "{}",
        report.findings[0].message
    );
    assert_eq!(report.findings[1].severity, Severity::Error);
    // ALGORITHM=INSTANT on what MySQL does in place, too.
    let report = run(
        &[&release(
            "ALTER TABLE orders ADD COLUMN x INT NULL, ADD INDEX (x), ALGORITHM=INSTANT;",
        )],
        "8.0",
        false,
    );
    assert_eq!(
        found(&report),
        [
            ("ML114".to_owned(), 2, Some(Inplace)),
            ("ML004".to_owned(), 2, None)
        ]
    );
}

#[test]
fn backward_incompatible_changes_are_errors_when_old_tasks_serve_for_a_bake() {
    let sql = release("ALTER TABLE orders RENAME COLUMN note TO remark;");
    assert_eq!(
        run(&[&sql], "8.0", false).findings[0].severity,
        Severity::Warning
    );
    let report = run(&[&sql], "8.0", true);
    assert_eq!(report.findings[0].severity, Severity::Error);
    assert_eq!(report.errors().count(), 1);
    // Blocking and destructive changes are errors either way.
    let report = run(
        &[&release("ALTER TABLE orders DROP COLUMN note;")],
        "8.0",
        false,
    );
    assert_eq!(report.findings[0].severity, Severity::Error);
}

#[test]
fn an_annotation_allows_the_codes_it_names_with_its_reason() {
    let sql = release(
        "-- awsdeploy:allow ML101 orders holds 300 rows\nALTER TABLE orders MODIFY qty BIGINT NOT NULL;",
    );
    let report = run(&[&sql], "8.0", false);
    assert_eq!(found(&report), [("ML101".to_owned(), 3, Some(Copy))]);
    assert_eq!(
        report.findings[0].allowed.as_deref(),
        Some("orders holds 300 rows")
    );
    assert_eq!(report.errors().count(), 0);
    assert_eq!(report.allowed().count(), 1);
    // On the statement's line, after it.
    let sql = release(
        "ALTER TABLE orders MODIFY qty BIGINT NOT NULL; # awsdeploy:allow ML101 small table",
    );
    assert_eq!(run(&[&sql], "8.0", false).allowed().count(), 1);
    // Without a reason, or naming a rule the statement does not break.
    let sql = release(
        "-- awsdeploy:allow ML101\nALTER TABLE orders MODIFY qty BIGINT NOT NULL;\n-- awsdeploy:allow ML202 nothing to drop\nALTER TABLE orders ADD INDEX q (qty);",
    );
    let codes: Vec<String> = run(&[&sql], "8.0", false)
        .findings
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, ["ML101", "ML002", "ML003"]);
}

#[test]
fn an_unreadable_file_is_one_finding_at_its_place() {
    let report = run(
        &["ALTER TABLE orders ADD INDEX q (qty);\nSELECT 'unterminated"],
        "8.0",
        false,
    );
    assert_eq!(found(&report), [("ML001".to_owned(), 2, None)]);
}

#[test]
fn every_code_the_analyser_names_is_a_rule_and_codes_are_unique() {
    let mut codes: Vec<&str> = crate::rules::RULES.iter().map(|r| r.code).collect();
    let n = codes.len();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), n);
    for file in [include_str!("analyse.rs"), include_str!("alter.rs")] {
        for (at, _) in file.match_indices("\"ML") {
            let code = &file[at + 1..at + 6];
            if code.len() == 5 && code[2..].bytes().all(|b| b.is_ascii_digit()) {
                assert!(crate::rules::find(code).is_some(), "{code}");
            }
        }
    }
}

#[test]
fn a_table_with_a_fulltext_index_is_copied_to_be_rebuilt() {
    let history = "SET SESSION lock_wait_timeout = 5;\nCREATE TABLE docs (id BIGINT NOT NULL, body TEXT, PRIMARY KEY (id), FULLTEXT KEY body_text (body));";
    let sources = [
        Source {
            version: 1,
            name: "1.up.sql".to_owned(),
            sql: history.to_owned(),
        },
        Source {
            version: 2,
            name: "2.up.sql".to_owned(),
            sql: release(
                "ALTER TABLE docs ADD COLUMN title VARCHAR(10) NULL;\nALTER TABLE docs MODIFY id BIGINT NOT NULL;",
            ),
        },
    ];
    let options = Options {
        engine_version: "8.0".to_owned(),
        since: Some(1),
        mixed_versions: false,
    };
    let report = lint(&sources, &options);
    // No INSTANT ADD COLUMN with a FULLTEXT index, and no in-place rebuild
    // either; the primary key's column was NOT NULL already.
    assert_eq!(found(&report), [("ML116".to_owned(), 2, Some(Copy))]);
    assert_eq!(report.findings[0].severity, Severity::Error);
}

#[test]
fn an_annotation_after_the_last_statement_allows_nothing() {
    let report = run(
        &[&release(
            "ALTER TABLE orders ADD INDEX q (qty);\n-- awsdeploy:allow ML101 forgotten",
        )],
        "8.0",
        false,
    );
    assert_eq!(found(&report), [("ML003".to_owned(), 2, None)]);
}
