//! The monthly cost in plans: a new env's full figure, a change's
//! difference on its own line, the same total and `+$0.00` when nothing
//! changes, `--no-cost`, and `awsdeploy cost` offline. Figures are worked
//! from the Tokyo table (`crates/plan/prices/ap-northeast-1.json`).

use crate::harness::{World, push_image};

/// A spec for `app`: one NAT gateway, a registry, and `tasks` tasks of the
/// default size running image `v1`; `extra` more `[service]` keys.
fn stack(world: &World, app: &str, tasks: u32, extra: &str) -> String {
    let path = world.network_spec(
        app,
        &format!(
            "azs = 2\nnat = \"single\"\n\n[registry]\n\n[service]\nimage_tag = \"v1\"\ndesired_count = {tasks}\n{extra}\n"
        ),
    );
    path.to_str().unwrap().to_owned()
}

/// The plan's `cost` field as JSON.
fn cost(world: &World, spec: &str) -> serde_json::Value {
    let run = world.run(&["diff", "-f", spec, "--output", "json"]);
    run.assert_code(0);
    run.json()["plan"]["cost"].clone()
}

fn cents(value: &serde_json::Value) -> i64 {
    value["cents"].as_i64().unwrap()
}

#[test]
fn a_plan_prices_a_new_env_a_change_and_no_change() {
    let world = World::new();
    let app = "cost";
    let spec = stack(&world, app, 2, "");

    // A new env: the NAT gateway and its address (45.26 + 3.65), the
    // load balancer and its two addresses (17.74 + 7.30); the service
    // waits for its first image, so its tasks are not in this plan.
    let fresh = cost(&world, &spec);
    assert_eq!(cents(&fresh["before"]), 0);
    assert_eq!(cents(&fresh["after"]), 7395);
    assert_eq!(cents(&fresh["difference"]), 7395);
    assert_eq!(fresh["version"], 1);
    let text = world.run(&["diff", "-f", &spec]);
    assert!(
        text.stdout
            .contains("nat gateway      cost-dev-nat-1  +$45.26/mo"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("Cost: $0.00/mo → $73.95/mo (+$73.95/mo), usage extra\n  not in this plan yet: ecs service api +$22.49/mo"),
        "{}",
        text.stdout
    );
    assert_eq!(cents(&fresh["later"][0]["after"]), 2249);

    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    push_image(&world, &format!("{app}/dev/api"), "v1");
    let up = world.run(&["up", "-f", &spec, "--yes"]);
    up.assert_code(0);
    // The plan `up` showed priced the two tasks it starts: 0.5 vCPU × 730
    // × 0.05056 and 1 GB × 730 × 0.00553.
    assert!(
        up.stdout.contains("ecs service      api  +$22.49/mo"),
        "{}",
        up.stdout
    );

    // Nothing to change: what is live, priced from what is live.
    let none = world.run(&["diff", "-f", &spec, "--detailed-exitcode"]);
    none.assert_code(0);
    assert!(
        none.stdout
            .contains("Cost: $96.44/mo → $96.44/mo (+$0.00/mo), usage extra"),
        "{}",
        none.stdout
    );

    // A third task: 0.75 × 730 × 0.05056 = 27.68, 1.5 × 730 × 0.00553 =
    // 6.06; 11.25 more than two.
    let three = stack(&world, app, 3, "");
    let plan = world.run(&["diff", "-f", &three]);
    plan.assert_code(0);
    assert!(
        plan.stdout.contains("service/cost-dev/api)  +$11.25/mo"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Cost: $96.44/mo → $107.69/mo (+$11.25/mo), usage extra"),
        "{}",
        plan.stdout
    );
    let json = cost(&world, &three);
    assert_eq!(cents(&json["difference"]), 1125);
    let tasks = json["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "ecs_service")
        .unwrap();
    assert_eq!(
        (cents(&tasks["before"]), cents(&tasks["after"])),
        (2249, 3374)
    );

    // Asked not to: no line, no field.
    let quiet = world.run(&["diff", "-f", &three, "--no-cost", "--output", "json"]);
    quiet.assert_code(0);
    assert!(quiet.json()["plan"].get("cost").is_none());
    let quiet = world.run(&["diff", "-f", &three, "--no-cost"]);
    assert!(!quiet.stdout.contains("Cost:"), "{}", quiet.stdout);
    assert!(!quiet.stdout.contains("/mo"), "{}", quiet.stdout);
}

#[test]
fn graviton_tasks_cost_less_and_run_as_arm64() {
    let world = World::new();
    let app = "arm";
    let spec = stack(&world, app, 2, "");
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    push_image(&world, &format!("{app}/dev/api"), "v1");
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);

    // ARM: 0.5 × 730 × 0.04045 = 14.76 and 1 × 730 × 0.00442 = 3.23,
    // 4.50 less than x86's 22.49.
    let arm = stack(&world, app, 2, "cpu_architecture = \"arm64\"");
    let plan = world.run(&["diff", "-f", &arm]);
    plan.assert_code(0);
    assert!(
        plan.stdout.contains("cpu_architecture: X86_64 → ARM64"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Cost: $96.44/mo → $91.94/mo (-$4.50/mo), usage extra"),
        "{}",
        plan.stdout
    );
    world.run(&["up", "-f", &arm, "--yes"]).assert_code(0);
    let ecs = aws_sdk_ecs::Client::new(&world.config);
    let definition = world
        .block_on(
            ecs.describe_task_definition()
                .task_definition(format!("{app}-dev-api"))
                .send(),
        )
        .unwrap();
    let platform = definition
        .task_definition()
        .unwrap()
        .runtime_platform()
        .unwrap();
    assert_eq!(
        platform
            .cpu_architecture()
            .map(aws_sdk_ecs::types::CpuArchitecture::as_str),
        Some("ARM64")
    );
    let none = world.run(&["diff", "-f", &arm, "--detailed-exitcode"]);
    none.assert_code(0);
    assert!(
        none.stdout
            .contains("Cost: $91.94/mo → $91.94/mo (+$0.00/mo)"),
        "{}",
        none.stdout
    );
}

#[test]
fn a_database_class_change_is_priced_and_cost_works_offline() {
    let world = World::new();
    let spec = world.network_spec("dbcost", "azs = 2\nnat = \"none\"\n\n[database]\n");
    let spec = spec.to_str().unwrap();
    // db.t4g.micro 730 × 0.025, 20 GB × 0.138, the master secret 0.40.
    let offline = world.run(&["cost", "-f", spec, "--output", "json"]);
    offline.assert_code(0);
    assert_eq!(cents(&offline.json()["cost"]["after"]), 2141);
    assert_eq!(
        world.sim.calls().values().sum::<usize>(),
        0,
        "cost makes no AWS call"
    );
    let text = world.run(&["cost", "-f", spec]);
    assert!(text.stdout.contains("Total: $21.41/mo"), "{}", text.stdout);
    // A new env's plan: the same figure.
    let fresh = cost(&world, spec);
    assert_eq!((cents(&fresh["before"]), cents(&fresh["after"])), (0, 2141));

    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    let bigger = world.network_spec(
        "dbcost",
        "azs = 2\nnat = \"none\"\n\n[database]\ninstance_class = \"db.t3.micro\"\n",
    );
    let plan = world.run(&["diff", "-f", bigger.to_str().unwrap()]);
    plan.assert_code(0);
    // db.t3.micro: 730 × 0.026 = 18.98, 0.73 more.
    assert!(
        plan.stdout
            .contains("db instance      dbcost-dev-db (dbcost-dev-db)  +$0.73/mo"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Cost: $21.41/mo → $22.14/mo (+$0.73/mo)"),
        "{}",
        plan.stdout
    );

    // A region without prices: said, with the refresh command, and the
    // plan is still made.
    let paris = world.spec(
        "paris.toml",
        "[app]\nname = \"paris\"\nregion = \"eu-west-3\"\n[network]\nnat = \"none\"\n",
    );
    let plan = world.run(&["diff", "-f", paris.to_str().unwrap()]);
    plan.assert_code(0);
    assert!(
        plan.stdout
            .contains("Cost: not estimated: awsdeploy has no prices for eu-west-3"),
        "{}",
        plan.stdout
    );
    let offline = world.run(&["cost", "-f", paris.to_str().unwrap()]);
    offline.assert_code(1);
    assert!(
        offline.stderr.contains("no prices for eu-west-3"),
        "{}",
        offline.stderr
    );
    assert!(
        offline.stderr.contains("scripts/refresh-prices eu-west-3"),
        "{}",
        offline.stderr
    );
}
