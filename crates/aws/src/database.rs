//! The database component's RDS calls: observe the subnet group and the
//! instance, and run database steps.
//!
//! RDS lists neither by tag, so both are read by the name awsdeploy gives
//! them (`{app}-{env}-db`), and ownership comes from their tags: something
//! of that name without this app's and env's tags is reported, never
//! adopted. Observation is three calls, run concurrently with the network's.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_rds::Client;
use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, Tag};
use awsdeploy_plan::Ref;
use awsdeploy_plan::execute::ResolvedIds;
use awsdeploy_plan::live::{LiveDatabase, LiveDbInstance, LiveDbSubnetGroup, PendingDbChanges};
use awsdeploy_plan::migration::{MIGRATED_VERSION_TAG, MigrationRecord};
use awsdeploy_plan::{ComponentId, DatabaseConnection, DatabaseStep, DbChanges, DbSettings};

use crate::error::{already_done, sdk};
use crate::tags::Owner;
use crate::wait::{self, Check};
use crate::{AwsError, StepContext};

/// Creating or modifying an instance takes minutes; a Multi-AZ change or a
/// large storage change can take much longer.
const INSTANCE_DEADLINE: Duration = Duration::from_secs(90 * 60);
const POLL_INTERVAL: Duration = Duration::from_secs(10);

fn owns(owner: &Owner, tags: &[Tag]) -> bool {
    owner.owns(tags.iter().map(|t| (t.key(), t.value())))
}

fn rds_tags(owner: &Owner, name: &str) -> Vec<Tag> {
    owner
        .tags(ComponentId::Database, name)
        .into_iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect()
}

/// A new instance's tags: ours, and the migration version 0 (no migration
/// has run on it), so that the first release's lint knows every file is
/// new, where a database made before awsdeploy recorded versions records
/// none.
fn new_instance_tags(owner: &Owner, name: &str) -> Vec<Tag> {
    let mut tags = rds_tags(owner, name);
    tags.push(Tag::builder().key(MIGRATED_VERSION_TAG).value("0").build());
    tags
}

/// The subnet group and instance named `name`, if they exist.
pub async fn observe(rds: &Client, owner: &Owner, name: &str) -> Result<LiveDatabase, AwsError> {
    let (subnet_group, instance) = tokio::try_join!(
        observe_subnet_group(rds, name),
        observe_instance(rds, owner, name)
    )?;
    // DescribeDBSubnetGroups carries no tags. A group our own instance
    // runs in is ours (awsdeploy creates an instance only in a group it
    // owns); any other is asked about.
    let subnet_group = match subnet_group {
        Some((mut group, arn)) => {
            let in_use = instance.as_ref().is_some_and(|db| {
                db.owned && db.subnet_group.as_deref() == Some(group.name.as_str())
            });
            group.owned = in_use
                || match arn {
                    Some(arn) => {
                        let tags = rds
                            .list_tags_for_resource()
                            .resource_name(arn)
                            .send()
                            .await
                            .map_err(sdk("ListTagsForResource", name))?;
                        owns(owner, tags.tag_list())
                    }
                    None => false,
                };
            Some(group)
        }
        None => None,
    };
    Ok(LiveDatabase {
        subnet_group,
        instance,
    })
}

/// The subnet group `name` (its `owned` still to be decided) and its ARN.
async fn observe_subnet_group(
    rds: &Client,
    name: &str,
) -> Result<Option<(LiveDbSubnetGroup, Option<String>)>, AwsError> {
    let out = match rds
        .describe_db_subnet_groups()
        .db_subnet_group_name(name)
        .send()
        .await
        .map_err(sdk("DescribeDBSubnetGroups", name))
    {
        Ok(out) => out,
        Err(e) if already_done(&e, &["DBSubnetGroupNotFoundFault"]) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(group) = out.db_subnet_groups().first() else {
        return Ok(None);
    };
    let live = LiveDbSubnetGroup {
        name: name.to_owned(),
        owned: false,
        subnet_ids: group
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_identifier().map(str::to_owned))
            .collect(),
    };
    Ok(Some((live, group.db_subnet_group_arn().map(str::to_owned))))
}

