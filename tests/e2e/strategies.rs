//! Deployment strategies (`[service.deploy]`) end to end, each strategy
//! through the same releases ([`releases`]): one that succeeds (traffic
//! moved as the strategy says, the old revision gone after the bake), one
//! rolled back by an alarm during the bake (named, with what serves), `up
//! --wait-until traffic-shifted` returning in a long bake and `rollback`
//! stopping that deployment (for linear, someone else stopped it first and
//! `rollback` changes nothing), and a no-op `diff` after each success.
//! Blue/green starts from a live rolling service (the second target
//! group, the production rule and the infrastructure role made first) and
//! ends with the switch back to rolling refused with nothing changed;
//! canary and linear create their service with the strategy.

use awsdeploy_testkit::{Lifecycle, RolloutOutcome};

use crate::harness::{World, push_image};
use crate::service::stack_spec;

pub(crate) fn elb(world: &World) -> aws_sdk_elasticloadbalancingv2::Client {
    aws_sdk_elasticloadbalancingv2::Client::new(&world.config)
}

/// The listeners of the stack's load balancer.
pub(crate) fn listeners(
    world: &World,
    app: &str,
) -> Vec<aws_sdk_elasticloadbalancingv2::types::Listener> {
    let elb = elb(world);
    let lbs = world
        .block_on(
            elb.describe_load_balancers()
                .names(format!("{app}-dev-alb"))
                .send(),
        )
        .unwrap();
    let lb = lbs.load_balancers()[0].load_balancer_arn().unwrap();
    let out = world
        .block_on(elb.describe_listeners().load_balancer_arn(lb).send())
        .unwrap();
    out.listeners().to_vec()
}

/// The production rule's weight on each target group, by name.
fn weights(world: &World, app: &str) -> Vec<(String, i32)> {
    rule_weights(world, app, 80)
}

/// The weight on each target group, by name, of awsdeploy's rule on the
/// listener on `port`.
pub(crate) fn rule_weights(world: &World, app: &str, port: i32) -> Vec<(String, i32)> {
    let elb = elb(world);
    let listener = listeners(world, app)
        .into_iter()
        .find(|l| l.port() == Some(port))
        .unwrap_or_else(|| panic!("a listener on {port}"))
        .listener_arn()
        .unwrap()
        .to_owned();
    let rules = world
        .block_on(elb.describe_rules().listener_arn(&listener).send())
        .unwrap();
    let rule = rules
        .rules()
        .iter()
        .find(|r| r.priority() == Some("50000"))
        .expect("awsdeploy's rule");
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

pub(crate) fn serving(world: &World, app: &str) -> String {
    let service = crate::service::service(world, app);
    let td = service.task_definition().unwrap();
    td.rsplit('/').next().unwrap().to_owned()
}

pub(crate) fn newest_deployment(world: &World, app: &str) -> aws_sdk_ecs::types::ServiceDeployment {
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

pub(crate) fn set_deploy(spec: &str, deploy: &str) {
    let text = std::fs::read_to_string(spec).unwrap();
    let base = text.split("\n[service.deploy]").next().unwrap().to_owned();
    std::fs::write(spec, format!("{base}\n[service.deploy]\n{deploy}\n")).unwrap();
}

pub(crate) fn no_op(world: &World, spec: &str, tag: &str) {
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

/// A stack with alarms (the 5XX alarm is a deployment alarm) and
/// `deploy` as its `[service.deploy]`, up with `v1`.
pub(crate) fn stack(world: &World, app: &str, deploy: Option<&str>) -> (String, String) {
    let alarms = "\n[alarms]\nemail = [\"oncall@example.com\"]\n";
    let spec = stack_spec(world, app, alarms);
    if let Some(deploy) = deploy {
        set_deploy(&spec, deploy);
    }
    let repository = format!("{app}/dev/api");
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    push_image(world, &repository, "v1");
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);
    (spec, repository)
}

#[test]
fn blue_green_from_a_live_rolling_service_and_back_refused() {
    let world = World::new();
    let app = "bg";
    let (spec, repository) = stack(&world, app, None);

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
    world.sim.reset_calls();
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);
    // The role is made in the same `up`: ECS refuses it until IAM has
    // propagated it (the emulator: at least the first call after the
    // change), and the update is sent again.
    assert_eq!(world.sim.count("iam", "CreateRole"), 1);
    assert!(
        world.sim.count("ecs", "UpdateService") >= 2,
        "UpdateService sent again once ECS could assume the role"
    );
    no_op(&world, &spec, "v1");

    releases(
        &world,
        &Release {
            app,
            spec: &spec,
            repository: &repository,
            deploy: "strategy = \"blue_green\"\nbake_time = \"1m\"",
            shows: "BAKE_TIME, production traffic 100% on the new revision",
            stopped_elsewhere: false,
        },
    );

    // Back to rolling: refused before anything changes.
    set_deploy(&spec, "strategy = \"rolling\"");
    world.sim.reset_calls();
    let refused = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v4"]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("does not switch back"),
        "{}",
        refused.stderr
    );
    assert_eq!(crate::harness::mutating_calls(&world), 0);
}

