//! The database component end to end: RDS for `MySQL` in the private
//! subnets, in-place updates, refused replacements, a removed section.

use aws_sdk_ec2::types::Filter;
use awsdeploy_testkit::Lifecycle;

use crate::harness::{World, planned};

/// A spec for `app` with one AZ, no NAT, and a `[database]` section.
fn database_spec(world: &World, app: &str, database: &str) -> std::path::PathBuf {
    world.network_spec(
        app,
        &format!("azs = 2\nnat = \"none\"\n\n[database]\n{database}"),
    )
}

fn instance(world: &World, identifier: &str) -> aws_sdk_rds::types::DbInstance {
    let rds = aws_sdk_rds::Client::new(&world.config);
    let out = world
        .block_on(
            rds.describe_db_instances()
                .db_instance_identifier(identifier)
                .send(),
        )
        .unwrap();
    out.db_instances()[0].clone()
}

fn group_id(world: &World, name: &str) -> String {
    let out = world
        .block_on(
            world
                .ec2
                .describe_security_groups()
                .filters(Filter::builder().name("tag:Name").values(name).build())
                .send(),
        )
        .unwrap();
    out.security_groups()[0].group_id().unwrap().to_owned()
}

#[test]
fn a_database_is_created_private_and_encrypted_and_a_second_up_changes_nothing() {
    let world = World::new();
    world.sim.simulate(Lifecycle::RdsInstance { polls: 1 });
    let spec = database_spec(&world, "shop", "storage_gb = 20\nlog_exports = [\"error\"]");
    let spec = spec.to_str().unwrap();
    let up = world.run(&["up", "-f", spec, "--yes"]);
    up.assert_code(0);
    assert!(
        world.sim.count("rds", "DescribeDBInstances") >= 3,
        "up waited through creating and backing-up"
    );
    assert!(
        up.stderr
            .contains("waiting for database shop-dev-db to be available: backing-up"),
        "the wait shows each state it sees: {}",
        up.stderr
    );

    let db = instance(&world, "shop-dev-db");
    assert_eq!(db.db_instance_status(), Some("available"));
    assert_eq!(db.publicly_accessible(), Some(false));
    assert_eq!(db.storage_encrypted(), Some(true));
    assert_eq!(db.engine(), Some("mysql"));
    assert_eq!(db.enabled_cloudwatch_logs_exports(), ["error"]);
    assert!(
        db.master_user_secret().is_some(),
        "RDS manages the password"
    );
    let db_group = group_id(&world, "shop-dev-db");
    let groups: Vec<&str> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id())
        .collect();
    assert_eq!(groups, [db_group.as_str()]);
    let subnet_group = db.db_subnet_group().unwrap();
    let private = world.block_on(
        world
            .ec2
            .describe_subnets()
            .filters(
                Filter::builder()
                    .name("tag:Name")
                    .values("shop-dev-private-1")
                    .values("shop-dev-private-2")
                    .build(),
            )
            .send(),
    );
    let mut private_ids: Vec<String> = private
        .unwrap()
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_owned))
        .collect();
    private_ids.sort();
    let mut in_group: Vec<String> = subnet_group
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_identifier().map(str::to_owned))
        .collect();
    in_group.sort();
    assert_eq!(private_ids.len(), 2, "one private subnet per AZ");
    assert_eq!(in_group, private_ids, "private subnets only");

    // The database group admits MySQL from the service group only.
    let groups = world
        .block_on(
            world
                .ec2
                .describe_security_groups()
                .group_ids(&db_group)
                .send(),
        )
        .unwrap();
    let permissions = groups.security_groups()[0].ip_permissions();
    assert_eq!(permissions.len(), 1);
    assert_eq!(permissions[0].from_port(), Some(3306));
    assert!(permissions[0].ip_ranges().is_empty());
    assert_eq!(
        permissions[0].user_id_group_pairs()[0].group_id(),
        Some(group_id(&world, "shop-dev-service").as_str())
    );

    let again = world.run(&["diff", "-f", spec, "--detailed-exitcode"]);
    again.assert_code(0);
}

