//! `awsdeploy up`: the plan applied (from the spec, or a saved plan after
//! checking that what is live has not moved), with progress and a report.

use std::fmt::Write as _;
use std::io::{BufRead as _, IsTerminal as _};
use std::path::Path;

use awsdeploy_aws::{Aws, AwsError};
use awsdeploy_plan::{PLAN_FORMAT_VERSION, Plan, execute, render};

use awsdeploy_plan::ComponentId;
use awsdeploy_plan::migration::Policy;

use super::{
    CliError, causes, connect, lint_migrations, load_spec, locked, observe_and_plan, options,
    print_plan, step_output, with_image_tag,
};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output::{self, Format};
use crate::progress::Progress;

/// How many changes `up` runs at once.
pub(super) const APPLY_CONCURRENCY: usize = 8;

/// Reads a plan saved by `diff --out`.
pub(super) fn read_saved_plan(path: &Path) -> Result<Plan, CliError> {
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
    serde_json::from_str(&text)
        .map_err(|e| CliError::new(format!("{} is not a valid plan: {e}", path.display()), None))
}

/// Checks that what is live is still what the saved `plan` was made
/// against.
pub(super) async fn check_saved_plan(aws: &Aws, plan: &Plan, path: &Path) -> Result<(), CliError> {
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
    Ok(())
}

/// How `up` applies: its flags.
#[derive(Debug, Clone, Copy)]
pub(super) struct Apply {
    pub yes: bool,
    pub allow_replace: bool,
    pub lock_timeout: std::time::Duration,
    /// Where the waits for deployments that shift traffic end.
    pub wait_until: awsdeploy_plan::WaitPoint,
}

impl Apply {
    /// [`up`] of a plan of the spec, with these options.
    async fn plan(&self, settings: &Settings, aws: &Aws, plan: &Plan) -> Result<Exit, CliError> {
        refuse_while_deploying(aws, plan).await?;
        let mut plan = plan.clone();
        for change in &mut plan.changes {
            for step in &mut change.steps {
                if let awsdeploy_plan::Step::Service(
                    awsdeploy_plan::ServiceStep::WaitForRollout { wait_until, .. },
                ) = step
                {
                    *wait_until = self.wait_until;
                }
            }
        }
        up(
            settings,
            aws,
            &plan,
            self.yes,
            self.allow_replace,
            NOW_IN_SYNC,
        )
        .await
    }
}

/// A plan waits for a deployment ECS has not finished, with nothing
/// changed, when it would update the service of a strategy while ECS waits
/// at a pause (`service.deploy.pause_at`: someone is deciding, and what ECS
/// does with an update then is not documented), or would delete a listener
/// or a listener rule while a deployment is going (its rollback may go
/// back to a revision that names the rule). Two calls, only for such plans.
async fn refuse_while_deploying(aws: &Aws, plan: &Plan) -> Result<(), CliError> {
    use awsdeploy_plan::{LoadBalancerStep, ServiceStep, Step};
    let steps = || plan.changes.iter().flat_map(|c| &c.steps);
    let updates = steps().any(|s| matches!(s, Step::Service(ServiceStep::UpdateService { .. })));
    let shifts = steps().any(|s| {
        matches!(
            s,
            Step::Service(ServiceStep::WaitForRollout {
                shifts_traffic: true,
                ..
            })
        )
    });
    let deletes_routing = steps().any(|s| {
        matches!(
            s,
            Step::LoadBalancer(
                LoadBalancerStep::DeleteRule { .. } | LoadBalancerStep::DeleteListener { .. }
            )
        )
    });
    if !(updates && shifts || deletes_routing) {
        return Ok(());
    }
    // No service (or cluster) yet: no deployment either.
    let going = match aws.deployment_going().await {
        Ok(going) => going,
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e.into()),
    };
    let Some(going) = going else {
        return Ok(());
    };
    let revision = going.revision.as_deref().unwrap_or("a new revision");
    if going.paused.is_some() && updates && shifts {
        return Err(CliError::new(
            format!(
                "the deployment of {revision} is paused at {}; nothing was changed",
                going.stage
            ),
            Some("answer it first: `awsdeploy continue` lets it go on, `awsdeploy rollback` rolls it back; then run `awsdeploy up` again".to_owned()),
        ));
    }
    if deletes_routing {
        return Err(CliError::new(
            format!(
                "the deployment of {revision} has not ended ({}), and this plan deletes a listener or a listener rule its rollback may need; nothing was changed",
                going.summary()
            ),
            Some("run `awsdeploy up` again once it has ended (`awsdeploy status` shows it), or end it now with `awsdeploy continue` or `awsdeploy rollback`".to_owned()),
        ));
    }
    Ok(())
}

