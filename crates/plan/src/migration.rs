//! The migration: the team's golang-migrate command, run as a one-off ECS
//! task in the private subnets before the service is updated.
//!
//! - Task definition family `{app}-{env}-migrate`: `migration.image` or the
//!   image the service is about to run, `migration.command`, the service's
//!   CPU, memory and roles, and the stack's log group under the stream
//!   prefix `migrate`. The database's `DB_HOST`, `DB_PORT`, `DB_NAME`,
//!   `DB_USER`, `DB_SECRET_ARN` (environment) and `DB_PASSWORD` (the RDS
//!   master secret) are added when it runs (see [`MigrationStep::RunMigration`]).
//! - A command that names `DATABASE_URL` runs inside a short POSIX `sh`
//!   prelude ([`container_command`]) that sets it to
//!   `mysql://user:password@tcp(host:port)/name` with the user and password
//!   percent-encoded: golang-migrate unescapes them, and RDS-generated
//!   passwords hold `%`, `+`, `?`, `#`, `^`. awsdeploy never reads the
//!   password; the task builds the URL from the secret ECS injects.
//! - In `up`, the migration runs when the service's image changes (or
//!   always / never, as [`Policy`] says), after the database, log group,
//!   roles and network it needs, and the service update waits for it: a
//!   failed migration leaves the service as it was.
//! - `awsdeploy migrate` runs the same change on its own, once everything
//!   it depends on is live ([`standalone`]).

use std::collections::BTreeMap;

use awsdeploy_spec::Spec;

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext};
use crate::live::Lookups;
use crate::names::migration_family as family;
use crate::service::{self, ServiceNetwork};
use crate::status::Status;
use crate::{
    Action, ComponentId, ComponentPlan, ComponentStep, ContainerDefinition, FieldChange, Key, Plan,
    PlanError, Ref, ResourceChange, ResourceKind, Step, TaskDefinition, names,
};

/// The migration task, run before the service update (`[migration]`).
pub struct Migration;

impl Component for Migration {
    fn id(&self) -> ComponentId {
        ComponentId::Migration
    }

    fn sections(&self) -> &'static [&'static str] {
        &["migration"]
    }

    fn lookups(&self, _spec: &Spec, _purpose: Purpose, _lookups: &mut Lookups) {
        // It runs on the service's cluster, looked up with the service.
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        let mut out = ComponentPlan::default();
        if cx.spec.migration.is_none() || cx.spec.service.is_none() {
            return Ok(out);
        }
        // The image the service is about to run: none yet, nothing runs
        // (the service's plan says why).
        let service_family = names::service_family(cx.app(), cx.env());
        let Ok(image) = service::image(cx, &service_family)? else {
            return Ok(out);
        };
        let changes = service::image_changes(cx, &image);
        if plan(cx, &mut out, &image, changes)?.is_some() {
            out.migration_lint = lint(cx, &mut out.warnings);
        }
        Ok(out)
    }

    fn teardown(&self, _cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        // Its task definitions go with the service's (`service::teardown`);
        // a task runs to its end.
        Ok(ComponentPlan::default())
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        &[]
    }

    fn policy(&self, _cx: &PolicyContext<'_>) -> Vec<Statement> {
        // Task ARNs end in ids ECS chooses; its log lines are the log
        // group's statement.
        vec![Statement::anywhere(
            "Migration",
            &[
                "ecs:DescribeTaskDefinition",
                "ecs:DescribeTasks",
                "ecs:ListTaskDefinitions",
                "ecs:RegisterTaskDefinition",
                "ecs:RunTask",
                "ecs:StopTask",
                "ecs:TagResource",
            ],
        )]
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        vec![cx.arn(
            "ecs",
            &format!("task-definition/{}:1", family(cx.app, cx.env)),
        )]
    }

    fn status(&self, cx: &StatusContext<'_>, status: &mut Status) {
        let Some(migration) = cx.extras.migration.clone() else {
            return;
        };
        if migration.last_status == "STOPPED" && migration.exit_code != Some(0) {
            status.problems.push(format!(
                "the last migration task {} failed: {}",
                migration.task_id,
                migration.exit_code.map_or_else(
                    || migration.stop_reason.clone().unwrap_or_default(),
                    |code| format!("exit code {code}")
                )
            ));
        }
        status.migration = Some(migration);
    }

    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>) {
        let (Some(_), Some(service)) = (&cx.spec.migration, &cx.spec.service) else {
            return;
        };
        let arch = if service.cpu_architecture.is_arm() {
            "arm"
        } else {
            "x86"
        };
        let size = format!(
            "while it runs (the service's size: {} vCPU, {} GB), a minute or so per release, a minute at least",
            f64::from(service.cpu) / 1024.0,
            f64::from(service.memory) / 1024.0
        );
        bill.usage(
            "migration task vCPU",
            &format!("ecs.fargate.{arch}.vcpu_hour"),
            &format!("per vCPU-hour {size}"),
        );
        bill.usage(
            "migration task memory",
            &format!("ecs.fargate.{arch}.gb_hour"),
            &format!("per GB-hour {size}"),
        );
    }
}
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The migration container's name and its awslogs stream prefix.
pub const CONTAINER_NAME: &str = "migrate";
pub const LOG_STREAM_PREFIX: &str = "migrate";
/// What the task finds in its environment, besides the spec's command
/// (and `DATABASE_URL` when the command names it).
pub const DATABASE_VARIABLES: [&str; 6] = [
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USER",
    "DB_SECRET_ARN",
    "DB_PASSWORD",
];

