//! What the command line resolves to: plain values, no clap types.

use std::path::PathBuf;
use std::time::Duration;

use awsdeploy_plan::migration::Policy;

use crate::output::Format;

/// Everything the commands need, with no clap types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub spec: PathBuf,
    pub env: String,
    /// Whether -e/--env (or `AWSDEPLOY_ENV`) named it, rather than the
    /// default.
    pub env_explicit: bool,
    pub format: Format,
    pub verbosity: u8,
    pub command: Command,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Validate {
        show: bool,
    },
    Schema,
    Diff {
        detailed_exitcode: bool,
        out: Option<PathBuf>,
        image_tag: Option<String>,
        migrate: Policy,
        cost: bool,
    },
    Up {
        yes: bool,
        allow_replace: bool,
        plan: Option<PathBuf>,
        image_tag: Option<String>,
        migrate: Policy,
        lock_timeout: Duration,
        cost: bool,
        wait_until: awsdeploy_plan::WaitPoint,
    },
    Cost,
    Migrate {
        image_tag: Option<String>,
        dry_run: bool,
        lock_timeout: Duration,
    },
    /// `migrate --lint [--since VERSION]`.
    MigrateLint {
        since: Option<u64>,
    },
    WebRelease {
        artifact: Option<PathBuf>,
        force: bool,
        lock_timeout: Duration,
    },
    Down {
        delete_data: bool,
        yes: bool,
        lock_timeout: Duration,
    },
    Unlock {
        id: String,
        yes: bool,
    },
    Completions {
        shell: clap_complete::Shell,
    },
    Init {
        name: Option<String>,
    },
    Rollback {
        to: Option<u32>,
        yes: bool,
        lock_timeout: Duration,
    },
    Continue {
        yes: bool,
        wait_until: awsdeploy_plan::WaitPoint,
        lock_timeout: Duration,
    },
    Logs(crate::commands::LogsRequest),
    Status {
        watch: bool,
    },
    IamPolicy {
        push: bool,
        admin: bool,
    },
    Buildspec {
        stage: awsdeploy_plan::ci::Stage,
    },
    GithubActions {
        account: Option<String>,
    },
}
