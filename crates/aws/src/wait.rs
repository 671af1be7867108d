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
/// How long IAM may take before a service can assume a role made or
/// changed a moment ago (AWS: "usually" seconds; terraform-provider-aws
/// waits up to two minutes): how long a call refused for it is retried.
pub(crate) const ROLE_PROPAGATION: Duration = Duration::from_secs(90);

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

/// The cadence of a wait a person watches the end of (a rollout, a
/// migration task, an Amplify job): checks at 0.5 s, 1 s, then every
/// 1.5 s, so an end is noticed within 2 s whether it comes after seconds
/// or after ten minutes, at fewer than one check a second on average
/// (ECS's and Amplify's describe rates allow many more). The AWS CLI's
/// waiters check every 15 s.
pub(crate) fn watched() -> impl Iterator<Item = Duration> {
    backoff(Duration::from_millis(500), WATCHED_MAX_INTERVAL)
}

pub(crate) const WATCHED_MAX_INTERVAL: Duration = Duration::from_millis(1500);

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
                        what,
                        state = state.as_str(),
                        waited_s = started.elapsed().as_secs(),
                        "waiting for {what}: {state}"
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{Check, until_with, watched};

    /// A watched wait for something that ends `after` from now: how long
    /// past its end the wait noticed, and how many checks it made.
    async fn watch_an_end_after(after: Duration) -> (Duration, usize) {
        let started = Instant::now();
        let ends = started + after;
        let checks = AtomicUsize::new(0);
        let seen = until_with(
            "the rollout",
            Duration::from_secs(3600),
            watched(),
            || async {
                checks.fetch_add(1, Ordering::SeqCst);
                let now = Instant::now();
                Ok(if now >= ends {
                    Check::Ready(now)
                } else {
                    Check::Pending("1/2 running".to_owned())
                })
            },
        )
        .await
        .unwrap();
        (seen - ends, checks.into_inner())
    }

    #[tokio::test(start_paused = true)]
    async fn an_end_is_noticed_within_two_seconds_at_under_one_check_a_second() {
        for after in [Duration::from_secs(60), Duration::from_secs(600)] {
            let (late, checks) = watch_an_end_after(after).await;
            assert!(late <= Duration::from_secs(2), "{after:?}: {late:?} late");
            #[allow(clippy::cast_precision_loss)]
            let rate = checks as f64 / (after + late).as_secs_f64();
            assert!(rate <= 1.0, "{after:?}: {checks} checks, {rate:.2}/s");
        }
        // A quick end is seen quickly: the first checks come sooner.
        let (late, checks) = watch_an_end_after(Duration::from_secs(1)).await;
        assert_eq!((late, checks), (Duration::from_millis(500), 3));
    }
}
