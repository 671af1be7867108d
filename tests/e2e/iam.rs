//! The service's roles end to end, with what they grant: the ECR
//! repository, the log group, the IAM roles and their policies, secret
//! references. (The repository's own story is `registry`'s.)

use awsdeploy_testkit::http::percent_decode;

use crate::harness::{World, mutating_calls, planned};

const STRIPE: &str = "shop/stripe";

/// A spec for `app` with a database, a registry and a service whose secrets
/// reference the database and `secrets_extra`.
fn stack_spec(world: &World, app: &str, service_extra: &str) -> String {
    let path = world.network_spec(
        app,
        &format!(
            "azs = 2\nnat = \"single\"\n\n[database]\n\n[registry]\nkeep_images = 5\n\n[service]\nlog_retention_days = 14\n{service_extra}\nsecrets = {{ DB_PASSWORD = \"database:password\", STRIPE_KEY = \"secret:{STRIPE}:api_key\" }}\n"
        ),
    );
    path.to_str().unwrap().to_owned()
}

fn create_stripe_secret(world: &World) -> String {
    let secrets = aws_sdk_secretsmanager::Client::new(&world.config);
    let out = world
        .block_on(
            secrets
                .create_secret()
                .name(STRIPE)
                .secret_string(r#"{"api_key":"sk_test_do_not_print_me"}"#)
                .send(),
        )
        .unwrap();
    out.arn().unwrap().to_owned()
}

fn role_policy(world: &World, role: &str) -> serde_json::Value {
    let iam = aws_sdk_iam::Client::new(&world.config);
    let out = world
        .block_on(
            iam.get_role_policy()
                .role_name(role)
                .policy_name("awsdeploy")
                .send(),
        )
        .unwrap();
    let document = out.policy_document();
    let decoded = percent_decode(document);
    serde_json::from_str(&decoded).unwrap_or_else(|e| panic!("{e}: {decoded}"))
}

/// Every resource the execution policy names is this stack's, except the
/// registry login, which AWS only allows on `*`.
fn assert_execution_policy_is_scoped(world: &World, stripe_arn: &str) {
    let policy = role_policy(world, "shop-dev-task-execution");
    let mut resources = Vec::new();
    for statement in policy["Statement"].as_array().unwrap() {
        for resource in statement["Resource"].as_array().unwrap() {
            let resource = resource.as_str().unwrap().to_owned();
            if resource == "*" {
                assert_eq!(
                    statement["Action"],
                    serde_json::json!(["ecr:GetAuthorizationToken"]),
                    "only the registry login may use *"
                );
            } else {
                resources.push(resource);
            }
        }
    }
    assert_eq!(
        resources,
        [
            "arn:aws:ecr:ap-northeast-1:123456789012:repository/shop/dev/api".to_owned(),
            "arn:aws:logs:ap-northeast-1:123456789012:log-group:/awsdeploy/shop/dev:*".to_owned(),
            stripe_arn.to_owned(),
            "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!db-*".to_owned(),
        ]
    );
    let database = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "ReadDatabaseSecret")
        .unwrap();
    assert_eq!(
        database["Condition"]["StringEquals"]["secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn"],
        "arn:aws:rds:ap-northeast-1:123456789012:db:shop-dev-db"
    );
}

#[test]
fn the_supporting_resources_are_created_scoped_to_this_stack_and_then_unchanged() {
    let world = World::new();
    let stripe_arn = create_stripe_secret(&world);
    let spec = stack_spec(&world, "shop", "");
    let up = world.run(&["up", "-f", &spec, "--yes"]);
    up.assert_code(0);

    // ECR: immutable tags, scan on push, keep the newest 5.
    let ecr = aws_sdk_ecr::Client::new(&world.config);
    let repos = world
        .block_on(
            ecr.describe_repositories()
                .repository_names("shop/dev/api")
                .send(),
        )
        .unwrap();
    let repo = &repos.repositories()[0];
    assert_eq!(
        repo.image_tag_mutability(),
        Some(&aws_sdk_ecr::types::ImageTagMutability::Immutable)
    );
    assert!(repo.image_scanning_configuration().unwrap().scan_on_push());
    let lifecycle = world
        .block_on(
            ecr.get_lifecycle_policy()
                .repository_name("shop/dev/api")
                .send(),
        )
        .unwrap();
    let lifecycle: serde_json::Value =
        serde_json::from_str(lifecycle.lifecycle_policy_text().unwrap()).unwrap();
    assert_eq!(lifecycle["rules"][0]["selection"]["countNumber"], 5);

    // Logs: retention from the spec.
    let logs = aws_sdk_cloudwatchlogs::Client::new(&world.config);
    let groups = world
        .block_on(
            logs.describe_log_groups()
                .log_group_name_prefix("/awsdeploy/shop/dev")
                .send(),
        )
        .unwrap();
    assert_eq!(groups.log_groups()[0].retention_in_days(), Some(14));

    // IAM: trusted by ECS tasks only; the execution policy names only this
    // stack's resources (GetAuthorizationToken takes no resource).
    let iam = aws_sdk_iam::Client::new(&world.config);
    let role = world
        .block_on(iam.get_role().role_name("shop-dev-task-execution").send())
        .unwrap();
    let trust: serde_json::Value = serde_json::from_str(&percent_decode(
        role.role().unwrap().assume_role_policy_document().unwrap(),
    ))
    .unwrap();
    assert_eq!(
        trust["Statement"][0]["Principal"],
        serde_json::json!({ "Service": "ecs-tasks.amazonaws.com" })
    );
    assert_execution_policy_is_scoped(&world, &stripe_arn);
    // The application's role may read the database's master secret (it
    // connects with DB_SECRET_ARN, which survives rotation), nothing more.
    let task_policy = role_policy(&world, "shop-dev-task");
    assert_eq!(
        task_policy["Statement"],
        serde_json::json!([{
            "Sid": "ReadDatabaseSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": ["arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!db-*"],
            "Condition": { "StringEquals": {
                "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn":
                    "arn:aws:rds:ap-northeast-1:123456789012:db:shop-dev-db"
            }}
        }])
    );

    // Nothing to do the second time; the secret's value was never printed.
    let again = world.run(&["diff", "-f", &spec, "--detailed-exitcode"]);
    again.assert_code(0);
    for output in [&up.stdout, &up.stderr, &again.stdout, &again.stderr] {
        assert!(!output.contains("sk_test_do_not_print_me"));
    }

    // A retention change is an in-place update of the log group only.
    let longer = world.network_spec(
        "shop",
        &format!(
            "azs = 2\nnat = \"single\"\n\n[database]\n\n[registry]\nkeep_images = 5\n\n[service]\nlog_retention_days = 30\nsecrets = {{ DB_PASSWORD = \"database:password\", STRIPE_KEY = \"secret:{STRIPE}:api_key\" }}\n"
        ),
    );
    let diff = world.run(&["diff", "-f", longer.to_str().unwrap(), "--output", "json"]);
    assert_eq!(
        planned(&diff.json(), "update"),
        ["logs//awsdeploy/shop/dev"]
    );
}

