//! The migration task: ECS `RunTask` of the migration's task definition,
//! then a wait that streams the task's `CloudWatch` log lines.
//!
//! Starting: the database's endpoint, name, user and master secret come
//! from `DescribeDBInstances` at run time (so a database made earlier in the
//! same `up` is found); the task definition gets a new revision only when
//! the newest differs; `RunTask` carries a fresh idempotency token, so an
//! SDK retry of the same call never starts a second task.
//!
//! Waiting: `DescribeTasks` until STOPPED, and after each poll the new
//! lines of the task's stream (`GetLogEvents` from the last forward token).
//! The container's exit code decides; a task that stopped without one
//! (image pull failure, out of memory, …) fails with ECS's stopped reason.
//! At the deadline the task is stopped (`StopTask`) before failing. A
//! golang-migrate "Dirty database version N" in the output is reported with
//! the manual fix; awsdeploy never forces a version.

use std::fmt::Write as _;
use std::time::Duration;

use aws_sdk_ecs::types::{LaunchType, PropagateTags};
use awsdeploy_plan::execute::ResolvedIds;
use awsdeploy_plan::migration::CONTAINER_NAME;
use awsdeploy_plan::{
    ComponentId, DatabaseConnection, MigrationStep, MigrationTask, MigrationWait, SecretSource,
    TaskDefinition,
};

use crate::error::{already_done, sdk};
use crate::service::{self, component_tags};
use crate::tags::Owner;
use crate::wait::{self, Check};
use crate::{AwsError, Clients, Output, StepContext};

/// The task's definition with the database's variables in.
fn with_database(definition: &TaskDefinition, db: &DatabaseConnection) -> TaskDefinition {
    let mut definition = definition.clone();
    let container = &mut definition.container;
    db.add_to(container);
    container.secrets.insert(
        "DB_PASSWORD".to_owned(),
        SecretSource::Arn(format!("{}:password::", db.secret_arn)),
    );
    definition
}

/// The definition to run: the database's variables added, and whether the
/// newest revision already is it (`Some(arn)`) or one must be registered.
pub async fn resolve(
    clients: &Clients,
    task: &MigrationTask,
) -> Result<(TaskDefinition, Option<String>), AwsError> {
    let db = crate::database::connection(&clients.rds, &task.database).await?;
    let definition = with_database(&task.definition, &db);
    let family = definition.family.as_str();
    let newest = match clients
        .ecs
        .describe_task_definition()
        .task_definition(family)
        .send()
        .await
        .map_err(sdk("DescribeTaskDefinition", family))
    {
        Ok(out) => out
            .task_definition()
            .filter(|td| service::active(td))
            .map(|td| {
                (
                    td.task_definition_arn().unwrap_or_default().to_owned(),
                    service::normalised(td),
                )
            }),
        Err(e) if already_done(&e, &["ClientException"]) => None,
        Err(e) => return Err(e),
    };
    let current = newest.and_then(|(arn, live)| (live == definition).then_some(arn));
    Ok((definition, current))
}

/// An idempotency token for one `RunTask`: unique per attempt, the same
/// across the SDK's retries of it.
fn client_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("awsdeploy-{:x}-{:x}", std::process::id(), nanos)
}

/// How long after its roles were made or changed a migration task may
/// fail to start because ECS cannot assume them yet: IAM changes take a
/// few seconds to reach ECS (IAM user guide, "Changes that I make are not
/// always immediately visible").
const ROLE_PROPAGATION_WINDOW: Duration = Duration::from_secs(120);

/// ECS's stopped reason for a task role or execution role it cannot
/// assume (yet).
fn role_not_yet_assumable(reason: &str) -> bool {
    reason.contains("unable to assume the role")
}

/// Registers the revision if needed and starts the task; returns its ARN.
/// A task that stops before it starts because ECS cannot assume its roles
/// yet is started again, with backoff, within [`ROLE_PROPAGATION_WINDOW`];
/// the ARN returned is of a task that got past that.
pub async fn start(
    clients: &Clients,
    owner: &Owner,
    task: &MigrationTask,
    ids: &ResolvedIds,
) -> Result<String, AwsError> {
    let (definition, current) = resolve(clients, task).await?;
    let arn = match current {
        Some(arn) => arn,
        None => service::register(clients, owner, ComponentId::Migration, &definition).await?,
    };
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_secs(1);
    loop {
        // ECS refuses a role it cannot assume yet at once, or starts the
        // task and stops it: either is tried again within the window.
        let task_arn = match run_task(clients, owner, task, &definition, &arn, ids).await {
            Err(e)
                if e.code() == Some("ClientException")
                    && role_not_yet_assumable(&e.to_string())
                    && started.elapsed() + pause < ROLE_PROPAGATION_WINDOW =>
            {
                tracing::info!(
                    "ECS refused the migration task: {e}; IAM changes take seconds to reach ECS, starting it again in {}s",
                    pause.as_secs()
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(15));
                continue;
            }
            other => other?,
        };
        match role_refusal(&clients.ecs, &task.cluster, &task_arn).await? {
            Some(reason) if started.elapsed() + pause < ROLE_PROPAGATION_WINDOW => {
                tracing::info!(
                    "the migration task did not start: {reason}; IAM changes take seconds to reach ECS, starting it again in {}s",
                    pause.as_secs()
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(15));
            }
            _ => return Ok(task_arn),
        }
    }
}

