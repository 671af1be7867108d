//! The fingerprint of what is live does not depend on the order AWS listed
//! anything in: every list of every part is shuffled (reversed) and the
//! fingerprint stays the same.

use serde_json::Value;

use crate::Live;
use crate::fake_cloud::FakeCloud;
use crate::live::{
    LiveAmplifyApp, LiveDatabase, LiveDbInstance, LiveDbSubnetGroup, LiveDomainAssociation,
    LiveEcsService, LiveListener, LiveListenerAction, LiveLoadBalancer, LiveRole, LiveWeb,
};

/// Reverses every list in `value`, but not the tuples serde writes as
/// arrays (`endpoint`, each `sub_domains` pair).
fn reverse_lists(value: &mut Value, key: Option<&str>) {
    match value {
        Value::Array(items) => {
            if key == Some("endpoint") {
                return;
            }
            items.reverse();
            if key != Some("sub_domains") {
                for item in items {
                    reverse_lists(item, None);
                }
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                reverse_lists(v, Some(k.as_str()));
            }
        }
        _ => {}
    }
}

fn role(name: &str) -> LiveRole {
    LiveRole {
        name: name.to_owned(),
        owned: true,
        trust_policy: "{}".to_owned(),
        policy: None,
        attached: vec!["arn:b".to_owned(), "arn:a".to_owned()],
        boundary: None,
    }
}

fn listener(port: i32) -> LiveListener {
    LiveListener {
        arn: format!("arn:listener:{port}"),
        port,
        protocol: "HTTP".to_owned(),
        certificate_arn: None,
        ssl_policy: None,
        action: LiveListenerAction::Other,
    }
}

fn two(a: &str, b: &str) -> Vec<String> {
    vec![a.to_owned(), b.to_owned()]
}

/// A database with two of each list.
fn database() -> LiveDatabase {
    LiveDatabase {
        subnet_group: Some(LiveDbSubnetGroup {
            name: "shop-dev-db".to_owned(),
            owned: true,
            subnet_ids: two("subnet-b", "subnet-a"),
        }),
        instance: Some(LiveDbInstance {
            log_exports: two("slowquery", "error"),
            security_group_ids: two("sg-b", "sg-a"),
            ..LiveDbInstance::example()
        }),
    }
}

/// A live state with at least two items in every list.
fn crowded() -> Live {
    let spec = awsdeploy_spec::Spec::parse(
        "[app]\nname = \"shop\"\n[network]\nazs = 3\nnat = \"per-az\"\n",
        "t.toml",
        "dev",
    )
    .unwrap();
    let cloud = FakeCloud::new(&["z-a", "z-b", "z-c"]);
    let plan = crate::plan(
        &spec,
        "r",
        &Live {
            network: cloud.network.borrow().clone(),
            ..Live::default()
        },
    )
    .unwrap();
    futures_util::FutureExt::now_or_never(crate::execute::execute(
        &plan,
        &cloud,
        4,
        std::future::pending(),
        |_| {},
    ))
    .unwrap();
    let mut live = Live {
        network: cloud.network.borrow().clone(),
        ..Live::default()
    };
    live.database = database();
    live.account.roles = vec![role("shop-dev-task"), role("shop-dev-task-execution")];
    live.service.listeners = vec![listener(443), listener(80)];
    live.service.load_balancer = Some(LiveLoadBalancer {
        arn: "arn:lb".to_owned(),
        name: "shop-dev-alb".to_owned(),
        owned: true,
        scheme: "internet-facing".to_owned(),
        dns_name: "lb.example".to_owned(),
        canonical_zone_id: "Z".to_owned(),
        subnet_ids: two("subnet-b", "subnet-a"),
        security_group_ids: two("sg-b", "sg-a"),
        idle_timeout_secs: Some(60),
    });
    live.service.service = Some(LiveEcsService {
        arn: "arn:svc".to_owned(),
        name: "api".to_owned(),
        owned: true,
        task_definition_arn: "arn:td:1".to_owned(),
        desired_count: 2,
        subnet_ids: two("subnet-b", "subnet-a"),
        security_group_ids: two("sg-b", "sg-a"),
        public_ip: false,
        target_group_arn: None,
        container_port: Some(8080),
        deployment: crate::DeploymentSettings {
            min_healthy_percent: 100,
            max_percent: 200,
            circuit_breaker: true,
            rollback: true,
            health_check_grace_period_secs: 30,
            alarms: Vec::new(),
            strategy: crate::Strategy::Rolling,
            pauses: None,
        },
        traffic_shift: None,
    });
    live.web = LiveWeb {
        app: Some(LiveAmplifyApp {
            id: "d1".to_owned(),
            arn: "arn:app".to_owned(),
            name: "shop-dev-web".to_owned(),
            owned: true,
            platform: "WEB".to_owned(),
            repository: None,
            default_domain: "d1.amplifyapp.com".to_owned(),
        }),
        branch: None,
        domain: Some(LiveDomainAssociation {
            name: "example.com".to_owned(),
            status: "AVAILABLE".to_owned(),
            sub_domains: vec![
                ("www".to_owned(), "main".to_owned()),
                (String::new(), "main".to_owned()),
            ],
        }),
    };
    live
}

#[test]
fn every_parts_lists_in_any_order_give_one_fingerprint() {
    let live = crowded();
    let mut json = serde_json::to_value(&live).unwrap();
    reverse_lists(&mut json, None);
    let shuffled: Live = serde_json::from_value(json).unwrap();
    assert_ne!(shuffled, live, "the shuffle changed the order of something");
    assert_eq!(shuffled.fingerprint(), live.fingerprint());
}