#[test]
fn canary_takes_its_share_first_then_the_rest() {
    let world = World::new();
    let app = "cn";
    let deploy =
        "strategy = \"canary\"\ncanary_percent = 20\ncanary_bake_time = \"1m\"\nbake_time = \"1m\"";
    let (spec, repository) = stack(&world, app, Some(deploy));
    // The service is created with the role made just before it: ECS
    // refuses it until IAM has propagated the role (the emulator: at least
    // the first call after the change), and CreateService is sent again.
    assert!(world.sim.count("ecs", "CreateService") >= 2);
    no_op(&world, &spec, "v1");
    releases(
        &world,
        &Release {
            app,
            spec: &spec,
            repository: &repository,
            deploy,
            shows: "production traffic 20% on the new revision",
            stopped_elsewhere: false,
        },
    );
}

#[test]
fn linear_moves_traffic_step_by_step() {
    let world = World::new();
    let app = "ln";
    let deploy = "strategy = \"linear\"\nlinear_step_percent = 50\nlinear_step_bake_time = \"1m\"\nbake_time = \"1m\"";
    let (spec, repository) = stack(&world, app, Some(deploy));
    no_op(&world, &spec, "v1");
    releases(
        &world,
        &Release {
            app,
            spec: &spec,
            repository: &repository,
            deploy,
            shows: "production traffic 50% on the new revision",
            stopped_elsewhere: true,
        },
    );
}

/// A stack on a strategy, and what its releases show on the way.
struct Release<'a> {
    app: &'a str,
    spec: &'a str,
    repository: &'a str,
    /// The `[service.deploy]` the stack is on.
    deploy: &'a str,
    /// What a successful release's progress shows (a stage or a step).
    shows: &'a str,
    /// The deployment left baking is stopped by someone else before
    /// `rollback` runs.
    stopped_elsewhere: bool,
}

/// On a stack serving `v1` (revision 1) with the strategy: `v2` succeeds,
/// `v3` is rolled back by an alarm in the bake, `v4` is left baking by
/// `--wait-until traffic-shifted` and stopped by `rollback`.
fn releases(world: &World, r: &Release) {
    let app = r.app;
    // A release moves all production traffic to the other group, and the
    // old revision's tasks are gone after the bake.
    push_image(world, r.repository, "v2");
    let before = weights(world, app);
    world.sim.reset_calls();
    let released = world.run(&["up", "-f", r.spec, "--yes", "--image-tag", "v2"]);
    released.assert_code(0);
    assert!(
        released.stderr.contains(r.shows),
        "{} in:\n{}",
        r.shows,
        released.stderr
    );
    let moved = weights(world, app);
    assert_ne!(moved, before, "traffic moved to the other group");
    assert_eq!(
        moved.iter().filter(|(_, w)| *w == 100).count(),
        1,
        "all on one group: {moved:?}"
    );
    assert_eq!(serving(world, app), format!("{app}-dev-api:2"));
    let done = newest_deployment(world, app);
    assert_eq!(done.status().unwrap().as_str(), "SUCCESSFUL");
    let target = done.target_service_revision().unwrap();
    assert_eq!(target.running_task_count(), target.requested_task_count());
    assert_eq!(
        done.source_service_revisions()[0].running_task_count(),
        0,
        "the old revision stopped after the bake"
    );
    assert_eq!(world.sim.count("ecs", "StopServiceDeployment"), 0);
    no_op(world, r.spec, "v2");

    // An alarm during the bake rolls it back: `up` names it and what serves.
    push_image(world, r.repository, "v3");
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::AlarmFires,
    });
    let failed = world.run(&["up", "-f", r.spec, "--yes", "--image-tag", "v3"]);
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
    assert_eq!(weights(world, app), moved, "traffic is back where it was");
    assert_eq!(serving(world, app), format!("{app}-dev-api:2"));
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::Completes,
    });
    // The 5XX alarm stays in ALARM: ECS ignores an alarm already firing
    // when a deployment starts, so the next release is not rolled back.
    wait_until_then_stop(world, r);
}

