use awsdeploy_spec::Spec;

use super::*;
use crate::fake_cloud::FakeCloud;
use crate::{Live, plan as make_plan};

fn fresh_plan() -> (Plan, FakeCloud) {
    let spec = Spec::parse("[app]\nname = \"shop\"\n", "t.toml", "dev").unwrap();
    let cloud = FakeCloud::new(&["z-a", "z-b"]);
    let live = Live {
        network: cloud.network.borrow().clone(),
    };
    (make_plan(&spec, "r", &live).unwrap(), cloud)
}

fn run(plan: &Plan, cloud: &FakeCloud, concurrency: usize, events: &mut Vec<String>) -> Report {
    let future = execute(plan, cloud, concurrency, |event| {
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
    cloud.fail = vec!["shop-dev-vpc".to_owned()];
    let mut events = Vec::new();
    let report = run(&plan, &cloud, 1, &mut events);
    assert_eq!(
        report.failed,
        [Failure {
            key: "shop-dev-vpc".into(),
            error: "injected failure for shop-dev-vpc".into()
        }]
    );
    assert!(report.done.len() < plan.changes.len());
    // Everything that needs the VPC never started; nothing was attempted after the failure.
    assert!(report.not_started.contains(&"shop-dev-public-1".to_owned()));
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
    assert!(ids.resolve(&Ref::Planned("x".into())).is_err());
    ids.insert("x", "vpc-1".into());
    assert_eq!(ids.resolve(&Ref::Planned("x".into())).unwrap(), "vpc-1");
    assert_eq!(ids.resolve(&Ref::Existing("sg-2".into())).unwrap(), "sg-2");
}
