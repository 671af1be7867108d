//! `[pipeline]` with GitHub Actions: GitHub's OIDC provider made when the
//! account has none (adopted when it has), the deploy role trusted by one
//! repository's branch with `iam-policy --push` as its policy, a no-op
//! diff, a new branch as one trust policy update, and `down` deleting the
//! role but keeping the account's provider.

use crate::harness::{World, mutating_calls};

const GITHUB: &str = "token.actions.githubusercontent.com";

fn spec(world: &World, branch: &str) -> String {
    let path = world.network_spec(
        "ghci",
        &format!(
            "azs = 2\nnat = \"single\"\n\n[registry]\n\n[service]\ndesired_count = 1\n\n[pipeline]\nrunner = \"github-actions\"\nrepository = \"acme/ghci\"\nbranch = \"{branch}\"\nawsdeploy_git = \"https://github.com/acme/awsdeploy\"\nawsdeploy_rev = \"4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c\"\n"
        ),
    );
    path.to_str().unwrap().to_owned()
}

fn decode(document: &str) -> serde_json::Value {
    let text = percent_encoding::percent_decode_str(document).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn github_actions_get_a_role_for_one_branch_and_the_accounts_provider() {
    let world = World::new();
    let iam = aws_sdk_iam::Client::new(&world.config);
    let spec = spec(&world, "main");
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);

    let providers = world
        .block_on(iam.list_open_id_connect_providers().send())
        .unwrap();
    let arns: Vec<&str> = providers
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
        .collect();
    assert_eq!(arns.len(), 1, "{arns:?}");
    assert!(arns[0].ends_with(&format!("oidc-provider/{GITHUB}")));
    let provider = world
        .block_on(
            iam.get_open_id_connect_provider()
                .open_id_connect_provider_arn(arns[0])
                .send(),
        )
        .unwrap();
    assert_eq!(provider.client_id_list(), ["sts.amazonaws.com"]);

    github_roles(&world, &spec, arns[0]);

    // Nothing left to do.
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);

    // Another branch deploys: the trust policies, nothing else.
    let release = self::spec(&world, "release");
    world.sim.reset_calls();
    world.run(&["up", "-f", &release, "--yes"]).assert_code(0);
    let calls = world.sim.calls();
    assert_eq!(
        calls.get(&("iam".to_owned(), "UpdateAssumeRolePolicy".to_owned())),
        Some(&2),
        "{calls:?}"
    );
    assert_eq!(mutating_calls(&world), 2, "{calls:?}");

    // Another env adopts the account's provider.
    world
        .run(&["up", "-f", &release, "-e", "prod", "--yes"])
        .assert_code(0);
    let providers = world
        .block_on(iam.list_open_id_connect_providers().send())
        .unwrap();
    assert_eq!(providers.open_id_connect_provider_list().len(), 1);
    world
        .block_on(iam.get_role().role_name("ghci-prod-github-deploy").send())
        .unwrap();

    // `down` deletes the env's role, also once [pipeline] is gone from the
    // spec; the provider is the account's.
    let without = world.network_spec(
        "ghci",
        "azs = 2\nnat = \"single\"\n\n[registry]\n\n[service]\ndesired_count = 1\n",
    );
    let without = without.to_str().unwrap();
    let down = world.run(&["down", "-f", without, "-e", "dev", "--yes"]);
    down.assert_code(0);
    let said = format!("{}{}", down.stdout, down.stderr);
    assert!(
        said.contains("OIDC provider"),
        "the kept provider is named: {said}"
    );
    for role in ["ghci-dev-github-deploy", "ghci-dev-github-build"] {
        let gone = world.block_on(iam.get_role().role_name(role).send());
        assert!(gone.is_err(), "{role} is deleted");
    }
    let boundaries = world
        .block_on(
            iam.list_policies()
                .scope(aws_sdk_iam::types::PolicyScopeType::Local)
                .path_prefix("/awsdeploy/")
                .send(),
        )
        .unwrap();
    let left: Vec<&str> = boundaries
        .policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    assert_eq!(left, ["ghci-prod-boundary"], "dev's boundary is deleted");
    let providers = world
        .block_on(iam.list_open_id_connect_providers().send())
        .unwrap();
    assert_eq!(providers.open_id_connect_provider_list().len(), 1);
}

