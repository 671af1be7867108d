//! `awsdeploy unlock`: breaks the environment's deploy lock, left by a run
//! that died, after checking that it is the lock the user means.

use std::io::{BufRead as _, IsTerminal as _};

use awsdeploy_spec::Spec;

use super::{CliError, connect};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output::{self, Format};

pub(super) async fn unlock(
    settings: &Settings,
    spec: &Spec,
    id: &str,
    yes: bool,
) -> Result<Exit, CliError> {
    let aws = connect(spec).await?;
    let Some(holder) = aws.lock_holder().await?.filter(|h| h.id == id) else {
        return Err(awsdeploy_aws::AwsError::NotLocked {
            id: id.to_owned(),
            env: spec.env.clone(),
        }
        .into());
    };
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::new(
                format!(
                    "refusing to break the lock held by {holder} without --yes (no terminal to ask on)"
                ),
                Some(format!(
                    "make sure that run is dead, then `awsdeploy unlock {id} -e {} --yes`",
                    spec.env
                )),
            ));
        }
        eprint!(
            "Break the deploy lock on {} held by {holder}?\nIf that run is still going, two runs would change the environment at once. Type 'yes' to break it: ",
            spec.env
        );
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| CliError::new(format!("cannot read the answer: {e}"), None))?;
        if answer.trim() != "yes" {
            return Err(CliError::new("the lock was left in place", None));
        }
    }
    let broken = aws.unlock(id).await?;
    match settings.format {
        Format::Json => output::json(&serde_json::json!({ "unlocked": {
            "id": broken.id, "who": broken.who, "host": broken.host, "command": broken.command,
        }})),
        Format::Text => output::progress(&format!("Broke the deploy lock held by {broken}.")),
    }
    Ok(Exit::Success)
}
