//! How a task definition's change shows in the plan: field by field,
//! old → new.

use std::collections::BTreeMap;

use crate::{DeploymentSettings, FieldChange, SecretSource, TaskDefinition};

/// Field-level differences between two task definitions, for the plan.
pub(super) fn definition_fields(old: &TaskDefinition, new: &TaskDefinition) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    let (a, b) = (&old.container, &new.container);
    let mut field = |name: &str, x: String, y: String| {
        if x != y {
            fields.push(FieldChange::new(name, Some(x), Some(y)));
        }
    };
    field("image", a.image.clone(), b.image.clone());
    field("cpu", old.cpu.clone(), new.cpu.clone());
    field("memory", old.memory.clone(), new.memory.clone());
    field(
        "cpu_architecture",
        old.cpu_architecture.clone(),
        new.cpu_architecture.clone(),
    );
    field(
        "port",
        a.port.map(|p| p.to_string()).unwrap_or_default(),
        b.port.map(|p| p.to_string()).unwrap_or_default(),
    );
    // Environment values are shown; secrets by name only.
    let env = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    field("env", env(&a.environment), env(&b.environment));
    field(
        "roles",
        format!("{} {}", old.execution_role_arn, old.task_role_arn),
        format!("{} {}", new.execution_role_arn, new.task_role_arn),
    );
    field(
        "logs",
        format!("{} {} {}", a.log_group, a.log_region, a.log_stream_prefix),
        format!("{} {} {}", b.log_group, b.log_region, b.log_stream_prefix),
    );
    field(
        "command",
        a.command.as_ref().map(|c| c.join(" ")).unwrap_or_default(),
        b.command.as_ref().map(|c| c.join(" ")).unwrap_or_default(),
    );
    let names =
        |m: &BTreeMap<String, SecretSource>| m.keys().cloned().collect::<Vec<_>>().join(" ");
    if a.secrets != b.secrets {
        fields.push(FieldChange::new(
            "secrets",
            Some(names(&a.secrets)),
            Some(names(&b.secrets)),
        ));
    }
    let sidecars = |d: &TaskDefinition| {
        d.sidecars
            .iter()
            .map(|c| c.image.clone())
            .collect::<Vec<_>>()
            .join(" ")
    };
    if old.sidecars != new.sidecars {
        fields.push(FieldChange::new(
            "sidecars",
            Some(sidecars(old)).filter(|s| !s.is_empty()),
            Some(sidecars(new)).filter(|s| !s.is_empty()),
        ));
    }
    if fields.is_empty() {
        fields.push(FieldChange::new(
            "definition",
            Some("differs"),
            Some("as the spec"),
        ));
    }
    fields
}

/// The deployment configuration to send when the live one is not the one
/// wanted (a pause timeout ECS does not show matches any), and its field.
pub(super) fn deployment_change(
    live: &DeploymentSettings,
    wanted: &DeploymentSettings,
    fields: &mut Vec<FieldChange>,
) -> Option<DeploymentSettings> {
    let same_pauses = crate::Pauses::matches(live.pauses.as_ref(), wanted.pauses.as_ref());
    let others = DeploymentSettings {
        pauses: wanted.pauses.clone(),
        ..live.clone()
    };
    (others != *wanted || !same_pauses).then(|| {
        fields.push(FieldChange::new(
            "deployment",
            Some(describe_deployment(live)),
            Some(describe_deployment(wanted)),
        ));
        wanted.clone()
    })
}

fn describe_deployment(d: &DeploymentSettings) -> String {
    format!(
        "{}..{}% healthy, circuit breaker {}{}, grace {}s",
        d.min_healthy_percent,
        d.max_percent,
        if d.circuit_breaker { "on" } else { "off" },
        if d.rollback { " with rollback" } else { "" },
        d.health_check_grace_period_secs
    ) + &if d.alarms.is_empty() {
        String::new()
    } else {
        format!(", rolls back on alarms {}", d.alarms.join(", "))
    } + &if d.strategy.is_rolling() {
        String::new()
    } else {
        format!(", {}", d.strategy.describe())
    } + &d
        .pauses
        .as_ref()
        .map_or_else(String::new, |p| format!(", {}", p.describe()))
}
