//! What the service needs besides the network and the database: the ECR
//! repository its image comes from, the `CloudWatch` log group it writes to,
//! and its two IAM roles.
//!
//! - Registry (`[registry]`): `{app}/{env}/{repository}`, tags immutable,
//!   scan on push, a lifecycle policy keeping the newest `keep_images`.
//! - Logs (`[service]`): `/awsdeploy/{app}/{env}` with the spec's retention.
//! - IAM (`[service]`): `{app}-{env}-task-execution`, trusted by ECS tasks
//!   only, with one inline policy that allows exactly what starting the
//!   service needs (pull from this repository, write to this log group,
//!   read the secrets this spec references); and `{app}-{env}-task`, the
//!   application's role, with no policy.
//!
//! All three are found by these names and must carry this app's and env's
//! tags. Policies are compared as canonical JSON (keys sorted), so AWS's
//! formatting never shows as a change. Missing inputs stop the plan before
//! anything changes: a `secret:` reference to a secret that does not exist,
//! or an image tag that is not in an existing repository.

use std::collections::BTreeSet;

use awsdeploy_spec::{SecretRef, Spec};
use serde_json::{Value, json};

use crate::PlanError;
use crate::database;
use crate::live::{LiveRole, LiveSupport, Lookups};
use crate::plan::{Action, Component, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::step::Step;

/// The name of awsdeploy's inline policy on each role.
pub const POLICY_NAME: &str = "awsdeploy";
/// The ECS service principal that may assume the roles.
const ECS_TASKS: &str = "ecs-tasks.amazonaws.com";

pub fn repository_name(spec: &Spec) -> Option<String> {
    let registry = spec.registry.as_ref()?;
    Some(format!(
        "{}/{}/{}",
        spec.app.name, spec.env, registry.repository
    ))
}

pub fn log_group_name(app: &str, env: &str) -> String {
    format!("/awsdeploy/{app}/{env}")
}

pub fn execution_role_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-task-execution")
}

pub fn task_role_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-task")
}

/// What observation must look up for `spec`.
pub fn lookups(spec: &Spec) -> Lookups {
    let service = spec.service.as_ref();
    Lookups {
        repository: repository_name(spec),
        image_tag: service.and_then(|s| s.image_tag.clone()),
        secrets: service
            .into_iter()
            .flat_map(|s| s.secrets.values())
            .filter_map(|r| match r {
                SecretRef::Secret { name, .. } => Some(name.clone()),
                SecretRef::DatabasePassword | SecretRef::DatabaseUsername => None,
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        service: service.is_some(),
        zone: None,
        api_domain: None,
        web_branch: None,
        web_domain: None,
    }
}

/// Canonical JSON: `serde_json`'s maps keep keys sorted.
pub fn canonical(value: &Value) -> String {
    value.to_string()
}

/// The trust policy of both roles: ECS tasks only.
pub fn trust_policy() -> String {
    canonical(&json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": ECS_TASKS },
            "Action": "sts:AssumeRole"
        }]
    }))
}

/// The lifecycle policy that keeps the newest `keep` images.
pub fn lifecycle_policy(keep: u32) -> String {
    canonical(&json!({
        "rules": [{
            "rulePriority": 1,
            "description": format!("awsdeploy: keep the newest {keep} images"),
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": keep
            },
            "action": { "type": "expire" }
        }]
    }))
}

/// The support part of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupportPlan {
    pub changes: Vec<ResourceChange>,
    pub unchanged: usize,
    pub orphans: Vec<Orphan>,
}

impl SupportPlan {
    fn push(
        &mut self,
        component: Component,
        kind: ResourceKind,
        name: &str,
        action: Action,
        fields: Vec<FieldChange>,
        steps: Vec<Step>,
    ) {
        let key = format!("{}/{name}", component.as_str());
        self.changes.push(ResourceChange {
            depends_on: ResourceChange::dependencies(&key, &steps),
            key,
            component,
            kind,
            name: name.to_owned(),
            action,
            id: (action != Action::Create).then(|| name.to_owned()),
            fields,
            steps,
        });
    }
}

