use awsdeploy_spec::Spec;

use super::*;
use crate::fake_cloud::FakeCloud;
use crate::{Key, Live, NetworkStep, plan as make_plan};

fn fresh_plan() -> (Plan, FakeCloud) {
    let spec = Spec::parse("[app]\nname = \"shop\"\n", "t.toml", "dev").unwrap();
    let cloud = FakeCloud::new(&["z-a", "z-b"]);
    let live = Live {
        network: cloud.network.borrow().clone(),
        ..Live::default()
    };
    (make_plan(&spec, "r", &live).unwrap(), cloud)
}

fn run(
    plan: &Plan,
    cloud: &FakeCloud,
    concurrency: usize,
    events: &mut Vec<String>,
) -> Report<String> {
    let future = execute(plan, cloud, concurrency, std::future::pending(), |event| {
        events.push(match event {
            Event::Started(c) => format!("start {}", c.key),
            Event::Finished { change, .. } => format!("done {}", change.key),
            Event::Failed { change, .. } => format!("fail {}", change.key),
        });
    });
    futures_util::FutureExt::now_or_never(future).unwrap()
}

#[test]
fn every_change_starts_after_its_dependencies_finish() {
    let (plan, cloud) = fresh_plan();
    let mut events = Vec::new();
    let report = run(&plan, &cloud, 3, &mut events);
    assert!(report.succeeded());
    assert_eq!(report.done.len(), plan.changes.len());
    for change in &plan.changes {
        let started = events
            .iter()
            .position(|e| *e == format!("start {}", change.key))
            .unwrap();
        for dep in &change.depends_on {
            let finished = events
                .iter()
                .position(|e| *e == format!("done {dep}"))
                .unwrap();
            assert!(
                finished < started,
                "{} started before {dep} finished",
                change.key
            );
        }
    }
}

#[test]
fn a_failure_stops_new_changes_and_reports_what_never_started() {
    let (plan, mut cloud) = fresh_plan();
    cloud.fail = vec![net("shop-dev-vpc")];
    let mut events = Vec::new();
    let report = run(&plan, &cloud, 1, &mut events);
    assert_eq!(
        report.failed,
        [Failure {
            key: net("shop-dev-vpc"),
            error: "injected failure for shop-dev-vpc".into()
        }]
    );
    assert!(report.done.len() < plan.changes.len());
    // Everything that needs the VPC never started; nothing was attempted after the failure.
    assert!(report.not_started.contains(&net("shop-dev-public-1")));
    assert_eq!(
        report.done.len() + report.failed.len() + report.not_started.len(),
        plan.changes.len()
    );
    let failed_at = events
        .iter()
        .position(|e| e == "fail shop-dev-vpc")
        .unwrap();
    assert!(
        events[failed_at + 1..]
            .iter()
            .all(|e| !e.starts_with("start")),
        "{events:?}"
    );
}

#[test]
fn planned_refs_resolve_to_created_ids() {
    let mut ids = ResolvedIds::default();
    assert!(ids.resolve(&Ref::Planned(net("x"))).is_err());
    ids.insert(&net("x"), "vpc-1".into());
    assert_eq!(ids.resolve(&Ref::Planned(net("x"))).unwrap(), "vpc-1");
    assert_eq!(ids.resolve(&Ref::Existing("sg-2".into())).unwrap(), "sg-2");
}

/// A runner whose changes take a set (virtual) time, to see what overlaps.
struct SlowRunner {
    latency: Duration,
    fail: Option<&'static str>,
    started: std::cell::RefCell<Vec<(String, Duration)>>,
    origin: tokio::time::Instant,
}

impl SlowRunner {
    /// Every change takes 100 ms; `fail` names one that fails.
    fn new(fail: Option<&'static str>) -> Self {
        SlowRunner {
            latency: Duration::from_millis(100),
            fail,
            started: std::cell::RefCell::default(),
            origin: tokio::time::Instant::now(),
        }
    }
}

impl StepRunner for SlowRunner {
    type Error = String;

