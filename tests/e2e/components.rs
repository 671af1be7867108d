//! Every component wired end to end: a stack with all of them, applied,
//! planned again with no change; and a plan saved by an earlier awsdeploy
//! (a committed fixture) still applied as it was saved.

use std::path::{Path, PathBuf};

use crate::harness::{World, deploy_every_component};

#[test]
fn every_component_applied_then_planned_again_has_no_change() {
    let world = World::new();
    let spec = deploy_every_component(&world, "all");
    // Its migration names $DATABASE_URL: the `sh` prelude is the task's
    // entry point (an image's own ENTRYPOINT would otherwise run first),
    // the spec's command its command.
    let ecs = aws_sdk_ecs::Client::new(&world.config);
    let migrate = world
        .block_on(
            ecs.describe_task_definition()
                .task_definition("all-dev-migrate")
                .send(),
        )
        .unwrap();
    let container = &migrate.task_definition().unwrap().container_definitions()[0];
    assert_eq!(
        container.entry_point()[..2],
        ["sh".to_owned(), "-c".to_owned()]
    );
    assert_eq!(container.command()[..2], ["sh".to_owned(), "-c".to_owned()]);
    assert!(
        container.command()[2].contains("$DATABASE_URL"),
        "{:?}",
        container.command()
    );
    let again = world.run(&[
        "diff",
        "-f",
        &spec,
        "--image-tag",
        "v1",
        "--detailed-exitcode",
    ]);
    again.assert_code(0);
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans/fresh-stack.json")
}

/// A plan saved by `diff --out` for a fresh env (network, database,
/// registry, logs, IAM, load balancer, cluster): committed, so that a
/// change to the plan format that would refuse or misread saved plans
/// fails here. `UPDATE_FIXTURES=1` saves it again (say why in the commit).
#[test]
fn a_committed_saved_plan_still_applies() {
    let world = World::new();
    let spec = world.network_spec(
        "saved",
        "azs = 2\nnat = \"single\"\n\n[database]\n\n[registry]\n\n[service]\ndesired_count = 1\n",
    );
    let spec = spec.to_str().unwrap();
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        world
            .run(&["diff", "-f", spec, "--out", fixture().to_str().unwrap()])
            .assert_code(0);
    }
    let up = world.run(&["up", "--plan", fixture().to_str().unwrap(), "--yes"]);
    up.assert_code(0);
    // The plan was saved before roles carried the permissions boundary:
    // what this version adds is the boundary and each role's, nothing else.
    let diff = world.run(&[
        "diff",
        "-f",
        spec,
        "--detailed-exitcode",
        "--output",
        "json",
    ]);
    assert_eq!(diff.code, 2, "{}{}", diff.stdout, diff.stderr);
    let plan = diff.json();
    for change in plan["plan"]["changes"].as_array().unwrap() {
        let fields = change["fields"].to_string();
        assert!(
            change["kind"] == "boundary"
                || (change["kind"] == "role" && fields.contains("boundary")),
            "{change}"
        );
    }
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    world
        .run(&["diff", "-f", spec, "--detailed-exitcode"])
        .assert_code(0);
}