/// The tag on the database instance that records the migration version
/// the last successful migration task reached: the migration lint reads
/// only the files after it.
pub const MIGRATED_VERSION_TAG: &str = "awsdeploy:migrated-version";

/// The variable [`container_command`] sets.
pub const DATABASE_URL: &str = "DATABASE_URL";

/// POSIX `sh` (dash, busybox ash, bash): sets `DATABASE_URL` from the
/// `DB_*` variables, user and password percent-encoded (all but RFC 3986's
/// unreserved characters), then runs the command given as its arguments.
const DATABASE_URL_PRELUDE: &str = r#"enc() { s=$1; out=; while [ -n "$s" ]; do r=${s#?}; c=${s%"$r"}; s=$r; case $c in [ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-]) out=$out$c ;; *) out=$out$(printf '%%%02X' "'$c") ;; esac; done; printf '%s' "$out"; }; DATABASE_URL="mysql://$(enc "$DB_USER"):$(enc "$DB_PASSWORD")@tcp($DB_HOST:$DB_PORT)/$DB_NAME"; export DATABASE_URL; exec "$@""#;

/// The database's variables `definition` gets, as the plan shows them.
fn variables(definition: &TaskDefinition) -> String {
    let mut names = DATABASE_VARIABLES.to_vec();
    let command = definition.container.command.iter().flatten();
    if command.into_iter().any(|a| a.contains(DATABASE_URL)) {
        names.push(DATABASE_URL);
    }
    names.join(", ")
}

/// The container's command for the spec's `command`: as written, or, when
/// it names `DATABASE_URL`, run by the prelude that sets it.
pub fn container_command(command: &[String]) -> Vec<String> {
    if !command.iter().any(|arg| arg.contains(DATABASE_URL)) {
        return command.to_vec();
    }
    let mut wrapped = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        DATABASE_URL_PRELUDE.to_owned(),
        // $0 of the prelude, in its error messages.
        "awsdeploy-migrate".to_owned(),
    ];
    wrapped.extend(command.iter().cloned());
    wrapped
}

