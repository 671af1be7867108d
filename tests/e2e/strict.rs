//! The strict simulation ([`awsdeploy_testkit::Strictness`]) with the real
//! SDK clients: for each of AWS's hard edges, the call a naive client makes
//! fails as it would on AWS, and the call a correct client makes passes.

use std::time::Duration;

use aws_sdk_ec2::types::{AttributeBooleanValue, VpcAttributeName};
use aws_sdk_ecs::types::{
    AwsVpcConfiguration, ContainerDefinition, LaunchType, NetworkConfiguration, NetworkMode, Secret,
};
use awsdeploy_testkit::Strictness;

use crate::harness::{World, until_visible};

/// The error code of a failed SDK call.
fn code<T: std::fmt::Debug, E: aws_sdk_ec2::error::ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error.code().unwrap_or("(no code)").to_owned(),
    }
}

/// The message of a failed SDK call.
fn message<T: std::fmt::Debug, E: aws_sdk_ec2::error::ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error.message().unwrap_or_default().to_owned(),
    }
}

// 1. Request validation against the service models.

#[test]
fn requests_are_validated_against_the_service_models_in_every_protocol() {
    let world = World::new();
    assert!(world.sim.validates_requests());
    let ecs = aws_sdk_ecs::Client::new(&world.config);
    let iam = aws_sdk_iam::Client::new(&world.config);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&world.config);
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    let route53 = aws_sdk_route53::Client::new(&world.config);
    world.block_on(async {
        ecs.create_cluster().send().await.unwrap();
        // JSON protocol (ECS): an enum value the model does not have.
        let naive = ecs
            .list_tasks()
            .desired_status(aws_sdk_ecs::types::DesiredStatus::from("FINISHED"))
            .send()
            .await;
        let text = message(naive);
        assert!(
            text.contains("'desiredStatus'") && text.contains("enum value set"),
            "{text}"
        );
        ecs.list_tasks()
            .desired_status(aws_sdk_ecs::types::DesiredStatus::Stopped)
            .send()
            .await
            .unwrap();
        // JSON protocol (Logs): a name outside the pattern.
        let naive = logs
            .create_log_group()
            .log_group_name("shop dev")
            .send()
            .await;
        assert_eq!(code(naive), "ValidationException");
        logs.create_log_group()
            .log_group_name("/awsdeploy/shop-dev")
            .send()
            .await
            .unwrap();
        // Query protocol (IAM): a role name outside the pattern.
        let naive = iam
            .create_role()
            .role_name("shop dev api")
            .assume_role_policy_document("{}")
            .send()
            .await;
        let text = message(naive);
        assert!(
            text.contains("'roleName'") && text.contains("pattern"),
            "{text}"
        );
        // EC2 protocol: an attribute name EC2 does not have.
        let naive = world
            .ec2
            .describe_vpc_attribute()
            .vpc_id("vpc-12345678")
            .attribute(VpcAttributeName::from("enableEverything"))
            .send()
            .await;
        assert_eq!(code(naive), "InvalidParameterValue");
        // REST-JSON (Amplify): a platform the model does not have.
        let naive = amplify
            .create_app()
            .name("shop-dev-web")
            .platform(aws_sdk_amplify::types::Platform::from("SERVERLESS"))
            .send()
            .await;
        assert_eq!(code(naive), "BadRequestException");
        amplify
            .create_app()
            .name("shop-dev-web")
            .platform(aws_sdk_amplify::types::Platform::Web)
            .send()
            .await
            .unwrap();
        // REST-XML (Route 53): a URI label longer than the model allows.
        let naive = route53.get_hosted_zone().id("Z".repeat(40)).send().await;
        let text = message(naive);
        assert!(text.contains("length less than or equal to 32"), "{text}");
    });
}

// 2. Eventual consistency.

