//! The CodePipeline runner (`runner = "codepipeline"`): a CodeStar
//! connection to the Git host, the artifact bucket, the log group, a role
//! each for CodePipeline and the two CodeBuild projects, the projects
//! (build: privileged for `docker build`; deploy: runs awsdeploy), and the
//! V2 pipeline Source → Build → Deploy.

use awsdeploy_spec::{Pipeline, Spec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::ci::{self, Stage};
use crate::iam::{DesiredRole, canonical, plan_role};
use crate::live::{LiveAccount, LiveLogGroup, LiveRole};
use crate::plan::{Action, ComponentPlan, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::names::{
    self, bucket_name, connection_name, pipeline_log_group_name as log_group_name, pipeline_name,
    pipeline_role_name,
};
use crate::{ComponentId, Key, LogsStep, PlanError, Ref, permissions};

use super::PipelineStep;




/// The CodeBuild project of a stage, and its role (the same name).
pub fn project_name(app: &str, env: &str, stage: Stage) -> String {
    match stage {
        Stage::Deploy => names::deploy_project_name(app, env),
        Stage::Build | Stage::All => names::build_project_name(app, env),
    }
}


/// The namespace of the source action's variables (its commit id).
pub const SOURCE_NAMESPACE: &str = "SourceVariables";
/// How long the build and the deploy may run.
pub const BUILD_TIMEOUT_MINUTES: i32 = 60;

/// A CodeBuild project as awsdeploy sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProjectSettings {
    pub image: String,
    pub compute_type: String,
    /// Docker in the build (`docker build`).
    pub privileged: bool,
    pub service_role: String,
    /// The buildspec: YAML, or a path in the repository.
    pub buildspec: String,
    pub log_group: String,
    pub timeout_minutes: i32,
}

/// The pipeline as awsdeploy sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PipelineSettings {
    pub role_arn: String,
    pub bucket: String,
    /// The connection's ARN: planned when the connection is made too.
    pub connection: Ref,
    pub repository: String,
    pub branch: String,
    pub build_project: String,
    pub deploy_project: String,
}

/// What is live of the CodePipeline runner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveCodePipeline {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<LiveConnection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<LiveBucket>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<LiveLogGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<LiveRole>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<LiveProject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<LivePipelineDefinition>,
}

impl LiveCodePipeline {
    pub fn is_empty(&self) -> bool {
        *self == LiveCodePipeline::default()
    }

