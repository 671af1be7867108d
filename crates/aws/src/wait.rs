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
    check: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Check<T>, AwsError>>,
{
    until_with(what, deadline, std::iter::repeat(interval), check).await
}

/// How long a resource just created may answer `NotFound`: EC2's API
/// reference ("Eventual consistency in the Amazon EC2 API") asks clients
/// to retry with backoff for "up to several minutes" in the worst case;
/// in practice seconds.
pub(crate) const CONSISTENCY_GRACE: Duration = Duration::from_secs(60);

/// Calls `call` until it does not answer `NotFound`, backing off from
/// 250 ms, for at most [`CONSISTENCY_GRACE`]: for a call that names a
/// resource created a moment ago (a subnet in the new VPC, a route to the
/// new NAT gateway). Safe only where a `NotFound` answer means nothing was
/// done.
pub(crate) async fn visible<T, F, Fut>(call: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    retrying(AwsError::is_not_found, CONSISTENCY_GRACE, call).await
}

/// Calls `call` again while it fails with an error `not_yet` accepts,
/// backing off from 250 ms to 5 s, for at most `window`; then its answer
/// stands. Safe only where such an answer means nothing was done.
pub(crate) async fn retrying<T, F, Fut>(
    not_yet: impl Fn(&AwsError) -> bool,
    window: Duration,
    mut call: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        match call().await {
            Err(error) if not_yet(&error) && started.elapsed() < window => {
                tracing::debug!(%error, "not yet; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            other => return other,
        }
    }
}

/// How many times a create without a client token is sent, and how often
/// awsdeploy looks for what a lost answer may have made before sending it
/// again (describes and lists lag creates by seconds).
const CREATE_ATTEMPTS: u32 = 4;
const LOOKS_AFTER_LOST_ANSWER: u32 = 3;

/// A create AWS cannot make idempotent (no client token), `create` sent
/// without the SDK's retries. When its answer is lost or refused for a
/// while (5xx, no answer, throttling), what it may have made is looked up
/// with `find` and adopted; only when nothing is found is it sent again.
/// Returns the new (or adopted) resource's id.
pub(crate) async fn create_once<C, CFut, F, FFut>(
    name: &str,
    mut create: C,
    mut find: F,
) -> Result<String, AwsError>
where
    C: FnMut() -> CFut,
    CFut: Future<Output = Result<String, AwsError>>,
    F: FnMut() -> FFut,
    FFut: Future<Output = Result<Option<String>, AwsError>>,
{
    let mut pause = Duration::from_secs(1);
    let mut attempt = 1;
    loop {
        match create().await {
            Err(error) if error.is_transient() && attempt < CREATE_ATTEMPTS => {
                tracing::info!(%error, "{name}: the create's answer was lost; looking for what it made");
                for _ in 0..LOOKS_AFTER_LOST_ANSWER {
                    tokio::time::sleep(pause).await;
                    if let Some(id) = find().await? {
                        tracing::info!(
                            "{name}: adopting {id}, made by the create whose answer was lost"
                        );
                        return Ok(id);
                    }
                }
                pause = (pause * 2).min(Duration::from_secs(8));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Intervals that start at `first` and double up to `max`: a wait for
/// something that often finishes in seconds but may take many minutes
/// (a rollout, a certificate) sees a quick finish quickly and polls
/// gently after.
pub(crate) fn backoff(first: Duration, max: Duration) -> impl Iterator<Item = Duration> {
    std::iter::successors(Some(first), move |d| Some((*d * 2).min(max)))
}

/// [`until`] with the sleep before each further check taken from
/// `intervals` (the last one repeats when it ends).
pub(crate) async fn until_with<T, F, Fut>(
    what: &str,
    deadline: Duration,
    intervals: impl Iterator<Item = Duration>,
    mut check: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Check<T>, AwsError>>,
{
    let mut intervals = intervals;
    let mut interval = Duration::from_secs(1);
    tracing::debug!(what, deadline_s = deadline.as_secs(), "waiting");
    let started = tokio::time::Instant::now();
    let mut last_seen: Option<String> = None;
    loop {
        // A resource made a moment ago may not be visible yet; throttling
        // and AWS's own errors past the SDK's retries are "not yet" too.
        let checked = match check().await {
            Err(error) if error.is_not_found() && started.elapsed() < CONSISTENCY_GRACE => {
                Check::Pending("not visible yet".to_owned())
            }
            Err(error) if error.is_transient() && started.elapsed() < deadline => {
                tracing::debug!(%error, "transient; checking again");
                Check::Pending(format!(
                    "AWS answered {}; checking again",
                    error.code().unwrap_or("nothing")
                ))
            }
            other => other?,
        };
        match checked {
            Check::Ready(value) => return Ok(value),
            Check::Failed(state) => {
                return Err(AwsError::WaitFailed {
                    what: what.to_owned(),
                    state,
                });
            }
            Check::Pending(state) => {
                if let Some(next) = intervals.next() {
                    interval = next;
                }
                if started.elapsed() >= deadline {
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
                // Never sleep past the deadline: the last check is at it.
                let left = deadline.saturating_sub(started.elapsed());
                tokio::time::sleep(interval.min(left)).await;
            }
        }
    }
}
