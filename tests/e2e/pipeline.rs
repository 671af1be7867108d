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
            "azs = 2\nnat = \"single\"\n\n[registry]\n\n[service]\ndesired_count = 1\n\n[pipeline]\nrunner = \"github-actions\"\nrepository = \"acme/ghci\"\nbranch = \"{branch}\"\n"
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
    let printed = world.run(&["iam-policy", "--push", "-f", &spec]);
    printed.assert_code(0);
    assert_eq!(decode(inline.policy_document()), printed.json());

    // Nothing left to do.
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);

    // Another branch deploys: the trust policy, nothing else.
    let release = self::spec(&world, "release");
    world.sim.reset_calls();
    world.run(&["up", "-f", &release, "--yes"]).assert_code(0);
    let calls = world.sim.calls();
    assert_eq!(
        calls.get(&("iam".to_owned(), "UpdateAssumeRolePolicy".to_owned())),
        Some(&1),
        "{calls:?}"
    );
    assert_eq!(mutating_calls(&world), 1, "{calls:?}");

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

    // `down` deletes the env's role; the provider is the account's.
    let down = world.run(&["down", "-f", &release, "-e", "dev", "--yes"]);
    down.assert_code(0);
    let said = format!("{}{}", down.stdout, down.stderr);
    assert!(
        said.contains("OIDC provider"),
        "the kept provider is named: {said}"
    );
    let gone = world.block_on(iam.get_role().role_name("ghci-dev-github-deploy").send());
    assert!(gone.is_err(), "the role is deleted");
    let providers = world
        .block_on(iam.list_open_id_connect_providers().send())
        .unwrap();
    assert_eq!(providers.open_id_connect_provider_list().len(), 1);
}
