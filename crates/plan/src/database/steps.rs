//! The database's steps and the settings they carry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ComponentStep, Ref};

/// The actions of the database component: RDS: the subnet group and the instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DatabaseStep {
    /// `CreateDBSubnetGroup` over the given subnets; the id is its name.
    CreateDbSubnetGroup {
        name: String,
        description: String,
        subnets: Vec<Ref>,
    },
    /// `ModifyDBSubnetGroup`: set its subnets.
    ModifyDbSubnetGroup { name: String, subnets: Vec<Ref> },
    /// `CreateDBInstance` (`MySQL`, storage encrypted, not publicly
    /// accessible, master password managed by RDS in Secrets Manager);
    /// waits until it is available. The id is its identifier.
    CreateDbInstance {
        identifier: String,
        subnet_group: Ref,
        security_group: Ref,
        settings: DbSettings,
    },
    /// `ModifyDBInstance` of the fields set in `changes`, now or at the next
    /// maintenance window; waits until it is available again.
    ModifyDbInstance {
        identifier: String,
        changes: DbChanges,
        apply_immediately: bool,
    },
    /// For a replacement only: turns deletion protection off, deletes the
    /// instance with a final snapshot named `{final_snapshot_prefix}-{unix
    /// time}`, and waits until it is gone.
    DeleteDbInstance {
        identifier: String,
        final_snapshot_prefix: String,
    },
    /// `DeleteDBSubnetGroup`; already gone is success.
    DeleteDbSubnetGroup { name: String },
}

impl ComponentStep for DatabaseStep {
    fn refs(&self) -> Vec<&Ref> {
        match self {
            DatabaseStep::CreateDbSubnetGroup { subnets, .. }
            | DatabaseStep::ModifyDbSubnetGroup { subnets, .. } => subnets.iter().collect(),
            DatabaseStep::CreateDbInstance {
                subnet_group,
                security_group,
                ..
            } => vec![subnet_group, security_group],
            DatabaseStep::ModifyDbInstance { changes, .. } => {
                changes.security_groups.iter().flatten().collect()
            }
            DatabaseStep::DeleteDbInstance { .. } | DatabaseStep::DeleteDbSubnetGroup { .. } => {
                vec![]
            }
        }
    }

    fn creates(&self) -> bool {
        matches!(
            self,
            DatabaseStep::CreateDbSubnetGroup { .. } | DatabaseStep::CreateDbInstance { .. }
        )
    }
}

/// What a new database instance is created with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DbSettings {
    pub engine: String,
    pub engine_version: String,
    pub instance_class: String,
    pub allocated_storage_gb: i32,
    pub multi_az: bool,
    pub deletion_protection: bool,
    pub backup_retention_days: i32,
    pub log_exports: Vec<String>,
    pub master_username: String,
    pub database_name: String,
}

/// The fields one `ModifyDBInstance` sets; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DbChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_storage_gb: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_az: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicly_accessible: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<Ref>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enable_log_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disable_log_types: Vec<String>,
}

impl DbChanges {
    pub fn is_empty(&self) -> bool {
        *self == DbChanges::default()
    }
}
