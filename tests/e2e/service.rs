//! The service end to end, with what stands in front of it: the load
//! balancer with HTTPS, the certificate validated through Route 53, the
//! ECS service and its rollouts (simulated by the testkit), autoscaling and
//! the API's record. The helpers here are the other service-tier modules'
//! (`load_balancer`, `certificate`, `dns`).

use awsdeploy_testkit::{Lifecycle, RolloutOutcome};

use crate::harness::{self, World, mutating_calls, planned, push_image};

pub(crate) const ZONE: &str = "example.com";
const MODERN_TLS: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// A spec for `app` with a registry and a service; `extra` is appended
/// (more `[service]` keys first, then other sections).
pub(crate) fn stack_spec(world: &World, app: &str, extra: &str) -> String {
    let path = world.network_spec(
        app,
        &format!(
            "azs = 2\nnat = \"single\"\n\n[registry]\nkeep_images = 5\n\n[service]\nport = 8080\ndesired_count = 2\nenv = {{ LOG_LEVEL = \"info\" }}\n{extra}\n"
        ),
    );
    path.to_str().unwrap().to_owned()
}

pub(crate) fn dns_section(app: &str) -> String {
    format!("\n[dns]\nzone = \"{ZONE}\"\napi = \"api.{app}.{ZONE}\"\n")
}

/// The team's hosted zone: awsdeploy never creates it.
pub(crate) fn create_zone(world: &World) -> String {
    harness::create_zone(world, ZONE)
}

fn ecs(world: &World) -> aws_sdk_ecs::Client {
    aws_sdk_ecs::Client::new(&world.config)
}

pub(crate) fn service(world: &World, app: &str) -> aws_sdk_ecs::types::Service {
    let out = world
        .block_on(
            ecs(world)
                .describe_services()
                .cluster(format!("{app}-dev"))
                .services("api")
                .send(),
        )
        .unwrap();
    out.services().first().cloned().expect("the service exists")
}

