//! Spec parsing and validation: what is accepted, and what every rejection
//! says and where it points.

use awsdeploy_spec::{NatMode, Spec, SpecError};

fn parse(text: &str) -> Result<Spec, SpecError> {
    Spec::parse(text, "awsdeploy.toml", "dev")
}

fn rendered(text: &str) -> String {
    match parse(text) {
        Err(SpecError::Invalid { rendered, .. }) => rendered,
        other => panic!("expected an invalid spec, got {other:?}"),
    }
}

const MINIMAL: &str = "[app]\nname = \"shop\"\n";

#[test]
fn minimal_spec_gets_documented_defaults() {
    let spec = parse(MINIMAL).unwrap();
    assert_eq!(spec.app.name, "shop");
    assert_eq!(spec.env, "dev");
    assert_eq!(spec.app.region, None);
    assert_eq!(spec.network.cidr.to_string(), "10.0.0.0/16");
    assert_eq!(spec.network.azs, 2);
    assert_eq!(spec.network.nat, NatMode::Single);
    assert_eq!(spec.service, None);
    assert_eq!(spec.service_port(), 8080);
}

#[test]
fn full_network_section_is_read() {
    let spec = parse(
        "[app]\nname = \"shop\"\nregion = \"ap-northeast-1\"\n\
         [network]\ncidr = \"10.20.0.0/20\"\nazs = 3\nnat = \"per-az\"\n[service]\nport = 9000\n",
    )
    .unwrap();
    assert_eq!(spec.app.region.as_deref(), Some("ap-northeast-1"));
    assert_eq!(spec.network.cidr.to_string(), "10.20.0.0/20");
    assert_eq!(spec.network.azs, 3);
    assert_eq!(spec.network.nat, NatMode::PerAz);
    assert_eq!(spec.service_port(), 9000);
}

#[test]
fn syntax_error_points_at_line_and_column() {
    let out = rendered("[app]\nname = \"shop\n");
    assert!(out.contains("awsdeploy.toml:2:"), "{out}");
}

#[test]
fn unknown_key_suggests_the_near_one() {
    let out = rendered("[app]\nname = \"shop\"\n[network]\nazz = 2\n");
    assert!(out.contains("unknown key `azz`"), "{out}");
    assert!(out.contains("awsdeploy.toml:4:1"), "{out}");
    assert!(out.contains("did you mean `azs`?"), "{out}");
}

#[test]
fn unknown_section_is_an_error() {
    let out = rendered("[app]\nname = \"shop\"\n[netwrok]\nazs = 2\n");
    assert!(out.contains("unknown key `netwrok`"), "{out}");
    assert!(out.contains("did you mean `network`?"), "{out}");
}

#[test]
fn zero_azs_is_out_of_range_with_the_allowed_range() {
    let out = rendered("[app]\nname = \"shop\"\n[network]\nazs = 0\n");
    assert!(out.contains("network.azs = 0 is out of range"), "{out}");
    assert!(out.contains("awsdeploy.toml:4:7"), "{out}");
    assert!(out.contains("use 1 to 6"), "{out}");
}

