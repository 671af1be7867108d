//! The simulation proxy: an HTTP endpoint in front of the emulator that
//! counts calls per service and operation, adds latency, injects throttling
//! and server errors in each protocol's real shape, simulates the
//! lifecycles moto lacks and serves Amplify and CodeStar Connections, which
//! moto does not have (and CodeBuild's `UpdateProject`).
//!
//! It reads the service from the request's `SigV4` credential scope, and the
//! operation from `X-Amz-Target` (JSON protocols), the `Action` form field
//! (query protocols, EC2 included), Amplify's REST routes, or else the
//! method and path. Every response is `Connection: close`, as moto's are, so
//! each call is one connection.
//!
//! Simulated time is counted in polls: each describe of a simulated
//! resource moves it one step, so a test decides how long a rollout takes
//! without waiting for it.

mod admin;
mod amplify;
mod cbor;
mod codebuild;
mod connections;
mod ecs;
mod logs;
mod message;
mod rds;
mod s3;
mod scenario;
mod simulated;
mod sns;
mod strict;
mod targets;
mod upstream;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use message::{Request, Response};
pub use scenario::{Fault, FaultKind, JobOutcome, Lifecycle, RolloutOutcome, TaskOutcome, Trigger};
pub use strict::Strictness;
pub(crate) use strict::models_dir;
pub use upstream::Routes;

/// A service and one of its operations, e.g. `("ec2", "DescribeVpcs")`.
pub type Operation = (String, String);

#[derive(Debug, Default)]
struct State {
    rules: Strictness,
    strict: strict::StrictState,
    calls: BTreeMap<Operation, usize>,
    /// Every counted call, in order, with what it asked for.
    requests: Vec<Recorded>,
    /// When each counted call arrived and was answered, for
    /// [`SimulationProxy::round_trips`].
    timeline: Vec<(Instant, Instant)>,
    latency: Duration,
    operation_latency: BTreeMap<Operation, Duration>,
    faults: Vec<Fault>,
    rds: rds::Rds,
    ecs: ecs::Ecs,
    sns: sns::Sns,
    /// Secret ARN → when [`SimulationProxy::rotate_secret`] rotated it.
    rotated_secrets: BTreeMap<String, Instant>,
    amplify: amplify::Amplify,
    connections: connections::Connections,
    logs: logs::Logs,
    s3: s3::S3,
    codebuild: codebuild::CodeBuild,
    halt: Option<Halt>,
}

/// A call as the proxy saw it, for a test that checks what was asked
/// (the IAM policy's resources): its operation and region, its JSON body
/// (JSON protocols; CloudWatch's CBOR as JSON), its form fields (query
/// protocols) and its path (REST protocols).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub service: String,
    pub operation: String,
    pub region: String,
    pub json: serde_json::Value,
    pub form: serde_json::Map<String, serde_json::Value>,
    pub path: String,
}

/// [`SimulationProxy::halt_after`]: calls (not the lock's, which tick on
/// the clock) let through before every call is held unanswered.
#[derive(Debug, Default)]
struct Halt {
    after: usize,
    seen: usize,
    /// Whether a call is held now.
    holding: bool,
}

