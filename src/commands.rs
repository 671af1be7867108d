//! The commands: each loads the spec, talks to AWS through `awsdeploy-aws`,
//! plans with `awsdeploy-plan`, and prints through [`crate::output`].

use std::fmt::Write as _;
use std::io::{BufRead as _, IsTerminal as _};
use std::path::Path;

use awsdeploy_aws::{Aws, AwsError};
use awsdeploy_plan::execute;
use awsdeploy_plan::migration::Policy;
use awsdeploy_plan::web::WebArtifact;
use awsdeploy_plan::{Component, Options, PLAN_FORMAT_VERSION, Plan, PlanError, render};
use awsdeploy_spec::artifact::Artifact;
use awsdeploy_spec::migrations::Migrations;
use awsdeploy_spec::{Spec, SpecError};

use crate::cli::{Command, Settings};
use crate::exit::Exit;
use crate::output::{self, Format};
use crate::progress::Progress;

/// How many changes `up` runs at once.
const APPLY_CONCURRENCY: usize = 8;

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
        let mut cli = CliError::new(error.to_string(), error.hint().map(str::to_owned));
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
            check_artifact(settings, &spec)?;
            Ok(validate(settings, &spec, *show))
        }
        Command::Diff {
            detailed_exitcode,
            out,
            image_tag,
            migrate,
        } => {
            let spec = with_image_tag(load_spec(settings)?, image_tag.as_deref())?;
            let options = options(settings, &spec, *migrate)?;
            let (_, plan) = observe_and_plan(&spec, &options).await?;
            if let Some(path) = out {
                save_plan(&plan, path)?;
            }
            print_plan(settings, &plan);
            Ok(if *detailed_exitcode && !plan.is_empty() {
                Exit::ChangesPending
            } else {
                Exit::Success
            })
        }
        Command::Up {
            yes,
            allow_replace,
            plan: None,
            image_tag,
            migrate,
        } => {
            let spec = with_image_tag(load_spec(settings)?, image_tag.as_deref())?;
            let options = options(settings, &spec, *migrate)?;
            let (aws, plan) = observe_and_plan(&spec, &options).await?;
            if plan
                .changes
                .iter()
                .any(|c| c.component == Component::Migration)
            {
                lint_migrations(settings, &spec)?;
            }
            up(settings, &aws, &plan, *yes, *allow_replace).await
        }
        Command::Up {
            yes,
            allow_replace,
            plan: Some(path),
            ..
        } => {
            let (aws, plan) = load_saved_plan(path).await?;
            up(settings, &aws, &plan, *yes, *allow_replace).await
        }
        Command::Migrate { image_tag, dry_run } => {
            let spec = with_image_tag(load_spec(settings)?, image_tag.as_deref())?;
            migrate(settings, &spec, *dry_run).await
        }
        Command::WebRelease { artifact, force } => {
            web_release(settings, &load_spec(settings)?, artifact.as_deref(), *force).await
        }
    }
}

/// The planning options: `--migrate`, and the web artifact (read, checked
/// and hashed here, before any AWS call).
fn options(settings: &Settings, spec: &Spec, migrate: Policy) -> Result<Options, CliError> {
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
    })
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

