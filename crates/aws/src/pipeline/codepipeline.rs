//! The CodePipeline runner's calls: the CodeStar connection (found by name
//! among the provider's connections), the artifact bucket (S3, found by
//! name), the CodeBuild projects (by name) and the pipeline (by name). The
//! roles and the log group are observed with the iam and logs modules'
//! readers and changed by their steps.

use std::collections::HashMap;

use aws_sdk_codebuild::types as cb;
use aws_sdk_codepipeline::types as cp;
use awsdeploy_plan::Ref;
use awsdeploy_plan::ci::Stage;
use awsdeploy_plan::names;
use awsdeploy_plan::pipeline::codepipeline::{
    LiveCodePipeline, LiveConnection, LivePipelineDefinition, LiveProject, PipelineSettings,
    ProjectSettings, SOURCE_NAMESPACE,
};

use crate::error::{already_done, built, sdk};
use crate::tags::Owner;
use crate::{AwsError, Clients, StepContext, iam, logs, wait};

mod bucket;

use bucket::observe_bucket;
pub(crate) use bucket::{configure_bucket, create_bucket, delete_bucket};

/// Everything of the runner, read concurrently.
pub(crate) async fn observe(
    clients: &Clients,
    owner: &Owner,
    provider: &str,
    account: &str,
) -> Result<LiveCodePipeline, AwsError> {
    let (app, env) = (owner.app.as_str(), owner.env.as_str());
    let roles = async {
        let names = [
            awsdeploy_plan::pipeline::codepipeline::project_name(app, env, Stage::Build),
            awsdeploy_plan::pipeline::codepipeline::project_name(app, env, Stage::Deploy),
            names::pipeline_role_name(app, env),
        ];
        let found = futures_util::future::try_join_all(
            names
                .iter()
                .map(|n| iam::observe_role(&clients.iam, owner, n)),
        )
        .await?;
        Ok::<_, AwsError>(found.into_iter().flatten().map(|(r, _)| r).collect())
    };
    let bucket = names::bucket_name(app, env, account);
    let group = names::pipeline_log_group_name(app, env);
    let (connection, bucket, log_group, roles, projects, pipeline) = tokio::try_join!(
        observe_connection(clients, owner, provider),
        observe_bucket(clients, owner, &bucket),
        logs::observe_log_group(&clients.logs, owner, &group),
        roles,
        observe_projects(clients, owner),
        observe_pipeline(clients, owner),
    )?;
    Ok(LiveCodePipeline {
        connection,
        bucket,
        log_group,
        roles,
        projects,
        pipeline,
    })
}

async fn observe_connection(
    clients: &Clients,
    owner: &Owner,
    provider: &str,
) -> Result<Option<LiveConnection>, AwsError> {
    let name = names::connection_name(&owner.app, &owner.env);
    let Some(found) = find_connection(clients, &name, provider).await? else {
        return Ok(None);
    };
    let (arn, status) = found;
    let tags = clients
        .connections
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(sdk("ListTagsForResource", &name))?;
    Ok(Some(LiveConnection {
        name,
        arn,
        status,
        owned: owner.owns(tags.tags().iter().map(|t| (Some(t.key()), Some(t.value())))),
    }))
}

/// The connection `name` of `provider` (of any Git host when `provider`
/// is empty: `down` after `[pipeline]` was removed): its ARN and status.
async fn find_connection(
    clients: &Clients,
    name: &str,
    provider: &str,
) -> Result<Option<(String, String)>, AwsError> {
    let filter = (!provider.is_empty()).then(|| provider.into());
    let mut pages = clients
        .connections
        .list_connections()
        .set_provider_type_filter(filter)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk("ListConnections", name))?;
        if let Some(c) = page
            .connections()
            .iter()
            .find(|c| c.connection_name() == Some(name))
        {
            return Ok(Some((
                c.connection_arn().unwrap_or_default().to_owned(),
                c.connection_status()
                    .map_or("PENDING", |s| s.as_str())
                    .to_owned(),
            )));
        }
    }
    Ok(None)
}