async fn observe_instance(
    rds: &Client,
    owner: &Owner,
    name: &str,
) -> Result<Option<LiveDbInstance>, AwsError> {
    let out = match rds
        .describe_db_instances()
        .db_instance_identifier(name)
        .send()
        .await
        .map_err(sdk("DescribeDBInstances", name))
    {
        Ok(out) => out,
        Err(e) if already_done(&e, &["DBInstanceNotFound", "DBInstanceNotFoundFault"]) => {
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let Some(db) = out.db_instances().first() else {
        return Ok(None);
    };
    Ok(Some(LiveDbInstance {
        identifier: name.to_owned(),
        owned: owns(owner, db.tag_list()),
        status: db.db_instance_status().unwrap_or_default().to_owned(),
        engine: db.engine().unwrap_or_default().to_owned(),
        engine_version: db.engine_version().unwrap_or_default().to_owned(),
        instance_class: db.db_instance_class().unwrap_or_default().to_owned(),
        allocated_storage_gb: db.allocated_storage().unwrap_or_default(),
        storage_encrypted: db.storage_encrypted().unwrap_or(false),
        publicly_accessible: db.publicly_accessible().unwrap_or(false),
        multi_az: db.multi_az().unwrap_or(false),
        deletion_protection: db.deletion_protection().unwrap_or(false),
        backup_retention_days: db.backup_retention_period().unwrap_or_default(),
        log_exports: db.enabled_cloudwatch_logs_exports().to_vec(),
        subnet_group: db
            .db_subnet_group()
            .and_then(|g| g.db_subnet_group_name())
            .map(str::to_owned),
        security_group_ids: db
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_owned))
            .collect(),
        master_username: db.master_username().unwrap_or_default().to_owned(),
        master_secret_arn: db
            .master_user_secret()
            .and_then(|s| s.secret_arn())
            .map(str::to_owned),
        endpoint: db
            .endpoint()
            .and_then(|e| Some((e.address()?.to_owned(), e.port()?))),
        database_name: db.db_name().map(str::to_owned),
        pending: db
            .pending_modified_values()
            .map(|p| PendingDbChanges {
                instance_class: p.db_instance_class().map(str::to_owned),
                engine_version: p.engine_version().map(str::to_owned),
                allocated_storage_gb: p.allocated_storage(),
                multi_az: p.multi_az(),
                backup_retention_days: p.backup_retention_period(),
            })
            .unwrap_or_default(),
        migrated_version: db
            .tag_list()
            .iter()
            .find(|t| t.key() == Some(MIGRATED_VERSION_TAG))
            .and_then(|t| t.value()?.parse().ok()),
    }))
}

/// What a task needs to reach `instance`, read now: a database made
/// earlier in the same run is found, and a replaced one's new secret.
pub(crate) async fn connection(
    rds: &Client,
    instance: &str,
) -> Result<DatabaseConnection, AwsError> {
    let out = rds
        .describe_db_instances()
        .db_instance_identifier(instance)
        .send()
        .await
        .map_err(sdk("DescribeDBInstances", instance))?;
    let found = out.db_instances().first();
    let missing = |field| AwsError::MissingField {
        operation: "DescribeDBInstances",
        resource: instance.to_owned(),
        field,
    };
    let endpoint = found
        .and_then(|i| i.endpoint())
        .ok_or_else(|| missing("Endpoint (the database is not available yet)"))?;
    Ok(DatabaseConnection {
        host: endpoint
            .address()
            .ok_or_else(|| missing("Endpoint.Address"))?
            .to_owned(),
        port: endpoint.port().unwrap_or(3306),
        name: found
            .and_then(|i| i.db_name())
            .ok_or_else(|| missing("DBName"))?
            .to_owned(),
        user: found
            .and_then(|i| i.master_username())
            .ok_or_else(|| missing("MasterUsername"))?
            .to_owned(),
        secret_arn: found
            .and_then(|i| i.master_user_secret())
            .and_then(|s| s.secret_arn())
            .ok_or_else(|| missing("MasterUserSecret"))?
            .to_owned(),
    })
}

