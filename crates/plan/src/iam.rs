//! The service's two IAM roles (`[service]`): `{app}-{env}-task-execution`,
//! trusted by ECS tasks only, with one inline policy that allows exactly
//! what starting the service needs (pull from this repository, write to
//! this log group, read the secrets this spec references); and
//! `{app}-{env}-task`, the application's role, which reads the database's
//! master secret and has the managed policies the spec attaches.
//!
//! Found by name; they must carry this app's and env's tags. Policies are
//! compared as canonical JSON (keys sorted), so AWS's formatting never
//! shows as a change. A `secret:` reference to a secret that does not
//! exist stops the plan before anything changes.

pub mod boundary;

use std::collections::BTreeSet;

use awsdeploy_spec::{SecretRef, Spec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext};
use crate::live::{LiveAccount, LiveRole, Lookups};
use crate::names::log_group_name;
use crate::plan::{Action, ComponentPlan, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::status::Status;
use crate::{ComponentId, ComponentStep, Key, PlanError, Ref, names, registry};

/// The service's roles (`[service]`); the roles other components make
/// are planned with [`plan_role`] and deleted with [`delete_role`] under
/// their own keys.
pub struct Iam;

impl Component for Iam {
    fn id(&self) -> ComponentId {
        ComponentId::Iam
    }

    fn sections(&self) -> &'static [&'static str] {
        &["service", "pipeline"]
    }

    fn lookups(&self, spec: &Spec, purpose: Purpose, lookups: &mut Lookups) {
        if purpose == Purpose::Up {
            lookups.secrets = secret_names(spec);
        }
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        plan(cx.spec, cx.region, &cx.live.account)
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(teardown(&cx.live.account, cx.app, cx.env))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        // The boundary goes once no role carries it: the pipeline's too.
        &[ComponentId::Service, ComponentId::Pipeline]
    }

    fn policy(&self, cx: &PolicyContext<'_>) -> Vec<Statement> {
        let (app, env) = (cx.app, cx.env);
        let role = |name: String| cx.global("iam", &format!("role/{name}"));
        let boundary = boundary::arn(cx.partition, "*", app, env);
        let bounded = json!({ "ArnLike": { "iam:PermissionsBoundary": boundary } });
        // The roles the deploy policy may write: never a role that holds
        // the deploy policy itself (GitHub's, the deploy project's), which
        // only an administrator's `up` changes.
        let workload: Vec<String> = workload_patterns(app, env)
            .into_iter()
            .map(|pattern| cx.global("iam", &format!("role/{pattern}")))
            .collect();
        let mut statements = vec![
            Statement::new(
                "RoleReads",
                &[
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                ],
                vec![cx.global("iam", &format!("role/{}*", names::role_prefix(app, env)))],
            ),
            Statement::anywhere("BoundaryLookup", &["iam:ListPolicies"]),
            Statement::new(
                "BoundaryReads",
                &["iam:GetPolicyVersion", "iam:ListPolicyTags"],
                vec![boundary.clone()],
            ),
            Statement::new(
                "BoundedRoles",
                &[
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:PutRolePermissionsBoundary",
                    "iam:PutRolePolicy",
                    "iam:UpdateAssumeRolePolicy",
                ],
                workload.clone(),
            )
            .when(bounded.clone()),
            // TagRole takes no boundary condition; CreateRole with tags
            // needs it.
            Statement::new("TagRoles", &["iam:TagRole"], workload.clone()),
        ];
        statements.push(boundary::attach_infrastructure_policy(cx, &bounded));
        if !cx.attachable.is_empty() {
            let mut condition = bounded.clone();
            condition["ArnEquals"] = json!({ "iam:PolicyARN": cx.attachable });
            statements.push(
                Statement::new(
                    "AttachNamedPolicies",
                    &["iam:AttachRolePolicy"],
                    vec![role(names::task_role_name(app, env))],
                )
                .when(condition),
            );
        }
        statements.push(
            Statement::new(
                "PassRoles",
                &["iam:PassRole"],
                vec![cx.global("iam", &format!("role/{}*", names::role_prefix(app, env)))],
            )
            .when(json!({
                "StringEquals": { "iam:PassedToService": [
                    "ecs-tasks.amazonaws.com",
                    "ecs.amazonaws.com",
                    "codebuild.amazonaws.com",
                    "codepipeline.amazonaws.com",
                ] }
            })),
        );
        // Service-linked roles live under their own path, never ours.
        statements.push(
            Statement::new(
                "ServiceLinkedRoles",
                &["iam:CreateServiceLinkedRole"],
                vec![cx.global("iam", "role/aws-service-role/*")],
            )
            .when(json!({ "StringEquals": { "iam:AWSServiceName": [
                    "ecs.amazonaws.com",
                    "rds.amazonaws.com",
                    "elasticloadbalancing.amazonaws.com",
                    "ecs.application-autoscaling.amazonaws.com"
                ] } })),
        );
        if cx.admin {
            statements.extend(admin_statements(cx));
        }
        statements
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        // Every role awsdeploy makes, the pipeline's too: they are all
        // changed by this component's steps; and the boundary.
        let (app, env) = (cx.app, cx.env);
        workload_roles(app, env)
            .into_iter()
            .chain(deploy_roles(app, env))
            .map(|name| cx.global("iam", &format!("role/{name}")))
            .chain([boundary::arn(cx.partition, "*", app, env)])
            .collect()
    }

    fn status(&self, _cx: &StatusContext<'_>, _status: &mut Status) {
        // Roles have no state to show.
    }

    fn cost(&self, _cx: &CostContext<'_>, _bill: &mut Bill<'_>) {
        // IAM roles, policies and OIDC providers are free.
    }
}

