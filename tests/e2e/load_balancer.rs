//! The load balancer end to end: the ALB, its target group and a plain
//! HTTP listener without `[dns]` (HTTPS is `service`'s and `certificate`'s
//! story), a changed health check as one in-place update of the target
//! group, and `down` deleting them.

use crate::harness::{World, mutating_calls};

fn spec(world: &World, health: &str) -> String {
    let path = world.network_spec(
        "alb",
        &format!(
            "azs = 2\nnat = \"single\"\n\n[registry]\n\n[service]\ndesired_count = 1\nhealth_check_path = \"{health}\"\n"
        ),
    );
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_health_check_change_is_one_target_group_update_and_down_deletes_it_all() {
    let world = World::new();
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&world.config);
    let first = spec(&world, "/healthz");
    let up = world.run(&["up", "-f", &first, "--yes"]);
    up.assert_code(0);
    let said = format!("{}{}", up.stdout, up.stderr);
    assert!(said.contains("plain HTTP"), "{said}");

    let groups = world
        .block_on(elb.describe_target_groups().names("alb-dev-api").send())
        .unwrap();
    let group = &groups.target_groups()[0];
    assert_eq!(group.health_check_path(), Some("/healthz"));
    assert_eq!(
        group
            .target_type()
            .map(aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::as_str),
        Some("ip")
    );
    let balancers = world
        .block_on(elb.describe_load_balancers().names("alb-dev-alb").send())
        .unwrap();
    let arn = balancers.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let listeners = world
        .block_on(elb.describe_listeners().load_balancer_arn(&arn).send())
        .unwrap();
    let ports: Vec<i32> = listeners
        .listeners()
        .iter()
        .filter_map(aws_sdk_elasticloadbalancingv2::types::Listener::port)
        .collect();
    assert_eq!(ports, [80]);
    world
        .run(&["diff", "-f", &first, "--detailed-exitcode"])
        .assert_code(0);

    let second = spec(&world, "/ready");
    world.sim.reset_calls();
    world.run(&["up", "-f", &second, "--yes"]).assert_code(0);
    assert_eq!(
        world.sim.count("elasticloadbalancing", "ModifyTargetGroup"),
        1
    );
    assert_eq!(
        world.sim.count("elasticloadbalancing", "CreateTargetGroup"),
        0
    );
    assert_eq!(world.sim.count("elasticloadbalancing", "CreateListener"), 0);
    assert!(mutating_calls(&world) <= 2, "{:?}", world.sim.calls());
    let groups = world
        .block_on(elb.describe_target_groups().names("alb-dev-api").send())
        .unwrap();
    assert_eq!(
        groups.target_groups()[0].health_check_path(),
        Some("/ready")
    );
    world
        .run(&["diff", "-f", &second, "--detailed-exitcode"])
        .assert_code(0);

    world
        .run(&["down", "-f", &second, "-e", "dev", "--yes"])
        .assert_code(0);
    let left = world
        .block_on(elb.describe_load_balancers().send())
        .unwrap();
    assert!(left.load_balancers().is_empty());
    let left = world.block_on(elb.describe_target_groups().send()).unwrap();
    assert!(left.target_groups().is_empty());
}
