//! Deployment strategies (`[service.deploy]`) end to end: a live rolling
//! service switched to blue/green (the second target group, the
//! production rule and the infrastructure role made first), releases that
//! move the rule's weights as each strategy says, one rolled back by an
//! alarm during the bake, `up --wait-until traffic-shifted` returning in
//! the bake, `rollback` stopping that deployment, a no-op `diff` after
//! each release, and the switch back to rolling refused with nothing changed.

use awsdeploy_testkit::{Lifecycle, RolloutOutcome};

use crate::harness::{World, push_image};
use crate::service::stack_spec;

fn elb(world: &World) -> aws_sdk_elasticloadbalancingv2::Client {
    aws_sdk_elasticloadbalancingv2::Client::new(&world.config)
}

/// The production rule's weight on each target group, by name.
fn weights(world: &World, app: &str) -> Vec<(String, i32)> {
    let elb = elb(world);
    let lbs = world
        .block_on(
            elb.describe_load_balancers()
                .names(format!("{app}-dev-alb"))
                .send(),
        )
        .unwrap();
    let lb = lbs.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let listeners = world
        .block_on(elb.describe_listeners().load_balancer_arn(&lb).send())
        .unwrap();
    let listener = listeners.listeners()[0].listener_arn().unwrap().to_owned();
    let rules = world
        .block_on(elb.describe_rules().listener_arn(&listener).send())
        .unwrap();
    let rule = rules
        .rules()
        .iter()
        .find(|r| r.priority() == Some("50000"))
        .expect("the production rule");
    let mut out: Vec<(String, i32)> = rule.actions()[0]
        .forward_config()
        .unwrap()
        .target_groups()
        .iter()
        .map(|t| {
            let arn = t.target_group_arn().unwrap();
            let name = arn.split('/').nth(1).unwrap().to_owned();
            (name, t.weight().unwrap_or(0))
        })
        .collect();
    out.sort();
    out
}

fn serving(world: &World, app: &str) -> String {
    let ecs = aws_sdk_ecs::Client::new(&world.config);
    let out = world
        .block_on(
            ecs.describe_services()
                .cluster(format!("{app}-dev"))
                .services("api")
                .send(),
        )
        .unwrap();
    let td = out.services()[0].task_definition().unwrap();
    td.rsplit('/').next().unwrap().to_owned()
}

fn newest_deployment(world: &World, app: &str) -> aws_sdk_ecs::types::ServiceDeployment {
    let ecs = aws_sdk_ecs::Client::new(&world.config);
    let listed = world
        .block_on(
            ecs.list_service_deployments()
                .cluster(format!("{app}-dev"))
                .service("api")
                .send(),
        )
        .unwrap();
    let arn = listed.service_deployments()[0]
        .service_deployment_arn()
        .unwrap()
        .to_owned();
    let out = world
        .block_on(
            ecs.describe_service_deployments()
                .service_deployment_arns(arn)
                .send(),
        )
        .unwrap();
    out.service_deployments()[0].clone()
}

fn set_deploy(spec: &str, deploy: &str) {
    let text = std::fs::read_to_string(spec).unwrap();
    let base = text.split("\n[service.deploy]").next().unwrap().to_owned();
    std::fs::write(spec, format!("{base}\n[service.deploy]\n{deploy}\n")).unwrap();
}

fn no_op(world: &World, spec: &str, tag: &str) {
    let diff = world.run(&[
        "diff",
        "-f",
        spec,
        "--image-tag",
        tag,
        "--detailed-exitcode",
    ]);
    assert_eq!(
        diff.code, 0,
        "a no-op diff:\n{}\n{}",
        diff.stdout, diff.stderr
    );
}

