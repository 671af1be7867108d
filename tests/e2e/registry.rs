//! The registry end to end: the ECR repository made with immutable tags,
//! scan on push and its lifecycle policy, a no-op re-plan, `keep_images` as
//! one update, the image-tag check with the push command, and `down`
//! keeping the repository (and its images) until `--delete-data`.

use crate::harness::{World, mutating_calls};

fn registry_spec(world: &World, app: &str, keep: u32) -> String {
    let path = world.network_spec(
        app,
        &format!("azs = 2\nnat = \"single\"\n\n[registry]\nkeep_images = {keep}\n"),
    );
    path.to_str().unwrap().to_owned()
}

fn kept_images(world: &World, repository: &str) -> serde_json::Value {
    let ecr = aws_sdk_ecr::Client::new(&world.config);
    let policy = world
        .block_on(
            ecr.get_lifecycle_policy()
                .repository_name(repository)
                .send(),
        )
        .unwrap();
    let policy: serde_json::Value =
        serde_json::from_str(policy.lifecycle_policy_text().unwrap()).unwrap();
    policy["rules"][0]["selection"]["countNumber"].clone()
}

#[test]
fn the_repository_is_made_updated_in_place_and_kept_by_down_without_delete_data() {
    let world = World::new();
    let ecr = aws_sdk_ecr::Client::new(&world.config);
    let spec = registry_spec(&world, "reg", 5);
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);

    let repos = world
        .block_on(
            ecr.describe_repositories()
                .repository_names("reg/dev/api")
                .send(),
        )
        .unwrap();
    let repo = &repos.repositories()[0];
    assert_eq!(
        repo.image_tag_mutability(),
        Some(&aws_sdk_ecr::types::ImageTagMutability::Immutable)
    );
    assert!(repo.image_scanning_configuration().unwrap().scan_on_push());
    assert_eq!(kept_images(&world, "reg/dev/api"), 5);
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);

    // Keeping more images is one change, in place.
    let more = registry_spec(&world, "reg", 10);
    let diff = world.run(&["diff", "-f", &more, "--detailed-exitcode"]);
    diff.assert_code(2);
    assert!(
        diff.stdout.contains("keep the newest 10"),
        "{}",
        diff.stdout
    );
    world.sim.reset_calls();
    world.run(&["up", "-f", &more, "--yes"]).assert_code(0);
    assert_eq!(world.sim.count("ecr", "CreateRepository"), 0);
    assert_eq!(world.sim.count("ecr", "PutLifecyclePolicy"), 1);
    assert_eq!(kept_images(&world, "reg/dev/api"), 10);
    world
        .run(&["diff", "-f", &more, "--detailed-exitcode"])
        .assert_code(0);

    // `down` keeps what holds images until it is told otherwise.
    let down = world.run(&["down", "-f", &more, "-e", "dev", "--yes"]);
    down.assert_code(0);
    let said = format!("{}{}", down.stdout, down.stderr);
    assert!(
        said.contains("reg/dev/api") && said.contains("--delete-data"),
        "{said}"
    );
    assert!(
        world
            .block_on(
                ecr.describe_repositories()
                    .repository_names("reg/dev/api")
                    .send()
            )
            .is_ok()
    );
    world
        .run(&["down", "-f", &more, "-e", "dev", "--yes", "--delete-data"])
        .assert_code(0);
    assert!(
        world
            .block_on(
                ecr.describe_repositories()
                    .repository_names("reg/dev/api")
                    .send()
            )
            .is_err()
    );
}

#[test]
fn a_missing_image_tag_stops_up_with_the_push_command() {
    let world = World::new();
    let spec = world.network_spec(
        "img",
        "azs = 2\nnat = \"single\"\n\n[registry]\n\n[service]\ndesired_count = 1\n",
    );
    let spec = spec.to_str().unwrap().to_owned();
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);

    world.sim.reset_calls();
    let up = world.run(&["up", "-f", &spec, "--yes", "--image-tag", "v42"]);
    up.assert_code(1);
    assert!(
        up.stderr.contains("image tag v42 is not in"),
        "{}",
        up.stderr
    );
    assert!(up.stderr.contains("docker push"), "{}", up.stderr);
    assert!(up.stderr.contains("img/dev/api:v42"), "{}", up.stderr);
    assert_eq!(mutating_calls(&world), 0, "{:?}", world.sim.calls());

    // Pushed (as CI would), the same up goes through.
    crate::harness::push_image(&world, "img/dev/api", "v42");
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v42"])
        .assert_code(0);
}
