//! The database as a [`Component`]: its plan, teardown, policy and status.

use awsdeploy_spec::Spec;

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext};
use crate::live::Lookups;
use crate::status::{DatabaseExtras, DatabaseStatus, Status};
use crate::{ComponentId, ComponentPlan, Key, PlanError, names};

/// Storage used above this share of the allocated is a problem: AWS's
/// recommended alarm is free storage below 10%.
const STORAGE_USED_PERCENT_LIMIT: i64 = 90;

/// RDS for `MySQL` and its DB subnet group (`[database]`).
pub struct Database;

impl Component for Database {
    fn id(&self) -> ComponentId {
        ComponentId::Database
    }

    fn sections(&self) -> &'static [&'static str] {
        &["database"]
    }

    fn lookups(&self, _spec: &Spec, _purpose: Purpose, _lookups: &mut Lookups) {
        // Found by its identifier, whatever the spec says.
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        super::plan(
            super::desired(cx.spec).as_ref(),
            &cx.live.database,
            &cx.network_refs(),
        )
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        super::teardown(&cx.live.database, cx.delete_data)
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        &[ComponentId::Service]
    }

    fn policy(&self, cx: &PolicyContext<'_>) -> Vec<Statement> {
        let identifier = names::database_identifier(cx.app, cx.env);
        vec![
            // Creates authorize on the resource to be; describing lists.
            Statement::anywhere(
                "DatabaseCreate",
                &[
                    "rds:CreateDBInstance",
                    "rds:CreateDBSubnetGroup",
                    "rds:DescribeDBInstances",
                    "rds:DescribeDBSubnetGroups",
                ],
            ),
            Statement::new(
                "Database",
                &[
                    "rds:AddTagsToResource",
                    "rds:CreateDBSnapshot",
                    "rds:DeleteDBInstance",
                    "rds:StartDBInstance",
                    "rds:DeleteDBSubnetGroup",
                    "rds:ListTagsForResource",
                    "rds:ModifyDBInstance",
                    "rds:ModifyDBSubnetGroup",
                ],
                vec![
                    cx.arn("rds", &format!("db:{identifier}")),
                    cx.arn("rds", &format!("subgrp:{identifier}")),
                    cx.arn("rds", &format!("snapshot:{identifier}-*")),
                ],
            ),
            // RDS makes the master secret with the caller's permissions.
            Statement::anywhere(
                "DatabaseSecret",
                &[
                    "secretsmanager:CreateSecret",
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:TagResource",
                ],
            ),
            // And rotates, updates and (with the instance) deletes it, also
            // with the caller's permissions: on RDS's own names only.
            Statement::new(
                "DatabaseManagedSecret",
                &[
                    "secretsmanager:DeleteSecret",
                    "secretsmanager:RotateSecret",
                    "secretsmanager:UpdateSecret",
                ],
                vec![cx.arn("secretsmanager", "secret:rds!db-*")],
            ),
            // `status` reads the storage left (`FreeStorageSpace`).
            Statement::anywhere("Metrics", &["cloudwatch:GetMetricData"]),
        ]
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        let identifier = names::database_identifier(cx.app, cx.env);
        vec![
            cx.arn("rds", &format!("db:{identifier}")),
            cx.arn("rds", &format!("subgrp:{identifier}")),
            cx.arn("rds", &format!("snapshot:{identifier}-final-1")),
            cx.arn("secretsmanager", "secret:rds!db-*"),
        ]
    }

    fn status(&self, cx: &StatusContext<'_>, status: &mut Status) {
        let Some(db) = cx.live.database.instance.as_ref() else {
            return;
        };
        let DatabaseExtras {
            pending,
            maintenance_window,
            latest_restorable_time,
            free_storage_bytes,
        } = cx.extras.database.clone().unwrap_or_default();
        let db = DatabaseStatus {
            identifier: db.identifier.clone(),
            status: db.status.clone(),
            instance_class: db.instance_class.clone(),
            allocated_storage_gb: db.allocated_storage_gb,
            used_storage_mib: free_storage_bytes.map(|free| {
                (i64::from(db.allocated_storage_gb) * 1024 - free / (1024 * 1024)).max(0)
            }),
            multi_az: db.multi_az,
            pending,
            maintenance_window,
            latest_restorable_time,
            migrated_version: db.migrated_version,
        };
        if db.status != "available" {
            status
                .problems
                .push(format!("database {} is {}", db.identifier, db.status));
        }
        if let Some(percent) = db.used_storage_percent()
            && percent >= STORAGE_USED_PERCENT_LIMIT
        {
            status.problems.push(format!(
                "database {} storage is {percent}% used; raise `[database] storage_gb` (storage only grows) and run `awsdeploy up`",
                db.identifier
            ));
        }
        status.database = Some(db);
    }

    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>) {
        super::cost::cost(cx, bill);
    }
}

/// The database instance's key, for the changes that wait for it.
pub fn instance_key(app: &str, env: &str) -> Key {
    Key::DbInstance(names::database_identifier(app, env))
}

/// Whether this plan creates or replaces the database instance: then its
/// endpoint and master secret are read when the steps run.
pub(crate) fn changes_instance(cx: &PlanContext<'_>) -> bool {
    Database.plan(cx).is_ok_and(|plan| {
        plan.changes.iter().any(|c| {
            c.kind == crate::ResourceKind::DbInstance
                && matches!(c.action, crate::Action::Create | crate::Action::Replace)
        })
    })
}