#[test]
fn blue_green_canary_and_linear_move_traffic_roll_back_and_stop() {
    let world = World::new();
    let app = "bg";
    let alarms = "\n[alarms]\nemail = [\"oncall@example.com\"]\n";
    let spec = stack_spec(&world, app, alarms);
    let repository = format!("{app}/dev/api");
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    push_image(&world, &repository, "v1");
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);

    // Rolling → blue/green on the live service: the second target group,
    // the rule (all traffic on the first group) and the role come first.
    set_deploy(&spec, "strategy = \"blue_green\"\nbake_time = \"1m\"");
    let plan = world.run(&["diff", "-f", &spec, "--image-tag", "v1"]);
    for shown in [
        format!("{app}-dev-api2"),
        format!("{app}-dev-ecs-lb"),
        "rule 50000".to_owned(),
        "blue/green, bake 1m".to_owned(),
    ] {
        assert!(plan.stdout.contains(&shown), "{shown} in:\n{}", plan.stdout);
    }
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);
    no_op(&world, &spec, "v1");

    // A release moves all traffic to the other group, and stays there.
    push_image(&world, &repository, "v2");
    world.sim.reset_calls();
    let released = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v2"]);
    released.assert_code(0);
    assert!(released.stderr.contains("BAKE_TIME"), "{}", released.stderr);
    let moved = weights(&world, app);
    let on_new: Vec<&str> = moved
        .iter()
        .filter(|(_, w)| *w == 100)
        .map(|(g, _)| g.as_str())
        .collect();
    assert_eq!(on_new.len(), 1, "{moved:?}");
    assert_eq!(serving(&world, app), format!("{app}-dev-api:2"));
    assert_eq!(
        newest_deployment(&world, app).status().unwrap().as_str(),
        "SUCCESSFUL"
    );
    assert_eq!(world.sim.count("ecs", "StopServiceDeployment"), 0);
    no_op(&world, &spec, "v2");

    // An alarm during the bake rolls it back: `up` names it and what serves.
    push_image(&world, &repository, "v3");
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::AlarmFires,
    });
    let failed = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v3"]);
    failed.assert_code(1);
    for shown in [
        format!("alarm {app}-dev-load-balancer-target-5xx fired"),
        format!("{app}-dev-api:2 is serving"),
    ] {
        assert!(
            failed.stderr.contains(&shown),
            "{shown} in:\n{}",
            failed.stderr
        );
    }
    assert_eq!(weights(&world, app), moved, "traffic is back where it was");
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::Completes,
    });
    // The 5XX alarm stays in ALARM: ECS ignores an alarm already firing
    // when a deployment starts, so the next releases are not rolled back.

    // Canary: its share first, then the rest.
    set_deploy(
        &spec,
        "strategy = \"canary\"\ncanary_percent = 20\ncanary_bake_time = \"1m\"\nbake_time = \"0m\"",
    );
    let canary = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v3"]);
    canary.assert_code(0);
    assert!(
        canary
            .stderr
            .contains("production traffic 20% on the new revision"),
        "{}",
        canary.stderr
    );
    no_op(&world, &spec, "v3");

    // Linear: step by step.
    set_deploy(
        &spec,
        "strategy = \"linear\"\nlinear_step_percent = 50\nlinear_step_bake_time = \"1m\"\nbake_time = \"0m\"",
    );
    push_image(&world, &repository, "v4");
    let linear = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v4"]);
    linear.assert_code(0);
    assert!(
        linear
            .stderr
            .contains("production traffic 50% on the new revision"),
        "{}",
        linear.stderr
    );
    no_op(&world, &spec, "v4");

    wait_until_then_stop(&world, &spec, app, &repository);
}

/// `--wait-until traffic-shifted` returns in a long bake; `rollback`
/// stops that deployment; the switch back to rolling is refused.
fn wait_until_then_stop(world: &World, spec: &str, app: &str, repository: &str) {
    // --wait-until traffic-shifted returns in a long bake; `rollback`
    // stops that deployment and ECS moves the traffic back.
    set_deploy(spec, "strategy = \"blue_green\"\nbake_time = \"30m\"");
    world
        .run(&["up", "-f", spec, "--yes", "--image-tag", "v4"])
        .assert_code(0);
    world
        .sim
        .simulate(Lifecycle::EcsMinute(std::time::Duration::from_secs(10)));
    push_image(world, repository, "v5");
    let before = weights(world, app);
    let early = world.run(&[
        "up",
        "-f",
        spec,
        "--yes",
        "--image-tag",
        "v5",
        "--wait-until",
        "traffic-shifted",
    ]);
    early.assert_code(0);
    let baking = newest_deployment(world, app);
    assert_eq!(baking.status().unwrap().as_str(), "IN_PROGRESS");
    assert_eq!(baking.lifecycle_stage().unwrap().as_str(), "BAKE_TIME");
    assert_ne!(weights(world, app), before, "production traffic moved");
    let stopped = world.run(&["rollback", "-f", spec, "--yes"]);
    stopped.assert_code(0);
    assert!(
        stopped.stderr.contains(&format!("{app}-dev-api:4 serves")),
        "{}",
        stopped.stderr
    );
    assert_eq!(world.sim.count("ecs", "StopServiceDeployment"), 1);
    assert_eq!(weights(world, app), before, "traffic is back");
    assert_eq!(
        newest_deployment(world, app).status().unwrap().as_str(),
        "ROLLBACK_SUCCESSFUL"
    );
    world
        .sim
        .simulate(Lifecycle::EcsMinute(std::time::Duration::from_millis(20)));
    // As after any rollback, the newest revision (v5's) differs from what
    // serves: `diff` shows it, as `awsdeploy rollback` says.

    // Back to rolling: refused before anything changes.
    set_deploy(spec, "strategy = \"rolling\"");
    world.sim.reset_calls();
    let refused = world.run(&["up", "-f", spec, "--yes", "--image-tag", "v4"]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("does not switch back"),
        "{}",
        refused.stderr
    );
    assert_eq!(crate::harness::mutating_calls(world), 0);
}
