//! The CodePipeline runner (`runner = "codepipeline"`): a CodeStar
//! connection to the Git host, the artifact bucket, the log group, a role
//! each for CodePipeline and the two CodeBuild projects, the projects
//! (build: privileged for `docker build`; deploy: runs awsdeploy), and the
//! V2 pipeline Source → Build → Deploy.

use awsdeploy_spec::{Pipeline, Spec};
use serde_json::{Value, json};

use crate::ci::{self, Stage};
use crate::iam::{DesiredRole, canonical, plan_role};
use crate::live::LiveAccount;
use crate::names::{
    self, bucket_name, connection_name, pipeline_log_group_name as log_group_name, pipeline_name,
    pipeline_role_name,
};
use crate::plan::{Action, ComponentPlan, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::reconcile::{Change, Desired, Reconciled};
use crate::{ComponentId, Key, LogsStep, PlanError, Ref, permissions};

use super::PipelineStep;
pub use super::live::{
    LiveBucket, LiveCodePipeline, LiveConnection, LivePipelineDefinition, LiveProject,
    PipelineSettings, ProjectSettings,
};

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

/// What the runner's resources are planned from.
struct Runner<'a> {
    components: &'a [&'a dyn crate::Component],
    spec: &'a Spec,
    pipeline: &'a Pipeline,
    region: &'a str,
    partition: &'a str,
    account_id: &'a str,
    app: &'a str,
    env: &'a str,
    live: &'a LiveCodePipeline,
}

impl Runner<'_> {
    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account_id
        )
    }

    fn role_arn(&self, name: &str) -> String {
        format!(
            "arn:{}:iam::{}:role/{name}",
            self.partition, self.account_id
        )
    }

    fn bucket(&self) -> String {
        bucket_name(self.app, self.env, self.account_id)
    }

    fn key(what: &str, name: &str) -> Key {
        Key::named(ComponentId::Pipeline, format!("{what}/{name}"))
    }
}

/// Compares the CodePipeline runner's resources with the live ones, in
/// order: the connection, the artifact bucket, the builds' log group, the
/// roles, the projects (after the roles), the pipeline (after everything).
pub(super) fn plan(
    components: &[&dyn crate::Component],
    (spec, pipeline): (&Spec, &Pipeline),
    region: &str,
    account: &LiveAccount,
    live: &LiveCodePipeline,
    out: &mut ComponentPlan,
) -> Result<(), PlanError> {
    let runner = Runner {
        components,
        spec,
        pipeline,
        region,
        partition: account.partition(),
        account_id: account.account()?,
        app: &spec.app.name,
        env: &spec.env,
        live,
    };
    let connection = connection(&runner, out)?;
    bucket(&runner, out)?;
    log_group(&runner, out)?;
    let role_keys = roles(&runner, out)?;
    projects(&runner, out, &role_keys)?;
    let before: Vec<Key> = out.changes.iter().map(|c| c.key.clone()).collect();
    codepipeline(&runner, out, connection, before)
}

/// The connection: made PENDING; someone finishes it in the console.
fn connection(r: &Runner<'_>, out: &mut ComponentPlan) -> Result<Ref, PlanError> {
    let name = connection_name(r.app, r.env);
    let key = Runner::key("connection", &name);
    let live = r.live.connection.as_ref();
    let outcome = Desired::new(key.clone(), ResourceKind::SourceConnection, &name).reconcile(
        out,
        live.map(|c| (c, c.owned)),
        || {
            let provider = r.pipeline.provider.as_str();
            Change::new(
                vec![PipelineStep::CreateConnection {
                    name: name.clone(),
                    provider: provider.to_owned(),
                }],
                vec![FieldChange::set("provider", provider)],
            )
        },
        |_| (Change::new(Vec::new(), Vec::new()), None),
    )?;
    if live.is_none_or(|c| c.status == "PENDING") {
        out.warnings.push(pending_connection(&name, r.region));
    }
    Ok(match (outcome, live) {
        (Reconciled::Unchanged | Reconciled::Updated, Some(c)) => Ref::Existing(c.arn.clone()),
        _ => Ref::Planned(key),
    })
}

