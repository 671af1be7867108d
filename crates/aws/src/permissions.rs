//! The IAM policy `awsdeploy iam-policy` prints (crates/plan/src/permissions.rs)
//! against the code, and docs/permissions.md against it: every operation a module
//! sends (each call names it for its errors: `sdk("CreateVpc", …)`, or
//! `describe_owned!(…, "DescribeVpcs")`) must be an action of one of the
//! services that module talks to.

use std::collections::BTreeSet;
use std::path::Path;

/// Each module and the IAM service prefixes of the clients it uses.
const MODULES: [(&str, &[&str]); 18] = [
    ("alarms.rs", &["sns", "cloudwatch"]),
    ("account.rs", &["sts", "secretsmanager"]),
    ("certificate.rs", &["acm", "route53"]),
    ("database.rs", &["rds"]),
    ("dns.rs", &["route53", "elasticloadbalancing"]),
    ("load_balancer.rs", &["elasticloadbalancing"]),
    ("migration.rs", &["ecs", "logs", "rds"]),
    ("network.rs", &["ec2"]),
    (
        "pipeline.rs",
        &[
            "iam",
            "codestar-connections",
            "s3",
            "codebuild",
            "codepipeline",
        ],
    ),
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

fn full_spec() -> awsdeploy_spec::Spec {
    awsdeploy_spec::Spec::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/full.toml"),
        "dev",
    )
    .expect("config/full.toml")
}

/// The policy `awsdeploy iam-policy` prints for config/full.toml, which has
/// every component: the deploy policy.
fn full_policy() -> serde_json::Value {
    awsdeploy_plan::permissions::policy(awsdeploy_plan::COMPONENTS, &full_spec(), false)
}

/// What `iam-policy --admin` prints for it: every action awsdeploy sends.
fn admin_policy() -> serde_json::Value {
    awsdeploy_plan::permissions::admin_policy(awsdeploy_plan::COMPONENTS, &full_spec())
}

/// The JSON block between docs/permissions.md's markers, and the file.
fn documented_policy() -> (String, String) {
    let document = std::fs::read_to_string(docs()).expect("docs/permissions.md");
    let block = document
        .split(BEGIN)
        .nth(1)
        .and_then(|rest| rest.split(END).next())
        .expect("the permissions markers of docs/permissions.md")
        .to_owned();
    (block, document)
}

const BEGIN: &str = "<!-- permissions:begin -->";
const END: &str = "<!-- permissions:end -->";

fn docs() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions.md")
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
    let actions: BTreeSet<String> = awsdeploy_plan::permissions::actions(&admin_policy())
        .into_iter()
        .collect();
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
                .any(|s| actions.contains(&awsdeploy_plan::permissions::action_for(s, &op)))
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
        "operations the code sends that `awsdeploy iam-policy` lacks (crates/plan/src/permissions.rs):\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_documented_policy_is_the_one_iam_policy_prints_for_full_toml() {
    let generated = format!(
        "\n```json\n{}\n```\n",
        serde_json::to_string_pretty(&full_policy()).unwrap()
    );
    let (block, document) = documented_policy();
    if std::env::var_os("UPDATE_PERMISSIONS").is_some() {
        std::fs::write(docs(), document.replace(&block, &generated)).unwrap();
        return;
    }
    assert!(
        block == generated,
        "docs/permissions.md's policy is not what `awsdeploy iam-policy -f config/full.toml` prints: run `UPDATE_PERMISSIONS=1 cargo test --workspace permissions`"
    );
}