#[test]
fn an_ec2_resource_just_created_is_not_found_by_the_next_calls_that_name_it() {
    let world = World::new();
    world.block_on(async {
        let vpc = world
            .ec2
            .create_vpc()
            .cidr_block("10.40.0.0/16")
            .send()
            .await
            .unwrap();
        let vpc = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_owned();
        let naive = world
            .ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block("10.40.1.0/24")
            .send()
            .await;
        assert_eq!(code(naive), "InvalidVpcID.NotFound");
        let (subnet, attempts) = until_visible(|| {
            world
                .ec2
                .create_subnet()
                .vpc_id(&vpc)
                .cidr_block("10.40.1.0/24")
                .send()
        })
        .await;
        assert_eq!(
            attempts, 2,
            "the window is 2 calls; the naive call was the first"
        );
        let subnet = subnet
            .subnet()
            .and_then(|s| s.subnet_id())
            .unwrap()
            .to_owned();
        let naive = world
            .ec2
            .describe_subnets()
            .subnet_ids(&subnet)
            .send()
            .await;
        assert_eq!(code(naive), "InvalidSubnetID.NotFound");
    });
}

// 7. Placement and naming rules (ALB, DB subnet group, names).

/// A VPC (DNS hostnames on, as moto's `RunTask` needs) with one subnet in
/// each of `zones`, created as a correct client does.
async fn network(world: &World, zones: &[&str]) -> (String, Vec<String>) {
    let vpc = world
        .ec2
        .create_vpc()
        .cidr_block("10.50.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_owned();
    until_visible(|| {
        world
            .ec2
            .modify_vpc_attribute()
            .vpc_id(&vpc)
            .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
            .send()
    })
    .await;
    let mut subnets = Vec::new();
    for (n, zone) in zones.iter().enumerate() {
        let (subnet, _) = until_visible(|| {
            world
                .ec2
                .create_subnet()
                .vpc_id(&vpc)
                .availability_zone(*zone)
                .cidr_block(format!("10.50.{n}.0/24"))
                .send()
        })
        .await;
        subnets.push(
            subnet
                .subnet()
                .and_then(|s| s.subnet_id())
                .unwrap()
                .to_owned(),
        );
    }
    (vpc, subnets)
}

#[test]
fn an_alb_and_a_db_subnet_group_need_two_zones_and_reserved_names_are_refused() {
    let world = World::new();
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&world.config);
    let rds = aws_sdk_rds::Client::new(&world.config);
    world.block_on(async {
        let (vpc, subnets) = network(
            &world,
            &["ap-northeast-1a", "ap-northeast-1a", "ap-northeast-1c"],
        )
        .await;
        let one_zone = [subnets[0].clone(), subnets[1].clone()];
        let two_zones = [subnets[0].clone(), subnets[2].clone()];
        let naive = elb
            .create_load_balancer()
            .name("shop-dev-alb")
            .set_subnets(Some(one_zone.to_vec()))
            .send()
            .await;
        assert!(message(naive).contains("two different Availability Zones"));
        let naive = elb
            .create_load_balancer()
            .name("internal-shop")
            .set_subnets(Some(two_zones.to_vec()))
            .send()
            .await;
        assert!(message(naive).contains("cannot begin with 'internal-'"));
        elb.create_load_balancer()
            .name("shop-dev-alb")
            .set_subnets(Some(two_zones.to_vec()))
            .send()
            .await
            .unwrap();
        let naive = rds
            .create_db_subnet_group()
            .db_subnet_group_name("shop-dev-db")
            .db_subnet_group_description("db")
            .set_subnet_ids(Some(one_zone.to_vec()))
            .send()
            .await;
        assert_eq!(code(naive), "DBSubnetGroupDoesNotCoverEnoughAZs");
        rds.create_db_subnet_group()
            .db_subnet_group_name("shop-dev-db")
            .db_subnet_group_description("db")
            .set_subnet_ids(Some(two_zones.to_vec()))
            .send()
            .await
            .unwrap();
        let naive = world
            .ec2
            .create_security_group()
            .group_name("sg-shop")
            .description("x")
            .vpc_id(&vpc)
            .send()
            .await;
        assert_eq!(code(naive), "InvalidParameterValue");
    });
}

