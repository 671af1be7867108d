//! The wait for a deployment of a strategy that shifts traffic
//! (blue/green, canary, linear). The service's `deployments` never show
//! the bake, the traffic or the stage, and a service is "stable" long
//! before its bake ends; the service deployment does
//! (`ListServiceDeployments`, then `DescribeServiceDeployments`): its
//! status, lifecycle stage and the production traffic on each revision.
//! The deployment followed is the newest one; its target revision's task
//! definition (`DescribeServiceRevisions`, read once) must be the one
//! expected, or another deployment replaced it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ecs::types::{ServiceDeployment, ServiceDeploymentStatus, ServiceRevisionSummary};
use awsdeploy_plan::WaitPoint;
use awsdeploy_plan::service::revision_label;
use awsdeploy_plan::status::{Paused, ShiftStatus, bake_left_minutes};

use awsdeploy_plan::names::{SERVICE_NAME, cluster_name};

use crate::error::sdk;
use crate::tags::Owner;
use crate::wait::{self, Check};
use crate::{AwsError, Clients};

/// The newest service deployment of the service, described.
pub(crate) async fn newest(
    clients: &Clients,
    cluster: &str,
    service: &str,
) -> Result<Option<ServiceDeployment>, AwsError> {
    let listed = clients
        .ecs
        .list_service_deployments()
        .cluster(cluster)
        .service(service)
        .send()
        .await
        .map_err(sdk("ListServiceDeployments", service))?;
    let Some(brief) = listed.service_deployments().iter().max_by(|a, b| {
        let at = |d: &aws_sdk_ecs::types::ServiceDeploymentBrief| {
            d.created_at()
                .map_or(0.0, aws_sdk_ecs::primitives::DateTime::as_secs_f64)
        };
        at(a).total_cmp(&at(b))
    }) else {
        return Ok(None);
    };
    let arn = brief.service_deployment_arn().unwrap_or_default();
    describe_one(clients, arn).await
}

/// Service deployment `arn`, described.
async fn describe_one(clients: &Clients, arn: &str) -> Result<Option<ServiceDeployment>, AwsError> {
    let out = clients
        .ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .map_err(sdk("DescribeServiceDeployments", arn))?;
    Ok(out.service_deployments().first().cloned())
}

/// The task definition of service revision `arn`.
pub(crate) async fn revision_task_definition(
    clients: &Clients,
    arn: &str,
) -> Result<Option<String>, AwsError> {
    let out = clients
        .ecs
        .describe_service_revisions()
        .service_revision_arns(arn)
        .send()
        .await
        .map_err(sdk("DescribeServiceRevisions", arn))?;
    Ok(out
        .service_revisions()
        .first()
        .and_then(|r| r.task_definition())
        .map(str::to_owned))
}

/// Whether a deployment has not ended: going, or being rolled back.
fn is_going(d: &ServiceDeployment) -> bool {
    matches!(
        d.status(),
        Some(
            ServiceDeploymentStatus::Pending
                | ServiceDeploymentStatus::InProgress
                | ServiceDeploymentStatus::RollbackRequested
                | ServiceDeploymentStatus::RollbackInProgress
                | ServiceDeploymentStatus::StopRequested
        )
    )
}