fn group_id(world: &World, name: &str) -> String {
    let out = world
        .block_on(
            world
                .ec2
                .describe_security_groups()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("tag:Name")
                        .values(name)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    out.security_groups()[0].group_id().unwrap().to_owned()
}

fn subnet_ids(world: &World, prefix: &str) -> Vec<String> {
    let out = world.block_on(world.ec2.describe_subnets().send()).unwrap();
    let mut ids: Vec<String> = out
        .subnets()
        .iter()
        .filter(|s| {
            s.tags().iter().any(|t| {
                t.key() == Some("Name") && t.value().is_some_and(|v| v.starts_with(prefix))
            })
        })
        .map(|s| s.subnet_id().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
#[allow(clippy::too_many_lines)] // one stack's life: create, check, redeploy
fn the_stack_is_created_with_https_and_dns_then_an_image_change_is_one_revision() {
    let world = World::new();
    let zone_id = create_zone(&world);
    let app = "svc";
    let api = format!("api.{app}.{ZONE}");
    let spec = stack_spec(&world, app, &dns_section(app));

    // 1. No image yet: everything but the ECS service, and the plan says why.
    let first = world.run(&["up", "-f", &spec, "--yes"]);
    first.assert_code(0);
    assert!(
        first.stdout.contains("the service is not deployed yet"),
        "{}",
        first.stdout
    );
    assert_eq!(world.sim.count("ecs", "CreateService"), 0);

    // 2. CI pushed v1: `up --image-tag v1` deploys it and shows the rollout.
    push_image(&world, &format!("{app}/dev/api"), "v1");
    let deploy = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"]);
    deploy.assert_code(0);
    assert!(
        deploy.stderr.contains("running") && deploy.stderr.contains("serves with 2 tasks"),
        "{}",
        deploy.stderr
    );
    let svc = service(&world, app);
    assert!(
        svc.task_definition()
            .unwrap()
            .ends_with(&format!("{app}-dev-api:1"))
    );
    assert_eq!(svc.desired_count(), 2);
    let vpc = svc
        .network_configuration()
        .unwrap()
        .awsvpc_configuration()
        .unwrap();
    assert_eq!(
        vpc.assign_public_ip(),
        Some(&aws_sdk_ecs::types::AssignPublicIp::Disabled),
        "tasks get no public IP"
    );
    let mut subnets = vpc.subnets().to_vec();
    subnets.sort();
    assert_eq!(subnets, subnet_ids(&world, &format!("{app}-dev-private-")));
    assert_eq!(
        vpc.security_groups(),
        [group_id(&world, &format!("{app}-dev-service"))]
    );
    let breaker = svc
        .deployment_configuration()
        .unwrap()
        .deployment_circuit_breaker()
        .unwrap();
    assert!(breaker.enable() && breaker.rollback());

    // The task definition: the pushed image, the port, logs to the stack's group.
    let td = world
        .block_on(
            ecs(&world)
                .describe_task_definition()
                .task_definition(svc.task_definition().unwrap())
                .send(),
        )
        .unwrap();
    let td = td.task_definition().unwrap();
    let container = &td.container_definitions()[0];
    assert!(
        container
            .image()
            .unwrap()
            .ends_with(&format!("/{app}/dev/api:v1"))
    );
    assert_eq!(container.port_mappings()[0].container_port(), Some(8080));
    let log = container.log_configuration().unwrap().options().unwrap();
    assert_eq!(log["awslogs-group"], format!("/awsdeploy/{app}/dev"));
    assert_eq!(
        td.network_mode(),
        Some(&aws_sdk_ecs::types::NetworkMode::Awsvpc)
    );

    // The service group admits the load balancer's group only.
    let service_group = world
        .block_on(
            world
                .ec2
                .describe_security_groups()
                .group_ids(group_id(&world, &format!("{app}-dev-service")))
                .send(),
        )
        .unwrap();
    let permissions = service_group.security_groups()[0].ip_permissions();
    assert_eq!(permissions.len(), 1);
    assert!(permissions[0].ip_ranges().is_empty());
    let sources: Vec<_> = permissions[0]
        .user_id_group_pairs()
        .iter()
        .map(|p| p.group_id().unwrap().to_owned())
        .collect();
    assert_eq!(sources, [group_id(&world, &format!("{app}-dev-lb"))]);
    assert_eq!(permissions[0].from_port(), Some(8080));

    // Listeners: 443 with the certificate and the modern policy, 80 → 443.
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&world.config);
    let lbs = world
        .block_on(
            elb.describe_load_balancers()
                .names(format!("{app}-dev-alb"))
                .send(),
        )
        .unwrap();
    let lb = &lbs.load_balancers()[0];
    assert_eq!(
        lb.scheme(),
        Some(&aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::InternetFacing)
    );
    let listeners = world
        .block_on(
            elb.describe_listeners()
                .load_balancer_arn(lb.load_balancer_arn().unwrap())
                .send(),
        )
        .unwrap();
    let https = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(443))
        .expect("an HTTPS listener");
    assert_eq!(https.ssl_policy(), Some(MODERN_TLS));
    let certificate = https.certificates()[0].certificate_arn().unwrap();
    let acm = aws_sdk_acm::Client::new(&world.config);
    let cert = world
        .block_on(
            acm.describe_certificate()
                .certificate_arn(certificate)
                .send(),
        )
        .unwrap();
    let cert = cert.certificate().unwrap();
    assert_eq!(cert.domain_name(), Some(api.as_str()));
    assert_eq!(
        cert.status(),
        Some(&aws_sdk_acm::types::CertificateStatus::Issued)
    );
    let http = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(80))
        .expect("an HTTP listener");
    let redirect = http.default_actions()[0].redirect_config().unwrap();
    assert_eq!(
        (redirect.protocol(), redirect.port()),
        (Some("HTTPS"), Some("443"))
    );

    // The validation record and the API's alias are in the zone.
    let route53 = aws_sdk_route53::Client::new(&world.config);
    let records = world
        .block_on(
            route53
                .list_resource_record_sets()
                .hosted_zone_id(&zone_id)
                .send(),
        )
        .unwrap();
    let alias = records
        .resource_record_sets()
        .iter()
        .find(|r| r.name().trim_end_matches('.') == api && r.r#type().as_str() == "A")
        .expect("the API's A record");
    assert_eq!(
        alias
            .alias_target()
            .unwrap()
            .dns_name()
            .trim_end_matches('.')
            .to_lowercase(),
        lb.dns_name().unwrap().to_lowercase()
    );
    assert!(
        records
            .resource_record_sets()
            .iter()
            .any(|r| r.r#type().as_str() == "CNAME"),
        "the certificate's validation record"
    );

    // 3. The same tag again: nothing to do, no new revision.
    let again = world.run(&[
        "diff",
        "-f",
        &spec,
        "--image-tag",
        "v1",
        "--detailed-exitcode",
    ]);
    again.assert_code(0);
    assert_eq!(world.sim.count("ecs", "RegisterTaskDefinition"), 1);

    // 4. The everyday deploy: v2 is one new revision and one service update.
    push_image(&world, &format!("{app}/dev/api"), "v2");
    world.sim.reset_calls();
    let release = world.run(&[
        "up",
        "-f",
        &spec,
        "--yes",
        "--image-tag",
        "v2",
        "--output",
        "json",
    ]);
    release.assert_code(0);
    let plan = release.json();
    assert_eq!(
        planned(&plan, "update"),
        [
            format!("service/{app}-dev-api"),
            format!("service/{app}-dev/api")
        ],
        "only the task definition and the service change"
    );
    assert_eq!(world.sim.count("ecs", "RegisterTaskDefinition"), 1);
    assert_eq!(world.sim.count("ecs", "UpdateService"), 1);
    assert_eq!(mutating_calls(&world), 2, "{:?}", world.sim.calls());
    // The measured cost of an image-only deploy (README, "Performance"):
    // observation, the two changes, and the rollout's polls (two with the
    // default simulation).
    assert_eq!(
        world.sim.total_calls(),
        IMAGE_ONLY_UP_CALLS,
        "{:?}",
        world.sim.calls()
    );
    assert!(
        service(&world, app)
            .task_definition()
            .unwrap()
            .ends_with(&format!("{app}-dev-api:2"))
    );
    world
        .run(&[
            "diff",
            "-f",
            &spec,
            "--image-tag",
            "v2",
            "--detailed-exitcode",
        ])
        .assert_code(0);
}

/// AWS calls of `up --image-tag NEW` against an up-to-date stack with DNS
/// and HTTPS, measured by the proxy's counters: 42 for the deploy (one
/// `ListTopics` finding no alarms' topic among them, and 3 for the
/// permissions boundary: found by path, its document, its tags), 2 for the
/// deploy lock.
const IMAGE_ONLY_UP_CALLS: usize = 49;

#[test]
fn a_failed_rollout_fails_up_and_names_the_revision_that_serves() {
    let world = World::new();
    let app = "roll";
    let spec = stack_spec(&world, app, "");
    let first = world.run(&["up", "-f", &spec, "--yes"]);
    first.assert_code(0);
    assert!(
        first.stdout.contains("serves plain HTTP on port 80"),
        "without [dns] or a certificate the plan warns: {}",
        first.stdout
    );
    push_image(&world, &format!("{app}/dev/api"), "v1");
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);

    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::Fails,
    });
    push_image(&world, &format!("{app}/dev/api"), "v2");
    let bad = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v2"]);
    bad.assert_code(1);
    assert!(
        bad.stderr
            .contains(&format!("the rollout of {app}-dev-api:2 failed"))
            && bad.stderr.contains(&format!("{app}-dev-api:1 is serving")),
        "{}",
        bad.stderr
    );
    assert!(
        bad.stderr.contains("a task failed to start"),
        "events shown: {}",
        bad.stderr
    );
    assert!(!bad.stderr.contains("Applied"), "{}", bad.stderr);
    assert!(
        service(&world, app)
            .task_definition()
            .unwrap()
            .ends_with(&format!("{app}-dev-api:1"))
    );
}