/// [`container_command`] as the task definition holds it: the prelude as
/// the container's `entryPoint` (replacing the image's ENTRYPOINT, which
/// would otherwise run first, as golang-migrate's own image's `migrate`
/// does), the spec's command as its `command`. Without `DATABASE_URL`, no
/// entry point: the image's runs the command as written.
pub fn container_entry(command: &[String]) -> (Option<Vec<String>>, Vec<String>) {
    let mut all = container_command(command);
    if all.len() == command.len() {
        return (None, all);
    }
    let rest = all.split_off(all.len() - command.len());
    (Some(all), rest)
}

/// The plan change's key.
pub fn key(app: &str, env: &str) -> Key {
    Key::named(ComponentId::Migration, family(app, env))
}

/// When `up` runs the migration (`up --migrate`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Policy {
    /// When the service's image changes (the default).
    #[default]
    Auto,
    Always,
    /// Never; the plan says so when it would have run.
    Never,
}

/// Whether the migration runs under `policy`; `--migrate never` with a
/// new image says what that means.
fn runs(policy: Policy, image_changed: bool, out: &mut ComponentPlan) -> bool {
    match policy {
        Policy::Auto => image_changed,
        Policy::Always => true,
        Policy::Never => {
            if image_changed {
                out.warnings.push(
                    "the migration does not run (--migrate never): the service gets the new image without it"
                        .to_owned(),
                );
            }
            false
        }
    }
}

/// The migration change for `image` (the image the service will run),
/// when the spec has `[migration]` and `policy` says it runs. Returns its
/// key, which the service update waits for.
pub(crate) fn plan(
    cx: &PlanContext<'_>,
    out: &mut ComponentPlan,
    image: &str,
    image_changed: bool,
) -> Result<Option<Key>, PlanError> {
    let spec = cx.spec;
    let Some(migration) = spec.migration.as_ref() else {
        return Ok(None);
    };
    if !runs(cx.options.migrate, image_changed, out) {
        return Ok(None);
    }
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let Some(service) = spec.service.as_ref() else {
        return Ok(None);
    };
    let log_group = names::log_group_name(app, env);
    let (entry_point, command) = container_entry(&migration.command);
    let definition = TaskDefinition {
        family: family(app, env),
        cpu: service.cpu.to_string(),
        memory: service.memory.to_string(),
        execution_role_arn: cx.role_arn(&names::execution_role_name(app, env))?,
        task_role_arn: cx.role_arn(&names::task_role_name(app, env))?,
        sidecars: Vec::new(),
        cpu_architecture: service.cpu_architecture.ecs_name().to_owned(),
        container: ContainerDefinition {
            name: CONTAINER_NAME.to_owned(),
            image: migration.image.clone().unwrap_or_else(|| image.to_owned()),
            port: None,
            entry_point,
            command: Some(command),
            environment: BTreeMap::new(),
            secrets: BTreeMap::new(),
            database_from: None,
            log_group: log_group.clone(),
            log_region: cx.region.to_owned(),
            log_stream_prefix: LOG_STREAM_PREFIX.to_owned(),
        },
    };
    let cluster = names::cluster_name(app, env);
    let task = MigrationTask {
        cluster: cluster.clone(),
        definition,
        database: names::database_identifier(app, env),
        network: service::private_network(cx),
    };
    let key = key(app, env);
    let record = Some(MigrationRecord {
        database: task.database.clone(),
    });
    let why = match cx.options.migrate {
        Policy::Always => "--migrate always",
        Policy::Auto | Policy::Never => "the service's image changes",
    };
    // The task needs the database, log group and roles, and the cluster.
    let mut after = service::task_needs(cx)?;
    after.push(Key::named(ComponentId::Service, cluster.clone()));
    let fields = vec![
        FieldChange::set("image", task.definition.container.image.clone()).noting(why),
        FieldChange::set("command", migration.command.join(" ")),
        FieldChange::set(
            "database",
            format!("{} ({})", task.database, variables(&task.definition)),
        ),
        FieldChange::set("timeout", migration.timeout.to_string()),
    ];
    out.push(
        ResourceChange::new(
            key.clone(),
            ResourceKind::MigrationTask,
            &family(app, env),
            Action::Run,
            vec![
                MigrationStep::RunMigration {
                    task: Box::new(task),
                },
                MigrationStep::WaitForMigration(MigrationWait {
                    cluster,
                    task: Ref::Planned(key.clone()),
                    timeout_secs: migration.timeout.0.as_secs(),
                    log_group,
                    log_stream_prefix: LOG_STREAM_PREFIX.to_owned(),
                    container: CONTAINER_NAME.to_owned(),
                    record,
                }),
            ],
        )
        .with_fields(fields)
        .needs(after),
    );
    Ok(Some(key))
}

