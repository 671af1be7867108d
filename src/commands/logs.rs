//! `awsdeploy logs`: the service's (or the migration's) lines from the
//! stack's log group, oldest first; `--follow` keeps printing as they
//! arrive, as `aws logs tail --follow` does.

use std::collections::BTreeMap;
use std::time::Duration;

use awsdeploy_aws::logs::{LogLine, LogQuery};
use awsdeploy_plan::{migration, service};

use super::{CliError, connect, load_spec};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output::{self, Format};

/// How often `--follow` asks for new lines.
const FOLLOW_EVERY: Duration = Duration::from_secs(1);

/// What `awsdeploy logs` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub since: Duration,
    pub follow: bool,
    pub migration: bool,
    pub task: Option<String>,
    pub filter: Option<String>,
}

pub(super) async fn run(settings: &Settings, request: &Request) -> Result<Exit, CliError> {
    let spec = load_spec(settings)?;
    let aws = connect(&spec).await?;
    let (prefix, container) = if request.migration {
        (migration::LOG_STREAM_PREFIX, migration::CONTAINER_NAME)
    } else {
        (service::LOG_STREAM_PREFIX, service::CONTAINER_NAME)
    };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let mut query = LogQuery {
        stream_prefix: match &request.task {
            Some(id) => format!("{prefix}/{container}/{id}"),
            None => format!("{prefix}/"),
        },
        since_ms: now_ms - i64::try_from(request.since.as_millis()).unwrap_or(i64::MAX),
        pattern: request.filter.clone(),
    };
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    // Lines already printed, by id, with their time: a follow asks again
    // from the newest time seen, which returns that moment's lines again.
    let mut printed: BTreeMap<String, i64> = BTreeMap::new();
    loop {
        let lines = tokio::select! {
            lines = aws.log_lines(&query) => lines?,
            _ = &mut stop => return Ok(Exit::Success),
        };
        for line in lines {
            if printed.insert(line.id.clone(), line.timestamp_ms).is_none() {
                print_line(settings.format, &line);
            }
            query.since_ms = query.since_ms.max(line.timestamp_ms);
        }
        if !request.follow {
            return Ok(Exit::Success);
        }
        printed.retain(|_, at| *at >= query.since_ms);
        tokio::select! {
            () = tokio::time::sleep(FOLLOW_EVERY) => {}
            _ = &mut stop => return Ok(Exit::Success),
        }
    }
}

/// `task-id | message`, the id shortened to 8 characters (dimmed on a
/// terminal); in JSON, one object per line.
fn print_line(format: Format, line: &LogLine) {
    match format {
        Format::Json => output::data(&format!(
            "{}\n",
            serde_json::json!({ "timestamp_ms": line.timestamp_ms, "task": line.task, "message": line.message })
        )),
        Format::Text => {
            let task: String = line.task.chars().take(8).collect();
            let task = match output::colour() {
                awsdeploy_plan::render::Colour::Always => format!("\u{1b}[2m{task}\u{1b}[0m"),
                awsdeploy_plan::render::Colour::Never => task,
            };
            output::data(&format!("{task} | {}\n", line.message));
        }
    }
}