async fn observe_projects(clients: &Clients, owner: &Owner) -> Result<Vec<LiveProject>, AwsError> {
    let (app, env) = (owner.app.as_str(), owner.env.as_str());
    let wanted = [
        awsdeploy_plan::pipeline::codepipeline::project_name(app, env, Stage::Build),
        awsdeploy_plan::pipeline::codepipeline::project_name(app, env, Stage::Deploy),
    ];
    let out = clients
        .codebuild
        .batch_get_projects()
        .set_names(Some(wanted.to_vec()))
        .send()
        .await
        .map_err(sdk("BatchGetProjects", &wanted[0]))?;
    Ok(out
        .projects()
        .iter()
        .map(|p| {
            let environment = p.environment();
            LiveProject {
                name: p.name().unwrap_or_default().to_owned(),
                owned: owner.owns(p.tags().iter().map(|t| (t.key(), t.value()))),
                settings: ProjectSettings {
                    image: environment
                        .map(|e| e.image().to_owned())
                        .unwrap_or_default(),
                    compute_type: environment
                        .map(|e| e.compute_type().as_str().to_owned())
                        .unwrap_or_default(),
                    privileged: environment
                        .and_then(aws_sdk_codebuild::types::ProjectEnvironment::privileged_mode)
                        .unwrap_or(false),
                    service_role: p.service_role().unwrap_or_default().to_owned(),
                    buildspec: p
                        .source()
                        .and_then(|s| s.buildspec())
                        .unwrap_or_default()
                        .to_owned(),
                    log_group: p
                        .logs_config()
                        .and_then(|l| l.cloud_watch_logs())
                        .and_then(|c| c.group_name())
                        .unwrap_or_default()
                        .to_owned(),
                    timeout_minutes: p.timeout_in_minutes().unwrap_or_default(),
                },
            }
        })
        .collect())
}

async fn observe_pipeline(
    clients: &Clients,
    owner: &Owner,
) -> Result<Option<LivePipelineDefinition>, AwsError> {
    let name = names::pipeline_name(&owner.app, &owner.env);
    let out = match clients
        .codepipeline
        .get_pipeline()
        .name(&name)
        .send()
        .await
        .map_err(sdk("GetPipeline", &name))
    {
        Ok(out) => out,
        Err(e) if already_done(&e, &["PipelineNotFoundException"]) => return Ok(None),
        Err(e) => return Err(e),
    };
    let arn = out
        .metadata()
        .and_then(|m| m.pipeline_arn())
        .unwrap_or_default()
        .to_owned();
    let tags = clients
        .codepipeline
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(sdk("ListTagsForResource", &name))?;
    Ok(Some(LivePipelineDefinition {
        name,
        owned: owner.owns(tags.tags().iter().map(|t| (Some(t.key()), Some(t.value())))),
        settings: out.pipeline().and_then(settings_of),
    }))
}

/// The settings a declaration holds, when its stages are awsdeploy's.
fn settings_of(declaration: &cp::PipelineDeclaration) -> Option<PipelineSettings> {
    let stages = declaration.stages();
    let [source, build, deploy] = stages else {
        return None;
    };
    let config =
        |stage: &cp::StageDeclaration, provider: &str| -> Option<HashMap<String, String>> {
            let [action] = stage.actions() else {
                return None;
            };
            (action.action_type_id()?.provider() == provider)
                .then(|| action.configuration().cloned().unwrap_or_default())
        };
    let source = config(source, "CodeStarSourceConnection")?;
    let build = config(build, "CodeBuild")?;
    let deploy = config(deploy, "CodeBuild")?;
    if declaration.pipeline_type() != Some(&cp::PipelineType::V2) {
        return None;
    }
    Some(PipelineSettings {
        role_arn: declaration.role_arn().to_owned(),
        bucket: declaration.artifact_store()?.location().to_owned(),
        connection: Ref::Existing(source.get("ConnectionArn")?.clone()),
        repository: source.get("FullRepositoryId")?.clone(),
        branch: source.get("BranchName")?.clone(),
        build_project: build.get("ProjectName")?.clone(),
        deploy_project: deploy.get("ProjectName")?.clone(),
    })
}

