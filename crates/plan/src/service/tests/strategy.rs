//! A strategy's test listener (`service.deploy.test_port`): planned with
//! the production one, its rule handed to the service.

use super::*;

fn blue_green(extra: &str) -> Spec {
    spec(&format!(
        "image_tag = \"v1\"\n[service.deploy]\nstrategy = \"blue_green\"\n{extra}"
    ))
}

/// What the plan's `CreateService` sends.
fn created(out: &ComponentPlan) -> &NewService {
    out.changes
        .iter()
        .find(|c| c.key.to_string() == "service/shop-dev/api")
        .and_then(|c| match &c.steps[0] {
            Step::Service(ServiceStep::CreateService(new)) => Some(new),
            _ => None,
        })
        .expect("the service is created")
}

#[test]
fn a_test_port_adds_a_listener_like_the_production_one_and_a_test_rule_the_service_names() {
    let out = run(&blue_green("test_port = 8443"), &with_repository(live())).unwrap();
    let keys = keys(&out);
    for key in [
        "load_balancer/shop-dev-alb:8443",
        "load_balancer/shop-dev-alb:8443:test",
        "load_balancer/shop-dev-alb:80:production",
    ] {
        assert!(keys.contains(&key.to_owned()), "{key}: {keys:?}");
    }
    assert_eq!(listener(&out, 8443), listener(&out, 80));
    let service = out
        .changes
        .iter()
        .find(|c| c.key.to_string() == "service/shop-dev/api")
        .unwrap();
    assert!(
        service
            .depends_on
            .contains(&"load_balancer/shop-dev-alb:8443:test".parse().unwrap()),
        "{:?}",
        service.depends_on
    );
    let Step::Service(ServiceStep::CreateService(new)) = &service.steps[0] else {
        panic!("the service is created")
    };
    let shift = new.traffic_shift.as_ref().unwrap();
    assert_eq!(
        shift.test_rule,
        Some(Ref::Planned(
            "load_balancer/shop-dev-alb:8443:test".parse().unwrap()
        ))
    );
}

#[test]
fn without_a_test_port_there_is_no_test_listener_or_rule() {
    let out = run(&blue_green(""), &with_repository(live())).unwrap();
    assert!(
        !keys(&out)
            .iter()
            .any(|k| k.contains(":test") || k.ends_with(":8443")),
        "{:?}",
        keys(&out)
    );
    let new = created(&out);
    assert_eq!(new.traffic_shift.as_ref().unwrap().test_rule, None);
}

#[test]
fn the_test_port_is_open_to_its_cidrs_on_the_load_balancer_group() {
    let spec = blue_green("test_port = 8443\ntest_cidrs = [\"203.0.113.0/24\"]");
    let zones = ["r-1a".to_owned(), "r-1c".to_owned()];
    let groups = crate::network::desired(&spec, &zones).unwrap();
    let lb = groups
        .security_groups
        .iter()
        .find(|g| g.name == "shop-dev-lb")
        .unwrap();
    let described: Vec<String> = lb.ingress.iter().map(|i| format!("{i:?}")).collect();
    assert!(
        described
            .iter()
            .any(|i| i.contains("8443") && i.contains("203.0.113.0/24")),
        "{described:?}"
    );
    assert!(
        !described
            .iter()
            .any(|i| i.contains("8443") && i.contains("0.0.0.0/0")),
        "{described:?}"
    );
}

#[test]
fn pause_at_becomes_the_deployment_s_pauses_in_ecs_order() {
    let spec = blue_green(
        "pause_at = [\"post_production_traffic_shift\", \"post_test_traffic_shift\"]\npause_timeout = \"2h\"",
    );
    let out = run(&spec, &with_repository(live())).unwrap();
    let new = created(&out);
    assert_eq!(
        new.deployment.pauses,
        Some(crate::Pauses {
            stages: vec![
                "POST_TEST_TRAFFIC_SHIFT".to_owned(),
                "POST_PRODUCTION_TRAFFIC_SHIFT".to_owned()
            ],
            timeout_minutes: Some(120),
        })
    );
}
