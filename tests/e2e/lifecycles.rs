//! The testkit's ECS simulation, through the real aws-sdk-ecs and
//! aws-sdk-cloudwatchlogs clients: rollouts that complete or fail and roll
//! back, the deployment configuration moto drops, and one-off tasks that
//! stop with a chosen exit code after writing their log lines.

use aws_sdk_ecs::types::{
    AwsVpcConfiguration, ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration,
    LogConfiguration, LogDriver, NetworkConfiguration, NetworkMode,
};
use awsdeploy_testkit::{Lifecycle, RolloutOutcome, TaskOutcome};

use crate::harness::World;

/// The lifecycles alone: this module's stack is made by plain SDK calls
/// in a private subnet without a way out, so EC2's eventual consistency
/// and the Fargate egress rule are off here (tests/e2e/strict.rs has them).
fn world() -> World {
    World::with(awsdeploy_testkit::Strictness {
        consistency_window: 0,
        placement: false,
        ..awsdeploy_testkit::Strictness::aws()
    })
}

const CLUSTER: &str = "shop-dev";
const LOG_GROUP: &str = "/awsdeploy/shop-dev";

/// A VPC, subnet, security group, cluster, log group and two revisions of
/// the `api` task definition, made straight through the SDK.
struct Stack {
    ecs: aws_sdk_ecs::Client,
    network: NetworkConfiguration,
    first: String,
    second: String,
}

impl Stack {
    fn new(world: &World) -> Stack {
        let ecs = aws_sdk_ecs::Client::new(&world.config);
        let logs = aws_sdk_cloudwatchlogs::Client::new(&world.config);
        world.block_on(async {
            let vpc = world
                .ec2
                .create_vpc()
                .cidr_block("10.30.0.0/16")
                .send()
                .await
                .unwrap();
            let vpc = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_owned();
            // RunTask in awsvpc mode needs DNS hostnames (moto answers 500).
            world
                .ec2
                .modify_vpc_attribute()
                .vpc_id(&vpc)
                .enable_dns_hostnames(
                    aws_sdk_ec2::types::AttributeBooleanValue::builder()
                        .value(true)
                        .build(),
                )
                .send()
                .await
                .unwrap();
            let subnet = world
                .ec2
                .create_subnet()
                .vpc_id(&vpc)
                .cidr_block("10.30.1.0/24")
                .send()
                .await
                .unwrap();
            let group = world
                .ec2
                .create_security_group()
                .group_name("service")
                .description("service")
                .vpc_id(&vpc)
                .send()
                .await
                .unwrap();
            ecs.create_cluster()
                .cluster_name(CLUSTER)
                .send()
                .await
                .unwrap();
            logs.create_log_group()
                .log_group_name(LOG_GROUP)
                .send()
                .await
                .unwrap();
            let network = NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .subnets(subnet.subnet().and_then(|s| s.subnet_id()).unwrap())
                        .security_groups(group.group_id().unwrap())
                        .build()
                        .unwrap(),
                )
                .build();
            let first = register(&ecs, "shop/api:v1", LOG_GROUP).await;
            let second = register(&ecs, "shop/api:v2", LOG_GROUP).await;
            Stack {
                ecs,
                network,
                first,
                second,
            }
        })
    }

    /// Creates the service on the first revision, with the circuit breaker
    /// as given.
    fn service(&self, world: &World, breaker: bool) -> aws_sdk_ecs::types::Service {
        let created = world
            .block_on(
                self.ecs
                    .create_service()
                    .cluster(CLUSTER)
                    .service_name("api")
                    .task_definition(&self.first)
                    .desired_count(2)
                    .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
                    .network_configuration(self.network.clone())
                    .platform_version("1.4.0")
                    .enable_execute_command(true)
                    .deployment_configuration(
                        DeploymentConfiguration::builder()
                            .deployment_circuit_breaker(
                                DeploymentCircuitBreaker::builder()
                                    .enable(breaker)
                                    .rollback(breaker)
                                    .build(),
                            )
                            .maximum_percent(200)
                            .minimum_healthy_percent(50)
                            .build(),
                    )
                    .send(),
            )
            .unwrap();
        created.service().unwrap().clone()
    }

    fn describe(&self, world: &World) -> aws_sdk_ecs::types::Service {
        let out = world
            .block_on(
                self.ecs
                    .describe_services()
                    .cluster(CLUSTER)
                    .services("api")
                    .send(),
            )
            .unwrap();
        out.services()[0].clone()
    }

    fn update(&self, world: &World, task_definition: &str) -> aws_sdk_ecs::types::Service {
        let out = world
            .block_on(
                self.ecs
                    .update_service()
                    .cluster(CLUSTER)
                    .service("api")
                    .task_definition(task_definition)
                    .send(),
            )
            .unwrap();
        out.service().unwrap().clone()
    }
}

