//! `[alarms]`: the topic and its subscriptions (pending until confirmed,
//! as on AWS), the recommended alarms on our resources, the dashboard, the
//! service's deployment alarms; a no-op diff after; a changed threshold is
//! one `PutMetricAlarm`; a release that fires the 5XX alarm is rolled
//! back, named; removing the section keeps them as orphans; `down`
//! deletes them.

use awsdeploy_testkit::{Lifecycle, RolloutOutcome};

use crate::harness::{World, push_image};

const ALARMS: &str = "\n[alarms]\nemail = [\"oncall@example.com\"]\nhttps = [\"https://hooks.example.com/aws\"]\n\n[alarms.thresholds]\ntarget_5xx_count = 10\n";

fn spec_text(alarms: &str) -> String {
    format!(
        "azs = 2\nnat = \"single\"\n\n[database]\n\n[registry]\n\n[service]\ndesired_count = 1\ncontainer_insights = true\n{alarms}"
    )
}

/// Without a service: the database's alarms alone (the account id for the
/// topic's ARN is looked up all the same).
#[test]
fn a_database_alone_gets_its_alarms() {
    let world = World::new();
    let spec = world.network_spec(
        "vault",
        "azs = 2\nnat = \"none\"\n\n[database]\n\n[alarms]\nemail = [\"dba@example.com\"]\n",
    );
    let spec = spec.to_str().unwrap();
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&world.config);
    let alarms = world
        .block_on(
            cloudwatch
                .describe_alarms()
                .alarm_name_prefix("vault-dev-")
                .send(),
        )
        .unwrap();
    let mut names: Vec<&str> = alarms
        .metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "vault-dev-database-connections",
            "vault-dev-database-cpu",
            "vault-dev-database-free-storage",
            "vault-dev-database-freeable-memory"
        ]
    );
    world
        .run(&["diff", "-f", spec, "--detailed-exitcode"])
        .assert_code(0);
}

