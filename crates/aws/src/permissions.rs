//! The IAM policy in docs/permissions.md against the code: every operation a module
//! sends (each call names it for its errors: `sdk("CreateVpc", …)`, or
//! `describe_owned!(…, "DescribeVpcs")`) must be an action of one of the
//! services that module talks to.

use std::collections::BTreeSet;
use std::path::Path;

/// Each module and the IAM service prefixes of the clients it uses.
const MODULES: [(&str, &[&str]); 17] = [
    ("alarms.rs", &["sns", "cloudwatch"]),
    ("account.rs", &["sts", "secretsmanager"]),
    ("certificate.rs", &["acm", "route53"]),
    ("database.rs", &["rds"]),
    ("dns.rs", &["route53", "elasticloadbalancing"]),
    ("load_balancer.rs", &["elasticloadbalancing"]),
    ("migration.rs", &["ecs", "logs", "rds"]),
    ("network.rs", &["ec2"]),
    (
        "service.rs",
        &["ecs", "application-autoscaling", "rds", "cloudwatch"],
    ),
    ("registry.rs", &["ecr"]),
    ("logs.rs", &["logs"]),
    ("lock.rs", &["dynamodb"]),
    ("iam.rs", &["iam"]),
    ("context.rs", &[]),
    ("web.rs", &["amplify", "route53"]),
    (
        "status.rs",
        &[
            "rds",
            "ecs",
            "elasticloadbalancing",
            "amplify",
            "cloudwatch",
        ],
    ),
    ("lib.rs", &[]),
];

/// The operation names a module's source sends.
fn operations(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for marker in ["sdk(\"", "\"Describe"] {
        for (at, _) in source.match_indices(marker) {
            let start = at + marker.len()
                - if marker.starts_with('"') {
                    marker.len() - 1
                } else {
                    0
                };
            let name: String = source[start..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            if name.len() > 3 && source[start + name.len()..].starts_with('"') {
                found.insert(name);
            }
        }
    }
    found
}

/// The actions of the JSON policy between docs/permissions.md's markers.
fn documented_actions() -> BTreeSet<String> {
    let document = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions.md"),
    )
    .expect("docs/permissions.md");
    let block = document
        .split("<!-- permissions:begin -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- permissions:end -->").next())
        .expect("the permissions markers of docs/permissions.md");
    let json = block
        .trim()
        .trim_start_matches("```json")
        .trim_end_matches("```");
    let policy: serde_json::Value = serde_json::from_str(json).expect("the policy is JSON");
    policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect()
}

/// Every source file under `src`, with the top-level module it belongs to
/// (`network/lost_answers.rs` is `network.rs`'s).
fn sources(src: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if path.is_dir() {
            for (_, inner) in sources(&path) {
                found.push((format!("{name}.rs"), inner));
            }
        } else {
            found.push((name, path));
        }
    }
    found
}

#[test]
fn every_operation_the_code_sends_is_in_the_documented_policy() {
    let actions = documented_actions();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut missing = Vec::new();
    let mut seen = 0;
    for (module, path) in sources(&src) {
        if module == "permissions.rs" {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let ops = operations(&source);
        if ops.is_empty() {
            continue;
        }
        let Some((_, services)) = MODULES.iter().find(|(m, _)| *m == module) else {
            panic!("{module} sends {ops:?}: add it to MODULES with its services");
        };
        for op in ops {
            seen += 1;
            if !services
                .iter()
                .any(|s| actions.contains(&format!("{s}:{op}")))
            {
                missing.push(format!(
                    "{}: {op} (one of {})",
                    path.display(),
                    services.join(", ")
                ));
            }
        }
    }
    assert!(
        seen > 100,
        "only {seen} operations found: is the scan broken?"
    );
    assert!(
        missing.is_empty(),
        "operations the code sends that docs/permissions.md's policy lacks:\n{}",
        missing.join("\n")
    );
}