/// Waits until the instance is `available` (or, with `gone`, until it no
/// longer exists).
async fn wait_for(rds: &Client, identifier: &str, gone: bool) -> Result<(), AwsError> {
    let what = if gone {
        format!("database {identifier} to be deleted")
    } else {
        format!("database {identifier} to be available")
    };
    wait::until(&what, INSTANCE_DEADLINE, POLL_INTERVAL, || async {
        let out = rds
            .describe_db_instances()
            .db_instance_identifier(identifier)
            .send()
            .await
            .map_err(sdk("DescribeDBInstances", identifier));
        let status = match out {
            Err(e)
                if gone && already_done(&e, &["DBInstanceNotFound", "DBInstanceNotFoundFault"]) =>
            {
                return Ok(Check::Ready(()));
            }
            Err(e) => return Err(e),
            Ok(out) => out
                .db_instances()
                .first()
                .and_then(|db| db.db_instance_status())
                .unwrap_or("unknown")
                .to_owned(),
        };
        Ok(match status.as_str() {
            "available" if !gone => Check::Ready(()),
            "failed" | "incompatible-parameters" | "incompatible-restore" | "storage-full" => {
                Check::Failed(status)
            }
            _ => Check::Pending(status),
        })
    })
    .await
}

/// Runs one database step. Idempotent: an existing subnet group or
/// instance of the same name is success (the next plan compares it).
pub(crate) async fn run(
    step: &DatabaseStep,
    cx: &StepContext<'_>,
) -> Result<Option<String>, AwsError> {
    let StepContext { clients, ids, .. } = *cx;
    let rds = &clients.rds;
    let name = cx.name();
    match step {
        DatabaseStep::DeleteDbSubnetGroup { name } => {
            delete_subnet_group(&cx.clients.rds, name).await
        }
        DatabaseStep::CreateDbSubnetGroup {
            name: group,
            description,
            subnets,
        } => create_db_subnet_group(cx, group, description, subnets).await,
        DatabaseStep::ModifyDbSubnetGroup {
            name: group,
            subnets,
        } => {
            let subnet_ids = subnets
                .iter()
                .map(|s| ids.resolve(s))
                .collect::<Result<Vec<_>, _>>()?;
            rds.modify_db_subnet_group()
                .db_subnet_group_name(group)
                .set_subnet_ids(Some(subnet_ids))
                .send()
                .await
                .map_err(sdk("ModifyDBSubnetGroup", name))?;
            Ok(None)
        }
        DatabaseStep::CreateDbInstance {
            identifier,
            subnet_group,
            security_group,
            settings,
        } => create_db_instance(cx, identifier, subnet_group, security_group, settings).await,
        DatabaseStep::ModifyDbInstance {
            identifier,
            changes,
            apply_immediately,
        } => {
            modify_instance(rds, identifier, changes, *apply_immediately, ids).await?;
            wait_for(rds, identifier, false).await?;
            Ok(None)
        }
        DatabaseStep::DeleteDbInstance {
            identifier,
            final_snapshot_prefix,
        } => delete_db_instance(cx, identifier, final_snapshot_prefix).await,
    }
}

async fn create_db_subnet_group(
    cx: &StepContext<'_>,
    group: &str,
    description: &str,
    subnets: &[Ref],
) -> Result<Option<String>, AwsError> {
    let rds = &cx.clients.rds;
    let name = cx.name();
    let owner = cx.owner;
    let ids = cx.ids;

    let subnet_ids = subnets
        .iter()
        .map(|s| ids.resolve(s))
        .collect::<Result<Vec<_>, _>>()?;
    let created = rds
        .create_db_subnet_group()
        .db_subnet_group_name(group)
        .db_subnet_group_description(description)
        .set_subnet_ids(Some(subnet_ids))
        .set_tags(Some(rds_tags(owner, group)))
        .send()
        .await
        .map_err(sdk("CreateDBSubnetGroup", name));
    match created {
        Err(e) if !already_done(&e, &["DBSubnetGroupAlreadyExists"]) => Err(e),
        _ => Ok(Some(group.to_owned())),
    }
}

