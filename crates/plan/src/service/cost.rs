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
