//! A strategy's test listener (`service.deploy.test_port`) end to end: a
//! second listener forwarding like the production one, open to
//! `test_cidrs` only, whose rule the service names (`testListenerRule`);
//! ECS points it at the new revision before any production traffic moves,
//! `up --wait-until test-traffic-shifted` returns right then, `rollback`
//! points both rules back, a completed release leaves both on the new
//! revision; removing `test_port` lets the service go of the rule before
//! the listener is deleted, and `--wait-until test-traffic-shifted` is
//! then refused before anything changes.

use aws_sdk_ec2::types::Filter;

use crate::harness::{World, mutating_calls, push_image};
use crate::strategies::{listeners, newest_deployment, no_op, rule_weights, set_deploy, stack};

/// The load balancer group's ingress as `port from cidr`.
fn lb_ingress(world: &World, app: &str) -> Vec<String> {
    let ec2 = aws_sdk_ec2::Client::new(&world.config);
    let out = world
        .block_on(
            ec2.describe_security_groups()
                .filters(
                    Filter::builder()
                        .name("tag:Name")
                        .values(format!("{app}-dev-lb"))
                        .build(),
                )
                .send(),
        )
        .unwrap();
    let mut rules: Vec<String> = out.security_groups()[0]
        .ip_permissions()
        .iter()
        .flat_map(|p| {
            p.ip_ranges().iter().map(move |r| {
                format!(
                    "{} from {}",
                    p.from_port().unwrap_or(0),
                    r.cidr_ip().unwrap_or("")
                )
            })
        })
        .collect();
    rules.sort();
    rules
}

/// The service's `testListenerRule`.
fn test_rule_of_service(world: &World, app: &str) -> Option<String> {
    crate::service::service(world, app).load_balancers()[0]
        .advanced_configuration()
        .and_then(|a| a.test_listener_rule())
        .map(str::to_owned)
}

fn listener_ports(world: &World, app: &str) -> Vec<i32> {
    let mut ports: Vec<i32> = listeners(world, app)
        .iter()
        .filter_map(aws_sdk_elasticloadbalancingv2::types::Listener::port)
        .collect();
    ports.sort_unstable();
    ports
}

#[test]
fn a_test_listener_serves_the_new_revision_before_production_traffic() {
    let world = World::new();
    let app = "tl";
    let canary =
        "strategy = \"canary\"\ncanary_percent = 20\ncanary_bake_time = \"1m\"\nbake_time = \"1m\"";
    let deploy = format!("{canary}\ntest_port = 8443\ntest_cidrs = [\"203.0.113.0/24\"]");
    let (spec, repository) = stack(&world, app, Some(&deploy));
    assert_eq!(listener_ports(&world, app), [80, 8443]);
    let ingress = lb_ingress(&world, app);
    assert!(
        ingress.contains(&"8443 from 203.0.113.0/24".to_owned())
            && !ingress.contains(&"8443 from 0.0.0.0/0".to_owned()),
        "{ingress:?}"
    );
    assert!(test_rule_of_service(&world, app).is_some());
    assert_eq!(
        rule_weights(&world, app, 8443),
        rule_weights(&world, app, 80)
    );
    no_op(&world, &spec, "v1");

    // `--wait-until test-traffic-shifted`: back as soon as the test rule
    // is all on the new revision, production traffic still on the old.
    push_image(&world, &repository, "v2");
    let production = rule_weights(&world, app, 80);
    let early = world.run(&[
        "up",
        "-f",
        &spec,
        "--yes",
        "--image-tag",
        "v2",
        "--wait-until",
        "test-traffic-shifted",
    ]);
    early.assert_code(0);
    assert!(
        early.stderr.contains("the test listener serves it"),
        "{}",
        early.stderr
    );
    let test = rule_weights(&world, app, 8443);
    assert_ne!(test, production, "test traffic moved");
    assert_eq!(
        test.iter().filter(|(_, w)| *w == 100).count(),
        1,
        "{test:?}"
    );
    assert_eq!(
        rule_weights(&world, app, 80),
        production,
        "production did not"
    );
    // `rollback` stops it: both rules back on the old revision.
    world
        .run(&["rollback", "-f", &spec, "--yes"])
        .assert_code(0);
    assert_eq!(rule_weights(&world, app, 80), production);
    assert_eq!(rule_weights(&world, app, 8443), production);
    assert_eq!(
        newest_deployment(&world, app).status().unwrap().as_str(),
        "ROLLBACK_SUCCESSFUL"
    );

    // A release that completes leaves both rules on the new revision.
    push_image(&world, &repository, "v3");
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v3"])
        .assert_code(0);
    let moved = rule_weights(&world, app, 80);
    assert_ne!(moved, production);
    assert_eq!(rule_weights(&world, app, 8443), moved);
    no_op(&world, &spec, "v3");
    without_test_port(&world, app, &spec, canary);
}

