//! `down` for the database.

use super::DatabaseStep;
use crate::live::LiveDatabase;
use crate::{Action, ComponentPlan, FieldChange, Key, PlanError, ResourceChange, ResourceKind};

/// `down`: the instance (with a final snapshot) only with `delete_data`,
/// then its subnet group.
pub(crate) fn teardown(live: &LiveDatabase, delete_data: bool) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let mut after = Vec::new();
    if let Some(instance) = live.instance.as_ref().filter(|i| i.owned) {
        if !delete_data {
            return Err(PlanError::Conflict {
                kind: ResourceKind::DbInstance,
                name: instance.identifier.clone(),
                problem: format!(
                    "holds data{}; nothing was changed",
                    if instance.deletion_protection {
                        " and has deletion protection on"
                    } else {
                        ""
                    }
                ),
                hint: "`awsdeploy down --delete-data` turns deletion protection off, takes a final snapshot (kept, and printed) and deletes it with everything else; take your own snapshot first if you want one more".to_owned(),
            });
        }
        let key = Key::DbInstance(instance.identifier.clone());
        after.push(key.clone());
        out.push(
            ResourceChange::new(
                key,
                ResourceKind::DbInstance,
                &instance.identifier,
                Action::Delete,
                vec![DatabaseStep::DeleteDbInstance {
                    identifier: instance.identifier.clone(),
                    final_snapshot_prefix: format!("{}-final", instance.identifier),
                }],
            )
            .on(Some(&instance.identifier))
            .with_fields(vec![FieldChange::new(
                "final_snapshot",
                None::<String>,
                Some(format!("{}-final-<unix time>", instance.identifier)),
            )]),
        );
    }
    if let Some(group) = live.subnet_group.as_ref().filter(|g| g.owned) {
        out.push(
            ResourceChange::new(
                Key::DbSubnetGroup(group.name.clone()),
                ResourceKind::DbSubnetGroup,
                &group.name,
                Action::Delete,
                vec![DatabaseStep::DeleteDbSubnetGroup {
                    name: group.name.clone(),
                }],
            )
            .on(Some(&group.name))
            .after(after),
        );
    }
    Ok(out)
}