async fn register(ecs: &aws_sdk_ecs::Client, image: &str, log_group: &str) -> String {
    let out = ecs
        .register_task_definition()
        .family("shop-dev-api")
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ContainerDefinition::builder()
                .name("api")
                .image(image)
                .memory(512)
                .log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::Awslogs)
                        .options("awslogs-group", log_group)
                        .options("awslogs-region", "ap-northeast-1")
                        .options("awslogs-stream-prefix", "api")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    out.task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap()
        .to_owned()
}

/// (status, rollout state, task definition, running) of each deployment.
fn deployments(service: &aws_sdk_ecs::types::Service) -> Vec<(String, String, String, i32)> {
    service
        .deployments()
        .iter()
        .map(|d| {
            (
                d.status().unwrap_or_default().to_owned(),
                d.rollout_state()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                d.task_definition().unwrap_or_default().to_owned(),
                d.running_count(),
            )
        })
        .collect()
}

fn strings(rows: &[(&str, &str, &str, i32)]) -> Vec<(String, String, String, i32)> {
    rows.iter()
        .map(|(a, b, c, d)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned(), *d))
        .collect()
}

#[test]
fn a_rollout_completes_over_polls_and_keeps_the_deployment_configuration() {
    let world = world();
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::Completes,
    });
    let stack = Stack::new(&world);
    let (v1, v2) = (stack.first.as_str(), stack.second.as_str());
    let created = stack.service(&world, true);
    let config = created.deployment_configuration().unwrap();
    let breaker = config.deployment_circuit_breaker().unwrap();
    assert!(breaker.enable() && breaker.rollback());
    assert_eq!(config.minimum_healthy_percent(), Some(50));
    assert_eq!(
        deployments(&created),
        strings(&[("PRIMARY", "IN_PROGRESS", v1, 0)])
    );

    let first = stack.describe(&world);
    assert_eq!((first.running_count(), first.pending_count()), (1, 1));
    let second = stack.describe(&world);
    assert_eq!(
        deployments(&second),
        strings(&[("PRIMARY", "COMPLETED", v1, 2)])
    );
    assert!(
        second.events()[0]
            .message()
            .unwrap()
            .contains("has reached a steady state"),
        "{:?}",
        second.events()
    );
    assert_eq!(
        stack
            .describe(&world)
            .deployment_configuration()
            .and_then(aws_sdk_ecs::types::DeploymentConfiguration::minimum_healthy_percent),
        Some(50),
        "DescribeServices keeps what CreateService sent"
    );
    let described = stack.describe(&world);
    assert_eq!(described.platform_version(), Some("1.4.0"));
    assert!(described.enable_execute_command());

    // A new revision, named by family as users often do, starts a new
    // PRIMARY deployment; the old one drains when it completes.
    let updated = stack.update(&world, "shop-dev-api");
    assert_eq!(updated.task_definition(), Some(v2));
    assert_eq!(
        deployments(&updated),
        strings(&[
            ("PRIMARY", "IN_PROGRESS", v2, 0),
            ("ACTIVE", "COMPLETED", v1, 2)
        ])
    );
    stack.describe(&world);
    assert_eq!(
        deployments(&stack.describe(&world)),
        strings(&[("PRIMARY", "COMPLETED", v2, 2)])
    );

    // The same revision again starts nothing.
    let same = stack.update(&world, v2);
    assert_eq!(same.deployments().len(), 1);
    assert_eq!(same.deployments()[0].id(), updated.deployments()[0].id());
}