/// `up` from the spec: observed and planned holding the deploy lock.
pub(super) async fn from_spec(
    settings: &Settings,
    image_tag: Option<&str>,
    migrate: (Policy, bool),
    apply: Apply,
) -> Result<Exit, CliError> {
    let spec = with_image_tag(load_spec(settings)?, image_tag)?;
    let test_port = spec.service.as_ref().and_then(|s| s.deploy.test_port);
    if apply.wait_until == awsdeploy_plan::WaitPoint::TestTrafficShifted && test_port.is_none() {
        return Err(CliError::new(
            "--wait-until test-traffic-shifted needs a test listener, and the spec has none; nothing was changed".to_owned(),
            Some("set service.deploy.test_port (with strategy blue_green, canary or linear), or use --wait-until traffic-shifted".to_owned()),
        ));
    }
    let options = options(settings, &spec, migrate)?;
    let aws = connect(&spec).await?;
    locked(
        &aws,
        "up",
        apply.lock_timeout,
        Box::pin(async {
            let plan = observe_and_plan(&aws, &spec, &options).await?;
            if plan
                .changes
                .iter()
                .any(|c| c.component == ComponentId::Migration)
            {
                lint_migrations(settings, &spec)?;
            }
            apply.plan(settings, &aws, &plan).await
        }),
    )
    .await
}

/// `up --plan FILE`: the saved plan, checked against live holding the lock.
pub(super) async fn from_saved(
    settings: &Settings,
    path: &Path,
    apply: Apply,
) -> Result<Exit, CliError> {
    let plan = read_saved_plan(path)?;
    let aws = Aws::connect(Some(&plan.region), &plan.app, &plan.env)
        .await?
        .allowing_accounts(&plan.allowed_account_ids);
    locked(
        &aws,
        "up",
        apply.lock_timeout,
        Box::pin(async {
            check_saved_plan(&aws, &plan, path).await?;
            apply.plan(settings, &aws, &plan).await
        }),
    )
    .await
}

/// What `up` says once a plan of the spec is applied.
const NOW_IN_SYNC: &str = "`awsdeploy diff` now shows no changes.";

/// Shows `plan`, confirms it (unless `yes`), applies it, and says `then`
/// when it all succeeded.
pub(super) async fn up(
    settings: &Settings,
    aws: &Aws,
    plan: &Plan,
    yes: bool,
    allow_replace: bool,
    then: &str,
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
    super::check_migration_lint(plan)?;
    if !yes {
        confirm(plan)?;
    }
    let exit = apply(settings, aws, plan).await?;
    if exit == Exit::Success {
        output::progress(then);
    }
    Ok(exit)
}

/// Runs the plan's changes with progress and Ctrl-C handling, and reports.
pub(super) async fn apply(settings: &Settings, aws: &Aws, plan: &Plan) -> Result<Exit, CliError> {
    let progress = std::cell::RefCell::new(Progress::new(settings.format, plan.changes.len()));
    let stop = async {
        // If the handler cannot be installed, never stop.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        crate::progress::line(
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
pub(super) fn finish(
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
        output::progress(&format!("Applied {total} changes."));
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
        .any(|key| key.component() == awsdeploy_plan::ComponentId::Migration);
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
pub(super) fn confirm(plan: &Plan) -> Result<(), CliError> {
    confirm_action(&format!(
        "Apply these changes to {}-{} in {}?",
        plan.app, plan.env, plan.region
    ))
}

/// Asks `question` on the terminal; refuses outright without one.
pub(super) fn confirm_action(question: &str) -> Result<(), CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::new(
            "refusing to apply without confirmation: stdin is not a terminal",
            Some("re-run with --yes to apply without asking (as in CI), or run `awsdeploy diff` to see the plan only".to_owned()),
        ));
    }
    eprint!("\n{question} Only 'yes' is accepted: ");
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