#[test]
fn cidr_must_be_a_16_to_24_network() {
    for (cidr, expect) in [
        ("10.0.0.0/8", "a /8 network; a VPC needs /16 to /24"),
        ("10.0.0.0/28", "a /28 network"),
        ("10.0.0.1/16", "has host bits set"),
        ("10.0.0.0", "is not an IPv4 CIDR block"),
        ("banana", "is not an IPv4 CIDR block"),
    ] {
        let out = rendered(&format!(
            "[app]\nname = \"shop\"\n[network]\ncidr = \"{cidr}\"\n"
        ));
        assert!(out.contains(expect), "{cidr}: {out}");
        assert!(out.contains("awsdeploy.toml:4:8"), "{cidr}: {out}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let out = rendered(
        "[app]\nname = \"Shop\"\n[network]\ncidr = \"10.0.0.0/8\"\nazs = 9\nnat = \"double\"\n",
    );
    for expected in [
        "app.name",
        "network.cidr",
        "network.azs",
        "network.nat",
        "4 errors",
    ] {
        assert!(out.contains(expected), "missing {expected}: {out}");
    }
}

#[test]
fn wrong_type_is_reported_at_the_value() {
    let out = rendered("[app]\nname = \"shop\"\n[network]\nazs = \"two\"\n");
    assert!(out.contains("awsdeploy.toml:4:7"), "{out}");
}

#[test]
fn missing_app_table_says_how_to_start() {
    let out = rendered("[network]\nazs = 2\n");
    assert!(out.contains("[app]"), "{out}");
}

#[test]
fn bad_env_name_is_rejected() {
    let err = Spec::parse(MINIMAL, "awsdeploy.toml", "Prod!").unwrap_err();
    assert!(
        err.to_string().contains("environment name `Prod!`"),
        "{err}"
    );
}

#[test]
fn missing_file_says_where_to_look() {
    let err = Spec::load(std::path::Path::new("/nonexistent/awsdeploy.toml"), "dev").unwrap_err();
    assert!(matches!(err, SpecError::NotFound { .. }));
    assert!(err.hint().unwrap().contains("-f/--spec"));
}

const WITH_ENVS: &str = r#"[app]
name = "shop"
region = "ap-northeast-1"

[network]
azs = 2

[env.staging]
network.nat = "none"

[env.prod]
app.region = "eu-west-1"
network.azs = 3
network.nat = "per-az"
"#;

#[test]
fn an_env_overlays_only_the_keys_it_names() {
    let prod = Spec::parse(WITH_ENVS, "awsdeploy.toml", "prod").unwrap();
    assert_eq!(prod.env, "prod");
    assert_eq!(prod.app.region.as_deref(), Some("eu-west-1"));
    assert_eq!(prod.network.azs, 3);
    assert_eq!(prod.network.nat, NatMode::PerAz);
    assert_eq!(prod.network.cidr.to_string(), "10.0.0.0/16");

    let staging = Spec::parse(WITH_ENVS, "awsdeploy.toml", "staging").unwrap();
    assert_eq!(staging.app.region.as_deref(), Some("ap-northeast-1"));
    assert_eq!(staging.network.azs, 2);
    assert_eq!(staging.network.nat, NatMode::None);
}

#[test]
fn an_unknown_env_lists_the_known_ones() {
    let err = Spec::parse(WITH_ENVS, "awsdeploy.toml", "prd").unwrap_err();
    let SpecError::Invalid { rendered, .. } = err else {
        panic!("{err:?}")
    };
    assert!(rendered.contains("unknown environment `prd`"), "{rendered}");
    assert!(rendered.contains("did you mean `prod`?"), "{rendered}");
    assert!(
        rendered.contains("known environments: prod, staging"),
        "{rendered}"
    );
    // The default env is not special once environments are declared.
    assert!(Spec::parse(WITH_ENVS, "awsdeploy.toml", "dev").is_err());
}

#[test]
fn without_env_tables_any_env_name_uses_the_base() {
    let spec = Spec::parse(MINIMAL, "awsdeploy.toml", "qa").unwrap();
    assert_eq!(spec.env, "qa");
}

#[test]
fn an_invalid_overlay_value_points_into_the_env_table() {
    let out = Spec::parse(
        &WITH_ENVS.replace("network.azs = 3", "network.azs = 9"),
        "awsdeploy.toml",
        "prod",
    )
    .unwrap_err()
    .to_string();
    assert!(out.contains("network.azs = 9 is out of range"), "{out}");
    assert!(out.contains("awsdeploy.toml:13:15"), "{out}");
}

#[test]
fn an_overlay_cannot_rename_the_app() {
    let out = rendered(&format!("{WITH_ENVS}\n[env.qa]\napp.name = \"other\"\n"));
    assert!(out.contains("[env.qa] sets app.name"), "{out}");
    assert!(out.contains("awsdeploy.toml:17:12"), "{out}");
}

fn vars(name: &str) -> Option<String> {
    (name == "VPC_CIDR").then(|| "10.40.0.0/16".to_owned())
}

#[test]
fn variables_are_interpolated_with_defaults() {
    let text =
        "[app]\nname = \"shop\"\n[network]\ncidr = \"${VPC_CIDR}\"\nnat = \"${NAT_MODE:-none}\"\n";
    let spec = Spec::parse_with_vars(text, "awsdeploy.toml", "dev", &vars).unwrap();
    assert_eq!(spec.network.cidr.to_string(), "10.40.0.0/16");
    assert_eq!(spec.network.nat, NatMode::None);
}

#[test]
fn an_unset_variable_names_the_key_and_the_variable() {
    let text = "[app]\nname = \"shop\"\nregion = \"${REGION}\"\n";
    let out = Spec::parse_with_vars(text, "awsdeploy.toml", "dev", &vars)
        .unwrap_err()
        .to_string();
    assert!(
        out.contains("app.region uses ${REGION}, which is not set"),
        "{out}"
    );
    assert!(out.contains("awsdeploy.toml:3:10"), "{out}");
    assert!(out.contains("${REGION:-value}"), "{out}");
}

#[test]
fn interpolated_values_are_still_validated() {
    let text = "[app]\nname = \"shop\"\n[network]\ncidr = \"${VPC_CIDR:-10.0.0.0/8}\"\n";
    let out = Spec::parse_with_vars(text, "awsdeploy.toml", "dev", &vars_none)
        .unwrap_err()
        .to_string();
    assert!(
        out.contains("network.cidr `10.0.0.0/8` is a /8 network"),
        "{out}"
    );
}

fn vars_none(_: &str) -> Option<String> {
    None
}

#[test]
fn the_resolved_spec_renders_as_toml_that_parses_back() {
    let prod = Spec::parse(WITH_ENVS, "awsdeploy.toml", "prod").unwrap();
    let text = prod.to_toml();
    assert!(text.contains("env = \"prod\""), "{text}");
    assert!(text.contains("region = \"eu-west-1\""), "{text}");
    assert!(text.contains("nat = \"per-az\""), "{text}");
    assert!(text.contains("deregistration_delay = \"30s\""), "{text}");
    // Everything but the env key is valid spec input, and means the same.
    let without_env: String = text
        .lines()
        .filter(|l| !l.starts_with("env = "))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        Spec::parse(&without_env, "resolved.toml", "prod").unwrap(),
        prod
    );
}