    pub(crate) fn sort(&mut self) {
        self.roles.sort_by(|a, b| a.name.cmp(&b.name));
        self.projects.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveConnection {
    pub name: String,
    pub arn: String,
    /// `PENDING` until someone finishes the handshake in the console,
    /// then `AVAILABLE` (or `ERROR`).
    pub status: String,
    pub owned: bool,
}

/// The bucket's settings as S3 reports them, each on or off.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveBucket {
    pub name: String,
    pub owned: bool,
    /// It has no tags at all: S3 cannot tag a bucket as it makes it, so a
    /// run stopped between `CreateBucket` and `PutBucketTagging` leaves it
    /// so. Its name holds the account id and the app's and env's prefix,
    /// so it is adopted and tagged.
    #[serde(default)]
    pub untagged: bool,
    pub encrypted: bool,
    pub public_access_blocked: bool,
    pub versioned: bool,
    /// The lifecycle rule's expiry, when it is awsdeploy's.
    pub expiry_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveProject {
    pub name: String,
    pub owned: bool,
    pub settings: ProjectSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePipelineDefinition {
    pub name: String,
    pub owned: bool,
    /// `None` when its stages are not the ones awsdeploy makes.
    pub settings: Option<PipelineSettings>,
}

/// What every CodeBuild role needs: its log group, the artifacts.
fn build_statements(
    arn: &dyn Fn(&str, &str) -> String,
    group: &str,
    bucket: &str,
    partition: &str,
) -> Vec<Value> {
    vec![
        json!({
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [arn("logs", &format!("log-group:{group}:*"))]
        }),
        json!({
            "Sid": "Artifacts",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            "Resource": [format!("arn:{partition}:s3:::{bucket}/*")]
        }),
    ]
}

fn policy(statements: &[Value]) -> String {
    canonical(&json!({ "Version": "2012-10-17", "Statement": statements }))
}

/// Compares the CodePipeline runner's resources with the live ones.
#[allow(clippy::too_many_lines)] // the resources one after the other, in order
pub(super) fn plan(
    spec: &Spec,
    pipeline: &Pipeline,
    region: &str,
    account: &LiveAccount,
    live: &LiveCodePipeline,
    out: &mut ComponentPlan,
) -> Result<(), PlanError> {
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let partition = account.partition();
    let account_id = account.account()?;
    let arn = |service: &str, resource: &str| {
        format!("arn:{partition}:{service}:{region}:{account_id}:{resource}")
    };
    let role_arn = |name: &str| format!("arn:{partition}:iam::{account_id}:role/{name}");

    // The connection: made PENDING; someone finishes it in the console.
    let connection_name = connection_name(app, env);
    let connection_key = Key::named(ComponentId::Pipeline, format!("connection/{connection_name}"));
    let connection = match &live.connection {
        None => {
            out.push(
                ResourceChange::new(
                    connection_key.clone(),
                    ResourceKind::SourceConnection,
                    &connection_name,
                    Action::Create,
                    vec![PipelineStep::CreateConnection {
                        name: connection_name.clone(),
                        provider: pipeline.provider.as_str().to_owned(),
                    }],
                )
                .with_fields(vec![FieldChange::set(
                    "provider",
                    pipeline.provider.as_str(),
                )]),
            );
            out.warnings
                .push(pending_connection(&connection_name, region));
            Ref::Planned(connection_key)
        }
        Some(c) if !c.owned => {
            return Err(PlanError::not_ours(ResourceKind::SourceConnection, &c.name));
        }
        Some(c) => {
            out.unchanged += 1;
            if c.status == "PENDING" {
                out.warnings
                    .push(pending_connection(&connection_name, region));
            }
            Ref::Existing(c.arn.clone())
        }
    };

    // The artifact bucket: encrypted, private, versioned, expiring.
    let bucket = bucket_name(app, env, account_id);
    let expiry = pipeline.artifact_retention_days;
    match &live.bucket {
        None => out.push(
            ResourceChange::new(
                Key::named(ComponentId::Pipeline, format!("bucket/{bucket}")),
                ResourceKind::ArtifactBucket,
                &bucket,
                Action::Create,
                vec![PipelineStep::CreateBucket {
                    name: bucket.clone(),
                    region: region.to_owned(),
                    expiry_days: expiry,
                }],
            )
            .with_fields(vec![
                FieldChange::set("encryption", "AES256"),
                FieldChange::set("public_access", "blocked"),
                FieldChange::set("versioning", "enabled"),
                FieldChange::set("expiry_days", expiry.to_string()),
            ]),
        ),
        Some(b) if !b.owned && !b.untagged => {
            return Err(PlanError::not_ours(ResourceKind::ArtifactBucket, &b.name));
        }
        Some(b) => {
            let mut fields = Vec::new();
            if b.untagged {
                fields.push(FieldChange::new("tags", Some("none"), Some("awsdeploy's")));
                out.warnings.push(format!(
                    "the artifact bucket {} has no tags, as a run stopped between making it and tagging it leaves it: `up` tags and configures it",
                    b.name
                ));
            }
            let mut flag = |name: &str, ok: bool, want: &str| {
                if !ok {
                    fields.push(FieldChange::new(name, Some("off"), Some(want)));
                }
            };
            flag("encryption", b.encrypted, "AES256");
            flag("public_access", b.public_access_blocked, "blocked");
            flag("versioning", b.versioned, "enabled");
            if b.expiry_days != Some(expiry) {
                fields.push(FieldChange::new(
                    "expiry_days",
                    Some(b.expiry_days.map_or("other".to_owned(), |d| d.to_string())),
                    Some(expiry.to_string()),
                ));
            }
            if fields.is_empty() {
                out.unchanged += 1;
            } else {
                out.push(
                    ResourceChange::new(
                        Key::named(ComponentId::Pipeline, format!("bucket/{bucket}")),
                        ResourceKind::ArtifactBucket,
                        &bucket,
                        Action::Update,
                        vec![PipelineStep::ConfigureBucket {
                            name: bucket.clone(),
                            expiry_days: expiry,
                        }],
                    )
                    .on(Some(&bucket))
                    .with_fields(fields),
                );
            }
        }
    }

    // The builds' log group.
    let group = log_group_name(app, env);
    let retention = i32::try_from(
        spec.service
            .as_ref()
            .map_or(awsdeploy_spec::defaults::SERVICE_LOG_RETENTION_DAYS, |s| {
                s.log_retention_days
            }),
    )
    .unwrap_or(i32::MAX);
    match &live.log_group {
        None => out.push(
            ResourceChange::new(
                Key::named(ComponentId::Pipeline, group.clone()),
                ResourceKind::LogGroup,
                &group,
                Action::Create,
                vec![LogsStep::CreateLogGroup {
                    name: group.clone(),
                    retention_days: retention,
                }],
            )
            .with_fields(vec![FieldChange::set(
                "retention_days",
                retention.to_string(),
            )]),
        ),
        Some(g) if !g.owned => return Err(PlanError::not_ours(ResourceKind::LogGroup, &g.name)),
        Some(_) => out.unchanged += 1,
    }

    // The roles.
    let build_role = project_name(app, env, Stage::Build);
    let deploy_role = project_name(app, env, Stage::Deploy);
    let pipeline_role = pipeline_role_name(app, env);
    let repository = crate::registry::repository_name(spec).unwrap_or_default();
    let mut build = build_statements(&arn, &group, &bucket, partition);
    build.push(crate::iam::registry_login());
    build.push(json!({
        "Sid": "PushImage",
        "Effect": "Allow",
        "Action": [
            "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
            "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:GetDownloadUrlForLayer",
            "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"
        ],
        "Resource": [arn("ecr", &format!("repository/{repository}"))]
    }));
    let mut deploy = build_statements(&arn, &group, &bucket, partition);
    let awsdeploy = permissions::policy(spec, false);
    deploy.extend(
        awsdeploy["Statement"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    let pipeline_policy = vec![
        json!({
            "Sid": "Artifacts",
            "Effect": "Allow",
            "Action": ["s3:GetBucketVersioning", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            "Resource": [format!("arn:{partition}:s3:::{bucket}"), format!("arn:{partition}:s3:::{bucket}/*")]
        }),
        // The connection's ARN ends in an id chosen when it is made: the
        // condition narrows it to this repository instead, so the policy
        // is the same before and after.
        json!({
            "Sid": "Source",
            "Effect": "Allow",
            "Action": ["codestar-connections:UseConnection"],
            "Resource": [arn("codestar-connections", "connection/*")],
            "Condition": { "StringEquals": {
                "codestar-connections:FullRepositoryId": pipeline.repository
            }}
        }),
        json!({
            "Sid": "Builds",
            "Effect": "Allow",
            "Action": ["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
            "Resource": [
                arn("codebuild", &format!("project/{build_role}")),
                arn("codebuild", &format!("project/{deploy_role}"))
            ]
        }),
    ];
    let mut roles = ComponentPlan::default();
    for (name, service, statements, description) in [
        (
            &build_role,
            "codebuild.amazonaws.com",
            build,
            "awsdeploy: the pipeline's build (image push)",
        ),
        (
            &deploy_role,
            "codebuild.amazonaws.com",
            deploy,
            "awsdeploy: the pipeline's deploy (awsdeploy up)",
        ),
        (
            &pipeline_role,
            "codepipeline.amazonaws.com",
            pipeline_policy,
            "awsdeploy: the pipeline",
        ),
    ] {
        plan_role(
            &mut roles,
            &DesiredRole {
                name: name.clone(),
                description,
                trust: crate::iam::service_trust(service),
                trusted_by: service.to_owned(),
                component: ComponentId::Pipeline,
                policy: Some(policy(&statements)),
                attached: Vec::new(),
            },
            live.roles.iter().find(|r| r.name == *name),
        )?;
    }
    let role_keys: Vec<Key> = roles.changes.iter().map(|c| c.key.clone()).collect();
    out.merge(roles);

    // The projects.
    let project = |stage: Stage| {
        let name = project_name(app, env, stage);
        ProjectSettings {
            image: pipeline.build_image.clone(),
            compute_type: pipeline.compute_type.clone(),
            privileged: stage == Stage::Build,
            service_role: role_arn(&name),
            buildspec: match (&pipeline.buildspec, stage) {
                (Some(path), Stage::Build) => path.clone(),
                _ => ci::buildspec(spec, pipeline, stage),
            },
            log_group: group.clone(),
            timeout_minutes: BUILD_TIMEOUT_MINUTES,
        }
    };
    let mut project_keys = Vec::new();
    for stage in [Stage::Build, Stage::Deploy] {
        let name = project_name(app, env, stage);
        let settings = project(stage);
        let key = Key::named(ComponentId::Pipeline, format!("project/{name}"));
        let found = live.projects.iter().find(|p| p.name == name);
        let change = match found {
            None => ResourceChange::new(
                key.clone(),
                ResourceKind::BuildProject,
                &name,
                Action::Create,
                vec![PipelineStep::CreateProject {
                    name: name.clone(),
                    settings: settings.clone(),
                }],
            )
            .with_fields(project_fields(None, &settings)),
            Some(p) if !p.owned => {
                return Err(PlanError::not_ours(ResourceKind::BuildProject, &name));
            }
            Some(p) if p.settings == settings => {
                out.unchanged += 1;
                continue;
            }
            Some(p) => ResourceChange::new(
                key.clone(),
                ResourceKind::BuildProject,
                &name,
                Action::Update,
                vec![PipelineStep::UpdateProject {
                    name: name.clone(),
                    settings: settings.clone(),
                }],
            )
            .on(Some(&name))
            .with_fields(project_fields(Some(&p.settings), &settings)),
        };
        // CodeBuild checks it may assume the role when the project is saved.
        out.push(change.after(role_keys.iter().cloned()));
        project_keys.push(key);
    }

    // The pipeline.
    let name = pipeline_name(app, env);
    let settings = PipelineSettings {
        role_arn: role_arn(&pipeline_role),
        bucket: bucket.clone(),
        connection,
        repository: pipeline.repository.clone(),
        branch: pipeline.branch.clone(),
        build_project: build_role.clone(),
        deploy_project: deploy_role.clone(),
    };
    let key = Key::named(ComponentId::Pipeline, format!("pipeline/{name}"));
    let before: Vec<Key> = out
        .changes
        .iter()
        .map(|c| c.key.clone())
        .filter(|k| *k != key)
        .collect();
    let change = match &live.pipeline {
        None => Some(
            ResourceChange::new(
                key,
                ResourceKind::CodePipeline,
                &name,
                Action::Create,
                vec![PipelineStep::CreatePipeline {
                    name: name.clone(),
                    settings,
                }],
            )
            .with_fields(vec![
                FieldChange::set("stages", "Source → Build → Deploy"),
                FieldChange::set("branch", &pipeline.branch),
            ]),
        ),
        Some(p) if !p.owned => return Err(PlanError::not_ours(ResourceKind::CodePipeline, &name)),
        Some(p) if p.settings.as_ref() == Some(&settings) => {
            out.unchanged += 1;
            None
        }
        Some(p) => Some(
            ResourceChange::new(
                key,
                ResourceKind::CodePipeline,
                &name,
                Action::Update,
                vec![PipelineStep::UpdatePipeline {
                    name: name.clone(),
                    settings: settings.clone(),
                }],
            )
            .on(Some(&name))
            .with_fields(pipeline_fields(p.settings.as_ref(), &settings)),
        ),
    };
    if let Some(change) = change {
        out.push(change.after(before));
    }
    Ok(())
}

fn pending_connection(name: &str, region: &str) -> String {
    format!(
        "the connection {name} is PENDING until its Git host's owner approves it: open https://console.aws.amazon.com/codesuite/settings/connections?region={region}, choose {name}, then Update pending connection (the pipeline's source fails until then)"
    )
}

fn project_fields(old: Option<&ProjectSettings>, new: &ProjectSettings) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    let mut field = |name: &str, old: Option<String>, new: String| {
        if old.as_ref() != Some(&new) {
            fields.push(FieldChange::new(name, old, Some(new)));
        }
    };
    field("image", old.map(|o| o.image.clone()), new.image.clone());
    field(
        "compute_type",
        old.map(|o| o.compute_type.clone()),
        new.compute_type.clone(),
    );
    field(
        "privileged",
        old.map(|o| o.privileged.to_string()),
        new.privileged.to_string(),
    );
    field(
        "service_role",
        old.map(|o| o.service_role.clone()),
        new.service_role.clone(),
    );
    // A buildspec is long: only whether it is the one wanted.
    if old.is_none_or(|o| o.buildspec != new.buildspec) {
        field(
            "buildspec",
            old.map(|_| "other".to_owned()),
            if new.buildspec.contains('\n') {
                "as `awsdeploy ci buildspec` prints it".to_owned()
            } else {
                new.buildspec.clone()
            },
        );
    }
    field(
        "log_group",
        old.map(|o| o.log_group.clone()),
        new.log_group.clone(),
    );
    field(
        "timeout_minutes",
        old.map(|o| o.timeout_minutes.to_string()),
        new.timeout_minutes.to_string(),
    );
    fields
}

fn pipeline_fields(old: Option<&PipelineSettings>, new: &PipelineSettings) -> Vec<FieldChange> {
    let Some(old) = old else {
        return vec![FieldChange::new(
            "stages",
            Some("other"),
            Some("Source → Build → Deploy"),
        )];
    };
    let mut fields = Vec::new();
    for (name, a, b) in [
        ("repository", &old.repository, &new.repository),
        ("branch", &old.branch, &new.branch),
        ("role", &old.role_arn, &new.role_arn),
        ("bucket", &old.bucket, &new.bucket),
    ] {
        if a != b {
            fields.push(FieldChange::new(name, Some(a.clone()), Some(b.clone())));
        }
    }
    if old.connection != new.connection {
        fields.push(FieldChange::new(
            "connection",
            Some("other"),
            Some("this stack's"),
        ));
    }
    fields
}

/// What a removed `[pipeline]` (or another runner) leaves: kept, listed.
pub(super) fn orphans(live: &LiveCodePipeline) -> Vec<Orphan> {
    let mut out = Vec::new();
    let mut kept = |kind, name: &str| out.push(Orphan::named(ComponentId::Pipeline, kind, name));
    if let Some(p) = live.pipeline.as_ref().filter(|p| p.owned) {
        kept(ResourceKind::CodePipeline, &p.name);
    }
    for p in live.projects.iter().filter(|p| p.owned) {
        kept(ResourceKind::BuildProject, &p.name);
    }
    for r in live.roles.iter().filter(|r| r.owned) {
        kept(ResourceKind::Role, &r.name);
    }
    if let Some(c) = live.connection.as_ref().filter(|c| c.owned) {
        kept(ResourceKind::SourceConnection, &c.name);
    }
    if let Some(b) = live.bucket.as_ref().filter(|b| b.owned) {
        kept(ResourceKind::ArtifactBucket, &b.name);
    }
    if let Some(g) = live.log_group.as_ref().filter(|g| g.owned) {
        kept(ResourceKind::LogGroup, &g.name);
    }
    out
}

/// `down`: the pipeline first, then what it runs on; the artifacts and
/// the build logs only with `delete_data`.
pub(super) fn teardown(live: &LiveCodePipeline, delete_data: bool) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    let delete = |key: String, kind, name: &str, step: crate::Step| {
        ResourceChange::new(
            Key::named(ComponentId::Pipeline, key),
            kind,
            name,
            Action::Delete,
            vec![step],
        )
        .on(Some(name))
    };
    let mut first = Vec::new();
    if let Some(p) = live.pipeline.as_ref().filter(|p| p.owned) {
        let change = delete(
            format!("pipeline/{}", p.name),
            ResourceKind::CodePipeline,
            &p.name,
            PipelineStep::DeletePipeline {
                name: p.name.clone(),
            }
            .into(),
        );
        first.push(change.key.clone());
        out.push(change);
    }
    let mut then = Vec::new();
    for p in live.projects.iter().filter(|p| p.owned) {
        then.push(delete(
            format!("project/{}", p.name),
            ResourceKind::BuildProject,
            &p.name,
            PipelineStep::DeleteProject {
                name: p.name.clone(),
            }
            .into(),
        ));
    }
    for r in live.roles.iter().filter(|r| r.owned) {
        then.push(crate::iam::delete_role(ComponentId::Pipeline, r));
    }
    if let Some(c) = live.connection.as_ref().filter(|c| c.owned) {
        then.push(delete(
            format!("connection/{}", c.name),
            ResourceKind::SourceConnection,
            &c.name,
            PipelineStep::DeleteConnection { arn: c.arn.clone() }.into(),
        ));
    }
    for (kind, name, step) in [
        live.bucket.as_ref().filter(|b| b.owned).map(|b| {
            (
                ResourceKind::ArtifactBucket,
                format!("bucket/{}", b.name),
                crate::Step::from(PipelineStep::DeleteBucket {
                    name: b.name.clone(),
                }),
            )
        }),
        live.log_group.as_ref().filter(|g| g.owned).map(|g| {
            (
                ResourceKind::LogGroup,
                g.name.clone(),
                crate::Step::from(LogsStep::DeleteLogGroup {
                    name: g.name.clone(),
                }),
            )
        }),
    ]
    .into_iter()
    .flatten()
    {
        let display = name.trim_start_matches("bucket/").to_owned();
        if delete_data {
            then.push(delete(name, kind, &display, step));
        } else {
            out.warnings.push(format!(
                "the {} {display} is kept; `awsdeploy down --delete-data` deletes it",
                kind.label()
            ));
        }
    }
    for change in then {
        out.push(change.after(first.iter().cloned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::tests::live;

    fn spec() -> Spec {
        Spec::parse(
            "[app]\nname = \"shop\"\n[registry]\n[service]\n[pipeline]\nrepository = \"acme/shop\"\n",
            "t.toml",
            "dev",
        )
        .unwrap()
    }

    #[test]
    fn projects_wait_for_their_roles_and_the_pipeline_for_everything() {
        let spec = spec();
        let mut out = ComponentPlan::default();
        plan(
            &spec,
            spec.pipeline.as_ref().unwrap(),
            "eu-west-1",
            &live(),
            &LiveCodePipeline::default(),
            &mut out,
        )
        .unwrap();
        let key_of = |kind: ResourceKind| -> Vec<Key> {
            out.changes
                .iter()
                .filter(|c| c.kind == kind)
                .map(|c| c.key.clone())
                .collect()
        };
        let roles = key_of(ResourceKind::Role);
        assert_eq!(roles.len(), 3);
        for project in out
            .changes
            .iter()
            .filter(|c| c.kind == ResourceKind::BuildProject)
        {
            for role in &roles {
                assert!(project.depends_on.contains(role), "{project:?}");
            }
        }
        let pipeline = out
            .changes
            .iter()
            .find(|c| c.kind == ResourceKind::CodePipeline)
            .unwrap();
        for key in key_of(ResourceKind::BuildProject)
            .into_iter()
            .chain(key_of(ResourceKind::SourceConnection))
            .chain(key_of(ResourceKind::ArtifactBucket))
        {
            assert!(pipeline.depends_on.contains(&key), "{key}");
        }
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains("Update pending connection")),
            "{:?}",
            out.warnings
        );
        // The pipeline role's policy does not name the connection's id, so
        // it is the same once the connection exists.
        let policy = serde_json::to_string(&out.changes).unwrap();
        assert!(policy.contains("codestar-connections:FullRepositoryId"));
    }

    #[test]
    fn a_project_changed_out_of_band_is_updated_in_place() {
        let spec = spec();
        let mut out = ComponentPlan::default();
        plan(
            &spec,
            spec.pipeline.as_ref().unwrap(),
            "eu-west-1",
            &live(),
            &LiveCodePipeline::default(),
            &mut out,
        )
        .unwrap();
        let Some(crate::Step::Pipeline(PipelineStep::CreateProject { name, settings })) = out
            .changes
            .iter()
            .find(|c| c.kind == ResourceKind::BuildProject)
            .and_then(|c| c.steps.first())
        else {
            panic!("no project");
        };
        let live_pipeline = LiveCodePipeline {
            projects: vec![LiveProject {
                name: name.clone(),
                owned: true,
                settings: ProjectSettings {
                    privileged: false,
                    ..settings.clone()
                },
            }],
            ..LiveCodePipeline::default()
        };
        let mut again = ComponentPlan::default();
        plan(
            &spec,
            spec.pipeline.as_ref().unwrap(),
            "eu-west-1",
            &live(),
            &live_pipeline,
            &mut again,
        )
        .unwrap();
        let change = again
            .changes
            .iter()
            .find(|c| c.kind == ResourceKind::BuildProject && c.name == *name)
            .unwrap();
        assert_eq!(change.action, Action::Update);
        assert_eq!(change.fields.len(), 1, "{:?}", change.fields);
        assert!(matches!(
            change.steps[..],
            [crate::Step::Pipeline(PipelineStep::UpdateProject { .. })]
        ));
    }
}
