//! Every component wired end to end: a stack with all of them, applied,
//! planned again with no change; and a plan saved by an earlier awsdeploy
//! (a committed fixture) still applied as it was saved.

use std::path::{Path, PathBuf};

use awsdeploy_testkit::{Lifecycle, TaskOutcome};

use crate::harness::{World, create_zone, every_component, push_image};

#[test]
fn every_component_applied_then_planned_again_has_no_change() {
    let world = World::new();
    create_zone(&world, "example.com");
    let spec = every_component(&world, "all");
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    push_image(&world, "all/dev/api", "v1");
    world.sim.simulate(Lifecycle::EcsTask {
        polls: 1,
        outcome: TaskOutcome::Exits(0),
        log_lines: vec!["1/u init (1ms)".to_owned()],
    });
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);
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
    world
        .run(&["diff", "-f", spec, "--detailed-exitcode"])
        .assert_code(0);
}
