//! The simulation proxy with the real SDK client: counts, latency, and
//! faults that the SDK sees as its typed errors or retries.

use std::time::{Duration, Instant};

use aws_sdk_ec2::error::ProvideErrorMetadata as _;
use awsdeploy_testkit::{Fault, FaultKind, Lifecycle, Trigger};

use crate::harness::World;

fn op(operation: &str) -> (String, String) {
    ("ec2".to_owned(), operation.to_owned())
}

#[test]
fn calls_are_counted_per_service_and_operation() {
    let world = World::new();
    world.block_on(world.ec2.describe_vpcs().send()).unwrap();
    world.block_on(world.ec2.describe_vpcs().send()).unwrap();
    world.block_on(world.ec2.describe_subnets().send()).unwrap();
    let calls = world.sim.calls();
    assert_eq!(calls[&op("DescribeVpcs")], 2);
    assert_eq!(calls[&op("DescribeSubnets")], 1);
    assert_eq!(world.sim.total_calls(), 3);
    world.sim.reset_calls();
    assert_eq!(world.sim.total_calls(), 0);
}

#[test]
fn injected_latency_is_added_to_every_call() {
    let world = World::new();
    world.sim.set_latency(Duration::from_millis(150));
    let started = Instant::now();
    world.block_on(world.ec2.describe_vpcs().send()).unwrap();
    world.block_on(world.ec2.describe_vpcs().send()).unwrap();
    // A lower bound: the proxy sleeps before answering each call.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn throttling_is_in_ec2s_shape_and_the_sdk_retries_it() {
    let world = World::new();
    world.sim.inject(Fault {
        service: "ec2".into(),
        operation: "DescribeVpcs".into(),
        trigger: Trigger::Times(1),
        kind: FaultKind::Throttle,
    });
    world
        .block_on(world.ec2.describe_vpcs().send())
        .expect("the standard retry gets past one throttle");
    assert_eq!(world.sim.calls()[&op("DescribeVpcs")], 2);
}

/// Each protocol's throttling is one the SDK knows and retries: query
/// (RDS), JSON (ECS), REST-JSON (Amplify) and REST-XML (Route 53).
#[test]
fn throttling_in_every_protocol_is_retried_by_the_sdk() {
    let world = World::new();
    for (service, operation) in [
        ("rds", "DescribeDBInstances"),
        ("ecs", "ListClusters"),
        ("amplify", "ListApps"),
        ("route53", "ListHostedZonesByName"),
    ] {
        world.sim.inject(Fault {
            service: service.into(),
            operation: operation.into(),
            trigger: Trigger::Times(1),
            kind: FaultKind::Throttle,
        });
    }
    let config = &world.config;
    world.block_on(async {
        aws_sdk_rds::Client::new(config)
            .describe_db_instances()
            .send()
            .await
            .unwrap();
        aws_sdk_ecs::Client::new(config)
            .list_clusters()
            .send()
            .await
            .unwrap();
        aws_sdk_amplify::Client::new(config)
            .list_apps()
            .send()
            .await
            .unwrap();
        aws_sdk_route53::Client::new(config)
            .list_hosted_zones_by_name()
            .send()
            .await
            .unwrap();
    });
    for (service, operation) in [
        ("rds", "DescribeDBInstances"),
        ("ecs", "ListClusters"),
        ("amplify", "ListApps"),
        ("route53", "ListHostedZonesByName"),
    ] {
        assert_eq!(
            world.sim.count(service, operation),
            2,
            "{service} {operation}"
        );
    }
}

#[test]
fn faults_beyond_the_retries_surface_as_the_sdks_typed_errors() {
    let world = World::new();
    world.sim.inject(Fault {
        service: "ec2".into(),
        operation: "DescribeSubnets".into(),
        trigger: Trigger::Times(10),
        kind: FaultKind::Throttle,
    });
    let error = world
        .block_on(world.ec2.describe_subnets().send())
        .unwrap_err();
    assert_eq!(error.code(), Some("RequestLimitExceeded"));
    // The SDK's standard retry: three attempts.
    assert_eq!(world.sim.calls()[&op("DescribeSubnets")], 3);

    world.sim.inject(Fault {
        service: "ec2".into(),
        operation: "DescribeVpcs".into(),
        trigger: Trigger::Times(10),
        kind: FaultKind::ServerError(503),
    });
    let error = world
        .block_on(world.ec2.describe_vpcs().send())
        .unwrap_err();
    assert!(
        error
            .raw_response()
            .is_some_and(|r| r.status().as_u16() == 503),
        "{error:?}"
    );
}