/// The artifact bucket: encrypted, private, versioned, expiring. One left
/// untagged by a run stopped between making and tagging it is adopted.
fn bucket(r: &Runner<'_>, out: &mut ComponentPlan) -> Result<(), PlanError> {
    let bucket = r.bucket();
    let expiry = r.pipeline.artifact_retention_days;
    if let Some(b) = r.live.bucket.as_ref().filter(|b| b.untagged) {
        out.warnings.push(format!(
            "the artifact bucket {} has no tags, as a run stopped between making it and tagging it leaves it: `up` tags and configures it",
            b.name
        ));
    }
    let steps = || {
        vec![PipelineStep::ConfigureBucket {
            name: bucket.clone(),
            expiry_days: expiry,
        }]
    };
    Desired::new(
        Runner::key("bucket", &bucket),
        ResourceKind::ArtifactBucket,
        &bucket,
    )
    .reconcile(
        out,
        r.live.bucket.as_ref().map(|b| (b, b.owned || b.untagged)),
        || {
            Change::new(
                vec![PipelineStep::CreateBucket {
                    name: bucket.clone(),
                    region: r.region.to_owned(),
                    expiry_days: expiry,
                }],
                vec![
                    FieldChange::set("encryption", "AES256"),
                    FieldChange::set("public_access", "blocked"),
                    FieldChange::set("versioning", "enabled"),
                    FieldChange::set("expiry_days", expiry.to_string()),
                ],
            )
        },
        |b| {
            (
                Change::new(steps(), bucket_fields(b, expiry)),
                Some(bucket.clone()),
            )
        },
    )?;
    Ok(())
}

/// What differs of a live bucket from what awsdeploy sets.
fn bucket_fields(b: &LiveBucket, expiry: u32) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    if b.untagged {
        fields.push(FieldChange::new("tags", Some("none"), Some("awsdeploy's")));
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
    fields
}

/// The builds' log group, with the service's retention.
fn log_group(r: &Runner<'_>, out: &mut ComponentPlan) -> Result<(), PlanError> {
    let group = log_group_name(r.app, r.env);
    let retention = i32::try_from(
        r.spec
            .service
            .as_ref()
            .map_or(awsdeploy_spec::defaults::SERVICE_LOG_RETENTION_DAYS, |s| {
                s.log_retention_days
            }),
    )
    .unwrap_or(i32::MAX);
    Desired::new(
        Key::named(ComponentId::Pipeline, group.clone()),
        ResourceKind::LogGroup,
        &group,
    )
    .reconcile(
        out,
        r.live.log_group.as_ref().map(|g| (g, g.owned)),
        || {
            Change::new(
                vec![LogsStep::CreateLogGroup {
                    name: group.clone(),
                    retention_days: retention,
                }],
                vec![FieldChange::set("retention_days", retention.to_string())],
            )
        },
        |_| (Change::<LogsStep>::new(Vec::new(), Vec::new()), None),
    )?;
    Ok(())
}

/// The three roles: the build's (image push), the deploy's (`awsdeploy
/// up`'s policy) and the pipeline's. Returns the keys of their changes.
fn roles(r: &Runner<'_>, out: &mut ComponentPlan) -> Result<Vec<Key>, PlanError> {
    let (app, env) = (r.app, r.env);
    let (build_role, deploy_role) = (
        project_name(app, env, Stage::Build),
        project_name(app, env, Stage::Deploy),
    );
    let (group, bucket) = (log_group_name(app, env), r.bucket());
    let arn = |service: &str, resource: &str| r.arn(service, resource);
    let repository = crate::registry::repository_name(r.spec).unwrap_or_default();
    let mut build = build_statements(&arn, &group, &bucket, r.partition);
    build.extend(crate::pipeline::push_statements(&arn(
        "ecr",
        &format!("repository/{repository}"),
    )));
    let mut deploy = build_statements(&arn, &group, &bucket, r.partition);
    let awsdeploy = permissions::policy(r.components, r.spec, false);
    deploy.extend(
        awsdeploy["Statement"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
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
            &pipeline_role_name(app, env),
            "codepipeline.amazonaws.com",
            pipeline_statements(r, &bucket, [&build_role, &deploy_role]),
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
                boundary: Some(crate::iam::boundary::arn(
                    r.partition,
                    r.account_id,
                    app,
                    env,
                )),
                boundary_key: Some(crate::iam::boundary::key(app, env)),
            },
            r.live.roles.iter().find(|role| role.name == *name),
        )?;
    }
    let keys = roles.changes.iter().map(|c| c.key.clone()).collect();
    out.merge(roles);
    Ok(keys)
}