#[test]
fn the_rollout_deadline_is_honoured_and_says_how_to_follow() {
    let world = World::new();
    let app = "slow";
    let spec = stack_spec(&world, app, "rollout_timeout = \"3s\"\n");
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    push_image(&world, &format!("{app}/dev/api"), "v1");
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 1000,
        outcome: RolloutOutcome::Completes,
    });
    let up = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"]);
    up.assert_code(1);
    assert!(
        up.stderr.contains("gave up after 3s")
            && up
                .stderr
                .contains(&format!("--cluster {app}-dev --services api")),
        "{}",
        up.stderr
    );
    // Observation's read and the create's, then the wait's four checks: at
    // once, after 0.5 s and 1.5 s, and at the deadline.
    let polls = world.sim.count("ecs", "DescribeServices");
    assert!(polls <= 6, "{polls}");
}

#[test]
fn autoscaling_is_configured_and_then_removed() {
    let world = World::new();
    let app = "scale";
    let scaled = stack_spec(
        &world,
        app,
        "image_tag = \"v1\"\nautoscaling = { min = 2, max = 6, target_cpu = 50 }\n",
    );
    let plain = stack_spec(&world, app, "image_tag = \"v1\"\n");
    world.run(&["up", "-f", &plain, "--yes"]).assert_code(0);
    push_image(&world, &format!("{app}/dev/api"), "v1");
    world.run(&["up", "-f", &scaled, "--yes"]).assert_code(0);
    let autoscaling = aws_sdk_applicationautoscaling::Client::new(&world.config);
    let resource = format!("service/{app}-dev/api");
    let targets = world
        .block_on(
            autoscaling
                .describe_scalable_targets()
                .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
                .resource_ids(&resource)
                .send(),
        )
        .unwrap();
    let target = &targets.scalable_targets()[0];
    assert_eq!((target.min_capacity(), target.max_capacity()), (2, 6));
    let policies = world
        .block_on(
            autoscaling
                .describe_scaling_policies()
                .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
                .resource_id(&resource)
                .send(),
        )
        .unwrap();
    let policy = policies.scaling_policies()[0]
        .target_tracking_scaling_policy_configuration()
        .unwrap();
    assert!((policy.target_value() - 50.0).abs() < f64::EPSILON);
    world
        .run(&["diff", "-f", &scaled, "--detailed-exitcode"])
        .assert_code(0);

    world.run(&["up", "-f", &plain, "--yes"]).assert_code(0);
    let targets = world
        .block_on(
            autoscaling
                .describe_scalable_targets()
                .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
                .resource_ids(&resource)
                .send(),
        )
        .unwrap();
    assert!(targets.scalable_targets().is_empty());
}