#[test]
fn awsdeploy_reports_an_aws_error_with_its_code_and_a_hint() {
    let world = World::new();
    let spec = world.network_spec("faulty", "azs = 1\nnat = \"none\"");
    world.sim.inject(Fault {
        service: "ec2".into(),
        operation: "CreateVpc".into(),
        trigger: Trigger::Times(10),
        kind: FaultKind::Throttle,
    });
    let up = world.run(&["up", "-f", spec.to_str().unwrap(), "--yes"]);
    up.assert_code(1);
    assert!(
        up.stderr
            .contains("CreateVpc for faulty-dev-vpc failed: RequestLimitExceeded"),
        "{}",
        up.stderr
    );
    assert!(up.stderr.contains("not started"), "{}", up.stderr);
    // The step's own hint, as `diff` would show it.
    assert!(
        up.stderr.contains("hint: AWS throttled the calls"),
        "{}",
        up.stderr
    );
    assert!(
        up.stderr.contains("run `awsdeploy up` again"),
        "{}",
        up.stderr
    );
    // Once AWS answers again, up continues from what is live.
    world.sim.clear_faults();
    let again = world.run(&["up", "-f", spec.to_str().unwrap(), "--yes"]);
    again.assert_code(0);
    world
        .run(&["diff", "-f", spec.to_str().unwrap(), "--detailed-exitcode"])
        .assert_code(0);
}

/// A client of the world's proxy without retries, to see each fault.
fn without_retries(world: &World) -> aws_sdk_ec2::Client {
    let config = world
        .ec2
        .config()
        .to_builder()
        .retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_ec2::Client::from_conf(config)
}

/// Which of `n` `DescribeVpcs` calls fail, with a 30% fault seeded `seed`.
fn failing_calls(seed: u64, n: usize) -> Vec<usize> {
    let world = World::new();
    world.sim.inject(Fault {
        service: "ec2".into(),
        operation: "DescribeVpcs".into(),
        trigger: Trigger::Probability {
            per_mille: 300,
            seed,
        },
        kind: FaultKind::ServerError(500),
    });
    let client = without_retries(&world);
    (0..n)
        .filter(|_| world.block_on(client.describe_vpcs().send()).is_err())
        .collect()
}

#[test]
fn seeded_random_faults_are_reproducible() {
    let first = failing_calls(42, 30);
    assert!(!first.is_empty() && first.len() < 30, "{first:?}");
    assert_eq!(failing_calls(42, 30), first, "same seed, same faults");
    assert_ne!(failing_calls(7, 30), first, "another seed, other faults");
}

#[test]
fn a_reset_connection_and_a_late_answer_are_retried_by_the_sdk() {
    let world = World::new();
    world.sim.inject(Fault {
        service: "ec2".into(),
        operation: "DescribeVpcs".into(),
        trigger: Trigger::Times(1),
        kind: FaultKind::ConnectionReset,
    });
    world
        .block_on(world.ec2.describe_vpcs().send())
        .expect("retried after the reset");
    assert_eq!(world.sim.calls()[&op("DescribeVpcs")], 2);

    let impatient = world
        .ec2
        .config()
        .to_builder()
        .timeout_config(
            aws_sdk_ec2::config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(2))
                .build(),
        )
        .build();
    let impatient = aws_sdk_ec2::Client::from_conf(impatient);
    world.sim.inject(Fault {
        service: "ec2".into(),
        operation: "DescribeSubnets".into(),
        trigger: Trigger::Times(1),
        kind: FaultKind::Delay(Duration::from_secs(6)),
    });
    world
        .block_on(impatient.describe_subnets().send())
        .expect("retried after the timeout");
    // At least the late attempt and one more: a loaded machine may take
    // longer than the attempt timeout on an undelayed answer too, and the
    // SDK then tries again (which is what this test is about).
    assert!(world.sim.calls()[&op("DescribeSubnets")] >= 2);
}

