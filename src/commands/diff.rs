//! `awsdeploy diff`: the plan, printed or saved; nothing is changed.

use std::path::Path;

use awsdeploy_plan::Plan;
use awsdeploy_plan::migration::Policy;

use super::{CliError, connect, load_spec, observe_and_plan, options, print_plan, with_image_tag};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output;

pub(super) async fn diff(
    settings: &Settings,
    detailed_exitcode: bool,
    out: Option<&Path>,
    image_tag: Option<&str>,
    migrate: (Policy, bool),
) -> Result<Exit, CliError> {
    let spec = with_image_tag(load_spec(settings)?, image_tag)?;
    let options = options(settings, &spec, migrate)?;
    let aws = connect(&spec).await?;
    let (plan, holder) = tokio::try_join!(observe_and_plan(&aws, &spec, &options), async {
        Ok(aws.lock_holder().await?)
    })?;
    if let Some(holder) = holder {
        output::progress(&format!(
            "Note: the {} environment is locked by {holder}: this plan may be out of date once that run ends.",
            spec.env
        ));
    }
    if let Some(path) = out {
        save_plan(&plan, path)?;
    }
    print_plan(settings, &plan);
    Ok(if detailed_exitcode && !plan.is_empty() {
        Exit::ChangesPending
    } else {
        Exit::Success
    })
}

pub(super) fn save_plan(plan: &Plan, path: &Path) -> Result<(), CliError> {
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
