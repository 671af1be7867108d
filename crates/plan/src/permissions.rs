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

use crate::{alarms, database, logs};

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

/// The lock table's name (`up`, `migrate`, `web-release`, `down`).
pub fn lock_table_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-lock")
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

struct Statement {
    sid: &'static str,
    actions: Vec<&'static str>,
    resources: Vec<String>,
    condition: Option<Value>,
}

fn statement(sid: &'static str, actions: &[&'static str], resources: Vec<String>) -> Statement {
    Statement {
        sid,
        actions: actions.to_vec(),
        resources,
        condition: None,
    }
}

fn anywhere() -> Vec<String> {
    vec!["*".to_owned()]
}

/// The policy document for `spec`, in `region` when the spec names one
/// (`*` when it does not) and any account. With `push`, also what CI's
/// image push needs (`awsdeploy ci` files log in to ECR, look for the
/// commit's tag and push it).
pub fn policy(spec: &Spec, push: bool) -> Value {
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let region = spec.app.region.as_deref().unwrap_or("*");
    let p = spec.app.region.as_deref().map_or("aws", partition_of);
    let arn = |service: &str, resource: &str| format!("arn:{p}:{service}:{region}:*:{resource}");
    let global = |service: &str, resource: &str| format!("arn:{p}:{service}::*:{resource}");
    let log_group = |name: &str| {
        vec![
            arn("logs", &format!("log-group:{name}")),
            arn("logs", &format!("log-group:{name}:*")),
        ]
    };
    let mut statements = vec![
        statement("Identity", &["sts:GetCallerIdentity"], anywhere()),
        statement(
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
            vec![arn(
                "dynamodb",
                &format!("table/{}", lock_table_name(app, env)),
            )],
        ),
        statement("Network", NETWORK, anywhere()),
    ];
    let identifier = database::identifier(app, env);
    statements.push(statement(
        "DatabaseCreate",
        &[
            "rds:CreateDBInstance",
            "rds:CreateDBSubnetGroup",
            "rds:DescribeDBInstances",
            "rds:DescribeDBSubnetGroups",
        ],
        anywhere(),
    ));
    statements.push(statement(
        "Database",
        &[
            "rds:AddTagsToResource",
            "rds:CreateDBSnapshot",
            "rds:DeleteDBInstance",
            "rds:DeleteDBSubnetGroup",
            "rds:ListTagsForResource",
            "rds:ModifyDBInstance",
            "rds:ModifyDBSubnetGroup",
        ],
        vec![
            arn("rds", &format!("db:{identifier}")),
            arn("rds", &format!("subgrp:{identifier}")),
            arn("rds", &format!("snapshot:{identifier}-*")),
        ],
    ));
    // RDS makes the master secret with the caller's permissions; the
    // account module reads the secrets the service references.
    statements.push(statement(
        "DatabaseSecret",
        &[
            "secretsmanager:CreateSecret",
            "secretsmanager:DescribeSecret",
            "secretsmanager:TagResource",
        ],
        anywhere(),
    ));

    statements.push(statement(
        "Registry",
        &[
            "ecr:CreateRepository",
            "ecr:DeleteRepository",
            "ecr:DescribeImages",
            "ecr:DescribeRepositories",
            "ecr:GetLifecyclePolicy",
            "ecr:ListTagsForResource",
            "ecr:PutImageScanningConfiguration",
            "ecr:PutImageTagMutability",
            "ecr:PutLifecyclePolicy",
            "ecr:TagResource",
        ],
        // Every repository of the app and env, whatever
        // registry.repository names it.
        vec![arn("ecr", &format!("repository/{app}/{env}/*"))],
    ));
    let groups = log_group(&logs::log_group_name(app, env));
    statements.push(statement(
        "LogGroups",
        &["logs:DescribeLogGroups"],
        anywhere(),
    ));
    statements.push(statement(
        "Logs",
        &[
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:FilterLogEvents",
            "logs:GetLogEvents",
            "logs:ListTagsForResource",
            "logs:PutRetentionPolicy",
            "logs:TagResource",
        ],
        groups,
    ));
    statements.push(statement(
        "Metrics",
        &["cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData"],
        anywhere(),
    ));

    statements.push(statement(
        "Alarms",
        &[
            "cloudwatch:DeleteAlarms",
            "cloudwatch:DeleteDashboards",
            "cloudwatch:GetDashboard",
            "cloudwatch:PutDashboard",
            "cloudwatch:PutMetricAlarm",
            "cloudwatch:TagResource",
        ],
        vec![
            arn(
                "cloudwatch",
                &format!("alarm:{}*", alarms::alarm_prefix(app, env)),
            ),
            global(
                "cloudwatch",
                &format!("dashboard/{}", alarms::dashboard_name(app, env)),
            ),
        ],
    ));
    // Observation lists the topics to find the alarm topic (or learn there
    // is none), so every stack needs ListTopics.
    statements.push(statement(
        "Topics",
        &["sns:ListTopics", "sns:Unsubscribe"],
        anywhere(),
    ));

    statements.push(statement(
        "AlarmTopic",
        &[
            "sns:CreateTopic",
            "sns:DeleteTopic",
            "sns:ListSubscriptionsByTopic",
            "sns:ListTagsForResource",
            "sns:Subscribe",
            "sns:TagResource",
        ],
        vec![arn("sns", &alarms::topic_name(app, env))],
    ));
    statements.push(statement(
        "Roles",
        &[
            "iam:AttachRolePolicy",
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:DeleteRolePolicy",
            "iam:DetachRolePolicy",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:PutRolePolicy",
            "iam:TagRole",
            "iam:UpdateAssumeRolePolicy",
        ],
        vec![global("iam", &format!("role/{app}-{env}-*"))],
    ));
    let passed_to = [
        "ecs-tasks.amazonaws.com",
        "codebuild.amazonaws.com",
        "codepipeline.amazonaws.com",
    ];
    statements.push(statement(
        "OidcProviders",
        &["iam:ListOpenIDConnectProviders"],
        anywhere(),
    ));
    // GitHub's provider for the GitHub Actions role (`[pipeline]`).
    statements.push(statement(
        "GitHubOidc",
        &[
            "iam:CreateOpenIDConnectProvider",
            "iam:TagOpenIDConnectProvider",
        ],
        vec![global(
            "iam",
            &format!("oidc-provider/{}", crate::pipeline::GITHUB_OIDC_HOST),
        )],
    ));
    statements.push(Statement {
        condition: Some(json!({ "StringEquals": { "iam:PassedToService": passed_to } })),
        ..statement(
            "PassRoles",
            &["iam:PassRole"],
            vec![global("iam", &format!("role/{app}-{env}-*"))],
        )
    });
    statements.push(Statement {
        condition: Some(json!({ "StringEquals": { "iam:AWSServiceName": [
            "ecs.amazonaws.com",
            "rds.amazonaws.com",
            "elasticloadbalancing.amazonaws.com",
            "ecs.application-autoscaling.amazonaws.com"
        ] } })),
        ..statement(
            "ServiceLinkedRoles",
            &["iam:CreateServiceLinkedRole"],
            anywhere(),
        )
    });
    statements.push(statement("LoadBalancer", LOAD_BALANCER, anywhere()));
    statements.push(statement(
        "Certificate",
        &[
            "acm:AddTagsToCertificate",
            "acm:DeleteCertificate",
            "acm:DescribeCertificate",
            "acm:ListCertificates",
            "acm:ListTagsForCertificate",
            "acm:RequestCertificate",
        ],
        anywhere(),
    ));
    statements.push(statement(
        "Dns",
        &[
            "route53:ChangeResourceRecordSets",
            "route53:ListHostedZonesByName",
            "route53:ListResourceRecordSets",
        ],
        anywhere(),
    ));
    statements.push(statement("Service", SERVICE, anywhere()));
    statements.push(statement(
        "Autoscaling",
        &[
            "application-autoscaling:DeregisterScalableTarget",
            "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:DescribeScalingPolicies",
            "application-autoscaling:PutScalingPolicy",
            "application-autoscaling:RegisterScalableTarget",
            "application-autoscaling:TagResource",
        ],
        anywhere(),
    ));
    statements.push(statement("Web", WEB, anywhere()));
    statements.extend(pipeline_statements(app, env, p, &arn));
    if push {
        // GetAuthorizationToken takes no resource: AWS requires "*".
        statements.push(statement(
            "RegistryLogin",
            &["ecr:GetAuthorizationToken"],
            anywhere(),
        ));
        statements.push(statement(
            "PushImage",
            &[
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            vec![arn("ecr", &format!("repository/{app}/{env}/*"))],
        ));
    }
    let statements: Vec<Value> = statements
        .into_iter()
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

/// The CodePipeline runner's resources (`[pipeline]`).
fn pipeline_statements(
    app: &str,
    env: &str,
    partition: &str,
    arn: &dyn Fn(&str, &str) -> String,
) -> Vec<Statement> {
    use crate::pipeline::codepipeline as names;
    let bucket = format!("arn:{partition}:s3:::{}-*", names::bucket_prefix(app, env));
    vec![
        // Connection ARNs end in an id CodeStar chooses; creating the
        // pipeline passes the connection to CodePipeline.
        statement(
            "SourceConnection",
            &[
                "codestar-connections:CreateConnection",
                "codestar-connections:DeleteConnection",
                "codestar-connections:ListConnections",
                "codestar-connections:ListTagsForResource",
                "codestar-connections:PassConnection",
                "codestar-connections:TagResource",
            ],
            anywhere(),
        ),
        statement(
            "ArtifactBucket",
            &[
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:DeleteObjectVersion",
                "s3:GetBucketPublicAccessBlock",
                "s3:GetBucketTagging",
                "s3:GetBucketVersioning",
                "s3:GetEncryptionConfiguration",
                "s3:GetLifecycleConfiguration",
                "s3:ListBucketVersions",
                "s3:PutBucketPublicAccessBlock",
                "s3:PutBucketTagging",
                "s3:PutBucketVersioning",
                "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration",
            ],
            vec![bucket.clone(), format!("{bucket}/*")],
        ),
        statement(
            "BuildProjects",
            &[
                "codebuild:BatchGetProjects",
                "codebuild:CreateProject",
                "codebuild:DeleteProject",
                "codebuild:UpdateProject",
            ],
            vec![arn("codebuild", &format!("project/{app}-{env}-*"))],
        ),
        statement(
            "Pipeline",
            &[
                "codepipeline:CreatePipeline",
                "codepipeline:DeletePipeline",
                "codepipeline:GetPipeline",
                "codepipeline:ListTagsForResource",
                "codepipeline:TagResource",
                "codepipeline:UpdatePipeline",
            ],
            vec![arn("codepipeline", &names::pipeline_name(app, env))],
        ),
    ]
}

const NETWORK: &[&str] = &[
    "ec2:AllocateAddress",
    "ec2:AssociateRouteTable",
    "ec2:AttachInternetGateway",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:CreateInternetGateway",
    "ec2:CreateNatGateway",
    "ec2:CreateRoute",
    "ec2:CreateRouteTable",
    "ec2:CreateSecurityGroup",
    "ec2:CreateSubnet",
    "ec2:CreateTags",
    "ec2:CreateVpc",
    "ec2:DeleteInternetGateway",
    "ec2:DeleteNatGateway",
    "ec2:DeleteRoute",
    "ec2:DeleteRouteTable",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteSubnet",
    "ec2:DeleteVpc",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNatGateways",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcs",
    "ec2:DetachInternetGateway",
    "ec2:DisassociateRouteTable",
    "ec2:ModifyVpcAttribute",
    "ec2:ReleaseAddress",
    "ec2:ReplaceRoute",
    "ec2:ReplaceRouteTableAssociation",
    "ec2:RevokeSecurityGroupIngress",
];

const LOAD_BALANCER: &[&str] = &[
    "elasticloadbalancing:AddTags",
    "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:CreateLoadBalancer",
    "elasticloadbalancing:CreateTargetGroup",
    "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
];

const SERVICE: &[&str] = &[
    "ecs:CreateCluster",
    "ecs:CreateService",
    "ecs:DeleteCluster",
    "ecs:DeleteService",
    "ecs:DeregisterTaskDefinition",
    "ecs:DescribeClusters",
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "ecs:DescribeTasks",
    "ecs:ListTaskDefinitions",
    "ecs:ListTasks",
    "ecs:RegisterTaskDefinition",
    "ecs:RunTask",
    "ecs:StopTask",
    "ecs:TagResource",
    "ecs:UpdateCluster",
    "ecs:UpdateService",
];

const WEB: &[&str] = &[
    "amplify:CreateApp",
    "amplify:CreateBranch",
    "amplify:CreateDeployment",
    "amplify:CreateDomainAssociation",
    "amplify:DeleteApp",
    "amplify:GetApp",
    "amplify:GetBranch",
    "amplify:GetDomainAssociation",
    "amplify:GetJob",
    "amplify:ListApps",
    "amplify:ListJobs",
    "amplify:StartDeployment",
    "amplify:StopJob",
    "amplify:TagResource",
    "amplify:UpdateBranch",
];

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
        let policy = policy(&spec("[alarms]\n[database]\n"), false);
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
        let pushing = super::policy(&spec(""), true);
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
            policy(&spec, false)
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
