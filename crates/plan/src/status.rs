//! `awsdeploy status`: one environment on one screen, and whether it is
//! healthy. The report is built from what observation found (`Live`) and
//! what the status reads add (the service's deployments, events and
//! targets, the database's pending changes, the last migration task, the
//! web branch's last job); its JSON form is versioned
//! ([`STATUS_FORMAT_VERSION`], schema in `docs/status.schema.json`).

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Live;
use crate::component::{Component, StatusContext};

/// The JSON document's version; bumped on an incompatible change.
pub const STATUS_FORMAT_VERSION: u32 = 1;

/// One environment's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Status {
    pub format_version: u32,
    pub app: String,
    pub env: String,
    pub region: String,
    pub health: Health,
    /// Why it is degraded, one line each.
    pub problems: Vec<String>,
    pub network: Option<NetworkStatus>,
    pub database: Option<DatabaseStatus>,
    pub service: Option<ServiceStatus>,
    pub migration: Option<TaskRun>,
    pub web: Option<WebStatus>,
    /// The alarms' topic, subscriptions, states and dashboard.
    #[serde(default)]
    pub alarms: Option<AlarmsStatus>,
    /// The delivery pipeline: its connection, the pipeline, GitHub's role.
    #[serde(default)]
    pub pipeline: Option<PipelineStatus>,
    /// How many changes `diff` would make.
    pub drift: usize,
    /// Who holds the deploy lock, if anyone.
    pub lock: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AlarmsStatus {
    pub topic: String,
    pub subscriptions: Vec<SubscriptionStatus>,
    /// Each alarm and its state (`OK`, `ALARM`, `INSUFFICIENT_DATA`).
    pub alarms: Vec<AlarmState>,
    /// The dashboard in the `CloudWatch` console, when there is one.
    pub dashboard_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PipelineStatus {
    /// The CodePipeline, when there is one.
    pub pipeline: Option<String>,
    /// Its CodeStar connection and status (`PENDING`, `AVAILABLE`, `ERROR`).
    pub connection: Option<ConnectionState>,
    /// Where the connection is approved, in the console.
    pub connections_url: Option<String>,
    /// The role GitHub Actions deploys with, when there is one.
    pub github_role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConnectionState {
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubscriptionStatus {
    pub protocol: String,
    pub endpoint: String,
    /// Whether its recipient confirmed it.
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AlarmState {
    pub name: String,
    pub state: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Healthy,
    /// Working but not settled or not well: a rollout in progress,
    /// unhealthy targets, a failed last job, a database not available.
    Degraded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkStatus {
    pub vpc: String,
    pub cidr: String,
    /// Per zone: its subnets' ids.
    pub zones: Vec<ZoneStatus>,
    pub nat_gateways: Vec<NatStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ZoneStatus {
    pub zone: String,
    pub subnets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NatStatus {
    pub id: String,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DatabaseStatus {
    pub identifier: String,
    pub status: String,
    pub instance_class: String,
    pub allocated_storage_gb: i32,
    /// Storage in use, in MiB: allocated less `CloudWatch`'s newest
    /// `FreeStorageSpace` (the last hour's); `None` without a datapoint.
    #[serde(default)]
    pub used_storage_mib: Option<i64>,
    pub multi_az: bool,
    /// Modifications waiting to be applied (`instance class: db.t4g.small`).
    pub pending: Vec<String>,
    /// When they apply: the next maintenance window.
    pub maintenance_window: Option<String>,
    /// RFC 3339.
    pub latest_restorable_time: Option<String>,
    /// The migration version the last successful migration recorded
    /// (`awsdeploy:migrated-version`); the migration lint starts after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrated_version: Option<u64>,
}

impl DatabaseStatus {
    /// The share of allocated storage in use, when known.
    pub fn used_storage_percent(&self) -> Option<i64> {
        let allocated = i64::from(self.allocated_storage_gb) * 1024;
        (allocated > 0).then_some(self.used_storage_mib? * 100 / allocated.max(1))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceStatus {
    /// The primary deployment first.
    pub deployments: Vec<DeploymentStatus>,
    /// The newest service events, newest first (at most 5).
    pub events: Vec<ServiceEvent>,
    /// The load balancer's view of the tasks.
    pub targets: Vec<TargetStatus>,
    /// A deployment of a strategy that shifts traffic, while it goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<ShiftStatus>,
}

/// A service deployment of a strategy that shifts traffic (blue/green,
/// canary, linear) that has not ended, as ECS describes it
/// (`DescribeServiceDeployments`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ShiftStatus {
    pub arn: String,
    /// `PENDING`, `IN_PROGRESS`, `ROLLBACK_REQUESTED`,
    /// `ROLLBACK_IN_PROGRESS` or `STOP_REQUESTED`.
    pub status: String,
    /// Its lifecycle stage: `SCALE_UP`, `PRODUCTION_TRAFFIC_SHIFT`,
    /// `BAKE_TIME`, `CLEAN_UP`...
    pub stage: String,
    /// The revision it deploys and the one it replaces, `family:revision`.
    pub revision: Option<String>,
    pub source: Option<String>,
    /// Production traffic on the new revision, in whole percent.
    pub traffic_percent: u32,
    /// The new revision's tasks running, of those it asks for.
    pub running: i32,
    pub desired: i32,
    /// In `BAKE_TIME`: about how many minutes of the bake are left
    /// ([`bake_left_minutes`]).
    pub bake_left_minutes: Option<u32>,
    /// Waiting at a pause (`service.deploy.pause_at`) for `awsdeploy
    /// continue` or `awsdeploy rollback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<Paused>,
}

/// A `PAUSE` lifecycle hook a deployment waits at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Paused {
    /// What `ContinueServiceDeployment` names.
    pub hook_id: String,
    /// When ECS takes the timeout action (rolls back), RFC 3339.
    pub expires_at: Option<String>,
}

impl ShiftStatus {
    /// Whether ECS is already rolling it back or stopping it (it cannot be
    /// stopped again).
    pub fn is_rolling_back(&self) -> bool {
        self.status.starts_with("ROLLBACK") || self.status == "STOP_REQUESTED"
    }

    /// "`BAKE_TIME`, production traffic 100% on the new revision, 2 of 2
    /// tasks running, about 23m of the bake left".
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{}, production traffic {}% on the new revision, {} of {} tasks running",
            self.stage, self.traffic_percent, self.running, self.desired
        );
        if self.is_rolling_back() {
            out = format!("{}: {out}", self.status);
        }
        if let Some(left) = self.bake_left_minutes {
            let _ = write!(out, ", about {left}m of the bake left");
        }
        if let Some(paused) = &self.paused {
            let _ = write!(
                out,
                ", paused: `awsdeploy continue` goes on, `awsdeploy rollback` rolls back"
            );
            if let Some(at) = &paused.expires_at {
                let _ = write!(out, " (ECS rolls back at {at})");
            }
        }
        out
    }
}

/// What is left of a bake of `bake_minutes` that has lasted `since_secs`,
/// in whole minutes rounded up. ECS gives no start time for a stage:
/// `since_secs` counts from the deployment's `updatedAt` ("last updated"),
/// which is when the bake began if ECS updates it on a stage change (its
/// documentation does not say), so this is an estimate.
pub fn bake_left_minutes(bake_minutes: u32, since_secs: u64) -> u32 {
    let left = u64::from(bake_minutes) * 60;
    u32::try_from(left.saturating_sub(since_secs).div_ceil(60)).unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeploymentStatus {
    /// `family:revision`.
    pub revision: String,
    pub image_tag: Option<String>,
    /// `PRIMARY` or `ACTIVE` (draining).
    pub status: String,
    /// `IN_PROGRESS`, `COMPLETED` or `FAILED`.
    pub rollout_state: String,
    pub running: i32,
    pub pending: i32,
    pub desired: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceEvent {
    /// RFC 3339.
    pub at: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TargetStatus {
    pub id: String,
    pub port: Option<i32>,
    /// `initial`, `healthy`, `unhealthy`, `draining`, …
    pub state: String,
    pub reason: Option<String>,
}

/// A one-off task: the last migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaskRun {
    pub task_id: String,
    /// RFC 3339.
    pub started_at: Option<String>,
    pub image: Option<String>,
    pub last_status: String,
    pub exit_code: Option<i32>,
    pub stop_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WebStatus {
    pub branch: String,
    pub url: String,
    pub last_job: Option<WebJob>,
    /// SHA-256 of the artifact the branch serves.
    pub artifact_sha256: Option<String>,
    /// The custom domain and its association's status.
    pub domain: Option<DomainStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DomainStatus {
    pub name: String,
    /// `AVAILABLE`, `PENDING_VERIFICATION`, `FAILED`, …
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WebJob {
    pub id: String,
    pub status: String,
    /// RFC 3339.
    pub at: Option<String>,
}

/// What the status reads add to observation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    pub database: Option<DatabaseExtras>,
    pub service: Option<ServiceStatus>,
    pub migration: Option<TaskRun>,
    pub last_job: Option<WebJob>,
    /// Each alarm's state, by name.
    pub alarm_states: Vec<AlarmState>,
}

/// What the status reads add to the observed database instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseExtras {
    pub pending: Vec<String>,
    pub maintenance_window: Option<String>,
    pub latest_restorable_time: Option<String>,
    /// `FreeStorageSpace`, in bytes.
    pub free_storage_bytes: Option<i64>,
}

/// The report: `live` and `extras` together, each component's section
/// and problems, its health judged.
pub fn report(
    components: &[&dyn Component],
    (app, env, region): (&str, &str, &str),
    live: &Live,
    extras: &Extras,
    drift: usize,
    lock: Option<String>,
) -> Status {
    let mut status = Status {
        format_version: STATUS_FORMAT_VERSION,
        app: app.to_owned(),
        env: env.to_owned(),
        region: region.to_owned(),
        health: Health::Healthy,
        problems: Vec::new(),
        network: None,
        database: None,
        service: None,
        migration: None,
        web: None,
        alarms: None,
        pipeline: None,
        drift,
        lock,
    };
    let cx = StatusContext {
        region,
        live,
        extras,
    };
    for component in components {
        component.status(&cx, &mut status);
    }
    if !status.problems.is_empty() {
        status.health = Health::Degraded;
    }
    status
}

/// The console's address in the caller's partition.
pub(crate) fn console(live: &Live, region: &str) -> String {
    match live.account.partition() {
        "aws-cn" => format!("https://{region}.console.amazonaws.cn"),
        "aws-us-gov" => "https://console.amazonaws-us-gov.com".to_owned(),
        _ => format!("https://{region}.console.aws.amazon.com"),
    }
}

/// The report as a person reads it.
pub fn text(status: &Status) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}-{} in {}: {}",
        status.app,
        status.env,
        status.region,
        match status.health {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
        }
    );
    for problem in &status.problems {
        let _ = writeln!(out, "  ! {problem}");
    }
    if let Some(lock) = &status.lock {
        let _ = writeln!(out, "  locked by {lock}");
    }
    let _ = writeln!(
        out,
        "  drift: {}",
        match status.drift {
            0 => "none (`awsdeploy diff` shows no changes)".to_owned(),
            n => format!("{n} change(s) pending: `awsdeploy diff` shows them"),
        }
    );
    network_text(&mut out, status);
    service_text(&mut out, status);
    tasks_text(&mut out, status);
    alarms_text(&mut out, status);
    pipeline_text(&mut out, status);
    out
}

fn pipeline_text(out: &mut String, status: &Status) {
    let Some(pipeline) = &status.pipeline else {
        return;
    };
    let _ = writeln!(
        out,
        "\npipeline   {}",
        pipeline.pipeline.as_deref().unwrap_or("(no CodePipeline)")
    );
    if let Some(connection) = &pipeline.connection {
        let _ = writeln!(
            out,
            "  connection {} {}",
            connection.name, connection.status
        );
    }
    if let Some(role) = &pipeline.github_role {
        let _ = writeln!(out, "  GitHub Actions deploy with {role}");
    }
}

fn alarms_text(out: &mut String, status: &Status) {
    let Some(alarms) = &status.alarms else {
        return;
    };
    let firing: Vec<&str> = alarms
        .alarms
        .iter()
        .filter(|a| a.state == "ALARM")
        .map(|a| a.name.as_str())
        .collect();
    let _ = writeln!(
        out,
        "\nalarms     {} alarms, {} firing; topic {}",
        alarms.alarms.len(),
        firing.len(),
        alarms.topic
    );
    for alarm in alarms.alarms.iter().filter(|a| a.state != "OK") {
        let _ = writeln!(out, "  {} {}", alarm.name, alarm.state);
    }
    for s in &alarms.subscriptions {
        let _ = writeln!(
            out,
            "  {} {}{}",
            s.protocol,
            s.endpoint,
            if s.confirmed {
                ""
            } else {
                " (pending confirmation: the recipient must confirm it)"
            }
        );
    }
    if let Some(url) = &alarms.dashboard_url {
        let _ = writeln!(out, "  dashboard {url}");
    }
}

fn network_text(out: &mut String, status: &Status) {
    if let Some(network) = &status.network {
        let _ = writeln!(out, "\nnetwork    {} {}", network.vpc, network.cidr);
        for zone in &network.zones {
            let _ = writeln!(out, "  {}  {}", zone.zone, zone.subnets.join(", "));
        }
        for nat in &network.nat_gateways {
            let _ = writeln!(out, "  NAT {} {}", nat.id, nat.state);
        }
    }
    if let Some(db) = &status.database {
        let _ = writeln!(
            out,
            "\ndatabase   {} {} {} {} GiB{}",
            db.identifier,
            db.status,
            db.instance_class,
            db.allocated_storage_gb,
            if db.multi_az { ", multi-AZ" } else { "" }
        );
        match (db.used_storage_mib, db.used_storage_percent()) {
            (Some(used), Some(percent)) => {
                #[allow(clippy::cast_precision_loss)]
                let gib = used as f64 / 1024.0;
                let _ = writeln!(
                    out,
                    "  storage: {gib:.1} of {} GiB used ({percent}%)",
                    db.allocated_storage_gb
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "  storage: used unknown (no FreeStorageSpace datapoint in the last hour)"
                );
            }
        }
        if let Some(version) = db.migrated_version {
            let _ = writeln!(out, "  migrated to version {version}");
        }
        if !db.pending.is_empty() {
            let _ = writeln!(
                out,
                "  pending: {} (applies in the maintenance window {})",
                db.pending.join(", "),
                db.maintenance_window.as_deref().unwrap_or("?")
            );
        }
        if let Some(at) = &db.latest_restorable_time {
            let _ = writeln!(out, "  restorable to {at}");
        }
    }
}

fn service_text(out: &mut String, status: &Status) {
    if let Some(service) = &status.service {
        let _ = writeln!(out, "\nservice");
        if let Some(shift) = &service.shift {
            let label = |r: &Option<String>| r.clone().unwrap_or_else(|| "?".to_owned());
            let _ = writeln!(
                out,
                "  deployment of {} (replacing {}): {}",
                label(&shift.revision),
                label(&shift.source),
                shift.summary()
            );
        }
        for d in &service.deployments {
            let _ = writeln!(
                out,
                "  {} {} {} {}: {} running, {} pending of {}",
                d.status,
                d.revision,
                d.image_tag.as_deref().unwrap_or("-"),
                d.rollout_state,
                d.running,
                d.pending,
                d.desired
            );
        }
        let healthy = service
            .targets
            .iter()
            .filter(|t| t.state == "healthy")
            .count();
        let _ = writeln!(
            out,
            "  targets: {healthy} healthy of {}",
            service.targets.len()
        );
        for t in service.targets.iter().filter(|t| t.state != "healthy") {
            let _ = writeln!(
                out,
                "    {}:{} {}{}",
                t.id,
                t.port.unwrap_or_default(),
                t.state,
                t.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
        }
        for e in &service.events {
            let _ = writeln!(out, "  {} {}", e.at, e.message);
        }
    }
}

/// The migration's last task and the web branch's last job.
fn tasks_text(out: &mut String, status: &Status) {
    if let Some(m) = &status.migration {
        let _ = writeln!(
            out,
            "\nmigration  task {} {}{}{}",
            m.task_id,
            m.last_status,
            m.exit_code
                .map(|c| format!(", exit code {c}"))
                .unwrap_or_default(),
            m.started_at
                .as_deref()
                .map(|t| format!(", started {t}"))
                .unwrap_or_default()
        );
    }
    if let Some(web) = &status.web {
        let _ = writeln!(out, "\nweb        {} {}", web.branch, web.url);
        if let Some(job) = &web.last_job {
            let _ = writeln!(
                out,
                "  last job {} {}{}",
                job.id,
                job.status,
                job.at
                    .as_deref()
                    .map(|t| format!(" at {t}"))
                    .unwrap_or_default()
            );
        }
        if let Some(sha) = &web.artifact_sha256 {
            let _ = writeln!(out, "  artifact sha256 {sha}");
        }
        if let Some(domain) = &web.domain {
            let _ = writeln!(out, "  domain {}: {}", domain.name, domain.status);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(state: &str) -> DeploymentStatus {
        DeploymentStatus {
            revision: "shop-dev-api:2".to_owned(),
            image_tag: Some("v2".to_owned()),
            status: "PRIMARY".to_owned(),
            rollout_state: state.to_owned(),
            running: 1,
            pending: 1,
            desired: 2,
        }
    }

    #[test]
    fn a_rollout_in_progress_or_an_unhealthy_target_is_degraded() {
        let live = Live::default();
        let healthy = report(
            crate::COMPONENTS,
            ("shop", "dev", "r"),
            &live,
            &Extras::default(),
            0,
            None,
        );
        assert_eq!(healthy.health, Health::Healthy);
        let rolling = report(
            crate::COMPONENTS,
            ("shop", "dev", "r"),
            &live,
            &Extras {
                service: Some(ServiceStatus {
                    deployments: vec![deployment("IN_PROGRESS")],
                    events: Vec::new(),
                    targets: vec![TargetStatus {
                        id: "10.0.1.5".to_owned(),
                        port: Some(8080),
                        state: "unhealthy".to_owned(),
                        reason: Some("Target.ResponseCodeMismatch".to_owned()),
                    }],
                    shift: None,
                }),
                ..Extras::default()
            },
            0,
            None,
        );
        assert_eq!(rolling.health, Health::Degraded);
        assert_eq!(rolling.problems.len(), 2, "{:?}", rolling.problems);
        let text = text(&rolling);
        assert!(
            text.contains("degraded") && text.contains("IN_PROGRESS"),
            "{text}"
        );
        assert!(text.contains("Target.ResponseCodeMismatch"), "{text}");
    }

    #[test]
    fn the_bake_left_is_in_whole_minutes_rounded_up() {
        assert_eq!(bake_left_minutes(30, 0), 30);
        assert_eq!(bake_left_minutes(30, 1), 30, "rounded up");
        assert_eq!(bake_left_minutes(30, 60), 29);
        assert_eq!(bake_left_minutes(30, 7 * 60 + 30), 23);
        assert_eq!(
            bake_left_minutes(30, 31 * 60),
            0,
            "over, ECS cleans up next"
        );
    }

    #[test]
    fn a_deployment_going_shows_its_stage_and_a_rollback_is_a_problem() {
        let mut shift = ShiftStatus {
            arn: "arn:aws:ecs:r:1:service-deployment/c/api/sd1".to_owned(),
            status: "IN_PROGRESS".to_owned(),
            stage: "BAKE_TIME".to_owned(),
            revision: Some("shop-dev-api:5".to_owned()),
            source: Some("shop-dev-api:4".to_owned()),
            traffic_percent: 100,
            running: 2,
            desired: 2,
            bake_left_minutes: Some(23),
            paused: None,
        };
        let status = |shift: &ShiftStatus| {
            report(
                crate::COMPONENTS,
                ("shop", "dev", "r"),
                &Live::default(),
                &Extras {
                    service: Some(ServiceStatus {
                        deployments: Vec::new(),
                        events: Vec::new(),
                        targets: Vec::new(),
                        shift: Some(shift.clone()),
                    }),
                    ..Extras::default()
                },
                0,
                None,
            )
        };
        let going = status(&shift);
        assert_eq!(going.health, Health::Healthy, "{:?}", going.problems);
        assert!(
            text(&going).contains(
                "deployment of shop-dev-api:5 (replacing shop-dev-api:4): BAKE_TIME, production traffic 100% on the new revision, 2 of 2 tasks running, about 23m of the bake left"
            ),
            "{}",
            text(&going)
        );
        shift.status = "ROLLBACK_IN_PROGRESS".to_owned();
        shift.bake_left_minutes = None;
        let back = status(&shift);
        assert_eq!(back.health, Health::Degraded);
        assert!(
            back.problems[0].contains("ECS is rolling back the deployment of shop-dev-api:5"),
            "{:?}",
            back.problems
        );
    }

    #[test]
    fn storage_used_comes_from_free_storage_and_nearly_full_is_degraded() {
        let mut live = Live::default();
        live.database.instance = Some(crate::live::LiveDbInstance::example());
        let with_free = |gib: i64| Extras {
            database: Some(DatabaseExtras {
                free_storage_bytes: Some(gib * 1024 * 1024 * 1024),
                ..DatabaseExtras::default()
            }),
            ..Extras::default()
        };
        let roomy = report(
            crate::COMPONENTS,
            ("shop", "dev", "r"),
            &live,
            &with_free(15),
            0,
            None,
        );
        let db = roomy.database.as_ref().unwrap();
        assert_eq!(db.used_storage_mib, Some(5 * 1024));
        assert_eq!(db.used_storage_percent(), Some(25));
        assert_eq!(roomy.health, Health::Healthy);
        assert!(text(&roomy).contains("storage: 5.0 of 20 GiB used (25%)"));

        let full = report(
            crate::COMPONENTS,
            ("shop", "dev", "r"),
            &live,
            &with_free(1),
            0,
            None,
        );
        assert_eq!(full.health, Health::Degraded);
        assert!(full.problems[0].contains("95% used"), "{:?}", full.problems);

        let unknown = report(
            crate::COMPONENTS,
            ("shop", "dev", "r"),
            &live,
            &Extras::default(),
            0,
            None,
        );
        assert_eq!(unknown.database.as_ref().unwrap().used_storage_mib, None);
        assert!(text(&unknown).contains("used unknown"));
    }
}
