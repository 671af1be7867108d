//! Migrations end to end: `awsdeploy migrate` and the migration step of
//! `up`, against moto with the testkit simulating the task's exit code and
//! log lines.

use awsdeploy_testkit::{Lifecycle, TaskOutcome};

use crate::harness::{World, mutating_calls, push_image};

const APP: &str = "mig";

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/migrations/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A stack with a database, a service and `[migration]`; `migration` adds
/// keys to `[migration]`.
fn stack_spec(world: &World, migration: &str) -> String {
    let path = world.network_spec(
        APP,
        &format!(
            "azs = 2\nnat = \"single\"\n\n[database]\n\n[registry]\nkeep_images = 5\n\n[service]\nport = 8080\ndesired_count = 1\n\n[migration]\ncommand = [\"migrate\", \"-path\", \"/migrations\", \"up\"]\npath = \"{}\"\n{migration}\n",
            fixture("good")
        ),
    );
    path.to_str().unwrap().to_owned()
}

fn lines(outcome: TaskOutcome, lines: &[&str]) -> Lifecycle {
    Lifecycle::EcsTask {
        polls: 2,
        outcome,
        log_lines: lines.iter().map(|l| (*l).to_owned()).collect(),
    }
}

fn ecs(world: &World) -> aws_sdk_ecs::Client {
    aws_sdk_ecs::Client::new(&world.config)
}

fn service_revision(world: &World) -> String {
    let out = world
        .block_on(
            ecs(world)
                .describe_services()
                .cluster(format!("{APP}-dev"))
                .services("api")
                .send(),
        )
        .unwrap();
    out.services()[0].task_definition().unwrap().to_owned()
}

/// The first deploy: the stack, then v1 with its migration.
fn deployed(world: &World, spec: &str) {
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    push_image(world, &format!("{APP}/dev/api"), "v1");
    world.sim.simulate(lines(
        TaskOutcome::Exits(0),
        &["1/u create_products (10ms)", "2/u add_name (12ms)"],
    ));
    let up = world.run(&["up", "-f", spec, "--yes", "--image-tag", "v1"]);
    up.assert_code(0);
    assert!(
        up.stderr.contains("migrate | 1/u create_products")
            && up.stderr.contains("migrate | 2/u add_name"),
        "the migration's lines are streamed during up: {}",
        up.stderr
    );
    assert_eq!(world.sim.count("ecs", "RunTask"), 1);
    assert!(service_revision(world).ends_with(&format!("{APP}-dev-api:1")));
}

