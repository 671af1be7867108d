//! The delivery pipeline (`[pipeline]`). Its CI files are printed by
//! `awsdeploy ci` ([`crate::ci`]); what `up` makes for it today is what
//! GitHub Actions deploys with (`runner = "github-actions"`, or
//! `github_oidc = true`):
//!
//! - GitHub's OIDC provider in the account
//!   (`token.actions.githubusercontent.com`, audience `sts.amazonaws.com`),
//!   made when the account has none. It is the account's, shared by every
//!   app and environment: awsdeploy never changes or deletes one, even one
//!   it made.
//! - The role `{app}-{env}-github-deploy`, which only GitHub Actions runs
//!   of `branch` in `repository` may assume (`sub` is
//!   `repo:{repository}:ref:refs/heads/{branch}`), with the policy
//!   `awsdeploy iam-policy --push` prints as its inline policy.
//!
//! With `runner = "codepipeline"` (the default), the CodePipeline and what
//! it runs on: [`codepipeline`].

use awsdeploy_spec::Spec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::iam::{DesiredRole, canonical, plan_role};
use crate::live::LiveAccount;
use crate::plan::{Action, ComponentPlan, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::{ComponentId, ComponentStep, Key, PlanError, Ref, names, permissions};

pub mod codepipeline;
mod component;
mod live;
pub use component::Pipeline;
pub use live::LivePipeline;

use codepipeline::{PipelineSettings, ProjectSettings};

/// GitHub Actions' OIDC issuer, without `https://`.
pub const GITHUB_OIDC_HOST: &str = "token.actions.githubusercontent.com";
/// The audience `aws-actions/configure-aws-credentials` asks tokens for.
pub const GITHUB_AUDIENCE: &str = "sts.amazonaws.com";

/// Whether the spec's pipeline is a CodePipeline.
pub fn wants_codepipeline(spec: &Spec) -> bool {
    spec.pipeline
        .as_ref()
        .is_some_and(|p| p.runner == awsdeploy_spec::Runner::Codepipeline)
}

/// Whether the spec asks for GitHub Actions' role.
pub fn wants_github_role(spec: &Spec) -> bool {
    spec.pipeline.as_ref().is_some_and(|p| p.github_oidc)
}

/// The trust policy of the GitHub Actions role: tokens of GitHub's
/// provider, for STS, from pushes to `branch` of `repository` only.
pub fn github_trust_policy(pipeline: &awsdeploy_spec::Pipeline, provider_arn: &str) -> String {
    canonical(&json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": provider_arn },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": { "StringEquals": {
                format!("{GITHUB_OIDC_HOST}:aud"): GITHUB_AUDIENCE,
                format!("{GITHUB_OIDC_HOST}:sub"):
                    format!("repo:{}:ref:refs/heads/{}", pipeline.repository, pipeline.branch)
            }}
        }]
    }))
}

/// Compares the spec's pipeline with the live one. `components`: every
/// component, whose policy the deploy roles get.
pub fn plan(
    components: &[&dyn crate::Component],
    (spec, region): (&Spec, &str),
    account: &LiveAccount,
    live: &LivePipeline,
) -> Result<ComponentPlan, PlanError> {
    let mut out = github(components, spec, account, live)?;
    match spec
        .pipeline
        .as_ref()
        .filter(|p| p.runner == awsdeploy_spec::Runner::Codepipeline)
    {
        Some(pipeline) => {
            codepipeline::plan(
                components,
                (spec, pipeline),
                region,
                account,
                &live.codepipeline,
                &mut out,
            )?;
        }
        None => out
            .orphans
            .extend(codepipeline::orphans(&live.codepipeline)),
    }
    Ok(out)
}

/// An adopted provider must accept the audience GitHub's tokens for AWS
/// carry; awsdeploy does not change a provider other apps share, so the
/// plan stops with the command that adds it.
fn check_audience(live: &LivePipeline) -> Result<(), PlanError> {
    if let Some(arn) = &live.github_provider
        && !live.github_audiences.iter().any(|a| a == GITHUB_AUDIENCE)
    {
        return Err(PlanError::Conflict {
            kind: ResourceKind::OidcProvider,
            name: GITHUB_OIDC_HOST.to_owned(),
            problem: format!(
                "is the account's, and does not accept the audience {GITHUB_AUDIENCE} that configure-aws-credentials asks for (it has {})",
                if live.github_audiences.is_empty() {
                    "none".to_owned()
                } else {
                    live.github_audiences.join(", ")
                }
            ),
            hint: format!(
                "awsdeploy does not change a provider other apps share; add the audience: `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {arn} --client-id {GITHUB_AUDIENCE}`"
            ),
        });
    }
    Ok(())
}

