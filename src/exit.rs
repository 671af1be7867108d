//! Exit codes: the one place they are defined (the README documents them).

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done; for `diff --detailed-exitcode`, also "no changes".
    Success,
    /// Any error: bad spec or arguments, AWS error, a failed or refused apply.
    Failure,
    /// `diff --detailed-exitcode` only: the plan has changes.
    ChangesPending,
    /// `status`: working but degraded (a rollout in progress, unhealthy
    /// targets, a failed last job), so CI can gate on it.
    Degraded,
    /// `migrate --lint`: warnings, no error.
    Warnings,
    /// Stopped by Ctrl-C (128 + SIGINT, as shells report it).
    Interrupted,
    /// `migrate`: the migration container's own exit code.
    Passthrough(u8),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::ChangesPending | Exit::Degraded | Exit::Warnings => 2,
            Exit::Interrupted => 130,
            Exit::Passthrough(code) => code,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}
