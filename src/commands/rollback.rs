//! `awsdeploy rollback`: the API back to the revision that served before
//! the current one, through the same plan, confirmation and rollout wait
//! as `up`; never a migration. With a strategy that shifts traffic and a
//! deployment in progress, that deployment is stopped instead
//! (`StopServiceDeployment`, ROLLBACK): ECS moves the traffic back and
//! stops the new revision's tasks.

use awsdeploy_aws::Aws;
use awsdeploy_plan::service::{self, rollback};
use awsdeploy_spec::Spec;

use super::{CliError, connect, load_spec, locked, observe, up};
use crate::cli::Settings;
use crate::exit::Exit;

/// `rollback`: the spec read, then the rest holding the deploy lock.
pub(super) async fn run(
    settings: &Settings,
    to: Option<u32>,
    yes: bool,
    lock_timeout: std::time::Duration,
) -> Result<Exit, CliError> {
    let spec = load_spec(settings)?;
    let aws = connect(&spec).await?;
    locked(
        &aws,
        "rollback",
        lock_timeout,
        Box::pin(rollback(settings, &aws, &spec, to, yes)),
    )
    .await
}

async fn rollback(
    settings: &Settings,
    aws: &Aws,
    spec: &Spec,
    to: Option<u32>,
    yes: bool,
) -> Result<Exit, CliError> {
    let live = observe(aws, spec).await?;
    let serving = live.service.service.as_ref().ok_or_else(|| {
        CliError::new(
            format!(
                "{}-{} has no ECS service yet: there is nothing to roll back",
                spec.app.name, spec.env
            ),
            Some("deploy an image first with `awsdeploy up --image-tag TAG`".to_owned()),
        )
    })?;
    if serving.traffic_shift.is_some()
        && let Some(deployment) = aws.deployment_going().await?
    {
        if deployment.is_rolling_back() {
            return Err(CliError::new(
                format!(
                    "ECS is already rolling back the deployment of {} ({}); nothing was changed",
                    deployment.revision.as_deref().unwrap_or("a new revision"),
                    deployment.summary()
                ),
                Some("`awsdeploy status` shows when the rollback ends; run `awsdeploy rollback` again after it if you want the revision before".to_owned()),
            ));
        }
        return stop(settings, aws, spec, &deployment, yes).await;
    }
    let family = awsdeploy_plan::names::service_family(&spec.app.name, &spec.env);
    let active = aws.active_revisions(&family).await?;
    let arn = rollback::choose(&serving.task_definition_arn, &active, to)
        .map_err(|e| CliError::new(format!("{e}; nothing was changed"), Some(e.hint())))?;
    let repository = live
        .account
        .repository
        .as_ref()
        .map(|r| (r.name.as_str(), r.uri.as_str()));
    let target = aws.rollback_target(&arn, repository).await?;
    let plan = rollback::plan(spec, aws.region(), &live, &target)
        .map_err(|e| CliError::new(format!("{e}; nothing was changed"), Some(e.hint())))?;
    let pauses = spec
        .service
        .as_ref()
        .is_some_and(|s| !s.deploy.pause_at.is_empty());
    let serves = if pauses {
        // Going back is itself a deployment of the strategy: it pauses too.
        format!(
            "The deployment of {} stops at service.deploy.pause_at's stages: `awsdeploy continue` goes on.",
            service::revision_label(&target.arn)
        )
    } else {
        format!(
            "{} now serves {}.",
            service::SERVICE_NAME,
            service::revision_label(&target.arn)
        )
    };
    let then = format!(
        "{serves} No migration ran. `awsdeploy diff` shows the spec's image as a pending change until the spec (or --image-tag) names this one; `up` would deploy it again."
    );
    let exit = up::up(settings, aws, &plan, yes, false, &then).await?;
    Ok(exit)
}

/// Stops the deployment in progress with a rollback, once confirmed.
async fn stop(
    settings: &Settings,
    aws: &Aws,
    spec: &Spec,
    deployment: &awsdeploy_plan::status::ShiftStatus,
    yes: bool,
) -> Result<Exit, CliError> {
    let label = |revision: &Option<String>| {
        revision
            .clone()
            .unwrap_or_else(|| "an unknown revision".to_owned())
    };
    crate::output::progress(&format!(
        "{} is deploying {} ({}); stopping it rolls back to {}: ECS moves the traffic back and stops the new tasks. No migration is undone.",
        service::SERVICE_NAME,
        label(&deployment.revision),
        deployment.summary(),
        label(&deployment.source),
    ));
    if !yes {
        super::up::confirm_action(&format!(
            "Stop the deployment of {} in {}-{}?",
            label(&deployment.revision),
            spec.app.name,
            spec.env
        ))?;
    }
    let timeout = spec
        .service
        .as_ref()
        .map_or(900, |s| s.rollout_timeout.0.as_secs());
    let hook = deployment.paused.as_ref().map(|p| p.hook_id.as_str());
    let serving = aws.stop_deployment(&deployment.arn, hook, timeout).await?;
    if settings.format == crate::output::Format::Json {
        crate::output::json(&serde_json::json!({
            "stopped": deployment.arn,
            "serving": serving,
        }));
    } else {
        crate::output::progress(&format!(
            "Rolled back: {serving} serves. `awsdeploy diff` shows the spec's image as a pending change; `up` would deploy it again."
        ));
    }
    Ok(Exit::Success)
}