/// GitHub's provider and the GitHub Actions role.
fn github(
    components: &[&dyn crate::Component],
    spec: &Spec,
    account: &LiveAccount,
    live: &LivePipeline,
) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let Some(pipeline) = spec.pipeline.as_ref().filter(|p| p.github_oidc) else {
        for role in [&live.github_role, &live.github_build_role]
            .into_iter()
            .flatten()
        {
            out.orphans.push(Orphan::named(
                ComponentId::Pipeline,
                ResourceKind::Role,
                &role.name,
            ));
        }
        return Ok(out);
    };
    let provider_arn = format!(
        "arn:{}:iam::{}:oidc-provider/{GITHUB_OIDC_HOST}",
        account.partition(),
        account.account()?
    );
    let provider_key = Key::named(ComponentId::Pipeline, GITHUB_OIDC_HOST);
    let creating_provider = live.github_provider.is_none();
    check_audience(live)?;
    if creating_provider {
        out.push(
            ResourceChange::new(
                provider_key.clone(),
                ResourceKind::OidcProvider,
                GITHUB_OIDC_HOST,
                Action::Create,
                vec![PipelineStep::CreateGithubProvider {
                    url: format!("https://{GITHUB_OIDC_HOST}"),
                    audience: GITHUB_AUDIENCE.to_owned(),
                }],
            )
            .with_fields(vec![FieldChange::set("audience", GITHUB_AUDIENCE)]),
        );
    } else {
        out.unchanged += 1;
    }
    // Two roles, one per job: the build job runs the team's build (npm
    // install scripts, Dockerfile steps) with a role that can only push the
    // image; the deploy job runs awsdeploy with the deploy policy.
    let push = canonical(&json!({
        "Version": "2012-10-17",
        "Statement": push_statements(&repository_arn(spec, account)?),
    }));
    let deploy = canonical(&permissions::policy(components, spec, false));
    let mut role_plan = ComponentPlan::default();
    for (role, description, policy, found) in [
        (
            names::github_build_role_name(app, env),
            "awsdeploy: GitHub Actions' build job pushes this environment's image with it",
            push,
            live.github_build_role.as_ref(),
        ),
        (
            names::github_role_name(app, env),
            "awsdeploy: GitHub Actions deploys this environment with it",
            deploy,
            live.github_role.as_ref(),
        ),
    ] {
        plan_role(
            &mut role_plan,
            &DesiredRole {
                name: role,
                description,
                trust: github_trust_policy(pipeline, &provider_arn),
                trusted_by: format!(
                    "GitHub Actions on {}@{}",
                    pipeline.repository, pipeline.branch
                ),
                component: ComponentId::Pipeline,
                policy: Some(policy),
                attached: Vec::new(),
                boundary: Some(crate::iam::role_boundary(spec, account)?),
                boundary_key: Some(crate::iam::boundary::key(app, env)),
            },
            found,
        )?;
    }
    // IAM refuses a trust policy naming a provider that does not exist.
    for change in &mut role_plan.changes {
        if creating_provider {
            *change = change.clone().after([provider_key.clone()]);
        }
    }
    out.merge(role_plan);
    Ok(out)
}

/// The spec's repository's ARN, in the caller's account.
fn repository_arn(spec: &Spec, account: &LiveAccount) -> Result<String, PlanError> {
    Ok(format!(
        "arn:{}:ecr:{}:{}:repository/{}",
        account.partition(),
        spec.app.region.as_deref().unwrap_or("*"),
        account.account()?,
        crate::registry::repository_name(spec).unwrap_or_default()
    ))
}

/// What pushing the image to the repository `repository_arn` needs: ECR's
/// login, and the push (and the look for the commit's tag) on that one
/// repository. GitHub's build role's and the pipeline's build project's.
pub(crate) fn push_statements(repository_arn: &str) -> Vec<Value> {
    vec![
        crate::iam::registry_login(),
        json!({
            "Sid": "PushImage",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
                "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"
            ],
            "Resource": [repository_arn]
        }),
    ]
}