async fn create_db_instance(
    cx: &StepContext<'_>,
    identifier: &str,
    subnet_group: &Ref,
    security_group: &Ref,
    settings: &DbSettings,
) -> Result<Option<String>, AwsError> {
    let rds = &cx.clients.rds;
    let name = cx.name();
    let owner = cx.owner;
    let ids = cx.ids;

    let subnet_group = ids.resolve(subnet_group)?;
    let security_group = ids.resolve(security_group)?;
    let created = create_instance(
        rds,
        owner,
        identifier,
        &subnet_group,
        &security_group,
        settings,
    )
    .await
    .map_err(sdk("CreateDBInstance", name));
    if let Err(e) = created {
        if !already_done(
            &e,
            &["DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault"],
        ) {
            return Err(e);
        }
    }
    wait_for(rds, identifier, false).await?;
    Ok(Some(identifier.to_owned()))
}

/// A stopped instance cannot be modified, so its deletion protection
/// cannot be turned off: it is started first, and waited for (RDS user
/// guide, "Stopping an Amazon RDS DB instance temporarily").
async fn started_if_stopped(cx: &StepContext<'_>, identifier: &str) -> Result<(), AwsError> {
    let rds = &cx.clients.rds;
    let status = match rds
        .describe_db_instances()
        .db_instance_identifier(identifier)
        .send()
        .await
        .map_err(sdk("DescribeDBInstances", identifier))
    {
        Ok(out) => out
            .db_instances()
            .first()
            .and_then(|db| db.db_instance_status())
            .map(str::to_owned),
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    if status.as_deref() != Some("stopped") {
        return Ok(());
    }
    (cx.output.line)(&format!(
        "database: {identifier} is stopped; starting it so that its deletion protection can be turned off (it takes minutes)"
    ));
    let started = rds
        .start_db_instance()
        .db_instance_identifier(identifier)
        .send()
        .await
        .map(drop)
        .map_err(sdk("StartDBInstance", identifier));
    match started {
        // Started meanwhile (an earlier, interrupted run).
        Err(e) if e.code() == Some("InvalidDBInstanceState") => {}
        other => other?,
    }
    wait_for(rds, identifier, false).await
}

async fn delete_db_instance(
    cx: &StepContext<'_>,
    identifier: &str,
    final_snapshot_prefix: &str,
) -> Result<Option<String>, AwsError> {
    let rds = &cx.clients.rds;
    let name = cx.name();
    // An instance already being deleted (an interrupted run) is waited for;
    // one already gone is done.
    let deleting = |e: &AwsError| e.code() == Some("InvalidDBInstanceState");
    started_if_stopped(cx, identifier).await?;
    let unprotected = rds
        .modify_db_instance()
        .db_instance_identifier(identifier)
        .deletion_protection(false)
        .apply_immediately(true)
        .send()
        .await
        .map(drop)
        .map_err(sdk("ModifyDBInstance", name));
    match unprotected {
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) if deleting(&e) => {}
        other => other?,
    }
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let snapshot = format!("{final_snapshot_prefix}-{stamp}");
    let deleted = rds
        .delete_db_instance()
        .db_instance_identifier(identifier)
        .skip_final_snapshot(false)
        .final_db_snapshot_identifier(&snapshot)
        .delete_automated_backups(false)
        .send()
        .await
        .map(drop)
        .map_err(sdk("DeleteDBInstance", name));
    match deleted {
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) if deleting(&e) => {}
        Err(e) => return Err(e),
        Ok(()) => (cx.output.line)(&format!(
            "database: final snapshot {snapshot} (kept until you delete it: `aws rds delete-db-snapshot --db-snapshot-identifier {snapshot}`)"
        )),
    }
    wait_for(rds, identifier, true).await?;
    Ok(None)
}

async fn create_instance(
    rds: &Client,
    owner: &Owner,
    identifier: &str,
    subnet_group: &str,
    security_group: &str,
    s: &DbSettings,
) -> Result<
    aws_sdk_rds::operation::create_db_instance::CreateDbInstanceOutput,
    aws_sdk_rds::error::SdkError<aws_sdk_rds::operation::create_db_instance::CreateDBInstanceError>,
