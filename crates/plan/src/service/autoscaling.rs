//! Target tracking on the service's average CPU, when the spec has
//! `service.autoscaling`; the desired count is then left to it.

use super::SERVICE_NAME;
use crate::component::PlanContext;
use crate::names::cluster_name;
use crate::{Action, ComponentPlan, FieldChange, Key, ResourceChange, ResourceKind, ServiceStep};

/// Target tracking on CPU when the spec asks; removed when it no longer
/// does.
pub(super) fn plan(
    cx: &PlanContext<'_>,
    service: &awsdeploy_spec::Service,
    out: &mut ComponentPlan,
) {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let cluster = cluster_name(app, env);
    let scaling_key = Key::autoscaling(&cluster, SERVICE_NAME);
    let scaling_name = format!("{cluster}/{SERVICE_NAME}");
    let after_service: Vec<Key> = out
        .planned(&Key::ecs_service(&cluster, SERVICE_NAME))
        .into_iter()
        .collect();
    match (&service.autoscaling, &live.autoscaling) {
        (Some(wanted), found) => {
            let (min, max, target) = (
                i32::try_from(wanted.min).unwrap_or(1),
                i32::try_from(wanted.max).unwrap_or(1),
                i32::try_from(wanted.target_cpu).unwrap_or(60),
            );
            let now = format!("{min}..{max} tasks, CPU {target}%");
            let same = found
                .as_ref()
                .is_some_and(|f| f.min == min && f.max == max && f.target_cpu == Some(target));
            if same {
                out.unchanged += 1;
            } else {
                out.push(
                    ResourceChange::new(
                        scaling_key.clone(),
                        ResourceKind::ScalingTarget,
                        &scaling_name,
                        if found.is_some() {
                            Action::Update
                        } else {
                            Action::Create
                        },
                        vec![ServiceStep::ConfigureAutoscaling {
                            cluster: cluster.clone(),
                            service: SERVICE_NAME.to_owned(),
                            min,
                            max,
                            target_cpu: target,
                        }],
                    )
                    .on(found.as_ref().map(|_| scaling_name.as_str()))
                    .with_fields(vec![FieldChange::new(
                        "scaling",
                        found.as_ref().map(|f| {
                            format!(
                                "{}..{} tasks, CPU {}",
                                f.min,
                                f.max,
                                f.target_cpu
                                    .map_or("no policy".to_owned(), |t| format!("{t}%"))
                            )
                        }),
                        Some(now),
                    )])
                    .after(after_service.iter().cloned()),
                );
            }
        }
        (None, Some(found)) => out.push(
            ResourceChange::new(
                scaling_key.clone(),
                ResourceKind::ScalingTarget,
                &scaling_name,
                Action::Delete,
                vec![ServiceStep::RemoveAutoscaling {
                    cluster: cluster.clone(),
                    service: SERVICE_NAME.to_owned(),
                }],
            )
            .on(Some(&scaling_name))
            .with_fields(vec![
                FieldChange::new(
                    "scaling",
                    Some(format!("{}..{} tasks", found.min, found.max)),
                    None::<String>,
                )
                .noting("the desired count goes back to service.desired_count"),
            ]),
        ),
        (None, None) => {}
    }
}
