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

    // Killed again, the lock ends with its lease: a waiter takes it over
    // once it has seen it unrenewed for a lease.
    let (mut holder, _) = world.start(&["up", "-f", &spec, "--yes"], &lease, "Observing");
    holder.kill().unwrap();
    holder.wait().unwrap();
    world
        .run_with(
            &["up", "-f", &spec, "--yes", "--lock-timeout", "30s"],
            &lease,
        )
        .assert_code(0);
}

/// The lock item of `app`'s env `dev` as a holder on another machine
/// writes it: `id`, expiring at `expires_at` by that machine's clock.
fn put_lock(world: &World, app: &str, id: &str, expires_at: u64) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let dynamodb = aws_sdk_dynamodb::Client::new(&world.config);
    let text = |v: &str| AttributeValue::S(v.to_owned());
    world
        .block_on(
            dynamodb
                .put_item()
                .table_name(format!("{app}-dev-lock"))
                .item("lock", text("deploy"))
                .item("id", text(id))
                .item("who", text("arn:aws:iam::123456789012:role/ci"))
                .item("host", text("runner-7"))
                .item("command", text("up"))
                .item(
                    "started_at",
                    AttributeValue::N((expires_at - 100).to_string()),
                )
                .item("expires_at", AttributeValue::N(expires_at.to_string()))
                .send(),
        )
        .unwrap();
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Clocks of different machines disagree: a lock a live holder keeps
/// renewing is never taken, however expired its `expires_at` looks to the
/// waiter's clock; one left unrenewed for a lease is; one expired longer
/// ago than clocks that reach AWS can disagree is taken at once.
#[test]
fn a_renewed_lock_is_never_taken_whatever_the_clocks_say() {
    let world = World::new();
    let spec = world.network_spec("skew", "azs = 2\nnat = \"single\"\n");
    let spec = spec.to_str().unwrap();
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    // A lease far longer than the renewals' gaps, so that a loaded machine
    // never leaves the item unchanged for a whole lease by accident.
    let lease = [("AWSDEPLOY_LOCK_LEASE_SECS", "6".to_owned())];
    // A holder whose clock is two minutes slow, renewing every 200 ms.
    let renewing = std::sync::atomic::AtomicBool::new(true);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut tick = 0;
            while renewing.load(std::sync::atomic::Ordering::SeqCst) {
                put_lock(&world, "skew", "5f0c2a9e41b7", now_secs() - 120 + tick);
                tick += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        std::thread::sleep(Duration::from_millis(300));
        let refused = world.run_with(
            &["up", "-f", spec, "--yes", "--lock-timeout", "10s"],
            &lease,
        );
        renewing.store(false, std::sync::atomic::Ordering::SeqCst);
        refused.assert_code(1);
        assert!(
            refused.stderr.contains("5f0c2a9e41b7"),
            "{}",
            refused.stderr
        );
    });
    // The holder stopped renewing: taken over after a lease.
    world
        .run_with(
            &["up", "-f", spec, "--yes", "--lock-timeout", "30s"],
            &lease,
        )
        .assert_code(0);
    // Dead for an hour: taken at once.
    put_lock(&world, "skew", "0123456789ab", now_secs() - 3600);
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
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

/// `app.allowed_account_ids`: credentials of another account change
/// nothing, and the error says which account they are and what to do.
#[test]
fn an_env_refuses_credentials_of_an_account_it_does_not_allow() {
    let world = World::new();
    let guarded = world.spec(
        "guarded.toml",
        "[app]\nname = \"guard\"\nregion = \"ap-northeast-1\"\nallowed_account_ids = [\"111122223333\"]\n\n[network]\nazs = 2\nnat = \"none\"\n",
    );
    world.sim.reset_calls();
    let refused = world.run(&["up", "-f", guarded.to_str().unwrap(), "--yes"]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("AWS account 123456789012")
            && refused.stderr.contains("111122223333")
            && refused.stderr.contains("nothing was changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        crate::harness::mutating_calls(&world),
        0,
        "{:?}",
        world.sim.calls()
    );
    assert_eq!(vpcs(&world, "guard"), 0);
    let allowed = world.spec(
        "allowed.toml",
        "[app]\nname = \"guard\"\nregion = \"ap-northeast-1\"\nallowed_account_ids = [\"123456789012\"]\n\n[network]\nazs = 2\nnat = \"none\"\n",
    );
    world
        .run(&["up", "-f", allowed.to_str().unwrap(), "--yes"])
        .assert_code(0);
}