/// `--wait-until traffic-shifted` returns in a long bake (30 ECS minutes
/// of 10 s); `rollback` stops that deployment and ECS moves the traffic
/// back.
fn wait_until_then_stop(world: &World, r: &Release) {
    let app = r.app;
    let long_bake = r
        .deploy
        .replace("bake_time = \"1m\"", "bake_time = \"30m\"");
    // Only the final bake is long: the canary's or a step's stays short.
    let long_bake = long_bake
        .replace("canary_bake_time = \"30m\"", "canary_bake_time = \"0m\"")
        .replace("step_bake_time = \"30m\"", "step_bake_time = \"0m\"");
    set_deploy(r.spec, &long_bake);
    world
        .run(&["up", "-f", r.spec, "--yes", "--image-tag", "v2"])
        .assert_code(0);
    world
        .sim
        .simulate(Lifecycle::EcsMinute(std::time::Duration::from_secs(10)));
    push_image(world, r.repository, "v4");
    let before = weights(world, app);
    let serving_before = serving(world, app);
    world.sim.reset_calls();
    let early = world.run(&[
        "up",
        "-f",
        r.spec,
        "--yes",
        "--image-tag",
        "v4",
        "--wait-until",
        "traffic-shifted",
    ]);
    early.assert_code(0);
    let baking = newest_deployment(world, app);
    assert_eq!(baking.status().unwrap().as_str(), "IN_PROGRESS");
    assert_eq!(baking.lifecycle_stage().unwrap().as_str(), "BAKE_TIME");
    let shifted = weights(world, app);
    assert_ne!(shifted, before, "production traffic moved");
    assert_eq!(
        shifted.iter().filter(|(_, w)| *w == 100).count(),
        1,
        "all of it: {shifted:?}"
    );
    // `status` shows it, with what is left of the bake (real minutes: at
    // most the 30 of the spec, as ECS gives no start time for the stage).
    let status = world.run(&["status", "-f", r.spec, "--output", "json"]);
    let shift = &status.json()["service"]["shift"];
    assert_eq!(shift["stage"], "BAKE_TIME", "{}", status.stdout);
    assert_eq!(shift["traffic_percent"], 100, "{}", status.stdout);
    assert_eq!(
        shift["source"],
        serving_before.as_str(),
        "{}",
        status.stdout
    );
    let left = shift["bake_left_minutes"].as_u64().unwrap();
    assert!((1..=30).contains(&left), "{left}");
    let text = world.run(&["status", "-f", r.spec]);
    assert!(
        text.stdout
            .contains("BAKE_TIME, production traffic 100% on the new revision")
            && text.stdout.contains("m of the bake left"),
        "{}",
        text.stdout
    );
    if r.stopped_elsewhere {
        // Someone stopped it already (the console, another terminal):
        // `rollback` says ECS is rolling it back and changes nothing.
        let ecs = aws_sdk_ecs::Client::new(&world.config);
        world
            .block_on(
                ecs.stop_service_deployment()
                    .service_deployment_arn(baking.service_deployment_arn().unwrap())
                    .stop_type(aws_sdk_ecs::types::StopServiceDeploymentStopType::Rollback)
                    .send(),
            )
            .unwrap();
        world.sim.reset_calls();
        let refused = world.run(&["rollback", "-f", r.spec, "--yes"]);
        refused.assert_code(1);
        assert!(
            refused
                .stderr
                .contains("ECS is already rolling back the deployment of"),
            "{}",
            refused.stderr
        );
        assert_eq!(crate::harness::mutating_calls(world), 0);
    } else {
        let stopped = world.run(&["rollback", "-f", r.spec, "--yes"]);
        stopped.assert_code(0);
        assert!(
            stopped.stderr.contains(&format!("{serving_before} serves")),
            "{}",
            stopped.stderr
        );
        assert_eq!(world.sim.count("ecs", "StopServiceDeployment"), 1);
    }
    assert_eq!(weights(world, app), before, "traffic is back");
    assert_eq!(
        newest_deployment(world, app).status().unwrap().as_str(),
        "ROLLBACK_SUCCESSFUL"
    );
    world
        .sim
        .simulate(Lifecycle::EcsMinute(std::time::Duration::from_millis(20)));
    // As after any rollback, the newest revision (v4's) differs from what
    // serves: `diff` shows it, as `awsdeploy rollback` says.
}