    async fn run_step(
        &self,
        change: &ResourceChange,
        _: &Step,
        _: &ResolvedIds,
    ) -> Result<Option<String>, String> {
        self.started
            .borrow_mut()
            .push((change.key.to_string(), self.origin.elapsed()));
        tokio::time::sleep(self.latency).await;
        if self.fail.map(net).as_ref() == Some(&change.key) {
            return Err("boom".to_owned());
        }
        Ok(Some(format!("id-{}", change.key)))
    }
}

fn net(name: &str) -> Key {
    Key::Network(name.to_owned())
}

fn node(key: &str, depends_on: &[&str]) -> ResourceChange {
    ResourceChange::new(
        net(key),
        crate::ResourceKind::InternetGateway,
        key,
        crate::Action::Create,
        vec![NetworkStep::CreateInternetGateway],
    )
    .after(depends_on.iter().map(|d| net(d)))
}

/// root → five independent leaves → one join: the critical path is three
/// changes long, the sum is seven.
fn wide_plan() -> Plan {
    let mut changes = vec![node("root", &[])];
    let leaves = ["a", "b", "c", "d", "e"];
    changes.extend(leaves.iter().map(|leaf| node(leaf, &["root"])));
    changes.push(node("join", &leaves));
    Plan {
        format_version: 1,
        fingerprint: String::new(),
        app: "t".into(),
        env: "dev".into(),
        region: "r".into(),
        changes,
        unchanged: 0,
        orphans: vec![],
        warnings: vec![],
        lookups: crate::live::Lookups::default(),
        allowed_account_ids: vec![],
        cost: None,
        migration_lint: None,
    }
}

use std::time::Duration;

#[tokio::test(start_paused = true)]
async fn independent_changes_overlap_so_wall_time_is_the_critical_path() {
    let plan = wide_plan();
    let runner = SlowRunner::new(None);
    let report = execute(&plan, &runner, 8, std::future::pending(), |_| {}).await;
    assert!(report.succeeded(), "{report:?}");
    // Virtual time: exact, whatever the machine's load.
    assert_eq!(runner.origin.elapsed(), Duration::from_millis(300));
    let started = runner.started.borrow();
    let leaves: Vec<Duration> = started
        .iter()
        .filter(|(k, _)| k.len() == 1)
        .map(|(_, t)| *t)
        .collect();
    assert_eq!(
        leaves,
        [Duration::from_millis(100); 5],
        "leaves all start when root finishes"
    );
}

#[tokio::test(start_paused = true)]
async fn concurrency_is_bounded() {
    let plan = wide_plan();
    let runner = SlowRunner::new(None);
    execute(&plan, &runner, 2, std::future::pending(), |_| {}).await;
    // root, then the five leaves two at a time (3 rounds), then join.
    assert_eq!(runner.origin.elapsed(), Duration::from_millis(500));
}

#[tokio::test(start_paused = true)]
async fn a_failing_change_lets_running_ones_finish_and_starts_nothing_new() {
    let plan = wide_plan();
    let runner = SlowRunner::new(Some("c"));
    let report = execute(&plan, &runner, 8, std::future::pending(), |_| {}).await;
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].key, net("c"));
    // The other leaves were already running: they finish and are reported done.
    let mut done: Vec<String> = report.done.iter().map(ToString::to_string).collect();
    done.sort();
    assert_eq!(done, ["a", "b", "d", "e", "root"]);
    assert_eq!(report.not_started, [net("join")]);
}

#[tokio::test(start_paused = true)]
async fn a_stop_lets_running_changes_finish_then_reports_the_rest() {
    let plan = wide_plan();
    let runner = SlowRunner::new(None);
    // Ctrl-C at 150 ms: the leaves (started at 100 ms) are in flight.
    let report = execute(
        &plan,
        &runner,
        8,
        tokio::time::sleep(Duration::from_millis(150)),
        |_| {},
    )
    .await;
    assert!(report.interrupted);
    assert!(!report.succeeded());
    assert_eq!(
        report.done.len(),
        6,
        "root and all five leaves finish: {report:?}"
    );
    assert_eq!(report.not_started, [net("join")]);
    assert_eq!(runner.origin.elapsed(), Duration::from_millis(200));
}
