//! The LocalStack lane itself (`AWSDEPLOY_TEST_BACKEND=localstack`, run by
//! `scripts/test`): the services the lane gives LocalStack reach it and not
//! moto, the rest reach moto, and LocalStack stops with its simulation. In the
//! main run, without LocalStack, these tests have nothing to check and say
//! so.

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use awsdeploy_testkit::LocalStack;

use crate::harness::World;

/// The VPCs an EC2 endpoint at `addr` holds, asked directly (not through
/// the proxy), in moto's account (LocalStack reads it from the key).
fn vpcs_at(world: &World, addr: SocketAddr) -> usize {
    let config = aws_sdk_ec2::config::Builder::from(&world.config)
        .endpoint_url(format!("http://{addr}"))
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            awsdeploy_testkit::localstack::ACCOUNT,
            "testing",
            None,
            None,
            "lane",
        ))
        .build();
    let ec2 = aws_sdk_ec2::Client::from_conf(config);
    world
        .block_on(ec2.describe_vpcs().send())
        .unwrap_or_else(|e| panic!("DescribeVpcs at {addr}: {e:?}"))
        .vpcs()
        .iter()
        .filter(|v| v.is_default() != Some(true))
        .count()
}

fn answers(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

#[test]
fn what_localstack_serves_reaches_it_and_it_stops_with_the_simulation() {
    let Some(services) = LocalStack::requested() else {
        eprintln!("not the LocalStack lane (AWSDEPLOY_TEST_BACKEND=localstack): nothing to check");
        return;
    };
    let world = World::new();
    let localstack = world
        .sim
        .localstack()
        .expect("the lane starts LocalStack")
        .addr();
    let spec = world.network_spec("routed", "azs = 2\nnat = \"single\"");
    world
        .run(&["up", "-f", spec.to_str().unwrap(), "--yes"])
        .assert_code(0);
    // The VPC is where the lane sends EC2, and only there.
    let (ec2, other) = if services.contains(&"ec2") {
        (localstack, world.sim.emulator().addr())
    } else {
        (world.sim.emulator().addr(), localstack)
    };
    assert_eq!(vpcs_at(&world, ec2), 1);
    assert_eq!(vpcs_at(&world, other), 0);
    // The deploy lock's table is moto's: DynamoDB stays there.
    assert!(world.sim.count("dynamodb", "PutItem") >= 1);

    let pid = world.sim.localstack().map(LocalStack::pid);
    drop(world);
    let started = Instant::now();
    while answers(localstack) && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !answers(localstack),
        "LocalStack still answers on {localstack}"
    );
    let alive = std::process::Command::new("kill")
        .args(["-0", &pid.unwrap_or_default().to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        !alive,
        "LocalStack's process {pid:?} outlived its simulation"
    );
}