#[test]
fn a_failed_rollout_is_rolled_back_by_the_circuit_breaker() {
    let world = world();
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 1,
        outcome: RolloutOutcome::Completes,
    });
    let stack = Stack::new(&world);
    let (v1, v2) = (stack.first.as_str(), stack.second.as_str());
    stack.service(&world, true);
    stack.describe(&world);

    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::Fails,
    });
    let started = stack.update(&world, v2);
    let failing_id = started.deployments()[0].id().unwrap().to_owned();
    let first = stack.describe(&world);
    assert_eq!(
        deployments(&first)[0],
        strings(&[("PRIMARY", "IN_PROGRESS", v2, 0)])[0]
    );
    assert_eq!(first.deployments()[0].failed_tasks(), 1);

    let failed = stack.describe(&world);
    assert_eq!(
        deployments(&failed),
        strings(&[
            ("PRIMARY", "IN_PROGRESS", v1, 2),
            ("ACTIVE", "FAILED", v2, 0)
        ]),
        "the rollback deployment serves the previous revision"
    );
    assert_eq!(failed.task_definition(), Some(v1));
    assert_eq!(failed.deployments()[1].id(), Some(failing_id.as_str()));
    assert!(
        failed.deployments()[1]
            .rollout_state_reason()
            .unwrap()
            .contains("circuit breaker"),
    );
    assert!(
        failed.events()[0]
            .message()
            .unwrap()
            .contains("rolling back"),
        "{:?}",
        failed.events()
    );

    // The rollback itself completes; the failed deployment is gone.
    stack.describe(&world);
    let settled = stack.describe(&world);
    assert_eq!(
        deployments(&settled),
        strings(&[("PRIMARY", "COMPLETED", v1, 2)])
    );
    assert_ne!(settled.deployments()[0].id(), Some(failing_id.as_str()));
}

#[test]
fn without_the_circuit_breaker_a_failing_rollout_never_ends() {
    let world = world();
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 1,
        outcome: RolloutOutcome::Fails,
    });
    let stack = Stack::new(&world);
    stack.service(&world, false);
    for _ in 0..4 {
        let service = stack.describe(&world);
        assert_eq!(
            service.deployments()[0]
                .rollout_state()
                .map(aws_sdk_ecs::types::DeploymentRolloutState::as_str),
            Some("IN_PROGRESS")
        );
        assert_eq!(service.running_count(), 0);
    }
}

/// Runs the first revision as a one-off task and returns its ARN.
fn run_task(world: &World, stack: &Stack) -> String {
    let out = world
        .block_on(
            stack
                .ecs
                .run_task()
                .cluster(CLUSTER)
                .task_definition(&stack.first)
                .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
                .network_configuration(stack.network.clone())
                .send(),
        )
        .unwrap();
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    let task = &out.tasks()[0];
    assert_eq!(task.last_status(), Some("PROVISIONING"));
    task.task_arn().unwrap().to_owned()
}

fn describe_task(world: &World, stack: &Stack, arn: &str) -> aws_sdk_ecs::types::Task {
    let out = world
        .block_on(
            stack
                .ecs
                .describe_tasks()
                .cluster(CLUSTER)
                .tasks(arn)
                .send(),
        )
        .unwrap();
    out.tasks()[0].clone()
}

