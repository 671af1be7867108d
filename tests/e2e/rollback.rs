//! `awsdeploy rollback`: the API back on the revision before, with one
//! `UpdateService`, its rollout waited for as `up` waits, never a
//! migration; refused, changing nothing, when that revision's image is
//! gone.

use awsdeploy_testkit::{Lifecycle, RolloutOutcome};

use crate::harness::{World, mutating_calls, push_image};

/// A service stack with a migration, at v2 after v1.
fn at_v2(world: &World, app: &str) -> String {
    let spec = world.network_spec(
        app,
        "azs = 2\nnat = \"single\"\n\n[database]\n\n[registry]\n\n[service]\ndesired_count = 1\n\n[migration]\ncommand = [\"migrate\", \"up\"]\n",
    );
    let spec = spec.to_str().unwrap().to_owned();
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    for tag in ["v1", "v2"] {
        push_image(world, &format!("{app}/dev/api"), tag);
        world
            .run(&["up", "-f", &spec, "--yes", "--image-tag", tag])
            .assert_code(0);
    }
    spec
}

/// The revision the service runs, as `family:revision`.
fn serving(world: &World, app: &str) -> String {
    let ecs = aws_sdk_ecs::Client::new(&world.config);
    let out = world
        .block_on(
            ecs.describe_services()
                .cluster(format!("{app}-dev"))
                .services("api")
                .send(),
        )
        .unwrap();
    let arn = out.services()[0].task_definition().unwrap();
    arn.rsplit('/').next().unwrap().to_owned()
}

#[test]
fn rollback_serves_the_revision_before_with_one_update_and_no_migration() {
    let world = World::new();
    let app = "back";
    let spec = at_v2(&world, app);
    assert_eq!(serving(&world, app), format!("{app}-dev-api:2"));

    world.sim.reset_calls();
    let rollback = world.run(&["rollback", "-f", &spec, "--yes"]);
    rollback.assert_code(0);
    assert_eq!(serving(&world, app), format!("{app}-dev-api:1"));
    assert_eq!(world.sim.count("ecs", "UpdateService"), 1);
    assert_eq!(world.sim.count("ecs", "RunTask"), 0, "never a migration");
    assert_eq!(mutating_calls(&world), 1, "{:?}", world.sim.calls());
    assert!(
        rollback
            .stdout
            .contains(&format!("{app}-dev-api:2 → {app}-dev-api:1"))
            || rollback
                .stdout
                .contains(&format!("{app}-dev-api:2 -> {app}-dev-api:1")),
        "the plan shows the revisions: {}",
        rollback.stdout
    );
    assert!(
        rollback.stderr.contains("No migration ran") && rollback.stderr.contains("diff"),
        "{}",
        rollback.stderr
    );
    // The spec's image is now a pending change.
    world
        .run(&[
            "diff",
            "-f",
            &spec,
            "--image-tag",
            "v2",
            "--detailed-exitcode",
        ])
        .assert_code(2);

    // A rollback whose rollout fails is reported as `up` reports one.
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v2"])
        .assert_code(0);
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 2,
        outcome: RolloutOutcome::Fails,
    });
    let failed = world.run(&["rollback", "-f", &spec, "--yes", "--to", "1"]);
    failed.assert_code(1);
    assert!(
        failed
            .stderr
            .contains(&format!("the rollout of {app}-dev-api:1 failed"))
            && failed
                .stderr
                .contains(&format!("{app}-dev-api:2 is serving")),
        "{}",
        failed.stderr
    );
}

#[test]
fn a_rollback_to_an_image_the_repository_no_longer_has_is_refused_unchanged() {
    let world = World::new();
    let app = "expired";
    let spec = at_v2(&world, app);
    let ecr = aws_sdk_ecr::Client::new(&world.config);
    world
        .block_on(
            ecr.batch_delete_image()
                .repository_name(format!("{app}/dev/api"))
                .image_ids(
                    aws_sdk_ecr::types::ImageIdentifier::builder()
                        .image_tag("v1")
                        .build(),
                )
                .send(),
        )
        .unwrap();
    world.sim.reset_calls();
    let refused = world.run(&["rollback", "-f", &spec, "--yes"]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("no longer in the repository")
            && refused.stderr.contains("nothing was changed")
            && refused.stderr.contains("--to REVISION"),
        "{}",
        refused.stderr
    );
    assert_eq!(mutating_calls(&world), 0, "{:?}", world.sim.calls());
    assert_eq!(serving(&world, app), format!("{app}-dev-api:2"));
    // Nothing older to go to from the first revision, named by its number.
    let none = world.run(&["rollback", "-f", &spec, "--yes", "--to", "7"]);
    none.assert_code(1);
    assert!(
        none.stderr.contains("no active revision 7"),
        "{}",
        none.stderr
    );
}
