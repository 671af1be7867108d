//! `awsdeploy iam-policy` against what awsdeploy does: every call the
//! emulator saw during a whole life of a stack is allowed, on its action
//! **and** its resources, with the conditions it carries
//! ([`evaluate`]): CI's image push and deploys (image deploys with
//! migrations, `diff`, `status`, `logs`, `migrate`, `web-release`,
//! `rollback`) by the deploy policy (`--push`), the first `up` and `down
//! --delete-data` by `--admin`'s; and the policy is valid and holds no
//! wildcard action.

mod evaluate;

use std::collections::BTreeSet;

use awsdeploy_plan::permissions::action_for;
use awsdeploy_testkit::{Lifecycle, Recorded, TaskOutcome};

use crate::harness::{World, create_zone, every_component, push_image};

/// Who makes a call: an administrator (the first `up`, `down`) or CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    Admin,
    Deploy,
}

/// The calls `awsdeploy args… -f spec` makes, added to `calls`.
fn collect(
    world: &World,
    calls: &mut Vec<(By, Recorded)>,
    by: By,
    spec: &str,
    args: &[&str],
) -> i32 {
    world.sim.reset_calls();
    let args: Vec<&str> = args.iter().copied().chain(["-f", spec]).collect();
    let run = world.run(&args);
    calls.extend(world.sim.requests().into_iter().map(|r| (by, r)));
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
    let admin = world.run(&["iam-policy", "--admin", "-f", &spec]);
    admin.assert_code(0);
    let admin = admin.json();

    let mut calls = Vec::new();
    let mut run = |by, args: &[&str]| collect(&world, &mut calls, by, &spec, args);
    assert_eq!(run(By::Admin, &["up", "--yes"]), 0);
    // CI's push, with `--push`'s actions.
    world.sim.reset_calls();
    push_image(&world, "perm/dev/api", "v1");
    push_image(&world, "perm/dev/api", "v2");
    let pushed: Vec<(By, Recorded)> = world
        .sim
        .requests()
        .into_iter()
        .map(|r| (By::Deploy, r))
        .collect();
    world.sim.simulate(Lifecycle::EcsTask {
        polls: 1,
        outcome: TaskOutcome::Exits(0),
        log_lines: vec!["1/u init (1ms)".to_owned()],
    });
    assert_eq!(run(By::Deploy, &["up", "--yes", "--image-tag", "v1"]), 0);
    assert_eq!(run(By::Deploy, &["diff"]), 0);
    run(By::Deploy, &["status"]);
    assert_eq!(run(By::Deploy, &["logs"]), 0);
    assert_eq!(run(By::Deploy, &["logs", "--migration"]), 0);
    assert_eq!(run(By::Deploy, &["migrate", "--image-tag", "v1"]), 0);
    assert_eq!(run(By::Deploy, &["web-release", "--force"]), 0);
    assert_eq!(run(By::Deploy, &["up", "--yes", "--image-tag", "v2"]), 0);
    assert_eq!(run(By::Deploy, &["rollback", "--yes"]), 0);
    assert_eq!(
        run(By::Admin, &["down", "-e", "dev", "--yes", "--delete-data"]),
        0
    );
    let (first, rest) = calls.split_at(
        calls
            .iter()
            .position(|(by, _)| *by == By::Deploy)
            .unwrap_or(calls.len()),
    );
    let calls: Vec<(By, Recorded)> = first
        .iter()
        .cloned()
        .chain(pushed)
        .chain(rest.iter().cloned())
        .collect();
    denied_calls(&calls, &policy, &admin);

    // What only the first `up` and `down` do is not in the deploy policy.
    for action in ["iam:CreatePolicy", "iam:DeletePolicy"] {
        assert!(
            calls
                .iter()
                .any(|(by, c)| *by == By::Admin && action_for(&c.service, &c.operation) == action),
            "{action} was not called"
        );
        assert!(
            !awsdeploy_plan::permissions::allows(&policy, action),
            "{action}"
        );
    }
}