fn codepipeline_spec(world: &World, image: &str) -> String {
    let path = world.network_spec(
        "cp",
        &format!(
            "azs = 2\nnat = \"single\"\n\n[registry]\n\n[service]\ndesired_count = 1\n\n[pipeline]\nrepository = \"acme/cp\"\nbuild_image = \"{image}\"\nawsdeploy_git = \"https://github.com/acme/awsdeploy\"\nawsdeploy_rev = \"4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c\"\n"
        ),
    );
    path.to_str().unwrap().to_owned()
}

#[test]
#[allow(clippy::too_many_lines)] // one stack's story, in order
fn codepipeline_gets_its_connection_bucket_projects_roles_and_three_stages() {
    let world = World::new();
    let spec = codepipeline_spec(&world, "aws/codebuild/standard:7.0");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&world.config)
            .force_path_style(true)
            .build(),
    );
    let bucket = "cp-dev-pipeline-123456789012";
    // A run stopped between CreateBucket and its tags left the bucket bare
    // (S3 cannot tag a bucket as it makes it): `up` adopts it.
    world
        .block_on(
            s3.create_bucket()
                .bucket(bucket)
                .create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint("ap-northeast-1".into())
                        .build(),
                )
                .send(),
        )
        .unwrap();
    let up = world.run(&["up", "-f", &spec, "--yes"]);
    up.assert_code(0);
    // The projects were saved right after their roles were made: CodeBuild
    // refused them until IAM had propagated the roles, and `up` tried again.
    let creates = world
        .sim
        .calls()
        .get(&("codebuild".to_owned(), "CreateProject".to_owned()))
        .copied()
        .unwrap_or_default();
    assert!(creates > 2, "{creates} CreateProject calls for 2 projects");
    let said = format!("{}{}", up.stdout, up.stderr);
    assert!(
        said.contains("cp-dev is PENDING") && said.contains("Update pending connection"),
        "the console click is named: {said}"
    );

    // The connection, pending.
    let connections = aws_sdk_codestarconnections::Client::new(&world.config);
    let listed = world
        .block_on(connections.list_connections().send())
        .unwrap();
    let [connection] = listed.connections() else {
        panic!("{:?}", listed.connections());
    };
    assert_eq!(connection.connection_name(), Some("cp-dev"));
    assert_eq!(
        connection
            .provider_type()
            .map(aws_sdk_codestarconnections::types::ProviderType::as_str),
        Some("GitHub")
    );
    assert_eq!(
        connection
            .connection_status()
            .map(aws_sdk_codestarconnections::types::ConnectionStatus::as_str),
        Some("PENDING")
    );
    let connection_arn = connection.connection_arn().unwrap().to_owned();

    // The bucket: adopted and tagged, encrypted, private, versioned, expiring.
    let tags = world
        .block_on(s3.get_bucket_tagging().bucket(bucket).send())
        .unwrap();
    assert!(
        tags.tag_set()
            .iter()
            .any(|t| t.key() == "awsdeploy:app" && t.value() == "cp"),
        "{tags:?}"
    );
    let encryption = world
        .block_on(s3.get_bucket_encryption().bucket(bucket).send())
        .unwrap();
    let rule = &encryption
        .server_side_encryption_configuration()
        .unwrap()
        .rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .unwrap()
            .sse_algorithm()
            .as_str(),
        "AES256"
    );
    let block = world
        .block_on(s3.get_public_access_block().bucket(bucket).send())
        .unwrap();
    let block = block.public_access_block_configuration().unwrap();
    assert_eq!(
        (
            block.block_public_acls(),
            block.ignore_public_acls(),
            block.block_public_policy(),
            block.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );
    let versioning = world
        .block_on(s3.get_bucket_versioning().bucket(bucket).send())
        .unwrap();
    assert_eq!(
        versioning
            .status()
            .map(aws_sdk_s3::types::BucketVersioningStatus::as_str),
        Some("Enabled")
    );
    let lifecycle = world
        .block_on(
            s3.get_bucket_lifecycle_configuration()
                .bucket(bucket)
                .send(),
        )
        .unwrap();
    assert_eq!(
        lifecycle.rules()[0]
            .expiration()
            .and_then(aws_sdk_s3::types::LifecycleExpiration::days),
        Some(30)
    );

    // The projects: the build privileged for docker, the deploy running awsdeploy.
    let codebuild = aws_sdk_codebuild::Client::new(&world.config);
    let projects = world
        .block_on(
            codebuild
                .batch_get_projects()
                .names("cp-dev-build")
                .names("cp-dev-deploy")
                .send(),
        )
        .unwrap();
    let project = |name: &str| {
        projects
            .projects()
            .iter()
            .find(|p| p.name() == Some(name))
            .unwrap_or_else(|| panic!("{name}"))
    };
    let build = project("cp-dev-build");
    assert_eq!(build.environment().unwrap().privileged_mode(), Some(true));
    assert_eq!(
        build.environment().unwrap().image(),
        "aws/codebuild/standard:7.0"
    );
    assert!(
        build
            .service_role()
            .unwrap()
            .ends_with(":role/cp-dev-build"),
        "{:?}",
        build.service_role()
    );
    let deploy = project("cp-dev-deploy");
    assert_eq!(deploy.environment().unwrap().privileged_mode(), Some(false));
    let buildspec = deploy.source().unwrap().buildspec().unwrap();
    assert!(
        buildspec.contains("awsdeploy up --spec awsdeploy.toml --env dev --image-tag"),
        "{buildspec}"
    );
    assert!(
        build
            .source()
            .unwrap()
            .buildspec()
            .unwrap()
            .contains("docker push")
    );

    // The pipeline: V2, Source → Build → Deploy, from the connection.
    let codepipeline = aws_sdk_codepipeline::Client::new(&world.config);
    let got = world
        .block_on(codepipeline.get_pipeline().name("cp-dev").send())
        .unwrap();
    let declaration = got.pipeline().unwrap();
    let stages: Vec<&str> = declaration
        .stages()
        .iter()
        .map(aws_sdk_codepipeline::types::StageDeclaration::name)
        .collect();
    assert_eq!(stages, ["Source", "Build", "Deploy"]);
    assert!(declaration.role_arn().ends_with(":role/cp-dev-pipeline"));
    assert_eq!(declaration.artifact_store().unwrap().location(), bucket);
    let source = declaration.stages()[0].actions()[0]
        .configuration()
        .unwrap();
    assert_eq!(source["ConnectionArn"], connection_arn);
    assert_eq!(source["FullRepositoryId"], "acme/cp");
    assert_eq!(source["BranchName"], "main");
    let deploy_action = declaration.stages()[2].actions()[0]
        .configuration()
        .unwrap();
    assert_eq!(deploy_action["ProjectName"], "cp-dev-deploy");
    assert!(deploy_action["EnvironmentVariables"].contains("#{SourceVariables.CommitId}"));

    // The roles, each trusted by its service.
    let iam = aws_sdk_iam::Client::new(&world.config);
    for (role, service) in [
        ("cp-dev-build", "codebuild.amazonaws.com"),
        ("cp-dev-deploy", "codebuild.amazonaws.com"),
        ("cp-dev-pipeline", "codepipeline.amazonaws.com"),
    ] {
        let got = world
            .block_on(iam.get_role().role_name(role).send())
            .unwrap();
        let trust = decode(got.role().unwrap().assume_role_policy_document().unwrap());
        assert_eq!(
            trust["Statement"][0]["Principal"]["Service"], service,
            "{role}"
        );
    }

    // Nothing left to do.
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);
    // `status` names the click too, and is degraded until it is made.
    let status = world.run(&["status", "-f", &spec]);
    status.assert_code(2);
    assert!(
        status.stdout.contains("the connection cp-dev is PENDING")
            && status.stdout.contains("codesuite/settings/connections")
            && status.stdout.contains("pipeline   cp-dev"),
        "{}",
        status.stdout
    );

    // The owner approves the connection: no more warning.
    assert!(world.sim.approve_connection("cp-dev"));
    let diff = world.run(&["diff", "-f", &spec, "--detailed-exitcode"]);
    diff.assert_code(0);
    assert!(!diff.stderr.contains("PENDING"), "{}", diff.stderr);
    let status = world.run(&["status", "-f", &spec, "--output", "json"]);
    let json = status.json();
    assert_eq!(
        json["pipeline"]["connection"]["status"], "AVAILABLE",
        "{json}"
    );
    assert!(
        !json["problems"].to_string().contains("cp-dev is"),
        "{json}"
    );

    // A new build image: both projects updated in place.
    let newer = codepipeline_spec(&world, "aws/codebuild/standard:8.0");
    world.sim.reset_calls();
    world.run(&["up", "-f", &newer, "--yes"]).assert_code(0);
    let calls = world.sim.calls();
    let count = |op: &str| calls.get(&("codebuild".to_owned(), op.to_owned())).copied();
    assert_eq!(count("UpdateProject"), Some(2), "{calls:?}");
    assert_eq!(count("CreateProject"), None, "{calls:?}");
    assert_eq!(count("DeleteProject"), None, "{calls:?}");
    assert_eq!(mutating_calls(&world), 2, "{calls:?}");
    world
        .run(&["diff", "-f", &newer, "--detailed-exitcode"])
        .assert_code(0);

    // `down --delete-data`: all of it, also once [pipeline] is gone from
    // the spec (the connection is found whatever its Git host).
    let without = world.network_spec(
        "cp",
        "azs = 2\nnat = \"single\"\n\n[registry]\n\n[service]\ndesired_count = 1\n",
    );
    world
        .run(&[
            "down",
            "-f",
            without.to_str().unwrap(),
            "-e",
            "dev",
            "--yes",
            "--delete-data",
        ])
        .assert_code(0);
    assert!(
        world
            .block_on(codepipeline.get_pipeline().name("cp-dev").send())
            .is_err()
    );
    let listed = world
        .block_on(connections.list_connections().send())
        .unwrap();
    assert!(listed.connections().is_empty());
    assert!(
        world
            .block_on(s3.get_bucket_versioning().bucket(bucket).send())
            .is_err()
    );
    let projects = world
        .block_on(codebuild.batch_get_projects().names("cp-dev-build").send())
        .unwrap();
    assert!(projects.projects().is_empty());
}