/// The migration as `awsdeploy migrate` runs it: the change a plan with
/// [`Policy::Always`] makes, once nothing it depends on is still to be
/// created or changed.
pub fn standalone(plan: &Plan) -> Result<MigrationRun, PlanError> {
    let Some(change) = plan
        .changes
        .iter()
        .find(|c| c.component == ComponentId::Migration)
    else {
        return Err(PlanError::Conflict {
            kind: ResourceKind::MigrationTask,
            name: family(&plan.app, &plan.env),
            problem: if plan.warnings.is_empty() {
                "there is nothing to run: the spec has no [migration]".to_owned()
            } else {
                format!("cannot run: {}", plan.warnings.join("; "))
            },
            hint: "add [migration] (and [service], [database]) to the spec; the image to run is the service's".to_owned(),
        });
    };
    let pending: Vec<String> = change
        .depends_on
        .iter()
        .filter(|k| plan.changes.iter().any(|c| c.key == **k))
        .map(ToString::to_string)
        .collect();
    if !pending.is_empty() {
        return Err(PlanError::Conflict {
            kind: ResourceKind::MigrationTask,
            name: change.name.clone(),
            problem: format!(
                "needs what is not live yet: {} (`awsdeploy diff` shows the changes)",
                pending.join(", ")
            ),
            hint: "run `awsdeploy up`: it makes them, then runs the migration before the service update".to_owned(),
        });
    }
    let mut run = None;
    let mut wait = None;
    for step in &change.steps {
        match step {
            Step::Migration(MigrationStep::RunMigration { task }) => run = Some((**task).clone()),
            Step::Migration(MigrationStep::WaitForMigration(w)) => wait = Some(w.clone()),
            _ => {}
        }
    }
    let (Some(task), Some(wait)) = (run, wait) else {
        return Err(PlanError::Conflict {
            kind: ResourceKind::MigrationTask,
            name: change.name.clone(),
            problem: "the plan's migration lacks its task or its wait".to_owned(),
            hint: "make the plan again with `awsdeploy diff`".to_owned(),
        });
    };
    Ok(MigrationRun {
        change: change.clone(),
        task,
        wait,
    })
}

/// What `awsdeploy migrate` runs: the change and its two steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationRun {
    pub change: ResourceChange,
    pub task: MigrationTask,
    pub wait: MigrationWait,
}

/// The actions of the migration component: The one-off migration task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum MigrationStep {
    /// Reads the database's endpoint, user and master secret
    /// (`DescribeDBInstances`), registers a revision of the migration's
    /// task definition when the newest differs, and starts it (`RunTask`
    /// with an idempotency token). The task's ARN is the change's id.
    RunMigration { task: Box<MigrationTask> },
    /// Polls `DescribeTasks` until the migration task stops, streaming its
    /// log lines as they arrive; fails unless its container exits 0. At the
    /// deadline: `StopTask`, then fails.
    WaitForMigration(MigrationWait),
}

/// The wait for a migration task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MigrationWait {
    pub cluster: String,
    pub task: Ref,
    pub timeout_secs: u64,
    pub log_group: String,
    /// The task's stream is `{log_stream_prefix}/{container}/{task id}`.
    pub log_stream_prefix: String,
    pub container: String,
    /// Once the task exits 0, the highest version golang-migrate said it
    /// applied (its `N/u name` lines) is tagged on this database
    /// ([`MIGRATED_VERSION_TAG`]); a run that applied nothing records
    /// nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<MigrationRecord>,
}