/// The service's deployment that has not ended, if any: its stage,
/// traffic, revisions (`DescribeServiceRevisions`) and what is left of
/// its bake.
pub(crate) async fn going(
    clients: &Clients,
    owner: &Owner,
) -> Result<Option<ShiftStatus>, AwsError> {
    let cluster = cluster_name(&owner.app, &owner.env);
    let Some(d) = newest(clients, &cluster, SERVICE_NAME).await? else {
        return Ok(None);
    };
    if !is_going(&d) {
        return Ok(None);
    }
    let revision = |arn: Option<&str>| {
        let arn = arn.map(str::to_owned);
        async move {
            match arn {
                Some(arn) => Ok::<_, AwsError>(
                    revision_task_definition(clients, &arn)
                        .await?
                        .map(|td| revision_label(&td)),
                ),
                None => Ok(None),
            }
        }
    };
    let (revision, source) = tokio::try_join!(
        revision(d.target_service_revision().and_then(|t| t.arn())),
        revision(d.source_service_revisions().first().and_then(|s| s.arn())),
    )?;
    let target = d.target_service_revision();
    let stage = d.lifecycle_stage().map_or("PENDING", |s| s.as_str());
    let bake_left_minutes = (stage == "BAKE_TIME")
        .then(|| {
            let bake = d
                .deployment_configuration()
                .and_then(aws_sdk_ecs::types::DeploymentConfiguration::bake_time_in_minutes)?;
            let since = d.updated_at().map_or(0.0, |at| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0.0, |now| now.as_secs_f64())
                    - at.as_secs_f64()
            });
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let since = since.max(0.0) as u64;
            Some(bake_left_minutes(u32::try_from(bake).unwrap_or(0), since))
        })
        .flatten();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let traffic_percent = target
        .and_then(ServiceRevisionSummary::requested_production_traffic_weight)
        .unwrap_or(0.0)
        .round()
        .clamp(0.0, 100.0) as u32;
    Ok(Some(ShiftStatus {
        paused: paused(&d),
        arn: d.service_deployment_arn().unwrap_or_default().to_owned(),
        status: d.status().map_or("PENDING", |s| s.as_str()).to_owned(),
        stage: stage.to_owned(),
        revision,
        source,
        traffic_percent,
        running: target.map_or(0, ServiceRevisionSummary::running_task_count),
        desired: target.map_or(0, ServiceRevisionSummary::requested_task_count),
        bake_left_minutes,
    }))
}

/// The `PAUSE` hook the deployment waits at, if it does.
/// Only a pause awaits an action, whatever type ECS shows; a deployment
/// no longer going (stopped, rolling back) waits for nothing.
fn paused(d: &ServiceDeployment) -> Option<Paused> {
    use aws_sdk_ecs::types::DeploymentLifecycleHookStatus;
    if !matches!(
        d.status(),
        Some(ServiceDeploymentStatus::Pending | ServiceDeploymentStatus::InProgress)
    ) {
        return None;
    }
    let hook = d
        .lifecycle_hook_details()
        .iter()
        .find(|h| h.status() == Some(&DeploymentLifecycleHookStatus::AwaitingAction))?;
    Some(Paused {
        hook_id: hook.hook_id()?.to_owned(),
        expires_at: hook.expires_at().and_then(|at| {
            at.fmt(aws_sdk_ecs::primitives::DateTimeFormat::DateTime)
                .ok()
        }),
    })
}

/// Rolls back deployment `arn`, then waits until ECS has: the revision
/// that serves. Paused at `hook`, `ContinueServiceDeployment` with
/// ROLLBACK (the pause's own way out); otherwise `StopServiceDeployment`
/// with ROLLBACK.
pub(crate) async fn stop(
    clients: &Clients,
    arn: &str,
    hook: Option<&str>,
    timeout_secs: u64,
) -> Result<String, AwsError> {
    let stop = || async {
        clients
            .ecs
            .stop_service_deployment()
            .service_deployment_arn(arn)
            .stop_type(aws_sdk_ecs::types::StopServiceDeploymentStopType::Rollback)
            .send()
            .await
            .map(|_| ())
            .map_err(sdk("StopServiceDeployment", arn))
    };
    let stopped = match hook {
        // The pause may have been answered, or timed out, since it was
        // read: then the deployment is stopped as any other.
        Some(hook) => match clients
            .ecs
            .continue_service_deployment()
            .service_deployment_arn(arn)
            .hook_id(hook)
            .action(aws_sdk_ecs::types::DeploymentLifecycleHookAction::Rollback)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(_) => stop().await,
        },
        None => stop().await,
    };
    match stopped {
        Ok(()) => {}
        // It ended meanwhile: what it ended as is said below.
        Err(e) if e.code() == Some("ConflictException") => {}
        Err(e) => return Err(e),
    }
    wait::until_with(
        &format!("the rollback of {arn}"),
        Duration::from_secs(timeout_secs),
        wait::watched(),
        || async {
            let Some(d) = describe_one(clients, arn).await? else {
                return Ok(Check::Failed(format!("{arn} is gone")));
            };
            let d = &d;
            match d.status() {
                Some(ServiceDeploymentStatus::RollbackSuccessful | ServiceDeploymentStatus::Stopped) => {
                    let serving = d
                        .rollback()
                        .and_then(|r| r.service_revision_arn())
                        .or_else(|| d.source_service_revisions().first().and_then(|s| s.arn()));
                    let td = match serving {
                        Some(revision) => revision_task_definition(clients, revision).await?,
                        None => None,
                    };
                    Ok(Check::Ready(td.map_or_else(|| "the previous revision".to_owned(), |td| revision_label(&td))))
                }
                Some(ServiceDeploymentStatus::Successful) => Err(AwsError::Rollout(format!(
                    "{arn} completed before it could be stopped: the new revision serves; roll back to the one before with `awsdeploy rollback`"
                ))),
                Some(ServiceDeploymentStatus::RollbackFailed) => Err(AwsError::Rollout(format!(
                    "ECS could not roll back {arn}: {}; see `aws ecs describe-service-deployments --service-deployment-arns {arn}`",
                    d.status_reason().unwrap_or("no reason given")
                ))),
                _ => Ok(Check::Pending(format!("rolling back: {}", describe(d)))),
            }
        },
    )
    .await
}

