//! ECS: service rollouts and one-off tasks, which moto never progresses.
//!
//! A service created through the proxy is tracked by its ARN. Each
//! `DescribeServices` that names it is one tick of simulated time: the
//! PRIMARY deployment starts tasks until `runningCount` reaches the desired
//! count and the rollout is COMPLETED, or — when the test asks — its tasks
//! fail until the deployment circuit breaker marks it FAILED and, with
//! rollback on, a new deployment brings back the previous task definition.
//! `UpdateService` with another task definition (or `forceNewDeployment`)
//! starts a new PRIMARY deployment, as ECS does. What moto drops from a
//! service (`deploymentConfiguration`, `healthCheckGracePeriodSeconds`,
//! `enableExecuteCommand`, `enableECSManagedTags`, `platformVersion`) is
//! kept as sent and answered where ECS answers it.
//!
//! A task started by `RunTask` runs for some `DescribeTasks` ticks, writes
//! the chosen lines to its `awslogs` stream as it runs, and stops with the
//! chosen exit code — or fails to start with a stopped reason and no exit
//! code, as a task whose image cannot be pulled does. `StopTask` stops it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::message::{Request, Response};
use super::strict::{TaskStart, unassumable_role_reason};
use super::upstream::Upstream;
use super::{RolloutOutcome, TaskOutcome, advance};

mod kept;
mod secrets;
mod served;
use secrets::secret_arns;
mod shift;
mod task;
use kept::{default_kept_fields, kept_fields};
use task::{Task, TaskState};

/// How new deployments go.
#[derive(Debug, Clone)]
pub(super) struct RolloutPlan {
    pub polls: usize,
    pub outcome: RolloutOutcome,
    pub wall_clock: Option<Duration>,
}

/// How tasks started from now on go.
#[derive(Debug, Clone)]
pub(super) struct TaskPlan {
    pub polls: usize,
    pub outcome: TaskOutcome,
    pub log_lines: Vec<String>,
}

#[derive(Debug)]
pub(super) struct Ecs {
    pub rollout: RolloutPlan,
    pub task: TaskPlan,
    /// How long rollouts and tasks take in real time, when they do.
    pub wall_clock: Option<Duration>,
    services: BTreeMap<String, Service>,
    tasks: BTreeMap<String, Task>,
    deployments_started: u64,
    /// Service deployments of strategies that shift traffic, oldest first.
    shifts: Vec<shift::Shift>,
    /// Service revisions (ARN) and the task definition each runs.
    revisions: BTreeMap<String, String>,
    /// How long an ECS minute (a bake's) lasts here.
    pub minute: Duration,
}

