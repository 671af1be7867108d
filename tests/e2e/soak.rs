//! A fault soak: the example stack's everyday `up` (its image, so the
//! migration and the web release run too) again and again while every
//! service throttles, fails with 5xx, resets connections and loses answers
//! at a few percent each, some runs killed after the N-th AWS call. The
//! faults hit calls by a hash of the seed, the operation and its count,
//! and kills come at a call the proxy counts: the same seed gives the same
//! story on any machine (the lock's renewals, on the clock, aside). Then, with
//! the faults gone, one `up` must finish the stack, `diff` must find
//! nothing to do, exactly one of each resource must exist, and the
//! database must never have been replaced.
//!
//! The seed is printed; `AWSDEPLOY_SOAK_SEED=N` runs a test with seed N.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::Filter;
use awsdeploy_testkit::{Fault, FaultKind, Trigger};

use crate::harness::{World, create_zone, push_image};
use crate::performance::example_spec;

/// Runs of `up` under faults before the clean one.
const RUNS: usize = 4;
/// Kills come after one of this many calls (an `up` from nothing sends
/// about 150).
const KILL_WITHIN: u64 = 160;
/// Per mille of calls each fault kind hits.
const PER_MILLE: u16 = 20;

/// xorshift64*: the soak's own choices (which runs to kill, when).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn soak(default_seed: u64) {
    let seed = std::env::var("AWSDEPLOY_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_seed);
    eprintln!("fault soak, seed {seed}: AWSDEPLOY_SOAK_SEED={seed} runs it again");
    let world = World::new();
    create_zone(&world, "example.com");
    let spec = example_spec(&world);
    prepare(&world, seed);
    // A killed run's lock blocks the env for one (short) lease; the next
    // run waits for it.
    let extra = [("AWSDEPLOY_LOCK_LEASE_SECS", "3".to_owned())];
    let args = [
        "up",
        "-f",
        &spec,
        "--yes",
        "--image-tag",
        "v1",
        "--lock-timeout",
        "30s",
    ];
    let runs = run_under_faults(&world, &args, &extra, seed);
    eprintln!("seed {seed}: {runs:#?}");
    world.sim.clear_faults();
    let clean = world.run_with(&args, &extra);
    assert_eq!(
        clean.code, 0,
        "seed {seed}: the clean up failed after {runs:#?}\n{}",
        clean.stderr
    );
    let diff = world.run(&[
        "diff",
        "-f",
        &spec,
        "--image-tag",
        "v1",
        "--detailed-exitcode",
    ]);
    assert_eq!(
        diff.code, 0,
        "seed {seed}: {runs:#?}\n{}{}",
        diff.stdout, diff.stderr
    );
    let expected: BTreeMap<&str, usize> = [
        ("db instances", 1),
        ("ecs services", 1),
        ("elastic ips", 1),
        ("internet gateways", 1),
        ("load balancers", 1),
        ("nat gateways", 1),
        ("route tables", 3),
        ("subnets", 4),
        ("target groups", 1),
        ("vpcs", 1),
        ("web apps", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(census(&world), expected, "seed {seed}: {runs:#?}");
    assert_eq!(
        world.sim.count("rds", "DeleteDBInstance"),
        0,
        "seed {seed}: the database was replaced"
    );
}

/// [`RUNS`] runs of `args`, half of them killed after a number of
/// AWS calls the seed picks (counted by the proxy, so the same seed kills
/// at the same call on any machine); what each did, for the failure
/// message.
fn run_under_faults(
    world: &World,
    args: &[&str],
    extra: &[(&str, String)],
    seed: u64,
) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        if rng.below(2) == 0 {
            let calls = usize::try_from(rng.below(KILL_WITHIN)).unwrap_or(0) + 1;
            runs.push(killed_after(world, args, extra, calls));
        } else {
            let run = world.run_with(args, extra);
            let tail: Vec<&str> = run
                .stderr
                .lines()
                .rev()
                .take(if run.code == 0 { 1 } else { 6 })
                .collect();
            runs.push(format!(
                "exit {}: {}",
                run.code,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
    }
    runs
}

/// A run of `args` killed (`kill -9`) when it sends its AWS call after the
/// `calls`-th, which is held unanswered until then; or its exit, when it
/// finished first.
fn killed_after(world: &World, args: &[&str], extra: &[(&str, String)], calls: usize) -> String {
    world.sim.halt_after(calls);
    let mut child = world.spawn_with(args, extra);
    let outcome = loop {
        if world.sim.halted() {
            let _ = child.kill();
            let _ = child.wait();
            break format!("killed after {calls} calls");
        }
        if let Ok(Some(status)) = child.try_wait() {
            break format!("exit {status} before call {calls}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    world.sim.resume();
    outcome
}

/// The repository with the image in it, as CI leaves it after the first
/// `up` made the repository, and the faults of `seed` on every call.
fn prepare(world: &World, seed: u64) {
    // CI pushes the image once the first `up` has made the repository: the
    // repository is made here as that `up` would have, tags and all.
    let ecr = aws_sdk_ecr::Client::new(&world.config);
    let tag = |key: &str, value: &str| {
        aws_sdk_ecr::types::Tag::builder()
            .key(key)
            .value(value)
            .build()
            .unwrap()
    };
    world
        .block_on(
            ecr.create_repository()
                .repository_name("shop/dev/api")
                .tags(tag("awsdeploy:app", "shop"))
                .tags(tag("awsdeploy:env", "dev"))
                .tags(tag("awsdeploy:component", "registry"))
                .tags(tag("Name", "shop/dev/api"))
                .send(),
        )
        .unwrap();
    push_image(world, "shop/dev/api", "v1");
    for (i, kind) in [
        FaultKind::Throttle,
        FaultKind::ServerError(503),
        FaultKind::ConnectionReset,
        FaultKind::LostAnswer(500),
    ]
    .into_iter()
    .enumerate()
    {
        world.sim.inject(Fault {
            service: Fault::ANY.to_owned(),
            operation: Fault::ANY.to_owned(),
            trigger: Trigger::Probability {
                per_mille: PER_MILLE,
                seed: seed.wrapping_mul(31).wrapping_add(i as u64 + 1),
            },
            kind,
        });
    }
}

/// How many of each kind of resource the example stack's app has.
fn census(world: &World) -> BTreeMap<&'static str, usize> {
    let mut counts = network_census(world);
    let named = |name: Option<&str>| name.is_some_and(|n| n.starts_with("shop-dev"));
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&world.config);
    let rds = aws_sdk_rds::Client::new(&world.config);
    let ecs = aws_sdk_ecs::Client::new(&world.config);
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    world.block_on(async {
        let balancers = elb.describe_load_balancers().send().await.unwrap();
        let groups = elb.describe_target_groups().send().await.unwrap();
        let databases = rds.describe_db_instances().send().await.unwrap();
        let services = ecs
            .list_services()
            .cluster("shop-dev")
            .send()
            .await
            .unwrap();
        let apps = amplify.list_apps().send().await.unwrap();
        counts.extend([
            (
                "load balancers",
                balancers
                    .load_balancers()
                    .iter()
                    .filter(|b| named(b.load_balancer_name()))
                    .count(),
            ),
            (
                "target groups",
                groups
                    .target_groups()
                    .iter()
                    .filter(|g| named(g.target_group_name()))
                    .count(),
            ),
            (
                "db instances",
                databases
                    .db_instances()
                    .iter()
                    .filter(|d| named(d.db_instance_identifier()))
                    .count(),
            ),
            ("ecs services", services.service_arns().len()),
            (
                "web apps",
                apps.apps().iter().filter(|a| named(Some(a.name()))).count(),
            ),
        ]);
    });
    counts
}

/// [`census`] of the network: what EC2 has tagged for the app.
fn network_census(world: &World) -> BTreeMap<&'static str, usize> {
    use aws_sdk_ec2::types::NatGatewayState;
    let ec2 = &world.ec2;
    let ours = || {
        Filter::builder()
            .name("tag:awsdeploy:app")
            .values("shop")
            .build()
    };
    world.block_on(async {
        let vpcs = ec2.describe_vpcs().filters(ours()).send().await.unwrap();
        let subnets = ec2.describe_subnets().filters(ours()).send().await.unwrap();
        let gateways = ec2
            .describe_internet_gateways()
            .filters(ours())
            .send()
            .await
            .unwrap();
        let nats = ec2
            .describe_nat_gateways()
            .filter(ours())
            .send()
            .await
            .unwrap();
        let ips = ec2
            .describe_addresses()
            .filters(ours())
            .send()
            .await
            .unwrap();
        let tables = ec2
            .describe_route_tables()
            .filters(ours())
            .send()
            .await
            .unwrap();
        let live_nats = nats
            .nat_gateways()
            .iter()
            .filter(|n| {
                !matches!(
                    n.state(),
                    Some(NatGatewayState::Deleted | NatGatewayState::Deleting)
                )
            })
            .count();
        [
            ("vpcs", vpcs.vpcs().len()),
            ("subnets", subnets.subnets().len()),
            ("internet gateways", gateways.internet_gateways().len()),
            ("nat gateways", live_nats),
            ("elastic ips", ips.addresses().len()),
            ("route tables", tables.route_tables().len()),
        ]
        .into_iter()
        .collect()
    })
}

#[test]
fn fault_soak_seed_1() {
    soak(1);
}

#[test]
fn fault_soak_seed_2() {
    soak(2);
}

#[test]
fn fault_soak_seed_3() {
    soak(3);
}

#[test]
fn fault_soak_seed_4() {
    soak(4);
}

#[test]
fn fault_soak_seed_5() {
    soak(5);
}

#[test]
fn fault_soak_seed_6() {
    soak(6);
}

#[test]
fn fault_soak_seed_7() {
    soak(7);
}

#[test]
fn fault_soak_seed_8() {
    soak(8);
}

#[test]
fn fault_soak_seed_9() {
    soak(9);
}

#[test]
fn fault_soak_seed_10() {
    soak(10);
}
