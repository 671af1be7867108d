//! `service.tracing = "xray"`: the X-Ray daemon beside the API, its log
//! stream, the task role's permission to send segments and the variable
//! the X-Ray SDKs read; removed again in one new revision.

use crate::harness::{World, push_image};

fn spec_text(tracing: &str) -> String {
    format!("azs = 2\nnat = \"single\"\n\n[registry]\n\n[service]\ndesired_count = 1\n{tracing}")
}

#[test]
fn tracing_adds_the_daemon_and_its_permission_and_removing_it_takes_both_away() {
    let world = World::new();
    let app = "traced";
    let spec = world.network_spec(app, &spec_text("tracing = \"xray\"\n"));
    let spec = spec.to_str().unwrap().to_owned();
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    push_image(&world, &format!("{app}/dev/api"), "v1");
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);

    let ecs = aws_sdk_ecs::Client::new(&world.config);
    let definition = |revision: &str| {
        world
            .block_on(
                ecs.describe_task_definition()
                    .task_definition(format!("{app}-dev-api:{revision}"))
                    .send(),
            )
            .unwrap()
            .task_definition()
            .unwrap()
            .clone()
    };
    let traced = definition("1");
    let containers = traced.container_definitions();
    assert_eq!(containers.len(), 2);
    let daemon = &containers[1];
    assert_eq!(daemon.name(), Some("xray-daemon"));
    assert_eq!(
        daemon.image(),
        Some("public.ecr.aws/xray/aws-xray-daemon:3.x")
    );
    assert_eq!(daemon.essential(), Some(false));
    assert_eq!(
        daemon
            .log_configuration()
            .and_then(|l| l.options())
            .and_then(|o| o.get("awslogs-stream-prefix"))
            .map(String::as_str),
        Some("xray-daemon")
    );
    assert_eq!(
        containers[0].memory().unwrap() + daemon.memory().unwrap(),
        512,
        "the containers fit the task's memory"
    );
    assert!(
        containers[0]
            .environment()
            .iter()
            .any(|kv| kv.name() == Some("AWS_XRAY_DAEMON_ADDRESS")
                && kv.value() == Some("127.0.0.1:2000"))
    );
    let policy = task_policy(&world, app);
    assert!(
        policy.contains("xray%3APutTraceSegments") || policy.contains("xray:PutTraceSegments"),
        "{policy}"
    );
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);

    // Off again: one new revision without the daemon, and the permission
    // gone.
    std::fs::write(
        &spec,
        format!(
            "[app]\nname = \"{app}\"\nregion = \"ap-northeast-1\"\n\n[network]\ncidr = \"10.20.0.0/16\"\n{}",
            spec_text("")
        ),
    )
    .unwrap();
    world.sim.reset_calls();
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    assert_eq!(world.sim.count("ecs", "RegisterTaskDefinition"), 1);
    let plain = definition("2");
    assert_eq!(plain.container_definitions().len(), 1);
    assert!(
        !plain.container_definitions()[0]
            .environment()
            .iter()
            .any(|kv| kv.name() == Some("AWS_XRAY_DAEMON_ADDRESS"))
    );
    let policy = task_policy(&world, app);
    assert!(!policy.contains("xray"), "{policy}");
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);
}

/// The task role's inline policy, as IAM returns it.
fn task_policy(world: &World, app: &str) -> String {
    let iam = aws_sdk_iam::Client::new(&world.config);
    let role = format!("{app}-dev-task");
    let names = world
        .block_on(iam.list_role_policies().role_name(&role).send())
        .unwrap();
    names
        .policy_names()
        .first()
        .map(|name| {
            world
                .block_on(
                    iam.get_role_policy()
                        .role_name(&role)
                        .policy_name(name)
                        .send(),
                )
                .unwrap()
                .policy_document()
                .to_owned()
        })
        .unwrap_or_default()
}