impl Default for Ecs {
    fn default() -> Ecs {
        Ecs {
            rollout: RolloutPlan {
                polls: 2,
                outcome: RolloutOutcome::Completes,
                wall_clock: None,
            },
            task: TaskPlan {
                polls: 2,
                outcome: TaskOutcome::Exits(0),
                log_lines: Vec::new(),
            },
            wall_clock: None,
            services: BTreeMap::new(),
            tasks: BTreeMap::new(),
            deployments_started: 0,
            shifts: Vec::new(),
            revisions: BTreeMap::new(),
            minute: Duration::from_millis(20),
        }
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Ecs {
    pub fn on_answer(
        &mut self,
        operation: &str,
        request: &Request,
        response: &mut Response,
        upstream: &Upstream,
        start: &TaskStart<'_>,
    ) {
        let Some(mut body) = response.ok_json() else {
            return;
        };
        let request = request.json();
        match operation {
            "CreateService" => self.created(&request, &mut body["service"], upstream, start),
            "UpdateService" => self.updated(&request, &mut body["service"], upstream, start),
            "DescribeServices" => {
                for service in body["services"].as_array_mut().into_iter().flatten() {
                    if let Some(sim) = arn(service).and_then(|arn| self.services.get_mut(&arn)) {
                        let id = self.deployments_started;
                        self.deployments_started += sim.tick(id);
                        if let Some(alarm) = sim.fired.take() {
                            shift::set_alarm(upstream, &alarm);
                        }
                        sim.render(service);
                    }
                }
            }
            "DeleteService" => {
                if let Some(arn) = arn(&body["service"]) {
                    self.services.remove(&arn);
                }
                return;
            }
            "RunTask" => {
                let network = &request["networkConfiguration"]["awsvpcConfiguration"];
                self.started(&mut body["tasks"], network, upstream, start);
            }
            "ListTasks" => self.listed(&request, &mut body),
            "DescribeTasks" => {
                for task in body["tasks"].as_array_mut().into_iter().flatten() {
                    if let Some(sim) = task_arn(task).and_then(|arn| self.tasks.get_mut(&arn)) {
                        sim.tick(upstream);
                        sim.render(task);
                    }
                }
            }
            "StopTask" => {
                let task = &mut body["task"];
                if let Some(sim) = task_arn(task).and_then(|arn| self.tasks.get_mut(&arn)) {
                    sim.stop(request["reason"].as_str().unwrap_or("Task stopped by user"));
                    sim.render(task);
                }
            }
            _ => return,
        }
        response.set_body(body.to_string());
    }

    fn next_deployment_id(&mut self) -> String {
        self.deployments_started += 1;
        deployment_id(self.deployments_started)
    }

    /// The tasks registered in target group `group`: the container port,
    /// and per deployment (the PRIMARY first) what the load balancer sees
    /// of it.
    pub fn registered(&self, group: &str) -> Option<(i64, Vec<Registered>)> {
        let service = self
            .services
            .values()
            .find(|s| s.load_balancer.as_ref().is_some_and(|(g, _)| g == group))?;
        let port = service.load_balancer.as_ref().map_or(80, |(_, port)| *port);
        // ECS deregisters the old tasks once the new ones are healthy, so
        // they drain during a completing rollout's last step.
        let replaced = service.deployments.first().is_some_and(|p| {
            p.outcome == RolloutOutcome::Completes
                && (p.running >= p.desired || p.seen + 1 >= p.polls)
        });
        Some((
            port,
            service
                .deployments
                .iter()
                .map(|d| Registered {
                    status: d.status,
                    rollout_state: d.rollout_state,
                    running: d.running,
                    failing: d.outcome == RolloutOutcome::Fails
                        && d.failed_tasks > 0
                        && d.cannot_start.is_none()
                        && d.rollout_state == "IN_PROGRESS",
                    replaced,
                })
                .collect(),
        ))
    }

    fn created(
        &mut self,
        request: &Value,
        service: &mut Value,
        upstream: &Upstream,
        start: &TaskStart<'_>,
    ) {
        let Some(arn) = arn(service) else { return };
        let desired = service["desiredCount"].as_i64().unwrap_or(0);
        let task_definition = service["taskDefinition"].as_str().unwrap_or("").to_owned();
        let id = match service["deployments"][0]["id"].as_str() {
            Some(id) => id.to_owned(),
            None => self.next_deployment_id(),
        };
        let network = service["networkConfiguration"]["awsvpcConfiguration"].clone();
        let rollout = RolloutPlan {
            wall_clock: self.wall_clock,
            ..self.rollout.clone()
        };
        let mut deployment = Deployment::new(id, task_definition.clone(), desired, &rollout);
        deployment.check_start(&network, upstream, start);
        let sim = Service {
            name: service["serviceName"].as_str().unwrap_or("").to_owned(),
            desired,
            task_definition,
            network,
            kept: kept_fields(&default_kept_fields(), request),
            deployments: vec![deployment],
            events: Vec::new(),
            template: service["deployments"][0].clone(),
            load_balancer: request["loadBalancers"][0]["targetGroupArn"]
                .as_str()
                .map(|group| {
                    let port = request["loadBalancers"][0]["containerPort"].as_i64();
                    (group.to_owned(), port.unwrap_or(80))
                }),
            fired: None,
            balancer: request["loadBalancers"][0].clone(),
            serving_alternate: false,
            revision: None,
            shifting: false,
        };
        sim.render(service);
        self.services.insert(arn.clone(), sim);
        self.start_shift(&arn, upstream);
    }

    fn updated(
        &mut self,
        request: &Value,
        service: &mut Value,
        upstream: &Upstream,
        start: &TaskStart<'_>,
    ) {
        let Some(arn) = arn(service) else { return };
        if !self.services.contains_key(&arn) {
            return;
        }
        let wanted = request["taskDefinition"]
            .as_str()
            .map(|reference| resolve_task_definition(reference, upstream));
        let new_id = self.next_deployment_id();
        let rollout = RolloutPlan {
            wall_clock: self.wall_clock,
            ..self.rollout.clone()
        };
        let Some(sim) = self.services.get_mut(&arn) else {
            return;
        };
        sim.kept = kept_fields(&sim.kept, request);
        let rebalanced = request["loadBalancers"].is_array();
        if rebalanced {
            sim.balancer = request["loadBalancers"][0].clone();
        }
        if let Some(desired) = request["desiredCount"].as_i64() {
            sim.desired = desired;
            sim.deployments[0].desired = desired;
        }
        let changed = wanted.as_ref().is_some_and(|td| *td != sim.task_definition);
        let started = changed || rebalanced || request["forceNewDeployment"] == Value::Bool(true);
        if started {
            let task_definition = wanted.unwrap_or_else(|| sim.task_definition.clone());
            for deployment in &mut sim.deployments {
                deployment.status = "ACTIVE";
            }
            sim.task_definition.clone_from(&task_definition);
            let mut deployment = Deployment::new(new_id, task_definition, sim.desired, &rollout);
            deployment.check_start(&sim.network, upstream, start);
            sim.deployments.insert(0, deployment);
        }
        sim.render(service);
        if started {
            self.start_shift(&arn, upstream);
        }
    }

    /// `ListTasks` as the simulation has the tasks: a task it stopped is
    /// listed under `desiredStatus=STOPPED`, not under RUNNING (the
    /// default), whatever moto thinks.
    fn listed(&self, request: &Value, body: &mut Value) {
        let wanted_stopped = request["desiredStatus"].as_str() == Some("STOPPED");
        let cluster = request["cluster"].as_str().unwrap_or("default");
        let cluster = cluster.rsplit('/').next().unwrap_or(cluster);
        let mut arns: Vec<Value> = body["taskArns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|arn| {
                let simulated = arn.as_str().and_then(|a| self.tasks.get(a));
                simulated.is_none_or(|task| task.is_stopped() == wanted_stopped)
            })
            .cloned()
            .collect();
        if wanted_stopped {
            for (arn, task) in &self.tasks {
                let in_cluster = arn.contains(&format!(":task/{cluster}/"));
                if task.is_stopped() && in_cluster && !arns.iter().any(|a| a == arn.as_str()) {
                    arns.push(json!(arn));
                }
            }
        }
        body["taskArns"] = Value::Array(arns);
    }

    fn started(
        &mut self,
        tasks: &mut Value,
        network: &Value,
        upstream: &Upstream,
        start: &TaskStart<'_>,
    ) {
        let egress = start.egress_problem(network, upstream);
        let mut definitions: BTreeMap<String, Option<Value>> = BTreeMap::new();
        for task in tasks.as_array_mut().into_iter().flatten() {
            let Some(arn) = task_arn(task) else { continue };
            let definition_arn = task["taskDefinitionArn"].as_str().unwrap_or("").to_owned();
            let definition = definitions
                .entry(definition_arn.clone())
                .or_insert_with(|| upstream.task_definition(&definition_arn));
            let mut sim = Task {
                plan: self.task.clone(),
                secrets: definition.as_ref().map(secret_arns).unwrap_or_default(),
                born: Instant::now(),
                wall_clock: self.wall_clock,
                seen: 0,
                written: 0,
                log: None,
                state: TaskState::Provisioning,
            };
            if let Some(container) = definition
                .as_ref()
                .and_then(|d| d["containerDefinitions"].get(0))
            {
                sim.open_log(container, &arn, upstream);
            }
            // A one-off task is not retried: a role ECS cannot assume yet,
            // or no way out to ECR, stops it for good.
            if let Some((role, _)) = definition.as_ref().and_then(|d| start.unassumable_role(d)) {
                sim.plan.outcome = TaskOutcome::FailsToStart(unassumable_role_reason(&role));
            } else if let Some(reason) = &egress {
                sim.plan.outcome = TaskOutcome::FailsToStart(reason.clone());
            }
            sim.render(task);
            self.tasks.insert(arn, sim);
        }
    }
}

fn arn(service: &Value) -> Option<String> {
    service["serviceArn"].as_str().map(str::to_owned)
}

fn task_arn(task: &Value) -> Option<String> {
    task["taskArn"].as_str().map(str::to_owned)
}

fn deployment_id(n: u64) -> String {
    format!("ecs-svc/{}", 4_000_000_000_000_000_000_u64 + n)
}

/// A family, `family:revision` or ARN → the task definition's ARN.
fn resolve_task_definition(reference: &str, upstream: &Upstream) -> String {
    if reference.starts_with("arn:") {
        return reference.to_owned();
    }
    upstream
        .task_definition(reference)
        .and_then(|d| d["taskDefinitionArn"].as_str().map(str::to_owned))
        .unwrap_or_else(|| reference.to_owned())
}

/// A deployment's tasks in its target group.
#[derive(Debug, Clone, Copy)]
pub struct Registered {
    /// `PRIMARY` or `ACTIVE`.
    pub status: &'static str,
    pub rollout_state: &'static str,
    pub running: i64,
    /// Its tasks start, then fail their health checks (a failing rollout
    /// whose tasks do start).
    pub failing: bool,
    /// The PRIMARY runs all its tasks: older deployments' are being
    /// deregistered.
    pub replaced: bool,
}

#[derive(Debug)]
struct Service {
    name: String,
    desired: i64,
    task_definition: String,
    /// Its `awsvpcConfiguration`.
    network: Value,
    /// The [`KEPT_FIELDS`] as last sent.
    kept: Value,
    /// `[0]` is the PRIMARY deployment; the rest are ACTIVE (draining).
    deployments: Vec<Deployment>,
    /// Newest first, as ECS lists them.
    events: Vec<Value>,
    /// moto's deployment object, for the fields not simulated here.
    template: Value,
    /// The target group its tasks register in, and their port.
    load_balancer: Option<(String, i64)>,
    /// A deployment alarm the simulation has just made fire, for the
    /// proxy to set to ALARM in the emulator.
    fired: Option<String>,
    /// Its `loadBalancers[0]` as last sent.
    balancer: Value,
    /// The production rule sends the traffic to the alternate target
    /// group (ECS never swaps the two ARNs; the weights say which serves).
    serving_alternate: bool,
    /// Its current service revision.
    revision: Option<String>,
    /// A service deployment that shifts traffic is under way: it, not
    /// `DescribeServices`, moves the deployments on.
    shifting: bool,
}

#[derive(Debug)]
struct Deployment {
    id: String,
    task_definition: String,
    status: &'static str,
    rollout_state: &'static str,
    reason: String,
    desired: i64,
    running: i64,
    failed_tasks: i64,
    polls: usize,
    seen: usize,
    outcome: RolloutOutcome,
    created_at: f64,
    updated_at: f64,
    born: Instant,
    wall_clock: Option<Duration>,
    /// The secrets ECS injected into its tasks when they started.
    secrets: Vec<String>,
    /// A role its tasks need that ECS cannot assume until then: ECS keeps
    /// trying, and no task starts before.
    waits_for_role: Option<(String, Instant)>,
    /// Why none of its tasks can start (no way out of its subnets).
    cannot_start: Option<String>,
}

impl Deployment {
    fn new(id: String, task_definition: String, desired: i64, plan: &RolloutPlan) -> Deployment {
        Deployment {
            reason: format!("ECS deployment {id} in progress."),
            id,
            task_definition,
            status: "PRIMARY",
            rollout_state: "IN_PROGRESS",
            desired,
            running: 0,
            failed_tasks: 0,
            polls: plan.polls.max(1),
            seen: 0,
            outcome: plan.outcome,
            created_at: now(),
            updated_at: now(),
            born: Instant::now(),
            wall_clock: plan.wall_clock,
            secrets: Vec::new(),
            waits_for_role: None,
            cannot_start: None,
        }
    }