/// The declaration for `settings`, the connection's ARN resolved.
fn declaration(
    name: &str,
    settings: &PipelineSettings,
    connection: &str,
) -> Result<cp::PipelineDeclaration, AwsError> {
    let built = |e| built("CreatePipeline")(e);
    let commit = serde_json::json!([{
        "name": "COMMIT",
        "value": format!("#{{{SOURCE_NAMESPACE}.CommitId}}"),
        "type": "PLAINTEXT"
    }])
    .to_string();
    let action_type = |category: cp::ActionCategory, provider: &str| {
        cp::ActionTypeId::builder()
            .category(category)
            .owner(cp::ActionOwner::Aws)
            .provider(provider)
            .version("1")
            .build()
            .map_err(built)
    };
    let artifact = |name: &str| {
        cp::OutputArtifact::builder()
            .name(name)
            .build()
            .map_err(built)
    };
    let input = |name: &str| {
        cp::InputArtifact::builder()
            .name(name)
            .build()
            .map_err(built)
    };
    let source = cp::StageDeclaration::builder()
        .name("Source")
        .actions(
            cp::ActionDeclaration::builder()
                .name("Source")
                .action_type_id(action_type(
                    cp::ActionCategory::Source,
                    "CodeStarSourceConnection",
                )?)
                .configuration("ConnectionArn", connection)
                .configuration("FullRepositoryId", &settings.repository)
                .configuration("BranchName", &settings.branch)
                .configuration("OutputArtifactFormat", "CODE_ZIP")
                .configuration("DetectChanges", "true")
                .output_artifacts(artifact("Source")?)
                .namespace(SOURCE_NAMESPACE)
                .build()
                .map_err(built)?,
        )
        .build()
        .map_err(built)?;
    let codebuild = |stage: &str, project: &str, from: &str, to: Option<&str>| {
        let mut action = cp::ActionDeclaration::builder()
            .name(stage)
            .action_type_id(action_type(cp::ActionCategory::Build, "CodeBuild")?)
            .configuration("ProjectName", project)
            .configuration("EnvironmentVariables", &commit)
            .input_artifacts(input(from)?);
        if let Some(to) = to {
            action = action.output_artifacts(artifact(to)?);
        }
        cp::StageDeclaration::builder()
            .name(stage)
            .actions(action.build().map_err(built)?)
            .build()
            .map_err(built)
    };
    cp::PipelineDeclaration::builder()
        .name(name)
        .role_arn(&settings.role_arn)
        .pipeline_type(cp::PipelineType::V2)
        .artifact_store(
            cp::ArtifactStore::builder()
                .r#type(cp::ArtifactStoreType::S3)
                .location(&settings.bucket)
                .build()
                .map_err(built)?,
        )
        .stages(source)
        .stages(codebuild(
            "Build",
            &settings.build_project,
            "Source",
            Some("Built"),
        )?)
        .stages(codebuild(
            "Deploy",
            &settings.deploy_project,
            "Built",
            None,
        )?)
        .build()
        .map_err(built)
}

/// IAM takes seconds to let a service assume a role made a moment ago:
/// CodeBuild and CodePipeline refuse it until then
/// ([`wait::ROLE_PROPAGATION`]).
fn role_not_yet_assumable(error: &AwsError) -> bool {
    let text = error.to_string();
    (already_done(
        error,
        &["InvalidInputException", "InvalidStructureException"],
    )) && text.contains("not authorized to perform")
        && text.contains("AssumeRole")
}

pub(crate) async fn create_connection(
    cx: &StepContext<'_>,
    name: &str,
    provider: &str,
) -> Result<Option<String>, AwsError> {
    let clients = cx.clients;
    let tags: Vec<aws_sdk_codestarconnections::types::Tag> = cx
        .tags()
        .iter()
        .filter_map(|(k, v)| {
            aws_sdk_codestarconnections::types::Tag::builder()
                .key(*k)
                .value(v)
                .build()
                .ok()
        })
        .collect();
    if let Some((arn, _)) = find_connection(clients, name, provider).await? {
        return Ok(Some(arn));
    }
    let arn = wait::create_once(
        name,
        || async {
            let out = clients
                .connections
                .create_connection()
                .connection_name(name)
                .provider_type(provider.into())
                .set_tags(Some(tags.clone()))
                .send()
                .await
                .map_err(sdk("CreateConnection", name))?;
            Ok(out.connection_arn().to_owned())
        },
        || async {
            Ok(find_connection(clients, name, provider)
                .await?
                .map(|(arn, _)| arn))
        },
    )
    .await?;
    Ok(Some(arn))
}

pub(crate) async fn delete_connection(
    clients: &Clients,
    arn: &str,
) -> Result<Option<String>, AwsError> {
    match clients
        .connections
        .delete_connection()
        .connection_arn(arn)
        .send()
        .await
        .map_err(sdk("DeleteConnection", arn))
    {
        Err(e) if !already_done(&e, &["ResourceNotFoundException"]) => Err(e),
        _ => Ok(None),
    }
}

fn project_parts(
    settings: &ProjectSettings,
) -> Result<
    (
        cb::ProjectSource,
        cb::ProjectArtifacts,
        cb::ProjectEnvironment,
        cb::LogsConfig,
    ),
    AwsError,
