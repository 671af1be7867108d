//! How a task definition's change shows in the plan: field by field,
//! old → new.

use std::collections::BTreeMap;

use crate::{FieldChange, SecretSource, TaskDefinition};

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
