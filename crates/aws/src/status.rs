//! What `awsdeploy status` reads beyond observation, all at once: the
//! service's deployments, events and targets, the database's pending
//! modifications, the last migration task, the web branch's last job.
//! Reads only.

use awsdeploy_plan::Live;
use awsdeploy_plan::status::{
    AlarmState, DatabaseExtras, DeploymentStatus, Extras, ServiceEvent, ServiceStatus,
    TargetStatus, TaskRun, WebJob,
};
use awsdeploy_plan::{names, service};

use aws_sdk_ecs::primitives::{DateTime, DateTimeFormat};

use crate::error::{already_done, sdk};
use crate::{AwsError, Clients, tags::Owner};

fn rfc3339(t: &DateTime) -> String {
    t.fmt(DateTimeFormat::DateTime).unwrap_or_default()
}

/// The status reads for what `live` holds.
pub(crate) async fn extras(
    clients: &Clients,
    owner: &Owner,
    live: &Live,
) -> Result<Extras, AwsError> {
    let cluster = names::cluster_name(&owner.app, &owner.env);
    let database = async {
        match &live.database.instance {
            Some(db) => database(clients, &db.identifier).await.map(Some),
            None => Ok(None),
        }
    };
    let ecs = async {
        match &live.service.service {
            Some(service) => {
                let shift = async {
                    if service.traffic_shift.is_some() {
                        crate::service::deployments::going(clients, owner).await
                    } else {
                        Ok(None)
                    }
                };
                let (mut status, shift) =
                    tokio::try_join!(service_status(clients, &cluster, live), shift)?;
                status.shift = shift;
                Ok(Some(status))
            }
            None => Ok(None),
        }
    };
    let migration = async {
        match &live.service.cluster {
            Some(_) => {
                last_task(
                    clients,
                    &cluster,
                    &names::migration_family(&owner.app, &owner.env),
                )
                .await
            }
            None => Ok(None),
        }
    };
    let job = async {
        match (&live.web.app, &live.web.branch) {
            (Some(app), Some(branch)) => last_job(clients, &app.id, &branch.name).await,
            _ => Ok(None),
        }
    };
    let alarm_states = async {
        if live.alarms.alarms.is_empty() {
            return Ok(Vec::new());
        }
        alarm_states(
            clients,
            &live
                .alarms
                .alarms
                .iter()
                .map(|a| a.name.clone())
                .collect::<Vec<_>>(),
        )
        .await
    };
    let (database, service, migration, last_job, alarm_states) =
        tokio::try_join!(database, ecs, migration, job, alarm_states)?;
    Ok(Extras {
        database,
        service,
        migration,
        last_job,
        alarm_states,
    })
}

/// Each of the stack's alarms' state (at most 100 names per call).
async fn alarm_states(clients: &Clients, names: &[String]) -> Result<Vec<AlarmState>, AwsError> {
    let mut states = Vec::new();
    for chunk in names.chunks(100) {
        let out = clients
            .cloudwatch
            .describe_alarms()
            .set_alarm_names(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(sdk("DescribeAlarms", "the stack's alarms"))?;
        states.extend(out.metric_alarms().iter().map(|a| {
            AlarmState {
                name: a.alarm_name().unwrap_or_default().to_owned(),
                state: a
                    .state_value()
                    .map_or("INSUFFICIENT_DATA", |s| s.as_str())
                    .to_owned(),
            }
        }));
    }
    states.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(states)
}

/// The instance's pending modifications, maintenance window, latest
/// restorable time and free storage, read together.
async fn database(clients: &Clients, identifier: &str) -> Result<DatabaseExtras, AwsError> {
    let (mut extras, free_storage_bytes) = tokio::try_join!(
        instance(clients, identifier),
        free_storage(clients, identifier)
    )?;
    extras.free_storage_bytes = free_storage_bytes;
    Ok(extras)
}

/// RDS's newest `FreeStorageSpace` datapoint for the instance (bytes; RDS
/// publishes it every minute), from the last hour.
async fn free_storage(clients: &Clients, identifier: &str) -> Result<Option<i64>, AwsError> {
    use aws_sdk_cloudwatch::types::{
        Dimension, Metric, MetricDataQuery, MetricStat, ScanBy, StandardUnit,
    };
    let now = std::time::SystemTime::now();
    let metric = Metric::builder()
        .namespace("AWS/RDS")
        .metric_name("FreeStorageSpace")
        .dimensions(
            Dimension::builder()
                .name("DBInstanceIdentifier")
                .value(identifier)
                .build(),
        )
        .build();
    let query = MetricDataQuery::builder()
        .id("free")
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(60)
                .stat("Minimum")
                .unit(StandardUnit::Bytes)
                .build(),
        )
        .build();
    let out = clients
        .cloudwatch
        .get_metric_data()
        .metric_data_queries(query)
        .start_time((now - std::time::Duration::from_secs(3600)).into())
        // A minute ahead: a datapoint of this very second (or of this
        // period) is not cut off by rounding of the end time.
        .end_time((now + std::time::Duration::from_secs(60)).into())
        .scan_by(ScanBy::TimestampDescending)
        .send()
        .await
        .map_err(sdk("GetMetricData", identifier))?;
    #[allow(clippy::cast_possible_truncation)]
    Ok(out
        .metric_data_results()
        .first()
        .and_then(|r| r.values().first())
        .map(|bytes| *bytes as i64))
}

