//! The services the proxy simulates or mends, as one trait in one list
//! ([`simulated`]): what each claims (a `SigV4` service name, or a path of
//! the proxy's own), what it answers itself (the emulator never sees those
//! calls: Amplify, CodeStar Connections, CodeBuild's project writes, the
//! Amplify upload), and how it mends the emulator's answers (RDS and ECS
//! lifecycles, Logs, SNS, S3, ELB target health). A new simulated service
//! is its own file with an `impl Simulated`, and one line in the list.

use std::net::SocketAddr;

use super::message::{Request, Response};
use super::strict::{StrictState, TaskStart};
use super::upstream::Upstream;
use super::{Operation, State, Strictness};

/// One call, as the simulated services see it.
pub(super) struct Call<'a> {
    pub operation: &'a Operation,
    pub request: &'a Request,
    pub upstream: &'a Upstream,
    /// The proxy's own address (for URLs it hands out).
    pub own: SocketAddr,
    pub rules: &'a Strictness,
    pub strict: &'a StrictState,
}

impl Call<'_> {
    pub fn service(&self) -> &str {
        &self.operation.0
    }

    pub fn name(&self) -> &str {
        &self.operation.1
    }

    /// What decides whether ECS can start a task now.
    pub fn task_start(&self) -> TaskStart<'_> {
        TaskStart {
            rules: self.rules,
            state: self.strict,
        }
    }
}

/// A service the proxy simulates, or whose emulated answers it mends.
pub(super) trait Simulated {
    /// Whether it has anything to do with `call`.
    fn claims(&self, call: &Call<'_>) -> bool;

    /// Its own answer to `call`, when it serves the call (the emulator
    /// never sees it).
    fn serve(&mut self, _call: &Call<'_>) -> Option<std::io::Result<Response>> {
        None
    }

    /// Mends the emulator's answer to `call`; whether it changed it.
    fn on_answer(&mut self, _call: &Call<'_>, _response: &mut Response) -> bool {
        false
    }
}

/// Where a call is, before the simulated services see it.
pub(super) struct At<'a> {
    pub operation: &'a Operation,
    pub request: &'a Request,
    pub upstream: &'a Upstream,
    pub own: SocketAddr,
}

/// Every simulated service, over `state`'s parts (the one list), with the
/// rules and strict state their calls read.
fn parts(state: &mut State) -> ([&mut dyn Simulated; 8], &Strictness, &StrictState) {
    let State {
        rules,
        strict,
        rds,
        ecs,
        sns,
        amplify,
        connections,
        logs,
        s3,
        codebuild,
        ..
    } = state;
    (
        [rds, ecs, sns, amplify, connections, logs, s3, codebuild],
        rules,
        strict,
    )
}

/// The answer of the first service that serves the call, if one does.
pub(super) fn serve(state: &mut State, at: &At<'_>) -> Option<std::io::Result<Response>> {
    let (services, rules, strict) = parts(state);
    let call = call(at, rules, strict);
    services
        .into_iter()
        .filter(|s| s.claims(&call))
        .find_map(|s| s.serve(&call))
}

/// The emulator's answer, mended by every service that claims the call;
/// whether one changed it.
pub(super) fn mend(state: &mut State, at: &At<'_>, response: &mut Response) -> bool {
    let (services, rules, strict) = parts(state);
    let call = call(at, rules, strict);
    let mut changed = false;
    for service in services.into_iter().filter(|s| s.claims(&call)) {
        changed |= service.on_answer(&call, response);
    }
    changed
}

fn call<'a>(at: &At<'a>, rules: &'a Strictness, strict: &'a StrictState) -> Call<'a> {
    Call {
        operation: at.operation,
        request: at.request,
        upstream: at.upstream,
        own: at.own,
        rules,
        strict,
    }
}