/// "`BAKE_TIME`, production traffic 100% on the new revision, 2 of 2
/// tasks running".
pub(crate) fn describe(d: &ServiceDeployment) -> String {
    let stage = d.lifecycle_stage().map_or("PENDING", |s| s.as_str());
    let target = d.target_service_revision();
    let weight = target
        .and_then(aws_sdk_ecs::types::ServiceRevisionSummary::requested_production_traffic_weight)
        .unwrap_or(0.0);
    let (running, requested) = target.map_or((0, 0), |t| {
        (t.running_task_count(), t.requested_task_count())
    });
    format!(
        "{stage}, production traffic {weight}% on the new revision, {running} of {requested} tasks running"
    )
}

/// Follows the newest service deployment until it is SUCCESSFUL (or, with
/// [`WaitPoint::TrafficShifted`], until all production traffic is on the
/// new revision; with [`WaitPoint::TestTrafficShifted`], until the test
/// listener serves it). A rolled-back, stopped or replaced deployment is an
/// error naming the alarm that fired and the revision that serves.
/// A pause already `answered` (just continued, which ECS may not show
/// yet) is not one to stop at.
pub(crate) async fn follow(
    clients: &Clients,
    (cluster, service): (&str, &str),
    (expected, answered): (&str, Option<&Paused>),
    timeout_secs: u64,
    until: WaitPoint,
) -> Result<(), AwsError> {
    let revision = revision_label(expected);
    let targets: RefCell<BTreeMap<String, Option<String>>> = RefCell::default();
    let last: RefCell<String> = RefCell::default();
    let changed = std::cell::Cell::new(tokio::time::Instant::now());
    wait::until_with(
        &format!("the deployment of {revision} in {cluster}/{service}"),
        Duration::from_secs(timeout_secs),
        cadence(&changed),
        || {
            let (targets, last, revision, changed) = (&targets, &last, &revision, &changed);
            async move {
                let Some(d) = newest(clients, cluster, service).await? else {
                    // Listed a moment after UpdateService.
                    return Ok(Check::Pending(format!("{revision}: no deployment listed yet")));
                };
                let target_arn = d
                    .target_service_revision()
                    .and_then(|t| t.arn())
                    .unwrap_or_default()
                    .to_owned();
                let known = targets.borrow().get(&target_arn).cloned();
                let target = if let Some(td) = known {
                    td
                } else {
                    let td = revision_task_definition(clients, &target_arn).await?;
                    targets.borrow_mut().insert(target_arn.clone(), td.clone());
                    td
                };
                if target.as_deref() != Some(expected) {
                    return Err(AwsError::Rollout(format!(
                        "the deployment of {revision} was replaced by another deployment ({}); see `awsdeploy status`",
                        target.as_deref().map_or_else(|| "unknown revision".to_owned(), revision_label)
                    )));
                }
                let now = describe(&d);
                if *last.borrow() != now {
                    tracing::info!(target: "awsdeploy_aws::wait", "{cluster}/{service}: {revision}: {now}");
                    now.clone_into(&mut last.borrow_mut());
                    changed.set(tokio::time::Instant::now());
                }
                decide(clients, &d, (revision, answered), until).await
            }
        },
    )
    .await
}

/// After a minute in which the deployment showed no change (its stage,
/// traffic and tasks), it is looked at every [`HELD_INTERVAL`] until it
/// changes again: linear's defaults (nine 6-minute steps, a 5-minute
/// bake) cost about 1,400 calls instead of 4,700 (two per look), and the
/// end of a hold is seen within 10 s.
const HELD_AFTER: Duration = Duration::from_secs(60);
const HELD_INTERVAL: Duration = Duration::from_secs(10);