/// What only an administrator's credentials do (`iam-policy --admin`): the
/// boundary, and the roles that hold the deploy policy.
fn admin_statements(cx: &PolicyContext<'_>) -> Vec<Statement> {
    let (app, env) = (cx.app, cx.env);
    let boundary = boundary::arn(cx.partition, "*", app, env);
    let deploy_roles: Vec<String> = deploy_roles(app, env)
        .into_iter()
        .map(|name| cx.global("iam", &format!("role/{name}")))
        .collect();
    vec![
        Statement::new(
            "AdminBoundary",
            &[
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:ListPolicyVersions",
                "iam:TagPolicy",
            ],
            vec![boundary.clone()],
        ),
        Statement::new(
            "AdminDeployRoles",
            &[
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:PutRolePermissionsBoundary",
                "iam:PutRolePolicy",
                "iam:UpdateAssumeRolePolicy",
            ],
            deploy_roles.clone(),
        )
        .when(json!({ "ArnLike": { "iam:PermissionsBoundary": boundary } })),
        Statement::new("AdminTagDeployRoles", &["iam:TagRole"], deploy_roles),
    ]
}

/// The env's roles that the deploy policy may create and change (with the
/// boundary): the service's, the pipeline's build and the pipeline's own.
pub fn workload_roles(app: &str, env: &str) -> Vec<String> {
    vec![
        names::execution_role_name(app, env),
        names::task_role_name(app, env),
        names::build_project_name(app, env),
        names::github_build_role_name(app, env),
        names::pipeline_role_name(app, env),
        names::infrastructure_role_name(app, env),
    ]
}

/// [`workload_roles`] as few name patterns (the deploy policy's size
/// counts), none of which matches a [`deploy_roles`] name: `…-task*`
/// (the task role and its execution role), `…-*build` (the pipeline's
/// build project's and GitHub's build job's), `…-pipeline`, `…-ecs-lb`
/// (ECS's role for a strategy's traffic shifts).
pub fn workload_patterns(app: &str, env: &str) -> Vec<String> {
    let prefix = names::role_prefix(app, env);
    vec![
        format!("{prefix}task*"),
        format!("{prefix}*build"),
        names::pipeline_role_name(app, env),
        names::infrastructure_role_name(app, env),
    ]
}

