//! Target tracking on the service's average CPU, when the spec has
//! `service.autoscaling`; the desired count is then left to it.

use super::{Context, SERVICE_NAME, ServicePlan, cluster_name};
use crate::plan::{Action, Component, FieldChange, ResourceKind};
use crate::step::Step;

/// Target tracking on CPU when the spec asks; removed when it no longer
/// does.
pub(super) fn plan(cx: &Context<'_>, service: &awsdeploy_spec::Service, out: &mut ServicePlan) {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let cluster = cluster_name(app, env);
    let service_key = format!("service/{cluster}/{SERVICE_NAME}");
    let scaling_key = format!("{service_key}:autoscaling");
    let scaling_name = format!("{cluster}/{SERVICE_NAME}");
    let after_service: Vec<String> = out.planned(&service_key).into_iter().collect();
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
                    Component::Service,
                    ResourceKind::ScalingTarget,
                    &scaling_key,
                    &scaling_name,
                    if found.is_some() {
                        Action::Update
                    } else {
                        Action::Create
                    },
                    found.as_ref().map(|_| scaling_name.as_str()),
                    vec![FieldChange::new(
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
                    )],
                    vec![Step::ConfigureAutoscaling {
                        cluster: cluster.clone(),
                        service: SERVICE_NAME.to_owned(),
                        min,
                        max,
                        target_cpu: target,
                    }],
                    &after_service,
                );
            }
        }
        (None, Some(found)) => out.push(
            Component::Service,
            ResourceKind::ScalingTarget,
            &scaling_key,
            &scaling_name,
            Action::Delete,
            Some(&scaling_name),
            vec![
                FieldChange::new(
                    "scaling",
                    Some(format!("{}..{} tasks", found.min, found.max)),
                    None::<String>,
                )
                .noting("the desired count goes back to service.desired_count"),
            ],
            vec![Step::RemoveAutoscaling {
                cluster: cluster.clone(),
                service: SERVICE_NAME.to_owned(),
            }],
            &[],
        ),
        (None, None) => {}
    }
}