#[test]
#[allow(clippy::too_many_lines)] // one stack's life: deploy, migrate, fail
fn migrate_streams_the_log_and_a_failed_migration_stops_up_before_the_service() {
    let world = World::new();
    let spec = stack_spec(&world, "timeout = \"2m\"");
    deployed(&world, &spec);

    // The migration's task definition: the service's image, the command,
    // the database's variables and the master secret, its own log prefix.
    let td = world
        .block_on(
            ecs(&world)
                .describe_task_definition()
                .task_definition(format!("{APP}-dev-migrate"))
                .send(),
        )
        .unwrap();
    let container = &td.task_definition().unwrap().container_definitions()[0];
    assert_eq!(container.name(), Some("migrate"));
    assert!(container.image().unwrap().ends_with("/mig/dev/api:v1"));
    assert_eq!(
        container.command(),
        ["migrate", "-path", "/migrations", "up"]
    );
    // No DATABASE_URL: the image's own entry point runs the command.
    assert!(container.entry_point().is_empty());
    let env: Vec<&str> = container
        .environment()
        .iter()
        .map(|kv| kv.name().unwrap())
        .collect();
    assert_eq!(
        env,
        ["DB_HOST", "DB_NAME", "DB_PORT", "DB_SECRET_ARN", "DB_USER"]
    );
    let secret = &container.secrets()[0];
    assert_eq!(secret.name(), "DB_PASSWORD");
    assert!(
        secret.value_from().ends_with(":password::"),
        "{}",
        secret.value_from()
    );
    // The service gets the same connection, the secret's ARN and no
    // password: it reads the secret when it connects, so rotation is safe.
    let secret_arn = secret.value_from().trim_end_matches(":password::");
    let service_td = world
        .block_on(
            ecs(&world)
                .describe_task_definition()
                .task_definition(service_revision(&world))
                .send(),
        )
        .unwrap();
    let api = &service_td
        .task_definition()
        .unwrap()
        .container_definitions()[0];
    let api_env: std::collections::BTreeMap<&str, &str> = api
        .environment()
        .iter()
        .map(|kv| (kv.name().unwrap(), kv.value().unwrap()))
        .collect();
    assert_eq!(api_env["DB_SECRET_ARN"], secret_arn);
    assert_eq!(
        api_env["DB_HOST"],
        container
            .environment()
            .iter()
            .find(|kv| kv.name() == Some("DB_HOST"))
            .and_then(|kv| kv.value())
            .unwrap()
    );
    assert!(api.secrets().is_empty(), "{:?}", api.secrets());
    let log = container.log_configuration().unwrap().options().unwrap();
    assert_eq!(log["awslogs-group"], format!("/awsdeploy/{APP}/dev"));
    assert_eq!(log["awslogs-stream-prefix"], "migrate");

    // Nothing changed: a plain `up` does not migrate, `--migrate always` does.
    let diff = world.run(&["diff", "-f", &spec, "--detailed-exitcode"]);
    diff.assert_code(0);
    let always = world.run(&["diff", "-f", &spec, "--migrate", "always"]);
    always.assert_code(0);
    assert!(
        always.stdout.contains("migration task") && always.stdout.contains("1 to run"),
        "{}",
        always.stdout
    );

    // --dry-run: the request, in the private subnets with the service's
    // group, and no change.
    world.sim.reset_calls();
    let dry = world.run(&["migrate", "-f", &spec, "--dry-run", "--output", "json"]);
    dry.assert_code(0);
    let request = dry.json();
    let run_task = &request["runTask"];
    assert_eq!(run_task["cluster"], format!("{APP}-dev"));
    assert_eq!(run_task["launchType"], "FARGATE");
    assert!(
        run_task["taskDefinition"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{APP}-dev-migrate:1")),
        "the newest revision is it: {run_task}"
    );
    assert!(request["registerTaskDefinition"].is_null());
    let vpc = &run_task["networkConfiguration"]["awsvpcConfiguration"];
    assert_eq!(vpc["subnets"].as_array().unwrap().len(), 2);
    assert_eq!(vpc["assignPublicIp"], "DISABLED");
    assert_eq!(mutating_calls(&world), 0, "a dry run changes nothing");

    // `migrate`: streams the lines and exits 0.
    world.sim.simulate(lines(
        TaskOutcome::Exits(0),
        &["no change", "current version: 2"],
    ));
    let ok = world.run(&["migrate", "-f", &spec]);
    ok.assert_code(0);
    assert!(
        ok.stderr.contains("migrate | no change")
            && ok.stderr.contains("migrate | current version: 2")
            && ok.stderr.contains("Migration done"),
        "{}",
        ok.stderr
    );
    assert_eq!(
        world.sim.count("ecs", "RegisterTaskDefinition"),
        0,
        "an unchanged definition is reused"
    );

    // Exit code 3: `migrate` exits 3.
    world.sim.simulate(lines(
        TaskOutcome::Exits(3),
        &["error: migration 3 failed: syntax error"],
    ));
    let failed = world.run(&["migrate", "-f", &spec]);
    failed.assert_code(3);
    assert!(
        failed
            .stderr
            .contains("migrate | error: migration 3 failed")
            && failed.stderr.contains("exited with code 3"),
        "{}",
        failed.stderr
    );

    // In `up`, the failed migration stops the deploy before the service.
    push_image(&world, &format!("{APP}/dev/api"), "v2");
    world.sim.reset_calls();
    let up = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v2"]);
    up.assert_code(1);
    assert!(
        up.stderr.contains("exited with code 3")
            && up.stderr.contains("not started: service/mig-dev/api")
            && up.stderr.contains("The ECS service was not updated"),
        "{}",
        up.stderr
    );
    assert_eq!(world.sim.count("ecs", "UpdateService"), 0);
    assert!(service_revision(&world).ends_with(&format!("{APP}-dev-api:1")));
}

#[test]
fn no_exit_code_a_dirty_database_and_the_deadline_each_fail_clearly() {
    let world = World::new();
    let spec = stack_spec(&world, "timeout = \"3s\"");
    deployed(&world, &spec);

    // The task never ran: the stopped reason, exit 1.
    world.sim.simulate(lines(
        TaskOutcome::FailsToStart(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s)".to_owned(),
        ),
        &[],
    ));
    let pull = world.run(&["migrate", "-f", &spec]);
    pull.assert_code(1);
    assert!(
        pull.stderr.contains("stopped without an exit code")
            && pull.stderr.contains("CannotPullContainerError"),
        "{}",
        pull.stderr
    );

    // golang-migrate's dirty state: the manual fix, never a force.
    world.sim.simulate(lines(
        TaskOutcome::Exits(1),
        &["error: Dirty database version 2. Fix and force version."],
    ));
    let dirty = world.run(&["migrate", "-f", &spec]);
    dirty.assert_code(1);
    assert!(
        dirty.stderr.contains("marked dirty at version 2")
            && dirty.stderr.contains("never forces")
            && dirty.stderr.contains("`force 1`"),
        "{}",
        dirty.stderr
    );

    // Past migration.timeout: the task is stopped, then the command fails.
    world.sim.simulate(Lifecycle::EcsTask {
        polls: 10_000,
        outcome: TaskOutcome::Exits(0),
        log_lines: Vec::new(),
    });
    world.sim.reset_calls();
    let slow = world.run(&["migrate", "-f", &spec]);
    slow.assert_code(1);
    assert!(
        slow.stderr.contains("still running after") && slow.stderr.contains("it was stopped"),
        "{}",
        slow.stderr
    );
    assert_eq!(world.sim.count("ecs", "StopTask"), 1);
}

