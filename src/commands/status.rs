//! `awsdeploy status`: the environment on one screen, read-only; exit 0
//! when healthy, 2 when degraded, 1 on error. `--watch` refreshes it.

use std::io::IsTerminal as _;
use std::time::Duration;

use awsdeploy_aws::Aws;
use awsdeploy_plan::status::{self, Health, Status};
use awsdeploy_plan::{Options, migration::Policy};
use awsdeploy_spec::Spec;

use super::{CliError, connect, load_spec, options};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output::{self, Format};

/// How often `--watch` reads again.
const WATCH_EVERY: Duration = Duration::from_secs(5);

pub(super) async fn run(settings: &Settings, watch: bool) -> Result<Exit, CliError> {
    let spec = load_spec(settings)?;
    // The web artifact makes the drift count match `diff`'s; a missing or
    // bad one is `diff`'s and `up`'s to report, not status's.
    let options = options(settings, &spec, (Policy::Auto, false)).unwrap_or_default();
    let aws = connect(&spec).await?;
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let status = read(&aws, &spec, &options).await?;
        show(settings.format, &status, watch);
        let exit = match status.health {
            Health::Healthy => Exit::Success,
            Health::Degraded => Exit::Degraded,
        };
        if !watch {
            return Ok(exit);
        }
        tokio::select! {
            () = tokio::time::sleep(WATCH_EVERY) => {}
            _ = &mut stop => return Ok(exit),
        }
    }
}

/// Observation, the lock's holder and the status reads, then the report.
async fn read(aws: &Aws, spec: &Spec, options: &Options) -> Result<Status, CliError> {
    let lookups = awsdeploy_plan::lookups(spec);
    let (live, holder) = tokio::try_join!(aws.observe(&lookups), aws.lock_holder())?;
    let extras = aws.status_extras(&live).await?;
    let (drift, unplanned) = match awsdeploy_plan::plan_with(spec, aws.region(), &live, options) {
        Ok(plan) => (plan.changes.len(), None),
        Err(e) => (0, Some(format!("`awsdeploy diff` cannot plan: {e}"))),
    };
    let mut report = status::report(
        awsdeploy_plan::COMPONENTS,
        (&spec.app.name, &spec.env, aws.region()),
        &live,
        &extras,
        drift,
        holder.map(|h| h.to_string()),
    );
    if let Some(problem) = unplanned {
        report.problems.push(problem);
        report.health = Health::Degraded;
    }
    Ok(report)
}

fn show(format: Format, status: &Status, watch: bool) {
    match format {
        Format::Json => output::json(&serde_json::to_value(status).unwrap_or_default()),
        Format::Text => {
            let mut text = status::text(status);
            if watch {
                text = if std::io::stdout().is_terminal() {
                    // Clear the screen and redraw, as `watch` does.
                    format!(
                        "\u{1b}[2J\u{1b}[H{text}\n(every {}s; Ctrl-C to stop)\n",
                        WATCH_EVERY.as_secs()
                    )
                } else {
                    format!("{text}\n")
                };
            }
            output::data(&text);
        }
    }
}