/// `awsdeploy web-release`: the artifact checked and zipped first, then
/// released unless the branch serves it already.
async fn web_release(
    settings: &Settings,
    spec: &Spec,
    artifact: Option<&Path>,
    force: bool,
) -> Result<Exit, CliError> {
    let Some(web) = &spec.web else {
        return Err(CliError::new(
            format!("{} has no [web]", settings.spec.display()),
            Some("add [web] (branch, artifact), run `awsdeploy up` to make the Amplify app, then release".to_owned()),
        ));
    };
    let path = match (artifact, web.artifact.as_deref()) {
        (Some(path), _) => path.to_owned(),
        (None, Some(path)) => relative_to_spec(settings, Path::new(path)),
        (None, None) => {
            return Err(CliError::new(
                "no artifact to release: give --artifact PATH or set web.artifact",
                Some("the artifact is the static export folder (out/) or a .zip of it".to_owned()),
            ));
        }
    };
    let artifact = load_artifact(&path)?;
    output::progress(&format!(
        "{}: {} files, {} bytes zipped, SHA-256 {}.",
        artifact.path.display(),
        artifact.files,
        artifact.zip.len(),
        artifact.sha256
    ));
    let aws = Aws::connect(spec.app.region.as_deref(), &spec.app.name, &spec.env)
        .await?
        .with_output(step_output());
    let live = aws.observe_web(&web.branch).await?;
    let app_name = awsdeploy_plan::web::app_name(&spec.app.name, &spec.env);
    let (Some(app), Some(branch)) = (&live.app, &live.branch) else {
        return Err(CliError::new(
            format!(
                "the Amplify app {app_name} or its branch {} does not exist yet",
                web.branch
            ),
            Some("run `awsdeploy up` first: it makes them (and releases web.artifact)".to_owned()),
        ));
    };
    if !app.owned {
        return Err(
            PlanError::not_ours(awsdeploy_plan::ResourceKind::AmplifyApp, &app_name).into(),
        );
    }
    let url = format!(
        "https://{}.{}",
        web.branch.replace('/', "-"),
        app.default_domain
    );
    let json = |uploaded: bool, url: &str| {
        if settings.format == Format::Json {
            output::json(&serde_json::json!({
                "web_release": {
                    "app": app.id, "branch": branch.name, "sha256": artifact.sha256,
                    "uploaded": uploaded, "url": url,
                }
            }));
        }
    };
    if !force && branch.artifact_sha256.as_deref() == Some(artifact.sha256.as_str()) {
        output::progress(&format!(
            "{} already serves this artifact (SHA-256 {}): nothing uploaded. `--force` releases it again.
{url}",
            web.branch, artifact.sha256
        ));
        json(false, &url);
        return Ok(Exit::Success);
    }
    let url = aws
        .release_web(&app.id, &web.branch, &artifact, web.timeout.0)
        .await?;
    output::progress(&format!("Released: {} serves {url}", web.branch));
    json(true, &url);
    Ok(Exit::Success)
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

/// `awsdeploy migrate`: the migration change of a plan that always
/// migrates, run on its own.
async fn migrate(settings: &Settings, spec: &Spec, dry_run: bool) -> Result<Exit, CliError> {
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
    let options = Options {
        migrate: Policy::Always,
        web_artifact: None,
    };
    let (aws, plan) = observe_and_plan(spec, &options).await?;
    let run = awsdeploy_plan::migration::standalone(&plan)?;
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
    let aws = aws.with_output(step_output());
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
                run.wait.how_to_follow(),
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

/// Where long steps report: their lines on stderr, and an upload's bytes
/// as a bar on a terminal (a line when it is done elsewhere).
fn step_output() -> awsdeploy_aws::Output {
    use std::sync::{Arc, OnceLock};
    let bar: Arc<OnceLock<indicatif::ProgressBar>> = Arc::default();
    awsdeploy_aws::Output {
        line: Arc::new(|line| eprintln!("  {line}")),
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

/// What `migrate --dry-run` prints: the revision it would register (if
/// any) and the `RunTask` request, in the API's field names.
fn dry_run_request(
    task: &awsdeploy_plan::MigrationTask,
    definition: &awsdeploy_plan::TaskDefinition,
    current: Option<&str>,
) -> serde_json::Value {
    let existing = |r: &awsdeploy_plan::Ref| match r {
        awsdeploy_plan::Ref::Existing(id) | awsdeploy_plan::Ref::Planned(id) => id.clone(),
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

fn save_plan(plan: &Plan, path: &Path) -> Result<(), CliError> {
    let json = serde_json::to_string_pretty(plan)
        .map_err(|e| CliError::new(format!("cannot serialise the plan: {e}"), None))?;
    std::fs::write(path, json + "\n").map_err(|e| {
        CliError::new(
            format!("cannot write the plan to {}: {e}", path.display()),
            None,
        )
    })?;
    output::progress(&format!(
        "Saved the plan to {}; apply it with `awsdeploy up --plan {}`.",
        path.display(),
        path.display()
    ));
    Ok(())
}

/// Reads a plan saved by `diff --out` and checks that what is live is still
/// what it was planned against.
async fn load_saved_plan(path: &Path) -> Result<(Aws, Plan), CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::new(
            format!("cannot read the saved plan {}: {e}", path.display()),
            Some("save one with `awsdeploy diff --out FILE`".to_owned()),
        )
    })?;
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["format_version"].as_u64());
    if version != Some(u64::from(PLAN_FORMAT_VERSION)) {
        return Err(CliError::new(
            format!(
                "{} is not a plan in format version {PLAN_FORMAT_VERSION} (found {version:?})",
                path.display()
            ),
            Some("save the plan again with this awsdeploy: `awsdeploy diff --out FILE`".to_owned()),
        ));
    }
    let plan: Plan = serde_json::from_str(&text)
        .map_err(|e| CliError::new(format!("{} is not a valid plan: {e}", path.display()), None))?;
    let aws = Aws::connect(Some(&plan.region), &plan.app, &plan.env).await?;
    output::progress(&format!(
        "Checking that {}-{} in {} is as it was when the plan was saved...",
        plan.app, plan.env, plan.region
    ));
    let live = aws.observe(&plan.lookups).await?;
    if live.fingerprint() != plan.fingerprint {
        return Err(CliError::new(
            format!("what is live changed since the plan in {} was saved; it was not applied", path.display()),
            Some("make a new plan with `awsdeploy diff --out FILE`, review it, then `awsdeploy up --plan FILE`".to_owned()),
        ));
    }
    Ok((aws, plan))
}

/// `validate`'s look at web.artifact: checked when it is there (a server
/// build or a missing index.html is an error), a warning when it is not
/// built yet.
fn check_artifact(settings: &Settings, spec: &Spec) -> Result<(), CliError> {
    let Some(artifact) = spec.web.as_ref().and_then(|w| w.artifact.as_deref()) else {
        return Ok(());
    };
    let path = relative_to_spec(settings, Path::new(artifact));
    if path.exists() {
        load_artifact(&path)?;
    } else {
        output::progress(&format!(
            "warning: web.artifact {} does not exist (yet)\nhint: build the static export first (e.g. `next build` with output: 'export'); `up` and web-release refuse a missing artifact",
            path.display()
        ));
    }
    Ok(())
}

fn validate(settings: &Settings, spec: &Spec, show: bool) -> Exit {
    let warnings = spec.warnings();
    if settings.format == Format::Text {
        for warning in &warnings {
            output::progress(&format!("warning: {warning}"));
        }
    }
    match settings.format {
        Format::Json => {
            output::json(&serde_json::json!({ "valid": true, "warnings": warnings, "spec": spec }));
        }
        Format::Text if show => output::data(&spec.to_toml()),
        Format::Text => {
            let network = &spec.network;
            let mut summary = format!(
                "{} is valid.\n\napp        {}\nenv        {}\nregion     {}\nnetwork    {} over {} AZs, NAT {}\n",
                settings.spec.display(),
                spec.app.name,
                spec.env,
                spec.app
                    .region
                    .as_deref()
                    .unwrap_or("(from the AWS chain: AWS_REGION or the profile)"),
                network.cidr,
                network.azs,
                network.nat.as_str(),
            );
            let mut line = |label: &str, text: String| {
                let _ = writeln!(summary, "{label:<10} {text}");
            };
            if let Some(db) = &spec.database {
                line(
                    "database",
                    format!(
                        "MySQL {} on {}, {} GB, multi-AZ {}",
                        db.engine_version, db.instance_class, db.storage_gb, db.multi_az
                    ),
                );
            }
            if let Some(registry) = &spec.registry {
                line(
                    "registry",
                    format!(
                        "{}, keeps {} images",
                        registry.repository, registry.keep_images
                    ),
                );
            }
            if let Some(service) = &spec.service {
                line(
                    "service",
                    format!(
                        "{} x {} CPU / {} MiB on port {}",
                        service.desired_count, service.cpu, service.memory, service.port
                    ),
                );
            }
            if let Some(migration) = &spec.migration {
                line(
                    "migration",
                    format!(
                        "`{}` (timeout {})",
                        migration.command.join(" "),
                        migration.timeout
                    ),
                );
            }
            if let Some(web) = &spec.web {
                line(
                    "web",
                    format!(
                        "branch {}{}",
                        web.branch,
                        web.artifact
                            .as_deref()
                            .map(|a| format!(", artifact {a}"))
                            .unwrap_or_default()
                    ),
                );
            }
            if let Some(dns) = &spec.dns {
                line("dns", format!("{} in {}", dns.api, dns.zone));
            }
            summary.push_str("\n`validate --show` prints the whole resolved spec.\n");
            output::data(&summary);
        }
    }
    Exit::Success
}

async fn observe_and_plan(spec: &Spec, options: &Options) -> Result<(Aws, Plan), CliError> {
    let aws = Aws::connect(spec.app.region.as_deref(), &spec.app.name, &spec.env).await?;
    output::progress(&format!(
        "Observing {}-{} in {}...",
        spec.app.name,
        spec.env,
        aws.region()
    ));
    let live = aws.observe(&awsdeploy_plan::lookups(spec)).await?;
    let plan = awsdeploy_plan::plan_with(spec, aws.region(), &live, options)?;
    Ok((aws, plan))
}

fn print_plan(settings: &Settings, plan: &Plan) {
    match settings.format {
        Format::Text => output::data(&render::text(plan, output::colour())),
        Format::Json => output::json(&serde_json::json!({ "plan": plan })),
    }
}

async fn up(
    settings: &Settings,
    aws: &Aws,
    plan: &Plan,
    yes: bool,
    allow_replace: bool,
) -> Result<Exit, CliError> {
    match settings.format {
        Format::Text => print_plan(settings, plan),
        // One JSON document at the end; people confirming still see the plan.
        Format::Json if !yes && !plan.is_empty() => {
            eprint!("{}", render::text(plan, render::Colour::Never));
        }
        Format::Json => {}
    }
    if plan.is_empty() {
        if settings.format == Format::Json {
            output::json(&serde_json::json!({ "plan": plan, "result": null }));
        }
        return Ok(Exit::Success);
    }
    plan.check_guards(allow_replace)
        .map_err(|e| CliError::new(format!("{e}; nothing was changed"), Some(e.hint())))?;
    if !yes {
        confirm(plan)?;
    }

    let progress = std::cell::RefCell::new(Progress::new(settings.format, plan.changes.len()));
    let stop = async {
        // If the handler cannot be installed, never stop.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        progress.borrow().note(
            "Interrupted: starting nothing new, no longer waiting for rollouts; waiting for the AWS calls in flight to finish...",
        );
    };
    let aws = aws.clone().with_output(step_output());
    let report = execute::execute(plan, &aws, APPLY_CONCURRENCY, stop, |event| {
        progress.borrow_mut().event(&event);
    })
    .await;
    finish(settings, plan, &report)
}

/// Prints the outcome of an apply and picks the exit code.
fn finish(
    settings: &Settings,
    plan: &Plan,
    report: &execute::Report<AwsError>,
) -> Result<Exit, CliError> {
    let total = plan.changes.len();
    if settings.format == Format::Json {
        output::json(&serde_json::json!({
            "plan": plan,
            "result": {
                "done": report.done,
                "failed": report.failed.iter().map(|f| serde_json::json!({ "key": f.key, "error": f.error.to_string(), "hint": f.error.hint(), "causes": causes(&f.error) })).collect::<Vec<_>>(),
                "abandoned": report.abandoned.iter().map(|a| serde_json::json!({ "key": a.key, "follow": a.follow })).collect::<Vec<_>>(),
                "not_started": report.not_started,
                "interrupted": report.interrupted,
            }
        }));
    }
    if report.succeeded() {
        output::progress(&format!(
            "Applied {total} changes. `awsdeploy diff` now shows no changes."
        ));
        return Ok(Exit::Success);
    }
    let mut message = format!(
        "up {}: {} of {total} changes done, {} failed, {} not started",
        if report.interrupted {
            "interrupted"
        } else {
            "stopped"
        },
        report.done.len(),
        report.failed.len(),
        report.not_started.len()
    );
    for failure in &report.failed {
        let _ = write!(message, "\n  failed: {}: {}", failure.key, failure.error);
        for cause in causes(&failure.error) {
            let _ = write!(message, "\n    caused by: {cause}");
        }
        if let Some(hint) = failure.error.hint() {
            let _ = write!(message, "\n    hint: {hint}");
        }
    }
    for abandoned in &report.abandoned {
        let _ = write!(
            message,
            "\n  still in progress in AWS: {}: {}",
            abandoned.key, abandoned.follow
        );
    }
    for key in &report.not_started {
        let _ = write!(message, "\n  not started: {key}");
    }
    let migration_stopped = report
        .failed
        .iter()
        .map(|f| &f.key)
        .chain(report.abandoned.iter().map(|a| &a.key))
        .any(|key| key.starts_with("migration/"));
    if migration_stopped {
        message.push_str("\nThe ECS service was not updated: it runs what it ran before.");
    }
    let error = CliError::new(
        message,
        Some("what finished is kept and tagged; fix the cause and run `awsdeploy up` again: it continues from what is live".to_owned()),
    );
    if report.interrupted && report.failed.is_empty() {
        error.print();
        return Ok(Exit::Interrupted);
    }
    Err(error)
}

/// Asks on the terminal; refuses outright without one.
fn confirm(plan: &Plan) -> Result<(), CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::new(
            "refusing to apply without confirmation: stdin is not a terminal",
            Some("re-run with --yes to apply without asking (as in CI), or run `awsdeploy diff` to see the plan only".to_owned()),
        ));
    }
    eprint!(
        "\nApply these changes to {}-{} in {}? Only 'yes' is accepted: ",
        plan.app, plan.env, plan.region
    );
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::new(format!("cannot read the answer: {e}"), None))?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::new("cancelled; nothing was changed", None))
    }
}