/// Compares what the spec's service needs with what is live.
#[allow(clippy::too_many_lines)] // registry, logs, roles: one pass in order
pub fn plan(spec: &Spec, region: &str, live: &LiveSupport) -> Result<SupportPlan, PlanError> {
    let mut out = SupportPlan::default();
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let partition = live.partition();

    // Registry.
    let repository_arn = match (spec.registry.as_ref(), repository_name(spec)) {
        (Some(registry), Some(name)) => {
            let policy = lifecycle_policy(registry.keep_images);
            match &live.repository {
                Some(repo) if !repo.owned => {
                    return Err(PlanError::not_ours(ResourceKind::Repository, &name));
                }
                None => out.push(
                    Component::Registry,
                    ResourceKind::Repository,
                    &name,
                    Action::Create,
                    vec![
                        FieldChange::set("tags", "immutable"),
                        FieldChange::set("scan_on_push", "true"),
                        FieldChange::set("keep_images", registry.keep_images.to_string()),
                    ],
                    vec![Step::CreateRepository {
                        name: name.clone(),
                        lifecycle_policy: policy,
                    }],
                ),
                Some(repo) => {
                    let mut fields = Vec::new();
                    if !repo.tags_immutable {
                        fields.push(FieldChange::new("tags", Some("mutable"), Some("immutable")));
                    }
                    if !repo.scan_on_push {
                        fields.push(FieldChange::new(
                            "scan_on_push",
                            Some("false"),
                            Some("true"),
                        ));
                    }
                    if repo.lifecycle_policy.as_deref() != Some(policy.as_str()) {
                        fields.push(FieldChange::new(
                            "lifecycle_policy",
                            Some(if repo.lifecycle_policy.is_some() {
                                "other"
                            } else {
                                "none"
                            }),
                            Some(format!("keep the newest {}", registry.keep_images)),
                        ));
                    }
                    if fields.is_empty() {
                        out.unchanged += 1;
                    } else {
                        out.push(
                            Component::Registry,
                            ResourceKind::Repository,
                            &name,
                            Action::Update,
                            fields,
                            vec![Step::ConfigureRepository {
                                name: name.clone(),
                                lifecycle_policy: policy,
                            }],
                        );
                    }
                    if let (Some(tag), Some(false)) = (
                        spec.service.as_ref().and_then(|s| s.image_tag.as_ref()),
                        live.image_present,
                    ) {
                        return Err(PlanError::MissingImage {
                            uri: repo.uri.clone(),
                            tag: tag.clone(),
                        });
                    }
                }
            }
            Some(format!(
                "arn:{partition}:ecr:{region}:{}:repository/{name}",
                live.account()?
            ))
        }
        _ => None,
    };

    let Some(service) = spec.service.as_ref() else {
        for role in &live.roles {
            out.orphans.push(Orphan::named(
                Component::Iam,
                ResourceKind::Role,
                &role.name,
            ));
        }
        if let Some(group) = &live.log_group {
            out.orphans.push(Orphan::named(
                Component::Logs,
                ResourceKind::LogGroup,
                &group.name,
            ));
        }
        return Ok(out);
    };
    let account = live.account()?;

    // Logs.
    let log_group = log_group_name(app, env);
    let retention = i32::try_from(service.log_retention_days).unwrap_or(i32::MAX);
    match &live.log_group {
        Some(group) if !group.owned => {
            return Err(PlanError::not_ours(ResourceKind::LogGroup, &log_group));
        }
        None => out.push(
            Component::Logs,
            ResourceKind::LogGroup,
            &log_group,
            Action::Create,
            vec![FieldChange::set("retention_days", retention.to_string())],
            vec![Step::CreateLogGroup {
                name: log_group.clone(),
                retention_days: retention,
            }],
        ),
        Some(group) if group.retention_days == Some(retention) => out.unchanged += 1,
        Some(group) => out.push(
            Component::Logs,
            ResourceKind::LogGroup,
            &log_group,
            Action::Update,
            vec![FieldChange::new(
                "retention_days",
                Some(
                    group
                        .retention_days
                        .map_or("never expire".to_owned(), |d| d.to_string()),
                ),
                Some(retention.to_string()),
            )],
            vec![Step::SetLogRetention {
                name: log_group.clone(),
                retention_days: retention,
            }],
        ),
    }

    // IAM.
    let mut secret_arns = Vec::new();
    // The migration task reads the master password with the same role.
    let mut database_secret = spec.migration.is_some();
    for (variable, reference) in &service.secrets {
        match reference {
            SecretRef::DatabasePassword | SecretRef::DatabaseUsername => database_secret = true,
            SecretRef::Secret { name, .. } => match live.secrets.get(name) {
                Some(Some(arn)) => secret_arns.push(arn.clone()),
                _ => {
                    return Err(PlanError::MissingSecret {
                        name: name.clone(),
                        variable: variable.clone(),
                    });
                }
            },
        }
    }
    secret_arns.sort();
    secret_arns.dedup();
    let mut statements = Vec::new();
    if let Some(arn) = &repository_arn {
        statements.push(json!({
            "Sid": "PullImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": [arn]
        }));
        // GetAuthorizationToken takes no resource: AWS requires "*".
        statements.push(json!({
            "Sid": "RegistryLogin",
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken"],
            "Resource": ["*"]
        }));
    }
    statements.push(json!({
        "Sid": "WriteLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [format!("arn:{partition}:logs:{region}:{account}:log-group:{log_group}:*")]
    }));
    if !secret_arns.is_empty() {
        statements.push(json!({
            "Sid": "ReadSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": secret_arns
        }));
    }
    statements.extend(decrypt_statement(spec, region, account, live));
    let read_database_secret = {
        // The master secret's ARN is RDS's to choose; the tag RDS puts on
        // it names this stack's instance.
        let instance = database::identifier(app, env);
        json!({
            "Sid": "ReadDatabaseSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [format!("arn:{partition}:secretsmanager:{region}:{account}:secret:rds!db-*")],
            "Condition": { "StringEquals": {
                "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn":
                    format!("arn:{partition}:rds:{region}:{account}:db:{instance}")
            }}
        })
    };
    if database_secret {
        statements.push(read_database_secret.clone());
    }
    let execution_policy = canonical(&json!({ "Version": "2012-10-17", "Statement": statements }));
    // The application reads the master secret itself when it connects
    // (`DB_SECRET_ARN`): what survives RDS's rotation of it.
    let task_policy = spec.database.is_some().then(|| {
        canonical(&json!({ "Version": "2012-10-17", "Statement": [read_database_secret] }))
    });
    plan_role(
        &mut out,
        &DesiredRole {
            name: execution_role_name(app, env),
            description: "awsdeploy: ECS starts the service's tasks with it (image, logs, secrets)",
            policy: Some(execution_policy),
            attached: Vec::new(),
        },
        live,
    )?;
    plan_role(
        &mut out,
        &DesiredRole {
            name: task_role_name(app, env),
            description: "awsdeploy: the application's own role",
            policy: task_policy,
            attached: service.task_role_policies.clone(),
        },
        live,
    )?;
    Ok(out)
}