    /// Notes what will stop its tasks from starting.
    fn check_start(&mut self, network: &Value, upstream: &Upstream, start: &TaskStart<'_>) {
        if let Some(definition) = upstream.task_definition(&self.task_definition) {
            self.waits_for_role = start.unassumable_role(&definition);
            self.secrets = secret_arns(&definition);
        }
        self.cannot_start = start.egress_problem(network, upstream);
        if self.cannot_start.is_some() {
            self.outcome = RolloutOutcome::Fails;
        }
    }

    fn pending(&self) -> i64 {
        if self.rollout_state == "IN_PROGRESS" {
            (self.desired - self.running).max(0)
        } else {
            0
        }
    }
}

impl Service {
    fn event(&mut self, message: &str) {
        let id = format!("{:08x}-sim", self.events.len());
        self.events.insert(
            0,
            json!({ "id": id, "createdAt": now(), "message": message }),
        );
    }

    /// A desired count changed after the rollout: ECS scales the
    /// deployment in place, with no new rollout. Whether that happened.
    fn scaled_in_place(&mut self) -> bool {
        let primary = &mut self.deployments[0];
        if primary.rollout_state != "COMPLETED" || primary.running == primary.desired {
            return false;
        }
        let started = primary.desired - primary.running;
        primary.running = primary.desired;
        if started > 0 {
            let name = self.name.clone();
            self.event(&format!("(service {name}) has started {started} tasks."));
        }
        true
    }

