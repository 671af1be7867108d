//! `awsdeploy migrate`: the migration task on its own, once what it needs
//! is live, after the migration lint; `--dry-run` prints the requests it
//! would send; `--lint` only lints, offline.

use awsdeploy_aws::{Aws, AwsError};
use awsdeploy_lint::Severity;
use awsdeploy_plan::Options;
use awsdeploy_plan::migration::Policy;
use awsdeploy_spec::Spec;

use super::{
    CliError, check_migration_lint, connect, lint_migrations, load_spec, locked, migration_sources,
    observe_and_plan, step_output, with_image_tag,
};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output::{self, Format};

/// `awsdeploy migrate`: checked offline, then run holding the deploy lock
/// (a dry run takes none).
pub(super) async fn run(
    settings: &Settings,
    image_tag: Option<&str>,
    dry_run: bool,
    lock_timeout: std::time::Duration,
) -> Result<Exit, CliError> {
    let spec = with_image_tag(load_spec(settings)?, image_tag)?;
    check(settings, &spec)?;
    let aws = connect(&spec).await?;
    if dry_run {
        return migrate(settings, &aws, &spec, true).await;
    }
    locked(
        &aws,
        "migrate",
        lock_timeout,
        Box::pin(async { migrate(settings, &aws, &spec, false).await }),
    )
    .await
}

/// `awsdeploy migrate`, first, before any AWS call: the spec has a
/// migration, and its local folder passes the lint.
fn check(settings: &Settings, spec: &Spec) -> Result<(), CliError> {
    if spec.migration.is_none() {
        return Err(CliError::new(
            format!("{} has no [migration]", settings.spec.display()),
            Some("add [migration] with the golang-migrate command, e.g. command = [\"sh\", \"-c\", \"migrate -path /migrations -database \\\"$DATABASE_URL\\\" up\"]".to_owned()),
        ));
    }
    let migrations = lint_migrations(settings, spec)?;
    match &migrations {
        Some(m) => output::progress(&format!(
            "{}: {} migrations, the newest is version {}.",
            m.path.display(),
            m.versions.len(),
            m.latest().unwrap_or(0)
        )),
        None => output::progress(
            "migration.path is not set: the local migration files are not checked.",
        ),
    }
    Ok(())
}

/// Then the migration change of a plan that always migrates, run on its
/// own.
async fn migrate(
    settings: &Settings,
    aws: &Aws,
    spec: &Spec,
    dry_run: bool,
) -> Result<Exit, CliError> {
    let options = Options {
        migrate: Policy::Always,
        migrations: migration_sources(settings, spec)?,
        ..Options::default()
    };
    let plan = observe_and_plan(aws, spec, &options).await?;
    let run = awsdeploy_plan::migration::standalone(&plan)?;
    if let Some(lint) = &plan.migration_lint {
        output::progress(&format!("Migration lint: {}", lint.summary()));
        // Errors are in the refusal, unless this is a dry run.
        for finding in lint
            .findings
            .iter()
            .filter(|f| dry_run || f.severity == Severity::Warning || f.allowed.is_some())
        {
            output::progress(&format!("  {finding}"));
        }
    }
    let image = run.task.definition.container.image.clone();
    if dry_run {
        let (definition, current) = aws.resolve_migration(&run.task).await?;
        let request = dry_run_request(&run.task, &definition, current.as_deref());
        match settings.format {
            Format::Json => output::json(&request),
            Format::Text => {
                output::progress("Dry run: nothing was changed. `awsdeploy migrate` would send:");
                output::data(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&request).unwrap_or_default()
                ));
            }
        }
        return Ok(Exit::Success);
    }
    check_migration_lint(&plan)?;
    let aws = aws.clone().with_output(step_output());
    output::progress(&format!(
        "Running the migration {} ({image}) in {}; its output follows (timeout {}).",
        run.change.name,
        run.task.cluster,
        spec.migration
            .as_ref()
            .map_or_else(String::new, |m| m.timeout.to_string()),
    ));
    let started = std::time::Instant::now();
    let ids = awsdeploy_plan::execute::ResolvedIds::default();
    let task_arn = aws.start_migration(&run.task, &ids).await?;
    let mut ids = ids;
    ids.insert(&run.change.key, task_arn.clone());
    let wait = aws.wait_for_migration(&run.wait, &ids);
    let result = tokio::select! {
        result = wait => result,
        _ = tokio::signal::ctrl_c() => {
            CliError::new(
                format!("interrupted: stopped waiting for the migration task {task_arn}"),
                Some(run.wait.how_to_follow()),
            )
            .print();
            return Ok(Exit::Interrupted);
        }
    };
    let exit_code = match &result {
        Ok(()) => Some(0),
        Err(AwsError::Migration { exit_code, .. }) => *exit_code,
        Err(_) => None,
    };
    if settings.format == Format::Json {
        output::json(&serde_json::json!({
            "migration": {
                "task": task_arn,
                "image": image,
                "exit_code": exit_code,
                "succeeded": result.is_ok(),
                "error": result.as_ref().err().map(ToString::to_string),
            }
        }));
    }
    match result {
        Ok(()) => {
            output::progress(&format!(
                "Migration done: the task exited 0 after {}s.",
                started.elapsed().as_secs()
            ));
            Ok(Exit::Success)
        }
        Err(error) => {
            CliError::from(error).print();
            Ok(match exit_code.and_then(|c| u8::try_from(c).ok()) {
                Some(code) if code != 0 => Exit::Passthrough(code),
                _ => Exit::Failure,
            })
        }
    }
}