/// A running proxy. Dropping it stops accepting connections.
#[derive(Debug)]
pub struct SimulationProxy {
    addr: SocketAddr,
    upstream: Routes,
    state: Arc<Mutex<State>>,
    models: Arc<Option<strict::Models>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SimulationProxy {
    /// Listens on a free loopback port and forwards to `upstream` (an
    /// emulator's address, or [`Routes`] that send some services to
    /// LocalStack), as strict as `rules` say. `models` is botocore's data directory, for
    /// request validation ([`Strictness::validate_requests`]); without it
    /// requests are not validated.
    pub fn start(
        upstream: impl Into<Routes>,
        rules: Strictness,
        models: Option<PathBuf>,
    ) -> std::io::Result<SimulationProxy> {
        let upstream = upstream.into();
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            rules,
            ..State::default()
        }));
        let models = Arc::new(models.map(strict::Models::new));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop, models) = (state.clone(), stop.clone(), models.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (state, models) = (state.clone(), models.clone());
                    std::thread::spawn(move || {
                        let _ = serve(stream, addr, upstream, &state, models.as_ref().as_ref());
                    });
                }
            })
        };
        Ok(SimulationProxy {
            addr,
            upstream,
            state,
            models,
            stop,
            thread: Some(thread),
        })
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Calls so far, per (service, operation).
    pub fn calls(&self) -> BTreeMap<Operation, usize> {
        self.state().calls.clone()
    }

    /// Calls so far of one operation.
    pub fn count(&self, service: &str, operation: &str) -> usize {
        self.state()
            .calls
            .get(&(service.to_owned(), operation.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// All calls so far.
    pub fn total_calls(&self) -> usize {
        self.state().calls.values().sum()
    }

    pub fn reset_calls(&self) {
        let mut state = self.state();
        state.calls.clear();
        state.requests.clear();
        state.timeline.clear();
    }

    /// Every call since the last reset, in the order they arrived, with
    /// what each asked for.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// The round trips of wall time the calls since the last reset took:
    /// the longest chain of calls each sent after the one before it was
    /// answered. Calls sent together count once, so this is what latency
    /// multiplies. Meaningful with a latency well above the emulator's own
    /// time per call ([`SimulationProxy::set_latency`]).
    pub fn round_trips(&self) -> usize {
        round_trips(self.state().timeline.clone())
    }

    /// Forgets everything but how strict it is: counts, latency, faults,
    /// lifecycles and their resources, Amplify apps. Pair it with an
    /// emulator reset.
    pub fn reset(&self) {
        let mut state = self.state();
        let rules = state.rules.clone();
        *state = State {
            rules,
            ..State::default()
        };
    }

    /// How strict the simulation is from now on.
    pub fn set_strictness(&self, rules: Strictness) {
        self.state().rules = rules;
    }

    pub fn strictness(&self) -> Strictness {
        self.state().rules.clone()
    }

    /// Whether requests are checked against the service models.
    pub fn validates_requests(&self) -> bool {
        self.models.is_some() && self.state().rules.validate_requests
    }

    /// Adds `latency` before every answer, modelling AWS's round trip.
    pub fn set_latency(&self, latency: Duration) {
        self.state().latency = latency;
    }

    /// Latency for one operation, instead of the default.
    pub fn set_operation_latency(&self, service: &str, operation: &str, latency: Duration) {
        self.state()
            .operation_latency
            .insert((service.to_owned(), operation.to_owned()), latency);
    }

    pub fn inject(&self, fault: Fault) {
        self.state().faults.push(fault);
    }

    /// Simulates `lifecycle` for resources created from now on.
    pub fn simulate(&self, lifecycle: Lifecycle) {
        let mut state = self.state();
        match lifecycle {
            Lifecycle::RdsInstance { polls } => state.rds.polls = Some(polls.max(1)),
            Lifecycle::EcsRollout { polls, outcome } => {
                state.ecs.rollout = ecs::RolloutPlan {
                    polls,
                    outcome,
                    wall_clock: None,
                };
            }
            Lifecycle::EcsTask {
                polls,
                outcome,
                log_lines,
            } => {
                state.ecs.task = ecs::TaskPlan {
                    polls,
                    outcome,
                    log_lines,
                };
            }
            Lifecycle::EcsMinute(minute) => state.ecs.minute = minute,
            Lifecycle::AmplifyJob { polls, outcome } => {
                state.amplify.job = amplify::JobPlan { polls, outcome };
            }
        }
    }

    /// Rotates a secret as Secrets Manager's managed rotation of an RDS
    /// master password does: a new version with a new `password` becomes
    /// current, and the old one no longer opens the database. Tasks that
    /// started before keep the old value (ECS injects secrets only at
    /// start): [`SimulationProxy::stale_secret_holders`] lists them.
    /// Returns the secret's ARN.
    pub fn rotate_secret(&self, secret_id: &str) -> Result<String, String> {
        let upstream = upstream::Upstream {
            routes: self.upstream,
            region: crate::REGION.to_owned(),
        };
        let call = |operation: &str, body: serde_json::Value| match upstream.json(
            "secretsmanager",
            "secretsmanager",
            operation,
            &body,
        ) {
            Ok((200, answer)) => Ok(answer),
            Ok((status, answer)) => Err(format!("{operation}: HTTP {status}: {answer}")),
            Err(error) => Err(format!("{operation}: {error}")),
        };
        let current = call(
            "GetSecretValue",
            serde_json::json!({ "SecretId": secret_id }),
        )?;
        let arn = current["ARN"].as_str().unwrap_or(secret_id).to_owned();
        let mut value: serde_json::Value =
            serde_json::from_str(current["SecretString"].as_str().unwrap_or("{}"))
                .unwrap_or_else(|_| serde_json::json!({}));
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        value["password"] = serde_json::json!(format!("rotated-{nanos:09}%+?#^"));
        call(
            "PutSecretValue",
            serde_json::json!({ "SecretId": arn, "SecretString": value.to_string() }),
        )?;
        self.state()
            .rotated_secrets
            .insert(arn.clone(), Instant::now());
        Ok(arn)
    }

    /// Publishes one datapoint, now, as AWS publishes its services' own
    /// metrics (RDS's `FreeStorageSpace` every minute, say): the emulator
    /// has none of them until a test sends them.
    pub fn publish_metric(&self, metric: &Metric) -> Result<(), String> {
        publish_metric(
            &upstream::Upstream {
                routes: self.upstream,
                region: crate::REGION.to_owned(),
            },
            metric,
        )
    }

    /// The recipient of an email or HTTPS subscription to `endpoint`
    /// confirms it: its ARN shows from now on.
    pub fn confirm_subscription(&self, endpoint: &str) {
        self.state().sns.confirmed.insert(endpoint.to_owned());
    }

    /// The Git host's owner approves the CodeStar connection `name` in the
    /// console: `PENDING` becomes `AVAILABLE`. Whether there was one.
    pub fn approve_connection(&self, name: &str) -> bool {
        self.state().connections.approve(name)
    }

    /// Running tasks (by ARN) and service deployments (`service/id`) that
    /// hold a secret value rotated since they started.
    pub fn stale_secret_holders(&self) -> Vec<String> {
        let state = self.state();
        state.ecs.stale_secret_holders(&state.rotated_secrets)
    }

    /// Rollouts, tasks and Amplify jobs started from now on take
    /// `duration` of real time each (`None`: they move one step per poll,
    /// as their [`Lifecycle`] says). How soon a client notices that one
    /// finished can then be measured.
    pub fn set_wall_clock(&self, duration: Option<Duration>) {
        let mut state = self.state();
        state.ecs.wall_clock = duration;
        state.amplify.wall_clock = duration;
    }

    /// Lets the next `calls` calls through (the lock's `DynamoDB` calls not
    /// counted: its renewals tick on the clock), then holds every call
    /// unanswered and unsent until [`SimulationProxy::resume`]: a client
    /// killed once [`SimulationProxy::halted`] says so stops after exactly
    /// those calls, however fast the machine.
    pub fn halt_after(&self, calls: usize) {
        self.state().halt = Some(Halt {
            after: calls,
            ..Halt::default()
        });
    }

    /// Whether a call is held by [`SimulationProxy::halt_after`].
    pub fn halted(&self) -> bool {
        self.state().halt.as_ref().is_some_and(|h| h.holding)
    }

    /// Ends [`SimulationProxy::halt_after`]: held calls are dropped
    /// unanswered (their client is gone), later ones go through.
    pub fn resume(&self) {
        self.state().halt = None;
    }

    /// Drops every fault not yet used up.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }
}

impl Drop for SimulationProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One `CloudWatch` datapoint, for [`SimulationProxy::publish_metric`].
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// `AWS/RDS`, say.
    pub namespace: String,
    pub name: String,
    pub dimensions: Vec<(String, String)>,
    pub value: f64,
    /// `Bytes`, `Percent`, `Count`, …
    pub unit: String,
}

fn publish_metric(upstream: &upstream::Upstream, metric: &Metric) -> Result<(), String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let body = serde_json::json!({
        "Namespace": metric.namespace,
        "MetricData": [{
            "MetricName": metric.name,
            "Dimensions": metric.dimensions.iter()
                .map(|(name, value)| serde_json::json!({ "Name": name, "Value": value }))
                .collect::<Vec<_>>(),
            "Timestamp": now,
            "Value": metric.value,
            "Unit": metric.unit,
        }],
    });
    match upstream.json(
        "monitoring",
        "GraniteServiceVersion20100801",
        "PutMetricData",
        &body,
    ) {
        Ok((200, _)) => Ok(()),
        Ok((status, answer)) => Err(format!("PutMetricData: HTTP {status}: {answer}")),
        Err(error) => Err(format!("PutMetricData: {error}")),
    }
}

