//! The least-privilege IAM policy that running awsdeploy for a spec needs
//! (`awsdeploy iam-policy`, the role CI deploys with): a statement per
//! component, holding exactly the actions awsdeploy calls for it (`up`,
//! `diff`, `status`, `logs`, `rollback`, `migrate`, `web-release`,
//! `down`). Every component is in it, whether or not the spec has its
//! section: observation looks for each, and `down` deletes what a section
//! made before it was removed.
//!
//! Resources are narrowed to the names awsdeploy gives (`{app}-{env}…`)
//! where the service authorizes those actions on a resource named in
//! advance: the roles, the repository, the log group, the lock table, the
//! alarm topic, the alarms and dashboard, the database and its subnet
//! group. The rest
//! (EC2, ELB, ECS, ACM, Route 53, Amplify) name resources by ids AWS
//! chooses, or authorize creates on resources that do not exist yet: those
//! statements allow their exact actions on `*`.
//!
//! Two tests hold this to the code: every operation the AWS crate's source
//! sends is an action here (`crates/aws/src/permissions.rs`), and every
//! call the emulator saw during a full run is allowed (the e2e test
//! `iam_policy`).

use awsdeploy_spec::Spec;
use serde_json::{Value, json};

use crate::component::{Component, PolicyContext, Statement};
use crate::names;

/// The IAM partition a region is in.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// The IAM action an operation needs: `{prefix}:{operation}`, with
/// CloudWatch's signing name (`monitoring`) made its IAM prefix, and S3's
/// operations whose actions have other names.
pub fn action_for(service: &str, operation: &str) -> String {
    let prefix = match service {
        "monitoring" => "cloudwatch",
        other => other,
    };
    if prefix == "s3" {
        let action = match operation {
            "HeadBucket" | "ListObjectsV2" => "ListBucket",
            "ListObjectVersions" => "ListBucketVersions",
            "GetBucketEncryption" => "GetEncryptionConfiguration",
            "PutBucketEncryption" => "PutEncryptionConfiguration",
            "GetPublicAccessBlock" => "GetBucketPublicAccessBlock",
            "PutPublicAccessBlock" => "PutBucketPublicAccessBlock",
            "GetBucketLifecycleConfiguration" => "GetLifecycleConfiguration",
            "PutBucketLifecycleConfiguration" => "PutLifecycleConfiguration",
            "DeleteObjects" => "DeleteObjectVersion",
            other => other,
        };
        return format!("s3:{action}");
    }
    format!("{prefix}:{operation}")
}

/// The policy document for `spec`, in `region` when the spec names one
/// (`*` when it does not) and any account: awsdeploy's own statements
/// (who the caller is, the deploy lock) and every component's
/// ([`crate::Component::policy`]), whether or not the spec has its
/// section. With `push`, also what CI's image push needs (`awsdeploy ci`
/// files log in to ECR, look for the commit's tag and push it).
pub fn policy(components: &[&dyn Component], spec: &Spec, push: bool) -> Value {
    document(components, &context(spec, push))
}

/// [`policy`] with `push`, and what only an administrator does: the
/// permissions boundary and the roles that hold the deploy policy (the
/// first `up`, a change of them, `down`). `awsdeploy iam-policy --admin`.
pub fn admin_policy(components: &[&dyn Component], spec: &Spec) -> Value {
    let mut cx = context(spec, true);
    cx.admin = true;
    document(components, &cx)
}