/// awsdeploy's rules at priority 50000 on the listener on `port`.
fn rules_on(world: &World, app: &str, port: i32) -> usize {
    let elb = elb(world);
    let Some(listener) = listeners(world, app)
        .into_iter()
        .find(|l| l.port() == Some(port))
    else {
        return 0;
    };
    let rules = world
        .block_on(
            elb.describe_rules()
                .listener_arn(listener.listener_arn().unwrap())
                .send(),
        )
        .unwrap();
    rules
        .rules()
        .iter()
        .filter(|r| r.priority() == Some("50000"))
        .count()
}

/// A certificate added to a live blue/green stack: 443 forwards, with a
/// new production rule the service moves to; 80 redirects, and the old
/// rule there, which would keep forwarding every path, goes with the next
/// `up` (a rollback of the deployment that let go of it would need it),
/// and not while that deployment has not ended (here, paused).
#[test]
fn a_certificate_added_later_moves_the_production_rule_to_443() {
    let world = World::new();
    let app = "ct";
    let (spec, _) = stack(
        &world,
        app,
        Some(
            "strategy = \"blue_green\"\nbake_time = \"1m\"\npause_at = [\"post_production_traffic_shift\"]\npause_timeout = \"336h\"",
        ),
    );
    assert_eq!(rules_on(&world, app, 80), 1);
    crate::service::create_zone(&world);
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text + &crate::service::dns_section(app)).unwrap();
    let first = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"]);
    first.assert_code(0);
    let warned = format!("awsdeploy's rule on {app}-dev-alb:80 goes with the next `up`");
    assert!(
        first.stdout.contains(&warned) || first.stderr.contains(&warned),
        "{}\n{}",
        first.stdout,
        first.stderr
    );
    assert!(
        first
            .stderr
            .contains("paused at POST_PRODUCTION_TRAFFIC_SHIFT"),
        "{}",
        first.stderr
    );
    assert_eq!(rules_on(&world, app, 443), 1);
    // The deployment that moved the service has not ended: the old rule
    // stays, and nothing else changes either.
    world.sim.reset_calls();
    let early = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"]);
    early.assert_code(1);
    assert!(early.stderr.contains("has not ended"), "{}", early.stderr);
    assert_eq!(crate::harness::mutating_calls(&world), 0);
    world
        .run(&["continue", "-f", &spec, "--yes"])
        .assert_code(0);
    world.sim.reset_calls();
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);
    assert_eq!(world.sim.count("elasticloadbalancing", "DeleteRule"), 1);
    assert_eq!(rules_on(&world, app, 80), 0, "80 only redirects now");
    no_op(&world, &spec, "v1");
}
