//! ECS service deployments of the strategies that shift traffic
//! (`BLUE_GREEN`, `CANARY`, `LINEAR`), which moto lacks: what
//! `ListServiceDeployments`, `DescribeServiceDeployments`,
//! `DescribeServiceRevisions` and `StopServiceDeployment` answer, as the
//! ECS developer guide describes them.
//!
//! Each `DescribeServiceDeployments` is one tick. A deployment is `PENDING`,
//! then `IN_PROGRESS` through its lifecycle stages: `SCALE_UP` (the new
//! revision's tasks start over the rollout's polls; failing tasks roll it
//! back, as the circuit breaker does), with a test listener rule
//! `TEST_TRAFFIC_SHIFT` (all its traffic on the new revision, at once),
//! `PRODUCTION_TRAFFIC_SHIFT` (blue/green
//! moves all traffic at once; canary its percent, held for the canary bake,
//! then the rest; linear a step at a time, each held for the step bake),
//! `BAKE_TIME` (the bake, on the wall clock), `CLEAN_UP`, then `SUCCESSFUL`.
//! Traffic moves in the emulator: the rules' weights are
//! rewritten (`ModifyRule`) as ECS does. Waits are in ECS minutes, each
//! [`super::Ecs::minute`] long.
//!
//! A deployment alarm that goes to `ALARM` during the traffic shift or the
//! bake rolls it back (`ROLLBACK_IN_PROGRESS`, then `ROLLBACK_SUCCESSFUL`, the
//! traffic back on the old revision) and is listed as triggered; one
//! already in `ALARM` when the deployment started is ignored, as the ECS
//! developer guide says of deployment alarms. `StopServiceDeployment`
//! (ROLLBACK) does the same at once.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::super::RolloutOutcome;
use super::super::upstream::Upstream;
use super::now;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    ScaleUp,
    /// The test rule's traffic all on the new revision (with a test
    /// listener rule).
    TestShift,
    /// Production traffic on the new revision (percent), then held for
    /// this many ECS minutes.
    Shift(f64, f64),
    Bake(f64),
    CleanUp,
    /// A `PAUSE` lifecycle hook at this stage, timing out after this many
    /// ECS minutes.
    Pause(&'static str, f64),
}

/// The stages a `PAUSE` hook may name.
const PAUSE_STAGES: [&str; 5] = [
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
];

/// How a deployment ended, for the service it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ended {
    Succeeded,
    RolledBack,
}

/// Where ECS moves traffic: the production rule, the test rule and the
/// two target groups.
#[derive(Debug, Clone)]
pub(super) struct Routing {
    pub rule: String,
    pub test_rule: Option<String>,
    /// The group serving when the deployment starts, and the other.
    pub blue: String,
    pub green: String,
}

#[derive(Debug)]
pub(super) struct Shift {
    pub arn: String,
    pub service_arn: String,
    pub cluster_arn: String,
    pub target_revision: String,
    pub source_revision: Option<String>,
    pub status: &'static str,
    stage: &'static str,
    reason: String,
    created_at: f64,
    /// When its status, stage, traffic or tasks last changed.
    updated_at: f64,
    finished_at: Option<f64>,
    weight: f64,
    /// The test rule's traffic on the new revision (percent).
    test_weight: f64,
    phases: Vec<Phase>,
    phase_started: Instant,
    seen: usize,
    polls: usize,
    born: Instant,
    wall_clock: Option<Duration>,
    outcome: RolloutOutcome,
    desired: i64,
    running: i64,
    alarms: Vec<String>,
    /// `lifecycleHookDetails`: each pause met, the last one maybe waiting.
    hooks: Vec<Value>,
    /// `ContinueServiceDeployment` (CONTINUE) answered the waiting pause.
    continued: bool,
    ignored: Vec<String>,
    triggered: Vec<String>,
    fired: bool,
    config: Value,
    pub routing: Option<Routing>,
}

