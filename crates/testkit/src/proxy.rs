//! The simulation proxy: an HTTP endpoint in front of the emulator that
//! counts calls per service and operation, adds latency, and injects
//! throttling and server errors in each protocol's real shape.
//!
//! It reads the service from the request's `SigV4` credential scope, and the
//! operation from `X-Amz-Target` (JSON protocols), the `Action` form field
//! (query protocols, EC2 included) or the method and path (REST). Every
//! response is `Connection: close`, as moto's are, so each call is one
//! connection. Lifecycles moto lacks and the Amplify service arrive here
//! next (see issue 5).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// A service and one of its operations, e.g. `("ec2", "DescribeVpcs")`.
pub type Operation = (String, String);

/// A fault to inject into calls of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub service: String,
    pub operation: String,
    pub trigger: Trigger,
    pub kind: FaultKind,
}

/// Which calls a fault hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The next `n` calls.
    Times(usize),
    /// Each call with this probability (per mille), decided by a generator
    /// seeded with `seed`: the same seed hits the same calls.
    Probability { per_mille: u16, seed: u64 },
}

impl Trigger {
    /// Whether this call is hit; advances the trigger.
    fn fire(&mut self) -> bool {
        match self {
            Trigger::Times(0) => false,
            Trigger::Times(n) => {
                *n -= 1;
                true
            }
            Trigger::Probability { per_mille, seed } => {
                // xorshift64*: small and reproducible.
                let mut x = (*seed).max(1);
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                *seed = x;
                x.wrapping_mul(0x2545_F491_4F6C_DD1D) % 1000 < u64::from(*per_mille)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The service's own throttling error: `RequestLimitExceeded` (EC2),
    /// `Throttling` (other query services), `ThrottlingException` (JSON and
    /// REST services).
    Throttle,
    /// An HTTP 5xx with no body.
    ServerError(u16),
    /// The connection is closed without an answer.
    ConnectionReset,
    /// The answer comes after this long (past a client's timeout, say).
    Delay(Duration),
}

/// Lifecycles moto lacks, simulated by rewriting its answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// An RDS instance created through the proxy answers `creating`, then
    /// `backing-up`, then `available`, each for `polls` `DescribeDBInstances`
    /// answers (moto makes it `available` at once).
    RdsInstance { polls: usize },
}

/// RDS instance states in the order AWS goes through them on creation.
const RDS_CREATION_STATES: [&str; 3] = ["creating", "backing-up", "available"];

#[derive(Debug, Default)]
struct State {
    calls: BTreeMap<Operation, usize>,
    latency: Duration,
    operation_latency: BTreeMap<Operation, Duration>,
    faults: Vec<Fault>,
    rds_creation_polls: Option<usize>,
    /// RDS instances created through the proxy → describes answered since.
    rds_instances: BTreeMap<String, usize>,
}

/// A running proxy. Dropping it stops accepting connections.
#[derive(Debug)]
pub struct SimulationProxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SimulationProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> std::io::Result<SimulationProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = state.clone();
                    std::thread::spawn(move || {
                        let _ = serve(stream, upstream, &state);
                    });
                }
            })
        };
        Ok(SimulationProxy {
            addr,
            state,
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

    /// All calls so far.
    pub fn total_calls(&self) -> usize {
        self.state().calls.values().sum()
    }

    pub fn reset_calls(&self) {
        self.state().calls.clear();
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

    /// Simulates `lifecycle` from now on.
    pub fn simulate(&self, lifecycle: Lifecycle) {
        match lifecycle {
            Lifecycle::RdsInstance { polls } => {
                self.state().rds_creation_polls = Some(polls.max(1));
            }
        }
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

/// One request: its head (as sent) and body.
struct Request {
    head: String,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The `SigV4` credential scope's service: `Credential=AKID/date/region/SERVICE/aws4_request`.
    fn service(&self) -> String {
        self.header("authorization")
            .and_then(|auth| auth.split("Credential=").nth(1))
            .and_then(|credential| credential.split('/').nth(3))
            .unwrap_or("unknown")
            .to_owned()
    }

    fn operation(&self) -> String {
        if let Some(target) = self.header("x-amz-target") {
            return target.rsplit('.').next().unwrap_or(target).to_owned();
        }
        let form = String::from_utf8_lossy(&self.body);
        if let Some(action) = form
            .split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
        {
            return action.to_owned();
        }
        let mut request_line = self.head.lines().next().unwrap_or("").split_whitespace();
        let method = request_line.next().unwrap_or("");
        let path = request_line
            .next()
            .unwrap_or("")
            .split('?')
            .next()
            .unwrap_or("");
        format!("{method} {path}")
    }
}

fn read_request(stream: &mut TcpStream) -> std::io::Result<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut request = Request {
        head,
        body: buffer[head_end..].to_vec(),
    };
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while request.body.len() < length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        request.body.extend_from_slice(&chunk[..n]);
    }
    Ok(request)
}

/// The proxy's own endpoints, under a path no AWS service uses.
const ADMIN_PREFIX: &str = "/_awsdeploy/";

fn serve(mut client: TcpStream, upstream: SocketAddr, state: &Mutex<State>) -> std::io::Result<()> {
    let request = read_request(&mut client)?;
    let path = request.head.split_whitespace().nth(1).unwrap_or("");
    if let Some(command) = path.strip_prefix(ADMIN_PREFIX) {
        let response = admin(command, state);
        client.write_all(&response)?;
        return client.shutdown(Shutdown::Both);
    }
    let operation = (request.service(), request.operation());
    let (latency, fault) = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        *state.calls.entry(operation.clone()).or_default() += 1;
        let fault = state
            .faults
            .iter_mut()
            .filter(|f| f.service == operation.0 && f.operation == operation.1)
            .find_map(|f| f.trigger.fire().then_some(f.kind));
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
    let response = match fault {
        Some(FaultKind::ConnectionReset) => return client.shutdown(Shutdown::Both),
        Some(FaultKind::Delay(delay)) => {
            std::thread::sleep(delay);
            forward(&request, upstream)?
        }
        Some(kind) => fault_response(kind, &operation.0, &request),
        None => {
            let response = forward(&request, upstream)?;
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            simulate_lifecycles(&mut state, &operation, &request, response)
        }
    };
    client.write_all(&response)?;
    client.flush()?;
    client.shutdown(Shutdown::Both)
}

/// `GET /_awsdeploy/calls`: the counts as JSON (`[{"service", "operation",
/// "count"}]`); `POST /_awsdeploy/reset`: clears counts and faults.
fn admin(command: &str, state: &Mutex<State>) -> Vec<u8> {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    match command {
        "calls" => {
            let rows: Vec<String> = state
                .calls
                .iter()
                .map(|((service, operation), count)| {
                    format!(
                        r#"{{"service":"{service}","operation":"{operation}","count":{count}}}"#
                    )
                })
                .collect();
            http(
                200,
                "OK",
                &[("Content-Type", "application/json")],
                &format!("[{}]", rows.join(",")),
            )
        }
        "reset" => {
            state.calls.clear();
            state.faults.clear();
            http(200, "OK", &[], "")
        }
        _ => http(
            404,
            "Not Found",
            &[],
            "unknown admin command; use calls or reset",
        ),
    }
}

/// Rewrites an answer where a simulated lifecycle says the resource is in
/// another state than moto reports.
fn simulate_lifecycles(
    state: &mut State,
    operation: &Operation,
    request: &Request,
    response: Vec<u8>,
) -> Vec<u8> {
    let Some(polls) = state.rds_creation_polls else {
        return response;
    };
    match (operation.0.as_str(), operation.1.as_str()) {
        ("rds", "CreateDBInstance") => {
            let form = String::from_utf8_lossy(&request.body);
            if let Some(id) = form
                .split('&')
                .find_map(|pair| pair.strip_prefix("DBInstanceIdentifier="))
            {
                state.rds_instances.insert(id.to_owned(), 0);
            }
            rewrite_rds_states(response, |_| Some(RDS_CREATION_STATES[0]))
        }
        ("rds", "DescribeDBInstances") => rewrite_rds_states(response, |id| {
            let seen = state.rds_instances.get_mut(id)?;
            let index = (*seen / polls).min(RDS_CREATION_STATES.len() - 1);
            *seen += 1;
            Some(RDS_CREATION_STATES[index])
        }),
        _ => response,
    }
}

/// Replaces `<DBInstanceStatus>` in each `<DBInstance>` of an RDS answer
/// with what `state_of(identifier)` says, fixing the Content-Length.
fn rewrite_rds_states(
    response: Vec<u8>,
    mut state_of: impl FnMut(&str) -> Option<&'static str>,
) -> Vec<u8> {
    let Some(split) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return response;
    };
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let body = String::from_utf8_lossy(&response[split + 4..]).into_owned();
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    while let Some(start) = rest.find("<DBInstance>") {
        let end = rest[start..]
            .find("</DBInstance>")
            .map_or(rest.len(), |e| start + e);
        let (before, instance, after) = (&rest[..start], &rest[start..end], &rest[end..]);
        out.push_str(before);
        let id = between(
            instance,
            "<DBInstanceIdentifier>",
            "</DBInstanceIdentifier>",
        );
        match (
            id.and_then(&mut state_of),
            between(instance, "<DBInstanceStatus>", "</DBInstanceStatus>"),
        ) {
            (Some(simulated), Some(current)) => out.push_str(&instance.replacen(
                &format!("<DBInstanceStatus>{current}</DBInstanceStatus>"),
                &format!("<DBInstanceStatus>{simulated}</DBInstanceStatus>"),
                1,
            )),
            _ => out.push_str(instance),
        }
        rest = after;
    }
    out.push_str(rest);
    let head: Vec<String> = head
        .split("\r\n")
        .map(|line| {
            if line.to_ascii_lowercase().starts_with("content-length:") {
                format!("Content-Length: {}", out.len())
            } else {
                line.to_owned()
            }
        })
        .collect();
    format!("{}\r\n\r\n{out}", head.join("\r\n")).into_bytes()
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// Sends the request to the emulator as one `Connection: close` exchange.
fn forward(request: &Request, upstream: SocketAddr) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(upstream)?;
    let head: String = request
        .head
        .split("\r\n")
        .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let head = head.trim_end_matches("\r\n").to_owned() + "\r\nConnection: close\r\n\r\n";
    server.write_all(head.as_bytes())?;
    server.write_all(&request.body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    Ok(response)
}

fn http(status: u16, reason: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (key, value) in headers {
        let _ = write!(out, "{key}: {value}\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

/// A fault in the protocol the service speaks, as AWS would send it.
fn fault_response(kind: FaultKind, service: &str, request: &Request) -> Vec<u8> {
    let request_id = [("x-amzn-RequestId", "simulated-fault")];
    match kind {
        FaultKind::ServerError(status) => http(status, "Server Error", &request_id, ""),
        // Handled before a response is made.
        FaultKind::ConnectionReset | FaultKind::Delay(_) => Vec::new(),
        FaultKind::Throttle if service == "ec2" => http(
            503,
            "Service Unavailable",
            &[("Content-Type", "text/xml")],
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>simulated-fault</RequestID></Response>",
        ),
        FaultKind::Throttle if request.header("x-amz-target").is_some() => http(
            400,
            "Bad Request",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                request_id[0],
            ],
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        ),
        FaultKind::Throttle
            if request
                .header("content-type")
                .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) =>
        {
            http(
                400,
                "Bad Request",
                &[("Content-Type", "text/xml")],
                "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>simulated-fault</RequestId></ErrorResponse>",
            )
        }
        FaultKind::Throttle => http(
            429,
            "Too Many Requests",
            &[
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "ThrottlingException"),
                request_id[0],
            ],
            r#"{"message":"Rate exceeded"}"#,
        ),
    }
}