/// The roles that hold the deploy policy (GitHub Actions' deploy role, the
/// pipeline's deploy project's): only an administrator's `up` (`awsdeploy
/// iam-policy --admin`) makes or changes them, so no deploy run can widen
/// its own permissions.
pub fn deploy_roles(app: &str, env: &str) -> Vec<String> {
    vec![
        names::github_role_name(app, env),
        names::deploy_project_name(app, env),
    ]
}

/// The name of awsdeploy's inline policy on each role.
pub const POLICY_NAME: &str = "awsdeploy";
/// The ECS service principal that may assume the roles.
const ECS_TASKS: &str = "ecs-tasks.amazonaws.com";

/// The names of the secrets the spec's service reads.
pub fn secret_names(spec: &Spec) -> Vec<String> {
    spec.service
        .iter()
        .flat_map(|s| s.secrets.values())
        .filter_map(|r| match r {
            SecretRef::Secret { name, .. } => Some(name.clone()),
            SecretRef::DatabasePassword | SecretRef::DatabaseUsername => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Canonical JSON: `serde_json`'s maps keep keys sorted.
pub fn canonical(value: &Value) -> String {
    value.to_string()
}

/// The trust policy of both roles: ECS tasks only.
pub fn trust_policy() -> String {
    service_trust(ECS_TASKS)
}

/// ECR's login: `GetAuthorizationToken` takes no resource, so AWS
/// requires `"*"`.
pub(crate) fn registry_login() -> Value {
    json!({
        "Sid": "RegistryLogin",
        "Effect": "Allow",
        "Action": ["ecr:GetAuthorizationToken"],
        "Resource": ["*"]
    })
}

/// A trust policy that lets one AWS service (`ecs-tasks.amazonaws.com`,
/// `codebuild.amazonaws.com`, …) assume the role.
pub(crate) fn service_trust(service: &str) -> String {
    canonical(&json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole"
        }]
    }))
}

/// Compares the roles the spec's service needs with the live ones.
pub fn plan(spec: &Spec, region: &str, live: &LiveAccount) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    if spec.service.is_some() || spec.pipeline.is_some() {
        boundary::plan(
            &mut out,
            live.partition(),
            (app, env),
            live.boundary.as_ref(),
        )?;
    } else if live.boundary.as_ref().is_some_and(|b| b.owned) {
        out.orphans.push(Orphan::named(
            ComponentId::Iam,
            ResourceKind::Boundary,
            &names::boundary_policy_name(app, env),
        ));
    }
    let Some(service) = spec.service.as_ref() else {
        for role in &live.roles {
            out.orphans.push(Orphan::named(
                ComponentId::Iam,
                ResourceKind::Role,
                &role.name,
            ));
        }
        return Ok(out);
    };
    let boundary = Some(role_boundary(spec, live)?);
    let execution_policy = execution_policy(spec, region, live)?;
    // The application reads the master secret itself when it connects
    // (`DB_SECRET_ARN`): what survives RDS's rotation of it.
    let mut statements = Vec::new();
    if spec.database.is_some() {
        statements.push(read_database_secret(spec, region, live)?);
    }
    if service.tracing == awsdeploy_spec::Tracing::Xray {
        // What the X-Ray daemon sends with (AWSXRayDaemonWriteAccess's
        // actions); X-Ray has no resource-level permissions.
        statements.push(json!({
            "Sid": "SendTraces",
            "Effect": "Allow",
            "Action": [
                "xray:GetSamplingRules",
                "xray:GetSamplingStatisticSummaries",
                "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments"
            ],
            "Resource": "*"
        }));
    }
    let task_policy = (!statements.is_empty()).then(|| {
        canonical(&json!({
            "Version": "2012-10-17",
            "Statement": statements
        }))
    });
    for desired in [
        DesiredRole {
            name: names::execution_role_name(app, env),
            description: "awsdeploy: ECS starts the service's tasks with it (image, logs, secrets)",
            trust: trust_policy(),
            trusted_by: ECS_TASKS.to_owned(),
            component: ComponentId::Iam,
            policy: Some(execution_policy),
            attached: Vec::new(),
            boundary: boundary.clone(),
            boundary_key: Some(boundary::key(app, env)),
        },
        DesiredRole {
            name: names::task_role_name(app, env),
            description: "awsdeploy: the application's own role",
            trust: trust_policy(),
            trusted_by: ECS_TASKS.to_owned(),
            component: ComponentId::Iam,
            policy: task_policy,
            attached: service.task_role_policies.clone(),
            boundary: boundary.clone(),
            boundary_key: Some(boundary::key(app, env)),
        },
    ] {
        let found = live.roles.iter().find(|r| r.name == desired.name);
        plan_role(&mut out, &desired, found)?;
    }
    Ok(out)
}

