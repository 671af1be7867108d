//! Bad input gets a clear error, exit code 1, and no AWS call; every command
//! has a `--help` that says what it does.

use awsdeploy_testkit::TrapEndpoint;

use crate::harness::{Run, awsdeploy};

/// Runs the binary with every AWS call going to a trap, and checks the trap
/// saw nothing.
fn run_trapped(dir: &std::path::Path, args: &[&str]) -> Run {
    let trap = TrapEndpoint::start().unwrap();
    let env = [
        ("AWS_ENDPOINT_URL", trap.endpoint()),
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
    ];
    let run = awsdeploy(&env, args, dir);
    assert_eq!(
        trap.connections(),
        0,
        "an AWS call was made; stderr:\n{}",
        run.stderr
    );
    run
}

fn with_spec(text: &str, command: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("awsdeploy.toml"), text).unwrap();
    run_trapped(dir.path(), &[command])
}

const VALID: &str = "[app]\nname = \"shop\"\nregion = \"ap-northeast-1\"\n[network]\ncidr = \"10.20.0.0/16\"\nazs = 2\n";

#[test]
fn missing_spec_file_says_how_to_point_at_one() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["validate", "diff", "up"] {
        let run = run_trapped(dir.path(), &[command]);
        run.assert_code(1);
        assert!(
            run.stderr.contains("spec file awsdeploy.toml not found"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("hint: pass the spec with -f/--spec FILE"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn toml_syntax_error_points_at_file_line_and_column() {
    for command in ["validate", "diff", "up"] {
        let run = with_spec("[app]\nname = \"shop\"\n[network]\nazs = = 2\n", command);
        run.assert_code(1);
        assert!(
            run.stderr.contains("--> awsdeploy.toml:4:7"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("4 | azs = = 2"), "{}", run.stderr);
    }
}

#[test]
fn unknown_key_is_named_with_a_suggestion() {
    let run = with_spec(
        &VALID.replace("azs = 2", "azs = 2\nnats = \"single\""),
        "diff",
    );
    run.assert_code(1);
    assert!(run.stderr.contains("unknown key `nats`"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--> awsdeploy.toml:7:1"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("did you mean `nat`?"), "{}", run.stderr);
}

#[test]
fn zero_azs_is_refused_with_the_range() {
    let run = with_spec(&VALID.replace("azs = 2", "azs = 0"), "up");
    run.assert_code(1);
    assert!(
        run.stderr.contains("network.azs = 0 is out of range"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--> awsdeploy.toml:6:7"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("use 1 to 6"), "{}", run.stderr);
}

#[test]
fn cidr_outside_16_to_24_or_malformed_is_refused() {
    for (cidr, says) in [
        ("10.0.0.0/8", "a /8 network; a VPC needs /16 to /24"),
        ("10.0.0.0/26", "a /26 network; a VPC needs /16 to /24"),
        ("10.0.1.0/16", "has host bits set"),
        ("10.0.0.300/16", "is not an IPv4 CIDR block"),
    ] {
        let run = with_spec(&VALID.replace("10.20.0.0/16", cidr), "diff");
        run.assert_code(1);
        assert!(run.stderr.contains(says), "{cidr}: {}", run.stderr);
        assert!(
            run.stderr.contains("--> awsdeploy.toml:5:8"),
            "{cidr}: {}",
            run.stderr
        );
    }
}

#[test]
fn validate_reads_the_spec_without_aws() {
    let run = with_spec(VALID, "validate");
    run.assert_code(0);
    assert!(
        run.stdout.contains("awsdeploy.toml is valid"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("10.20.0.0/16 over 2 AZs, NAT single"),
        "{}",
        run.stdout
    );
}

#[test]
fn usage_errors_exit_1_not_2_which_means_changes() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_trapped(dir.path(), &["diff", "--no-such-flag"]);
    run.assert_code(1);
}

#[test]
fn every_command_has_a_help_that_says_what_it_does() {
    let dir = tempfile::tempdir().unwrap();
    for (command, says) in [
        ("validate", "Check the spec offline"),
        ("diff", "print what `up` would change"),
        ("up", "Make live match the spec"),
        ("schema", "JSON Schema of the spec file"),
        ("init", "Write a first spec"),
        ("status", "one screen"),
        ("logs", "log lines"),
        ("rollback", "revision that served before"),
        ("iam-policy", "least-privilege IAM policy"),
        ("ci", "buildspec or a GitHub Actions workflow"),
        ("cost", "costs a month, from the spec alone"),
    ] {
        let run = run_trapped(dir.path(), &[command, "--help"]);
        run.assert_code(0);
        assert!(run.stdout.contains(says), "{command}: {}", run.stdout);
    }
    let run = run_trapped(dir.path(), &["--help"]);
    run.assert_code(0);
    for command in [
        "validate",
        "diff",
        "up",
        "schema",
        "init",
        "status",
        "logs",
        "rollback",
        "iam-policy",
        "ci",
        "cost",
    ] {
        assert!(run.stdout.contains(command), "{}", run.stdout);
    }
}

#[test]
fn a_saved_plan_of_another_format_is_refused_before_any_aws_call() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.json"), "{\"format_version\": 99}").unwrap();
    let run = run_trapped(dir.path(), &["up", "--plan", "plan.json", "--yes"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("not a plan in format version 1"),
        "{}",
        run.stderr
    );
    let missing = run_trapped(dir.path(), &["up", "--plan", "nope.json", "--yes"]);
    missing.assert_code(1);
    assert!(
        missing.stderr.contains("diff --out FILE"),
        "{}",
        missing.stderr
    );
}

#[test]
fn validate_show_prints_the_resolved_env() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/multi-env.toml");
    let spec = spec.to_str().unwrap();
    let prod = run_trapped(
        dir.path(),
        &["validate", "-f", spec, "-e", "prod", "--show"],
    );
    prod.assert_code(0);
    assert!(prod.stdout.contains("env = \"prod\""), "{}", prod.stdout);
    assert!(prod.stdout.contains("azs = 3"), "{}", prod.stdout);
    assert!(prod.stdout.contains("nat = \"per-az\""), "{}", prod.stdout);
    assert!(
        prod.stdout.contains("region = \"ap-northeast-1\""),
        "{}",
        prod.stdout
    );

    let unknown = run_trapped(dir.path(), &["diff", "-f", spec, "-e", "production"]);
    unknown.assert_code(1);
    assert!(
        unknown.stderr.contains("unknown environment `production`"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown
            .stderr
            .contains("known environments: dev, prod, staging"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn every_example_in_config_is_valid_for_each_of_its_envs() {
    let dir = tempfile::tempdir().unwrap();
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut checked = 0;
    for entry in std::fs::read_dir(&config).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let envs: Vec<String> = text
            .lines()
            .filter_map(|l| {
                let header = l.split('#').next()?.trim();
                header
                    .strip_prefix("[env.")?
                    .strip_suffix(']')
                    .map(str::to_owned)
            })
            .collect();
        let envs = if envs.is_empty() {
            vec!["dev".to_owned()]
        } else {
            envs
        };
        for env in envs {
            let run = run_trapped(
                dir.path(),
                &["validate", "-f", path.to_str().unwrap(), "-e", &env],
            );
            run.assert_code(0);
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} example/env pairs found");
}

#[test]
fn schema_prints_the_spec_json_schema_without_a_spec_or_aws() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_trapped(dir.path(), &["schema"]);
    run.assert_code(0);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(schema["required"], serde_json::json!(["app"]));
    assert!(schema["properties"]["network"].is_object());
    assert!(schema["properties"]["env"].is_object());
}

#[test]
fn the_ci_files_and_the_policy_come_from_the_spec_alone() {
    let pipeline = format!(
        "{VALID}[registry]\n[service]\n[pipeline]\nrunner = \"github-actions\"\nrepository = \"acme/shop\"\nawsdeploy_git = \"https://github.com/acme/awsdeploy\"\nawsdeploy_rev = \"4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c\"\n"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("awsdeploy.toml"), &pipeline).unwrap();
    let buildspec = run_trapped(dir.path(), &["ci", "buildspec", "--stage", "build"]);
    buildspec.assert_code(0);
    assert!(
        buildspec.stdout.starts_with("version: 0.2\n"),
        "{}",
        buildspec.stdout
    );
    let workflow = run_trapped(dir.path(), &["ci", "github-actions"]);
    workflow.assert_code(0);
    assert!(
        workflow.stdout.contains("id-token: write"),
        "{}",
        workflow.stdout
    );
    let bad = run_trapped(dir.path(), &["ci", "github-actions", "--account", "12345"]);
    bad.assert_code(1);
    assert!(bad.stderr.contains("12 digits"), "{}", bad.stderr);
    let policy = run_trapped(dir.path(), &["iam-policy"]);
    policy.assert_code(0);
    let policy: serde_json::Value = serde_json::from_str(&policy.stdout).unwrap();
    assert!(policy["Statement"].as_array().unwrap().len() > 10);

    // Without [pipeline]: what to add.
    let none = with_spec(VALID, "ci");
    none.assert_code(1);
    let none = {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("awsdeploy.toml"), VALID).unwrap();
        run_trapped(dir.path(), &["ci", "buildspec"])
    };
    none.assert_code(1);
    assert!(none.stderr.contains("has no [pipeline]"), "{}", none.stderr);
    assert!(
        none.stderr.contains("repository = \"acme/shop\""),
        "{}",
        none.stderr
    );
}

#[test]
fn a_missing_web_artifact_is_a_warning_and_a_built_one_is_checked_at_validate_time() {
    let dir = tempfile::tempdir().unwrap();
    let spec = "[app]\nname = \"shop\"\n[web]\nartifact = \"apps/web/out\"\n";
    std::fs::write(dir.path().join("awsdeploy.toml"), spec).unwrap();
    let run = run_trapped(dir.path(), &["validate"]);
    run.assert_code(0);
    assert!(
        run.stderr.contains("warning: web.artifact"),
        "{}",
        run.stderr
    );
    std::fs::create_dir_all(dir.path().join("apps/web/out")).unwrap();
    let empty = run_trapped(dir.path(), &["validate"]);
    empty.assert_code(1);
    assert!(
        empty.stderr.contains("has no index.html at its root"),
        "{}",
        empty.stderr
    );
    std::fs::write(dir.path().join("apps/web/out/index.html"), "<h1>shop</h1>").unwrap();
    let built = run_trapped(dir.path(), &["validate"]);
    built.assert_code(0);
    assert!(!built.stderr.contains("warning"), "{}", built.stderr);
}

/// The spec crate's corpus of bad specs, through the binary: every one is
/// refused with exit 1 before any AWS call.
#[test]
fn every_bad_spec_in_the_corpus_is_refused_before_any_aws_call() {
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/spec/tests/fixtures/bad");
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(corpus).unwrap() {
        let path = entry.unwrap().path();
        let spec = path.to_str().unwrap();
        for args in [vec!["diff", "-f", spec], vec!["up", "-f", spec, "--yes"]] {
            let run = run_trapped(dir.path(), &args);
            run.assert_code(1);
            // The spec's own diagnostic, not a usage error.
            assert!(run.stderr.contains(spec), "{spec}: {}", run.stderr);
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} bad specs");
}

#[test]
fn no_credentials_say_so_first_with_what_to_do_and_make_no_call() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("awsdeploy.toml"), VALID).unwrap();
    let trap = TrapEndpoint::start().unwrap();
    let env = [
        ("AWS_ENDPOINT_URL", trap.endpoint()),
        // No keys, no profile files (the harness points them at
        // /dev/null), and no instance metadata to ask.
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ];
    for command in ["diff", "up"] {
        let run = awsdeploy(&env, &[command], dir.path());
        run.assert_code(1);
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: no AWS credentials found"),
            "{command}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("aws configure")
                && run.stderr.contains("AWS_PROFILE")
                && run.stderr.contains("aws sso login"),
            "{command}: {}",
            run.stderr
        );
    }
    assert_eq!(trap.connections(), 0);
}

/// A newcomer's first command on any example spec works: `validate` with
/// the default environment.
#[test]
fn every_example_spec_validates_with_the_default_env() {
    let dir = tempfile::tempdir().unwrap();
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut checked = 0;
    for entry in std::fs::read_dir(&config).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            run_trapped(dir.path(), &["validate", "-f", path.to_str().unwrap()]).assert_code(0);
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked} example specs");
}

/// `init` in a monorepo as the design describes it: the migrations and the
/// static web app are found, the newest migration is linted, the spec it
/// writes validates, and a second `init` refuses to overwrite it. No AWS
/// call.
#[test]
fn init_writes_a_spec_for_the_project_that_validates_and_never_overwrites() {
    let project = tempfile::tempdir().unwrap();
    let root = project.path().join("Shop Monorepo");
    let migrations = root.join("packages/dbschema/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    for (file, sql) in [
        (
            "1_init.up.sql",
            "CREATE TABLE orders (id BIGINT PRIMARY KEY, quantity INT);",
        ),
        ("1_init.down.sql", "DROP TABLE orders;"),
        (
            "2_widen.up.sql",
            "ALTER TABLE orders MODIFY quantity BIGINT;",
        ),
        (
            "2_widen.down.sql",
            "ALTER TABLE orders MODIFY quantity INT;",
        ),
    ] {
        std::fs::write(migrations.join(file), sql).unwrap();
    }
    let web = root.join("apps/web");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(
        web.join("next.config.ts"),
        "const config = { output: 'export' };\nexport default config;\n",
    )
    .unwrap();

    let init = run_trapped(&root, &["init"]);
    init.assert_code(0);
    assert!(
        init.stderr.contains("packages/dbschema/migrations") && init.stderr.contains("apps/web"),
        "{}",
        init.stderr
    );
    // The newest file copies a table: said now, not at the first `up`.
    assert!(
        init.stderr
            .contains("migration lint: 2_widen.up.sql: 1 error"),
        "{}",
        init.stderr
    );
    let text = std::fs::read_to_string(root.join("awsdeploy.toml")).unwrap();
    assert!(text.contains("name = \"shop-monorepo\""), "{text}");
    assert!(
        text.contains("path = \"packages/dbschema/migrations\""),
        "{text}"
    );
    assert!(text.contains("artifact = \"apps/web/out\""), "{text}");

    let validate = run_trapped(&root, &["validate"]);
    validate.assert_code(0);
    assert!(validate.stdout.contains("is valid"), "{}", validate.stdout);

    let again = run_trapped(&root, &["init", "--name", "other"]);
    again.assert_code(1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(root.join("awsdeploy.toml")).unwrap(),
        text
    );
    // A name the spec refuses is reported with the spec's diagnostics, and
    // nothing is written.
    let bad = run_trapped(&root, &["init", "-f", "bad.toml", "--name", "Bad_Name"]);
    bad.assert_code(1);
    assert!(bad.stderr.contains("app.name"), "{}", bad.stderr);
    assert!(!root.join("bad.toml").exists());
}

/// Without `app.region`, `iam-policy` takes the region as the AWS chain
/// would (`AWS_REGION`), so the partition of its ARNs is China's there.
#[test]
fn iam_policy_without_a_region_takes_the_chains_partition() {
    let world = crate::harness::World::new();
    let spec = world.spec(
        "noregion.toml",
        "[app]\nname = \"shop\"\n\n[registry]\n\n[service]\n",
    );
    let printed = world.run_with(
        &["iam-policy", "-f", spec.to_str().unwrap()],
        &[("AWS_REGION", "cn-north-1".to_owned())],
    );
    printed.assert_code(0);
    let text = printed.stdout;
    assert!(
        text.contains("arn:aws-cn:ecr:cn-north-1:*:repository/shop/dev/*"),
        "{text}"
    );
    assert!(!text.contains("arn:aws:"), "{text}");
}
