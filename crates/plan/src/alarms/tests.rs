use super::*;

#[test]
fn dimensions_are_arn_suffixes() {
    let lb = DimensionValue::LoadBalancer(Ref::Existing(String::new()));
    assert_eq!(
        lb.with("arn:aws:elasticloadbalancing:r:1:loadbalancer/app/shop-dev-alb/50dc6c495c0c9188"),
        "app/shop-dev-alb/50dc6c495c0c9188"
    );
    let tg = DimensionValue::TargetGroup(Ref::Existing(String::new()));
    assert_eq!(
        tg.with("arn:aws:elasticloadbalancing:r:1:targetgroup/shop-dev-api/73e2d6bc24d8a067"),
        "targetgroup/shop-dev-api/73e2d6bc24d8a067"
    );
}

fn stack(alarms: &str) -> Spec {
    Spec::parse(
        &format!("[app]\nname = \"shop\"\n[database]\n[registry]\n[service]\n\n[alarms]\nemail = [\"a@example.com\"]\n{alarms}"),
        "test.toml",
        "dev",
    )
    .unwrap()
}

/// What `up` would have made for `spec`: every desired alarm live as
/// desired, the topic with its subscription pending.
fn made(desired: &Desired) -> LiveAlarms {
    LiveAlarms {
        topic: Some(LiveTopic {
            arn: desired.topic_arn.clone(),
            owned: true,
            subscriptions: vec![LiveSubscription {
                protocol: "email".to_owned(),
                endpoint: "a@example.com".to_owned(),
                arn: None,
            }],
        }),
        alarms: desired
            .alarms
            .iter()
            .map(AlarmDefinition::resolved)
            .collect(),
        dashboard: desired
            .dashboard
            .as_ref()
            .and_then(Dashboard::existing_body),
        foreign: vec![],
    }
}

fn desired_for(spec: &Spec) -> Desired {
    let lb = Ref::Existing(
        "arn:aws:elasticloadbalancing:r:1:loadbalancer/app/shop-dev-alb/abc".to_owned(),
    );
    let tg =
        Ref::Existing("arn:aws:elasticloadbalancing:r:1:targetgroup/shop-dev-api/def".to_owned());
    desired(spec, "r", &crate::iam::tests::live(), Some(lb), Some(tg))
        .unwrap()
        .unwrap()
}

#[test]
fn made_is_unchanged_a_threshold_is_one_update_and_removed_ones_are_orphans() {
    let spec = stack("");
    let live = made(&desired_for(&spec));
    let same = plan(Some(&desired_for(&spec)), &live).unwrap();
    assert!(same.changes.is_empty(), "{:?}", same.changes);
    assert_eq!(
        same.unchanged,
        1 + 1 + 11 + 1,
        "topic, subscription, alarms, dashboard"
    );
    assert!(same.warnings[0].contains("waits for its confirmation"));

    let raised = stack("[alarms.thresholds]\ndatabase_cpu_percent = 95\n");
    let update = plan(Some(&desired_for(&raised)), &live).unwrap();
    assert_eq!(update.changes.len(), 1, "{:?}", update.changes);
    assert_eq!(update.changes[0].name, "shop-dev-database-cpu");
    assert_eq!(update.changes[0].fields[0].field, "threshold");

    let gone = plan(None, &live).unwrap();
    assert!(gone.changes.is_empty());
    assert_eq!(
        gone.orphans.len(),
        1 + 11,
        "the topic and every alarm, kept"
    );
}

#[test]
fn the_rollback_alarms_are_named_only_with_rollback_on() {
    assert_eq!(deployment_alarms(&stack("")).len(), 2);
    assert!(deployment_alarms(&stack("rollback = false\n")).is_empty());
}

#[test]
fn an_alarm_or_dashboard_of_our_names_that_is_not_ours_stops_the_plan() {
    let desired = desired_for(&stack(""));
    for name in [
        desired.alarms[0].name.clone(),
        desired.dashboard.as_ref().unwrap().name.clone(),
    ] {
        let live = LiveAlarms {
            foreign: vec![name.clone()],
            ..LiveAlarms::default()
        };
        let error = plan(Some(&desired), &live).unwrap_err().to_string();
        assert!(
            error.contains(&name) && error.contains("does not carry"),
            "{error}"
        );
    }
    // Ours, made before: the marker is in the body the plan writes.
    let body = desired.dashboard.as_ref().unwrap().existing_body().unwrap();
    assert!(
        body.contains("Made by awsdeploy for app `shop`, env `dev`"),
        "{body}"
    );
}

#[test]
fn the_bake_time_is_the_longest_deployment_alarms_window() {
    // The 5XX alarm: 3 one-minute periods; the unhealthy-hosts alarm:
    // `unhealthy_minutes` (3 by default).
    assert_eq!(deployment_bake_secs(&stack("")), 180);
    assert_eq!(
        deployment_bake_secs(&stack("[alarms.thresholds]\nunhealthy_minutes = 10\n")),
        600
    );
    assert_eq!(deployment_bake_secs(&stack("rollback = false\n")), 0);
}
