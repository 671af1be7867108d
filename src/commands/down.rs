//! `awsdeploy down`: deletes everything awsdeploy owns for the app and env,
//! in reverse dependency order, holding the deploy lock; the lock's table
//! goes last.

use std::io::{BufRead as _, IsTerminal as _};
use std::time::Duration;

use awsdeploy_plan::teardown::{self, TeardownOptions};
use awsdeploy_plan::{Plan, render};

use super::{CliError, connect, load_spec, locked, print_plan, up};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output::{self, Format};

pub(super) async fn down(
    settings: &Settings,
    delete_data: bool,
    yes: bool,
    lock_timeout: Duration,
) -> Result<Exit, CliError> {
    let spec = load_spec(settings)?;
    if yes && !settings.env_explicit {
        return Err(CliError::new(
            "`down --yes` deletes an environment without asking: name it with -e/--env",
            Some(format!(
                "e.g. `awsdeploy down -e {} --yes`; nothing was changed",
                spec.env
            )),
        ));
    }
    let aws = connect(&spec).await?;
    let result = locked(
        &aws,
        "down",
        lock_timeout,
        Box::pin(async {
            output::progress(&format!(
                "Observing {}-{} in {}...",
                spec.app.name,
                spec.env,
                aws.region()
            ));
            let live = aws.observe(&teardown::lookups(&spec)).await?;
            let plan =
                teardown::teardown(&spec, aws.region(), &live, TeardownOptions { delete_data })?;
            match settings.format {
                Format::Text => print_plan(settings, &plan),
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
            up::apply(settings, &aws, &plan).await
        }),
    )
    .await;
    if matches!(result, Ok(Exit::Success)) {
        aws.delete_lock_table().await?;
        output::progress(&format!(
            "{}-{} is gone: nothing awsdeploy made for it is left in {}.",
            spec.app.name,
            spec.env,
            aws.region()
        ));
    }
    result
}

/// On a terminal: the environment's name, typed.
fn confirm(plan: &Plan) -> Result<(), CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::new(
            "refusing to delete without confirmation: stdin is not a terminal",
            Some(format!(
                "re-run with `-e {} --yes` to delete without asking (as in CI); nothing was changed",
                plan.env
            )),
        ));
    }
    eprint!(
        "\nDelete everything above from {}-{} in {}? Type the environment's name ({}) to confirm: ",
        plan.app, plan.env, plan.region, plan.env
    );
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::new(format!("cannot read the answer: {e}"), None))?;
    if answer.trim() == plan.env {
        Ok(())
    } else {
        Err(CliError::new("cancelled; nothing was changed", None))
    }
}
