//! The spec's JSON Schema: committed as docs/spec.schema.json (regenerate
//! with `UPDATE_SCHEMA=1 cargo test -p awsdeploy-spec --test schema`), and
//! describing every key config/full.toml uses.

use std::path::PathBuf;

use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#[test]
fn the_committed_spec_schema_matches_the_code() {
    let generated = serde_json::to_string_pretty(&awsdeploy_spec::json_schema()).unwrap() + "\n";
    let path = repo("docs/spec.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/spec.schema.json is out of date: run UPDATE_SCHEMA=1 cargo test -p awsdeploy-spec --test schema"
    );
}

/// Follows `$ref`, `anyOf` (Option) to the object schema that has `key`.
fn property<'a>(root: &'a Value, mut schema: &'a Value, key: &str) -> Option<&'a Value> {
    loop {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            schema = root.pointer(reference.trim_start_matches('#'))?;
        } else if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
            schema = options
                .iter()
                .find(|o| o.get("type") != Some(&Value::from("null")))?;
        } else {
            break;
        }
    }
    schema
        .get("properties")
        .and_then(|p| p.get(key))
        .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()))
}

fn check_keys(root: &Value, schema: &Value, value: &Value, path: &str) {
    let Some(table) = value.as_object() else {
        return;
    };
    for (key, child) in table {
        let child_schema = property(root, schema, key).unwrap_or_else(|| {
            panic!("config/full.toml uses {path}{key}, which the schema does not describe")
        });
        check_keys(root, child_schema, child, &format!("{path}{key}."));
    }
}

#[test]
fn the_schema_describes_every_key_of_the_full_example() {
    let schema = awsdeploy_spec::json_schema();
    let text = std::fs::read_to_string(repo("config/full.toml")).unwrap();
    let example: toml::Value = toml::from_str(&text).unwrap();
    let example = serde_json::to_value(example).unwrap();
    check_keys(&schema, &schema, &example, "");
    // And it refuses what the parser refuses.
    assert_eq!(schema["additionalProperties"], Value::Bool(false));
    assert!(property(&schema, &schema, "netwrok").is_none());
}