> {
    let built = |e| built("CreateProject")(e);
    Ok((
        cb::ProjectSource::builder()
            .r#type(cb::SourceType::Codepipeline)
            .buildspec(&settings.buildspec)
            .build()
            .map_err(built)?,
        cb::ProjectArtifacts::builder()
            .r#type(cb::ArtifactsType::Codepipeline)
            .build()
            .map_err(built)?,
        cb::ProjectEnvironment::builder()
            .r#type(cb::EnvironmentType::LinuxContainer)
            .image(&settings.image)
            .compute_type(settings.compute_type.as_str().into())
            .privileged_mode(settings.privileged)
            .image_pull_credentials_type(cb::ImagePullCredentialsType::Codebuild)
            .build()
            .map_err(built)?,
        cb::LogsConfig::builder()
            .cloud_watch_logs(
                cb::CloudWatchLogsConfig::builder()
                    .status(cb::LogsConfigStatusType::Enabled)
                    .group_name(&settings.log_group)
                    .build()
                    .map_err(built)?,
            )
            .build(),
    ))
}

pub(crate) async fn create_project(
    cx: &StepContext<'_>,
    name: &str,
    settings: &ProjectSettings,
) -> Result<Option<String>, AwsError> {
    let (source, artifacts, environment, logs) = project_parts(settings)?;
    let tags: Vec<cb::Tag> = cx
        .tags()
        .iter()
        .map(|(k, v)| cb::Tag::builder().key(*k).value(v).build())
        .collect();
    let created = wait::retrying(role_not_yet_assumable, wait::ROLE_PROPAGATION, || async {
        cx.clients
            .codebuild
            .create_project()
            .name(name)
            .source(source.clone())
            .artifacts(artifacts.clone())
            .environment(environment.clone())
            .logs_config(logs.clone())
            .service_role(&settings.service_role)
            .timeout_in_minutes(settings.timeout_minutes)
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .map_err(sdk("CreateProject", name))
    })
    .await;
    match created {
        Err(e) if !already_done(&e, &["ResourceAlreadyExistsException"]) => Err(e),
        _ => Ok(Some(name.to_owned())),
    }
}

pub(crate) async fn update_project(
    cx: &StepContext<'_>,
    name: &str,
    settings: &ProjectSettings,
) -> Result<Option<String>, AwsError> {
    let (source, artifacts, environment, logs) = project_parts(settings)?;
    wait::retrying(role_not_yet_assumable, wait::ROLE_PROPAGATION, || async {
        cx.clients
            .codebuild
            .update_project()
            .name(name)
            .source(source.clone())
            .artifacts(artifacts.clone())
            .environment(environment.clone())
            .logs_config(logs.clone())
            .service_role(&settings.service_role)
            .timeout_in_minutes(settings.timeout_minutes)
            .send()
            .await
            .map_err(sdk("UpdateProject", name))
    })
    .await?;
    Ok(None)
}

pub(crate) async fn delete_project(
    clients: &Clients,
    name: &str,
) -> Result<Option<String>, AwsError> {
    clients
        .codebuild
        .delete_project()
        .name(name)
        .send()
        .await
        .map_err(sdk("DeleteProject", name))?;
    Ok(None)
}

pub(crate) async fn create_pipeline(
    cx: &StepContext<'_>,
    name: &str,
    settings: &PipelineSettings,
) -> Result<Option<String>, AwsError> {
    let connection = cx.resolve(&settings.connection)?;
    let declaration = declaration(name, settings, &connection)?;
    let tags: Vec<cp::Tag> = cx
        .tags()
        .iter()
        .filter_map(|(k, v)| cp::Tag::builder().key(*k).value(v).build().ok())
        .collect();
    let created = wait::retrying(role_not_yet_assumable, wait::ROLE_PROPAGATION, || async {
        cx.clients
            .codepipeline
            .create_pipeline()
            .pipeline(declaration.clone())
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .map_err(sdk("CreatePipeline", name))
    })
    .await;
    match created {
        Err(e) if !already_done(&e, &["PipelineNameInUseException"]) => Err(e),
        _ => Ok(Some(name.to_owned())),
    }
}

pub(crate) async fn update_pipeline(
    cx: &StepContext<'_>,
    name: &str,
    settings: &PipelineSettings,
) -> Result<Option<String>, AwsError> {
    let connection = cx.resolve(&settings.connection)?;
    let declaration = declaration(name, settings, &connection)?;
    wait::retrying(role_not_yet_assumable, wait::ROLE_PROPAGATION, || async {
        cx.clients
            .codepipeline
            .update_pipeline()
            .pipeline(declaration.clone())
            .send()
            .await
            .map_err(sdk("UpdatePipeline", name))
    })
    .await?;
    Ok(None)
}

pub(crate) async fn delete_pipeline(
    clients: &Clients,
    name: &str,
) -> Result<Option<String>, AwsError> {
    clients
        .codepipeline
        .delete_pipeline()
        .name(name)
        .send()
        .await
        .map_err(sdk("DeletePipeline", name))?;
    Ok(None)
}