// 8. Idempotency.

#[test]
fn creates_with_the_same_name_or_client_token_answer_the_first_result() {
    let world = World::new();
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&world.config);
    world.block_on(async {
        let (vpc, subnets) = network(&world, &["ap-northeast-1a", "ap-northeast-1c"]).await;
        let create = || {
            elb.create_load_balancer()
                .name("shop-dev-alb")
                .set_subnets(Some(subnets.clone()))
                .send()
        };
        let first = create().await.unwrap();
        let again = create().await.unwrap();
        assert_eq!(
            first.load_balancers()[0].load_balancer_arn(),
            again.load_balancers()[0].load_balancer_arn()
        );
        let all = elb.describe_load_balancers().send().await.unwrap();
        assert_eq!(all.load_balancers().len(), 1, "no duplicate load balancer");
        let group = || {
            elb.create_target_group()
                .name("shop-dev-api")
                .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
                .port(8080)
                .vpc_id(&vpc)
                .target_type(aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::Ip)
                .send()
        };
        let first = group().await.unwrap();
        let again = group().await.unwrap();
        assert_eq!(
            first.target_groups()[0].target_group_arn(),
            again.target_groups()[0].target_group_arn()
        );
        // A NAT gateway's client token.
        let (eip, _) = until_visible(|| world.ec2.allocate_address().send()).await;
        let allocation = eip.allocation_id().unwrap().to_owned();
        let nat = || {
            world
                .ec2
                .create_nat_gateway()
                .subnet_id(&subnets[0])
                .allocation_id(&allocation)
                .client_token("shop-dev-nat-a")
                .send()
        };
        let (first, _) = until_visible(nat).await;
        let (again, _) = until_visible(nat).await;
        assert_eq!(
            first.nat_gateway().and_then(|n| n.nat_gateway_id()),
            again.nat_gateway().and_then(|n| n.nat_gateway_id())
        );
    });
}

// 3, 4, 7 (Fargate egress), 8 (RunTask token), 9, 10 and ListTasks: ECS.

/// A NAT gateway in `subnet` and the VPC's default route to it.
async fn nat_route(world: &World, vpc: &str, subnet: &str) {
    let (eip, _) = until_visible(|| world.ec2.allocate_address().send()).await;
    let (gateway, _) = until_visible(|| {
        world
            .ec2
            .create_nat_gateway()
            .subnet_id(subnet)
            .allocation_id(eip.allocation_id().unwrap())
            .send()
    })
    .await;
    let gateway = gateway
        .nat_gateway()
        .and_then(|n| n.nat_gateway_id())
        .unwrap();
    let tables = world
        .ec2
        .describe_route_tables()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(vpc)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let table = tables.route_tables()[0].route_table_id().unwrap();
    until_visible(|| {
        world
            .ec2
            .create_route()
            .route_table_id(table)
            .destination_cidr_block("0.0.0.0/0")
            .nat_gateway_id(gateway)
            .send()
    })
    .await;
}

/// A cluster and a task definition whose roles were just created, in a
/// network with (or without) a NAT route.
struct Tasks {
    ecs: aws_sdk_ecs::Client,
    definition: String,
    network: NetworkConfiguration,
}