    /// Whether the primary deployment still waits for a role ECS cannot
    /// assume yet: ECS retries, saying so in the events, and starts nothing.
    fn waits_for_role(&mut self) -> bool {
        let primary = &mut self.deployments[0];
        let Some((role, until)) = primary.waits_for_role.clone() else {
            return false;
        };
        if Instant::now() >= until {
            primary.waits_for_role = None;
            return false;
        }
        primary.updated_at = now();
        let name = self.name.clone();
        self.event(&format!(
            "(service {name}) failed to launch a task with (error {}).",
            unassumable_role_reason(&role)
        ));
        true
    }

    /// One tick of simulated time; returns how many deployments it started
    /// (a rollback starts one), whose ids count on from `started`.
    fn tick(&mut self, started: u64) -> u64 {
        let name = self.name.clone();
        let breaker = &self.kept["deploymentConfiguration"]["deploymentCircuitBreaker"];
        let (breaker_on, rollback) = (
            breaker["enable"] == Value::Bool(true),
            breaker["rollback"] == Value::Bool(true),
        );
        if self.shifting
            || self.scaled_in_place()
            || self.deployments[0].rollout_state != "IN_PROGRESS"
        {
            return 0;
        }
        if self.waits_for_role() {
            return 0;
        }
        let primary = &mut self.deployments[0];
        advance(
            &mut primary.seen,
            primary.polls,
            primary.born,
            primary.wall_clock,
        );
        primary.updated_at = now();
        let (id, done) = (primary.id.clone(), primary.seen >= primary.polls);
        let alarms = &self.kept["deploymentConfiguration"]["alarms"];
        let alarm = alarms["alarmNames"][0]
            .as_str()
            .filter(|_| {
                alarms["enable"] == Value::Bool(true) && alarms["rollback"] == Value::Bool(true)
            })
            .map(str::to_owned);
        match primary.outcome {
            RolloutOutcome::AlarmFires if done && alarm.is_some() => {
                let alarm = alarm.unwrap_or_default();
                let primary = &mut self.deployments[0];
                primary.running = primary.desired;
                primary.rollout_state = "FAILED";
                primary.reason = format!("ECS deployment {id} failed: alarm detected.");
                self.event(&format!(
                    "(service {name}) (deployment {id}) deployment failed: alarm detected."
                ));
                self.fired = Some(alarm);
                if self.deployments.len() < 2 {
                    return 0;
                }
                self.roll_back(started, "ECS deployment alarms")
            }
            RolloutOutcome::Completes | RolloutOutcome::AlarmFires => {
                let share = i64::try_from(primary.seen).unwrap_or(i64::MAX) * primary.desired
                    / i64::try_from(primary.polls).unwrap_or(1);
                // Tasks already running (a rollback's) keep running.
                let running = if done {
                    primary.desired
                } else {
                    share.min(primary.desired).max(primary.running)
                };
                let new_tasks = running - primary.running;
                primary.running = running;
                if done {
                    primary.rollout_state = "COMPLETED";
                    primary.reason = format!("ECS deployment {id} completed.");
                }
                if new_tasks > 0 {
                    self.event(&format!("(service {name}) has started {new_tasks} tasks."));
                }
                if done {
                    self.deployments.truncate(1);
                    self.event(&format!("(service {name}) has reached a steady state."));
                }
                0
            }
            RolloutOutcome::Fails => {
                primary.failed_tasks += 1;
                let why = primary
                    .cannot_start
                    .clone()
                    .unwrap_or_else(|| "essential container exited".to_owned());
                self.event(&format!(
                    "(service {name}) (deployment {id}) a task failed to start: {why}."
                ));
                if !(done && breaker_on) {
                    // Without the circuit breaker ECS keeps trying.
                    return 0;
                }
                let primary = &mut self.deployments[0];
                primary.rollout_state = "FAILED";
                "ECS deployment circuit breaker: tasks failed to start."
                    .clone_into(&mut primary.reason);
                self.event(&format!(
                    "(service {name}) (deployment {id}) deployment failed: tasks failed to start."
                ));
                if !rollback || self.deployments.len() < 2 {
                    return 0;
                }
                self.roll_back(started, "ECS deployment circuit breaker")
            }
        }
    }

