//! The plan's JSON Schema, committed as docs/plan.schema.json, must match
//! the types. Regenerate with `UPDATE_SCHEMA=1 cargo test -p awsdeploy-plan --test schema`.

use std::path::PathBuf;

#[test]
fn the_committed_plan_schema_matches_the_types() {
    let schema = schemars::schema_for!(awsdeploy_plan::Plan);
    let generated = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/plan.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/plan.schema.json is out of date: run UPDATE_SCHEMA=1 cargo test -p awsdeploy-plan --test schema, and bump PLAN_FORMAT_VERSION if the change is incompatible"
    );
}

/// The same for `awsdeploy status --output json`: docs/status.schema.json.
#[test]
fn the_committed_status_schema_matches_the_types() {
    let schema = schemars::schema_for!(awsdeploy_plan::status::Status);
    let generated = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/status.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/status.schema.json is out of date: run UPDATE_SCHEMA=1 cargo test -p awsdeploy-plan --test schema, and bump STATUS_FORMAT_VERSION if the change is incompatible"
    );
}
