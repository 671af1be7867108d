//! The pipeline's calls (IAM): GitHub's OIDC provider, found in the
//! account's list of providers, and the GitHub Actions role, found by name.
//! The role's own steps are the iam module's.

use awsdeploy_plan::PipelineStep;
use awsdeploy_plan::live::Lookups;
use awsdeploy_plan::pipeline::{GITHUB_OIDC_HOST, LivePipeline};

use crate::error::{already_done, sdk};
use crate::tags::Owner;
use crate::{AwsError, Clients, StepContext, iam};

mod codepipeline;

/// GitHub's provider and the role when the spec asks for the role, and
/// the CodePipeline runner's resources when it runs on CodePipeline
/// (`account`: the artifact bucket's name holds the account id).
pub(crate) async fn observe(
    clients: &Clients,
    owner: &Owner,
    lookups: &Lookups,
    account: impl std::future::Future<Output = Result<String, AwsError>>,
) -> Result<LivePipeline, AwsError> {
    let runner = async {
        match &lookups.codepipeline {
            Some(provider) => {
                Box::pin(codepipeline::observe(
                    clients,
                    owner,
                    provider,
                    &account.await?,
                ))
                .await
            }
            None => Ok(awsdeploy_plan::pipeline::codepipeline::LiveCodePipeline::default()),
        }
    };
    let (github, codepipeline) =
        tokio::try_join!(observe_github(&clients.iam, owner, lookups), runner)?;
    Ok(LivePipeline {
        codepipeline,
        ..github
    })
}

async fn observe_github(
    client: &aws_sdk_iam::Client,
    owner: &Owner,
    lookups: &Lookups,
) -> Result<LivePipeline, AwsError> {
    if !lookups.github_role {
        return Ok(LivePipeline::default());
    }
    let provider = async {
        let out = client
            .list_open_id_connect_providers()
            .send()
            .await
            .map_err(sdk("ListOpenIDConnectProviders", GITHUB_OIDC_HOST))?;
        Ok::<_, AwsError>(
            out.open_id_connect_provider_list()
                .iter()
                .filter_map(|p| p.arn())
                .find(|arn| arn.ends_with(&format!(":oidc-provider/{GITHUB_OIDC_HOST}")))
                .map(str::to_owned),
        )
    };
    let name = awsdeploy_plan::names::github_role_name(&owner.app, &owner.env);
    let build = awsdeploy_plan::names::github_build_role_name(&owner.app, &owner.env);
    let (github_provider, role, build_role) = tokio::try_join!(
        provider,
        iam::observe_role(client, owner, &name),
        iam::observe_role(client, owner, &build)
    )?;
    // An adopted provider must let tokens for STS through.
    let github_audiences = match &github_provider {
        Some(arn) => client
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .send()
            .await
            .map_err(sdk("GetOpenIDConnectProvider", GITHUB_OIDC_HOST))?
            .client_id_list()
            .to_vec(),
        None => Vec::new(),
    };
    Ok(LivePipeline {
        github_provider,
        github_audiences,
        github_role: role.map(|(role, _)| role),
        github_build_role: build_role.map(|(role, _)| role),
        ..LivePipeline::default()
    })
}

/// Runs one pipeline step. Idempotent: a provider made meanwhile is
/// adopted.
pub(crate) async fn run(
    step: &PipelineStep,
    cx: &StepContext<'_>,
) -> Result<Option<String>, AwsError> {
    match step {
        PipelineStep::CreateGithubProvider { url, audience } => {
            let tags = iam::tags(cx);
            let created = cx
                .clients
                .iam
                .create_open_id_connect_provider()
                .url(url)
                .client_id_list(audience)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(sdk("CreateOpenIDConnectProvider", cx.name()));
            match created {
                Ok(out) => Ok(out.open_id_connect_provider_arn().map(str::to_owned)),
                Err(e) if already_done(&e, &["EntityAlreadyExists"]) => Ok(None),
                Err(e) => Err(e),
            }
        }
        PipelineStep::CreateConnection { name, provider } => {
            codepipeline::create_connection(cx, name, provider).await
        }
        PipelineStep::DeleteConnection { arn } => {
            codepipeline::delete_connection(cx.clients, arn).await
        }
        PipelineStep::CreateBucket {
            name,
            region,
            expiry_days,
        } => codepipeline::create_bucket(cx, name, region, *expiry_days).await,
        PipelineStep::ConfigureBucket { name, expiry_days } => {
            codepipeline::configure_bucket(cx, name, *expiry_days).await
        }
        PipelineStep::DeleteBucket { name } => codepipeline::delete_bucket(cx.clients, name).await,
        PipelineStep::CreateProject { name, settings } => {
            codepipeline::create_project(cx, name, settings).await
        }
        PipelineStep::UpdateProject { name, settings } => {
            codepipeline::update_project(cx, name, settings).await
        }
        PipelineStep::DeleteProject { name } => {
            codepipeline::delete_project(cx.clients, name).await
        }
        PipelineStep::CreatePipeline { name, settings } => {
            codepipeline::create_pipeline(cx, name, settings).await
        }
        PipelineStep::UpdatePipeline { name, settings } => {
            codepipeline::update_pipeline(cx, name, settings).await
        }
        PipelineStep::DeletePipeline { name } => {
            codepipeline::delete_pipeline(cx.clients, name).await
        }
    }
}
