//! The network reconciled end to end against the emulator.

use aws_sdk_ec2::types::{Filter, Tag};

use crate::harness::{World, planned};

fn tag_filter(key: &str, value: &str) -> Filter {
    Filter::builder()
        .name(format!("tag:{key}"))
        .values(value)
        .build()
}

/// Ids of the subnets tagged for `app`/`env`, sorted.
fn subnet_ids(world: &World, app: &str, env: &str) -> Vec<String> {
    let out = world
        .block_on(
            world
                .ec2
                .describe_subnets()
                .filters(tag_filter("awsdeploy:app", app))
                .filters(tag_filter("awsdeploy:env", env))
                .send(),
        )
        .unwrap();
    let mut ids: Vec<String> = out
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

fn tag<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.key() == Some(key))
        .and_then(Tag::value)
}

fn subnet_named(world: &World, name: &str) -> aws_sdk_ec2::types::Subnet {
    let request = world
        .ec2
        .describe_subnets()
        .filters(tag_filter("Name", name));
    let out = world.block_on(request.send()).unwrap();
    out.subnets()
        .first()
        .unwrap_or_else(|| panic!("no subnet {name}"))
        .clone()
}

fn table_named(world: &World, name: &str) -> aws_sdk_ec2::types::RouteTable {
    let request = world
        .ec2
        .describe_route_tables()
        .filters(tag_filter("Name", name));
    let out = world.block_on(request.send()).unwrap();
    out.route_tables()
        .first()
        .unwrap_or_else(|| panic!("no route table {name}"))
        .clone()
}

#[test]
fn create_from_nothing_then_a_second_run_changes_nothing() {
    let world = World::new();
    let spec = world.network_spec("fresh", "azs = 2\nnat = \"single\"");
    let spec = spec.to_str().unwrap();

    let diff = world.run(&["diff", "-f", spec, "--detailed-exitcode"]);
    diff.assert_code(2);
    assert!(
        diff.stdout
            .contains("Plan: 21 to add, 0 to change, 0 to replace, 0 to delete."),
        "{}",
        diff.stdout
    );

    let up = world.run(&["up", "-f", spec, "--yes"]);
    up.assert_code(0);
    assert!(up.stderr.contains("[21/21]"), "{}", up.stderr);

    world
        .run(&["diff", "-f", spec, "--detailed-exitcode"])
        .assert_code(0);
    let again = world.run(&["up", "-f", spec, "--yes"]);
    again.assert_code(0);
    assert!(
        again
            .stdout
            .contains("No changes. Live matches the spec (21 resources checked)."),
        "{}",
        again.stdout
    );

    assert_network_shape(&world, "fresh");
}

/// What `up` made is what the issue asks for, and carries the ownership tags.
fn assert_network_shape(world: &World, app: &str) {
    let vpcs = world
        .block_on(
            world
                .ec2
                .describe_vpcs()
                .filters(tag_filter("awsdeploy:app", app))
                .send(),
        )
        .unwrap();
    let [vpc] = vpcs.vpcs() else {
        panic!("one VPC expected: {vpcs:?}")
    };
    assert_eq!(vpc.cidr_block(), Some("10.20.0.0/16"));
    assert_eq!(tag(vpc.tags(), "awsdeploy:env"), Some("dev"));
    assert_eq!(tag(vpc.tags(), "awsdeploy:component"), Some("network"));
    assert_eq!(
        tag(vpc.tags(), "Name"),
        Some(format!("{app}-dev-vpc").as_str())
    );
    let hostnames = world
        .block_on(
            world
                .ec2
                .describe_vpc_attribute()
                .vpc_id(vpc.vpc_id().unwrap())
                .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
                .send(),
        )
        .unwrap();
    assert_eq!(
        hostnames
            .enable_dns_hostnames()
            .and_then(aws_sdk_ec2::types::AttributeBooleanValue::value),
        Some(true)
    );

    let groups = world
        .block_on(
            world
                .ec2
                .describe_security_groups()
                .filters(tag_filter("awsdeploy:app", app))
                .send(),
        )
        .unwrap();
    let by_name = |name: &str| {
        groups
            .security_groups()
            .iter()
            .find(|g| g.group_name() == Some(name))
            .unwrap_or_else(|| panic!("no group {name}"))
    };
    let (lb, service, db) = (
        by_name(&format!("{app}-dev-lb")),
        by_name(&format!("{app}-dev-service")),
        by_name(&format!("{app}-dev-db")),
    );
    let ports = |g: &aws_sdk_ec2::types::SecurityGroup| {
        let mut p: Vec<i32> = g
            .ip_permissions()
            .iter()
            .filter_map(aws_sdk_ec2::types::IpPermission::from_port)
            .collect();
        p.sort_unstable();
        p
    };
    assert_eq!(ports(lb), [80, 443]);
    assert_eq!(ports(service), [8080]);
    assert_eq!(
        service.ip_permissions()[0].user_id_group_pairs()[0].group_id(),
        lb.group_id()
    );
    assert_eq!(ports(db), [3306]);
    assert_eq!(
        db.ip_permissions()[0].user_id_group_pairs()[0].group_id(),
        service.group_id()
    );
    for group in [lb, service, db] {
        assert_eq!(tag(group.tags(), "awsdeploy:component"), Some("network"));
    }
    let nats = world
        .block_on(
            world
                .ec2
                .describe_nat_gateways()
                .filter(tag_filter("awsdeploy:app", app))
                .send(),
        )
        .unwrap();
    assert_eq!(nats.nat_gateways().len(), 1);
}