/// As any watched wait while the deployment moves; gently while it holds
/// (a bake, a canary's or a step's hold, minutes to hours): `changed` is
/// when it last showed a change.
fn cadence(changed: &std::cell::Cell<tokio::time::Instant>) -> impl Iterator<Item = Duration> + '_ {
    wait::watched().take(2).chain(std::iter::repeat_with(|| {
        if changed.get().elapsed() >= HELD_AFTER {
            HELD_INTERVAL
        } else {
            wait::WATCHED_MAX_INTERVAL
        }
    }))
}

/// What one look at the deployment says.
async fn decide(
    clients: &Clients,
    d: &ServiceDeployment,
    (revision, answered): (&str, Option<&Paused>),
    until: WaitPoint,
) -> Result<Check<()>, AwsError> {
    use aws_sdk_ecs::types::ServiceDeploymentLifecycleStage as Stage;
    match d.status() {
        Some(ServiceDeploymentStatus::Successful) => Ok(Check::Ready(())),
        Some(ServiceDeploymentStatus::Pending | ServiceDeploymentStatus::InProgress) => {
            let shifted = matches!(
                d.lifecycle_stage(),
                Some(Stage::PostProductionTrafficShift | Stage::BakeTime | Stage::CleanUp)
            );
            // A pause just answered (ECS may still show it) is not a new
            // one; a new one at another step may reuse its id, not its
            // deadline.
            if let Some(pause) = paused(d).filter(|p| Some(p) != answered) {
                let stage = d
                    .lifecycle_stage()
                    .map_or("a lifecycle stage", |s| s.as_str());
                let expires = pause
                    .expires_at
                    .map(|at| format!(" at {at}"))
                    .unwrap_or_default();
                tracing::info!(
                    target: "awsdeploy_aws::wait",
                    "{revision}: paused at {stage} (service.deploy.pause_at): `awsdeploy continue` goes on, `awsdeploy rollback` rolls back; without either ECS rolls back{expires}"
                );
                return Ok(Check::Ready(()));
            }
            if until == WaitPoint::TrafficShifted && shifted {
                tracing::info!(
                    target: "awsdeploy_aws::wait",
                    "{revision}: all production traffic is on it; ECS bakes and then stops the old revision on its own (it may still roll back): follow with `awsdeploy status`"
                );
                return Ok(Check::Ready(()));
            }
            let tested = shifted
                || matches!(
                    d.lifecycle_stage(),
                    Some(Stage::PostTestTrafficShift | Stage::ProductionTrafficShift)
                )
                || d.target_service_revision()
                    .and_then(ServiceRevisionSummary::requested_test_traffic_weight)
                    .is_some_and(|w| w >= 100.0);
            if until == WaitPoint::TestTrafficShifted && tested {
                tracing::info!(
                    target: "awsdeploy_aws::wait",
                    "{revision}: the test listener serves it; ECS moves production traffic next on its own, without waiting for checks: stop it with `awsdeploy rollback`, follow with `awsdeploy status`"
                );
                return Ok(Check::Ready(()));
            }
            Ok(Check::Pending(format!("{revision}: {}", describe(d))))
        }
        // Requested, in progress or done: a rollback (or a stop) has the
        // last word; report it once it is over.
        Some(
            ServiceDeploymentStatus::RollbackRequested
            | ServiceDeploymentStatus::RollbackInProgress
            | ServiceDeploymentStatus::StopRequested,
        ) => Ok(Check::Pending(format!(
            "{revision}: rolling back ({})",
            d.status_reason().unwrap_or("requested")
        ))),
        _ => Err(AwsError::Rollout(failure(clients, d, revision).await?)),
    }
}