/// One tick of a simulated lifecycle of `total` steps: one step per poll,
/// or, on the wall clock, as much of it as the time since `born` covers
/// out of `duration` (the last step exactly when `duration` has passed).
fn advance(seen: &mut usize, total: usize, born: Instant, wall_clock: Option<Duration>) {
    match wall_clock {
        None => *seen += 1,
        Some(duration) => {
            let elapsed = born.elapsed();
            *seen = if elapsed >= duration {
                total
            } else {
                let share = elapsed.as_secs_f64() / duration.as_secs_f64().max(f64::EPSILON);
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    clippy::cast_precision_loss
                )]
                let steps = (share * total as f64) as usize;
                steps.min(total.saturating_sub(1))
            };
        }
    }
}

/// The longest chain of calls in `calls` (arrived, answered), each sent
/// after the one before it was answered.
fn round_trips(mut calls: Vec<(Instant, Instant)>) -> usize {
    calls.sort();
    let mut depth: Vec<usize> = Vec::with_capacity(calls.len());
    for (i, (start, _)) in calls.iter().enumerate() {
        let before = calls[..i]
            .iter()
            .zip(&depth)
            .filter(|((_, end), _)| end <= start)
            .map(|(_, d)| *d)
            .max()
            .unwrap_or(0);
        depth.push(before + 1);
    }
    depth.into_iter().max().unwrap_or(0)
}

