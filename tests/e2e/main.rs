//! End-to-end tests: the built `awsdeploy` binary against the local AWS
//! emulator (moto, started per test by `awsdeploy-testkit`; or the endpoint
//! in `AWSDEPLOY_TEST_ENDPOINT`). Every test uses its own app name, so tests
//! never see each other's resources even on a shared endpoint.
//!
//! Modules:
//! - `harness`: the binary runner, spec files, the emulator behind the
//!   simulation proxy, and an EC2 client for out-of-band changes.
//! - `cli`: bad input gets a clear error and makes no AWS call; `--help`.
//! - `cost`: the monthly cost in plans: a new env, a change's difference,
//!   `+$0.00` with no change, Graviton tasks, `--no-cost`, `cost` offline.
//! - `components`: every component applied then planned again with no
//!   change; a committed saved plan still applied.
//! - `network`: create, idempotence, growth, drift repair, ownership, saved
//!   plans, call counts.
//! - `performance`: the example stack's no-op `diff` in calls and round
//!   trips.
//! - `pipeline`: GitHub Actions' deploy role for one branch and the
//!   account's OIDC provider: made, a no-op diff, a new branch, `down`.
//! - `proxy`: the simulation proxy (counts, latency, faults, RDS creation)
//!   with the real SDK client, and how awsdeploy reports AWS errors.
//! - `database`: RDS for `MySQL` created private and encrypted, in-place
//!   updates with their timing, refused replacements and shrinks, a removed
//!   section kept, no secret value in any output.
//! - `down`: everything of an env deleted in order, data only with
//!   `--delete-data`, the other env untouched, an interrupted `down`
//!   finished by the next.
//! - `iam_policy`: every call of a stack's whole life allowed by `awsdeploy
//!   iam-policy`, which holds no wildcard action.
//! - `lock`: the deploy lock: concurrent runs, a killed holder's lock
//!   broken by its id or expired, its cost to a no-op `up`.
//! - `localstack`: the LocalStack lane's routing (what LocalStack serves
//!   reaches it, the rest moto) and that it stops with its simulation.
//! - `logs`: the service's lines, the migration's, filtered, one task's, and
//!   a follow ended by Ctrl-C.
//! - `lifecycles`: the simulated ECS rollouts (completion, circuit-breaker
//!   rollback) and one-off tasks (exit codes, log lines, stop).
//! - `registry`: the ECR repository made, a no-op re-plan, `keep_images` in
//!   place, the image-tag check, kept by `down` until `--delete-data`.
//! - `iam`: the roles and their policies (the repository, log group and
//!   secrets they grant), secret references, managed policies.
//! - `load_balancer`: the ALB, target group and HTTP listener, a health
//!   check changed in place, `down`.
//! - `certificate`: the HTTPS listener created once ELB accepts a
//!   certificate ACM just issued.
//! - `dns`: a record that points elsewhere is never overwritten.
//! - `service`: the load balancer with HTTPS, the certificate, the ECS
//!   service and its rollouts (completed, rolled back, past the deadline),
//!   autoscaling, the API's DNS record, and the calls of an image-only `up`.
//! - `architecture` (in `crates/plan/tests`): every component listed here
//!   has its module, named after it.
//! - `migration`: `awsdeploy migrate` and the migration step of `up`: log
//!   lines streamed, exit codes passed through, a failed migration stopping
//!   `up` before the service, no exit code, a dirty database, the deadline,
//!   a bad migrations folder refused offline.
//! - `migration_lint`: a release whose migration would copy a table
//!   stopped before `RunTask` (and by `migrate`, and offline by `migrate
//!   --lint`), then run once an annotation allows it; the version recorded.
//! - `strategies`: blue/green (from a live rolling service), canary and
//!   linear (created with the strategy), each with a release moving the
//!   production rule's weights, one rolled back by an alarm in the bake,
//!   `up --wait-until traffic-shifted` and `rollback` stopping that
//!   deployment; the switch back to rolling refused.
//! - `rollback`: the API back on the revision before, one update, no
//!   migration; refused unchanged when its image is gone.
//! - `soak`: the example stack's `up` again and again under faults on every
//!   service, some runs killed; then one clean `up` leaves one of
//!   everything.
//! - `status`: healthy after up, degraded during a rollout or after a failed
//!   job, JSON against its schema, no mutating call.
//! - `alarms`: the topic, subscriptions, recommended alarms and dashboard
//!   made, checked, updated one by one, kept as orphans when the section
//!   goes, deleted by `down` after it went.
//! - `strict`: the testkit's AWS rules (request validation, eventual
//!   consistency, IAM propagation, placement, certificate and domain
//!   timing) seen through the SDK.
//! - `tracing`: `service.tracing = "xray"`: the daemon sidecar, its
//!   permission, and off again.
//! - `amplify`: the simulated Amplify service with aws-sdk-amplify.
//! - `web`: the Amplify app and branch from `up`, `web-release` of a folder
//!   and a zip, the skip of a build already live, `--force`, server builds
//!   refused offline, a failed job's step reasons.

mod alarms;
mod amplify;
mod certificate;
mod cli;
mod components;
mod cost;
mod database;
mod dns;
mod down;
mod harness;
mod iam;
mod iam_policy;
mod lifecycles;
mod load_balancer;
mod localstack;
mod lock;
mod logs;
mod migration;
mod migration_lint;
mod network;
mod performance;
mod pipeline;
mod proxy;
mod registry;
mod rollback;
mod service;
mod soak;
mod status;
mod strategies;
mod strict;
mod test_listener;
mod tracing;
mod web;
