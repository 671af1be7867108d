use super::*;
use crate::Step;
use crate::live::{LiveAmplifyApp, LiveAmplifyBranch};

fn spec(extra: &str) -> Spec {
    Spec::parse(
        &format!("[app]\nname = \"shop\"\n[web]\nenv = {{ FLAG = \"on\" }}\n{extra}"),
        "test.toml",
        "dev",
    )
    .unwrap()
}

fn artifact(sha: &str) -> WebArtifact {
    WebArtifact {
        path: "/build/out".to_owned(),
        sha256: sha.repeat(64 / sha.len()),
    }
}

fn live(sha: Option<&str>, env: &[(&str, &str)]) -> LiveWeb {
    LiveWeb {
        app: Some(LiveAmplifyApp {
            id: "d123".to_owned(),
            arn: "arn:aws:amplify:r:1:apps/d123".to_owned(),
            name: "shop-dev-web".to_owned(),
            owned: true,
            platform: "WEB".to_owned(),
            repository: None,
            default_domain: "d123.amplifyapp.com".to_owned(),
        }),
        branch: Some(LiveAmplifyBranch {
            name: "main".to_owned(),
            arn: "arn:aws:amplify:r:1:apps/d123/branches/main".to_owned(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            artifact_sha256: sha.map(|s| s.repeat(64 / s.len())),
        }),
        domain: None,
    }
}

fn keys(out: &ComponentPlan) -> Vec<String> {
    out.changes.iter().map(|c| c.key.to_string()).collect()
}

#[test]
fn from_nothing_the_app_the_branch_then_the_release_after_the_service() {
    let out = plan(&spec(""), &LiveWeb::default(), None, Some(&artifact("a"))).unwrap();
    assert_eq!(
        keys(&out),
        [
            "web/shop-dev-web",
            "web/shop-dev-web/main",
            "web/shop-dev-web/main:release"
        ]
    );
    let release = &out.changes[2];
    assert_eq!(release.kind, ResourceKind::WebRelease);
    let service: Key = "service/shop-dev/api".parse().unwrap();
    assert!(release.needs.contains(&service), "{:?}", release.needs);
    for key in ["web/shop-dev-web", "web/shop-dev-web/main"] {
        assert!(release.depends_on.contains(&key.parse().unwrap()), "{key}");
    }
}

#[test]
fn the_release_is_planned_only_for_another_build() {
    let live = live(Some("a"), &[("FLAG", "on")]);
    let same = plan(&spec(""), &live, None, Some(&artifact("a"))).unwrap();
    assert!(same.changes.is_empty(), "{:?}", keys(&same));
    let other = plan(&spec(""), &live, None, Some(&artifact("b"))).unwrap();
    assert_eq!(keys(&other), ["web/shop-dev-web/main:release"]);
    assert_eq!(other.changes[0].action, Action::Update);
    assert!(other.changes[0].depends_on.is_empty());
    let none = plan(&spec(""), &live, None, None).unwrap();
    assert!(none.changes.is_empty());
}

#[test]
fn branch_env_follows_the_spec_with_the_api_url_from_dns() {
    let spec = spec("[dns]\nzone = \"example.com\"\napi = \"api.example.com\"\n");
    let out = plan(&spec, &live(None, &[("FLAG", "off")]), None, None).unwrap();
    assert_eq!(keys(&out), ["web/shop-dev-web/main"]);
    assert_eq!(
        out.changes[0].fields[0].new.as_deref(),
        Some("API_URL=https://api.example.com, FLAG=on")
    );
}

#[test]
fn a_foreign_or_repository_app_is_refused() {
    let mut foreign = live(None, &[]);
    foreign.app.as_mut().unwrap().owned = false;
    assert!(plan(&spec(""), &foreign, None, None).is_err());
    let mut connected = live(None, &[]);
    connected.app.as_mut().unwrap().repository = Some("https://github.com/x/y".to_owned());
    let error = plan(&spec(""), &connected, None, None).unwrap_err();
    assert!(
        error.to_string().contains("connected to a repository"),
        "{error}"
    );
}

#[test]
fn an_association_waiting_for_its_records_gets_them_again_and_a_failed_one_says_how_to_retry() {
    let spec = spec(
        "domain = \"shop.example.com\"\n[dns]\nzone = \"example.com\"\napi = \"api.example.com\"\n",
    );
    let zone = LiveZone {
        id: "Z1".to_owned(),
        name: "example.com".to_owned(),
    };
    let with_status = |status: &str| {
        let mut live = live(
            None,
            &[("FLAG", "on"), ("API_URL", "https://api.example.com")],
        );
        live.domain = Some(crate::live::LiveDomainAssociation {
            name: "example.com".to_owned(),
            status: status.to_owned(),
            sub_domains: vec![("shop".to_owned(), "main".to_owned())],
        });
        live
    };
    let pending = plan(
        &spec,
        &with_status("PENDING_VERIFICATION"),
        Some(&zone),
        None,
    )
    .unwrap();
    assert_eq!(keys(&pending), ["web/shop-dev-web/domain/example.com"]);
    assert_eq!(pending.changes[0].action, Action::Update);
    assert!(matches!(
        pending.changes[0].steps.as_slice(),
        [Step::Web(WebStep::WriteDomainRecords { zone_id: Some(z), .. })] if z == "Z1"
    ));
    for settled in ["PENDING_DEPLOYMENT", "AVAILABLE", "REQUESTING_CERTIFICATE"] {
        let out = plan(&spec, &with_status(settled), Some(&zone), None).unwrap();
        assert!(out.changes.is_empty(), "{settled}: {:?}", keys(&out));
    }
    let failed = plan(&spec, &with_status("FAILED"), Some(&zone), None).unwrap_err();
    let hint = failed.hint();
    assert!(
        hint.contains(
            "aws amplify delete-domain-association --app-id d123 --domain-name example.com"
        ),
        "{hint}"
    );
}
