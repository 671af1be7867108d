//! `awsdeploy down`: everything awsdeploy made for an env deleted in order,
//! data only with `--delete-data` (a final snapshot kept), the app's other
//! env untouched, and an interrupted `down` finished by the next.

use std::time::Duration;

use crate::harness::{World, deploy_every_component, mutating_calls};

/// Every change of a plan of `spec` (as JSON), and its orphans.
fn plan(world: &World, spec: &str, env: &str) -> (Vec<String>, usize) {
    let diff = world.run(&["diff", "-f", spec, "-e", env, "--output", "json"]);
    diff.assert_code(0);
    let plan = &diff.json()["plan"];
    let actions = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap().to_owned())
        .collect();
    (actions, plan["orphans"].as_array().unwrap().len())
}

#[test]
fn down_deletes_everything_keeps_a_final_snapshot_and_leaves_the_other_env() {
    let world = World::new();
    let spec = deploy_every_component(&world, "gone");
    let other = world.network_spec("gone", "azs = 2\nnat = \"none\"");
    let other = other.to_str().unwrap();
    world
        .run(&["up", "-f", other, "-e", "other", "--yes"])
        .assert_code(0);

    // In CI the env is named; data goes only when asked.
    let unnamed = world.run(&["down", "-f", &spec, "--yes", "--delete-data"]);
    unnamed.assert_code(1);
    assert!(
        unnamed.stderr.contains("name it with -e"),
        "{}",
        unnamed.stderr
    );
    world.sim.reset_calls();
    let kept = world.run(&["down", "-f", &spec, "-e", "dev", "--yes"]);
    kept.assert_code(1);
    assert!(
        kept.stderr.contains("gone-dev-db") && kept.stderr.contains("--delete-data"),
        "{}",
        kept.stderr
    );
    assert_eq!(mutating_calls(&world), 0, "{:?}", world.sim.calls());

    let down = world.run(&["down", "-f", &spec, "-e", "dev", "--yes", "--delete-data"]);
    down.assert_code(0);
    assert!(down.stderr.contains("gone-dev is gone"), "{}", down.stderr);
    assert!(
        down.stderr.contains("final snapshot gone-dev-db-final-"),
        "the snapshot is named: {}",
        down.stderr
    );
    let (actions, orphans) = plan(&world, &spec, "dev");
    assert!(
        actions.iter().all(|a| a == "create"),
        "everything is to be made again: {actions:?}"
    );
    assert_eq!(orphans, 0);
    assert_eq!(
        world.sim.count("dynamodb", "DeleteTable"),
        1,
        "the lock's table too"
    );
    let rds = aws_sdk_rds::Client::new(&world.config);
    let snapshots = world
        .block_on(
            rds.describe_db_snapshots()
                .db_instance_identifier("gone-dev-db")
                .send(),
        )
        .unwrap();
    assert!(
        snapshots.db_snapshots().iter().any(|s| s
            .db_snapshot_identifier()
            .unwrap_or_default()
            .starts_with("gone-dev-db-final-")),
        "{snapshots:?}"
    );
    // The app's other environment is as it was.
    world
        .run(&["diff", "-f", other, "-e", "other", "--detailed-exitcode"])
        .assert_code(0);
    // A second `down` finds nothing to do.
    world
        .run(&["down", "-f", &spec, "-e", "dev", "--yes", "--delete-data"])
        .assert_code(0);
}

#[test]
fn a_down_killed_half_way_is_finished_by_the_next() {
    let world = World::new();
    let spec = world.network_spec("halfgone", "azs = 2\nnat = \"single\"");
    let spec = spec.to_str().unwrap();
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    world.sim.set_latency(Duration::from_millis(150));
    let lease = [("AWSDEPLOY_LOCK_LEASE_SECS", "2".to_owned())];
    let (mut first, _) = world.start(
        &["down", "-f", spec, "-e", "dev", "--yes"],
        &lease,
        "deleted",
    );
    first.kill().unwrap();
    first.wait().unwrap();
    world.sim.set_latency(Duration::ZERO);
    // The killed run's lock is taken over once it has stayed unrenewed for
    // a lease on this run's clock.
    world
        .run_with(
            &[
                "down",
                "-f",
                spec,
                "-e",
                "dev",
                "--yes",
                "--lock-timeout",
                "30s",
            ],
            &lease,
        )
        .assert_code(0);
    let (actions, orphans) = plan(&world, spec, "dev");
    assert!(actions.iter().all(|a| a == "create"), "{actions:?}");
    assert_eq!(orphans, 0);
}