/// The proxy's own endpoints, under a path no AWS service uses.
const ADMIN_PREFIX: &str = "/_awsdeploy/";

/// The operation `request` is counted as: the `SigV4` service and the
/// operation its protocol names (Amplify's REST routes by path; an upload to
/// a URL Amplify handed out as S3's `PutObject`).
fn operation_of(request: &Request) -> Operation {
    let service = request.service();
    if request.path().starts_with(amplify::UPLOAD_PREFIX) {
        ("s3".to_owned(), "PutObject".to_owned())
    } else if service == "amplify" {
        let operation = amplify::operation(request);
        (service, operation)
    } else {
        let operation = request.operation();
        (service, operation)
    }
}

fn serve(
    mut client: TcpStream,
    own: SocketAddr,
    upstream: Routes,
    state: &Mutex<State>,
    models: Option<&strict::Models>,
) -> std::io::Result<()> {
    let request = Request::read(&mut client)?;
    let arrived = Instant::now();
    let (request, cbor_operation) = match cbor::to_json(&request) {
        Some((json, operation)) => (json, Some(operation)),
        None => (request, None),
    };
    let path = request.path().to_owned();
    // Amplify's upload URLs are under the proxy's own prefix too.
    if let Some(command) = path
        .strip_prefix(ADMIN_PREFIX)
        .filter(|_| !path.starts_with(amplify::UPLOAD_PREFIX))
    {
        let upstream = upstream::Upstream {
            routes: upstream,
            region: crate::REGION.to_owned(),
        };
        let response = admin::admin(command, &request, state, &upstream);
        client.write_all(&response.into_bytes())?;
        return client.shutdown(Shutdown::Both);
    }
    let operation = operation_of(&request);
    if held(state, &operation) {
        return client.shutdown(Shutdown::Both);
    }
    let (latency, fault) = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        let nth = {
            let count = state.calls.entry(operation.clone()).or_default();
            *count += 1;
            *count
        };
        state.requests.push(Recorded {
            service: operation.0.clone(),
            operation: operation.1.clone(),
            region: request.region(),
            json: request.json(),
            form: request.form_fields(),
            path: request.path().to_owned(),
        });
        let fault = state
            .faults
            .iter_mut()
            .filter(|f| f.hits(&operation))
            .find_map(|f| f.trigger.fire(&operation, nth).then_some(f.kind));
        let latency = state
            .operation_latency
            .get(&operation)
            .copied()
            .unwrap_or(state.latency);
        (latency, fault)
    };
    if !latency.is_zero() {
        std::thread::sleep(latency);
    }
    let upstream = upstream::Upstream {
        routes: upstream,
        region: request.region(),
    };
    let answer = || strict_answer(&operation, &request, own, &upstream, state, models);
    let response = match fault {
        Some(FaultKind::ConnectionReset) => return client.shutdown(Shutdown::Both),
        Some(FaultKind::Delay(delay)) => {
            std::thread::sleep(delay);
            answer()?
        }
        Some(FaultKind::LostAnswer(status)) => {
            answer()?;
            fault_response(FaultKind::ServerError(status), &operation.0, &request).into_bytes()
        }
        Some(kind) => fault_response(kind, &operation.0, &request).into_bytes(),
        None => answer()?,
    };
    let response = match &cbor_operation {
        Some(operation) => {
            let model = models.and_then(|m| m.of(&request.service(), &request));
            cbor::to_cbor(&response, operation, model.as_deref())
        }
        None => response,
    };
    client.write_all(&response)?;
    client.flush()?;
    state
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .timeline
        .push((arrived, Instant::now()));
    client.shutdown(Shutdown::Both)
}