/// The ECS name of each phase's stage.
fn stage(phase: Phase) -> &'static str {
    match phase {
        Phase::ScaleUp => "SCALE_UP",
        Phase::TestShift => "TEST_TRAFFIC_SHIFT",
        // `lifecycleStage` has no PRE_PRODUCTION_TRAFFIC_SHIFT: a pause
        // before a step shows the step's stage.
        Phase::Shift(..) | Phase::Pause("PRE_PRODUCTION_TRAFFIC_SHIFT", _) => {
            "PRODUCTION_TRAFFIC_SHIFT"
        }
        Phase::Bake(_) => "BAKE_TIME",
        Phase::CleanUp => "CLEAN_UP",
        Phase::Pause(stage, _) => stage,
    }
}

/// The phases of `config`'s strategy; a first deployment has no traffic
/// to move and no bake. Test traffic moves before production traffic when
/// the service has a test listener rule.
fn phases(config: &Value, first: bool, test: bool) -> Vec<Phase> {
    if first {
        return vec![Phase::ScaleUp, Phase::CleanUp];
    }
    let bake = config["bakeTimeInMinutes"].as_f64().unwrap_or(0.0);
    let mut out = vec![Phase::ScaleUp];
    if test {
        out.push(Phase::TestShift);
    }
    match config["strategy"].as_str() {
        Some("CANARY") => {
            let canary = &config["canaryConfiguration"];
            out.push(Phase::Shift(
                canary["canaryPercent"].as_f64().unwrap_or(5.0),
                canary["canaryBakeTimeInMinutes"].as_f64().unwrap_or(10.0),
            ));
        }
        Some("LINEAR") => {
            let linear = &config["linearConfiguration"];
            let step = linear["stepPercent"].as_f64().unwrap_or(10.0).max(1.0);
            let hold = linear["stepBakeTimeInMinutes"].as_f64().unwrap_or(6.0);
            let mut at = step;
            while at < 100.0 {
                out.push(Phase::Shift(at, hold));
                at += step;
            }
        }
        _ => {}
    }
    out.extend([Phase::Shift(100.0, 0.0), Phase::Bake(bake), Phase::CleanUp]);
    with_pauses(out, config, test)
}