/// Why a deployment ended without succeeding, and what serves now.
async fn failure(
    clients: &Clients,
    d: &ServiceDeployment,
    revision: &str,
) -> Result<String, AwsError> {
    let fired: Vec<&str> = d
        .alarms()
        .map(|a| {
            a.triggered_alarm_names()
                .iter()
                .map(String::as_str)
                .collect()
        })
        .unwrap_or_default();
    let serving_revision = d
        .rollback()
        .and_then(|r| r.service_revision_arn())
        .or_else(|| d.source_service_revisions().first().and_then(|s| s.arn()));
    let serving = match serving_revision {
        Some(arn) => revision_task_definition(clients, arn).await?.map_or_else(
            || "the previous revision is serving".to_owned(),
            |td| format!("{} is serving", revision_label(&td)),
        ),
        None => "no earlier revision to go back to".to_owned(),
    };
    let status = d.status().map_or("", |s| s.as_str());
    let why = d.status_reason().unwrap_or(status);
    let alarm = if fired.is_empty() {
        String::new()
    } else {
        format!("alarm {} fired; ", fired.join(", "))
    };
    Ok(format!(
        "the deployment of {revision} ended {status}: {alarm}{why}; {serving}.{} See `aws ecs describe-service-deployments --service-deployment-arns {}`",
        role_hint(why),
        d.service_deployment_arn().unwrap_or_default()
    ))
}

/// `ContinueServiceDeployment` (CONTINUE) of the pause `hook` deployment
/// `arn` waits at, then the wait as after `up` (to the next pause, or
/// `until`): the revision it deploys.
pub(crate) async fn resume(
    clients: &Clients,
    (arn, pause): (&str, &Paused),
    timeout_secs: u64,
    until: WaitPoint,
) -> Result<String, AwsError> {
    let d = describe_one(clients, arn)
        .await?
        .ok_or_else(|| AwsError::Rollout(format!("{arn} is gone")))?;
    let target = d
        .target_service_revision()
        .and_then(|t| t.arn())
        .unwrap_or_default();
    let td = revision_task_definition(clients, target)
        .await?
        .ok_or_else(|| AwsError::Rollout(format!("the revision {target} of {arn} is gone")))?;
    let (cluster, service) = service_of(d.service_arn().unwrap_or_default());
    clients
        .ecs
        .continue_service_deployment()
        .service_deployment_arn(arn)
        .hook_id(&pause.hook_id)
        .action(aws_sdk_ecs::types::DeploymentLifecycleHookAction::Continue)
        .send()
        .await
        .map_err(sdk("ContinueServiceDeployment", arn))?;
    let answered = Some(pause);
    follow(
        clients,
        (&cluster, &service),
        (&td, answered),
        timeout_secs,
        until,
    )
    .await?;
    Ok(revision_label(&td))
}

/// The cluster and service names of a service ARN
/// (`arn:…:service/{cluster}/{service}`).
fn service_of(arn: &str) -> (String, String) {
    let path = arn.split_once(":service/").map_or("", |(_, p)| p);
    let (cluster, service) = path.split_once('/').unwrap_or((path, ""));
    (cluster.to_owned(), service.to_owned())
}

/// What to do about a deployment ECS rolled back because it could not
/// use the infrastructure role (the ECS blue/green troubleshooting guide:
/// "ECS was unable to manage the ELB resources due to missing permissions
/// on ECS Infrastructure Role"): made in the same run, IAM may not have
/// propagated it yet, and the next `up` deploys the revision again.
fn role_hint(why: &str) -> &'static str {
    if why.contains("Infrastructure Role") || why.contains("unable to assume role") {
        " A role made or changed in this run takes seconds to reach ECS: run `awsdeploy up` again; if it fails the same way, check the role's trust policy (ecs.amazonaws.com) and its managed policy with `awsdeploy diff`."
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn a_deployment_that_holds_is_looked_at_gently_until_it_moves() {
        let changed = std::cell::Cell::new(tokio::time::Instant::now());
        let mut cadence = super::cadence(&changed);
        let secs = |d: Option<Duration>| d.map(|d| d.as_secs_f64());
        assert_eq!(secs(cadence.next()), Some(0.5));
        assert_eq!(secs(cadence.next()), Some(1.0));
        assert_eq!(secs(cadence.next()), Some(1.5));
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(secs(cadence.next()), Some(1.5));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(secs(cadence.next()), Some(10.0));
        changed.set(tokio::time::Instant::now());
        assert_eq!(secs(cadence.next()), Some(1.5));
    }

    #[test]
    fn a_rollback_for_the_infrastructure_role_says_to_run_up_again() {
        let why = "Service deployment rolled back because of invalid networking configuration. ECS was unable to manage the ELB resources due to missing permissions on ECS Infrastructure Role 'arn:aws:iam::123456789012:role/shop-dev-ecs-lb'.";
        assert!(super::role_hint(why).contains("run `awsdeploy up` again"));
        assert_eq!(
            super::role_hint("ECS deployment alarms: alarm detected."),
            ""
        );
    }
}
