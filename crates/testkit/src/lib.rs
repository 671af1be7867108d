//! Test support for awsdeploy (dev-only).
//!
//! - [`Simulation`]: what a test starts. moto behind the simulation proxy,
//!   an SDK configuration pointing at it, the environment for a child
//!   process, a full reset; both stop when it is dropped.
//! - [`Emulator`]: the local AWS emulator. It starts `moto_server` (moto,
//!   pinned, from the project's own virtualenv that `scripts/test` makes) on
//!   a free loopback port, waits until it answers, resets it on request
//!   (`POST /moto-api/reset`) and stops it when dropped. With
//!   `AWSDEPLOY_TEST_ENDPOINT` set it uses that endpoint (`LocalStack`, say)
//!   and starts nothing.
//! - [`LocalStack`]: the second emulator, for the LocalStack lane
//!   (`AWSDEPLOY_TEST_BACKEND=localstack` or `localstack-all`): its
//!   community runtime in host mode, answering the services the lane gives
//!   it ([`localstack::BESIDE_MOTO`], [`localstack::SERVED`]) while moto
//!   answers the rest, behind the same proxy.
//! - [`SimulationProxy`]: in front of the emulator. It counts calls per
//!   service and operation, adds latency, injects throttling, 5xx, resets
//!   and late answers, simulates the lifecycles moto lacks ([`Lifecycle`]:
//!   RDS creation, ECS rollouts with circuit-breaker rollback, `RunTask`
//!   exits and log lines, Amplify jobs), keeps what moto drops (an ECS
//!   service's `deploymentConfiguration`) and serves the Amplify API itself.
//!   It is as strict as AWS by default ([`Strictness`]): requests checked
//!   against the service models, eventual consistency, IAM propagation, a
//!   new account's missing service-linked role, certificate and domain
//!   validation timing, placement rules, idempotent creates.
//! - [`TrapEndpoint`]: an endpoint that counts every connection made to it,
//!   to prove that a command made no AWS call.

mod emulator;
pub mod http;
pub mod localstack;
mod proxy;
mod simulation;
mod trap;

pub use emulator::{Emulator, EmulatorError};
pub use localstack::LocalStack;
pub use proxy::{
    Fault, FaultKind, JobOutcome, Lifecycle, Metric, Operation, Recorded, RolloutOutcome, Routes,
    SimulationProxy, Strictness, TaskOutcome, Trigger,
};
pub use simulation::{REGION, Simulation};
pub use trap::TrapEndpoint;

/// Credentials and region for talking to an emulator: fixed test values,
/// never real ones.
pub const TEST_CREDENTIALS: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", REGION),
];

/// Checks `document` against the JSON Schema in the file `schema`, with
/// the `jsonschema` package of the emulator's virtualenv (moto's server
/// brings it); `Err` names what does not conform.
pub fn check_json_schema(
    schema: &std::path::Path,
    document: &serde_json::Value,
) -> Result<(), String> {
    use std::io::Write as _;
    let python = Emulator::moto_server_path().with_file_name("python");
    let mut child = std::process::Command::new(&python)
        .args([
            "-c",
            "import json, sys, jsonschema\nschema = json.load(open(sys.argv[1]))\njsonschema.validate(json.load(sys.stdin), schema)",
        ])
        .arg(schema)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(document.to_string().as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