async fn instance(clients: &Clients, identifier: &str) -> Result<DatabaseExtras, AwsError> {
    let out = clients
        .rds
        .describe_db_instances()
        .db_instance_identifier(identifier)
        .send()
        .await
        .map_err(sdk("DescribeDBInstances", identifier))?;
    let Some(db) = out.db_instances().first() else {
        return Ok(DatabaseExtras::default());
    };
    let mut pending = Vec::new();
    if let Some(p) = db.pending_modified_values() {
        if let Some(class) = p.db_instance_class() {
            pending.push(format!("instance class {class}"));
        }
        if let Some(gb) = p.allocated_storage() {
            pending.push(format!("storage {gb} GB"));
        }
        if let Some(multi_az) = p.multi_az() {
            pending.push(format!("multi-AZ {multi_az}"));
        }
        if let Some(version) = p.engine_version() {
            pending.push(format!("engine version {version}"));
        }
        if let Some(days) = p.backup_retention_period() {
            pending.push(format!("backup retention {days} days"));
        }
    }
    Ok(DatabaseExtras {
        pending,
        maintenance_window: db.preferred_maintenance_window().map(str::to_owned),
        latest_restorable_time: db.latest_restorable_time().map(rfc3339),
        free_storage_bytes: None,
    })
}

/// The service's deployments (their images from their task definitions),
/// its newest five events and its targets' health.
async fn service_status(
    clients: &Clients,
    cluster: &str,
    live: &Live,
) -> Result<ServiceStatus, AwsError> {
    let out = clients
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(service::SERVICE_NAME)
        .send()
        .await
        .map_err(sdk("DescribeServices", cluster))?;
    let Some(found) = out.services().first() else {
        return Ok(ServiceStatus {
            deployments: Vec::new(),
            events: Vec::new(),
            targets: Vec::new(),
            shift: None,
        });
    };
    let deployments =
        futures_util::future::try_join_all(found.deployments().iter().map(|d| async move {
            let arn = d.task_definition().unwrap_or_default();
            Ok::<_, AwsError>(DeploymentStatus {
                revision: service::revision_label(arn),
                image_tag: image_tag(clients, arn).await?,
                status: d.status().unwrap_or_default().to_owned(),
                rollout_state: d
                    .rollout_state()
                    .map_or("IN_PROGRESS", |s| s.as_str())
                    .to_owned(),
                running: d.running_count(),
                pending: d.pending_count(),
                desired: d.desired_count(),
            })
        }));
    let targets = async {
        match &live.service.target_group {
            Some(group) => targets(clients, &group.arn).await,
            None => Ok(Vec::new()),
        }
    };
    let (deployments, targets) = tokio::try_join!(deployments, targets)?;
    Ok(ServiceStatus {
        deployments,
        events: found
            .events()
            .iter()
            .take(5)
            .map(|e| ServiceEvent {
                at: e.created_at().map(rfc3339).unwrap_or_default(),
                message: e.message().unwrap_or_default().to_owned(),
            })
            .collect(),
        targets,
        shift: None,
    })
}