/// The actions of the pipeline component of its own; its role's are
/// [`IamStep`]s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum PipelineStep {
    /// `CreateOpenIDConnectProvider` for GitHub Actions, tagged; one that
    /// exists already (made meanwhile) is success. The id is its ARN.
    CreateGithubProvider {
        url: String,
        audience: String,
    },
    /// `CreateConnection` (`PENDING` until approved in the console), found
    /// by name first. The id is its ARN.
    CreateConnection {
        name: String,
        provider: String,
    },
    /// `DeleteConnection`; already gone is success.
    DeleteConnection {
        arn: String,
    },
    /// `CreateBucket` in `region`, then [`PipelineStep::ConfigureBucket`]'s
    /// settings. The id is its name.
    CreateBucket {
        name: String,
        region: String,
        expiry_days: u32,
    },
    /// Encryption (SSE-S3), public access blocked, versioning, the
    /// lifecycle rule expiring artifacts after `expiry_days`, the tags.
    ConfigureBucket {
        name: String,
        expiry_days: u32,
    },
    /// Every object version, then `DeleteBucket`.
    DeleteBucket {
        name: String,
    },
    /// `CreateProject`, tried again while IAM has not yet let CodeBuild
    /// assume a role made a moment ago. The id is its name.
    CreateProject {
        name: String,
        settings: ProjectSettings,
    },
    /// `UpdateProject`: in place.
    UpdateProject {
        name: String,
        settings: ProjectSettings,
    },
    DeleteProject {
        name: String,
    },
    /// `CreatePipeline` (V2: Source, Build, Deploy), tried again while IAM
    /// has not yet let CodePipeline assume its new role. The id is its name.
    CreatePipeline {
        name: String,
        settings: PipelineSettings,
    },
    /// `UpdatePipeline`: in place.
    UpdatePipeline {
        name: String,
        settings: PipelineSettings,
    },
    DeletePipeline {
        name: String,
    },
}

impl ComponentStep for PipelineStep {
    fn refs(&self) -> Vec<&Ref> {
        match self {
            PipelineStep::CreatePipeline { settings, .. }
            | PipelineStep::UpdatePipeline { settings, .. } => vec![&settings.connection],
            _ => vec![],
        }
    }

    fn creates(&self) -> bool {
        matches!(
            self,
            PipelineStep::CreateGithubProvider { .. }
                | PipelineStep::CreateConnection { .. }
                | PipelineStep::CreateBucket { .. }
                | PipelineStep::CreateProject { .. }
                | PipelineStep::CreatePipeline { .. }
        )
    }
}