/// `kms:Decrypt` for the customer managed keys of the `secret:` references
/// (ECS decrypts them with the execution role): on each key's ARN, or, for
/// a key named by alias, on the account's keys through Secrets Manager
/// only (an alias is no resource for `kms:Decrypt`).
fn decrypt_statement(
    spec: &Spec,
    region: &str,
    account: &str,
    live: &LiveSupport,
) -> Option<Value> {
    let service = spec.service.as_ref()?;
    let mut keys: Vec<String> = service
        .secrets
        .values()
        .filter_map(|r| match r {
            SecretRef::Secret { name, .. } => live.secret_keys.get(name).cloned(),
            SecretRef::DatabasePassword | SecretRef::DatabaseUsername => None,
        })
        .collect();
    if keys.is_empty() {
        return None;
    }
    let by_alias = keys
        .iter()
        .any(|k| k.starts_with("alias/") || k.contains(":alias/"));
    let partition = live.partition();
    let mut resources: Vec<String> = if by_alias {
        vec![format!("arn:{partition}:kms:{region}:{account}:key/*")]
    } else {
        keys.iter_mut()
            .map(|k| {
                if k.starts_with("arn:") {
                    k.clone()
                } else {
                    format!("arn:{partition}:kms:{region}:{account}:key/{k}")
                }
            })
            .collect()
    };
    resources.sort();
    resources.dedup();
    Some(json!({
        "Sid": "DecryptSecrets",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": resources,
        "Condition": { "StringEquals": {
            "kms:ViaService": format!("secretsmanager.{region}.amazonaws.com")
        }}
    }))
}