/// The tag of the image a task definition runs, if it names one.
async fn image_tag(clients: &Clients, arn: &str) -> Result<Option<String>, AwsError> {
    Ok(crate::service::rollback::image_of(clients, arn)
        .await?
        .as_deref()
        .and_then(|image| image.rsplit_once(':'))
        .map(|(_, tag)| tag.to_owned())
        .filter(|tag| !tag.contains('/')))
}

async fn targets(clients: &Clients, group: &str) -> Result<Vec<TargetStatus>, AwsError> {
    let out = clients
        .elb
        .describe_target_health()
        .target_group_arn(group)
        .send()
        .await
        .map_err(sdk("DescribeTargetHealth", group))?;
    Ok(out
        .target_health_descriptions()
        .iter()
        .map(|t| {
            let health = t.target_health();
            TargetStatus {
                id: t
                    .target()
                    .and_then(|t| t.id())
                    .unwrap_or_default()
                    .to_owned(),
                port: t
                    .target()
                    .and_then(aws_sdk_elasticloadbalancingv2::types::TargetDescription::port),
                state: health
                    .and_then(|h| h.state())
                    .map_or("unknown", |s| s.as_str())
                    .to_owned(),
                reason: health
                    .and_then(|h| h.reason())
                    .map(|r| r.as_str().to_owned()),
            }
        })
        .collect())
}

/// The newest task of `family` in `cluster`, running or stopped (ECS
/// keeps stopped tasks visible for about an hour).
async fn last_task(
    clients: &Clients,
    cluster: &str,
    family: &str,
) -> Result<Option<TaskRun>, AwsError> {
    let list = |status: aws_sdk_ecs::types::DesiredStatus| async move {
        match clients
            .ecs
            .list_tasks()
            .cluster(cluster)
            .family(family)
            .desired_status(status)
            .send()
            .await
            .map_err(sdk("ListTasks", family))
        {
            Ok(out) => Ok(out.task_arns().to_vec()),
            Err(e) if already_done(&e, &["ClusterNotFoundException"]) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    };
    let (running, stopped) = tokio::try_join!(
        list(aws_sdk_ecs::types::DesiredStatus::Running),
        list(aws_sdk_ecs::types::DesiredStatus::Stopped)
    )?;
    // DescribeTasks takes at most 100; stopped tasks leave after an hour,
    // so more is rare.
    let arns: Vec<String> = running.into_iter().chain(stopped).take(100).collect();
    if arns.is_empty() {
        return Ok(None);
    }
    let out = clients
        .ecs
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(arns))
        .send()
        .await
        .map_err(sdk("DescribeTasks", family))?;
    let newest = out
        .tasks()
        .iter()
        .max_by_key(|t| t.created_at().or(t.started_at()).map_or(0, DateTime::secs));
    Ok(newest.map(|task| {
        let container = task.containers().first();
        TaskRun {
            task_id: task
                .task_arn()
                .and_then(|a| a.rsplit('/').next())
                .unwrap_or_default()
                .to_owned(),
            started_at: task.started_at().or(task.created_at()).map(rfc3339),
            image: container.and_then(|c| c.image()).map(str::to_owned),
            last_status: task.last_status().unwrap_or_default().to_owned(),
            exit_code: container.and_then(aws_sdk_ecs::types::Container::exit_code),
            stop_reason: task.stopped_reason().map(str::to_owned),
        }
    }))
}

async fn last_job(
    clients: &Clients,
    app_id: &str,
    branch: &str,
) -> Result<Option<WebJob>, AwsError> {
    let out = clients
        .amplify
        .list_jobs()
        .app_id(app_id)
        .branch_name(branch)
        .max_results(1)
        .send()
        .await
        .map_err(sdk("ListJobs", branch))?;
    Ok(out.job_summaries().first().map(|job| WebJob {
        id: job.job_id().to_owned(),
        status: job.status().as_str().to_owned(),
        at: Some(rfc3339(job.start_time())),
    }))
}
