//! End-to-end tests: the built `awsdeploy` binary against the local AWS
//! emulator (moto, started per test by `awsdeploy-testkit`; or the endpoint
//! in `AWSDEPLOY_TEST_ENDPOINT`). Every test uses its own app name, so tests
//! never see each other's resources even on a shared endpoint.
//!
//! Modules:
//! - `support`: the binary runner, spec files, and an EC2 client for
//!   out-of-band changes.
//! - `cli`: bad input gets a clear error and makes no AWS call; `--help`.
//! - `network`: create, idempotence, growth, drift repair, ownership.

mod cli;
mod network;
mod support;