/// Without `test_port`: the service lets go of the rule, then the listener
/// and its ingress go; `--wait-until test-traffic-shifted` is refused.
fn without_test_port(world: &World, app: &str, spec: &str, deploy: &str) {
    set_deploy(spec, deploy);
    let plan = world.run(&["diff", "-f", spec, "--image-tag", "v3"]);
    for shown in [
        "test rule".to_owned(),
        "8443 from 203.0.113.0/24".to_owned(),
        format!("the listener {app}-dev-alb:8443 goes with the next `up`"),
    ] {
        assert!(
            plan.stdout.contains(&shown) || plan.stderr.contains(&shown),
            "{shown} in:\n{}{}",
            plan.stdout,
            plan.stderr
        );
    }
    world
        .run(&["up", "-f", spec, "--yes", "--image-tag", "v3"])
        .assert_code(0);
    assert_eq!(test_rule_of_service(world, app), None);
    assert!(
        !lb_ingress(world, app).iter().any(|r| r.starts_with("8443")),
        "{:?}",
        lb_ingress(world, app)
    );
    // The deployment that let go of the rule has completed: the listener
    // goes now.
    assert_eq!(listener_ports(world, app), [80, 8443]);
    world
        .run(&["up", "-f", spec, "--yes", "--image-tag", "v3"])
        .assert_code(0);
    assert_eq!(listener_ports(world, app), [80]);
    no_op(world, spec, "v3");

    // Nothing to wait for now: refused before anything changes.
    world.sim.reset_calls();
    let refused = world.run(&[
        "up",
        "-f",
        spec,
        "--yes",
        "--image-tag",
        "v3",
        "--wait-until",
        "test-traffic-shifted",
    ]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("needs a test listener"),
        "{}",
        refused.stderr
    );
    assert_eq!(mutating_calls(world), 0);
}

/// The pause's hook awaiting action, as `status --output json` shows it.
fn paused_hook(world: &World, spec: &str) -> Option<String> {
    let status = world.run(&["status", "-f", spec, "--output", "json"]);
    status.json()["service"]["shift"]["paused"]["hook_id"]
        .as_str()
        .map(str::to_owned)
}