/// The boundary ARN the env's roles carry.
pub(crate) fn role_boundary(spec: &Spec, live: &LiveAccount) -> Result<String, PlanError> {
    Ok(boundary::arn(
        live.partition(),
        live.account()?,
        &spec.app.name,
        &spec.env,
    ))
}

/// The master secret's ARN is RDS's to choose; the tag RDS puts on it
/// names this stack's instance.
fn read_database_secret(spec: &Spec, region: &str, live: &LiveAccount) -> Result<Value, PlanError> {
    let partition = live.partition();
    let account = live.account()?;
    let instance = names::database_identifier(&spec.app.name, &spec.env);
    Ok(json!({
        "Sid": "ReadDatabaseSecret",
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": [format!("arn:{partition}:secretsmanager:{region}:{account}:secret:rds!db-*")],
        "Condition": { "StringEquals": {
            "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn":
                format!("arn:{partition}:rds:{region}:{account}:db:{instance}")
        }}
    }))
}

/// The execution role's policy: pull the image, write the logs, read the
/// secrets (and their keys) the task's environment names.
fn execution_policy(spec: &Spec, region: &str, live: &LiveAccount) -> Result<String, PlanError> {
    let partition = live.partition();
    let account = live.account()?;
    let log_group = log_group_name(&spec.app.name, &spec.env);
    let mut secret_arns = Vec::new();
    // The migration task reads the master password with the same role.
    let mut database_secret = spec.migration.is_some();
    for (variable, reference) in spec.service.iter().flat_map(|s| &s.secrets) {
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
    if let Some(arn) = registry::repository_arn(spec, region, live)? {
        statements.push(json!({
            "Sid": "PullImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": [arn]
        }));
        statements.push(registry_login());
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
    if database_secret {
        statements.push(read_database_secret(spec, region, live)?);
    }
    Ok(canonical(
        &json!({ "Version": "2012-10-17", "Statement": statements }),
    ))
}

/// `kms:Decrypt` for the customer managed keys of the `secret:` references
/// (ECS decrypts them with the execution role): on each key's ARN, or, for
/// a key named by alias, on the account's keys through Secrets Manager
/// only (an alias is no resource for `kms:Decrypt`).
fn decrypt_statement(
    spec: &Spec,
    region: &str,
    account: &str,
    live: &LiveAccount,
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
            // China's service endpoints end in `.amazonaws.com.cn`.
            "kms:ViaService": format!("secretsmanager.{region}.{}", live.dns_suffix())
        }}
    }))
}

/// A role as the spec wants it.
pub(crate) struct DesiredRole {
    pub name: String,
    pub description: &'static str,
    /// Its trust policy (canonical JSON), and who that trusts, for plans.
    pub trust: String,
    pub trusted_by: String,
    /// The component it is part of.
    pub component: ComponentId,
    /// awsdeploy's inline policy; `None`: the role has none.
    pub policy: Option<String>,
    /// Managed policies attached, exactly these.
    pub attached: Vec<String>,
    /// The permissions boundary it carries ([`boundary`]).
    pub boundary: Option<String>,
    /// The boundary's key: a role waits for it when this plan makes it.
    pub boundary_key: Option<Key>,
}