/// Follows a task just started until it runs or stops: the stopped reason
/// when ECS could not assume its roles, else `None` (the wait reports any
/// other end).
async fn role_refusal(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    task_arn: &str,
) -> Result<Option<String>, AwsError> {
    let what = format!("the migration task {task_arn} to start");
    let seen = wait::until_with(&what, ROLE_PROPAGATION_WINDOW, wait::watched(), || async {
        let out = ecs
            .describe_tasks()
            .cluster(cluster)
            .tasks(task_arn)
            .send()
            .await
            .map_err(sdk("DescribeTasks", task_arn))?;
        let Some(found) = out.tasks().first() else {
            return Ok(Check::Ready(None));
        };
        Ok(match found.last_status().unwrap_or("PROVISIONING") {
            "STOPPED" => Check::Ready(
                found
                    .stopped_reason()
                    .filter(|r| role_not_yet_assumable(r))
                    .map(str::to_owned),
            ),
            "PROVISIONING" | "PENDING" | "ACTIVATING" => {
                Check::Pending(found.last_status().unwrap_or_default().to_owned())
            }
            _ => Check::Ready(None),
        })
    })
    .await;
    match seen {
        // Still provisioning (a large image, a busy zone): not a role
        // problem; the migration's own wait follows it to its end.
        Err(AwsError::Timeout { .. }) => Ok(None),
        other => other,
    }
}

/// One `RunTask` of revision `arn`; returns the task's ARN.
async fn run_task(
    clients: &Clients,
    owner: &Owner,
    task: &MigrationTask,
    definition: &TaskDefinition,
    arn: &str,
    ids: &ResolvedIds,
) -> Result<String, AwsError> {
    let out = clients
        .ecs
        .run_task()
        .cluster(&task.cluster)
        .task_definition(arn)
        .launch_type(LaunchType::Fargate)
        .count(1)
        .network_configuration(service::network(&task.network, ids)?)
        .started_by("awsdeploy")
        .client_token(client_token())
        .propagate_tags(PropagateTags::TaskDefinition)
        .set_tags(Some(component_tags(
            owner,
            ComponentId::Migration,
            &definition.family,
        )))
        .send()
        .await
        .map_err(sdk("RunTask", definition.family.as_str()))?;
    if let Some(failure) = out.failures().first() {
        return Err(AwsError::Migration {
            exit_code: None,
            message: format!(
                "ECS did not start the migration task: {} ({})",
                failure.reason().unwrap_or("no reason given"),
                failure.detail().or(failure.arn()).unwrap_or_default()
            ),
        });
    }
    out.tasks()
        .first()
        .and_then(|t| t.task_arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::MissingField {
            operation: "RunTask",
            resource: definition.family.clone(),
            field: "tasks[0].taskArn",
        })
}

/// How the task ended.
struct Stopped {
    exit_code: Option<i32>,
    reason: String,
}

/// Reads the task's new log lines from `token` on, passes each to `output`
/// and remembers a golang-migrate "Dirty database version N".
struct LogFollower<'a> {
    logs: &'a aws_sdk_cloudwatchlogs::Client,
    group: &'a str,
    stream: String,
    token: Option<String>,
    output: &'a Output,
    dirty: Option<u64>,
    /// The highest version golang-migrate said it applied (`4/u name`).
    applied: Option<u64>,
}

impl LogFollower<'_> {
    async fn read(&mut self) -> Result<(), AwsError> {
        // A page at a time until no new lines.
        loop {
            let out = match self
                .logs
                .get_log_events()
                .log_group_name(self.group)
                .log_stream_name(&self.stream)
                .start_from_head(true)
                .set_next_token(self.token.clone())
                .send()
                .await
                .map_err(sdk("GetLogEvents", self.stream.as_str()))
            {
                Ok(out) => out,
                // The stream appears once the task starts.
                Err(e) if already_done(&e, &["ResourceNotFoundException"]) => return Ok(()),
                Err(e) => return Err(e),
            };
            for event in out.events() {
                let line = event.message().unwrap_or_default().trim_end();
                if let Some(version) = dirty_version(line) {
                    self.dirty = Some(version);
                }
                if let Some(version) = applied_version(line) {
                    self.applied = Some(self.applied.map_or(version, |v| v.max(version)));
                }
                (self.output.line)(&format!("{CONTAINER_NAME} | {line}"));
            }
            let next = out.next_forward_token().map(str::to_owned);
            let done = out.events().is_empty() || next == self.token;
            self.token = next;
            if done {
                return Ok(());
            }
        }
    }
}