#[test]
fn a_bad_migrations_folder_is_refused_before_any_aws_call() {
    let world = World::new();
    let spec = world.spec(
        "bad.toml",
        &format!(
            "[app]\nname = \"{APP}\"\nregion = \"ap-northeast-1\"\n[database]\n[registry]\n[service]\n[migration]\ncommand = [\"migrate\", \"up\"]\npath = \"{}\"\n",
            fixture("missing-down")
        ),
    );
    let spec = spec.to_str().unwrap();
    for command in ["validate", "migrate"] {
        let run = world.run(&[command, "-f", spec]);
        run.assert_code(1);
        assert!(
            run.stderr
                .contains("2_add_orders.up.sql: no down migration"),
            "{command}: {}",
            run.stderr
        );
    }
    assert_eq!(world.sim.total_calls(), 0);
}

#[test]
fn a_migration_started_before_its_role_change_reached_ecs_is_started_again() {
    // IAM changes reach ECS a few seconds late; here 5 s.
    let world = World::with(awsdeploy_testkit::Strictness {
        iam_propagation: std::time::Duration::from_secs(5),
        ..awsdeploy_testkit::Strictness::aws()
    });
    let spec = stack_spec(&world, "");
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    push_image(&world, &format!("{APP}/dev/api"), "v2");
    let iam = aws_sdk_iam::Client::new(&world.config);
    let policy = world
        .block_on(
            iam.create_policy()
                .policy_name("mig-reads")
                .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::mig/*"}]}"#)
                .send(),
        )
        .unwrap();
    let arn = policy.policy().unwrap().arn().unwrap().to_owned();
    // The task role changes in the same `up` that migrates: the migration
    // task starts a moment after it, before ECS can assume the role.
    let changed = std::fs::read_to_string(&spec).unwrap().replace(
        "desired_count = 1\n",
        &format!("desired_count = 1\ntask_role_policies = [\"{arn}\"]\n"),
    );
    std::fs::write(&spec, changed).unwrap();
    world.sim.reset_calls();
    world
        .sim
        .simulate(lines(TaskOutcome::Exits(0), &["3/u add_index (9ms)"]));
    let up = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v2"]);
    up.assert_code(0);
    assert_eq!(world.sim.count("iam", "AttachRolePolicy"), 1);
    assert!(
        world.sim.count("ecs", "RunTask") >= 2,
        "the first task could not assume the role and was started again: {}",
        up.stderr
    );
    assert!(
        up.stderr.contains("migrate | 3/u add_index"),
        "{}",
        up.stderr
    );
}
