//! The deploy lock: two runs of one environment never change it at once,
//! a dead holder's lock expires or is broken by its id, and a no-op `up`
//! pays two calls for it.

use std::time::Duration;

use crate::harness::World;

/// A network-only stack, slow enough (200 ms per AWS call) that a second
/// run starts while the first one holds the lock.
fn slow_world(app: &str) -> (World, String) {
    let world = World::new();
    world.sim.set_latency(Duration::from_millis(200));
    let spec = world.network_spec(app, "azs = 2\nnat = \"single\"\n");
    (world, spec.to_str().unwrap().to_owned())
}

fn vpcs(world: &World, app: &str) -> usize {
    world.block_on(async {
        world
            .ec2
            .describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("tag:awsdeploy:app")
                    .values(app)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .vpcs()
            .len()
    })
}

/// The lock id a refused run printed.
fn lock_id(stderr: &str) -> String {
    let at = stderr.find("lock id ").expect("the holder's lock id") + "lock id ".len();
    stderr[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

#[test]
fn of_two_concurrent_ups_one_applies_and_the_other_names_the_holder_or_waits() {
    let (world, spec) = slow_world("locka");
    let (first, _) = world.start(&["up", "-f", &spec, "--yes"], &[], "Observing");
    // The first holds the lock while it observes and applies.
    let second = world.run(&["up", "-f", &spec, "--yes"]);
    second.assert_code(1);
    assert!(
        second.stderr.contains("the dev environment is locked by")
            && second.stderr.contains("`awsdeploy up`")
            && second.stderr.contains("awsdeploy unlock "),
        "{}",
        second.stderr
    );
    assert!(!lock_id(&second.stderr).is_empty(), "{}", second.stderr);
    // A third waits for it, then finds nothing to do.
    let third = world.run(&["up", "-f", &spec, "--yes", "--lock-timeout", "5m"]);
    third.assert_code(0);
    assert!(
        third
            .stderr
            .contains("Waiting up to 300s for the deploy lock"),
        "{}",
        third.stderr
    );
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(vpcs(&world, "locka"), 1, "one of each resource");
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);
}

#[test]
fn a_killed_holders_lock_is_broken_by_its_id_only_and_otherwise_expires() {
    let (world, spec) = slow_world("lockb");
    let lease = [("AWSDEPLOY_LOCK_LEASE_SECS", "3".to_owned())];
    let (mut holder, _) = world.start(&["up", "-f", &spec, "--yes"], &lease, "Observing");
    holder.kill().unwrap(); // SIGKILL: no chance to give the lock back
    holder.wait().unwrap();
    let refused = world.run(&["up", "-f", &spec, "--yes"]);
    refused.assert_code(1);
    let id = lock_id(&refused.stderr);
    let wrong = world.run(&["unlock", "0123456789ab", "-f", &spec, "--yes"]);
    wrong.assert_code(1);
    assert!(
        wrong.stderr.contains("no deploy lock 0123456789ab is held"),
        "{}",
        wrong.stderr
    );
    world.run(&["unlock", &id, "-f", &spec]).assert_code(1); // no terminal to ask on, no --yes
    let broken = world.run(&["unlock", &id, "-f", &spec, "--yes"]);
    broken.assert_code(0);
    assert!(
        broken.stderr.contains("Broke the deploy lock"),
        "{}",
        broken.stderr
    );
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);

    // Killed again, the lock ends with its lease.
    let (mut holder, _) = world.start(&["up", "-f", &spec, "--yes"], &lease, "Observing");
    holder.kill().unwrap();
    holder.wait().unwrap();
    std::thread::sleep(Duration::from_secs(4));
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
}

#[test]
fn a_no_op_up_pays_two_calls_for_the_lock_and_diff_shows_no_holder() {
    let world = World::new();
    let spec = world.network_spec("lockc", "azs = 2\nnat = \"none\"\n");
    let spec = spec.to_str().unwrap();
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    assert_eq!(
        world.sim.count("dynamodb", "CreateTable"),
        1,
        "made on first use"
    );
    world.sim.reset_calls();
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    let dynamodb: usize = world
        .sim
        .calls()
        .iter()
        .filter(|((service, _), _)| service == "dynamodb")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(dynamodb, 2, "{:?}", world.sim.calls());
    assert_eq!(world.sim.count("dynamodb", "PutItem"), 1);
    assert_eq!(world.sim.count("dynamodb", "DeleteItem"), 1);
    let diff = world.run(&["diff", "-f", spec]);
    diff.assert_code(0);
    assert!(!diff.stderr.contains("locked by"), "{}", diff.stderr);
}
