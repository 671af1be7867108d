//! The database component: a DB subnet group over the private subnets and
//! one RDS for `MySQL` instance.
//!
//! The instance holds the product's data, so its plan is the strictest:
//! - fields RDS changes in place are updates, each saying when it applies:
//!   changes that reboot the instance (class, engine version) wait for the
//!   next maintenance window, the others apply now;
//! - storage only grows, and by at least 10% (RDS's own rule), else the plan
//!   stops with a conflict;
//! - what RDS cannot change (engine, storage encryption, master user) is a
//!   replace, which `up` refuses without `--allow-replace`, and which then
//!   takes a final snapshot before deleting;
//! - a spec without `[database]` leaves a live instance in place, listed as
//!   kept.

use std::collections::{BTreeMap, BTreeSet};

use awsdeploy_spec::Spec;

use crate::live::{LiveDatabase, LiveDbInstance};
use crate::network::resource_name;
use crate::{
    Action, ComponentId, ComponentPlan, FieldChange, Key, Orphan, PlanError, Ref, ResourceChange,
    ResourceKind,
};

mod component;
pub mod cost;
mod steps;
mod teardown;
pub(crate) use component::changes_instance;
pub use component::{Database, instance_key};
pub use steps::{DatabaseStep, DbChanges, DbSettings};
pub(crate) use teardown::teardown;

pub const ENGINE: &str = "mysql";
/// The master user's name; its password lives in the secret RDS manages.
pub const MASTER_USERNAME: &str = "awsdeploy";
/// RDS refuses a storage increase of less than this (percent).
pub const MIN_STORAGE_GROWTH_PERCENT: i32 = 10;

/// The database the spec asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredDatabase {
    /// The instance identifier, subnet group and security group all carry
    /// this name (`{app}-{env}-db`).
    pub name: String,
    /// Names of the private subnets.
    pub subnets: Vec<String>,
    pub settings: DbSettings,
}

/// The database `spec` asks for, if it has a `[database]` section.
pub fn desired(spec: &Spec) -> Option<DesiredDatabase> {
    let database = spec.database.as_ref()?;
    let azs = usize::from(spec.network.azs);
    Some(DesiredDatabase {
        name: crate::names::database_identifier(&spec.app.name, &spec.env),
        subnets: (1..=azs)
            .map(|i| resource_name(spec, &format!("private-{i}")))
            .collect(),
        settings: DbSettings {
            engine: ENGINE.to_owned(),
            engine_version: database.engine_version.clone(),
            instance_class: database.instance_class.clone(),
            allocated_storage_gb: i32::try_from(database.storage_gb).unwrap_or(i32::MAX),
            multi_az: database.multi_az,
            deletion_protection: database.deletion_protection,
            backup_retention_days: i32::from(database.backup_retention_days),
            log_exports: database.log_exports.clone(),
            master_username: MASTER_USERNAME.to_owned(),
            database_name: spec.app.name.replace('-', ""),
        },
    })
}

/// Compares the desired database with the live one. `refs` maps network
/// names (subnets, security groups) to what exists or the network plan
/// creates.
pub fn plan(
    desired: Option<&DesiredDatabase>,
    live: &LiveDatabase,
    refs: &BTreeMap<String, Ref>,
) -> Result<ComponentPlan, PlanError> {
    if let Some(group) = live.subnet_group.as_ref().filter(|g| !g.owned) {
        return Err(PlanError::not_ours(
            ResourceKind::DbSubnetGroup,
            &group.name,
        ));
    }
    if let Some(instance) = live.instance.as_ref().filter(|i| !i.owned) {
        return Err(PlanError::not_ours(
            ResourceKind::DbInstance,
            &instance.identifier,
        ));
    }
    let mut out = ComponentPlan::default();
    let Some(desired) = desired else {
        if let Some(instance) = &live.instance {
            out.orphans.push(Orphan::named(
                ComponentId::Database,
                ResourceKind::DbInstance,
                &instance.identifier,
            ));
        }
        if let Some(group) = &live.subnet_group {
            out.orphans.push(Orphan::named(
                ComponentId::Database,
                ResourceKind::DbSubnetGroup,
                &group.name,
            ));
        }
        return Ok(out);
    };
    let name = desired.name.as_str();
    let reference = |name: &str| {
        refs.get(name)
            .cloned()
            .unwrap_or_else(|| Ref::Planned(Key::Network(name.to_owned())))
    };
    let subnets: Vec<Ref> = desired.subnets.iter().map(|s| reference(s)).collect();

    let group_ref = subnet_group(desired, live, &subnets, &mut out);

    out.merge(plan_instance(
        desired,
        live.instance.as_ref(),
        group_ref,
        &reference(name),
    )?);
    Ok(out)
}

