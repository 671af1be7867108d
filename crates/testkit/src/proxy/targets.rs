//! `DescribeTargetHealth` for a target group a simulated ECS service
//! registers in (moto registers no tasks). ECS registers each running
//! task's IP and port, and the load balancer reports (Elastic Load
//! Balancing, "Target health status"):
//!
//! - a new deployment's targets `initial` (`Elb.RegistrationInProgress`)
//!   until its rollout completes (ECS completes a rollout only once its
//!   targets are healthy: the health check's interval × healthy threshold),
//!   then `healthy`;
//! - a failing deployment whose tasks start: one `unhealthy` target
//!   (`Target.ResponseCodeMismatch`) while ECS replaces it;
//! - the replaced deployment's targets `healthy` while the new tasks start,
//!   then `draining` (`Target.DeregistrationInProgress`) once they all run
//!   (ECS deregisters old tasks before it stops them), and gone once the
//!   rollout completes.

use std::fmt::Write as _;

use super::ecs::{Ecs, Registered};
use super::message::{Request, Response};

/// One target's health: state and (reason code, description).
type Health = (&'static str, Option<(&'static str, &'static str)>);

/// The answer for the group the request names, if a simulated service
/// registers in it.
pub(super) fn describe(ecs: &Ecs, request: &Request) -> Option<Response> {
    let group = request.form("TargetGroupArn")?;
    let (port, deployments) = ecs.registered(&group)?;
    let mut members = String::new();
    for (index, targets) in health(&deployments).into_iter().enumerate() {
        for (task, (state, reason)) in targets.into_iter().enumerate() {
            let reason = reason
                .map(|(code, text)| {
                    format!("<Reason>{code}</Reason><Description>{text}</Description>")
                })
                .unwrap_or_default();
            let _ = write!(
                members,
                "<member><Target><Id>10.0.{index}.{}</Id><Port>{port}</Port></Target><HealthCheckPort>{port}</HealthCheckPort><TargetHealth><State>{state}</State>{reason}</TargetHealth></member>",
                task + 10
            );
        }
    }
    Some(Response::new(
        200,
        &[("Content-Type", "text/xml")],
        format!(
            "<DescribeTargetHealthResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><DescribeTargetHealthResult><TargetHealthDescriptions>{members}</TargetHealthDescriptions></DescribeTargetHealthResult><ResponseMetadata><RequestId>simulated</RequestId></ResponseMetadata></DescribeTargetHealthResponse>"
        ),
    ))
}

/// Each deployment's targets, as the rules above say.
fn health(deployments: &[Registered]) -> Vec<Vec<Health>> {
    const INITIAL: Health = (
        "initial",
        Some((
            "Elb.RegistrationInProgress",
            "Target registration is in progress",
        )),
    );
    const DRAINING: Health = (
        "draining",
        Some((
            "Target.DeregistrationInProgress",
            "Target deregistration is in progress",
        )),
    );
    const UNHEALTHY: Health = (
        "unhealthy",
        Some((
            "Target.ResponseCodeMismatch",
            "Health checks failed with these codes: [502]",
        )),
    );
    deployments
        .iter()
        .map(|d| {
            let each = match (d.status, d.rollout_state) {
                ("ACTIVE", _) if d.replaced => DRAINING,
                ("PRIMARY", "COMPLETED") | ("ACTIVE", _) => ("healthy", None),
                _ => INITIAL,
            };
            let mut targets = vec![each; usize::try_from(d.running).unwrap_or(0)];
            if d.failing {
                targets.push(UNHEALTHY);
            }
            targets
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(status: &'static str, rollout_state: &'static str, running: i64) -> Registered {
        Registered {
            status,
            rollout_state,
            running,
            failing: false,
            replaced: false,
        }
    }

    fn states(deployments: &[Registered]) -> Vec<Vec<&'static str>> {
        health(deployments)
            .into_iter()
            .map(|targets| targets.into_iter().map(|(state, _)| state).collect())
            .collect()
    }

    #[test]
    fn new_targets_are_initial_then_healthy_old_ones_drain_failing_ones_are_unhealthy() {
        let starting = [
            deployment("PRIMARY", "IN_PROGRESS", 1),
            deployment("ACTIVE", "COMPLETED", 2),
        ];
        assert_eq!(
            states(&starting),
            [vec!["initial"], vec!["healthy", "healthy"]]
        );
        let replaced = starting.map(|d| Registered {
            replaced: true,
            ..d
        });
        assert_eq!(
            states(&replaced),
            [vec!["initial"], vec!["draining", "draining"]]
        );
        assert_eq!(
            states(&[deployment("PRIMARY", "COMPLETED", 2)]),
            [vec!["healthy", "healthy"]]
        );
        let failing = Registered {
            failing: true,
            ..deployment("PRIMARY", "IN_PROGRESS", 0)
        };
        let health = health(&[failing, deployment("ACTIVE", "COMPLETED", 1)]);
        assert_eq!(health[0][0].0, "unhealthy");
        assert_eq!(health[0][0].1.unwrap().0, "Target.ResponseCodeMismatch");
        assert_eq!(health[1][0].0, "healthy", "the old tasks go on serving");
    }
}