/// `awsdeploy migrate --lint [--since VERSION]`: the lint alone, from the
/// spec and the files, with no AWS call. Without `--since`, the newest
/// version is linted after the ones before it.
pub(super) fn lint(settings: &Settings, since: Option<u64>) -> Result<Exit, CliError> {
    let spec = load_spec(settings)?;
    check(settings, &spec)?;
    let Some(sources) = migration_sources(settings, &spec)? else {
        return Err(CliError::new(
            "migration.path is not set: there are no migration files to lint".to_owned(),
            Some("set migration.path to the golang-migrate folder, relative to the spec (e.g. path = \"../packages/dbschema/migrations\")".to_owned()),
        ));
    };
    let mut versions: Vec<u64> = sources.iter().map(|s| s.version).collect();
    versions.sort_unstable();
    let newest = versions.last().copied().unwrap_or(0);
    if since.is_some_and(|v| v >= newest) {
        return Err(CliError::new(
            format!("--since {} leaves nothing to lint: the newest migration is version {newest}", since.unwrap_or(0)),
            Some("give the version the database has reached, below the files to lint (0 lints every file)".to_owned()),
        ));
    }
    let (report, since) = lint_offline(&spec, &sources, since);
    match settings.format {
        Format::Json => output::json(&serde_json::to_value(&report).unwrap_or_default()),
        Format::Text => {
            for finding in &report.findings {
                output::data(&format!("{finding}\n"));
            }
            let after = since.map_or_else(
                || "every file as new".to_owned(),
                |v| format!("the files after version {v}, the ones up to it read as applied"),
            );
            output::progress(&format!(
                "Migration lint ({after}, MySQL {}): {}",
                report.engine_version,
                report.summary()
            ));
        }
    }
    Ok(if report.errors().next().is_some() {
        Exit::Failure
    } else if report.warnings().next().is_some() {
        Exit::Warnings
    } else {
        Exit::Success
    })
}

/// The lint with no AWS call: the files after `since`, or, without it,
/// the newest file after the ones before it, for the spec's engine
/// version. Returns the report and the `since` it used.
pub(super) fn lint_offline(
    spec: &awsdeploy_spec::Spec,
    sources: &[awsdeploy_lint::Source],
    since: Option<u64>,
) -> (awsdeploy_lint::Report, Option<u64>) {
    let since = since.or_else(|| {
        let mut versions: Vec<u64> = sources.iter().map(|s| s.version).collect();
        versions.sort_unstable();
        versions.iter().rev().nth(1).copied()
    });
    let report = awsdeploy_lint::lint(
        sources,
        &awsdeploy_plan::migration::lint_options(spec, since),
    );
    (report, since)
}

/// What `migrate --dry-run` prints: the revision it would register (if
/// any) and the `RunTask` request, in the API's field names.
pub(super) fn dry_run_request(
    task: &awsdeploy_plan::MigrationTask,
    definition: &awsdeploy_plan::TaskDefinition,
    current: Option<&str>,
) -> serde_json::Value {
    let existing = |r: &awsdeploy_plan::Ref| match r {
        awsdeploy_plan::Ref::Existing(id) => id.clone(),
        awsdeploy_plan::Ref::Planned(key) => key.to_string(),
    };
    serde_json::json!({
        "registerTaskDefinition": if current.is_some() {
            serde_json::Value::Null
        } else {
            serde_json::to_value(definition).unwrap_or_default()
        },
        "runTask": {
            "cluster": task.cluster,
            "taskDefinition": current.map_or_else(
                || format!("{} (the revision registered above)", definition.family),
                str::to_owned,
            ),
            "launchType": "FARGATE",
            "count": 1,
            "startedBy": "awsdeploy",
            "clientToken": "(a new token per run)",
            "propagateTags": "TASK_DEFINITION",
            "networkConfiguration": {
                "awsvpcConfiguration": {
                    "subnets": task.network.subnets.iter().map(existing).collect::<Vec<_>>(),
                    "securityGroups": [existing(&task.network.security_group)],
                    "assignPublicIp": "DISABLED",
                }
            },
        }
    })
}
