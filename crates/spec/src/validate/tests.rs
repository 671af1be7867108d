use super::*;

#[test]
fn durations() {
    assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
    assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
    assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
    for bad in ["", "15", "m", "1x", "1.5m", "-1s", "1m2"] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
    assert_eq!(SpecDuration(Duration::from_secs(5400)).to_string(), "1h30m");
    assert_eq!(SpecDuration(Duration::ZERO).to_string(), "0s");
}

#[test]
fn secret_references() {
    assert_eq!(
        parse_secret_ref("database:password"),
        Some(SecretRef::DatabasePassword)
    );
    assert_eq!(
        parse_secret_ref("secret:shop/stripe:key"),
        Some(SecretRef::Secret {
            name: "shop/stripe".into(),
            json_key: Some("key".into())
        })
    );
    for bad in [
        "database:pass",
        "secret:",
        "secret:a:",
        "stripe",
        "secret:bad name",
    ] {
        assert_eq!(parse_secret_ref(bad), None, "{bad}");
    }
}

#[test]
fn domain_names() {
    assert!(is_domain_name("api.example.com"));
    for bad in [
        "localhost",
        "-a.example.com",
        "a..com",
        "a.123",
        "UPPER.com",
    ] {
        assert!(!is_domain_name(bad), "{bad}");
    }
}