/// GitHub's two roles: the deploy job's holds the deploy policy (no push),
/// the build job's can push the image and nothing else; both trust one
/// branch of one repository through the provider `provider`, and carry
/// the env's boundary.
fn github_roles(world: &World, spec: &str, provider: &str) {
    let iam = aws_sdk_iam::Client::new(&world.config);
    let arns = [provider];
    let role = world
        .block_on(iam.get_role().role_name("ghci-dev-github-deploy").send())
        .unwrap();
    let role = role.role().unwrap();
    let trust = decode(role.assume_role_policy_document().unwrap());
    let statement = &trust["Statement"][0];
    assert_eq!(statement["Principal"]["Federated"], arns[0]);
    assert_eq!(statement["Action"], "sts:AssumeRoleWithWebIdentity");
    assert_eq!(
        statement["Condition"]["StringEquals"][format!("{GITHUB}:sub")],
        "repo:acme/ghci:ref:refs/heads/main"
    );
    assert_eq!(
        statement["Condition"]["StringEquals"][format!("{GITHUB}:aud")],
        "sts.amazonaws.com"
    );
    let inline = world
        .block_on(
            iam.get_role_policy()
                .role_name("ghci-dev-github-deploy")
                .policy_name("awsdeploy")
                .send(),
        )
        .unwrap();
    // The deploy job's role holds the deploy policy (no push); the build
    // job's role can push the image and nothing else; both carry the env's
    // boundary.
    let printed = world.run(&["iam-policy", "-f", spec]);
    printed.assert_code(0);
    assert_eq!(decode(inline.policy_document()), printed.json());
    let boundary = role
        .permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn())
        .expect("a permissions boundary");
    assert!(
        boundary.ends_with(":policy/awsdeploy/ghci-dev-boundary"),
        "{boundary}"
    );
    let build = world
        .block_on(iam.get_role().role_name("ghci-dev-github-build").send())
        .unwrap();
    assert_eq!(
        build
            .role()
            .and_then(|r| r.permissions_boundary())
            .and_then(|b| b.permissions_boundary_arn()),
        Some(boundary)
    );
    let push = world
        .block_on(
            iam.get_role_policy()
                .role_name("ghci-dev-github-build")
                .policy_name("awsdeploy")
                .send(),
        )
        .unwrap();
    let push = decode(push.policy_document());
    let actions = awsdeploy_plan::permissions::actions(&push);
    assert!(
        actions.iter().any(|a| a == "ecr:PutImage")
            && actions.iter().all(|a| a.starts_with("ecr:")),
        "{actions:?}"
    );
}