/// Evaluates every call in order (a role's boundary is what earlier calls
/// gave it) against the policy of whoever made it; fails listing each
/// authorization denied.
fn denied_calls(calls: &[(By, Recorded)], deploy: &serde_json::Value, admin: &serde_json::Value) {
    let operations: BTreeSet<(&str, &str)> = calls
        .iter()
        .map(|(_, c)| (c.service.as_str(), c.operation.as_str()))
        .collect();
    assert!(
        operations.len() > 120,
        "only {} operations seen: did the flow run?",
        operations.len()
    );
    negative_controls(deploy, &calls[0].1.region);
    let mut history = evaluate::History::default();
    let mut denied = BTreeSet::new();
    let mut with_resources = 0;
    for (by, call) in calls {
        // The upload goes to a URL Amplify signed: no permission of the
        // caller's.
        if (call.service.as_str(), call.operation.as_str()) == ("s3", "PutObject") {
            continue;
        }
        let policy = match by {
            By::Admin => admin,
            By::Deploy => deploy,
        };
        for request in history.authorizations(call) {
            with_resources += usize::from(!request.resources.is_empty());
            match evaluate::allows(policy, &request) {
                Ok(true) => {}
                Ok(false) => {
                    denied.insert(format!(
                        "{by:?}: {} on {:?} with {:?}",
                        request.action, request.resources, request.context
                    ));
                }
                Err(e) => panic!("{e}: {request:?}"),
            }
        }
    }
    assert!(
        with_resources > 200,
        "only {with_resources} calls with modelled resources"
    );
    assert!(
        denied.is_empty(),
        "calls awsdeploy made that its printed policy denies on AWS:\n{}",
        denied.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// The evaluation denies what the deploy policy must not allow: another
/// log group, a write on the role that holds the policy, a role made
/// without the boundary, passing a role of another app.
fn negative_controls(deploy: &serde_json::Value, region: &str) {
    let call =
        |service: &str, operation: &str, json: serde_json::Value, form: &[(&str, &str)]| Recorded {
            service: service.to_owned(),
            operation: operation.to_owned(),
            region: region.to_owned(),
            json,
            form: form
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
                .collect(),
            path: "/".to_owned(),
        };
    let boundary = "arn:aws:iam::123456789012:policy/awsdeploy/perm-dev-boundary";
    for (what, probe) in [
        (
            "another log group",
            call(
                "logs",
                "CreateLogGroup",
                serde_json::json!({ "logGroupName": "/team/other" }),
                &[],
            ),
        ),
        (
            "its own role",
            call(
                "iam",
                "PutRolePolicy",
                serde_json::Value::Null,
                &[("RoleName", "perm-dev-github-deploy")],
            ),
        ),
        (
            "a role without the boundary",
            call(
                "iam",
                "CreateRole",
                serde_json::Value::Null,
                &[("RoleName", "perm-dev-task")],
            ),
        ),
        (
            "another app's role",
            call(
                "ecs",
                "RegisterTaskDefinition",
                serde_json::json!({ "executionRoleArn": "arn:aws:iam::123456789012:role/admin" }),
                &[],
            ),
        ),
    ] {
        let requests = evaluate::History::default().authorizations(&probe);
        let denied = requests
            .iter()
            .any(|r| !evaluate::allows(deploy, r).unwrap());
        assert!(denied, "the deploy policy allows {what}: {requests:?}");
    }
    // And allows the same with the boundary.
    let bounded = call(
        "iam",
        "CreateRole",
        serde_json::Value::Null,
        &[
            ("RoleName", "perm-dev-task"),
            ("PermissionsBoundary", boundary),
        ],
    );
    let requests = evaluate::History::default().authorizations(&bounded);
    assert!(
        evaluate::allows(deploy, &requests[0]).unwrap(),
        "{requests:?}"
    );
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
