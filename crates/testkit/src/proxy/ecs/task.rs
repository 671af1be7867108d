//! A one-off task started by `RunTask`: it runs for some `DescribeTasks`
//! ticks, writes its lines to its `awslogs` stream as it runs, and stops
//! with the chosen exit code, or fails to start.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::super::upstream::Upstream;
use super::super::{TaskOutcome, advance};
use super::{TaskPlan, now, now_millis};

#[derive(Debug)]
pub(super) enum TaskState {
    Provisioning,
    Running,
    /// `StopTask` was called; the next describe finds it stopped.
    Stopping(String),
    Stopped {
        exit_code: Option<i32>,
        stop_code: &'static str,
        reason: String,
    },
}

#[derive(Debug)]
pub(super) struct Task {
    pub(super) plan: TaskPlan,
    /// The secrets ECS injected when it started.
    pub(super) secrets: Vec<String>,
    pub(super) born: Instant,
    pub(super) wall_clock: Option<Duration>,
    pub(super) seen: usize,
    /// Log lines written so far.
    pub(super) written: usize,
    /// The `awslogs` group and stream.
    pub(super) log: Option<(String, String)>,
    pub(super) state: TaskState,
}

impl Task {
    /// Creates the task's `awslogs` stream, as the agent does when the task
    /// starts; a missing log group makes the task fail to start, as on AWS.
    pub(super) fn open_log(&mut self, container: &Value, task_arn: &str, upstream: &Upstream) {
        let options = &container["logConfiguration"]["options"];
        if container["logConfiguration"]["logDriver"] != "awslogs" {
            return;
        }
        let (Some(group), Some(prefix), Some(name)) = (
            options["awslogs-group"].as_str(),
            options["awslogs-stream-prefix"].as_str(),
            container["name"].as_str(),
        ) else {
            return;
        };
        let task_id = task_arn.rsplit('/').next().unwrap_or(task_arn);
        let stream = format!("{prefix}/{name}/{task_id}");
        match upstream.logs(
            "CreateLogStream",
            &json!({ "logGroupName": group, "logStreamName": stream }),
        ) {
            Err(code) if code == "ResourceNotFoundException" => {
                self.plan.outcome = TaskOutcome::FailsToStart(format!(
                    "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1 (log group {group})"
                ));
            }
            _ => self.log = Some((group.to_owned(), stream)),
        }
    }

    pub(super) fn tick(&mut self, upstream: &Upstream) {
        match &self.state {
            TaskState::Stopped { .. } => return,
            TaskState::Stopping(reason) => {
                self.state = TaskState::Stopped {
                    exit_code: Some(143),
                    stop_code: "UserInitiated",
                    reason: reason.clone(),
                };
                return;
            }
            TaskState::Provisioning | TaskState::Running => {}
        }
        let polls = self.plan.polls.max(1);
        advance(&mut self.seen, polls, self.born, self.wall_clock);
        match self.plan.outcome.clone() {
            TaskOutcome::FailsToStart(reason) => {
                self.state = TaskState::Stopped {
                    exit_code: None,
                    stop_code: "TaskFailedToStart",
                    reason,
                };
            }
            TaskOutcome::Exits(code) => {
                let lines = self.plan.log_lines.len();
                self.write_lines((lines * self.seen).div_ceil(polls).min(lines), upstream);
                self.state = if self.seen >= polls {
                    TaskState::Stopped {
                        exit_code: Some(code),
                        stop_code: "EssentialContainerExited",
                        reason: "Essential container in task exited".to_owned(),
                    }
                } else {
                    TaskState::Running
                };
            }
        }
    }

    pub(super) fn write_lines(&mut self, upto: usize, upstream: &Upstream) {
        let Some((group, stream)) = &self.log else {
            return;
        };
        if upto <= self.written {
            return;
        }
        let timestamp = now_millis();
        let events: Vec<Value> = self.plan.log_lines[self.written..upto]
            .iter()
            .map(|line| json!({ "timestamp": timestamp, "message": line }))
            .collect();
        if upstream
            .logs(
                "PutLogEvents",
                &json!({ "logGroupName": group, "logStreamName": stream, "logEvents": events }),
            )
            .is_ok()
        {
            self.written = upto;
        }
    }

    pub(super) fn is_stopped(&self) -> bool {
        matches!(self.state, TaskState::Stopped { .. })
    }

    pub(super) fn stop(&mut self, reason: &str) {
        if matches!(self.state, TaskState::Provisioning | TaskState::Running) {
            self.state = TaskState::Stopping(reason.to_owned());
        }
    }

    pub(super) fn render(&self, task: &mut Value) {
        let (last, desired) = match &self.state {
            TaskState::Provisioning => ("PROVISIONING", "RUNNING"),
            TaskState::Running => ("RUNNING", "RUNNING"),
            TaskState::Stopping(_) => ("RUNNING", "STOPPED"),
            TaskState::Stopped { .. } => ("STOPPED", "STOPPED"),
        };
        task["lastStatus"] = json!(last);
        task["desiredStatus"] = json!(desired);
        let container_status = match last {
            "PROVISIONING" => "PENDING",
            other => other,
        };
        let arn = task["taskArn"].clone();
        for container in task["containers"].as_array_mut().into_iter().flatten() {
            // moto puts the task definition's ARN here.
            container["taskArn"] = arn.clone();
            container["lastStatus"] = json!(container_status);
            if let Some(container) = container.as_object_mut() {
                container.remove("exitCode");
            }
        }
        if let TaskState::Stopped {
            exit_code,
            stop_code,
            reason,
        } = &self.state
        {
            task["stopCode"] = json!(stop_code);
            task["stoppedReason"] = json!(reason);
            task["stoppedAt"] = json!(now());
            if let Some(container) = task["containers"].get_mut(0) {
                match exit_code {
                    Some(code) => container["exitCode"] = json!(code),
                    None => container["reason"] = json!(reason),
                }
            }
        } else if let Some(task) = task.as_object_mut() {
            task.remove("stoppedReason");
            task.remove("stopCode");
        }
    }
}