/// A role as the spec wants it.
struct DesiredRole {
    name: String,
    description: &'static str,
    /// awsdeploy's inline policy; `None`: the role has none.
    policy: Option<String>,
    /// Managed policies attached, exactly these.
    attached: Vec<String>,
}

/// One role: its trust policy, awsdeploy's inline policy and the managed
/// policies attached to it.
fn plan_role(
    out: &mut SupportPlan,
    desired: &DesiredRole,
    live: &LiveSupport,
) -> Result<(), PlanError> {
    let name = desired.name.as_str();
    let trust = trust_policy();
    let found: Option<&LiveRole> = live.roles.iter().find(|r| r.name == name);
    let (mut fields, mut steps, action) = match found {
        None => (
            vec![FieldChange::set("trusted_by", ECS_TASKS)],
            vec![Step::CreateRole {
                name: name.to_owned(),
                description: desired.description.to_owned(),
                trust_policy: trust.clone(),
            }],
            Action::Create,
        ),
        Some(role) if !role.owned => return Err(PlanError::not_ours(ResourceKind::Role, name)),
        Some(role) => {
            let mut fields = Vec::new();
            let mut steps = Vec::new();
            if role.trust_policy != trust {
                fields.push(FieldChange::new(
                    "trusted_by",
                    Some("other principals"),
                    Some(ECS_TASKS),
                ));
                steps.push(Step::UpdateTrustPolicy {
                    name: name.to_owned(),
                    trust_policy: trust.clone(),
                });
            }
            (fields, steps, Action::Update)
        }
    };
    let live_policy = found.and_then(|r| r.policy.as_ref());
    match (live_policy, &desired.policy) {
        (Some(old), Some(new)) if old == new => {}
        (old, Some(new)) => {
            fields.push(FieldChange::new(
                "policy",
                old.map(|o| summarize(o)),
                Some(summarize(new)),
            ));
            steps.push(Step::PutRolePolicy {
                role: name.to_owned(),
                document: new.clone(),
            });
        }
        (Some(old), None) => {
            fields.push(FieldChange::new(
                "policy",
                Some(summarize(old)),
                None::<String>,
            ));
            steps.push(Step::DeleteRolePolicy {
                role: name.to_owned(),
            });
        }
        (None, None) => {}
    }
    let live_attached: BTreeSet<&String> = found.iter().flat_map(|r| &r.attached).collect();
    let wanted: BTreeSet<&String> = desired.attached.iter().collect();
    for arn in wanted.difference(&live_attached) {
        fields.push(FieldChange::new(
            "attached",
            None::<String>,
            Some((*arn).clone()),
        ));
        steps.push(Step::AttachRolePolicy {
            role: name.to_owned(),
            policy_arn: (*arn).clone(),
        });
    }
    for arn in live_attached.difference(&wanted) {
        fields.push(FieldChange::new(
            "attached",
            Some((*arn).clone()),
            None::<String>,
        ));
        steps.push(Step::DetachRolePolicy {
            role: name.to_owned(),
            policy_arn: (*arn).clone(),
        });
    }
    if steps.is_empty() {
        out.unchanged += 1;
    } else {
        out.push(
            Component::Iam,
            ResourceKind::Role,
            name,
            action,
            fields,
            steps,
        );
    }
    Ok(())
}