/// Whether `operation` came after [`SimulationProxy::halt_after`]'s count:
/// then it waits, unsent, until the halt ends, and is never answered.
fn held(state: &Mutex<State>, operation: &Operation) -> bool {
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    {
        let mut state = lock();
        let Some(halt) = state.halt.as_mut() else {
            return false;
        };
        if !halt.holding && operation.0 != "dynamodb" {
            halt.seen += 1;
        }
        if halt.seen <= halt.after {
            return false;
        }
        halt.holding = true;
    }
    while lock().halt.as_ref().is_some_and(|h| h.holding) {
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

/// The answer to a call no fault stopped: the strict rules' when one
/// refuses it, the emulator's (or the simulated service's) otherwise.
fn strict_answer(
    operation: &Operation,
    request: &Request,
    own: SocketAddr,
    upstream: &upstream::Upstream,
    state: &Mutex<State>,
    models: Option<&strict::Models>,
) -> std::io::Result<Vec<u8>> {
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    // An upload is to a URL the simulated Amplify handed out, not AWS.
    if request.path().starts_with(amplify::UPLOAD_PREFIX) {
        return answer(operation, request, own, upstream, state);
    }
    let rules = lock().rules.clone();
    if rules.validate_requests
        && let Some(refusal) = models.and_then(|m| m.check(&operation.0, &operation.1, request))
    {
        return Ok(refusal.into_bytes());
    }
    if let Some(refusal) = {
        let mut state = lock();
        strict::before(&rules, &mut state.strict, operation, request, upstream)
    } {
        return Ok(refusal.into_bytes());
    }
    let bytes = answer(operation, request, own, upstream, state)?;
    if let Some(mut response) = Response::parse(&bytes) {
        let mut state = lock();
        if strict::after(
            &rules,
            &mut state.strict,
            operation,
            request,
            &mut response,
            upstream,
        ) {
            return Ok(response.into_bytes());
        }
    }
    Ok(bytes)
}

/// The answer to a call no fault or rule stopped: a simulated service's,
/// or the emulator's, mended by the simulated services that claim it.
fn answer(
    operation: &Operation,
    request: &Request,
    own: SocketAddr,
    upstream: &upstream::Upstream,
    state: &Mutex<State>,
) -> std::io::Result<Vec<u8>> {
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    let at = simulated::At {
        operation,
        request,
        upstream,
        own,
    };
    if let Some(served) = simulated::serve(&mut lock(), &at) {
        return Ok(served?.into_bytes());
    }
    let bytes = upstream.forward(request)?;
    let Some(mut response) = Response::parse(&bytes) else {
        return Ok(bytes);
    };
    if simulated::mend(&mut lock(), &at, &mut response) {
        Ok(response.into_bytes())
    } else {
        Ok(bytes)
    }
}

/// A fault in the protocol the service speaks, as AWS would send it.
fn fault_response(kind: FaultKind, service: &str, request: &Request) -> Response {
    let request_id = ("x-amzn-RequestId", "simulated-fault");
    match kind {
        FaultKind::ServerError(status) | FaultKind::LostAnswer(status) => {
            Response::new(status, &[request_id], "")
        }
        // Handled before a response is made.
        FaultKind::ConnectionReset | FaultKind::Delay(_) => Response::new(500, &[], ""),
        FaultKind::Throttle if service == "ec2" => Response::new(
            503,
            &[("Content-Type", "text/xml")],
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>simulated-fault</RequestID></Response>",
        ),
        FaultKind::Throttle if request.header("x-amz-target").is_some() => Response::new(
            400,
            &[("Content-Type", "application/x-amz-json-1.1"), request_id],
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        ),
        // Query services (form bodies) and Route 53 (REST-XML) answer in
        // the same XML error shape; Route 53's throttling is a 400
        // `Throttling` too (Route 53 API reference, "Common Errors").
        FaultKind::Throttle
            if service == "route53"
                || request
                    .header("content-type")
                    .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) =>
        {
            Response::new(
                400,
                &[("Content-Type", "text/xml")],
                "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>simulated-fault</RequestId></ErrorResponse>",
            )
        }
        FaultKind::Throttle => Response::new(
            429,
            &[
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "ThrottlingException"),
                request_id,
            ],
            r#"{"message":"Rate exceeded"}"#,
        ),
    }
}
