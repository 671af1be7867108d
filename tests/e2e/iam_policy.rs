//! `awsdeploy iam-policy` against what awsdeploy does: every call the
//! emulator saw during a whole life of a stack is an action the policy
//! allows: CI's image push and deploys (image deploys with migrations,
//! `diff`, `status`, `logs`, `migrate`, `web-release`, `rollback`) the
//! deploy policy (`--push`), the first `up` and `down --delete-data`
//! `--admin`'s; and the policy is valid and holds no wildcard action.

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
    check_document(&policy);

    // The administrator's part: the first `up` (the boundary, the roles
    // that deploy) and `down`; everything else is the deploy policy's.
    let admin = world.run(&["iam-policy", "--admin", "-f", &spec]);
    admin.assert_code(0);
    let admin = admin.json();
    let mut by_admin = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let run = |seen: &mut BTreeSet<_>, args: &[&str]| collect(&world, seen, &spec, args);
    assert_eq!(run(&mut by_admin, &["up", "--yes"]), 0);
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
        run(
            &mut by_admin,
            &["down", "-e", "dev", "--yes", "--delete-data"]
        ),
        0
    );

    // The upload goes to a URL Amplify signed: no permission of the caller's.
    for set in [&mut seen, &mut by_admin] {
        set.remove(&("s3".to_owned(), "PutObject".to_owned()));
    }
    let missing = |policy: &serde_json::Value, seen: &BTreeSet<(String, String)>| {
        let mut missing: Vec<String> = seen
            .iter()
            .map(|(service, operation)| action_for(service, operation))
            .filter(|action| !awsdeploy_plan::permissions::allows(policy, action))
            .collect();
        missing.dedup();
        missing
    };
    assert!(
        seen.len() > 60 && by_admin.len() > 120,
        "only {} and {} operations seen: did the flow run?",
        seen.len(),
        by_admin.len()
    );
    let deploy = missing(&policy, &seen);
    assert!(
        deploy.is_empty(),
        "calls of deploys that `awsdeploy iam-policy` does not allow:\n{}",
        deploy.join("\n")
    );
    let everything: BTreeSet<_> = seen.union(&by_admin).cloned().collect();
    let admin_missing = missing(&admin, &everything);
    assert!(
        admin_missing.is_empty(),
        "calls awsdeploy made that `awsdeploy iam-policy --admin` does not allow:\n{}",
        admin_missing.join("\n")
    );
    // What only the first `up` and `down` do is not in the deploy policy.
    for action in ["iam:CreatePolicy", "iam:DeletePolicy"] {
        assert!(
            by_admin.iter().any(|(s, o)| action_for(s, o) == action),
            "{action} was not called"
        );
        assert!(
            !awsdeploy_plan::permissions::allows(&policy, action),
            "{action}"
        );
    }
}

/// A valid policy: unique alphanumeric Sids, Allow only, no wildcard
/// action, ARNs or `*`, under IAM's 10,240 characters of an inline policy.
fn check_document(policy: &serde_json::Value) {
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
}
