//! Test support for awsdeploy (dev-only).
//!
//! - [`Emulator`]: the local AWS emulator. It starts `moto_server` (moto,
//!   pinned, from the project's own virtualenv that `scripts/test` makes) on
//!   a free loopback port, waits until it answers, resets it on request
//!   (`POST /moto-api/reset`) and stops it when dropped. With
//!   `AWSDEPLOY_TEST_ENDPOINT` set it uses that endpoint (`LocalStack`, say)
//!   and starts nothing.
//! - [`TrapEndpoint`]: an endpoint that counts every connection made to it,
//!   to prove that a command made no AWS call.
//!
//! - [`SimulationProxy`]: in front of the emulator, counts calls per service
//!   and operation, adds latency, injects throttling, 5xx, resets and late
//!   answers, and simulates lifecycles moto lacks (RDS instance creation).
//!
//! ECS rollouts, `RunTask` exits, Amplify and its jobs are still to come
//! (issue 5).

mod emulator;
mod http;
mod proxy;
mod trap;

pub use emulator::{Emulator, EmulatorError};
pub use proxy::{Fault, FaultKind, Lifecycle, Operation, SimulationProxy, Trigger};
pub use trap::TrapEndpoint;

/// Credentials and region for talking to an emulator: fixed test values,
/// never real ones.
pub const TEST_CREDENTIALS: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", "ap-northeast-1"),
];
