//! `awsdeploy iam-policy` against what awsdeploy does: every call the
//! emulator saw during a whole life of a stack (`up` from nothing, image
//! deploys with migrations, `diff`, `status`, `logs`, `migrate`,
//! `web-release`, `rollback`, `down --delete-data`), and CI's image push, is
//! an action the policy (`--push`) allows, and the policy is valid and holds
//! no wildcard action.

use std::collections::BTreeSet;

use awsdeploy_plan::permissions::action_for;
use awsdeploy_testkit::{Lifecycle, TaskOutcome};

use crate::harness::{World, create_zone, every_component, push_image};

/// The operations `awsdeploy args… -f spec` sends, added to `seen`.
fn collect(world: &World, seen: &mut BTreeSet<(String, String)>, spec: &str, args: &[&str]) -> i32 {
    world.sim.reset_calls();
    let args: Vec<&str> = args.iter().copied().chain(["-f", spec]).collect();
    let run = world.run(&args);
    seen.extend(world.sim.calls().into_keys());
    run.code
}

#[test]
fn the_policy_allows_every_call_of_a_stacks_whole_life_and_no_wildcard() {
    let world = World::new();
    create_zone(&world, "example.com");
    let spec = every_component(&world, "perm");
    // Alarms and a pipeline too: every component there is.
    let text = std::fs::read_to_string(&spec).unwrap()
        + "\n[alarms]\nemail = [\"oncall@example.com\"]\n\n[pipeline]\nrepository = \"acme/perm\"\ngithub_oidc = true\nawsdeploy_git = \"https://github.com/acme/awsdeploy\"\nawsdeploy_rev = \"4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c\"\n";
    std::fs::write(&spec, text).unwrap();

    let printed = world.run(&["iam-policy", "--push", "-f", &spec]);
    printed.assert_code(0);
    let policy = printed.json();
    assert_eq!(policy["Version"], "2012-10-17");
    let statements = policy["Statement"].as_array().expect("statements");
    let mut sids = BTreeSet::new();
    for statement in statements {
        assert_eq!(statement["Effect"], "Allow", "{statement}");
        let sid = statement["Sid"].as_str().expect("a Sid");
        assert!(
            sid.chars().all(|c| c.is_ascii_alphanumeric()) && sids.insert(sid.to_owned()),
            "Sids are unique and alphanumeric: {sid}"
        );
        let actions = statement["Action"].as_array().expect("Action is a list");
        assert!(!actions.is_empty(), "{statement}");
        for action in actions {
            let action = action.as_str().unwrap();
            let (prefix, name) = action.split_once(':').expect("service:Action");
            assert!(
                !action.contains('*') && !prefix.is_empty() && !name.is_empty(),
                "no wildcard actions: {action}"
            );
        }
        let resources = statement["Resource"]
            .as_array()
            .expect("Resource is a list");
        assert!(!resources.is_empty(), "{statement}");
        for resource in resources {
            let resource = resource.as_str().unwrap();
            assert!(
                resource == "*" || resource.starts_with("arn:aws:"),
                "{resource}"
            );
        }
    }
    // IAM's inline policies hold 10,240 characters, whitespace not counted.
    let size = policy
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count();
    assert!(size < 10_240, "the policy is {size} characters");

    let mut seen = BTreeSet::new();
    let run = |seen: &mut BTreeSet<_>, args: &[&str]| collect(&world, seen, &spec, args);
    assert_eq!(run(&mut seen, &["up", "--yes"]), 0);
    // CI's push, with `--push`'s actions.
    world.sim.reset_calls();
    push_image(&world, "perm/dev/api", "v1");
    push_image(&world, "perm/dev/api", "v2");
    seen.extend(world.sim.calls().into_keys());
    world.sim.simulate(Lifecycle::EcsTask {
        polls: 1,
        outcome: TaskOutcome::Exits(0),
        log_lines: vec!["1/u init (1ms)".to_owned()],
    });
    assert_eq!(run(&mut seen, &["up", "--yes", "--image-tag", "v1"]), 0);
    assert_eq!(run(&mut seen, &["diff"]), 0);
    run(&mut seen, &["status"]);
    assert_eq!(run(&mut seen, &["logs"]), 0);
    assert_eq!(run(&mut seen, &["logs", "--migration"]), 0);
    assert_eq!(run(&mut seen, &["migrate", "--image-tag", "v1"]), 0);
    assert_eq!(run(&mut seen, &["web-release", "--force"]), 0);
    assert_eq!(run(&mut seen, &["up", "--yes", "--image-tag", "v2"]), 0);
    assert_eq!(run(&mut seen, &["rollback", "--yes"]), 0);
    assert_eq!(
        run(&mut seen, &["down", "-e", "dev", "--yes", "--delete-data"]),
        0
    );

    // The upload goes to a URL Amplify signed: no permission of the caller's.
    seen.remove(&("s3".to_owned(), "PutObject".to_owned()));
    let mut missing: Vec<String> = seen
        .iter()
        .map(|(service, operation)| action_for(service, operation))
        .filter(|action| !awsdeploy_plan::permissions::allows(&policy, action))
        .collect();
    missing.dedup();
    assert!(
        seen.len() > 120,
        "only {} operations seen: did the flow run?",
        seen.len()
    );
    assert!(
        missing.is_empty(),
        "calls awsdeploy made that `awsdeploy iam-policy` does not allow:\n{}",
        missing.join("\n")
    );
}