fn log_lines(world: &World, task_arn: &str) -> Vec<String> {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&world.config);
    let task_id = task_arn.rsplit('/').next().unwrap();
    let out = world
        .block_on(
            logs.get_log_events()
                .log_group_name(LOG_GROUP)
                .log_stream_name(format!("api/api/{task_id}"))
                .start_from_head(true)
                .send(),
        )
        .unwrap();
    out.events()
        .iter()
        .map(|e| e.message().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_task_writes_its_log_lines_as_it_runs_and_stops_with_the_chosen_exit_code() {
    let world = world();
    world.sim.simulate(Lifecycle::EcsTask {
        polls: 3,
        outcome: TaskOutcome::Exits(3),
        log_lines: vec![
            "1/u create_users (12ms)".to_owned(),
            "2/u add_orders (30ms)".to_owned(),
            "error: migration 3 failed".to_owned(),
        ],
    });
    let stack = Stack::new(&world);
    let arn = run_task(&world, &stack);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let task = describe_task(&world, &stack, &arn);
        seen.push((
            task.last_status().unwrap().to_owned(),
            log_lines(&world, &arn).len(),
        ));
    }
    assert_eq!(
        seen,
        [
            ("RUNNING".to_owned(), 1),
            ("RUNNING".to_owned(), 2),
            ("STOPPED".to_owned(), 3)
        ]
    );
    let stopped = describe_task(&world, &stack, &arn);
    assert_eq!(stopped.containers()[0].exit_code(), Some(3));
    assert_eq!(stopped.containers()[0].task_arn(), Some(arn.as_str()));
    assert_eq!(
        stopped
            .stop_code()
            .map(aws_sdk_ecs::types::TaskStopCode::as_str),
        Some("EssentialContainerExited")
    );
    assert_eq!(log_lines(&world, &arn)[2], "error: migration 3 failed");
}

#[test]
fn a_task_that_cannot_start_has_a_stopped_reason_and_no_exit_code() {
    let world = world();
    let stack = Stack::new(&world);
    world.sim.simulate(Lifecycle::EcsTask {
        polls: 2,
        outcome: TaskOutcome::FailsToStart(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s)".to_owned(),
        ),
        log_lines: vec!["never written".to_owned()],
    });
    let arn = run_task(&world, &stack);
    let task = describe_task(&world, &stack, &arn);
    assert_eq!(task.last_status(), Some("STOPPED"));
    assert_eq!(task.containers()[0].exit_code(), None);
    assert_eq!(
        task.stop_code()
            .map(aws_sdk_ecs::types::TaskStopCode::as_str),
        Some("TaskFailedToStart")
    );
    assert!(
        task.stopped_reason()
            .unwrap()
            .starts_with("CannotPullContainerError")
    );
    assert!(log_lines(&world, &arn).is_empty());
}

#[test]
fn a_task_whose_log_group_is_missing_fails_to_start_as_on_aws() {
    let world = world();
    let stack = Stack::new(&world);
    let orphan = world.block_on(register(&stack.ecs, "shop/api:v3", "/nowhere"));
    let out = world
        .block_on(
            stack
                .ecs
                .run_task()
                .cluster(CLUSTER)
                .task_definition(&orphan)
                .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
                .network_configuration(stack.network.clone())
                .send(),
        )
        .unwrap();
    let arn = out.tasks()[0].task_arn().unwrap().to_owned();
    let task = describe_task(&world, &stack, &arn);
    assert_eq!(task.containers()[0].exit_code(), None);
    assert!(
        task.stopped_reason()
            .unwrap()
            .contains("The specified log group does not exist"),
        "{:?}",
        task.stopped_reason()
    );
}

#[test]
fn a_stopped_task_stops_at_the_next_describe() {
    let world = world();
    world.sim.simulate(Lifecycle::EcsTask {
        polls: 10,
        outcome: TaskOutcome::Exits(0),
        log_lines: Vec::new(),
    });
    let stack = Stack::new(&world);
    let arn = run_task(&world, &stack);
    describe_task(&world, &stack, &arn);
    let stopping = world
        .block_on(
            stack
                .ecs
                .stop_task()
                .cluster(CLUSTER)
                .task(&arn)
                .reason("awsdeploy: migration deadline of 10m passed")
                .send(),
        )
        .unwrap();
    assert_eq!(
        stopping.task().and_then(|t| t.desired_status()),
        Some("STOPPED")
    );
    let task = describe_task(&world, &stack, &arn);
    assert_eq!(task.last_status(), Some("STOPPED"));
    assert_eq!(
        task.stop_code()
            .map(aws_sdk_ecs::types::TaskStopCode::as_str),
        Some("UserInitiated")
    );
    assert_eq!(
        task.stopped_reason(),
        Some("awsdeploy: migration deadline of 10m passed")
    );
}