/// Where a successful migration records the version it reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MigrationRecord {
    /// The RDS instance's identifier.
    pub database: String,
}

/// The lint's options for `spec`'s migrations after `since`: its
/// database's engine version, and mixed versions as errors when the
/// service's strategy keeps the old revision serving beside the new one
/// (blue/green, canary and linear, for the whole bake; a rolling
/// deployment only while it rolls). `migrate --lint` and the plan's lint
/// both use it.
pub fn lint_options(spec: &awsdeploy_spec::Spec, since: Option<u64>) -> awsdeploy_lint::Options {
    awsdeploy_lint::Options {
        engine_version: spec
            .database
            .as_ref()
            .map_or("8.0", |d| d.engine_version.as_str())
            .to_owned(),
        since,
        mixed_versions: spec
            .service
            .as_ref()
            .is_some_and(|s| s.deploy.strategy.shifts_traffic()),
    }
}

/// The migration lint of the files the plan's migration applies, keyed
/// to `database.engine_version`: those after the version the database
/// records ([`MIGRATED_VERSION_TAG`]); every file on a database the plan
/// makes; the newest on a live database that records none yet (migrated
/// before awsdeploy recorded it), which `warnings` then say. `None`
/// without `migration.path`.
fn lint(cx: &PlanContext<'_>, warnings: &mut Vec<String>) -> Option<awsdeploy_lint::Report> {
    let PlanContext {
        spec,
        region,
        live,
        options,
        ..
    } = cx;
    let sources = options.migrations.as_ref()?;
    let db = live.database.instance.as_ref().filter(|db| db.owned);
    let unrecorded = db.is_some_and(|db| db.migrated_version.is_none());
    let since = match db {
        None => None,
        Some(db) => db.migrated_version.or_else(|| {
            let mut versions: Vec<u64> = sources.iter().map(|s| s.version).collect();
            versions.sort_unstable();
            let newest = versions.last().copied().unwrap_or(0);
            warnings.push(format!(
                "{id} records no migration version yet: the migration lint reads the newest file against the ones before it, and, since that file may have run already, reports its errors as warnings (`awsdeploy migrate --lint --since N` lints more). A migration that applies a version records it; if {id} has applied version {newest} already, record it now: aws rds add-tags-to-resource --region {region} --resource-name \"$(aws rds describe-db-instances --region {region} --db-instance-identifier {id} --query 'DBInstances[0].DBInstanceArn' --output text)\" --tags Key={MIGRATED_VERSION_TAG},Value={newest}",
                id = db.identifier,
                region = region,
            ));
            versions.iter().rev().nth(1).copied()
        }),
    };
    let mut report = awsdeploy_lint::lint(sources, &lint_options(spec, since));
    if unrecorded {
        report.unsure();
    }
    Some(report)
}

impl ComponentStep for MigrationStep {
    fn refs(&self) -> Vec<&Ref> {
        match self {
            MigrationStep::RunMigration { task } => task.network.refs(),
            MigrationStep::WaitForMigration(wait) => vec![&wait.task],
        }
    }

    fn creates(&self) -> bool {
        matches!(self, MigrationStep::RunMigration { .. })
    }

    fn is_wait(&self) -> bool {
        matches!(self, MigrationStep::WaitForMigration(_))
    }

    fn how_to_follow(&self) -> Option<String> {
        match self {
            MigrationStep::WaitForMigration(wait) => Some(wait.how_to_follow()),
            MigrationStep::RunMigration { .. } => None,
        }
    }
}

impl MigrationWait {
    /// How to follow the task when awsdeploy stops waiting.
    pub fn how_to_follow(&self) -> String {
        let MigrationWait {
            cluster,
            log_group,
            log_stream_prefix,
            ..
        } = self;
        format!(
            "the migration task goes on in ECS; follow it with `aws logs tail {log_group} --log-stream-name-prefix {log_stream_prefix}/ --follow` and `aws ecs list-tasks --cluster {cluster} --started-by awsdeploy`; the service was not updated"
        )
    }
}

