//! Runs a plan's DAG through a [`StepRunner`].
//!
//! 1. A change starts when every change it depends on has finished; up to
//!    `concurrency` changes run at once. A change's own steps run in order.
//! 2. A create step's id is recorded under the change's key, so later steps
//!    (and dependants) resolve [`Ref::Planned`] to it.
//! 3. On the first failure, or when `stop` resolves (Ctrl-C), no new change
//!    starts; those running finish, so no AWS call is cut off halfway. A
//!    change that is only waiting for AWS (a [`Step::is_wait`] step, such as
//!    a rollout) is abandoned at a stop: AWS goes on without us, and the
//!    report says how to follow it. The [`Report`] lists what finished, what
//!    failed (with its error), what was abandoned and what never started.
//!
//! The runner is the only thing that touches AWS, so scheduling and failure
//! handling are tested here without it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::future::Future;

use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;

use crate::plan::{Plan, ResourceChange};
use crate::{Key, Ref, Step};

/// Runs single steps against the real world.
pub trait StepRunner {
    type Error: Display;

    /// Runs `step` of `change`. Returns the id of the resource it created
    /// when [`Step::creates`] is true. Must be idempotent.
    fn run_step(
        &self,
        change: &ResourceChange,
        step: &Step,
        ids: &ResolvedIds,
    ) -> impl Future<Output = Result<Option<String>, Self::Error>>;
}

/// Ids of resources this run created, by change key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedIds(BTreeMap<Key, String>);

/// A [`Ref::Planned`] whose change has not produced an id: a bug in the
/// plan's dependencies, never expected at run time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} was not created before a step that needs it (the plan's dependencies are wrong)")]
pub struct UnresolvedRef(pub Key);

impl ResolvedIds {
    /// The AWS id `reference` stands for.
    pub fn resolve(&self, reference: &Ref) -> Result<String, UnresolvedRef> {
        match reference {
            Ref::Existing(id) => Ok(id.clone()),
            Ref::Planned(key) => self
                .0
                .get(key)
                .cloned()
                .ok_or_else(|| UnresolvedRef(key.clone())),
        }
    }

    pub fn insert(&mut self, key: &Key, id: String) {
        self.0.insert(key.clone(), id);
    }
}

/// Progress, for the caller to show.
pub enum Event<'a> {
    Started(&'a ResourceChange),
    Finished {
        change: &'a ResourceChange,
        id: Option<&'a str>,
    },
    Failed {
        change: &'a ResourceChange,
        error: &'a dyn Display,
    },
}

/// What a run did; `E` is the runner's error, kept whole (its hint and
/// causes are the caller's to show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report<E> {
    /// Keys of changes that finished, in finishing order.
    pub done: Vec<Key>,
    pub failed: Vec<Failure<E>>,
    /// Changes stopped while waiting for AWS, which goes on with them.
    pub abandoned: Vec<Abandoned>,
    /// Keys of changes that never started because of a failure or a stop.
    pub not_started: Vec<Key>,
    /// Whether `stop` resolved before the plan was done.
    pub interrupted: bool,
}

impl<E> Default for Report<E> {
    fn default() -> Self {
        Report {
            done: Vec::new(),
            failed: Vec::new(),
            abandoned: Vec::new(),
            not_started: Vec::new(),
            interrupted: false,
        }
    }
}

/// A change whose step failed, with the runner's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure<E> {
    pub key: Key,
    pub error: E,
}

/// A change abandoned while AWS goes on with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abandoned {
    pub key: Key,
    /// How to follow what AWS goes on with.
    pub follow: String,
}

impl<E> Report<E> {
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty()
            && self.abandoned.is_empty()
            && self.not_started.is_empty()
            && !self.interrupted
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Running,
    Done,
    Failed,
}

/// Why a change did not finish.
enum Unfinished<E> {
    Failed(E),
    /// Stopped while waiting; how to follow what AWS goes on with.
    Abandoned(String),
}

