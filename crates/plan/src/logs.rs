//! The log group (`[service]`): `/awsdeploy/{app}/{env}` with the spec's
//! retention, where the service and the migration write. Found by name; it
//! must carry this app's and env's tags.

use awsdeploy_spec::Spec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext};
use crate::live::{LiveAccount, LiveLogGroup, Lookups};
use crate::plan::{Action, ComponentPlan, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::reconcile::{Change, Desired};
use crate::status::Status;
use crate::{ComponentId, ComponentStep, Key, PlanError, Ref, names};

/// The stack's log group (`[service]`).
pub struct Logs;

impl Component for Logs {
    fn id(&self) -> ComponentId {
        ComponentId::Logs
    }

    fn sections(&self) -> &'static [&'static str] {
        &["service"]
    }

    fn lookups(&self, _spec: &Spec, _purpose: Purpose, _lookups: &mut Lookups) {
        // Looked up with the service (`Lookups::service`).
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        plan(cx.spec, &cx.live.account)
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(teardown(&cx.live.account, cx.delete_data))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        &[ComponentId::Service]
    }

    fn policy(&self, cx: &PolicyContext<'_>) -> Vec<Statement> {
        vec![
            Statement::anywhere("LogGroups", &["logs:DescribeLogGroups"]),
            Statement::new(
                "Logs",
                &[
                    "logs:CreateLogGroup",
                    "logs:DeleteLogGroup",
                    "logs:FilterLogEvents",
                    "logs:GetLogEvents",
                    "logs:ListTagsForResource",
                    "logs:PutRetentionPolicy",
                    "logs:TagResource",
                ],
                cx.log_group(&names::log_group_name(cx.app, cx.env)),
            ),
        ]
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        let group = names::log_group_name(cx.app, cx.env);
        vec![
            cx.arn("logs", &format!("log-group:{group}")),
            cx.arn("logs", &format!("log-group:{group}:log-stream:api/api/0")),
        ]
    }

    fn status(&self, _cx: &StatusContext<'_>, _status: &mut Status) {
        // `awsdeploy logs` reads it; status has no section for it.
    }

    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>) {
        let Some(service) = cx.spec.service.as_ref() else {
            return;
        };
        bill.usage(
            "log ingestion",
            "logs.ingest.gb",
            "per GB the service and the migration write (and the database, with database.log_exports)",
        );
        bill.usage(
            "log storage",
            "logs.storage.gb_month",
            &format!(
                "per GB-month stored, compressed; log_retention_days = {} keeps about {} of ingest",
                service.log_retention_days,
                if service.log_retention_days <= 31 {
                    "one month".to_owned()
                } else {
                    format!("{} months", service.log_retention_days.div_ceil(30))
                }
            ),
        );
    }
}

/// Compares the service's log group with the live one.
pub fn plan(spec: &Spec, live: &LiveAccount) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let Some(service) = spec.service.as_ref() else {
        if let Some(group) = &live.log_group {
            out.orphans.push(Orphan::named(
                ComponentId::Logs,
                ResourceKind::LogGroup,
                &group.name,
            ));
        }
        return Ok(out);
    };
    let name = names::log_group_name(&spec.app.name, &spec.env);
    let retention = i32::try_from(service.log_retention_days).unwrap_or(i32::MAX);
    let key = Key::named(ComponentId::Logs, name.clone());
    let desired = Desired::new(key, ResourceKind::LogGroup, &name);
    let create = || {
        Change::new(
            vec![LogsStep::CreateLogGroup {
                name: name.clone(),
                retention_days: retention,
            }],
            vec![FieldChange::set("retention_days", retention.to_string())],
        )
    };
    let update = |group: &LiveLogGroup| {
        let fields = if group.retention_days == Some(retention) {
            Vec::new()
        } else {
            vec![FieldChange::new(
                "retention_days",
                Some(
                    group
                        .retention_days
                        .map_or("never expire".to_owned(), |d| d.to_string()),
                ),
                Some(retention.to_string()),
            )]
        };
        let step = LogsStep::SetLogRetention {
            name: name.clone(),
            retention_days: retention,
        };
        (Change::new(vec![step], fields), Some(name.clone()))
    };
    let live_group = live.log_group.as_ref().map(|g| (g, g.owned));
    desired.reconcile(&mut out, live_group, create, update)?;
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
                    Key::named(ComponentId::Logs, group.name.clone()),
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
