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
    assert_eq!(spec.service.port, 8080);
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
    assert_eq!(spec.service.port, 9000);
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