/// The subnet group: made, or its subnets set again; its ref.
fn subnet_group(
    desired: &DesiredDatabase,
    live: &LiveDatabase,
    subnets: &[Ref],
    out: &mut ComponentPlan,
) -> Ref {
    let name = desired.name.as_str();
    match &live.subnet_group {
        None => {
            out.changes.push(
                ResourceChange::new(
                    Key::DbSubnetGroup(name.to_owned()),
                    ResourceKind::DbSubnetGroup,
                    name,
                    Action::Create,
                    vec![DatabaseStep::CreateDbSubnetGroup {
                        name: name.to_owned(),
                        description: "awsdeploy: the database's private subnets".to_owned(),
                        subnets: subnets.to_vec(),
                    }],
                )
                .with_fields(vec![FieldChange::new(
                    "subnets",
                    None::<String>,
                    Some(desired.subnets.join(", ")),
                )]),
            );
            Ref::Planned(Key::DbSubnetGroup(name.to_owned()))
        }
        Some(live_group) => {
            let live_ids: BTreeSet<&str> =
                live_group.subnet_ids.iter().map(String::as_str).collect();
            let wanted: BTreeSet<Option<&str>> = subnets
                .iter()
                .map(|r| match r {
                    Ref::Existing(id) => Some(id.as_str()),
                    Ref::Planned(_) => None,
                })
                .collect();
            let same = wanted.iter().all(Option::is_some)
                && wanted.iter().flatten().copied().collect::<BTreeSet<_>>() == live_ids;
            if same {
                out.unchanged += 1;
            } else {
                out.changes.push(
                    ResourceChange::new(
                        Key::DbSubnetGroup(name.to_owned()),
                        ResourceKind::DbSubnetGroup,
                        name,
                        Action::Update,
                        vec![DatabaseStep::ModifyDbSubnetGroup {
                            name: name.to_owned(),
                            subnets: subnets.to_vec(),
                        }],
                    )
                    .on(Some(&live_group.name))
                    .with_fields(vec![FieldChange::new(
                        "subnets",
                        Some(live_group.subnet_ids.join(", ")),
                        Some(desired.subnets.join(", ")),
                    )]),
                );
            }
            Ref::Existing(live_group.name.clone())
        }
    }
}

