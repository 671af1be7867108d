//! The service's deletes for `down`: the service (its tasks stopped) and
//! the wait until it is inactive, every active revision of the task
//! definitions, and the cluster.

use std::time::Duration;

use aws_sdk_ecs::Client;

use crate::AwsError;
use crate::error::{already_done, sdk};
use crate::wait::{self, Check};

const GONE: [&str; 2] = ["ServiceNotFoundException", "ClusterNotFoundException"];

pub(crate) async fn delete_service(
    ecs: &Client,
    cluster: &str,
    service: &str,
) -> Result<Option<String>, AwsError> {
    let deleted = ecs
        .delete_service()
        .cluster(cluster)
        .service(service)
        .force(true)
        .send()
        .await
        .map(drop)
        .map_err(sdk("DeleteService", service));
    match deleted {
        Err(e) if already_done(&e, &GONE) || e.code() == Some("ServiceNotActiveException") => {
            return Ok(None);
        }
        other => other?,
    }
    // Its tasks stop, and their network interfaces go, before it is
    // INACTIVE: the subnets and security groups wait for that.
    wait::until(
        &format!("the ECS service {service} to be deleted"),
        Duration::from_secs(900),
        Duration::from_secs(2),
        || async {
            let out = ecs
                .describe_services()
                .cluster(cluster)
                .services(service)
                .send()
                .await
                .map_err(sdk("DescribeServices", service));
            let status = match out {
                Err(e) if already_done(&e, &GONE) => return Ok(Check::Ready(())),
                other => other?
                    .services()
                    .first()
                    .and_then(|s| s.status().map(str::to_owned)),
            };
            Ok(match status.as_deref() {
                None | Some("INACTIVE") => Check::Ready(()),
                Some(other) => Check::Pending(other.to_owned()),
            })
        },
    )
    .await?;
    Ok(None)
}

pub(crate) async fn deregister_task_definitions(
    ecs: &Client,
    families: &[String],
) -> Result<Option<String>, AwsError> {
    for family in families {
        let mut arns = Vec::new();
        let mut token = None;
        loop {
            let out = ecs
                .list_task_definitions()
                .family_prefix(family)
                .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
                .set_next_token(token)
                .send()
                .await
                .map_err(sdk("ListTaskDefinitions", family.as_str()))?;
            arns.extend(out.task_definition_arns().iter().cloned());
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        // `familyPrefix` matches by prefix: only this family's revisions.
        let own = format!("task-definition/{family}:");
        for arn in arns.iter().filter(|a| a.contains(&own)) {
            ecs.deregister_task_definition()
                .task_definition(arn)
                .send()
                .await
                .map_err(sdk("DeregisterTaskDefinition", arn.as_str()))?;
        }
    }
    Ok(None)
}

pub(crate) async fn delete_cluster(ecs: &Client, name: &str) -> Result<Option<String>, AwsError> {
    let deleted = wait::retrying(
        |e| {
            matches!(
                e.code(),
                Some("ClusterContainsServicesException" | "ClusterContainsTasksException")
            )
        },
        Duration::from_secs(600),
        || async {
            ecs.delete_cluster()
                .cluster(name)
                .send()
                .await
                .map(drop)
                .map_err(sdk("DeleteCluster", name))
        },
    )
    .await;
    match deleted {
        Err(e) if already_done(&e, &["ClusterNotFoundException"]) => Ok(None),
        other => other.map(|()| None),
    }
}