#[test]
fn a_storage_increase_is_an_in_place_update_that_applies_now() {
    let world = World::new();
    let spec = database_spec(&world, "grow", "storage_gb = 20");
    world
        .run(&["up", "-f", spec.to_str().unwrap(), "--yes"])
        .assert_code(0);
    let bigger = database_spec(
        &world,
        "grow",
        "storage_gb = 30\ninstance_class = \"db.t4g.small\"",
    );
    let bigger = bigger.to_str().unwrap();
    let diff = world.run(&["diff", "-f", bigger, "--output", "json"]);
    diff.assert_code(0);
    let plan = diff.json();
    assert_eq!(planned(&plan, "update"), ["db-instance/grow-dev-db"]);
    let text = world.run(&["diff", "-f", bigger]);
    assert!(
        text.stdout.contains("storage_gb: 20 → 30 (applies now)"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("instance_class: db.t4g.micro → db.t4g.small (at the next maintenance window; reboots the instance)"),
        "{}",
        text.stdout
    );
    world.run(&["up", "-f", bigger, "--yes"]).assert_code(0);
    assert_eq!(
        instance(&world, "grow-dev-db").allocated_storage(),
        Some(30)
    );

    // Shrinking is refused before anything changes.
    let smaller = database_spec(
        &world,
        "grow",
        "storage_gb = 25\ninstance_class = \"db.t4g.small\"",
    );
    let refused = world.run(&["up", "-f", smaller.to_str().unwrap(), "--yes"]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("storage cannot shrink"),
        "{}",
        refused.stderr
    );
}

#[test]
fn an_unencrypted_instance_is_a_replacement_that_up_refuses() {
    let world = World::new();
    let spec = world.network_spec("plain", "azs = 1\nnat = \"none\"");
    world
        .run(&["up", "-f", spec.to_str().unwrap(), "--yes"])
        .assert_code(0);
    // An instance made by hand earlier, tagged as this stack's, unencrypted.
    let rds = aws_sdk_rds::Client::new(&world.config);
    let tag = |k: &str, v: &str| aws_sdk_rds::types::Tag::builder().key(k).value(v).build();
    world
        .block_on(
            rds.create_db_instance()
                .db_instance_identifier("plain-dev-db")
                .engine("mysql")
                .db_instance_class("db.t4g.micro")
                .allocated_storage(20)
                .master_username("awsdeploy")
                .manage_master_user_password(true)
                .storage_encrypted(false)
                .tags(tag("awsdeploy:app", "plain"))
                .tags(tag("awsdeploy:env", "dev"))
                .send(),
        )
        .unwrap();
    let with_db = database_spec(&world, "plain", "");
    let with_db = with_db.to_str().unwrap();
    let up = world.run(&["up", "-f", with_db, "--yes"]);
    up.assert_code(1);
    assert!(
        up.stderr.contains("replace db instance plain-dev-db"),
        "{}",
        up.stderr
    );
    assert!(up.stderr.contains("--allow-replace"), "{}", up.stderr);
    let diff = world.run(&["diff", "-f", with_db]);
    assert!(
        diff.stdout
            .contains("storage_encrypted: false → true (forces replacement)"),
        "{}",
        diff.stdout
    );
    assert_eq!(world.sim.count("rds", "DeleteDBInstance"), 0);
    assert_eq!(
        instance(&world, "plain-dev-db").storage_encrypted(),
        Some(false)
    );
}

#[test]
fn removing_the_database_section_keeps_the_instance_and_says_so() {
    let world = World::new();
    let spec = database_spec(&world, "keep", "");
    world
        .run(&["up", "-f", spec.to_str().unwrap(), "--yes"])
        .assert_code(0);
    let without = world.network_spec("keep", "azs = 2\nnat = \"none\"");
    let without = without.to_str().unwrap();
    let diff = world.run(&["diff", "-f", without, "--detailed-exitcode"]);
    diff.assert_code(0);
    assert!(
        diff.stdout
            .lines()
            .any(|l| l.contains("db instance") && l.contains("keep-dev-db  holds data")),
        "{}",
        diff.stdout
    );
    assert!(diff.stdout.contains("kept"), "{}", diff.stdout);
    world.run(&["up", "-f", without, "--yes"]).assert_code(0);
    assert_eq!(
        instance(&world, "keep-dev-db").db_instance_status(),
        Some("available")
    );
    assert_eq!(world.sim.count("rds", "DeleteDBInstance"), 0);
}

#[test]
fn no_secret_value_appears_in_any_output() {
    let world = World::new();
    let spec = database_spec(&world, "quiet", "");
    let spec = spec.to_str().unwrap();
    let up = world.run(&["up", "-f", spec, "--yes", "--output", "json"]);
    up.assert_code(0);
    let diff = world.run(&["diff", "-f", spec, "--output", "json"]);
    // The master secret's value, as the emulator holds it.
    let arn = instance(&world, "quiet-dev-db")
        .master_user_secret()
        .and_then(|s| s.secret_arn())
        .unwrap()
        .to_owned();
    let secrets = secret_values(&world, &arn);
    assert!(
        secrets.len() >= 2,
        "the secret holds a password: {}",
        secrets.len()
    );
    for output in [&up.stdout, &up.stderr, &diff.stdout, &diff.stderr] {
        for value in &secrets {
            assert!(
                !output.contains(value.as_str()),
                "a secret value was printed"
            );
        }
    }
}

/// The value of the secret `arn` and, when it is JSON, each of its fields.
fn secret_values(world: &World, arn: &str) -> Vec<String> {
    let secrets = aws_sdk_secretsmanager::Client::new(&world.config);
    let out = world
        .block_on(secrets.get_secret_value().secret_id(arn).send())
        .unwrap();
    let text = out.secret_string().unwrap().to_owned();
    let mut values = vec![text.clone()];
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(&text) {
        values.extend(
            fields
                .values()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .filter(|v| v.len() >= 8),
        );
    }
    values
}