impl Tasks {
    async fn new(world: &World, nat: bool, secret: Option<&str>) -> Tasks {
        let ecs = aws_sdk_ecs::Client::new(&world.config);
        let iam = aws_sdk_iam::Client::new(&world.config);
        let (vpc, subnets) = network(world, &["ap-northeast-1a", "ap-northeast-1c"]).await;
        if nat {
            nat_route(world, &vpc, &subnets[1]).await;
        }
        let role = iam
            .create_role()
            .role_name("shop-dev-execution")
            .assume_role_policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await
            .unwrap();
        let role = role.role().unwrap().arn().to_owned();
        ecs.create_cluster()
            .cluster_name("shop-dev")
            .send()
            .await
            .unwrap();
        let mut container = ContainerDefinition::builder()
            .name("api")
            .image("shop/api:v1")
            .memory(512);
        if let Some(secret) = secret {
            container = container.secrets(
                Secret::builder()
                    .name("DB_PASSWORD")
                    .value_from(format!("{secret}:password::"))
                    .build()
                    .unwrap(),
            );
        }
        let definition = ecs
            .register_task_definition()
            .family("shop-dev-migrate")
            .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .execution_role_arn(&role)
            .cpu("256")
            .memory("512")
            .container_definitions(container.build())
            .send()
            .await
            .unwrap();
        let definition = definition
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap()
            .to_owned();
        // moto's RunTask needs a security group (it answers 500 without).
        let (group, _) = until_visible(|| {
            world
                .ec2
                .create_security_group()
                .group_name("shop-dev-service")
                .description("service")
                .vpc_id(&vpc)
                .send()
        })
        .await;
        let network = NetworkConfiguration::builder()
            .awsvpc_configuration(
                AwsVpcConfiguration::builder()
                    .subnets(&subnets[0])
                    .security_groups(group.group_id().unwrap())
                    .build()
                    .unwrap(),
            )
            .build();
        Tasks {
            ecs,
            definition,
            network,
        }
    }

    async fn run(&self, token: Option<&str>) -> String {
        let out = self
            .ecs
            .run_task()
            .cluster("shop-dev")
            .task_definition(&self.definition)
            .launch_type(LaunchType::Fargate)
            .network_configuration(self.network.clone())
            .set_client_token(token.map(str::to_owned))
            .send()
            .await
            .unwrap();
        out.tasks()[0].task_arn().unwrap().to_owned()
    }

    /// Describes the task until it stops; its stopped reason and exit code.
    async fn outcome(&self, arn: &str) -> (String, Option<i32>) {
        for _ in 0..20 {
            let out = self
                .ecs
                .describe_tasks()
                .cluster("shop-dev")
                .tasks(arn)
                .send()
                .await
                .unwrap();
            let task = &out.tasks()[0];
            if task.last_status() == Some("STOPPED") {
                return (
                    task.stopped_reason().unwrap_or_default().to_owned(),
                    task.containers()[0].exit_code(),
                );
            }
        }
        panic!("task {arn} never stopped");
    }
}

#[test]
fn a_task_started_before_its_role_propagated_stops_and_a_later_one_runs() {
    let world = World::new();
    world.block_on(async {
        let tasks = Tasks::new(&world, true, None).await;
        // Refused at once the first time, as ECS may.
        let refused = tasks
            .ecs
            .run_task()
            .cluster("shop-dev")
            .task_definition(&tasks.definition)
            .launch_type(LaunchType::Fargate)
            .network_configuration(tasks.network.clone())
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            refused.as_service_error().and_then(|e| e.meta().code()),
            Some("ClientException")
        );
        let first = tasks.run(None).await;
        let (reason, exit) = tasks.outcome(&first).await;
        assert!(
            reason.starts_with("ECS was unable to assume the role"),
            "{reason}"
        );
        assert_eq!(exit, None);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let second = tasks.run(None).await;
        assert_eq!(tasks.outcome(&second).await.1, Some(0));
        // ListTasks agrees with DescribeTasks: both are stopped.
        let stopped = tasks
            .ecs
            .list_tasks()
            .cluster("shop-dev")
            .desired_status(aws_sdk_ecs::types::DesiredStatus::Stopped)
            .send()
            .await
            .unwrap();
        assert!(stopped.task_arns().contains(&first) && stopped.task_arns().contains(&second));
        let running = tasks
            .ecs
            .list_tasks()
            .cluster("shop-dev")
            .send()
            .await
            .unwrap();
        assert!(running.task_arns().is_empty(), "{:?}", running.task_arns());
    });
}