/// A change to apply now while RDS holds others for the window: it would
/// apply those too, and reboot now.
fn pending_blocks_now(instance: &LiveDbInstance, fields: &[FieldChange]) -> PlanError {
    PlanError::Conflict {
        kind: ResourceKind::DbInstance,
        name: instance.identifier.clone(),
        problem: format!(
            "RDS holds changes for the maintenance window ({}); changing {} now would apply those too and reboot the instance now",
            instance.pending.describe().join(", "),
            fields
                .iter()
                .filter(|f| f
                    .note
                    .as_deref()
                    .is_some_and(|n| n.starts_with("applies now")))
                .map(|f| f.field.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        hint: format!(
            "run `awsdeploy up` after the maintenance window, or apply the pending changes now (a reboot): aws rds modify-db-instance --db-instance-identifier {} --apply-immediately",
            instance.identifier
        ),
    }
}

/// The instance's change, if any.
fn plan_instance(
    desired: &DesiredDatabase,
    live: Option<&LiveDbInstance>,
    group_ref: Ref,
    security_group: &Ref,
) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let name = desired.name.as_str();
    let create = DatabaseStep::CreateDbInstance {
        identifier: name.to_owned(),
        subnet_group: group_ref,
        security_group: security_group.clone(),
        settings: desired.settings.clone(),
    };
    match live {
        None => {
            let fields = creation_fields(&desired.settings);
            out.changes.push(
                ResourceChange::new(
                    Key::DbInstance(name.to_owned()),
                    ResourceKind::DbInstance,
                    name,
                    Action::Create,
                    vec![create],
                )
                .with_fields(fields),
            );
        }
        Some(instance) => {
            let replacing = replacement_fields(&desired.settings, instance);
            if !replacing.is_empty() {
                out.changes.push(
                    ResourceChange::new(
                        Key::DbInstance(name.to_owned()),
                        ResourceKind::DbInstance,
                        name,
                        Action::Replace,
                        vec![
                            DatabaseStep::DeleteDbInstance {
                                identifier: instance.identifier.clone(),
                                final_snapshot_prefix: format!("{name}-before-replace"),
                            },
                            create,
                        ],
                    )
                    .on(Some(&instance.identifier))
                    .with_fields(replacing),
                );
                return Ok(out);
            }
            let (mut fields, now, mut later) =
                updates(&desired.settings, instance, security_group)?;
            waiting_for_window(instance, &mut fields, &mut later, &mut out.warnings);
            if !now.is_empty() && !instance.pending.describe().is_empty() {
                return Err(pending_blocks_now(instance, &fields));
            }
            if fields.is_empty() {
                out.unchanged += 1;
            } else {
                let mut steps = Vec::new();
                for (changes, apply_immediately) in [(now, true), (later, false)] {
                    if !changes.is_empty() {
                        steps.push(DatabaseStep::ModifyDbInstance {
                            identifier: instance.identifier.clone(),
                            changes,
                            apply_immediately,
                        });
                    }
                }
                out.changes.push(
                    ResourceChange::new(
                        Key::DbInstance(name.to_owned()),
                        ResourceKind::DbInstance,
                        name,
                        Action::Update,
                        steps,
                    )
                    .on(Some(&instance.identifier))
                    .with_fields(fields),
                );
            }
        }
    }
    Ok(out)
}

/// Drops from `later` (and from what is shown) each change RDS already holds
/// for the maintenance window, saying so: planning it again would change
/// nothing.
fn waiting_for_window(
    live: &LiveDbInstance,
    fields: &mut Vec<FieldChange>,
    later: &mut DbChanges,
    warnings: &mut Vec<String>,
) {
    let mut waiting = Vec::new();
    if later.instance_class.is_some() && later.instance_class == live.pending.instance_class {
        later.instance_class = None;
        waiting.push("instance_class");
    }
    if later.engine_version.is_some()
        && live
            .pending
            .engine_version
            .as_deref()
            .zip(later.engine_version.as_deref())
            .is_some_and(|(pending, wanted)| version_matches(wanted, pending))
    {
        later.engine_version = None;
        waiting.push("engine_version");
    }
    if waiting.is_empty() {
        return;
    }
    fields.retain(|f| !waiting.contains(&f.field.as_str()));
    warnings.push(format!(
        "database {}: {} already waits for the maintenance window ({}); `aws rds modify-db-instance --db-instance-identifier {} --apply-immediately` applies it now, with a reboot",
        live.identifier,
        waiting.join(" and "),
        live.pending.describe().join(", "),
        live.identifier
    ));
}

/// What a created instance is shown with.
fn creation_fields(s: &DbSettings) -> Vec<FieldChange> {
    vec![
        FieldChange::new(
            "engine",
            None::<String>,
            Some(format!("{} {}", s.engine, s.engine_version)),
        ),
        FieldChange::new(
            "instance_class",
            None::<String>,
            Some(s.instance_class.clone()),
        ),
        FieldChange::new(
            "storage",
            None::<String>,
            Some(format!("{} GB, encrypted", s.allocated_storage_gb)),
        ),
        FieldChange::new("multi_az", None::<String>, Some(s.multi_az.to_string())),
        FieldChange::new(
            "deletion_protection",
            None::<String>,
            Some(s.deletion_protection.to_string()),
        ),
        FieldChange::new(
            "backup_retention_days",
            None::<String>,
            Some(s.backup_retention_days.to_string()),
        ),
        FieldChange::new(
            "master_password",
            None::<String>,
            Some("managed by RDS in Secrets Manager"),
        ),
    ]
}

/// Fields RDS cannot change in place.
fn replacement_fields(desired: &DbSettings, live: &LiveDbInstance) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    if live.engine != desired.engine {
        fields.push(
            FieldChange::new(
                "engine",
                Some(live.engine.clone()),
                Some(desired.engine.clone()),
            )
            .forcing_replacement(),
        );
    }
    if !live.storage_encrypted {
        fields.push(
            FieldChange::new("storage_encrypted", Some("false"), Some("true"))
                .forcing_replacement(),
        );
    }
    if live.master_username != desired.master_username {
        fields.push(
            FieldChange::new(
                "master_username",
                Some(live.master_username.clone()),
                Some(desired.master_username.clone()),
            )
            .forcing_replacement(),
        );
    }
    fields
}

