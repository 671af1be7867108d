//! The wait for a service's rollout: `DescribeServices` until the
//! deployment of the expected revision is COMPLETED with every task
//! running, and its failures said as a person needs them (a timeout with
//! how to follow, a circuit-breaker rollback with the alarms that fired).

use std::collections::BTreeSet;
use std::time::Duration;

use awsdeploy_plan::ComponentStep as _;
use awsdeploy_plan::ServiceStep;
use awsdeploy_plan::service::revision_label;

use crate::error::sdk;
use crate::wait::{self, Check};
use aws_sdk_ecs::types::DeploymentConfiguration;

use crate::{AwsError, StepContext};

/// The rollout wait, its failures said as a person needs them: a timeout
/// with how to follow the rollout, a rollback with the alarm that caused
/// it.
pub(super) async fn rollout(
    cx: &StepContext<'_>,
    step: &ServiceStep,
    cluster: &str,
    service: &str,
    expected: &str,
    timeout_secs: u64,
) -> Result<Option<String>, AwsError> {
    let started = aws_sdk_cloudwatch::primitives::DateTime::from(std::time::SystemTime::now());
    match wait_for_rollout(&cx.clients.ecs, cluster, service, expected, timeout_secs).await {
        Ok(()) => Ok(None),
        Err(e @ AwsError::Timeout { .. }) => Err(AwsError::Rollout(format!(
            "{e}. {}",
            step.how_to_follow().unwrap_or_default()
        ))),
        Err(AwsError::Rollout(failed)) => {
            let fired = fired_alarms(cx.clients, cluster, service, started).await?;
            Err(AwsError::Rollout(if fired.is_empty() {
                failed
            } else {
                format!("rolled back: alarm {} fired; {failed}", fired.join(", "))
            }))
        }
        Err(other) => Err(other),
    }
}

/// The service's deployment alarms that went into ALARM since `started`:
/// why ECS rolled a healthy deployment back. ECS's own words for it are
/// not documented, so the alarms are asked; one already in ALARM when the
/// deployment started is one ECS ignores (ECS developer guide, "Deployment
/// alarms"), so it is not blamed.
async fn fired_alarms(
    clients: &crate::Clients,
    cluster: &str,
    service: &str,
    started: aws_sdk_cloudwatch::primitives::DateTime,
) -> Result<Vec<String>, AwsError> {
    let out = clients
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .map_err(sdk("DescribeServices", service))?;
    let names: Vec<String> = out
        .services()
        .first()
        .and_then(|s| s.deployment_configuration())
        .and_then(DeploymentConfiguration::alarms)
        .filter(|a| a.enable())
        .map(|a| a.alarm_names().to_vec())
        .unwrap_or_default();
    if names.is_empty() {
        return Ok(names);
    }
    let alarms = clients
        .cloudwatch
        .describe_alarms()
        .set_alarm_names(Some(names))
        .state_value(aws_sdk_cloudwatch::types::StateValue::Alarm)
        .send()
        .await
        .map_err(sdk("DescribeAlarms", service))?;
    // The state is checked here too: the filter is the API's, and moto
    // ignores it when names are given.
    Ok(alarms
        .metric_alarms()
        .iter()
        .filter(|a| a.state_value() == Some(&aws_sdk_cloudwatch::types::StateValue::Alarm))
        .filter(|a| {
            a.state_updated_timestamp()
                .is_none_or(|at| at.as_secs_f64() >= started.as_secs_f64())
        })
        .filter_map(|a| a.alarm_name().map(str::to_owned))
        .collect())
}

/// Waits until the deployment of `expected` is COMPLETED with every task
/// running, logging task counts and new service events as they come. A
/// FAILED deployment, or one another deployment replaced (a rollback), is
/// an error naming the revision that serves now.
async fn wait_for_rollout(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
    expected: &str,
    timeout_secs: u64,
) -> Result<(), AwsError> {
    let revision = revision_label(expected);
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .saturating_sub(5);
    let seen_events: std::cell::RefCell<BTreeSet<String>> = std::cell::RefCell::default();
    wait::until_with(
        &format!("the rollout of {revision} in {cluster}/{service}"),
        Duration::from_secs(timeout_secs),
        wait::watched(),
        || {
            let seen_events = &seen_events;
            let revision = &revision;
            async move {
                let out = ecs
                    .describe_services()
                    .cluster(cluster)
                    .services(service)
                    .send()
                    .await
                    .map_err(sdk("DescribeServices", service))?;
                let Some(found) = out.services().first() else {
                    return Ok(Check::Failed("gone".to_owned()));
                };
                let mut events: Vec<_> = found
                    .events()
                    .iter()
                    .filter(|e| {
                        e.created_at()
                            .is_some_and(|t| u64::try_from(t.secs()).unwrap_or(0) >= started)
                    })
                    .filter(|e| {
                        e.id()
                            .is_some_and(|id| seen_events.borrow_mut().insert(id.to_owned()))
                    })
                    .collect();
                events.reverse();
                for event in events {
                    tracing::info!(
                        target: "awsdeploy_aws::wait",
                        "{cluster}/{service}: {}",
                        event.message().unwrap_or_default()
                    );
                }
                let deployments = found.deployments();
                let primary = deployments.iter().find(|d| d.status() == Some("PRIMARY"));
                let serving = primary
                    .and_then(|d| d.task_definition())
                    .filter(|td| *td != expected)
                    .map_or_else(
                        || "no earlier revision to roll back to: the service has no healthy tasks".to_owned(),
                        |td| format!("{} is serving", revision_label(td)),
                    );
                let ours = deployments
                    .iter()
                    .find(|d| d.task_definition() == Some(expected));
                let Some(ours) = ours else {
                    return Err(AwsError::Rollout(format!(
                        "the rollout of {revision} was replaced by another deployment; {serving}"
                    )));
                };
                let state = ours.rollout_state().map_or("", |s| s.as_str());
                if state == "FAILED" || ours.status() != Some("PRIMARY") {
                    return Err(AwsError::Rollout(format!(
                        "the rollout of {revision} failed ({}); ECS rolled back: {serving}. See the events above and `aws ecs describe-services --cluster {cluster} --services {service}`",
                        ours.rollout_state_reason().unwrap_or(state)
                    )));
                }
                if state == "COMPLETED" && ours.running_count() >= ours.desired_count() {
                    tracing::info!(
                        target: "awsdeploy_aws::wait",
                        "{cluster}/{service}: {revision} serves with {} tasks running",
                        ours.running_count()
                    );
                    return Ok(Check::Ready(()));
                }
                Ok(Check::Pending(format!(
                    "{revision}: {} running, {} pending of {} ({})",
                    ours.running_count(),
                    ours.pending_count(),
                    ours.desired_count(),
                    if state.is_empty() { "IN_PROGRESS" } else { state }
                )))
            }
        },
    )
    .await
}