/// The version of golang-migrate's line for an up migration it applied:
/// `4/u add_status (12.3ms)`, or `-verbose`'s `Finished 4/u add_status
/// (read 1ms, ran 2ms)`, after an optional `2026/12/03 10:00:00` (not
/// `Start buffering 4/u` nor `Read and execute 4/u`, written before it
/// runs).
fn applied_version(line: &str) -> Option<u64> {
    let mut words = line.split_whitespace().peekable();
    let timestamp = |w: &str| {
        w.bytes()
            .all(|b| b.is_ascii_digit() || b == b'/' || b == b':')
    };
    while words
        .next_if(|w| timestamp(w) && !w.ends_with("/u"))
        .is_some()
    {}
    let word = match words.next()? {
        "Finished" => words.next()?,
        word => word,
    };
    word.strip_suffix("/u")?.parse().ok()
}

/// golang-migrate's "Dirty database version 3. Fix and force version."
fn dirty_version(line: &str) -> Option<u64> {
    let rest = &line[line.find("Dirty database version ")? + "Dirty database version ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Runs one migration step: starts the task, or waits for it.
pub(crate) async fn run(
    step: &MigrationStep,
    cx: &StepContext<'_>,
) -> Result<Option<String>, AwsError> {
    match step {
        MigrationStep::RunMigration { task } => Ok(Some(
            Box::pin(start(cx.clients, cx.owner, task, cx.ids)).await?,
        )),
        MigrationStep::WaitForMigration(w) => {
            Box::pin(wait(cx.clients, cx.output, w, cx.ids)).await?;
            Ok(None)
        }
    }
}

/// Waits for the task `wait` names to stop, streaming its log lines to
/// `output`. Ok only when its container exits 0.
pub async fn wait(
    clients: &Clients,
    output: &Output,
    wait: &MigrationWait,
    ids: &ResolvedIds,
) -> Result<(), AwsError> {
    let MigrationWait {
        cluster,
        task,
        timeout_secs,
        log_group,
        log_stream_prefix,
        container,
        record,
    } = wait;
    let logs = &clients.logs;
    let arn = ids.resolve(task)?;
    let task_id = arn.rsplit('/').next().unwrap_or(&arn).to_owned();
    let follower = tokio::sync::Mutex::new(LogFollower {
        logs,
        group: log_group,
        stream: format!("{log_stream_prefix}/{container}/{task_id}"),
        token: None,
        output,
        dirty: None,
        applied: None,
    });
    let result = until_stopped(
        &clients.ecs,
        (cluster, &arn, container),
        *timeout_secs,
        &follower,
    )
    .await;
    let mut follower = follower.into_inner();
    let follow = format!(
        "its log: `aws logs tail {log_group} --log-stream-names {}`",
        follower.stream
    );
    let stopped = match result {
        Ok(stopped) => stopped,
        Err(AwsError::Timeout { waited, .. }) => {
            let reason = format!("awsdeploy: the migration ran past its {timeout_secs}s timeout");
            clients
                .ecs
                .stop_task()
                .cluster(cluster)
                .task(&arn)
                .reason(&reason)
                .send()
                .await
                .map_err(sdk("StopTask", arn.as_str()))?;
            return Err(AwsError::Migration {
                exit_code: None,
                message: format!(
                    "the migration task {task_id} was still running after {}s (migration.timeout); it was stopped. A half-applied migration leaves the database dirty: check {follow}",
                    waited.as_secs()
                ),
            });
        }
        Err(e) => return Err(e),
    };
    // Lines written just before the task stopped.
    follower.read().await?;
    outcome(&task_id, &stopped, follower.dirty, &follow)?;
    if let (Some(record), Some(version)) = (record, follower.applied) {
        // The migration succeeded; a record that cannot be written only
        // makes the next lint read more files as new.
        if let Err(e) = crate::database::record_migration(&clients.rds, record, version).await {
            let region = clients
                .rds
                .config()
                .region()
                .map_or_else(|| "REGION".to_owned(), ToString::to_string);
            (output.line)(&format!(
                "warning: the migration reached version {version}, but it could not be recorded on {db} ({e}); until it is, the next release's lint starts from the version recorded before. Record it with: aws rds add-tags-to-resource --region {region} --resource-name \"$(aws rds describe-db-instances --region {region} --db-instance-identifier {db} --query 'DBInstances[0].DBInstanceArn' --output text)\" --tags Key={tag},Value={version}",
                db = record.database,
                tag = awsdeploy_plan::migration::MIGRATED_VERSION_TAG,
            ));
        }
    }
    Ok(())
}

/// Polls `DescribeTasks` (reading new log lines after each) until the task
/// stops or `timeout_secs` pass.
async fn until_stopped(
    ecs: &aws_sdk_ecs::Client,
    (cluster, arn, container): (&str, &str, &str),
    timeout_secs: u64,
    follower: &tokio::sync::Mutex<LogFollower<'_>>,
) -> Result<Stopped, AwsError> {
    let task_id = arn.rsplit('/').next().unwrap_or(arn);
    wait::until_with(
        &format!("the migration task {task_id}"),
        Duration::from_secs(timeout_secs),
        wait::watched(),
        || async move {
            let out = ecs
                .describe_tasks()
                .cluster(cluster)
                .tasks(arn)
                .send()
                .await
                .map_err(sdk("DescribeTasks", arn))?;
            follower.lock().await.read().await?;
            let Some(found) = out.tasks().first() else {
                return Ok(Check::Failed(format!(
                    "gone: ECS does not know the task ({})",
                    out.failures()
                        .first()
                        .and_then(|f| f.reason())
                        .unwrap_or("no reason given")
                )));
            };
            let status = found.last_status().unwrap_or("PROVISIONING");
            if status != "STOPPED" {
                return Ok(Check::Pending(status.to_owned()));
            }
            let ours = found
                .containers()
                .iter()
                .find(|c| c.name() == Some(container))
                .or_else(|| found.containers().first());
            let reason = [
                found.stop_code().map(|c| c.as_str().to_owned()),
                found.stopped_reason().map(str::to_owned),
                ours.and_then(|c| c.reason()).map(str::to_owned),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": ");
            Ok(Check::Ready(Stopped {
                exit_code: ours.and_then(aws_sdk_ecs::types::Container::exit_code),
                reason,
            }))
        },
    )
    .await
}

/// What a command that was not found (exit 127, or ECS's "executable file
/// not found") most likely means.
const NO_SHELL: &str = "\nA command was not found: a command that names $DATABASE_URL runs under a POSIX `sh` prelude (the task's entry point), so the migration image needs `sh` (a distroless or scratch image has none: build the migration image from one that has it, e.g. migrate/migrate's Alpine); or the command's first word is not in the image.";

/// Ok for exit code 0; otherwise what failed and what to do.
fn outcome(
    task_id: &str,
    stopped: &Stopped,
    dirty: Option<u64>,
    follow: &str,
) -> Result<(), AwsError> {
    match stopped.exit_code {
        Some(0) => Ok(()),
        Some(code) => {
            let mut message = format!(
                "the migration task {task_id} exited with code {code}; the lines above are its output ({follow})"
            );
            if let Some(version) = dirty {
                let _ = write!(
                    message,
                    "\nThe database is marked dirty at version {version}: a migration failed half-way. awsdeploy never forces a version. Fix it by hand: see what version {version}'s up migration changed, undo it (or finish it), then record the version with golang-migrate's force, e.g. your migration command with `force {}` in place of `up` (`force {version}` if you finished it), then run `awsdeploy migrate` again.",
                    version.saturating_sub(1)
                );
            }
            if code == 127 {
                message.push_str(NO_SHELL);
            }
            Err(AwsError::Migration {
                exit_code: Some(code),
                message,
            })
        }
        None => {
            let mut message = format!(
                "the migration task {task_id} stopped without an exit code: {}",
                if stopped.reason.is_empty() {
                    "ECS gave no reason"
                } else {
                    &stopped.reason
                }
            );
            if stopped.reason.contains("executable file not found") {
                message.push_str(NO_SHELL);
            }
            Err(AwsError::Migration {
                exit_code: None,
                message,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirty_versions_are_read_from_golang_migrate_output() {
        assert_eq!(
            dirty_version("error: Dirty database version 3. Fix and force version."),
            Some(3)
        );
        assert_eq!(dirty_version("2/u create_orders (12.3ms)"), None);
    }

    #[test]
    fn applied_versions_are_read_from_golang_migrate_output() {
        assert_eq!(applied_version("2/u create_orders (12.3ms)"), Some(2));
        assert_eq!(
            applied_version("Finished 20240101120000/u add_status (read 1ms, ran 2ms)"),
            Some(20_240_101_120_000)
        );
        assert_eq!(applied_version("2/d create_orders (12.3ms)"), None);
        assert_eq!(applied_version("no change"), None);
        assert_eq!(applied_version("see https://example.com/u x"), None);
        assert_eq!(
            applied_version("2026/12/03 10:00:00 3/u add (1ms)"),
            Some(3)
        );
        assert_eq!(
            applied_version("2026/12/03 10:00:00 Start buffering 5/u add"),
            None
        );
        assert_eq!(applied_version("Read and execute 5/u add"), None);
    }
}