/// `phases` with a pause at each stage the `PAUSE` hooks of `config`
/// name: before and after `SCALE_UP`, after the test traffic moved (after
/// `SCALE_UP` without a test rule), before each production step, after the
/// last one.
fn with_pauses(phases: Vec<Phase>, config: &Value, test: bool) -> Vec<Phase> {
    let hooks: Vec<&Value> = config["lifecycleHooks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| h["targetType"] == "PAUSE")
        .collect();
    let Some(first) = hooks.first() else {
        return phases;
    };
    let timeout = first["timeoutConfiguration"]["timeoutInMinutes"]
        .as_f64()
        .unwrap_or(1440.0);
    let named: Vec<&str> = hooks
        .iter()
        .flat_map(|h| h["lifecycleStages"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    let pause = |stage: &str| {
        PAUSE_STAGES
            .into_iter()
            .find(|s| *s == stage && named.contains(s))
            .map(|s| Phase::Pause(s, timeout))
    };
    let last_shift = phases.iter().rposition(|p| matches!(p, Phase::Shift(..)));
    let mut out = Vec::new();
    for (i, phase) in phases.into_iter().enumerate() {
        match phase {
            Phase::ScaleUp => {
                out.extend(pause("PRE_SCALE_UP"));
                out.push(phase);
                out.extend(pause("POST_SCALE_UP"));
                if !test {
                    out.extend(pause("POST_TEST_TRAFFIC_SHIFT"));
                }
            }
            Phase::TestShift => {
                out.push(phase);
                out.extend(pause("POST_TEST_TRAFFIC_SHIFT"));
            }
            Phase::Shift(..) => {
                out.extend(pause("PRE_PRODUCTION_TRAFFIC_SHIFT"));
                out.push(phase);
                if Some(i) == last_shift {
                    out.extend(pause("POST_PRODUCTION_TRAFFIC_SHIFT"));
                }
            }
            _ => out.push(phase),
        }
    }
    out
}

/// What starts a deployment.
pub(super) struct Start<'a> {
    pub service_arn: &'a str,
    pub number: u64,
    pub target_revision: String,
    pub source_revision: Option<String>,
    pub config: &'a Value,
    pub desired: i64,
    pub polls: usize,
    pub outcome: RolloutOutcome,
    pub routing: Option<Routing>,
    /// How long `SCALE_UP` takes in real time, as rolling deployments do
    /// ([`super::super::advance`]); over the polls without one.
    pub wall_clock: Option<Duration>,
}

impl Shift {
    pub fn start(s: Start<'_>, upstream: &Upstream) -> Shift {
        let (prefix, path) = s
            .service_arn
            .split_once(":service/")
            .unwrap_or((s.service_arn, ""));
        let cluster = path.split('/').next().unwrap_or("");
        let alarms: Vec<String> = if s.config["alarms"]["enable"] == Value::Bool(true) {
            s.config["alarms"]["alarmNames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect()
        } else {
            Vec::new()
        };
        let ignored = in_alarm(upstream, &alarms);
        Shift {
            arn: format!("{prefix}:service-deployment/{path}/sd{}", s.number),
            service_arn: s.service_arn.to_owned(),
            cluster_arn: format!("{prefix}:cluster/{cluster}"),
            target_revision: s.target_revision,
            source_revision: s.source_revision.clone(),
            status: "PENDING",
            stage: "RECONCILE_SERVICE",
            reason: String::new(),
            created_at: now(),
            updated_at: now(),
            finished_at: None,
            weight: 0.0,
            test_weight: 0.0,
            phases: phases(
                s.config,
                s.source_revision.is_none(),
                s.routing.as_ref().is_some_and(|r| r.test_rule.is_some()),
            ),
            phase_started: Instant::now(),
            seen: 0,
            polls: s.polls.max(1),
            born: Instant::now(),
            wall_clock: s.wall_clock,
            outcome: s.outcome,
            desired: s.desired,
            running: 0,
            alarms,
            hooks: Vec::new(),
            continued: false,
            ignored,
            triggered: Vec::new(),
            fired: false,
            config: s.config.clone(),
            routing: s.routing,
        }
    }

    /// `StopServiceDeployment` (ROLLBACK); whether it could be stopped.
    pub fn stop(&mut self) -> bool {
        if !matches!(self.status, "PENDING" | "IN_PROGRESS") {
            return false;
        }
        self.status = "ROLLBACK_REQUESTED";
        if self
            .hooks
            .last()
            .is_some_and(|h| h["status"] == "AWAITING_ACTION")
        {
            self.set_hook_status("FAILED");
        }
        self.updated_at = now();
        "Service deployment rollback requested by user".clone_into(&mut self.reason);
        true
    }

    /// One tick; how the deployment ended, when it did on this tick.
    /// `updatedAt` moves when anything it shows changed.
    pub fn tick(&mut self, minute: Duration, upstream: &Upstream) -> Option<Ended> {
        let shown = |s: &Self| {
            (
                s.status,
                s.stage,
                s.weight.to_bits(),
                s.test_weight.to_bits(),
                s.running,
            )
        };
        let before = shown(self);
        let ended = self.advance(minute, upstream);
        if shown(self) != before {
            self.updated_at = now();
        }
        ended
    }

    fn advance(&mut self, minute: Duration, upstream: &Upstream) -> Option<Ended> {
        match self.status {
            "ROLLBACK_REQUESTED" => {
                self.roll_back(upstream, None);
                return None;
            }
            "ROLLBACK_IN_PROGRESS" => {
                self.status = "ROLLBACK_SUCCESSFUL";
                self.running = 0;
                self.finished_at = Some(now());
                return Some(Ended::RolledBack);
            }
            "PENDING" => self.status = "IN_PROGRESS",
            "IN_PROGRESS" => {}
            _ => return None,
        }
        let phase = *self.phases.first()?;
        self.stage = stage(phase);
        let elapsed =
            |minutes: f64, started: Instant| started.elapsed() >= minute.mul_f64(minutes.max(0.0));
        let done = match phase {
            Phase::ScaleUp => {
                super::super::advance(&mut self.seen, self.polls, self.born, self.wall_clock);
                let share = i64::try_from(self.seen).unwrap_or(i64::MAX) * self.desired
                    / i64::try_from(self.polls).unwrap_or(1);
                if self.outcome == RolloutOutcome::Fails {
                    if self.seen >= self.polls {
                        self.roll_back(
                            upstream,
                            Some("ECS deployment circuit breaker: tasks failed to start."),
                        );
                    }
                    return None;
                }
                self.running = share.min(self.desired);
                self.seen >= self.polls
            }
            Phase::TestShift => {
                if self.test_weight < 100.0 {
                    self.route_test(upstream, true);
                }
                true
            }
            Phase::Shift(share, hold) => {
                if (self.weight - share).abs() > f64::EPSILON {
                    self.weight = share;
                    self.route(upstream);
                    self.phase_started = Instant::now();
                }
                elapsed(hold, self.phase_started)
            }
            Phase::Bake(minutes) => {
                if self.outcome == RolloutOutcome::AlarmFires && !self.fired {
                    self.fired = true;
                    if let Some(alarm) = self.alarms.first() {
                        set_alarm(upstream, alarm);
                    }
                }
                elapsed(minutes, self.phase_started)
            }
            Phase::Pause(stage, timeout) => {
                if self.continued {
                    self.continued = false;
                    true
                } else if self.enter_pause(stage, timeout, minute)
                    && elapsed(timeout, self.phase_started)
                {
                    self.set_hook_status("TIMED_OUT");
                    self.roll_back(upstream, Some("The lifecycle hook timed out."));
                    return None;
                } else {
                    false
                }
            }
            Phase::CleanUp => {
                self.status = "SUCCESSFUL";
                self.finished_at = Some(now());
                self.phases.clear();
                return Some(Ended::Succeeded);
            }
        };
        if matches!(phase, Phase::Shift(..) | Phase::Bake(_)) {
            let fired: Vec<String> = in_alarm(upstream, &self.alarms)
                .into_iter()
                .filter(|a| !self.ignored.contains(a))
                .collect();
            if !fired.is_empty() {
                self.triggered = fired;
                self.roll_back(upstream, Some("ECS deployment alarms: alarm detected."));
                return None;
            }
        }
        if done {
            self.next_phase(phase, minute, upstream);
        }
        None
    }

    /// ECS goes on without waiting for anyone to look: the next phase
    /// starts when `finished` ended (its hold on the wall clock, so holds
    /// add up exactly however seldom the deployment is described), and a
    /// shift moves its traffic at once. One phase is entered per tick, so
    /// each step is seen.
    fn next_phase(&mut self, finished: Phase, minute: Duration, upstream: &Upstream) {
        self.phases.remove(0);
        self.phase_started = match finished {
            Phase::Shift(_, hold) | Phase::Bake(hold) => {
                self.phase_started + minute.mul_f64(hold.max(0.0))
            }
            Phase::ScaleUp | Phase::TestShift | Phase::CleanUp | Phase::Pause(..) => Instant::now(),
        };
        let Some(&next) = self.phases.first() else {
            return;
        };
        self.stage = stage(next);
        match next {
            Phase::Shift(share, _) => {
                self.weight = share;
                self.route(upstream);
            }
            Phase::TestShift => self.route_test(upstream, true),
            Phase::Pause(stage, timeout) => {
                self.enter_pause(stage, timeout, minute);
            }
            _ => {}
        }
    }

    /// Traffic back on the old revision; the rollback is under way.
    fn roll_back(&mut self, upstream: &Upstream, why: Option<&str>) {
        self.status = "ROLLBACK_IN_PROGRESS";
        if let Some(why) = why {
            why.clone_into(&mut self.reason);
        }
        self.weight = 0.0;
        self.route(upstream);
        self.route_test(upstream, false);
        self.phases.clear();
    }

    /// The pause at `stage` waits for an action (made once); true.
    fn enter_pause(&mut self, stage: &str, timeout: f64, minute: Duration) -> bool {
        let waiting = self
            .hooks
            .last()
            .is_some_and(|h| h["status"] == "AWAITING_ACTION");
        if waiting {
            return true;
        }
        let expires = now() + minute.mul_f64(timeout).as_secs_f64();
        self.hooks.push(json!({
            "hookId": format!("{}-hook-{}", stage.to_ascii_lowercase(), self.hooks.len() + 1),
            "targetType": "PAUSE",
            "status": "AWAITING_ACTION",
            "expiresAt": expires,
            "timeoutAction": "ROLLBACK",
        }));
        self.updated_at = now();
        true
    }

    fn set_hook_status(&mut self, status: &str) {
        if let Some(hook) = self.hooks.last_mut() {
            hook["status"] = json!(status);
        }
        self.updated_at = now();
    }

    /// `ContinueServiceDeployment` on the pause `hook_id`: CONTINUE goes
    /// on at the next tick, ROLLBACK rolls back as a stop does.
    pub fn resume(&mut self, hook_id: &str, rollback: bool) -> Result<(), String> {
        let waiting = self.status == "IN_PROGRESS"
            && matches!(self.phases.first(), Some(Phase::Pause(..)))
            && self
                .hooks
                .last()
                .is_some_and(|h| h["status"] == "AWAITING_ACTION");
        if !waiting {
            return Err(format!(
                "The service deployment is {} and is not paused at a lifecycle hook.",
                self.status
            ));
        }
        if self.hooks.last().and_then(|h| h["hookId"].as_str()) != Some(hook_id) {
            return Err(format!(
                "The lifecycle hook {hook_id} is not awaiting action."
            ));
        }
        if rollback {
            self.set_hook_status("FAILED");
            self.status = "ROLLBACK_REQUESTED";
            "Service deployment rolled back at a lifecycle hook by user"
                .clone_into(&mut self.reason);
        } else {
            self.set_hook_status("SUCCEEDED");
            self.continued = true;
        }
        Ok(())
    }

    /// The production rule's weights, as ECS sets them.
    fn route(&self, upstream: &Upstream) {
        let Some(r) = &self.routing else { return };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let green = self.weight.round() as u32;
        modify_rule(upstream, r, &r.rule, green);
    }

    /// The test rule's weights: all on the new revision, or back on the
    /// old one.
    fn route_test(&mut self, upstream: &Upstream, green: bool) {
        self.test_weight = if green { 100.0 } else { 0.0 };
        let Some(r) = &self.routing else { return };
        if let Some(rule) = &r.test_rule {
            modify_rule(upstream, r, rule, if green { 100 } else { 0 });
        }
    }

    /// As `DescribeServiceDeployments` answers it.
    pub fn render(&self) -> Value {
        let weight = if self.status == "SUCCESSFUL" {
            100.0
        } else {
            self.weight
        };
        let mut out = json!({
            "serviceDeploymentArn": self.arn,
            "serviceArn": self.service_arn,
            "clusterArn": self.cluster_arn,
            "createdAt": self.created_at,
            "startedAt": self.created_at,
            "updatedAt": self.updated_at,
            "status": self.status,
            "lifecycleStage": self.stage,
            "deploymentConfiguration": self.config,
            "targetServiceRevision": {
                "arn": self.target_revision,
                "requestedTaskCount": self.desired,
                "runningTaskCount": self.running,
                "pendingTaskCount": (self.desired - self.running).max(0),
                "requestedProductionTrafficWeight": weight,
            },
            "sourceServiceRevisions": self.source_revision.iter().map(|arn| json!({
                "arn": arn,
                "requestedTaskCount": self.desired,
                "runningTaskCount": if self.status == "SUCCESSFUL" { 0 } else { self.desired },
                "pendingTaskCount": 0,
                "requestedProductionTrafficWeight": 100.0 - weight,
            })).collect::<Vec<_>>(),
            "alarms": {
                "status": if self.alarms.is_empty() { "DISABLED" } else if self.triggered.is_empty() { "MONITORING" } else { "TRIGGERED" },
                "alarmNames": self.alarms,
                "triggeredAlarmNames": self.triggered,
            },
        });
        if self.routing.as_ref().is_some_and(|r| r.test_rule.is_some()) {
            let test = if self.status == "SUCCESSFUL" {
                100.0
            } else {
                self.test_weight
            };
            out["targetServiceRevision"]["requestedTestTrafficWeight"] = json!(test);
            if let Some(source) = out["sourceServiceRevisions"].get_mut(0) {
                source["requestedTestTrafficWeight"] = json!(100.0 - test);
            }
        }
        if !self.hooks.is_empty() {
            out["lifecycleHookDetails"] = json!(self.hooks);
        }
        if !self.reason.is_empty() {
            out["statusReason"] = json!(self.reason);
        }
        if let Some(at) = self.finished_at {
            out["finishedAt"] = json!(at);
        }
        if self.status.starts_with("ROLLBACK") {
            out["rollback"] = json!({
                "reason": self.reason,
                "startedAt": now(),
                "serviceRevisionArn": self.source_revision,
            });
        }
        out
    }

    /// As `ListServiceDeployments` answers it.
    pub fn brief(&self) -> Value {
        json!({
            "serviceDeploymentArn": self.arn,
            "serviceArn": self.service_arn,
            "clusterArn": self.cluster_arn,
            "createdAt": self.created_at,
            "startedAt": self.created_at,
            "targetServiceRevisionArn": self.target_revision,
            "status": self.status,
        })
    }
}

/// `ModifyRule`: `rule` forwards `green` percent to the new revision's
/// target group, the rest to the old one.
fn modify_rule(upstream: &Upstream, r: &Routing, rule: &str, green: u32) {
    let form = format!(
        "Action=ModifyRule&Version=2015-12-01&RuleArn={}&Actions.member.1.Type=forward\
         &Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn={}\
         &Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight={}\
         &Actions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn={}\
         &Actions.member.1.ForwardConfig.TargetGroups.member.2.Weight={green}",
        encode(rule),
        encode(&r.blue),
        100 - green.min(100),
        encode(&r.green),
    );
    let _ = upstream.query("elasticloadbalancing", &form);
}

/// Which of `alarms` are in ALARM in the emulator now.
fn in_alarm(upstream: &Upstream, alarms: &[String]) -> Vec<String> {
    if alarms.is_empty() {
        return Vec::new();
    }
    let Ok((200, body)) = upstream.json(
        "monitoring",
        "GraniteServiceVersion20100801",
        "DescribeAlarms",
        &json!({ "AlarmNames": alarms }),
    ) else {
        return Vec::new();
    };
    body["MetricAlarms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["StateValue"] == "ALARM")
        .filter_map(|a| a["AlarmName"].as_str().map(str::to_owned))
        .collect()
}

/// A deployment alarm goes to ALARM in the emulator.
pub(super) fn set_alarm(upstream: &Upstream, alarm: &str) {
    let _ = upstream.json(
        "monitoring",
        "GraniteServiceVersion20100801",
        "SetAlarmState",
        &json!({
            "AlarmName": alarm,
            "StateValue": "ALARM",
            "StateReason": "Threshold Crossed: simulated",
        }),
    );
}

/// A form value, percent-encoded.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
