//! Snapshots of rendered plans, with AWS ids and fingerprints filtered so
//! they stay stable.

use awsdeploy_spec::Spec;

use super::*;
use crate::execute::execute;
use crate::fake_cloud::FakeCloud;
use crate::live::{LiveIngressRule, LiveRuleSource};
use crate::plan::{FieldChange, Orphan, ResourceChange};
use crate::{ComponentId, Live, ResourceKind, plan as make_plan};

const ZONES: [&str; 3] = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"];

fn spec(network: &str) -> Spec {
    let text = format!("[app]\nname = \"shop\"\n[network]\ncidr = \"10.20.0.0/16\"\n{network}");
    Spec::parse(&text, "t.toml", "dev").unwrap()
}

fn plan_for(spec: &Spec, cloud: &FakeCloud) -> Plan {
    let live = Live {
        network: cloud.network.borrow().clone(),
        ..Live::default()
    };
    make_plan(spec, "ap-northeast-1", &live).unwrap()
}

fn apply(spec: &Spec, cloud: &FakeCloud) {
    let plan = plan_for(spec, cloud);
    let run = execute(&plan, cloud, 4, std::future::pending(), |_| {});
    assert!(
        futures_util::FutureExt::now_or_never(run)
            .unwrap()
            .succeeded()
    );
}

macro_rules! assert_filtered_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![
                (r"\b(vpc|subnet|igw|eipalloc|nat|rtb|rtbassoc|sg)-[0-9a-f]{4,}\b", "$1-[id]"),
                (r#""fingerprint": "[0-9a-f]{64}""#, r#""fingerprint": "[sha256]""#),
            ]
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

#[test]
fn a_plan_from_nothing_as_text() {
    let cloud = FakeCloud::new(&ZONES);
    let plan = plan_for(&spec("azs = 2\n"), &cloud);
    assert_filtered_snapshot!("from_nothing_text", text(&plan, Colour::Never));
}

#[test]
fn updates_deletes_and_orphans_as_text() {
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec("azs = 2\nnat = \"per-az\"\n"), &cloud);
    {
        let mut net = cloud.network.borrow_mut();
        net.vpcs[0].dns_hostnames = false;
        let group = net
            .security_groups
            .iter_mut()
            .find(|g| g.name.as_deref() == Some("shop-dev-lb"))
            .unwrap();
        group.ingress.push(LiveIngressRule {
            protocol: "tcp".into(),
            from_port: Some(22),
            to_port: Some(22),
            source: LiveRuleSource::Cidr("203.0.113.0/24".into()),
        });
    }
    let plan = plan_for(&spec("azs = 2\nnat = \"none\"\n"), &cloud);
    assert_filtered_snapshot!("updates_deletes_orphans_text", text(&plan, Colour::Never));
}

#[test]
fn a_replacement_shows_the_field_that_forces_it() {
    let mut plan = plan_for(&spec(""), &FakeCloud::new(&ZONES));
    plan.changes = vec![ResourceChange {
        key: "shop-dev-thing".parse().unwrap(),
        component: ComponentId::Network,
        kind: ResourceKind::Subnet,
        name: "shop-dev-thing".into(),
        action: Action::Replace,
        id: Some("subnet-0abc".into()),
        fields: vec![
            FieldChange::new("cidr", Some("10.20.0.0/20"), Some("10.20.16.0/20"))
                .forcing_replacement(),
        ],
        depends_on: vec![],
        needs: vec![],
        steps: vec![],
    }];
    plan.orphans = vec![Orphan {
        component: ComponentId::Network,
        kind: ResourceKind::NatGateway,
        name: "shop-dev-nat-2".into(),
        id: "nat-0def".into(),
    }];
    assert_filtered_snapshot!("replace_text", text(&plan, Colour::Never));
}

#[test]
fn colour_only_when_asked() {
    let plan = plan_for(&spec(""), &FakeCloud::new(&ZONES));
    assert!(!text(&plan, Colour::Never).contains('\x1b'));
    assert!(text(&plan, Colour::Always).contains("\x1b[32m  +\x1b[0m"));
}

#[test]
fn nothing_to_do_says_so() {
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec(""), &cloud);
    let plan = plan_for(&spec(""), &cloud);
    assert_filtered_snapshot!("no_changes_text", text(&plan, Colour::Never));
}

#[test]
fn a_plan_as_json() {
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec("azs = 1\nnat = \"none\"\n"), &cloud);
    cloud.network.borrow_mut().vpcs[0].dns_support = false;
    let plan = plan_for(&spec("azs = 1\nnat = \"none\"\n"), &cloud);
    assert_filtered_snapshot!("update_json", serde_json::to_string_pretty(&plan).unwrap());
}

#[test]
fn each_component_is_listed_once_though_the_service_runs_around_the_migration() {
    let mut plan = plan_for(&spec(""), &FakeCloud::new(&ZONES));
    let change = |key: &str, kind, name: &str| {
        ResourceChange::new(
            key.parse().unwrap(),
            kind,
            name,
            Action::Update,
            Vec::<crate::Step>::new(),
        )
    };
    plan.changes = vec![
        change(
            "service/shop-dev-api",
            ResourceKind::TaskDefinition,
            "shop-dev-api",
        ),
        change(
            "migration/shop-dev-migrate",
            ResourceKind::MigrationTask,
            "shop-dev-migrate",
        ),
        change("service/shop-dev/api", ResourceKind::EcsService, "api"),
    ];
    let text = text(&plan, Colour::Never);
    let headers: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(' ') && !l.starts_with("Plan"))
        .collect();
    assert_eq!(headers, ["service", "migration"], "{text}");
    let service = text.find("task definition").unwrap();
    let api = text.find("ecs service").unwrap();
    let migration = text.find("migration task").unwrap();
    assert!(service < api && api < migration, "{text}");
}