/// Whether the live version satisfies the spec's: "8.0" matches "8.0.35".
pub fn version_matches(wanted: &str, live: &str) -> bool {
    if live == wanted || live.starts_with(&format!("{wanted}.")) {
        return true;
    }
    // RDS upgrades minor versions itself (8.0.39 → 8.0.40): within the
    // spec's major version, a later live version is what was asked for.
    let (wanted, live) = (version_parts(wanted), version_parts(live));
    wanted.len() > 2 && live.get(..2) == wanted.get(..2) && live >= wanted
}

fn version_parts(version: &str) -> Vec<u32> {
    version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

const NOW: &str = "applies now";
const WINDOW: &str = "at the next maintenance window; reboots the instance";

type Updates = (Vec<FieldChange>, DbChanges, DbChanges);

fn conflict(live: &LiveDbInstance, problem: String, hint: String) -> PlanError {
    PlanError::Conflict {
        kind: ResourceKind::DbInstance,
        name: live.identifier.clone(),
        problem,
        hint,
    }
}

/// The new storage size, when it grows; RDS never shrinks storage and
/// grows it by at least [`MIN_STORAGE_GROWTH_PERCENT`].
fn grown_storage(desired: &DbSettings, live: &LiveDbInstance) -> Result<Option<i32>, PlanError> {
    let (old, new) = (live.allocated_storage_gb, desired.allocated_storage_gb);
    if new < old {
        return Err(conflict(
            live,
            format!("storage cannot shrink from {old} GB to {new} GB"),
            format!("RDS storage only grows; set database.storage_gb to {old} or more"),
        ));
    }
    if new == old {
        return Ok(None);
    }
    let minimum = old + (old * MIN_STORAGE_GROWTH_PERCENT + 99) / 100;
    if new < minimum {
        return Err(conflict(
            live,
            format!(
                "storage can only grow by at least {MIN_STORAGE_GROWTH_PERCENT}% ({old} GB → {new} GB)"
            ),
            format!("set database.storage_gb to {minimum} or more, or leave it at {old}"),
        ));
    }
    Ok(Some(new))
}

/// Whether the engine is upgraded; it is never downgraded.
fn upgraded_engine(desired: &DbSettings, live: &LiveDbInstance) -> Result<bool, PlanError> {
    if version_matches(&desired.engine_version, &live.engine_version) {
        return Ok(false);
    }
    if version_parts(&desired.engine_version) < version_parts(&live.engine_version) {
        return Err(conflict(
            live,
            format!(
                "the engine cannot be downgraded from {} to {}",
                live.engine_version, desired.engine_version
            ),
            format!(
                "set database.engine_version to {} or later",
                live.engine_version
            ),
        ));
    }
    Ok(true)
}

/// The log types exported to `CloudWatch`: those to turn on and off.
fn log_exports(
    desired: &DbSettings,
    live: &LiveDbInstance,
    fields: &mut Vec<FieldChange>,
    now: &mut DbChanges,
) {
    let live_logs: BTreeSet<&String> = live.log_exports.iter().collect();
    let wanted_logs: BTreeSet<&String> = desired.log_exports.iter().collect();
    if live_logs != wanted_logs {
        fields.push(
            FieldChange::new(
                "log_exports",
                Some(join(&live_logs)),
                Some(join(&wanted_logs)),
            )
            .noting(NOW),
        );
        now.enable_log_types = wanted_logs
            .difference(&live_logs)
            .map(|s| (*s).clone())
            .collect();
        now.disable_log_types = live_logs
            .difference(&wanted_logs)
            .map(|s| (*s).clone())
            .collect();
    }
}

/// In-place changes: the fields to show, what to change now, and what to
/// change at the next maintenance window.
fn updates(
    desired: &DbSettings,
    live: &LiveDbInstance,
    security_group: &Ref,
) -> Result<Updates, PlanError> {
    let (mut fields, mut now, mut later) = (Vec::new(), DbChanges::default(), DbChanges::default());
    let field = |name: &str, old: String, new: String, note: &str| {
        FieldChange::new(name, Some(old), Some(new)).noting(note)
    };
    if let Some(new) = grown_storage(desired, live)? {
        let old = live.allocated_storage_gb;
        fields.push(field("storage_gb", old.to_string(), new.to_string(), NOW));
        now.allocated_storage_gb = Some(new);
    }
    if upgraded_engine(desired, live)? {
        fields.push(field(
            "engine_version",
            live.engine_version.clone(),
            desired.engine_version.clone(),
            WINDOW,
        ));
        later.engine_version = Some(desired.engine_version.clone());
    }
    if live.instance_class != desired.instance_class {
        fields.push(field(
            "instance_class",
            live.instance_class.clone(),
            desired.instance_class.clone(),
            WINDOW,
        ));
        later.instance_class = Some(desired.instance_class.clone());
    }
    if live.multi_az != desired.multi_az {
        fields.push(field(
            "multi_az",
            live.multi_az.to_string(),
            desired.multi_az.to_string(),
            "applies now; no downtime, slower I/O while the standby syncs",
        ));
        now.multi_az = Some(desired.multi_az);
    }
    if live.deletion_protection != desired.deletion_protection {
        fields.push(field(
            "deletion_protection",
            live.deletion_protection.to_string(),
            desired.deletion_protection.to_string(),
            NOW,
        ));
        now.deletion_protection = Some(desired.deletion_protection);
    }
    if live.backup_retention_days != desired.backup_retention_days {
        let note = if (live.backup_retention_days == 0) == (desired.backup_retention_days == 0) {
            NOW
        } else {
            "applies now; turning backups on or off causes a brief outage"
        };
        fields.push(field(
            "backup_retention_days",
            live.backup_retention_days.to_string(),
            desired.backup_retention_days.to_string(),
            note,
        ));
        now.backup_retention_days = Some(desired.backup_retention_days);
    }
    if live.publicly_accessible {
        fields.push(field(
            "publicly_accessible",
            "true".to_owned(),
            "false".to_owned(),
            NOW,
        ));
        now.publicly_accessible = Some(false);
    }
    log_exports(desired, live, &mut fields, &mut now);
    let groups_match = match security_group {
        Ref::Existing(id) => live.security_group_ids == [id.clone()],
        Ref::Planned(_) => false,
    };
    if !groups_match {
        fields.push(field(
            "security_groups",
            live.security_group_ids.join(", "),
            live.identifier.clone(),
            NOW,
        ));
        now.security_groups = Some(vec![security_group.clone()]);
    }
    Ok((fields, now, later))
}

fn join(set: &BTreeSet<&String>) -> String {
    if set.is_empty() {
        "none".to_owned()
    } else {
        set.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests;