#[test]
fn a_deployment_paused_after_test_traffic_goes_on_with_continue_or_rolls_back() {
    let world = World::new();
    let app = "ps";
    // 336 hours of 20 ms ECS minutes: no pause times out while the test runs.
    let deploy = "strategy = \"canary\"\ncanary_percent = 20\ncanary_bake_time = \"1m\"\nbake_time = \"1m\"\ntest_port = 8443\npause_at = [\"post_test_traffic_shift\"]\npause_timeout = \"336h\"";
    let (spec, repository) = stack(&world, app, Some(deploy));
    no_op(&world, &spec, "v1");

    // `up` returns at the pause: the test listener serves the new
    // revision, production traffic has not moved, and ECS waits.
    push_image(&world, &repository, "v2");
    let production = rule_weights(&world, app, 80);
    let paused = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v2"]);
    paused.assert_code(0);
    assert!(
        paused.stderr.contains("paused at POST_TEST_TRAFFIC_SHIFT")
            && paused.stderr.contains("`awsdeploy continue` goes on"),
        "{}",
        paused.stderr
    );
    assert_ne!(rule_weights(&world, app, 8443), production);
    assert!(paused_hook(&world, &spec).is_some());
    // Still there however often it is looked at.
    assert!(paused_hook(&world, &spec).is_some());
    assert_eq!(
        rule_weights(&world, app, 80),
        production,
        "production waits"
    );
    let text = world.run(&["status", "-f", &spec]);
    assert!(
        text.stdout.contains("POST_TEST_TRAFFIC_SHIFT") && text.stdout.contains("paused"),
        "{}",
        text.stdout
    );

    // `continue` lets it go on to the end.
    world.sim.reset_calls();
    world
        .run(&["continue", "-f", &spec, "--yes"])
        .assert_code(0);
    assert_eq!(world.sim.count("ecs", "ContinueServiceDeployment"), 1);
    assert_eq!(
        newest_deployment(&world, app).status().unwrap().as_str(),
        "SUCCESSFUL"
    );
    let moved = rule_weights(&world, app, 80);
    assert_ne!(moved, production);
    assert_eq!(rule_weights(&world, app, 8443), moved);
    no_op(&world, &spec, "v2");

    // Nothing paused now: `continue` changes nothing and says why.
    world.sim.reset_calls();
    let refused = world.run(&["continue", "-f", &spec, "--yes"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused
            .stderr
            .contains("no deployment of ps-dev is in progress"),
        "{}",
        refused.stderr
    );
    assert_eq!(mutating_calls(&world), 0);

    // `rollback` at a pause answers it with ROLLBACK: both rules back.
    push_image(&world, &repository, "v3");
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v3"])
        .assert_code(0);
    assert!(paused_hook(&world, &spec).is_some());
    // Another release waits until the pause is answered.
    world.sim.reset_calls();
    let waits = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v2"]);
    waits.assert_code(1);
    assert!(
        waits
            .stderr
            .contains("is paused at POST_TEST_TRAFFIC_SHIFT; nothing was changed"),
        "{}",
        waits.stderr
    );
    assert_eq!(mutating_calls(&world), 0);
    world.sim.reset_calls();
    world
        .run(&["rollback", "-f", &spec, "--yes"])
        .assert_code(0);
    assert_eq!(world.sim.count("ecs", "ContinueServiceDeployment"), 1);
    assert_eq!(world.sim.count("ecs", "StopServiceDeployment"), 0);
    assert_eq!(
        newest_deployment(&world, app).status().unwrap().as_str(),
        "ROLLBACK_SUCCESSFUL"
    );
    assert_eq!(rule_weights(&world, app, 80), moved);
    assert_eq!(rule_weights(&world, app, 8443), moved);
}

#[test]
fn a_pause_before_each_canary_step_waits_at_each_step() {
    let world = World::new();
    let app = "pp";
    let deploy = "strategy = \"canary\"\ncanary_percent = 20\ncanary_bake_time = \"1m\"\nbake_time = \"1m\"\npause_at = [\"pre_production_traffic_shift\"]\npause_timeout = \"336h\"";
    let (spec, repository) = stack(&world, app, Some(deploy));
    push_image(&world, &repository, "v2");
    let before = rule_weights(&world, app, 80);
    world.sim.reset_calls();
    let first = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v2"]);
    first.assert_code(0);
    assert!(
        first.stderr.contains("paused at PRODUCTION_TRAFFIC_SHIFT"),
        "{}",
        first.stderr
    );
    assert_eq!(
        rule_weights(&world, app, 80),
        before,
        "no traffic moved yet"
    );
    // The canary's share, then the next pause, before the rest moves.
    let canary = world.run(&["continue", "-f", &spec, "--yes"]);
    canary.assert_code(0);
    assert!(
        canary.stderr.contains("paused at PRODUCTION_TRAFFIC_SHIFT"),
        "{}",
        canary.stderr
    );
    let split = rule_weights(&world, app, 80);
    assert!(split.iter().any(|(_, w)| *w == 20), "{split:?}");
    assert_eq!(
        newest_deployment(&world, app).status().unwrap().as_str(),
        "IN_PROGRESS"
    );
    world
        .run(&["continue", "-f", &spec, "--yes"])
        .assert_code(0);
    assert_eq!(
        newest_deployment(&world, app).status().unwrap().as_str(),
        "SUCCESSFUL"
    );
    assert_eq!(world.sim.count("ecs", "ContinueServiceDeployment"), 2);
    let done = rule_weights(&world, app, 80);
    assert_ne!(done, before);
    assert_eq!(
        done.iter().filter(|(_, w)| *w == 100).count(),
        1,
        "{done:?}"
    );
}
