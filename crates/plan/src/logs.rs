//! The log group (`[service]`): `/awsdeploy/{app}/{env}` with the spec's
//! retention, where the service and the migration write. Found by name; it
//! must carry this app's and env's tags.

use awsdeploy_spec::Spec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Component;
use crate::live::LiveAccount;
use crate::plan::{Action, ComponentPlan, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::{ComponentStep, Ref};
use crate::{Key, PlanError};

pub fn log_group_name(app: &str, env: &str) -> String {
    format!("/awsdeploy/{app}/{env}")
}

/// Compares the service's log group with the live one.
pub fn plan(spec: &Spec, live: &LiveAccount) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let Some(service) = spec.service.as_ref() else {
        if let Some(group) = &live.log_group {
            out.orphans.push(Orphan::named(
                Component::Logs,
                ResourceKind::LogGroup,
                &group.name,
            ));
        }
        return Ok(out);
    };
    let name = log_group_name(&spec.app.name, &spec.env);
    let retention = i32::try_from(service.log_retention_days).unwrap_or(i32::MAX);
    let change = |action, step: LogsStep| {
        ResourceChange::new(
            Key::named(Component::Logs, name.clone()),
            ResourceKind::LogGroup,
            &name,
            action,
            vec![step],
        )
    };
    match &live.log_group {
        Some(group) if !group.owned => {
            return Err(PlanError::not_ours(ResourceKind::LogGroup, &name));
        }
        None => out.push(
            change(
                Action::Create,
                LogsStep::CreateLogGroup {
                    name: name.clone(),
                    retention_days: retention,
                },
            )
            .with_fields(vec![FieldChange::set(
                "retention_days",
                retention.to_string(),
            )]),
        ),
        Some(group) if group.retention_days == Some(retention) => out.unchanged += 1,
        Some(group) => out.push(
            change(
                Action::Update,
                LogsStep::SetLogRetention {
                    name: name.clone(),
                    retention_days: retention,
                },
            )
            .on(Some(&name))
            .with_fields(vec![FieldChange::new(
                "retention_days",
                Some(
                    group
                        .retention_days
                        .map_or("never expire".to_owned(), |d| d.to_string()),
                ),
                Some(retention.to_string()),
            )]),
        ),
    }
    Ok(out)
}

/// The actions of the logs component: `CloudWatch` Logs: the log group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum LogsStep {
    /// `CreateLogGroup`, then `PutRetentionPolicy`. The id is its name.
    CreateLogGroup { name: String, retention_days: i32 },
    /// `PutRetentionPolicy`.
    SetLogRetention { name: String, retention_days: i32 },
    /// `DeleteLogGroup`; already gone is success.
    DeleteLogGroup { name: String },
}

impl ComponentStep for LogsStep {
    fn refs(&self) -> Vec<&Ref> {
        vec![]
    }

    fn creates(&self) -> bool {
        matches!(self, LogsStep::CreateLogGroup { .. })
    }
}

/// `down`: the log group, only with `delete_data`.
pub(crate) fn teardown(live: &LiveAccount, delete_data: bool) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    if let Some(group) = live.log_group.as_ref().filter(|g| g.owned) {
        if delete_data {
            out.push(
                ResourceChange::new(
                    Key::named(Component::Logs, group.name.clone()),
                    ResourceKind::LogGroup,
                    &group.name,
                    Action::Delete,
                    vec![LogsStep::DeleteLogGroup {
                        name: group.name.clone(),
                    }],
                )
                .on(Some(&group.name)),
            );
        } else {
            out.warnings.push(format!(
                "the log group {} is kept; `awsdeploy down --delete-data` deletes it",
                group.name
            ));
        }
    }
    out
}