#[test]
fn up_without_a_terminal_or_yes_refuses_and_changes_nothing() {
    let world = World::new();
    let spec = world.network_spec("careful", "");
    let run = world.run(&["up", "-f", spec.to_str().unwrap()]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("refusing to apply without confirmation"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert!(subnet_ids(&world, "careful", "dev").is_empty());
    let vpcs = world
        .block_on(
            world
                .ec2
                .describe_vpcs()
                .filters(tag_filter("awsdeploy:app", "careful"))
                .send(),
        )
        .unwrap();
    assert!(vpcs.vpcs().is_empty());
}

#[test]
fn one_more_az_plans_exactly_its_subnets_routes_and_associations() {
    let world = World::new();
    let two = world.network_spec("grow", "azs = 2");
    world
        .run(&["up", "-f", two.to_str().unwrap(), "--yes"])
        .assert_code(0);
    let before = subnet_ids(&world, "grow", "dev");

    let three = world.network_spec("grow", "azs = 3");
    let diff = world.run(&[
        "diff",
        "-f",
        three.to_str().unwrap(),
        "--output",
        "json",
        "--detailed-exitcode",
    ]);
    diff.assert_code(2);
    let plan = diff.json();
    assert_eq!(
        planned(&plan, "create"),
        [
            "grow-dev-public-3",
            "grow-dev-private-3",
            "grow-dev-public-3:association",
            "grow-dev-private-3-rt",
            "grow-dev-private-3-rt:0.0.0.0/0",
            "grow-dev-private-3:association",
        ]
    );
    assert!(
        planned(&plan, "update").is_empty() && planned(&plan, "delete").is_empty(),
        "{plan:#}"
    );

    world
        .run(&["up", "-f", three.to_str().unwrap(), "--yes"])
        .assert_code(0);
    world
        .run(&["diff", "-f", three.to_str().unwrap(), "--detailed-exitcode"])
        .assert_code(0);
    let after = subnet_ids(&world, "grow", "dev");
    assert_eq!(after.len(), 6);
    assert!(
        before.iter().all(|id| after.contains(id)),
        "an existing subnet was replaced"
    );
}

#[test]
fn a_subnet_and_a_route_deleted_out_of_band_show_in_diff_and_are_restored() {
    let world = World::new();
    let spec = world.network_spec("drift", "azs = 2");
    let spec = spec.to_str().unwrap();
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);

    // Behind awsdeploy's back: detach and delete a private subnet, and delete
    // another private table's default route.
    let subnet_id = subnet_named(&world, "drift-dev-private-2")
        .subnet_id()
        .unwrap()
        .to_owned();
    let private_2_table = table_named(&world, "drift-dev-private-2-rt");
    for association in private_2_table.associations() {
        let id = association.route_table_association_id().unwrap();
        world
            .block_on(
                world
                    .ec2
                    .disassociate_route_table()
                    .association_id(id)
                    .send(),
            )
            .unwrap();
    }
    world
        .block_on(world.ec2.delete_subnet().subnet_id(&subnet_id).send())
        .unwrap();
    let private_1_table = table_named(&world, "drift-dev-private-1-rt");
    let delete_route = world
        .ec2
        .delete_route()
        .route_table_id(private_1_table.route_table_id().unwrap());
    world
        .block_on(delete_route.destination_cidr_block("0.0.0.0/0").send())
        .unwrap();

    let diff = world.run(&[
        "diff",
        "-f",
        spec,
        "--output",
        "json",
        "--detailed-exitcode",
    ]);
    diff.assert_code(2);
    assert_eq!(
        planned(&diff.json(), "create"),
        [
            "drift-dev-private-2",
            "drift-dev-private-1-rt:0.0.0.0/0",
            "drift-dev-private-2:association"
        ]
    );
    let text = world.run(&["diff", "-f", spec]);
    assert!(
        text.stdout
            .contains("+ subnet           drift-dev-private-2"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("+ route            drift-dev-private-1-rt 0.0.0.0/0"),
        "{}",
        text.stdout
    );

    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    world
        .run(&["diff", "-f", spec, "--detailed-exitcode"])
        .assert_code(0);
    let restored = subnet_named(&world, "drift-dev-private-2");
    assert_ne!(restored.subnet_id(), Some(subnet_id.as_str()));
    assert_eq!(restored.cidr_block(), Some("10.20.144.0/20"));
}

#[test]
fn other_apps_envs_and_untagged_lookalikes_are_never_touched() {
    let world = World::new();
    // A hand-made VPC that borrows our Name but not our ownership tags.
    let lookalike = world
        .block_on(
            world
                .ec2
                .create_vpc()
                .cidr_block("10.20.0.0/16")
                .tag_specifications(
                    aws_sdk_ec2::types::TagSpecification::builder()
                        .resource_type(aws_sdk_ec2::types::ResourceType::Vpc)
                        .tags(Tag::builder().key("Name").value("mine-dev-vpc").build())
                        .build(),
                )
                .send(),
        )
        .unwrap();
    let lookalike_id = lookalike.vpc().unwrap().vpc_id().unwrap().to_owned();

    let mine = world.network_spec("mine", "azs = 2");
    let theirs = world.network_spec("theirs", "azs = 1\nnat = \"none\"");
    world
        .run(&["up", "-f", mine.to_str().unwrap(), "--yes"])
        .assert_code(0);
    let mine_dev = subnet_ids(&world, "mine", "dev");
    assert_eq!(mine_dev.len(), 4);

    // Another env of the same app, and another app, in the same account.
    world
        .run(&["up", "-f", mine.to_str().unwrap(), "-e", "prod", "--yes"])
        .assert_code(0);
    world
        .run(&["up", "-f", theirs.to_str().unwrap(), "--yes"])
        .assert_code(0);

    assert_eq!(
        subnet_ids(&world, "mine", "dev"),
        mine_dev,
        "dev's subnets changed"
    );
    assert_eq!(subnet_ids(&world, "mine", "prod").len(), 4);
    assert_eq!(subnet_ids(&world, "theirs", "dev").len(), 2);
    // Each sees exactly its own: nothing to change, and no one else's
    // resources listed as its orphans (a NAT gateway of dev in prod's plan,
    // say: the regression this guards).
    for (spec, env) in [(&mine, "dev"), (&mine, "prod"), (&theirs, "dev")] {
        let diff = world.run(&[
            "diff",
            "-f",
            spec.to_str().unwrap(),
            "-e",
            env,
            "--output",
            "json",
            "--detailed-exitcode",
        ]);
        diff.assert_code(0);
        assert_eq!(
            diff.json()["plan"]["orphans"],
            serde_json::json!([]),
            "{env}: {}",
            diff.stdout
        );
    }

    // The lookalike is neither adopted nor changed.
    let (vpc, _) = world.block_on(crate::harness::until_visible(|| {
        world.ec2.describe_vpcs().vpc_ids(&lookalike_id).send()
    }));
    let vpc = &vpc.vpcs()[0];
    assert_eq!(tag(vpc.tags(), "awsdeploy:app"), None);
    let subnets = world
        .block_on(
            world
                .ec2
                .describe_subnets()
                .filters(
                    Filter::builder()
                        .name("vpc-id")
                        .values(&lookalike_id)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert!(subnets.subnets().is_empty());
}

#[test]
fn a_saved_plan_is_applied_exactly_even_if_the_spec_moved_on() {
    let world = World::new();
    let two = world.network_spec("saved", "azs = 2");
    let plan_file = world.dir.path().join("plan.json");
    let plan_path = plan_file.to_str().unwrap();
    world
        .run(&["diff", "-f", two.to_str().unwrap(), "--out", plan_path])
        .assert_code(0);
    assert!(plan_file.exists());

    // The spec changes after the plan was saved; the saved plan still rules.
    let three = world.network_spec("saved", "azs = 3");
    let up = world.run(&[
        "up",
        "-f",
        three.to_str().unwrap(),
        "--plan",
        plan_path,
        "--yes",
    ]);
    up.assert_code(0);
    assert!(up.stderr.contains("[21/21]"), "{}", up.stderr);
    assert_eq!(subnet_ids(&world, "saved", "dev").len(), 4);
    world
        .run(&["diff", "-f", two.to_str().unwrap(), "--detailed-exitcode"])
        .assert_code(0);
}

#[test]
fn a_stale_saved_plan_is_refused_and_changes_nothing() {
    let world = World::new();
    let two = world.network_spec("stale", "azs = 2");
    world
        .run(&["up", "-f", two.to_str().unwrap(), "--yes"])
        .assert_code(0);
    let three = world.network_spec("stale", "azs = 3");
    let plan_file = world.dir.path().join("plan.json");
    let plan_path = plan_file.to_str().unwrap();
    world
        .run(&["diff", "-f", three.to_str().unwrap(), "--out", plan_path])
        .assert_code(0);

    // Someone changes the network after the plan was saved.
    let table = table_named(&world, "stale-dev-private-1-rt");
    let delete_route = world
        .ec2
        .delete_route()
        .route_table_id(table.route_table_id().unwrap());
    world
        .block_on(delete_route.destination_cidr_block("0.0.0.0/0").send())
        .unwrap();

    let up = world.run(&["up", "--plan", plan_path, "--yes"]);
    up.assert_code(1);
    assert!(
        up.stderr.contains("what is live changed since the plan"),
        "{}",
        up.stderr
    );
    assert!(up.stderr.contains("diff --out"), "{}", up.stderr);
    assert_eq!(
        subnet_ids(&world, "stale", "dev").len(),
        4,
        "the stale plan was partly applied"
    );
}

#[test]
fn up_with_json_output_streams_events_and_prints_one_document() {
    let world = World::new();
    let spec = world.network_spec("events", "azs = 1\nnat = \"none\"");
    let up = world.run(&[
        "up",
        "-f",
        spec.to_str().unwrap(),
        "--yes",
        "--output",
        "json",
    ]);
    up.assert_code(0);
    let document = up.json();
    assert_eq!(document["result"]["failed"], serde_json::json!([]));
    let changes = document["plan"]["changes"].as_array().unwrap().len();
    assert_eq!(
        document["result"]["done"].as_array().unwrap().len(),
        changes
    );

    let events: Vec<serde_json::Value> = up
        .stderr
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let count = |kind: &str| events.iter().filter(|e| e["event"] == kind).count();
    assert_eq!(count("started"), changes);
    assert_eq!(count("finished"), changes);
    let vpc = events
        .iter()
        .find(|e| e["event"] == "finished" && e["kind"] == "vpc")
        .unwrap();
    assert!(vpc["id"].as_str().unwrap().starts_with("vpc-"), "{vpc}");
}

/// Observation is one Describe per resource type (plus the VPC's two DNS
/// attributes, and the database's instance and subnet group, looked up even
/// without a `[database]` section so a removed section is noticed), whatever
/// the size of the network: a no-op diff of one AZ and of three makes the
/// same calls, each once, and one read of the deploy lock's holder.
#[test]
fn a_no_op_diff_costs_the_same_few_calls_whatever_the_network_size() {
    let world = World::new();
    let expected: Vec<(String, String)> = [
        "DescribeAddresses",
        "DescribeAvailabilityZones",
        "DescribeInternetGateways",
        "DescribeNatGateways",
        "DescribeRouteTables",
        "DescribeSecurityGroups",
        "DescribeSubnets",
        "DescribeVpcAttribute",
        "DescribeVpcs",
    ]
    .iter()
    .map(|op| ("ec2".to_owned(), (*op).to_owned()))
    .chain(
        ["DescribeDBInstances", "DescribeDBSubnetGroups"]
            .iter()
            .map(|op| ("rds".to_owned(), (*op).to_owned())),
    )
    .chain([("dynamodb".to_owned(), "GetItem".to_owned())])
    // The alarms' topic, looked for by name: none, so nothing more.
    .chain([("sns".to_owned(), "ListTopics".to_owned())])
    .collect::<std::collections::BTreeSet<_>>()
    .into_iter()
    .collect();
    for (app, network) in [
        ("small", "azs = 1\nnat = \"none\""),
        ("large", "azs = 3\nnat = \"per-az\""),
    ] {
        let spec = world.network_spec(app, network);
        world
            .run(&["up", "-f", spec.to_str().unwrap(), "--yes"])
            .assert_code(0);
        world.sim.reset_calls();
        world
            .run(&["diff", "-f", spec.to_str().unwrap(), "--detailed-exitcode"])
            .assert_code(0);
        let calls = world.sim.calls();
        assert_eq!(calls.keys().cloned().collect::<Vec<_>>(), expected, "{app}");
        assert_eq!(
            calls[&("ec2".to_owned(), "DescribeVpcAttribute".to_owned())],
            2,
            "{app}"
        );
        assert_eq!(world.sim.total_calls(), 14, "{app}: {calls:?}");
    }
}

#[test]
fn tags_added_by_others_are_left_alone() {
    let world = World::new();
    let spec = world.network_spec("tagged", "azs = 1\nnat = \"none\"");
    world
        .run(&["up", "-f", spec.to_str().unwrap(), "--yes"])
        .assert_code(0);
    let subnet = subnet_named(&world, "tagged-dev-public-1");
    let team = Tag::builder().key("team").value("payments").build();
    let request = world
        .ec2
        .create_tags()
        .resources(subnet.subnet_id().unwrap())
        .tags(team);
    world.block_on(request.send()).unwrap();
    let up = world.run(&["up", "-f", spec.to_str().unwrap(), "--yes"]);
    up.assert_code(0);
    assert!(up.stdout.contains("No changes."), "{}", up.stdout);
    let subnet = subnet_named(&world, "tagged-dev-public-1");
    assert_eq!(tag(subnet.tags(), "team"), Some("payments"));
}

#[test]
fn an_empty_duplicate_left_by_a_lost_answer_is_shown_and_deleted_by_up() {
    let world = World::new();
    let spec = world.network_spec("twice", "azs = 2\nnat = \"single\"");
    let spec = spec.to_str().unwrap();
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    // What an older awsdeploy left after the SDK retried a lost CreateVpc:
    // a second, empty VPC with the same name and owner tags.
    let tags = aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(aws_sdk_ec2::types::ResourceType::Vpc)
        .tags(owner_tag("Name", "twice-dev-vpc"))
        .tags(owner_tag("awsdeploy:app", "twice"))
        .tags(owner_tag("awsdeploy:env", "dev"))
        .tags(owner_tag("awsdeploy:component", "network"))
        .build();
    let extra = world
        .block_on(
            world
                .ec2
                .create_vpc()
                .cidr_block("10.20.0.0/16")
                .tag_specifications(tags)
                .send(),
        )
        .unwrap();
    let extra = extra.vpc().unwrap().vpc_id().unwrap().to_owned();
    let diff = world.run(&["diff", "-f", spec]);
    diff.assert_code(0);
    assert!(
        diff.stdout.contains(&extra) && diff.stdout.contains("is kept"),
        "{}",
        diff.stdout
    );
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    assert_eq!(world.sim.count("ec2", "DeleteVpc"), 1);
    let left = world
        .block_on(world.ec2.describe_vpcs().vpc_ids(&extra).send())
        .map_or(0, |out| out.vpcs().len());
    assert_eq!(left, 0, "the empty duplicate is gone");
    world
        .run(&["diff", "-f", spec, "--detailed-exitcode"])
        .assert_code(0);
}

fn owner_tag(key: &str, value: &str) -> aws_sdk_ec2::types::Tag {
    aws_sdk_ec2::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
}

/// What a wait reports reaches a CI log (stderr to a file) as plain lines:
/// no escape codes, no timestamps, even with `NO_COLOR` unset.
#[test]
fn waits_reach_a_ci_log_as_plain_lines() {
    let world = World::new();
    let spec = world.network_spec("plainlog", "azs = 2\nnat = \"single\"");
    let mut env = world.sim.env();
    env.push(("NO_COLOR", String::new()));
    let run = crate::harness::awsdeploy(
        &env,
        &["up", "-f", spec.to_str().unwrap(), "--yes"],
        world.dir.path(),
    );
    run.assert_code(0);
    assert!(run.stderr.contains("waiting for"), "{}", run.stderr);
    assert!(!run.stderr.contains('\x1b'), "{:?}", run.stderr);
    let waits: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("waiting for"))
        .collect();
    assert!(
        waits.iter().all(|l| l.starts_with("waiting for")),
        "{waits:?}"
    );
}