#[test]
fn a_fargate_task_in_a_private_subnet_needs_a_nat_route_or_endpoints() {
    let world = World::with(Strictness {
        iam_propagation: Duration::ZERO,
        ..Strictness::aws()
    });
    world.block_on(async {
        let private = Tasks::new(&world, false, None).await;
        let arn = private.run(None).await;
        let (reason, exit) = private.outcome(&arn).await;
        assert!(
            reason.starts_with("ResourceInitializationError"),
            "{reason}"
        );
        assert!(
            reason.contains("ecr.api, ecr.dkr, s3, logs, secretsmanager"),
            "{reason}"
        );
        assert_eq!(exit, None);
    });
    let world = World::with(Strictness {
        iam_propagation: Duration::ZERO,
        ..Strictness::aws()
    });
    world.block_on(async {
        let with_nat = Tasks::new(&world, true, None).await;
        let arn = with_nat.run(None).await;
        assert_eq!(with_nat.outcome(&arn).await.1, Some(0));
        // The same client token starts no second task.
        let first = with_nat.run(Some("migrate-1")).await;
        let again = with_nat.run(Some("migrate-1")).await;
        assert_eq!(first, again);
    });
}

#[test]
fn a_cluster_with_capacity_providers_needs_the_service_linked_role_first() {
    let world = World::new();
    let ecs = aws_sdk_ecs::Client::new(&world.config);
    let iam = aws_sdk_iam::Client::new(&world.config);
    world.block_on(async {
        let naive = ecs
            .create_cluster()
            .cluster_name("shop-dev")
            .capacity_providers("FARGATE")
            .send()
            .await;
        assert!(message(naive).contains("service linked role"));
        iam.create_service_linked_role()
            .aws_service_name("ecs.amazonaws.com")
            .send()
            .await
            .unwrap();
        ecs.create_cluster()
            .cluster_name("shop-dev")
            .capacity_providers("FARGATE")
            .send()
            .await
            .unwrap();
    });
}