/// The one-off migration task: what `RunTask` needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MigrationTask {
    pub cluster: String,
    /// Without the database's variables: the runner adds `DB_HOST`,
    /// `DB_PORT`, `DB_NAME`, `DB_USER` and the secret `DB_PASSWORD` (the RDS
    /// master secret) from `database` when it runs, so that a database
    /// created in the same run is found.
    pub definition: TaskDefinition,
    /// The RDS instance's identifier.
    pub database: String,
    /// The service's private subnets and security group, no public IP.
    pub network: ServiceNetwork,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every printable ASCII character that is not a letter or digit, as
    /// RDS-generated passwords may hold them.
    const SPECIAL: &str = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    fn database_url(user: &str, password: &str) -> String {
        let command = container_command(&[
            "sh".to_owned(),
            "-c".to_owned(),
            "printf %s \"$DATABASE_URL\"".to_owned(),
        ]);
        let out = std::process::Command::new(&command[0])
            .args(&command[1..])
            .env("DB_USER", user)
            .env("DB_PASSWORD", password)
            .env(
                "DB_HOST",
                "shop-dev-db.abc.ap-northeast-1.rds.amazonaws.com",
            )
            .env("DB_PORT", "3306")
            .env("DB_NAME", "shop")
            .output()
            .expect("sh runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("ASCII")
    }

    fn decode(text: &str) -> String {
        percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .expect("UTF-8")
            .into_owned()
    }

    #[test]
    fn the_database_url_escapes_every_special_character_and_decodes_back() {
        let password = format!("aZ09{SPECIAL}end");
        let url = database_url("admin", &password);
        let rest = url.strip_prefix("mysql://").expect("scheme");
        let (userinfo, address) = rest
            .split_once('@')
            .expect("one @: the password's is escaped");
        assert_eq!(
            address,
            "tcp(shop-dev-db.abc.ap-northeast-1.rds.amazonaws.com:3306)/shop"
        );
        let (user, escaped) = userinfo.split_once(':').expect("user:password");
        assert_eq!(user, "admin");
        assert!(
            escaped
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "%._~-".contains(c)),
            "only unreserved characters and escapes: {escaped}"
        );
        assert_eq!(decode(escaped), password);
    }

    #[test]
    fn a_command_without_database_url_runs_as_written() {
        let command = vec!["migrate".to_owned(), "up".to_owned()];
        assert_eq!(container_command(&command), command);
        assert_eq!(container_entry(&command), (None, command));
    }

    #[test]
    fn the_prelude_is_the_entry_point_so_the_images_own_does_not_run_first() {
        let command = vec![
            "sh".to_owned(),
            "-c".to_owned(),
            "migrate -database \"$DATABASE_URL\" up".to_owned(),
        ];
        let (entry, rest) = container_entry(&command);
        let entry = entry.expect("an entry point");
        assert_eq!(entry[..2], ["sh".to_owned(), "-c".to_owned()]);
        assert_eq!(rest, command);
        assert_eq!([entry, rest].concat(), container_command(&command));
    }

    #[test]
    fn the_prelude_passes_the_commands_arguments_through() {
        let command = container_command(&[
            "sh".to_owned(),
            "-c".to_owned(),
            "printf '%s|' \"$@\"; printf %s \"$DATABASE_URL\"".to_owned(),
            "migrate".to_owned(),
            "two words".to_owned(),
            "$HOME".to_owned(),
        ]);
        let out = std::process::Command::new(&command[0])
            .args(&command[1..])
            .env("DB_USER", "u")
            .env("DB_PASSWORD", "p")
            .env("DB_HOST", "h")
            .env("DB_PORT", "1")
            .env("DB_NAME", "n")
            .output()
            .expect("sh runs");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "two words|$HOME|mysql://u:p@tcp(h:1)/n"
        );
    }
}
