//! The one poller: check a condition until it holds, with a deadline.

use std::future::Future;
use std::time::Duration;

use crate::AwsError;

/// What one check found.
pub(crate) enum Check<T> {
    Ready(T),
    /// Not yet; the state seen, for the timeout message.
    Pending(String),
    /// Will never become ready (e.g. a NAT gateway that `failed`).
    Failed(String),
}

/// Calls `check` until it is ready, sleeping `interval` between checks, for
/// at most `deadline`. The first check runs at once.
pub(crate) async fn until<T, F, Fut>(
    what: &str,
    deadline: Duration,
    interval: Duration,
    mut check: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Check<T>, AwsError>>,
{
    tracing::debug!(what, deadline_s = deadline.as_secs(), "waiting");
    let started = tokio::time::Instant::now();
    let mut last_seen: Option<String> = None;
    loop {
        match check().await? {
            Check::Ready(value) => return Ok(value),
            Check::Failed(state) => {
                return Err(AwsError::WaitFailed {
                    what: what.to_owned(),
                    state,
                });
            }
            Check::Pending(state) => {
                if started.elapsed() + interval > deadline {
                    return Err(AwsError::Timeout {
                        what: what.to_owned(),
                        waited: started.elapsed(),
                        last_seen: state,
                    });
                }
                // A line per state change (creating, backing-up, ...), so a
                // long wait shows it moves, in CI logs too.
                if last_seen.as_deref() == Some(state.as_str()) {
                    tracing::debug!(what, state, "still waiting");
                } else {
                    tracing::info!(
                        "waiting for {what}: {state} ({}s so far)",
                        started.elapsed().as_secs()
                    );
                }
                last_seen = Some(state);
                tokio::time::sleep(interval).await;
            }
        }
    }
}