/// The pipeline role's statements: the artifacts, the source connection
/// for this repository, and the two builds.
fn pipeline_statements(r: &Runner<'_>, bucket: &str, projects: [&String; 2]) -> Vec<Value> {
    let partition = r.partition;
    vec![
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
            "Resource": [r.arn("codestar-connections", "connection/*")],
            "Condition": { "StringEquals": {
                "codestar-connections:FullRepositoryId": r.pipeline.repository
            }}
        }),
        json!({
            "Sid": "Builds",
            "Effect": "Allow",
            "Action": ["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
            "Resource": projects
                .iter()
                .map(|p| r.arn("codebuild", &format!("project/{p}")))
                .collect::<Vec<_>>()
        }),
    ]
}

/// The build and deploy projects, after the roles (CodeBuild checks it may
/// assume the role when the project is saved).
fn projects(r: &Runner<'_>, out: &mut ComponentPlan, roles: &[Key]) -> Result<(), PlanError> {
    for stage in [Stage::Build, Stage::Deploy] {
        let name = project_name(r.app, r.env, stage);
        let settings = ProjectSettings {
            image: r.pipeline.build_image.clone(),
            compute_type: r.pipeline.compute_type.clone(),
            privileged: stage == Stage::Build,
            service_role: r.role_arn(&name),
            buildspec: match (&r.pipeline.buildspec, stage) {
                (Some(path), Stage::Build) => path.clone(),
                _ => ci::buildspec(r.spec, r.pipeline, stage),
            },
            log_group: log_group_name(r.app, r.env),
            timeout_minutes: BUILD_TIMEOUT_MINUTES,
        };
        let step = |create: bool| {
            let (name, settings) = (name.clone(), settings.clone());
            if create {
                PipelineStep::CreateProject { name, settings }
            } else {
                PipelineStep::UpdateProject { name, settings }
            }
        };
        let found = r.live.projects.iter().find(|p| p.name == name);
        Desired::new(
            Runner::key("project", &name),
            ResourceKind::BuildProject,
            &name,
        )
        .after(roles.iter().cloned())
        .reconcile(
            out,
            found.map(|p| (p, p.owned)),
            || Change::new(vec![step(true)], project_fields(None, &settings)),
            |p| {
                let fields = if p.settings == settings {
                    Vec::new()
                } else {
                    project_fields(Some(&p.settings), &settings)
                };
                (Change::new(vec![step(false)], fields), Some(name.clone()))
            },
        )?;
    }
    Ok(())
}

/// The V2 pipeline, Source → Build → Deploy, after everything else.
fn codepipeline(
    r: &Runner<'_>,
    out: &mut ComponentPlan,
    connection: Ref,
    before: Vec<Key>,
) -> Result<(), PlanError> {
    let (app, env) = (r.app, r.env);
    let name = pipeline_name(app, env);
    let settings = PipelineSettings {
        role_arn: r.role_arn(&pipeline_role_name(app, env)),
        bucket: r.bucket(),
        connection,
        repository: r.pipeline.repository.clone(),
        branch: r.pipeline.branch.clone(),
        build_project: project_name(app, env, Stage::Build),
        deploy_project: project_name(app, env, Stage::Deploy),
    };
    let step = |create: bool| {
        let (name, settings) = (name.clone(), settings.clone());
        if create {
            PipelineStep::CreatePipeline { name, settings }
        } else {
            PipelineStep::UpdatePipeline { name, settings }
        }
    };
    let key = Runner::key("pipeline", &name);
    let before = before.into_iter().filter(|k| *k != key);
    Desired::new(key.clone(), ResourceKind::CodePipeline, &name)
        .after(before)
        .reconcile(
            out,
            r.live.pipeline.as_ref().map(|p| (p, p.owned)),
            || {
                Change::new(
                    vec![step(true)],
                    vec![
                        FieldChange::set("stages", "Source → Build → Deploy"),
                        FieldChange::set("branch", &r.pipeline.branch),
                    ],
                )
            },
            |p| {
                let fields = if p.settings.as_ref() == Some(&settings) {
                    Vec::new()
                } else {
                    pipeline_fields(p.settings.as_ref(), &settings)
                };
                (Change::new(vec![step(false)], fields), Some(name.clone()))
            },
        )?;
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
mod tests;
