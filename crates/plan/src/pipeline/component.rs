//! The pipeline as a [`Component`]: its plan, teardown, policy and status.

use awsdeploy_spec::Spec;

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext};
use crate::live::Lookups;
use crate::status::{ConnectionState, PipelineStatus, Status, console};
use crate::{ComponentId, ComponentPlan, PlanError, names};

use super::GITHUB_OIDC_HOST;

/// The delivery pipeline (`[pipeline]`): CodePipeline and what it runs on,
/// or GitHub's OIDC provider and deploy role.
pub struct Pipeline;

impl Component for Pipeline {
    fn id(&self) -> ComponentId {
        ComponentId::Pipeline
    }

    fn sections(&self) -> &'static [&'static str] {
        &["pipeline"]
    }

    fn lookups(&self, spec: &Spec, purpose: Purpose, lookups: &mut Lookups) {
        let provider = spec
            .pipeline
            .as_ref()
            .map(|p| p.provider.as_str().to_owned());
        match purpose {
            Purpose::Up => {
                lookups.github_role = super::wants_github_role(spec);
                lookups.codepipeline = provider.filter(|_| super::wants_codepipeline(spec));
            }
            // Whatever the spec says now: a removed [pipeline] (or another
            // runner) does not hide what it made. An empty provider is any
            // Git host's connection.
            Purpose::Down => {
                lookups.github_role = true;
                lookups.codepipeline = Some(provider.unwrap_or_default());
            }
        }
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        super::plan(
            cx.components,
            (cx.spec, cx.region),
            &cx.live.account,
            &cx.live.pipeline,
        )
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(super::teardown(&cx.live.pipeline, cx.delete_data))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        &[]
    }

    fn policy(&self, cx: &PolicyContext<'_>) -> Vec<Statement> {
        let (app, env) = (cx.app, cx.env);
        let bucket = format!(
            "arn:{}:s3:::{}-*",
            cx.partition,
            names::bucket_prefix(app, env)
        );
        let mut statements = vec![
            Statement::anywhere("OidcProviders", &["iam:ListOpenIDConnectProviders"]),
            // The provider's audiences.
            Statement::new(
                "GitHubOidcRead",
                &["iam:GetOpenIDConnectProvider"],
                vec![cx.global("iam", &format!("oidc-provider/{GITHUB_OIDC_HOST}"))],
            ),
            // Connection ARNs end in an id CodeStar chooses; creating the
            // pipeline passes the connection to CodePipeline.
            Statement::anywhere(
                "SourceConnection",
                &[
                    "codestar-connections:CreateConnection",
                    "codestar-connections:DeleteConnection",
                    "codestar-connections:ListConnections",
                    "codestar-connections:ListTagsForResource",
                    "codestar-connections:PassConnection",
                    "codestar-connections:TagResource",
                ],
            ),
            Statement::new(
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
            // The build projects' log group (the stack's own is the logs
            // component's).
            Statement::new(
                "PipelineLogs",
                &[
                    "logs:CreateLogGroup",
                    "logs:DeleteLogGroup",
                    "logs:ListTagsForResource",
                    "logs:PutRetentionPolicy",
                    "logs:TagResource",
                ],
                cx.log_group(&names::pipeline_log_group_name(app, env)),
            ),
            Statement::new(
                "BuildProjects",
                &[
                    "codebuild:BatchGetProjects",
                    "codebuild:CreateProject",
                    "codebuild:DeleteProject",
                    "codebuild:UpdateProject",
                ],
                vec![cx.arn("codebuild", &format!("project/{app}-{env}-*"))],
            ),
            Statement::new(
                "Pipeline",
                &[
                    "codepipeline:CreatePipeline",
                    "codepipeline:DeletePipeline",
                    "codepipeline:GetPipeline",
                    "codepipeline:ListTagsForResource",
                    "codepipeline:TagResource",
                    "codepipeline:UpdatePipeline",
                ],
                vec![cx.arn("codepipeline", &names::pipeline_name(app, env))],
            ),
        ];
        // GitHub's provider comes before the GitHub Actions roles, which
        // only an administrator's `up` makes.
        if cx.admin {
            statements.push(Statement::new(
                "GitHubOidc",
                &[
                    "iam:CreateOpenIDConnectProvider",
                    "iam:TagOpenIDConnectProvider",
                ],
                vec![cx.global("iam", &format!("oidc-provider/{GITHUB_OIDC_HOST}"))],
            ));
        }
        statements
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        let (app, env) = (cx.app, cx.env);
        let log_group = names::pipeline_log_group_name(app, env);
        vec![
            cx.global("iam", &format!("oidc-provider/{GITHUB_OIDC_HOST}")),
            format!(
                "arn:{}:s3:::{}",
                cx.partition,
                names::bucket_name(app, env, "111122223333")
            ),
            cx.arn("logs", &format!("log-group:{log_group}")),
            cx.arn("logs", &format!("log-group:{log_group}:log-stream:build/1")),
            cx.arn(
                "codebuild",
                &format!("project/{}", names::build_project_name(app, env)),
            ),
            cx.arn(
                "codebuild",
                &format!("project/{}", names::deploy_project_name(app, env)),
            ),
            cx.arn("codepipeline", &names::pipeline_name(app, env)),
        ]
    }

    fn status(&self, cx: &StatusContext<'_>, status: &mut Status) {
        let (live, region) = (cx.live, cx.region);
        let runner = &live.pipeline.codepipeline;
        let connection = runner.connection.as_ref().filter(|c| c.owned);
        let pipeline = PipelineStatus {
            pipeline: runner
                .pipeline
                .as_ref()
                .filter(|p| p.owned)
                .map(|p| p.name.clone()),
            connection: connection.map(|c| ConnectionState {
                name: c.name.clone(),
                status: c.status.clone(),
            }),
            connections_url: connection.map(|_| {
                format!(
                    "{}/codesuite/settings/connections?region={region}",
                    console(live, region)
                )
            }),
            github_role: live
                .pipeline
                .github_role
                .as_ref()
                .filter(|r| r.owned)
                .map(|r| r.name.clone()),
        };
        if pipeline.pipeline.is_none()
            && pipeline.connection.is_none()
            && pipeline.github_role.is_none()
        {
            return;
        }
        if let Some(connection) = &pipeline.connection
            && connection.status != "AVAILABLE"
        {
            status.problems.push(format!(
                "the connection {} is {}: the pipeline's source fails until the Git host's owner approves it at {} (choose {}, then Update pending connection)",
                connection.name,
                connection.status,
                pipeline.connections_url.as_deref().unwrap_or("the console"),
                connection.name
            ));
        }
        status.pipeline = Some(pipeline);
    }

    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>) {
        // No fixed charge: CodePipeline V2 bills action minutes, CodeBuild
        // build minutes, S3 what the bucket stores. On GitHub Actions the
        // runners are GitHub's.
        let Some(pipeline) = cx.spec.pipeline.as_ref() else {
            return;
        };
        if !super::wants_codepipeline(cx.spec) {
            return;
        }
        bill.usage(
            "pipeline action minutes",
            "codepipeline.v2.action_minute",
            "per minute each action runs (source, build, deploy); the first 100 minutes a month of the account are free",
        );
        let size = pipeline
            .compute_type
            .trim_start_matches("BUILD_GENERAL1_")
            .to_lowercase();
        bill.usage(
            &format!("build minutes ({})", pipeline.compute_type),
            &format!("codebuild.linux.{size}.minute"),
            "per minute the image build and the deploy project run",
        );
        bill.usage(
            "artifact bucket storage",
            "s3.standard.gb_month",
            &format!(
                "per GB-month of build artifacts, kept {} days",
                pipeline.artifact_retention_days
            ),
        );
    }
}