#[test]
fn a_rotated_secret_leaves_running_tasks_with_the_old_value() {
    let world = World::with(Strictness {
        iam_propagation: Duration::ZERO,
        ..Strictness::aws()
    });
    let secrets = aws_sdk_secretsmanager::Client::new(&world.config);
    world.block_on(async {
        let secret = secrets
            .create_secret()
            .name("rds!db-shop-dev")
            .secret_string(r#"{"username":"admin","password":"first"}"#)
            .send()
            .await
            .unwrap();
        let arn = secret.arn().unwrap().to_owned();
        world.sim.simulate(awsdeploy_testkit::Lifecycle::EcsTask {
            polls: 100,
            outcome: awsdeploy_testkit::TaskOutcome::Exits(0),
            log_lines: Vec::new(),
        });
        let tasks = Tasks::new(&world, true, Some(&arn)).await;
        let task = tasks.run(None).await;
        assert!(world.sim.stale_secret_holders().is_empty());
        assert_eq!(world.sim.rotate_secret(&arn).unwrap(), arn);
        let now = secrets
            .get_secret_value()
            .secret_id(&arn)
            .send()
            .await
            .unwrap();
        assert!(!now.secret_string().unwrap().contains("first"));
        assert_eq!(world.sim.stale_secret_holders(), vec![task]);
        // A task started after the rotation reads the new value.
        let fresh = tasks.run(None).await;
        assert!(!world.sim.stale_secret_holders().contains(&fresh));
    });
}

#[test]
fn on_the_wall_clock_a_task_stops_when_its_time_has_passed_whatever_the_polls() {
    let world = World::with(Strictness {
        iam_propagation: Duration::ZERO,
        ..Strictness::aws()
    });
    world.block_on(async {
        let tasks = Tasks::new(&world, true, None).await;
        world.sim.set_wall_clock(Some(Duration::from_secs(2)));
        let started = std::time::Instant::now();
        let arn = tasks.run(None).await;
        let mut polls = 0;
        loop {
            polls += 1;
            let out = tasks
                .ecs
                .describe_tasks()
                .cluster("shop-dev")
                .tasks(&arn)
                .send()
                .await
                .unwrap();
            if out.tasks()[0].last_status() == Some("STOPPED") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(started.elapsed() >= Duration::from_secs(2));
        assert!(
            polls > 3,
            "a poll-counted task (2 polls) would have stopped sooner"
        );
    });
}

/// Writes a CNAME in a Route 53 zone, as a client validating a domain does.
async fn upsert_cname(route53: &aws_sdk_route53::Client, zone: &str, name: &str, value: &str) {
    use aws_sdk_route53::types::{
        Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
    };
    let record = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Cname)
        .ttl(300)
        .resource_records(ResourceRecord::builder().value(value).build().unwrap())
        .build()
        .unwrap();
    let change = Change::builder()
        .action(ChangeAction::Upsert)
        .resource_record_set(record)
        .build()
        .unwrap();
    route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(ChangeBatch::builder().changes(change).build().unwrap())
        .send()
        .await
        .unwrap();
}

// 5. Certificates.

#[test]
fn a_certificate_is_issued_once_its_record_is_in_the_zone_and_listeners_wait_for_it() {
    use aws_sdk_elasticloadbalancingv2::types::{
        Action, ActionTypeEnum, Certificate, ProtocolEnum,
    };
    let world = World::new();
    let acm = aws_sdk_acm::Client::new(&world.config);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&world.config);
    let route53 = aws_sdk_route53::Client::new(&world.config);
    world.block_on(async {
        let (vpc, subnets) = network(&world, &["ap-northeast-1a", "ap-northeast-1c"]).await;
        let alb = elb
            .create_load_balancer()
            .name("shop-dev-alb")
            .set_subnets(Some(subnets))
            .send()
            .await
            .unwrap();
        let alb = alb.load_balancers()[0]
            .load_balancer_arn()
            .unwrap()
            .to_owned();
        let group = elb
            .create_target_group()
            .name("shop-dev-api")
            .protocol(ProtocolEnum::Http)
            .port(8080)
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap();
        let group = group.target_groups()[0]
            .target_group_arn()
            .unwrap()
            .to_owned();
        let zone = route53
            .create_hosted_zone()
            .name("example.com")
            .caller_reference("strict-test")
            .send()
            .await
            .unwrap();
        let zone = zone.hosted_zone().unwrap().id().to_owned();
        let certificate = acm
            .request_certificate()
            .domain_name("api.example.com")
            .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
            .send()
            .await
            .unwrap();
        let certificate = certificate.certificate_arn().unwrap().to_owned();
        let describe = || async {
            acm.describe_certificate()
                .certificate_arn(&certificate)
                .send()
                .await
                .unwrap()
                .certificate()
                .unwrap()
                .clone()
        };
        // The first describes have no record to write yet.
        for _ in 0..2 {
            let options = describe().await.domain_validation_options().to_vec();
            assert!(options[0].resource_record().is_none());
        }
        let seen = describe().await;
        let record = seen.domain_validation_options()[0]
            .resource_record()
            .expect("the record, from the third describe")
            .clone();
        let listener = || {
            elb.create_listener()
                .load_balancer_arn(&alb)
                .protocol(ProtocolEnum::Https)
                .port(443)
                .certificates(Certificate::builder().certificate_arn(&certificate).build())
                .default_actions(
                    Action::builder()
                        .r#type(ActionTypeEnum::Forward)
                        .target_group_arn(&group)
                        .build(),
                )
                .send()
        };
        assert_eq!(code(listener().await), "UnsupportedCertificate");
        tokio::time::sleep(Duration::from_millis(1500)).await; // not issued without the record
        assert_eq!(
            describe().await.status(),
            Some(&aws_sdk_acm::types::CertificateStatus::PendingValidation)
        );
        upsert_cname(&route53, &zone, record.name(), record.value()).await;
        assert_eq!(
            describe().await.status(),
            Some(&aws_sdk_acm::types::CertificateStatus::Issued)
        );
        // Just issued: a listener still refuses it for a moment.
        assert_eq!(code(listener().await), "UnsupportedCertificate");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        listener().await.unwrap();
    });
}