    /// The failed PRIMARY becomes ACTIVE and a new deployment of the
    /// previous task definition takes over; returns 1 (one deployment
    /// started, its id counting on from `started`).
    fn roll_back(&mut self, started: u64, why: &str) -> u64 {
        let name = self.name.clone();
        let previous = self.deployments.remove(1);
        let mut failed = self.deployments.remove(0);
        failed.status = "ACTIVE";
        let mut back = Deployment::new(
            deployment_id(started + 1),
            previous.task_definition.clone(),
            self.desired,
            &RolloutPlan {
                polls: failed.polls,
                outcome: RolloutOutcome::Completes,
                wall_clock: failed.wall_clock,
            },
        );
        back.running = previous.running;
        back.reason = format!("{why}: rolling back to deploymentId {}.", previous.id);
        self.task_definition.clone_from(&previous.task_definition);
        self.deployments = vec![back, failed];
        self.event(&format!(
            "(service {name}) rolling back to deployment {}.",
            previous.id
        ));
        1
    }

    fn render(&self, service: &mut Value) {
        service["taskDefinition"] = json!(self.task_definition);
        service["desiredCount"] = json!(self.desired);
        service["runningCount"] = json!(self.deployments.iter().map(|d| d.running).sum::<i64>());
        service["pendingCount"] = json!(
            self.deployments
                .iter()
                .map(Deployment::pending)
                .sum::<i64>()
        );
        for (field, value) in self.kept.as_object().into_iter().flatten() {
            service[field] = value.clone();
        }
        service["events"] = json!(self.events.iter().take(100).collect::<Vec<_>>());
        service["deployments"] = self
            .deployments
            .iter()
            .map(|d| {
                let mut out = if self.template.is_object() {
                    self.template.clone()
                } else {
                    json!({})
                };
                out["id"] = json!(d.id);
                out["status"] = json!(d.status);
                out["taskDefinition"] = json!(d.task_definition);
                out["desiredCount"] = json!(d.desired);
                out["pendingCount"] = json!(d.pending());
                out["runningCount"] = json!(d.running);
                out["failedTasks"] = json!(d.failed_tasks);
                out["createdAt"] = json!(d.created_at);
                out["updatedAt"] = json!(d.updated_at);
                out["rolloutState"] = json!(d.rollout_state);
                out["rolloutStateReason"] = json!(d.reason);
                out
            })
            .collect();
    }
}

impl super::simulated::Simulated for Ecs {
    /// ECS, and ELB's view of the tasks it runs.
    fn claims(&self, call: &super::simulated::Call<'_>) -> bool {
        call.service() == "ecs"
            || (call.service() == "elasticloadbalancing" && call.name() == "DescribeTargetHealth")
    }

    /// The service deployments moto lacks.
    fn serve(&mut self, call: &super::simulated::Call<'_>) -> Option<std::io::Result<Response>> {
        if call.service() != "ecs" {
            return None;
        }
        self.serve_deployments(call.name(), call.request, call.upstream)
            .map(Ok)
    }

    fn on_answer(&mut self, call: &super::simulated::Call<'_>, response: &mut Response) -> bool {
        if call.service() == "ecs" {
            let start = call.task_start();
            Ecs::on_answer(
                self,
                call.name(),
                call.request,
                response,
                call.upstream,
                &start,
            );
            return true;
        }
        match super::targets::describe(self, call.request) {
            Some(answer) => {
                *response = answer;
                true
            }
            None => false,
        }
    }
}