/// `down` deletes what every section made, the sections gone from the
/// spec: with only `[app]` left, nothing of the env remains (the full
/// spec's plan is all creates, no orphans), the permissions boundary and
/// the pipeline's roles included.
#[test]
fn down_with_every_section_removed_leaves_nothing_of_the_env() {
    let world = World::new();
    let zone = crate::harness::create_zone(&world, "example.com");
    let spec = crate::harness::every_component(&world, "bare");
    let full = std::fs::read_to_string(&spec).unwrap()
        + "\n[alarms]\nemail = [\"oncall@example.com\"]\n\n[pipeline]\nrepository = \"acme/bare\"\ngithub_oidc = true\nawsdeploy_git = \"https://github.com/acme/awsdeploy\"\nawsdeploy_rev = \"4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c\"\n";
    std::fs::write(&spec, full).unwrap();
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    let bare = world.spec(
        "bare-app-only.toml",
        "[app]\nname = \"bare\"\nregion = \"ap-northeast-1\"\n",
    );
    world
        .run(&[
            "down",
            "-f",
            bare.to_str().unwrap(),
            "-e",
            "dev",
            "--yes",
            "--delete-data",
        ])
        .assert_code(0);
    let (actions, orphans) = plan(&world, &spec, "dev");
    assert!(
        actions.iter().all(|a| a == "create"),
        "everything is to be made again: {actions:?}"
    );
    assert_eq!(orphans, 0);
    let iam = aws_sdk_iam::Client::new(&world.config);
    let roles = world.block_on(iam.list_roles().send()).unwrap();
    let left: Vec<&str> = roles
        .roles()
        .iter()
        .map(aws_sdk_iam::types::Role::role_name)
        .filter(|n| n.starts_with("bare-dev-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let policies = world
        .block_on(
            iam.list_policies()
                .scope(aws_sdk_iam::types::PolicyScopeType::Local)
                .send(),
        )
        .unwrap();
    assert!(
        !policies
            .policies()
            .iter()
            .any(|p| p.policy_name() == Some("bare-dev-boundary")),
        "the boundary is deleted"
    );
    // The zone is the team's: what awsdeploy wrote there is gone.
    let route53 = aws_sdk_route53::Client::new(&world.config);
    let records = world
        .block_on(
            route53
                .list_resource_record_sets()
                .hosted_zone_id(&zone)
                .send(),
        )
        .unwrap();
    let left: Vec<String> = records
        .resource_record_sets()
        .iter()
        .filter(|r| {
            !matches!(
                r.r#type(),
                aws_sdk_route53::types::RrType::Soa | aws_sdk_route53::types::RrType::Ns
            )
        })
        .map(|r| format!("{} {}", r.r#type().as_str(), r.name()))
        .collect();
    assert!(left.is_empty(), "records left in the zone: {left:?}");
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    let apps = world.block_on(amplify.list_apps().send()).unwrap();
    assert!(apps.apps().is_empty(), "{:?}", apps.apps());
    let acm = aws_sdk_acm::Client::new(&world.config);
    let certificates = world.block_on(acm.list_certificates().send()).unwrap();
    assert!(
        certificates.certificate_summary_list().is_empty(),
        "{:?}",
        certificates.certificate_summary_list()
    );
}

/// A stopped dev database cannot be modified, so its deletion protection
/// cannot be turned off: `down --delete-data` starts it first.
#[test]
fn down_deletes_a_stopped_database() {
    let world = World::new();
    let spec = world.network_spec("asleep", "azs = 2\nnat = \"none\"\n\n[database]\n");
    let spec = spec.to_str().unwrap();
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    let rds = aws_sdk_rds::Client::new(&world.config);
    world
        .block_on(
            rds.stop_db_instance()
                .db_instance_identifier("asleep-dev-db")
                .send(),
        )
        .unwrap();
    let down = world.run(&["down", "-f", spec, "-e", "dev", "--yes", "--delete-data"]);
    down.assert_code(0);
    assert!(
        down.stderr.contains("is stopped; starting it"),
        "{}",
        down.stderr
    );
    let left = world.block_on(rds.describe_db_instances().send()).unwrap();
    assert!(left.db_instances().is_empty(), "{:?}", left.db_instances());
}
