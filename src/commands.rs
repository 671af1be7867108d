//! The commands: each loads the spec, talks to AWS through `awsdeploy-aws`,
//! plans with `awsdeploy-plan`, and prints through [`crate::output`].

use std::fmt::Write as _;
use std::io::{BufRead as _, IsTerminal as _};

use awsdeploy_aws::{Aws, AwsError};
use awsdeploy_plan::execute::{self, Event};
use awsdeploy_plan::{Action, Plan, PlanError, render};
use awsdeploy_spec::{Spec, SpecError};

use crate::cli::{Command, Settings};
use crate::exit::Exit;
use crate::output::{self, Format};

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
    let spec = Spec::load(&settings.spec, &settings.env)?;
    match settings.command {
        Command::Validate => Ok(validate(settings, &spec)),
        Command::Diff { detailed_exitcode } => {
            let (_, plan) = observe_and_plan(&spec).await?;
            print_plan(settings, &plan);
            Ok(if detailed_exitcode && !plan.is_empty() {
                Exit::ChangesPending
            } else {
                Exit::Success
            })
        }
        Command::Up { yes } => up(settings, &spec, yes).await,
    }
}

fn validate(settings: &Settings, spec: &Spec) -> Exit {
    match settings.format {
        Format::Json => output::json(&serde_json::json!({ "valid": true, "spec": spec })),
        Format::Text => {
            let network = &spec.network;
            output::data(&format!(
                "{} is valid.\n\napp      {}\nenv      {}\nregion   {}\nnetwork  {} over {} AZs, NAT {}\nservice  port {}\n",
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
                spec.service.port,
            ));
        }
    }
    Exit::Success
}

async fn observe_and_plan(spec: &Spec) -> Result<(Aws, Plan), CliError> {
    let aws = Aws::connect(spec.app.region.as_deref(), &spec.app.name, &spec.env).await?;
    output::progress(&format!(
        "Observing {}-{} in {}...",
        spec.app.name,
        spec.env,
        aws.region()
    ));
    let live = aws.observe().await?;
    let plan = awsdeploy_plan::plan(spec, aws.region(), &live)?;
    Ok((aws, plan))
}

fn print_plan(settings: &Settings, plan: &Plan) {
    match settings.format {
        Format::Text => output::data(&render::text(plan, output::colour())),
        Format::Json => output::json(&serde_json::json!({ "plan": plan })),
    }
}

async fn up(settings: &Settings, spec: &Spec, yes: bool) -> Result<Exit, CliError> {
    let (aws, plan) = observe_and_plan(spec).await?;
    match settings.format {
        Format::Text => print_plan(settings, &plan),
        // One JSON document at the end; people confirming still see the plan.
        Format::Json if !yes && !plan.is_empty() => {
            eprint!("{}", render::text(&plan, render::Colour::Never));
        }
        Format::Json => {}
    }
    if plan.is_empty() {
        if settings.format == Format::Json {
            output::json(&serde_json::json!({ "plan": plan, "result": null }));
        }
        return Ok(Exit::Success);
    }
    if !yes {
        confirm(&plan)?;
    }

    let total = plan.changes.len();
    let mut finished = 0;
    let report = execute::execute(&plan, &aws, APPLY_CONCURRENCY, |event| match event {
        Event::Started(change) => {
            tracing::info!(kind = change.kind.label(), name = %change.name, "started");
        }
        Event::Finished { change, id } => {
            finished += 1;
            let verb = match change.action {
                Action::Create => "created",
                Action::Update => "updated",
                Action::Delete => "deleted",
            };
            let id = id
                .or(change.id.as_deref())
                .map(|id| format!(" ({id})"))
                .unwrap_or_default();
            output::progress(&format!(
                "[{finished}/{total}] {verb} {} {}{id}",
                change.kind.label(),
                change.name
            ));
        }
        Event::Failed { change, error } => {
            output::progress(&format!(
                "failed: {} {}: {error}",
                change.kind.label(),
                change.name
            ));
        }
    })
    .await;

    if settings.format == Format::Json {
        output::json(&serde_json::json!({
            "plan": plan,
            "result": {
                "done": report.done,
                "failed": report.failed.iter().map(|f| serde_json::json!({ "key": f.key, "error": f.error })).collect::<Vec<_>>(),
                "not_started": report.not_started,
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
        "up stopped: {} of {total} changes done, {} failed, {} not started",
        report.done.len(),
        report.failed.len(),
        report.not_started.len()
    );
    for failure in &report.failed {
        let _ = write!(message, "\n  failed: {}: {}", failure.key, failure.error);
    }
    for key in &report.not_started {
        let _ = write!(message, "\n  not started: {key}");
    }
    Err(CliError::new(
        message,
        Some("what finished is kept and tagged; fix the cause and run `awsdeploy up` again: it continues from what is live".to_owned()),
    ))
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
