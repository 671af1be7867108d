//! `down` for the service.

use super::{SERVICE_NAME, ServiceStep};
use crate::live::LiveServiceTier;
use crate::names::{cluster_name, service_family as family};
use crate::{Action, ComponentId, ComponentPlan, Key, ResourceChange, ResourceKind, names};

/// `down`: autoscaling, the service (its tasks stopped), every revision of
/// the service's and the migration's task definitions, then the cluster.
pub(crate) fn teardown(app: &str, env: &str, live: &LiveServiceTier) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    let cluster = cluster_name(app, env);
    let mut before_cluster = Vec::new();
    if let Some(service) = live.service.as_ref().filter(|s| s.owned) {
        let mut after = Vec::new();
        if live.autoscaling.is_some() {
            let key = Key::autoscaling(&cluster, SERVICE_NAME);
            after.push(key.clone());
            out.push(ResourceChange::new(
                key,
                ResourceKind::ScalingTarget,
                &format!("{cluster}/{SERVICE_NAME}"),
                Action::Delete,
                vec![ServiceStep::RemoveAutoscaling {
                    cluster: cluster.clone(),
                    service: SERVICE_NAME.to_owned(),
                }],
            ));
        }
        let key = Key::ecs_service(&cluster, SERVICE_NAME);
        before_cluster.push(key.clone());
        out.push(
            ResourceChange::new(
                key,
                ResourceKind::EcsService,
                SERVICE_NAME,
                Action::Delete,
                vec![ServiceStep::DeleteService {
                    cluster: cluster.clone(),
                    service: service.name.clone(),
                }],
            )
            .on(Some(&service.arn))
            .after(after),
        );
    }
    // ECS shifts traffic with it until the service is gone.
    if let Some(role) = live.infrastructure_role.as_ref().filter(|r| r.owned) {
        out.push(
            crate::iam::delete_role(ComponentId::Service, role)
                .after([Key::ecs_service(&cluster, SERVICE_NAME)]),
        );
    }
    if live.cluster.as_ref().is_some_and(|c| c.owned) || live.task_definition.is_some() {
        let families = vec![family(app, env), names::migration_family(app, env)];
        let key = Key::named(ComponentId::Service, "task-definitions");
        out.push(
            ResourceChange::new(
                key.clone(),
                ResourceKind::TaskDefinition,
                &families.join(", "),
                Action::Delete,
                vec![ServiceStep::DeregisterTaskDefinitions { families }],
            )
            .after(before_cluster.clone()),
        );
        before_cluster.push(key);
    }
    if let Some(found) = live.cluster.as_ref().filter(|c| c.owned) {
        out.push(
            ResourceChange::new(
                Key::named(ComponentId::Service, found.name.clone()),
                ResourceKind::Cluster,
                &found.name,
                Action::Delete,
                vec![ServiceStep::DeleteCluster {
                    name: found.name.clone(),
                }],
            )
            .on(Some(&found.arn))
            .after(before_cluster),
        );
    }
    out
}