/// A policy in one line: its statements' ids and actions.
fn summarize(document: &str) -> String {
    let value: Value = serde_json::from_str(document).unwrap_or_default();
    let statements: Vec<String> = value["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let actions: Vec<&str> = match &s["Action"] {
                Value::String(a) => vec![a.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            format!(
                "{} ({})",
                s["Sid"].as_str().unwrap_or("statement"),
                actions.join(" ")
            )
        })
        .collect();
    statements.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::LiveRepository;

    fn spec(service: &str) -> Spec {
        Spec::parse(
            &format!("[app]\nname = \"shop\"\n[database]\n[registry]\n[service]\n{service}\n"),
            "test.toml",
            "dev",
        )
        .unwrap()
    }

    fn live() -> LiveSupport {
        LiveSupport {
            account_id: Some("111122223333".to_owned()),
            ..LiveSupport::default()
        }
    }

    fn policy(out: &SupportPlan) -> Value {
        let document = out
            .changes
            .iter()
            .flat_map(|c| &c.steps)
            .find_map(|s| match s {
                Step::PutRolePolicy { document, .. } => Some(document.clone()),
                _ => None,
            })
            .unwrap();
        serde_json::from_str(&document).unwrap()
    }

    #[test]
    fn lookups_name_the_repository_the_tag_and_each_secret_once() {
        let spec = spec(
            "image_tag = \"v1\"\nsecrets = { A = \"secret:x:k1\", B = \"secret:x:k2\", C = \"database:password\" }",
        );
        let lookups = lookups(&spec);
        assert_eq!(lookups.repository.as_deref(), Some("shop/dev/api"));
        assert_eq!(lookups.image_tag.as_deref(), Some("v1"));
        assert_eq!(lookups.secrets, ["x"]);
        assert!(lookups.service);
    }

    #[test]
    fn without_secrets_the_execution_policy_reads_none() {
        let out = plan(&spec(""), "ap-northeast-1", &live()).unwrap();
        let sids: Vec<String> = policy(&out)["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(sids, ["PullImage", "RegistryLogin", "WriteLogs"]);
    }

    #[test]
    fn a_missing_secret_is_an_error_naming_it_and_the_variable() {
        let mut live = live();
        live.secrets.insert("stripe".to_owned(), None);
        let err = plan(&spec("secrets = { KEY = \"secret:stripe\" }"), "r", &live).unwrap_err();
        assert_eq!(
            err.to_string(),
            "service.secrets.KEY refers to the secret stripe, which does not exist"
        );
    }

    #[test]
    fn a_missing_image_is_an_error_only_once_the_repository_exists() {
        let spec = spec("image_tag = \"v1\"");
        assert!(
            plan(&spec, "r", &live()).is_ok(),
            "first up: the repository is created"
        );
        let mut live = live();
        live.repository = Some(LiveRepository {
            name: "shop/dev/api".to_owned(),
            owned: true,
            arn: "arn".to_owned(),
            uri: "111122223333.dkr.ecr.r.amazonaws.com/shop/dev/api".to_owned(),
            tags_immutable: true,
            scan_on_push: true,
            lifecycle_policy: Some(lifecycle_policy(30)),
        });
        live.image_present = Some(false);
        let err = plan(&spec, "r", &live).unwrap_err();
        assert!(
            err.hint()
                .contains("docker push 111122223333.dkr.ecr.r.amazonaws.com/shop/dev/api:v1"),
            "{}",
            err.hint()
        );
        live.image_present = Some(true);
        assert!(plan(&spec, "r", &live).is_ok());
    }

    #[test]
    fn a_secret_under_a_customer_managed_key_gets_decrypt_on_that_key_only() {
        let mut live = live();
        live.secrets.insert(
            "stripe".to_owned(),
            Some("arn:aws:secretsmanager:r:111122223333:secret:stripe-AbCd".to_owned()),
        );
        live.secret_keys.insert(
            "stripe".to_owned(),
            "1234abcd-12ab-34cd-56ef-1234567890ab".to_owned(),
        );
        let out = plan(&spec("secrets = { KEY = \"secret:stripe\" }"), "r", &live).unwrap();
        let statements = policy(&out)["Statement"].as_array().unwrap().clone();
        let decrypt = statements
            .iter()
            .find(|s| s["Sid"] == "DecryptSecrets")
            .expect("a decrypt statement");
        assert_eq!(
            decrypt["Resource"],
            serde_json::json!([
                "arn:aws:kms:r:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            ])
        );
        assert_eq!(
            decrypt["Condition"]["StringEquals"]["kms:ViaService"],
            "secretsmanager.r.amazonaws.com"
        );
        // The AWS managed key needs nothing.
        live.secret_keys.clear();
        let out = plan(&spec("secrets = { KEY = \"secret:stripe\" }"), "r", &live).unwrap();
        assert!(
            policy(&out)["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["Sid"] != "DecryptSecrets")
        );
    }

    #[test]
    fn every_arn_is_in_the_callers_partition() {
        let mut live = live();
        live.partition = Some("aws-cn".to_owned());
        let out = plan(
            &spec("secrets = { P = \"database:password\" }"),
            "cn-north-1",
            &live,
        )
        .unwrap();
        let text = policy(&out).to_string();
        assert!(text.contains("arn:aws-cn:logs:cn-north-1:"), "{text}");
        assert!(!text.contains("arn:aws:"), "{text}");
    }
}
