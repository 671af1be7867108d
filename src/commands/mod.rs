//! The commands: each loads the spec, talks to AWS through `awsdeploy-aws`,
//! plans with `awsdeploy-plan`, and prints through [`crate::output`].

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::Path;

use awsdeploy_aws::{Aws, AwsError};
use awsdeploy_plan::migration::Policy;
use awsdeploy_plan::web::WebArtifact;
use awsdeploy_plan::{Options, Plan, PlanError, render};
use awsdeploy_spec::artifact::Artifact;
use awsdeploy_spec::migrations::Migrations;
use awsdeploy_spec::{Spec, SpecError};

pub use logs::Request as LogsRequest;

use crate::cli::{Command, Settings};
use crate::exit::Exit;
use crate::output::{self, Format};

mod ci;
mod cost;
mod diff;
mod down;
mod init;
mod logs;
mod migrate;
mod resume;
mod rollback;
mod status;
mod unlock;
mod up;
mod validate;
mod web_release;

/// An error for the user: what went wrong, why, and what to do next.
#[derive(Debug)]
pub struct CliError {
    message: String,
    causes: Vec<String>,
    hint: Option<String>,
}

impl CliError {
    fn new(message: impl Into<String>, hint: Option<String>) -> Self {
        CliError {
            message: message.into(),
            causes: Vec::new(),
            hint,
        }
    }

    pub fn print(&self) {
        let mut text = if self.message.starts_with("error:") || self.message.starts_with("warning:")
        {
            self.message.clone()
        } else {
            format!("error: {}", self.message)
        };
        for cause in &self.causes {
            let _ = write!(text, "\n  caused by: {cause}");
        }
        if let Some(hint) = &self.hint {
            let _ = write!(text, "\nhint: {hint}");
        }
        eprintln!("{text}");
    }
}

impl From<SpecError> for CliError {
    fn from(error: SpecError) -> Self {
        let hint = error.hint();
        let mut cli = CliError::new(error.to_string(), hint);
        cli.causes = causes(&error);
        cli
    }
}

impl From<AwsError> for CliError {
    fn from(error: AwsError) -> Self {
        let mut cli = CliError::new(error.to_string(), error.hint());
        cli.causes = causes(&error);
        cli
    }
}

impl From<PlanError> for CliError {
    fn from(error: PlanError) -> Self {
        CliError::new(error.to_string(), Some(error.hint()))
    }
}

