//! The lint over real golang-migrate MySQL folders (`corpus/`, each with
//! its origin in `corpus/SOURCES.md`), each file linted as its own release
//! after the ones before it, as `up` lints them. Every finding was checked
//! by hand against the MySQL manual once and is snapshotted; a statement
//! the parser cannot read is a finding (`ML001`) in the snapshot, never
//! dropped.

use std::fmt::Write as _;
use std::path::Path;

use awsdeploy_lint::{Options, Source, lint};

fn folder(name: &str) -> Vec<Source> {
    read(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus")
            .join(name),
    )
}

/// The up files of `dir`, oldest first.
fn read(dir: &Path) -> Vec<Source> {
    let mut sources: Vec<Source> = std::fs::read_dir(dir)
        .expect("the corpus folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".up.sql"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let version = name.split('_').next().unwrap().parse().expect("a version");
            Source {
                version,
                name,
                sql: std::fs::read_to_string(&path).expect("UTF-8 SQL"),
            }
        })
        .collect();
    sources.sort_by_key(|s| s.version);
    sources
}

/// Each file as its own release: the findings, one per line.
fn releases(sources: &[Source]) -> (usize, String) {
    let mut out = String::new();
    let mut statements = 0;
    for (i, source) in sources.iter().enumerate() {
        statements += awsdeploy_lint::statements(&source.sql);
        let report = lint(
            &sources[..=i],
            &Options {
                engine_version: "8.0".to_owned(),
                since: i.checked_sub(1).map(|p| sources[p].version),
                mixed_versions: false,
            },
        );
        for finding in &report.findings {
            writeln!(out, "{finding}").unwrap();
        }
    }
    (statements, out)
}

const FOLDERS: [&str; 5] = [
    "allisson__secrets",
    "banzaicloud__pipeline",
    "kubeflow__model-registry",
    "notaryproject__notary",
    "warrant-dev__warrant",
];

#[test]
fn the_corpus_is_linted_release_by_release() {
    let mut total = 0;
    for name in FOLDERS {
        let (statements, findings) = releases(&folder(name));
        total += statements;
        insta::assert_snapshot!(name, findings);
    }
    assert!(total >= 200, "the corpus holds {total} statements");
}

#[test]
fn the_example_folder_lints_clean_release_by_release() {
    let example = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/migrations"));
    assert!(example.len() >= 3);
    let (_, findings) = releases(&example);
    assert_eq!(findings, "");
}
