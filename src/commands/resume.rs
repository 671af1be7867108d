//! `awsdeploy continue`: a deployment paused at a lifecycle stage
//! (`service.deploy.pause_at`) goes on (`ContinueServiceDeployment`,
//! CONTINUE), followed as `up` follows one.

use awsdeploy_aws::Aws;
use awsdeploy_plan::WaitPoint;
use awsdeploy_spec::Spec;

use super::{CliError, connect, load_spec, locked};
use crate::cli::Settings;
use crate::exit::Exit;

/// `continue`: the spec read, then the rest holding the deploy lock.
pub(super) async fn run(
    settings: &Settings,
    yes: bool,
    until: WaitPoint,
    lock_timeout: std::time::Duration,
) -> Result<Exit, CliError> {
    let spec = load_spec(settings)?;
    let aws = connect(&spec).await?;
    locked(
        &aws,
        "continue",
        lock_timeout,
        Box::pin(resume(settings, &aws, &spec, yes, until)),
    )
    .await
}

async fn resume(
    settings: &Settings,
    aws: &Aws,
    spec: &Spec,
    yes: bool,
    until: WaitPoint,
) -> Result<Exit, CliError> {
    let env = format!("{}-{}", spec.app.name, spec.env);
    let service = spec.service.as_ref().ok_or_else(|| {
        CliError::new(
            format!("the spec of {env} has no [service]: there is no deployment to continue"),
            None,
        )
    })?;
    let deployment = aws.deployment_going().await?.ok_or_else(|| {
        CliError::new(
            format!("no deployment of {env} is in progress; nothing was changed"),
            Some(
                "`awsdeploy status` shows the service; `awsdeploy up` starts a deployment"
                    .to_owned(),
            ),
        )
    })?;
    let revision = deployment
        .revision
        .clone()
        .unwrap_or_else(|| "a new revision".to_owned());
    let Some(paused) = &deployment.paused else {
        return Err(CliError::new(
            format!(
                "the deployment of {revision} is not paused ({}); nothing was changed",
                deployment.summary()
            ),
            Some("`awsdeploy status` shows where it is; ECS goes on by itself until a stage in service.deploy.pause_at".to_owned()),
        ));
    };
    crate::output::progress(&format!(
        "{} is deploying {revision}, paused ({}); going on moves it to the next stage.",
        awsdeploy_plan::service::SERVICE_NAME,
        deployment.stage,
    ));
    if !yes {
        super::up::confirm_action(&format!("Continue the deployment of {revision} in {env}?"))?;
    }
    let timeout = awsdeploy_plan::service::rollout_timeout_secs(spec, service);
    let deployed = aws
        .continue_deployment((&deployment.arn, paused), timeout, until)
        .await?;
    if settings.format == crate::output::Format::Json {
        crate::output::json(&serde_json::json!({
            "continued": deployment.arn,
            "revision": deployed,
        }));
    } else {
        crate::output::progress(&format!(
            "{deployed}: continued; `awsdeploy status` shows where the deployment is."
        ));
    }
    Ok(Exit::Success)
}