/// The managed policies to attach and to detach.
fn attachments(
    desired: &DesiredRole,
    found: Option<&LiveRole>,
    fields: &mut Vec<FieldChange>,
    steps: &mut Vec<IamStep>,
) {
    let name = desired.name.as_str();
    let live_attached: BTreeSet<&String> = found.iter().flat_map(|r| &r.attached).collect();
    let wanted: BTreeSet<&String> = desired.attached.iter().collect();
    for arn in wanted.difference(&live_attached) {
        fields.push(FieldChange::new(
            "attached",
            None::<String>,
            Some((*arn).clone()),
        ));
        steps.push(IamStep::AttachRolePolicy {
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
        steps.push(IamStep::DetachRolePolicy {
            role: name.to_owned(),
            policy_arn: (*arn).clone(),
        });
    }
}

/// One role: its trust policy, awsdeploy's inline policy and the managed
/// policies attached to it, against `found`, the live role of that name.
pub(crate) fn plan_role(
    out: &mut ComponentPlan,
    desired: &DesiredRole,
    found: Option<&LiveRole>,
) -> Result<(), PlanError> {
    let name = desired.name.as_str();
    let trust = desired.trust.clone();
    let (mut fields, mut steps, action) = match found {
        None => (
            vec![FieldChange::set("trusted_by", &desired.trusted_by)],
            vec![IamStep::CreateRole {
                name: name.to_owned(),
                description: desired.description.to_owned(),
                trust_policy: trust.clone(),
                boundary: desired.boundary.clone(),
            }],
            Action::Create,
        ),
        Some(role) if !role.owned => return Err(PlanError::not_ours(ResourceKind::Role, name)),
        Some(role) => {
            let mut fields = Vec::new();
            let mut steps = Vec::new();
            // First: the deploy policy may change a role only once it
            // carries the boundary.
            if let Some(boundary) = desired
                .boundary
                .as_ref()
                .filter(|b| role.boundary.as_ref() != Some(*b))
            {
                fields.push(FieldChange::new(
                    "boundary",
                    role.boundary.clone(),
                    Some(boundary.clone()),
                ));
                steps.push(IamStep::PutRoleBoundary {
                    role: name.to_owned(),
                    boundary: boundary.clone(),
                });
            }
            if role.trust_policy != trust {
                fields.push(FieldChange::new(
                    "trusted_by",
                    Some("other principals"),
                    Some(desired.trusted_by.clone()),
                ));
                steps.push(IamStep::UpdateTrustPolicy {
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
            steps.push(IamStep::PutRolePolicy {
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
            steps.push(IamStep::DeleteRolePolicy {
                role: name.to_owned(),
            });
        }
        (None, None) => {}
    }
    attachments(desired, found, &mut fields, &mut steps);
    if steps.is_empty() {
        out.unchanged += 1;
    } else {
        out.push(
            ResourceChange::new(
                Key::named(desired.component, name.to_owned()),
                ResourceKind::Role,
                name,
                action,
                steps,
            )
            .on((action != Action::Create).then_some(name))
            .with_fields(fields)
            .needs(desired.boundary_key.clone()),
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

/// The actions of the iam component: IAM: the roles and their policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum IamStep {
    /// `CreateRole` with the trust policy and the permissions boundary.
    /// The id is its name.
    CreateRole {
        name: String,
        description: String,
        trust_policy: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        boundary: Option<String>,
    },
    /// `PutRolePermissionsBoundary`.
    PutRoleBoundary { role: String, boundary: String },
    /// `CreatePolicy` of the boundary under `path`, tagged; one that exists
    /// already (a lost answer) is success. The id is its ARN.
    CreateBoundary {
        name: String,
        path: String,
        document: String,
    },
    /// `CreatePolicyVersion` as the default, after deleting the oldest
    /// other version when IAM's five are there.
    UpdateBoundary { arn: String, document: String },
    /// Its other versions, then `DeletePolicy`; already gone is success.
    DeleteBoundary { arn: String },
    /// `UpdateAssumeRolePolicy`.
    UpdateTrustPolicy { name: String, trust_policy: String },
    /// `PutRolePolicy` of awsdeploy's inline policy.
    PutRolePolicy { role: String, document: String },
    /// `DeleteRolePolicy` of awsdeploy's inline policy; already gone is
    /// success.
    DeleteRolePolicy { role: String },
    /// `AttachRolePolicy` of a managed policy.
    AttachRolePolicy { role: String, policy_arn: String },
    /// `DetachRolePolicy`; already detached is success.
    DetachRolePolicy { role: String, policy_arn: String },
    /// Deletes awsdeploy's inline policy, detaches `attached`, then
    /// `DeleteRole`; what is already gone is success.
    DeleteRole { name: String, attached: Vec<String> },
}

impl ComponentStep for IamStep {
    fn refs(&self) -> Vec<&Ref> {
        vec![]
    }

    fn creates(&self) -> bool {
        matches!(
            self,
            IamStep::CreateRole { .. } | IamStep::CreateBoundary { .. }
        )
    }
}

/// `down`: each role, with its inline policy and attachments.
pub(crate) fn teardown(live: &LiveAccount, app: &str, env: &str) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    for role in live.roles.iter().filter(|r| r.owned) {
        out.push(delete_role(ComponentId::Iam, role));
    }
    let roles = out.changes.iter().map(|c| c.key.clone()).collect();
    if let Some(change) = boundary::teardown(live.boundary.as_ref(), app, env, roles) {
        out.push(change);
    }
    out
}

/// The delete of `role` (its inline policy, its attachments, then it), a
/// change of `component`.
pub(crate) fn delete_role(component: ComponentId, role: &LiveRole) -> ResourceChange {
    ResourceChange::new(
        Key::named(component, role.name.clone()),
        ResourceKind::Role,
        &role.name,
        Action::Delete,
        vec![IamStep::DeleteRole {
            name: role.name.clone(),
            attached: role.attached.clone(),
        }],
    )
    .on(Some(&role.name))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Step;

    /// A spec with a database, a registry and `service`'s lines.
    pub(crate) fn spec(service: &str) -> Spec {
        Spec::parse(
            &format!("[app]\nname = \"shop\"\n[database]\n[registry]\n[service]\n{service}\n"),
            "test.toml",
            "dev",
        )
        .unwrap()
    }

    /// An account with an id and nothing in it.
    pub(crate) fn live() -> LiveAccount {
        LiveAccount {
            account_id: Some("111122223333".to_owned()),
            ..LiveAccount::default()
        }
    }

    fn policy(out: &ComponentPlan) -> Value {
        let document = out
            .changes
            .iter()
            .flat_map(|c| &c.steps)
            .find_map(|s| match s {
                Step::Iam(IamStep::PutRolePolicy { document, .. }) => Some(document.clone()),
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
        let lookups = crate::lookups(&spec);
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
        // In China the service's endpoint, so the condition, ends in `.cn`.
        let mut china = live.clone();
        china.partition = Some("aws-cn".to_owned());
        let out = plan(
            &spec("secrets = { KEY = \"secret:stripe\" }"),
            "cn-north-1",
            &china,
        )
        .unwrap();
        let statements = policy(&out)["Statement"].as_array().unwrap().clone();
        let decrypt = statements
            .iter()
            .find(|s| s["Sid"] == "DecryptSecrets")
            .unwrap();
        assert_eq!(
            decrypt["Condition"]["StringEquals"]["kms:ViaService"],
            "secretsmanager.cn-north-1.amazonaws.com.cn"
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