#[test]
fn a_missing_secret_stops_the_plan_before_anything_changes() {
    let world = World::new();
    let spec = stack_spec(&world, "nosecret", "");
    let up = world.run(&["up", "-f", &spec, "--yes"]);
    up.assert_code(1);
    assert!(
        up.stderr
            .contains("secret shop/stripe, which does not exist"),
        "{}",
        up.stderr
    );
    assert!(up.stderr.contains("create-secret"), "{}", up.stderr);
    assert_eq!(mutating_calls(&world), 0, "{:?}", world.sim.calls());
}

#[test]
fn the_task_role_gets_exactly_the_policies_the_spec_names() {
    let world = World::new();
    create_stripe_secret(&world);
    let iam = aws_sdk_iam::Client::new(&world.config);
    let policy = world
        .block_on(
            iam.create_policy()
                .policy_name("shop-uploads")
                .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::shop-uploads/*"}]}"#)
                .send(),
        )
        .unwrap();
    let arn = policy.policy().unwrap().arn().unwrap().to_owned();
    let attached = |world: &World| -> Vec<String> {
        let out = world
            .block_on(
                iam.list_attached_role_policies()
                    .role_name("roles-dev-task")
                    .send(),
            )
            .unwrap();
        out.attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_owned))
            .collect()
    };
    let with = stack_spec(
        &world,
        "roles",
        &format!("task_role_policies = [\"{arn}\"]"),
    );
    world.run(&["up", "-f", &with, "--yes"]).assert_code(0);
    assert_eq!(attached(&world), [arn]);
    world
        .run(&["diff", "-f", &with, "--detailed-exitcode"])
        .assert_code(0);

    // Taken out of the spec, it is detached.
    let without = stack_spec(&world, "roles", "");
    world.run(&["up", "-f", &without, "--yes"]).assert_code(0);
    assert!(attached(&world).is_empty());
}

/// A saved plan records what was looked up (repository, image tag,
/// secrets), so `up --plan` observes the same and its fingerprint matches;
/// a secret deleted since makes the saved plan stale.
#[test]
fn a_saved_plan_looks_up_what_its_spec_named() {
    let world = World::new();
    let stripe_arn = create_stripe_secret(&world);
    let spec = stack_spec(&world, "saved", "");
    let plan_file = world.dir.path().join("saved-plan.json");
    let plan_path = plan_file.to_str().unwrap();
    world
        .run(&["diff", "-f", &spec, "--out", plan_path])
        .assert_code(0);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    assert_eq!(saved["lookups"]["secrets"], serde_json::json!([STRIPE]));
    world
        .run(&["up", "--plan", plan_path, "--yes"])
        .assert_code(0);

    world
        .run(&["diff", "-f", &spec, "--out", plan_path])
        .assert_code(0);
    let secrets = aws_sdk_secretsmanager::Client::new(&world.config);
    world
        .block_on(
            secrets
                .delete_secret()
                .secret_id(&stripe_arn)
                .force_delete_without_recovery(true)
                .send(),
        )
        .unwrap();
    let stale = world.run(&["up", "--plan", plan_path, "--yes"]);
    stale.assert_code(1);
    assert!(
        stale.stderr.contains("changed since the plan"),
        "{}",
        stale.stderr
    );
}