/// `down`: the GitHub Actions role (GitHub's OIDC provider is the
/// account's and stays), and the CodePipeline runner's resources.
pub(crate) fn teardown(live: &LivePipeline, delete_data: bool) -> ComponentPlan {
    let mut out = codepipeline::teardown(&live.codepipeline, delete_data);
    for role in [&live.github_role, &live.github_build_role]
        .into_iter()
        .flatten()
        .filter(|r| r.owned)
    {
        out.push(crate::iam::delete_role(ComponentId::Pipeline, role));
    }
    if live.github_provider.is_some() && live.github_role.is_some() {
        out.warnings.push(format!(
            "GitHub's OIDC provider ({GITHUB_OIDC_HOST}) is kept: other apps and environments of the account may deploy with it"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IamStep;
    use crate::iam::tests::live;

    fn spec(extra: &str) -> Spec {
        Spec::parse(
            &format!(
                "[app]\nname = \"shop\"\n[registry]\n[service]\n[pipeline]\nrunner = \"github-actions\"\nrepository = \"acme/shop\"\nawsdeploy_git = \"https://github.com/acme/awsdeploy\"\nawsdeploy_rev = \"4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c\"\n{extra}"
            ),
            "t.toml",
            "dev",
        )
        .unwrap()
    }

    #[test]
    fn the_provider_comes_first_then_the_role_trusting_one_branch() {
        let plan = plan(
            crate::COMPONENTS,
            (&spec(""), "eu-west-1"),
            &live(),
            &LivePipeline::default(),
        )
        .unwrap();
        assert_eq!(plan.changes.len(), 3);
        assert_eq!(plan.changes[0].kind, ResourceKind::OidcProvider);
        assert_eq!(plan.changes[1].name, "shop-dev-github-build");
        let role = &plan.changes[2];
        assert_eq!(role.name, "shop-dev-github-deploy");
        for role in &plan.changes[1..] {
            assert!(role.depends_on.contains(&plan.changes[0].key), "{role:?}");
            assert!(
                role.needs
                    .contains(&crate::iam::boundary::key("shop", "dev")),
                "{role:?}"
            );
        }
        let text = serde_json::to_string(&role.steps).unwrap();
        assert!(
            text.contains("repo:acme/shop:ref:refs/heads/main"),
            "{text}"
        );
    }

    #[test]
    fn a_new_branch_is_one_trust_policy_update_of_each_role() {
        let spec = spec("");
        let mut pipeline_live = LivePipeline {
            github_provider: Some("arn:aws:iam::111122223333:oidc-provider/x".to_owned()),
            github_audiences: vec![GITHUB_AUDIENCE.to_owned()],
            ..LivePipeline::default()
        };
        let made = plan(
            crate::COMPONENTS,
            (&spec, "eu-west-1"),
            &live(),
            &pipeline_live,
        )
        .unwrap();
        // Both roles, made as planned: with the boundary, trust and policy.
        let mut roles = Vec::new();
        for change in &made.changes {
            let [
                crate::Step::Iam(IamStep::CreateRole {
                    name,
                    trust_policy,
                    boundary,
                    ..
                }),
                crate::Step::Iam(IamStep::PutRolePolicy { document, .. }),
            ] = &change.steps[..]
            else {
                panic!("{:?}", made.changes);
            };
            assert_eq!(
                boundary.as_deref(),
                Some("arn:aws:iam::111122223333:policy/awsdeploy/shop-dev-boundary")
            );
            roles.push(crate::live::LiveRole {
                name: name.clone(),
                owned: true,
                trust_policy: trust_policy.clone(),
                policy: Some(document.clone()),
                attached: vec![],
                boundary: boundary.clone(),
            });
        }
        let names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["shop-dev-github-build", "shop-dev-github-deploy"]);
        pipeline_live.github_build_role = Some(roles[0].clone());
        pipeline_live.github_role = Some(roles[1].clone());
        let again = plan(
            crate::COMPONENTS,
            (&spec, "eu-west-1"),
            &live(),
            &pipeline_live,
        )
        .unwrap();
        assert!(again.changes.is_empty(), "{:?}", again.changes);

        let moved = plan(
            crate::COMPONENTS,
            (&self::spec("branch = \"release\""), "eu-west-1"),
            &live(),
            &pipeline_live,
        )
        .unwrap();
        assert_eq!(moved.changes.len(), 2);
        for change in &moved.changes {
            assert!(matches!(
                change.steps[..],
                [crate::Step::Iam(IamStep::UpdateTrustPolicy { .. })]
            ));
        }
    }
}

#[cfg(test)]
mod audience_tests {
    use super::*;
    use crate::iam::tests::live;

    #[test]
    fn an_adopted_provider_without_the_sts_audience_stops_the_plan_with_the_command() {
        let spec = Spec::parse(
            "[app]\nname = \"shop\"\n[registry]\n[service]\n[pipeline]\nrunner = \"github-actions\"\nrepository = \"acme/shop\"\nawsdeploy_git = \"https://github.com/acme/awsdeploy\"\nawsdeploy_rev = \"4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c\"\n",
            "t.toml",
            "dev",
        )
        .unwrap();
        let arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        let mut pipeline = LivePipeline {
            github_provider: Some(arn.to_owned()),
            github_audiences: vec!["sigstore".to_owned()],
            ..LivePipeline::default()
        };
        let error = plan(crate::COMPONENTS, (&spec, "eu-west-1"), &live(), &pipeline).unwrap_err();
        let text = format!("{error} {}", error.hint());
        assert!(
            text.contains("aws iam add-client-id-to-open-id-connect-provider")
                && text.contains(arn)
                && text.contains("sigstore"),
            "{text}"
        );
        pipeline.github_audiences.push(GITHUB_AUDIENCE.to_owned());
        assert!(plan(crate::COMPONENTS, (&spec, "eu-west-1"), &live(), &pipeline).is_ok());
    }
}
