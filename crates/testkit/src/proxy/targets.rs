//! `DescribeTargetHealth` for a target group a simulated ECS service
//! registers in (moto registers no tasks): ECS registers each running
//! task's IP and port; a new deployment's targets are `initial`
//! (`Elb.RegistrationInProgress`) until its rollout completes (ECS
//! completes a rollout only once its targets are healthy: the health
//! check's interval × healthy threshold), then `healthy`; the replaced
//! deployment's targets stay `healthy` while they drain, and are gone once
//! the rollout completes.

use std::fmt::Write as _;

use super::ecs::Ecs;
use super::message::{Request, Response};

/// The answer for the group the request names, if a simulated service
/// registers in it.
pub(super) fn describe(ecs: &Ecs, request: &Request) -> Option<Response> {
    let group = request.form("TargetGroupArn")?;
    let (port, deployments) = ecs.registered(&group)?;
    let mut members = String::new();
    for (index, (status, rollout, running)) in deployments.into_iter().enumerate() {
        let (state, reason) = match (status, rollout) {
            ("PRIMARY", "COMPLETED") | ("ACTIVE", _) => ("healthy", None),
            _ => (
                "initial",
                Some((
                    "Elb.RegistrationInProgress",
                    "Target registration is in progress",
                )),
            ),
        };
        for task in 0..running {
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
