//! What the service costs a month: its Fargate tasks' vCPU and memory by
//! the hour, at the desired count (autoscaling: from its minimum to its
//! maximum). The cluster is free.

use crate::ResourceKind;
use crate::cost::{Bill, CostContext, Side};
use crate::names::SERVICE_NAME;

/// The service's tasks as priced.
struct Tasks {
    /// CPU units and MiB.
    cpu: u32,
    memory: u32,
    arm: bool,
    count: (u32, u32),
}

fn tasks(cx: &CostContext<'_>) -> Option<Tasks> {
    match cx.side {
        Side::Spec => cx.spec.service.as_ref().map(|s| Tasks {
            cpu: s.cpu,
            memory: s.memory,
            arm: s.cpu_architecture.is_arm(),
            count: s
                .autoscaling
                .as_ref()
                .map_or((s.desired_count, s.desired_count), |a| (a.min, a.max)),
        }),
        Side::Live => {
            let live = &cx.live.service;
            let service = live.service.as_ref().filter(|s| s.owned)?;
            let definition = &live.task_definition.as_ref()?.definition;
            let desired = u32::try_from(service.desired_count).unwrap_or(0);
            Some(Tasks {
                cpu: definition.cpu.parse().ok()?,
                memory: definition.memory.parse().ok()?,
                arm: definition.is_arm(),
                count: live.autoscaling.as_ref().map_or((desired, desired), |a| {
                    (
                        u32::try_from(a.min).unwrap_or(0),
                        u32::try_from(a.max).unwrap_or(0),
                    )
                }),
            })
        }
    }
}

pub fn cost(cx: &CostContext<'_>, bill: &mut Bill<'_>) {
    let Some(tasks) = tasks(cx) else {
        return;
    };
    let (arch, label) = if tasks.arm {
        ("arm", "ARM")
    } else {
        ("x86", "x86")
    };
    let resource = (ResourceKind::EcsService, SERVICE_NAME);
    let (low, high) = (f64::from(tasks.count.0), f64::from(tasks.count.1));
    let vcpu = f64::from(tasks.cpu) / 1024.0;
    let gb = f64::from(tasks.memory) / 1024.0;
    let count = if tasks.count.0 == tasks.count.1 {
        tasks.count.0.to_string()
    } else {
        format!("{}–{}", tasks.count.0, tasks.count.1)
    };
    bill.hourly_range(
        resource,
        &format!("Fargate {label} vCPU, {count} tasks × {vcpu}"),
        &format!("ecs.fargate.{arch}.vcpu_hour"),
        (low * vcpu, high * vcpu),
    );
    bill.hourly_range(
        resource,
        &format!("Fargate {label} memory, {count} tasks × {gb} GB"),
        &format!("ecs.fargate.{arch}.gb_hour"),
        (low * gb, high * gb),
    );
    overlap(cx, bill, &tasks, (arch, label));
    if cx
        .spec
        .service
        .as_ref()
        .is_some_and(|s| s.container_insights)
    {
        bill.usage(
            "Container Insights",
            "cloudwatch.metric.month",
            "per metric-month: about ten metrics for the cluster and the service, more with more task definitions; its performance logs are billed as log ingestion",
        );
    }
}

/// A strategy that shifts traffic runs the new revision's tasks beside the
/// old ones for its holds and bake: a cost per release, not per month.
fn overlap(cx: &CostContext<'_>, bill: &mut Bill<'_>, tasks: &Tasks, (arch, label): (&str, &str)) {
    let strategy = match cx.side {
        Side::Spec => cx
            .spec
            .service
            .as_ref()
            .map(|s| crate::Strategy::from_spec(&s.deploy)),
        Side::Live => cx
            .live
            .service
            .service
            .as_ref()
            .map(|s| s.deployment.strategy.clone()),
    };
    let Some(strategy) = strategy.filter(|s| !s.is_rolling()) else {
        return;
    };
    let minutes = strategy.overlap_minutes();
    let task_hours = f64::from(tasks.count.1) * f64::from(minutes) / 60.0;
    let vcpu_id = format!("ecs.fargate.{arch}.vcpu_hour");
    let gb_id = format!("ecs.fargate.{arch}.gb_hour");
    let per_task_hour = match (bill.price(&vcpu_id), bill.price(&gb_id)) {
        (Some(vcpu), Some(gb)) => Some(
            f64::from(tasks.cpu) / 1024.0 * vcpu.usd()
                + f64::from(tasks.memory) / 1024.0 * gb.usd(),
        ),
        _ => None,
    };
    let per_release = per_task_hour.map_or_else(String::new, |p| {
        format!(": about ${:.2} a release", task_hours * p)
    });
    bill.usage(
        &format!("Fargate {label} vCPU, the release overlap ({})", strategy.describe()),
        &vcpu_id,
        &format!(
            "per release, the old revision's tasks ({}) run {minutes} min beside the new ones (holds and bake){per_release}",
            if tasks.count.0 == tasks.count.1 {
                tasks.count.1.to_string()
            } else {
                format!("up to {}", tasks.count.1)
            }
        ),
    );
}