#[test]
fn the_admin_endpoint_reports_and_resets_counts() {
    use std::io::{Read as _, Write as _};
    let world = World::new();
    world.block_on(world.ec2.describe_vpcs().send()).unwrap();
    let admin = |method: &str, path: &str| {
        let address = world
            .sim
            .endpoint()
            .trim_start_matches("http://")
            .to_owned();
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    let calls = admin("GET", "/_awsdeploy/calls");
    let body = calls.split("\r\n\r\n").nth(1).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(body).unwrap(),
        serde_json::json!([{ "service": "ec2", "operation": "DescribeVpcs", "count": 1 }]),
        "{calls}"
    );
    assert!(admin("POST", "/_awsdeploy/reset").starts_with("HTTP/1.1 200"));
    assert_eq!(world.sim.total_calls(), 0);
}

#[test]
fn an_rds_instance_goes_creating_backing_up_available_over_polls() {
    let world = World::new();
    world.sim.simulate(Lifecycle::RdsInstance { polls: 2 });
    let rds = aws_sdk_rds::Client::new(&world.config);
    let created = world
        .block_on(
            rds.create_db_instance()
                .db_instance_identifier("shop-dev-db")
                .engine("mysql")
                .db_instance_class("db.t4g.micro")
                .allocated_storage(20)
                .master_username("admin")
                .manage_master_user_password(true)
                .send(),
        )
        .unwrap();
    assert_eq!(
        created.db_instance().and_then(|d| d.db_instance_status()),
        Some("creating")
    );
    let statuses: Vec<String> = (0..6)
        .map(|_| {
            let out = world
                .block_on(
                    rds.describe_db_instances()
                        .db_instance_identifier("shop-dev-db")
                        .send(),
                )
                .unwrap();
            out.db_instances()[0]
                .db_instance_status()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        statuses,
        [
            "creating",
            "creating",
            "backing-up",
            "backing-up",
            "available",
            "available"
        ]
    );
}

#[test]
fn a_simulation_reset_clears_all_state() {
    let world = World::new();
    if !world.sim.emulator().is_private() {
        assert!(
            world.sim.reset().is_err(),
            "a shared endpoint is never reset"
        );
        return;
    }
    let spec = world.network_spec("wiped", "azs = 1\nnat = \"none\"");
    world
        .run(&["up", "-f", spec.to_str().unwrap(), "--yes"])
        .assert_code(0);
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    world
        .block_on(amplify.create_app().name("wiped-web").send())
        .unwrap();
    world.sim.reset().unwrap();
    assert_eq!(world.sim.total_calls(), 0);
    let apps = world.block_on(amplify.list_apps().send()).unwrap();
    assert!(apps.apps().is_empty(), "the simulated Amplify is reset too");
    let diff = world.run(&["diff", "-f", spec.to_str().unwrap(), "--detailed-exitcode"]);
    diff.assert_code(2);
    assert!(diff.stdout.contains("+ vpc"), "{}", diff.stdout);
}

#[test]
fn a_create_whose_answer_is_lost_is_adopted_not_made_twice() {
    let world = World::new();
    let spec = world.network_spec("lost", "azs = 2\nnat = \"single\"");
    let spec = spec.to_str().unwrap();
    // Each create takes effect, but its first answer is a 500.
    for operation in [
        "CreateVpc",
        "CreateSubnet",
        "CreateInternetGateway",
        "AllocateAddress",
    ] {
        world.sim.inject(Fault {
            service: "ec2".into(),
            operation: operation.into(),
            trigger: Trigger::Times(1),
            kind: FaultKind::LostAnswer(500),
        });
    }
    let up = world.run(&["up", "-f", spec, "--yes"]);
    up.assert_code(0);
    for (operation, sent) in [
        ("CreateVpc", 1),
        ("CreateInternetGateway", 1),
        ("AllocateAddress", 1),
        // Four subnets; only the first lost its answer.
        ("CreateSubnet", 4),
    ] {
        assert_eq!(world.sim.calls()[&op(operation)], sent, "{operation}");
    }
    let vpcs = world
        .block_on(
            world
                .ec2
                .describe_vpcs()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("tag:Name")
                        .values("lost-dev-vpc")
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert_eq!(
        vpcs.vpcs().len(),
        1,
        "one VPC, adopted after the lost answer"
    );
    world
        .run(&["diff", "-f", spec, "--detailed-exitcode"])
        .assert_code(0);
}