#[test]
fn app_and_env_names_must_leave_room_for_derived_aws_names() {
    let text = "[app]\nname = \"a-twenty-one-chars-xx\"\n";
    assert!(Spec::parse(text, "awsdeploy.toml", "dev").is_ok());
    let out = Spec::parse(text, "awsdeploy.toml", "production")
        .unwrap_err()
        .to_string();
    assert!(out.contains("load balancer name `a-twenty-one-chars-xx-production-alb` 36 characters long; AWS allows 32"), "{out}");
    assert!(
        out.contains("shorten app.name (or the env name) by 4 characters"),
        "{out}"
    );
}

#[test]
fn warnings_name_the_injected_master_password_an_unescaped_url_and_mysql_8_0() {
    let spec = Spec::parse(
        r#"[app]
name = "shop"
[database]
engine_version = "8.0"
[service]
secrets = { DB_PASSWORD = "database:password" }
[migration]
command = ["sh", "-c", "migrate -database \"mysql://$DB_USER:$DB_PASSWORD@tcp($DB_HOST:$DB_PORT)/$DB_NAME\" up"]
"#,
        "t.toml",
        "dev",
    )
    .unwrap();
    let warnings = spec.warnings();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0].contains("RDS rotates it every 7 days")
            && warnings[0].contains("DB_SECRET_ARN")
    );
    assert!(warnings[1].contains("$DATABASE_URL"));
    assert!(warnings[2].contains("Extended Support"));

    let clean = Spec::parse(
        "[app]\nname = \"shop\"\n[database]\n[service]\n[migration]\ncommand = [\"sh\", \"-c\", \"migrate -database \\\"$DATABASE_URL\\\" up\"]\n",
        "t.toml",
        "dev",
    )
    .unwrap();
    assert!(clean.warnings().is_empty(), "{:?}", clean.warnings());
    assert_eq!(clean.database.unwrap().engine_version, "8.4");
}

#[test]
fn a_test_port_is_open_to_anywhere_unless_test_cidrs_narrow_it() {
    let base = "[app]\nname = \"shop\"\n[service]\n[service.deploy]\nstrategy = \"canary\"\ntest_port = 8443\n";
    let deploy = parse(base).unwrap().service.unwrap().deploy;
    assert_eq!(deploy.test_port, Some(8443));
    assert_eq!(deploy.test_cidrs, ["0.0.0.0/0"]);
    let narrowed = format!(
        "{base}test_cidrs = [\"203.0.113.0/24\", \"198.51.100.7/32\", \"203.0.113.0/24\"]\n"
    );
    let deploy = parse(&narrowed).unwrap().service.unwrap().deploy;
    assert_eq!(deploy.test_cidrs, ["198.51.100.7/32", "203.0.113.0/24"]);
    let without = "[app]\nname = \"shop\"\n[service]\n[service.deploy]\nstrategy = \"canary\"\n";
    let deploy = parse(without).unwrap().service.unwrap().deploy;
    assert_eq!((deploy.test_port, deploy.test_cidrs.len()), (None, 0));
}