/// Runs every change of `plan`, at most `concurrency` at once, until done,
/// a failure, or `stop` resolves.
pub async fn execute<R: StepRunner>(
    plan: &Plan,
    runner: &R,
    concurrency: usize,
    stop: impl Future<Output = ()>,
    mut on_event: impl FnMut(Event<'_>),
) -> Report<R::Error> {
    let stop = std::pin::pin!(stop);
    let mut stop = futures_util::FutureExt::fuse(stop);
    let changes = &plan.changes;
    let keys: BTreeSet<&Key> = changes.iter().map(|c| &c.key).collect();
    let mut state = vec![State::Pending; changes.len()];
    let mut ids = ResolvedIds::default();
    let mut report = Report::default();
    let mut in_flight = FuturesUnordered::new();
    let concurrency = concurrency.max(1);
    let (stopped_tx, stopped_rx) = tokio::sync::watch::channel(false);

    loop {
        if report.failed.is_empty() && !report.interrupted {
            for (i, change) in changes.iter().enumerate() {
                if in_flight.len() >= concurrency {
                    break;
                }
                let ready = state[i] == State::Pending
                    && change.depends_on.iter().all(|dep| {
                        !keys.contains(dep)
                            || changes
                                .iter()
                                .zip(&state)
                                .any(|(c, s)| c.key == *dep && *s == State::Done)
                    });
                if ready {
                    state[i] = State::Running;
                    on_event(Event::Started(change));
                    let snapshot = ids.clone();
                    let stopped = stopped_rx.clone();
                    in_flight.push(async move {
                        (i, run_change(runner, change, snapshot, stopped).await)
                    });
                }
            }
        }
        if in_flight.is_empty() {
            break;
        }
        let next = tokio::select! {
            biased;
            () = &mut stop, if !report.interrupted => {
                report.interrupted = true;
                let _ = stopped_tx.send(true);
                continue;
            }
            next = in_flight.next() => next,
        };
        let Some((i, result)) = next else {
            break;
        };
        let change = &changes[i];
        match result {
            Ok(created) => {
                state[i] = State::Done;
                if let Some(id) = &created {
                    ids.insert(&change.key, id.clone());
                }
                report.done.push(change.key.clone());
                on_event(Event::Finished {
                    change,
                    id: created.as_deref(),
                });
            }
            Err(Unfinished::Abandoned(follow)) => {
                state[i] = State::Failed;
                report.abandoned.push(Abandoned {
                    key: change.key.clone(),
                    follow,
                });
            }
            Err(Unfinished::Failed(error)) => {
                state[i] = State::Failed;
                on_event(Event::Failed {
                    change,
                    error: &error,
                });
                report.failed.push(Failure {
                    key: change.key.clone(),
                    error,
                });
            }
        }
    }
    report.not_started = changes
        .iter()
        .zip(&state)
        .filter(|(_, s)| **s == State::Pending)
        .map(|(c, _)| c.key.clone())
        .collect();
    report
}

async fn run_change<R: StepRunner>(
    runner: &R,
    change: &ResourceChange,
    mut ids: ResolvedIds,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> Result<Option<String>, Unfinished<R::Error>> {
    let mut created = None;
    for step in &change.steps {
        let run = runner.run_step(change, step, &ids);
        let result = if step.is_wait() {
            tokio::select! {
                result = run => result,
                _ = stopped.wait_for(|stopped| *stopped) => {
                    return Err(Unfinished::Abandoned(
                        step.how_to_follow().unwrap_or_else(|| "AWS goes on with it".to_owned()),
                    ));
                }
            }
        } else {
            run.await
        };
        let id = result.map_err(Unfinished::Failed)?;
        if step.creates()
            && let Some(id) = id
        {
            ids.insert(&change.key, id.clone());
            created.get_or_insert(id);
        }
    }
    Ok(created)
}

#[cfg(test)]
mod tests;