// 6. Amplify: domain verification, a deployment never started.

/// The app `shop-dev-web` with its branch `main`; returns the app's id.
async fn app_with_branch(amplify: &aws_sdk_amplify::Client) -> String {
    let app = amplify
        .create_app()
        .name("shop-dev-web")
        .send()
        .await
        .unwrap();
    let app = app.app().unwrap().app_id().to_owned();
    amplify
        .create_branch()
        .app_id(&app)
        .branch_name("main")
        .send()
        .await
        .unwrap();
    app
}

#[test]
fn an_amplify_domain_shows_its_record_at_pending_verification_and_waits_for_it() {
    use aws_sdk_amplify::types::{DomainStatus, SubDomainSetting};
    let world = World::new();
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    let route53 = aws_sdk_route53::Client::new(&world.config);
    world.block_on(async {
        let app = app_with_branch(&amplify).await;
        let created = amplify
            .create_domain_association()
            .app_id(&app)
            .domain_name("shop.example.com")
            .sub_domain_settings(
                SubDomainSetting::builder()
                    .prefix("")
                    .branch_name("main")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert!(
            created
                .domain_association()
                .unwrap()
                .certificate_verification_dns_record()
                .is_none()
        );
        let get = || async {
            amplify
                .get_domain_association()
                .app_id(&app)
                .domain_name("shop.example.com")
                .send()
                .await
                .unwrap()
                .domain_association()
                .unwrap()
                .clone()
        };
        let mut statuses = Vec::new();
        let record = loop {
            let seen = get().await;
            statuses.push(seen.domain_status().clone());
            if let Some(record) = seen.certificate_verification_dns_record() {
                break record.to_owned();
            }
            assert!(statuses.len() < 5, "{statuses:?}");
        };
        assert_eq!(
            statuses,
            [
                DomainStatus::RequestingCertificate,
                DomainStatus::PendingVerification
            ]
        );
        for _ in 0..3 {
            assert_eq!(
                get().await.domain_status(),
                &DomainStatus::PendingVerification
            );
        }
        let zone = route53
            .create_hosted_zone()
            .name("example.com")
            .caller_reference("strict-amplify")
            .send()
            .await
            .unwrap();
        let zone = zone.hosted_zone().unwrap().id().to_owned();
        let mut parts = record.split_whitespace();
        let (name, value) = (parts.next().unwrap(), parts.nth(1).unwrap());
        upsert_cname(&route53, &zone, name, value).await;
        assert_eq!(
            get().await.domain_status(),
            &DomainStatus::PendingDeployment
        );
        assert_eq!(get().await.domain_status(), &DomainStatus::Available);
    });
}

#[test]
fn an_amplify_deployment_never_started_blocks_its_branch_until_stopped() {
    let world = World::new();
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    world.block_on(async {
        let app = app_with_branch(&amplify).await;
        let deploy = || {
            amplify
                .create_deployment()
                .app_id(&app)
                .branch_name("main")
                .send()
        };
        let abandoned = deploy().await.unwrap().job_id().unwrap().to_owned();
        assert!(message(deploy().await).contains("already running"));
        let jobs = amplify
            .list_jobs()
            .app_id(&app)
            .branch_name("main")
            .send()
            .await
            .unwrap();
        assert_eq!(
            jobs.job_summaries()[0].status(),
            &aws_sdk_amplify::types::JobStatus::Pending
        );
        amplify
            .stop_job()
            .app_id(&app)
            .branch_name("main")
            .job_id(&abandoned)
            .send()
            .await
            .unwrap();
        deploy().await.unwrap();
    });
}