/// The policy document of `cx`'s statements, compacted to fit IAM's
/// 10,240 characters of an inline policy: the actions every component
/// allows on any resource without a condition (describes and lists, and
/// what AWS authorizes on no narrower resource) are one `AnyResource`
/// statement; an action a statement before already allows on the same
/// resources under the same condition is left out, and a statement left
/// with none is dropped.
fn document(components: &[&dyn Component], cx: &PolicyContext<'_>) -> Value {
    let mut anywhere = Statement::anywhere("AnyResource", &[]);
    let mut kept: Vec<Statement> = Vec::new();
    for mut statement in statements(components, cx) {
        if statement.condition.is_none() && statement.resources == ["*"] {
            for action in statement.actions {
                if !anywhere.actions.contains(&action) {
                    anywhere.actions.push(action);
                }
            }
            continue;
        }
        statement.actions.retain(|action| {
            !kept.iter().any(|k| {
                k.resources == statement.resources
                    && k.condition == statement.condition
                    && k.actions.contains(action)
            })
        });
        if !statement.actions.is_empty() {
            kept.push(statement);
        }
    }
    let statements: Vec<Value> = std::iter::once(anywhere)
        .filter(|s| !s.actions.is_empty())
        .chain(kept)
        .map(|s| {
            let mut actions = s.actions;
            actions.sort_unstable();
            let mut value = json!({
                "Sid": s.sid,
                "Effect": "Allow",
                "Action": actions,
                "Resource": s.resources,
            });
            if let Some(condition) = s.condition {
                value["Condition"] = condition;
            }
            value
        })
        .collect();
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// What `spec`'s statements are made for.
pub fn context(spec: &Spec, push: bool) -> PolicyContext<'_> {
    PolicyContext {
        app: &spec.app.name,
        env: &spec.env,
        region: spec.app.region.as_deref().unwrap_or("*"),
        partition: spec.app.region.as_deref().map_or("aws", partition_of),
        push,
        admin: false,
        attachable: spec
            .service
            .as_ref()
            .map_or(&[], |s| s.task_role_policies.as_slice()),
    }
}

/// awsdeploy's own statements, then every component's.
pub fn statements(components: &[&dyn Component], cx: &PolicyContext<'_>) -> Vec<Statement> {
    let mut statements = vec![
        Statement::anywhere("Identity", &["sts:GetCallerIdentity"]),
        Statement::new(
            "DeployLock",
            &[
                "dynamodb:CreateTable",
                "dynamodb:DeleteItem",
                "dynamodb:DeleteTable",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:TagResource",
                "dynamodb:UpdateItem",
            ],
            vec![cx.arn(
                "dynamodb",
                &format!("table/{}", names::lock_table_name(cx.app, cx.env)),
            )],
        ),
    ];
    for component in components {
        statements.extend(component.policy(cx));
    }
    statements
}

/// Every action of `policy`.
pub fn actions(policy: &Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect()
}

/// Whether a policy allows `action`, whatever the resource: an action
/// matches exactly (awsdeploy's policies use no wildcards in actions).
pub fn allows(policy: &Value, action: &str) -> bool {
    actions(policy).iter().any(|a| a == action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(extra: &str) -> Spec {
        Spec::parse(
            &format!(
                "[app]\nname = \"shop\"\nregion = \"eu-west-1\"\n[registry]\n[service]\n{extra}"
            ),
            "t.toml",
            "dev",
        )
        .unwrap()
    }

    #[test]
    fn names_narrow_the_resources_and_no_action_is_a_wildcard() {
        let policy = policy(crate::COMPONENTS, &spec("[alarms]\n[database]\n"), false);
        let text = policy.to_string();
        assert!(text.contains("arn:aws:iam::*:role/shop-dev-*"), "{text}");
        assert!(
            text.contains("arn:aws:ecr:eu-west-1:*:repository/shop/dev/*"),
            "{text}"
        );
        assert!(
            text.contains("arn:aws:rds:eu-west-1:*:db:shop-dev-db"),
            "{text}"
        );
        assert!(
            text.contains("arn:aws:sns:eu-west-1:*:shop-dev-alarms"),
            "{text}"
        );
        for action in actions(&policy) {
            assert!(!action.contains('*'), "{action}");
            assert!(action.contains(':'), "{action}");
        }
        assert!(!allows(&policy, "ecr:PutImage"));
        let pushing = super::policy(crate::COMPONENTS, &spec(""), true);
        assert!(allows(&pushing, "ecr:PutImage"));
        assert!(allows(&pushing, "ecr:GetAuthorizationToken"));
    }

    #[test]
    fn the_partition_follows_the_region() {
        let spec = Spec::parse(
            "[app]\nname = \"shop\"\nregion = \"cn-north-1\"\n",
            "t.toml",
            "dev",
        )
        .unwrap();
        assert!(
            policy(crate::COMPONENTS, &spec, false)
                .to_string()
                .contains("arn:aws-cn:dynamodb:cn-north-1:*:table/shop-dev-lock")
        );
    }

    #[test]
    fn cloudwatch_operations_map_to_their_actions() {
        assert_eq!(
            action_for("monitoring", "PutMetricAlarm"),
            "cloudwatch:PutMetricAlarm"
        );
        assert_eq!(action_for("ecs", "RunTask"), "ecs:RunTask");
    }
}
