//! `awsdeploy cost`: the env's monthly cost from the spec alone, by
//! component; no AWS call.

use awsdeploy_plan::cost;

use super::{CliError, load_spec};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output::{self, Format};

/// Today's date (UTC), as pricing takes it.
pub(super) fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    cost::table::civil_date(secs)
}

pub(super) fn cost(settings: &Settings) -> Result<Exit, CliError> {
    let spec = load_spec(settings)?;
    let region = spec
        .app
        .region
        .clone()
        .or_else(|| {
            ["AWS_REGION", "AWS_DEFAULT_REGION"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|r| !r.is_empty()))
        })
        .ok_or_else(|| {
            CliError::new(
                "no AWS region to price in",
                Some(
                    "set app.region in the spec, or AWS_REGION (cost reads no AWS profile)"
                        .to_owned(),
                ),
            )
        })?;
    let estimate = cost::of_spec(&spec, &region, &today());
    if let Some(why) = &estimate.unavailable {
        return Err(CliError::new(format!("cannot price the env: {why}"), None));
    }
    match settings.format {
        Format::Text => output::data(&cost::render::breakdown(&spec, &estimate)),
        Format::Json => output::json(&serde_json::json!({ "cost": estimate })),
    }
    Ok(Exit::Success)
}
