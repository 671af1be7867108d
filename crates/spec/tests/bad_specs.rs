//! The corpus of bad specs in tests/fixtures/bad: each gets diagnostics
//! (never a panic, never a Spec), snapshotted so a change in wording or
//! location is reviewed. Specs are checked for env `dev` with no variables
//! set, so the snapshots do not depend on the machine.

use std::path::Path;

use awsdeploy_spec::{Spec, SpecError};

fn no_vars(_: &str) -> Option<String> {
    None
}

#[test]
fn every_bad_spec_is_refused_with_located_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 40, "only {} bad specs", files.len());
    for path in files {
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let origin = format!("{name}.toml");
        match Spec::parse_with_vars(&text, &origin, "dev", &no_vars) {
            Ok(spec) => panic!("{name} was accepted: {spec:?}"),
            Err(SpecError::Invalid {
                diagnostics,
                rendered,
            }) => {
                assert!(!diagnostics.is_empty(), "{name}");
                assert!(
                    rendered.contains("hint:") || rendered.contains("expected"),
                    "{name} has no hint:\n{rendered}"
                );
                insta::assert_snapshot!(name, rendered);
            }
            Err(other) => panic!("{name}: {other:?}"),
        }
    }
}