fn causes(error: &dyn std::error::Error) -> Vec<String> {
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if causes.last() != Some(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    causes
}

pub async fn run(settings: &Settings) -> Result<Exit, CliError> {
    match &settings.command {
        Command::Schema => {
            output::json(&awsdeploy_spec::json_schema());
            Ok(Exit::Success)
        }
        Command::Validate { show } => {
            let spec = load_spec(settings)?;
            lint_migrations(settings, &spec)?;
            validate::check_artifact(settings, &spec)?;
            Ok(validate::validate(settings, &spec, *show))
        }
        Command::Diff {
            detailed_exitcode,
            out,
            image_tag,
            migrate,
            cost,
        } => {
            diff::diff(
                settings,
                *detailed_exitcode,
                out.as_deref(),
                image_tag.as_deref(),
                (*migrate, *cost),
            )
            .await
        }
        Command::Cost => cost::cost(settings),
        Command::Up {
            yes,
            allow_replace,
            plan,
            image_tag,
            migrate,
            lock_timeout,
            cost,
            wait_until,
        } => {
            let apply = up::Apply {
                yes: *yes,
                allow_replace: *allow_replace,
                lock_timeout: *lock_timeout,
                wait_until: *wait_until,
            };
            match plan {
                None => {
                    up::from_spec(settings, image_tag.as_deref(), (*migrate, *cost), apply).await
                }
                Some(path) => up::from_saved(settings, path, apply).await,
            }
        }
        Command::MigrateLint { since } => migrate::lint(settings, *since),
        Command::Migrate {
            image_tag,
            dry_run,
            lock_timeout,
        } => migrate::run(settings, image_tag.as_deref(), *dry_run, *lock_timeout).await,
        Command::WebRelease {
            artifact,
            force,
            lock_timeout,
        } => web_release::run(settings, artifact.as_deref(), *force, *lock_timeout).await,
        Command::Completions { shell } => {
            output::data(&crate::cli::completions(*shell));
            Ok(Exit::Success)
        }
        Command::Init { name } => init::init(settings, name.as_deref()),
        Command::Logs(request) => logs::run(settings, request).await,
        Command::Status { watch } => status::run(settings, *watch).await,
        Command::Rollback {
            to,
            yes,
            lock_timeout,
        } => rollback::run(settings, *to, *yes, *lock_timeout).await,
        Command::Continue {
            yes,
            wait_until,
            lock_timeout,
        } => resume::run(settings, *yes, *wait_until, *lock_timeout).await,
        Command::Down {
            delete_data,
            yes,
            lock_timeout,
        } => down::down(settings, *delete_data, *yes, *lock_timeout).await,
        Command::IamPolicy { push, admin } => ci::iam_policy(settings, *push, *admin),
        Command::Buildspec { stage } => ci::buildspec(settings, *stage),
        Command::GithubActions { account } => ci::github_actions(settings, account.as_deref()),
        Command::Unlock { id, yes } => {
            unlock::unlock(settings, &load_spec(settings)?, id, *yes).await
        }
    }
}

/// Runs `work` holding the environment's deploy lock, and gives the lock
/// back whatever `work` ends with.
async fn locked<T>(
    aws: &Aws,
    command: &str,
    timeout: std::time::Duration,
    work: impl std::future::Future<Output = Result<T, CliError>>,
) -> Result<T, CliError> {
    let lock = aws
        .lock(command, timeout, &|holder| {
            output::progress(&format!(
                "Waiting up to {}s for the deploy lock, held by {holder}...",
                timeout.as_secs()
            ));
        })
        .await?;
    let result = work.await;
    if let Err(e) = lock.release().await {
        output::progress(&format!(
            "warning: the deploy lock could not be given back ({e}); it expires by itself within minutes"
        ));
    }
    result
}

/// The planning options: `--migrate`, the web artifact (read, checked
/// and hashed here, before any AWS call), and the cost unless `--no-cost`
/// (priced as of today).
fn options(
    settings: &Settings,
    spec: &Spec,
    (migrate, cost): (Policy, bool),
) -> Result<Options, CliError> {
    let web_artifact = match spec.web.as_ref().and_then(|w| w.artifact.as_deref()) {
        Some(path) => {
            let artifact = load_artifact(&relative_to_spec(settings, Path::new(path)))?;
            Some(WebArtifact {
                path: artifact.path.display().to_string(),
                sha256: artifact.sha256,
            })
        }
        None => None,
    };
    Ok(Options {
        migrate,
        web_artifact,
        price_on: cost.then(cost::today),
        migrations: migration_sources(settings, spec)?,
    })
}

/// The up files of `migration.path`, read for the migration lint; `None`
/// without a path, or when the folder fails its name checks (which
/// `validate`, `migrate` and `up` report with their fixes).
fn migration_sources(
    settings: &Settings,
    spec: &Spec,
) -> Result<Option<Vec<awsdeploy_lint::Source>>, CliError> {
    let Some(path) = spec.migration.as_ref().and_then(|m| m.path.as_deref()) else {
        return Ok(None);
    };
    let Ok(migrations) =
        awsdeploy_spec::migrations::lint(&relative_to_spec(settings, Path::new(path)))
    else {
        return Ok(None);
    };
    let sources = migrations
        .versions
        .iter()
        .map(|v| {
            let file = migrations.path.join(&v.up);
            std::fs::read_to_string(&file)
                .map(|sql| awsdeploy_lint::Source {
                    version: v.version,
                    name: v.up.clone(),
                    sql,
                })
                .map_err(|e| {
                    CliError::new(
                        format!("cannot read {} ({e}); nothing was changed", file.display()),
                        Some("migration files must be readable UTF-8 text".to_owned()),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(sources))
}

/// Refuses a plan whose migration lint holds an error no annotation
/// allows, before anything changes.
fn check_migration_lint(plan: &awsdeploy_plan::Plan) -> Result<(), CliError> {
    let Some(lint) = &plan.migration_lint else {
        return Ok(());
    };
    let errors: Vec<String> = lint.errors().map(ToString::to_string).collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(CliError::new(
        format!(
            "the migration lint found {} error{} in the files this release applies; nothing was changed and the migration did not run:\n{}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            errors.join("\n")
        ),
        Some("make the change safe (docs/migration-lint.md says how for each rule), or allow it on purpose with `-- awsdeploy:allow CODE <reason>` on the line above the statement; `awsdeploy migrate --lint` checks the files offline".to_owned()),
    ))
}

/// `path` as the spec means it: relative to the spec file's folder.
fn relative_to_spec(settings: &Settings, path: &Path) -> std::path::PathBuf {
    let base = settings.spec.parent().unwrap_or_else(|| Path::new("."));
    let joined = base.join(path);
    std::path::absolute(&joined).unwrap_or(joined)
}

fn load_artifact(path: &Path) -> Result<Artifact, CliError> {
    awsdeploy_spec::artifact::load(path)
        .map_err(|e| CliError::new(format!("{e}; nothing was changed"), Some(e.hint.clone())))
}

/// Checks the local migrations folder (`migration.path`, relative to the
/// spec file), when the spec names one.
fn lint_migrations(settings: &Settings, spec: &Spec) -> Result<Option<Migrations>, CliError> {
    let Some(path) = spec.migration.as_ref().and_then(|m| m.path.as_deref()) else {
        return Ok(None);
    };
    let migrations = awsdeploy_spec::migrations::lint(&relative_to_spec(settings, Path::new(path)))
        .map_err(|e| {
        CliError::new(
            format!("{e}\nnothing was changed"),
            Some("fix the migration files (golang-migrate reads <version>_<title>.up.sql and .down.sql), then run again".to_owned()),
        )
    })?;
    Ok(Some(migrations))
}

/// Where long steps report: their lines on stderr, and an upload's bytes
/// as a bar on a terminal (a line when it is done elsewhere).
fn step_output() -> awsdeploy_aws::Output {
    use std::sync::{Arc, OnceLock};
    let bar: Arc<OnceLock<indicatif::ProgressBar>> = Arc::default();
    awsdeploy_aws::Output {
        line: Arc::new(|line| crate::progress::line(&format!("  {line}"))),
        upload: Arc::new(move |sent, total| {
            if std::io::stderr().is_terminal() {
                let bar = bar.get_or_init(|| {
                    let bar = indicatif::ProgressBar::new(total);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "  web: uploading {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
                        )
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                    );
                    bar
                });
                bar.set_position(sent);
                if sent >= total {
                    bar.finish();
                }
            } else if sent >= total {
                eprintln!("  web: uploaded {total} bytes");
            }
        }),
    }
}

/// The spec with `--image-tag` in place of `service.image_tag`.
fn with_image_tag(mut spec: Spec, tag: Option<&str>) -> Result<Spec, CliError> {
    let Some(tag) = tag else { return Ok(spec) };
    let Some(service) = spec.service.as_mut() else {
        return Err(CliError::new(
            "--image-tag was given but the spec has no [service]",
            Some("add a [service] section (and [registry]) to deploy an image".to_owned()),
        ));
    };
    if tag.is_empty()
        || tag.len() > 128
        || !tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(CliError::new(
            format!("--image-tag `{tag}` is not a valid image tag"),
            Some("a tag is 1 to 128 letters, digits, '.', '_' or '-'".to_owned()),
        ));
    }
    service.image_tag = Some(tag.to_owned());
    Ok(spec)
}

fn load_spec(settings: &Settings) -> Result<Spec, CliError> {
    Ok(Spec::load(&settings.spec, &settings.env)?)
}

/// The SDK clients for the spec's app, env and region.
async fn connect(spec: &Spec) -> Result<Aws, CliError> {
    Ok(
        Aws::connect(spec.app.region.as_deref(), &spec.app.name, &spec.env)
            .await?
            .allowing_accounts(&spec.app.allowed_account_ids),
    )
}

/// What is live of the spec's app and env, saying so first.
async fn observe(aws: &Aws, spec: &Spec) -> Result<awsdeploy_plan::Live, CliError> {
    output::progress(&format!(
        "Observing {}-{} in {}...",
        spec.app.name,
        spec.env,
        aws.region()
    ));
    Ok(aws.observe(&awsdeploy_plan::lookups(spec)).await?)
}

async fn observe_and_plan(aws: &Aws, spec: &Spec, options: &Options) -> Result<Plan, CliError> {
    let live = observe(aws, spec).await?;
    Ok(awsdeploy_plan::plan_with(
        spec,
        aws.region(),
        &live,
        options,
    )?)
}

fn print_plan(settings: &Settings, plan: &Plan) {
    match settings.format {
        Format::Text => output::data(&render::text(plan, output::colour())),
        Format::Json => output::json(&serde_json::json!({ "plan": plan })),
    }
}