#[test]
#[allow(clippy::too_many_lines)] // one stack's whole story
fn alarms_are_made_checked_updated_one_by_one_and_kept_when_removed() {
    let world = World::new();
    let app = "bells";
    let spec = world.network_spec(app, &spec_text(ALARMS));
    let spec = spec.to_str().unwrap().to_owned();
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    push_image(&world, &format!("{app}/dev/api"), "v1");
    let up = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"]);
    up.assert_code(0);
    assert!(
        up.stdout.contains("waits for its confirmation"),
        "the pending subscriptions are named:\n{}{}",
        up.stdout,
        up.stderr
    );

    let sns = aws_sdk_sns::Client::new(&world.config);
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&world.config);
    let ecs = aws_sdk_ecs::Client::new(&world.config);

    // The topic, tagged, with both subscriptions pending.
    let topics = world.block_on(sns.list_topics().send()).unwrap();
    let topic = topics
        .topics()
        .iter()
        .filter_map(|t| t.topic_arn())
        .find(|arn| arn.ends_with(&format!(":{app}-dev-alarms")))
        .expect("the topic")
        .to_owned();
    let tags = world
        .block_on(sns.list_tags_for_resource().resource_arn(&topic).send())
        .unwrap();
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == "awsdeploy:app" && t.value() == app)
    );
    let subscriptions = world
        .block_on(sns.list_subscriptions_by_topic().topic_arn(&topic).send())
        .unwrap();
    let mut endpoints: Vec<(&str, &str, &str)> = subscriptions
        .subscriptions()
        .iter()
        .map(|s| {
            (
                s.protocol().unwrap(),
                s.endpoint().unwrap(),
                s.subscription_arn().unwrap(),
            )
        })
        .collect();
    endpoints.sort_unstable();
    assert_eq!(
        endpoints,
        [
            ("email", "oncall@example.com", "PendingConfirmation"),
            (
                "https",
                "https://hooks.example.com/aws",
                "PendingConfirmation"
            )
        ]
    );

    // The alarms: every recommended one, on our resources, notifying the
    // topic.
    let alarms = world
        .block_on(
            cloudwatch
                .describe_alarms()
                .alarm_name_prefix(format!("{app}-dev-"))
                .send(),
        )
        .unwrap();
    let mut names: Vec<&str> = alarms
        .metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name())
        .collect();
    names.sort_unstable();
    let expected: Vec<String> = [
        "database-connections",
        "database-cpu",
        "database-free-storage",
        "database-freeable-memory",
        "load-balancer-elb-5xx",
        "load-balancer-p99-latency",
        "load-balancer-target-5xx",
        "load-balancer-target-5xx-rate",
        "load-balancer-unhealthy-hosts",
        "service-cpu",
        "service-memory",
        "service-running-tasks",
    ]
    .iter()
    .map(|n| format!("{app}-dev-{n}"))
    .collect();
    assert_eq!(names, expected);
    let alarm = |name: &str| {
        alarms
            .metric_alarms()
            .iter()
            .find(|a| a.alarm_name() == Some(&format!("{app}-dev-{name}")))
            .unwrap()
    };
    let target_5xx = alarm("load-balancer-target-5xx");
    assert_eq!(target_5xx.metric_name(), Some("HTTPCode_Target_5XX_Count"));
    assert_eq!(target_5xx.namespace(), Some("AWS/ApplicationELB"));
    assert_eq!(target_5xx.threshold(), Some(10.0));
    assert_eq!(target_5xx.alarm_actions(), std::slice::from_ref(&topic));
    assert_eq!(target_5xx.ok_actions(), std::slice::from_ref(&topic));
    assert_eq!(target_5xx.treat_missing_data(), Some("notBreaching"));
    let lb_dimension = target_5xx.dimensions()[0].value().unwrap().to_owned();
    assert!(
        lb_dimension.starts_with(&format!("app/{app}-dev-alb/")),
        "{lb_dimension}"
    );
    let storage = alarm("database-free-storage");
    assert_eq!(
        storage.dimensions()[0].value(),
        Some(format!("{app}-dev-db").as_str())
    );
    assert_eq!(storage.threshold(), Some(2.0 * 1024.0 * 1024.0 * 1024.0));
    // No datapoint while the instance is made or stopped: no alarm.
    assert_eq!(storage.treat_missing_data(), Some("missing"));
    // Every alarm: notifies the topic both ways, has a threshold, and each
    // dimension names one of this stack's resources.
    let tg_dimension = alarm("load-balancer-unhealthy-hosts")
        .dimensions()
        .iter()
        .find(|d| d.name() == Some("TargetGroup"))
        .and_then(|d| d.value())
        .unwrap()
        .to_owned();
    assert!(tg_dimension.starts_with(&format!("targetgroup/{app}-dev-api/")));
    let ours = [
        lb_dimension.clone(),
        tg_dimension,
        format!("{app}-dev"),
        "api".to_owned(),
        format!("{app}-dev-db"),
    ];
    for a in alarms.metric_alarms() {
        let name = a.alarm_name().unwrap();
        assert_eq!(a.alarm_actions(), std::slice::from_ref(&topic), "{name}");
        assert_eq!(a.ok_actions(), std::slice::from_ref(&topic), "{name}");
        assert!(a.threshold().is_some(), "{name}");
        let dimensions: Vec<&aws_sdk_cloudwatch::types::Dimension> = a
            .dimensions()
            .iter()
            .chain(
                a.metrics()
                    .iter()
                    .filter_map(|q| q.metric_stat()?.metric())
                    .flat_map(aws_sdk_cloudwatch::types::Metric::dimensions),
            )
            .collect();
        assert!(!dimensions.is_empty(), "{name}");
        for d in dimensions {
            assert!(
                ours.iter().any(|o| Some(o.as_str()) == d.value()),
                "{name}: {d:?}"
            );
        }
    }
    let rate = alarm("load-balancer-target-5xx-rate");
    assert_eq!(rate.metrics().len(), 3, "two metrics and the expression");

    // The dashboard: valid JSON naming our load balancer and database.
    let dashboard = world
        .block_on(
            cloudwatch
                .get_dashboard()
                .dashboard_name(format!("{app}-dev"))
                .send(),
        )
        .unwrap();
    let body: serde_json::Value =
        serde_json::from_str(dashboard.dashboard_body().unwrap()).unwrap();
    let text = body.to_string();
    assert!(text.contains(&lb_dimension) && text.contains(&format!("{app}-dev-db")));
    assert!(body["widgets"].as_array().unwrap().len() >= 5);

    // The service's deployments roll back on the 5XX and unhealthy-host
    // alarms (what was sent; moto keeps it through the testkit).
    let services = world
        .block_on(
            ecs.describe_services()
                .cluster(format!("{app}-dev"))
                .services("api")
                .send(),
        )
        .unwrap();
    let deployment_alarms = services.services()[0]
        .deployment_configuration()
        .and_then(|c| c.alarms())
        .expect("deployment alarms");
    assert!(deployment_alarms.enable() && deployment_alarms.rollback());
    assert_eq!(
        deployment_alarms.alarm_names(),
        [
            format!("{app}-dev-load-balancer-target-5xx"),
            format!("{app}-dev-load-balancer-unhealthy-hosts")
        ]
    );

    // Nothing left to do; the pending subscriptions are still named, until
    // their recipients confirm.
    let diff = world.run(&[
        "diff",
        "-f",
        &spec,
        "--image-tag",
        "v1",
        "--detailed-exitcode",
    ]);
    diff.assert_code(0);
    let status = world.run(&["status", "-f", &spec]);
    status.assert_code(0);
    for shown in [
        "alarms     12 alarms, 0 firing".to_owned(),
        "email oncall@example.com (pending confirmation".to_owned(),
        format!(
            "dashboard https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#dashboards/dashboard/{app}-dev"
        ),
    ] {
        assert!(
            status.stdout.contains(&shown),
            "{shown} in:\n{}",
            status.stdout
        );
    }
    world.sim.confirm_subscription("oncall@example.com");
    world
        .sim
        .confirm_subscription("https://hooks.example.com/aws");
    let diff = world.run(&[
        "diff",
        "-f",
        &spec,
        "--image-tag",
        "v1",
        "--detailed-exitcode",
    ]);
    diff.assert_code(0);
    assert!(!diff.stdout.contains("confirmation"), "{}", diff.stdout);

    // A changed threshold is one PutMetricAlarm, and nothing else changes.
    let spec_path = std::path::Path::new(&spec);
    std::fs::write(
        spec_path,
        std::fs::read_to_string(spec_path)
            .unwrap()
            .replace("target_5xx_count = 10", "target_5xx_count = 25"),
    )
    .unwrap();
    world.sim.reset_calls();
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);
    assert_eq!(world.sim.count("monitoring", "PutMetricAlarm"), 1);
    assert_eq!(world.sim.count("monitoring", "PutDashboard"), 0);
    assert_eq!(world.sim.count("ecs", "UpdateService"), 0);

    // A release whose requests fail: its tasks are healthy, but the 5XX
    // alarm fires and ECS rolls it back; `up` says which alarm and what
    // serves.
    push_image(&world, &format!("{app}/dev/api"), "v2");
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::AlarmFires,
    });
    let failed = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v2"]);
    failed.assert_code(1);
    for shown in [
        format!("rolled back: alarm {app}-dev-load-balancer-target-5xx fired"),
        format!("{app}-dev-api:1 is serving"),
    ] {
        assert!(
            failed.stderr.contains(&shown),
            "{shown} in:\n{}",
            failed.stderr
        );
    }
    let status = world.run(&["status", "-f", &spec]);
    status.assert_code(2);
    let firing = format!("alarm {app}-dev-load-balancer-target-5xx is firing");
    assert!(status.stdout.contains(&firing), "{}", status.stdout);
    // The next release's tasks fail (the circuit breaker rolls it back):
    // the 5XX alarm, in ALARM since before it started, is one ECS ignores,
    // and `up` does not blame it.
    push_image(&world, &format!("{app}/dev/api"), "v3");
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::Fails,
    });
    let broken = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v3"]);
    broken.assert_code(1);
    assert!(
        !broken.stderr.contains("rolled back: alarm"),
        "{}",
        broken.stderr
    );
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::Completes,
    });

    // Without [alarms]: they are orphans, kept; the service stops rolling
    // back on them.
    std::fs::write(
        spec_path,
        format!(
            "[app]\nname = \"{app}\"\nregion = \"ap-northeast-1\"\n\n[network]\ncidr = \"10.20.0.0/16\"\n{}",
            spec_text("")
        ),
    )
    .unwrap();
    let diff = world.run(&["diff", "-f", &spec, "--image-tag", "v1"]);
    for shown in [
        format!("{app}-dev-alarms"),
        format!("{app}-dev-database-cpu"),
    ] {
        assert!(diff.stdout.contains(&shown), "{shown} in:\n{}", diff.stdout);
    }
    world.sim.reset_calls();
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);
    assert_eq!(world.sim.count("monitoring", "DeleteAlarms"), 0);
    assert_eq!(world.sim.count("sns", "DeleteTopic"), 0);
    assert_eq!(world.sim.count("ecs", "UpdateService"), 1);

    // `down` deletes them all: the dashboard, the alarms, then the topic.
    world.sim.reset_calls();
    world
        .run(&["down", "-f", &spec, "-e", "dev", "--yes", "--delete-data"])
        .assert_code(0);
    assert_eq!(world.sim.count("monitoring", "DeleteDashboards"), 1);
    assert_eq!(world.sim.count("monitoring", "DeleteAlarms"), 1);
    assert_eq!(world.sim.count("sns", "DeleteTopic"), 1);
    let left = world
        .block_on(
            cloudwatch
                .describe_alarms()
                .alarm_name_prefix(format!("{app}-dev-"))
                .send(),
        )
        .unwrap();
    assert!(left.metric_alarms().is_empty());
}