> {
    rds.create_db_instance()
        .db_instance_identifier(identifier)
        .engine(&s.engine)
        .engine_version(&s.engine_version)
        .db_instance_class(&s.instance_class)
        .allocated_storage(s.allocated_storage_gb)
        .storage_encrypted(true)
        .publicly_accessible(false)
        .multi_az(s.multi_az)
        .deletion_protection(s.deletion_protection)
        .backup_retention_period(s.backup_retention_days)
        .set_enable_cloudwatch_logs_exports(Some(s.log_exports.clone()))
        .master_username(&s.master_username)
        .manage_master_user_password(true)
        .db_name(&s.database_name)
        .db_subnet_group_name(subnet_group)
        .vpc_security_group_ids(security_group)
        .copy_tags_to_snapshot(true)
        .set_tags(Some(new_instance_tags(owner, identifier)))
        .send()
        .await
}

async fn modify_instance(
    rds: &Client,
    identifier: &str,
    changes: &DbChanges,
    apply_immediately: bool,
    ids: &ResolvedIds,
) -> Result<(), AwsError> {
    let security_groups = changes
        .security_groups
        .as_ref()
        .map(|groups| {
            groups
                .iter()
                .map(|g| ids.resolve(g))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let logs = (!changes.enable_log_types.is_empty() || !changes.disable_log_types.is_empty())
        .then(|| {
            CloudwatchLogsExportConfiguration::builder()
                .set_enable_log_types(Some(changes.enable_log_types.clone()))
                .set_disable_log_types(Some(changes.disable_log_types.clone()))
                .build()
        });
    rds.modify_db_instance()
        .db_instance_identifier(identifier)
        .apply_immediately(apply_immediately)
        .set_db_instance_class(changes.instance_class.clone())
        .set_engine_version(changes.engine_version.clone())
        .set_allow_major_version_upgrade(changes.engine_version.as_ref().map(|_| true))
        .set_allocated_storage(changes.allocated_storage_gb)
        .set_multi_az(changes.multi_az)
        .set_deletion_protection(changes.deletion_protection)
        .set_backup_retention_period(changes.backup_retention_days)
        .set_publicly_accessible(changes.publicly_accessible)
        .set_vpc_security_group_ids(security_groups)
        .set_cloudwatch_logs_export_configuration(logs)
        .send()
        .await
        .map_err(sdk("ModifyDBInstance", identifier))?;
    Ok(())
}

/// `down`: the subnet group, again while its instance is still going.
async fn delete_subnet_group(rds: &Client, name: &str) -> Result<Option<String>, AwsError> {
    let deleted = wait::retrying(
        |e| e.code() == Some("InvalidDBSubnetGroupStateFault"),
        std::time::Duration::from_secs(600),
        || async {
            rds.delete_db_subnet_group()
                .db_subnet_group_name(name)
                .send()
                .await
                .map(drop)
                .map_err(sdk("DeleteDBSubnetGroup", name))
        },
    )
    .await;
    match deleted {
        Err(e) if e.is_not_found() => Ok(None),
        other => other.map(|()| None),
    }
}

/// Records on the database the migration version a successful migration
/// task reached (`DescribeDBInstances` for its ARN, then
/// `AddTagsToResource`, which replaces the tag's value: running it again
/// is the same). The next plan's migration lint starts after it.
pub async fn record_migration(
    client: &Client,
    record: &MigrationRecord,
    version: u64,
) -> Result<(), AwsError> {
    let name = record.database.as_str();
    let out = client
        .describe_db_instances()
        .db_instance_identifier(name)
        .send()
        .await
        .map_err(sdk("DescribeDBInstances", name))?;
    let arn = out
        .db_instances()
        .first()
        .and_then(|db| db.db_instance_arn())
        .ok_or_else(|| AwsError::MissingField {
            operation: "DescribeDBInstances",
            resource: name.to_owned(),
            field: "DBInstanceArn",
        })?
        .to_owned();
    client
        .add_tags_to_resource()
        .resource_name(&arn)
        .tags(
            Tag::builder()
                .key(MIGRATED_VERSION_TAG)
                .value(version.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(sdk("AddTagsToResource", name))?;
    Ok(())
}
