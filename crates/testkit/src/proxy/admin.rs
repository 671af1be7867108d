//! The proxy's own endpoints, under `/_awsdeploy/` (a path no AWS service
//! uses): call counts and round trips for tests and benchmarks outside
//! Rust, and the lifecycles, wall clock and metrics the demo sets.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::message::{Request, Response};
use super::{Metric, State, TaskOutcome, ecs, publish_metric, round_trips, upstream};

/// `GET /_awsdeploy/calls`: the counts as JSON (`[{"service", "operation",
/// "count"}]`); `GET /_awsdeploy/round-trips`: `{"round_trips"}` since the
/// last reset; `POST /_awsdeploy/reset`: clears counts and faults (the
/// simulated resources stay); `POST /_awsdeploy/task` with `{"polls",
/// "exit_code" | "fails_to_start", "log_lines"}`: how `RunTask` tasks go
/// from now on ([`Lifecycle::EcsTask`], for demos outside Rust); `POST
/// /_awsdeploy/wall-clock` with `{"seconds"}` (or `{}`): what
/// [`SimulationProxy::set_wall_clock`] does; `POST /_awsdeploy/ecs-minute`
/// with `{"seconds"}`: how long an ECS minute (bakes, canary and linear
/// holds) lasts ([`Lifecycle::EcsMinute`]); `POST /_awsdeploy/metric` with
/// `{"namespace", "name", "dimensions": {name: value}, "value", "unit"}`:
/// what [`SimulationProxy::publish_metric`] does.
pub(super) fn admin(
    command: &str,
    request: &Request,
    state: &Mutex<State>,
    upstream: &upstream::Upstream,
) -> Response {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    match command {
        "metric" => {
            let body = request.json();
            let metric = Metric {
                namespace: body["namespace"].as_str().unwrap_or_default().to_owned(),
                name: body["name"].as_str().unwrap_or_default().to_owned(),
                dimensions: body["dimensions"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect(),
                value: body["value"].as_f64().unwrap_or_default(),
                unit: body["unit"].as_str().unwrap_or("None").to_owned(),
            };
            drop(state);
            match publish_metric(upstream, &metric) {
                Ok(()) => Response::new(200, &[], ""),
                Err(error) => Response::new(400, &[], error),
            }
        }
        "calls" => {
            let rows: Vec<serde_json::Value> = state
                .calls
                .iter()
                .map(|((service, operation), count)| {
                    serde_json::json!({ "service": service, "operation": operation, "count": count })
                })
                .collect();
            Response::json(200, "application/json", &serde_json::Value::from(rows))
        }
        "reset" => {
            state.calls.clear();
            state.timeline.clear();
            state.faults.clear();
            Response::new(200, &[], "")
        }
        "task" => {
            let body = request.json();
            let outcome = match (body["exit_code"].as_i64(), body["fails_to_start"].as_str()) {
                (_, Some(reason)) => TaskOutcome::FailsToStart(reason.to_owned()),
                (code, None) => TaskOutcome::Exits(i32::try_from(code.unwrap_or(0)).unwrap_or(1)),
            };
            state.ecs.task = ecs::TaskPlan {
                polls: usize::try_from(body["polls"].as_u64().unwrap_or(2)).unwrap_or(2),
                outcome,
                log_lines: body["log_lines"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l.as_str().map(str::to_owned))
                    .collect(),
            };
            Response::new(200, &[], "")
        }
        "round-trips" => Response::json(
            200,
            "application/json",
            &serde_json::json!({ "round_trips": round_trips(state.timeline.clone()) }),
        ),
        "wall-clock" => {
            let seconds = request.json()["seconds"].as_f64();
            let duration = seconds.map(Duration::from_secs_f64);
            state.ecs.wall_clock = duration;
            state.amplify.wall_clock = duration;
            Response::new(200, &[], "")
        }
        "ecs-minute" => match request.json()["seconds"].as_f64() {
            Some(seconds) if seconds >= 0.0 => {
                state.ecs.minute = Duration::from_secs_f64(seconds);
                Response::new(200, &[], "")
            }
            _ => Response::new(400, &[], "give {\"seconds\": N}, N >= 0"),
        },
        _ => Response::new(
            404,
            &[],
            "unknown admin command; use calls, ecs-minute, metric, round-trips, reset, task or wall-clock",
        ),
    }
}
