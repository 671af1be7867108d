use awsdeploy_spec::Spec;

use super::*;
use crate::execute::execute;
use crate::fake_cloud::FakeCloud;
use crate::live::{LiveSubnet, LiveVpc};
use crate::plan::Plan;
use crate::{Live, plan as make_plan};

const ZONES: [&str; 3] = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"];

fn spec(network: &str) -> Spec {
    Spec::parse(
        &format!("[app]\nname = \"shop\"\n[network]\ncidr = \"10.20.0.0/16\"\n{network}"),
        "test.toml",
        "dev",
    )
    .unwrap()
}

fn plan_against(spec: &Spec, cloud: &FakeCloud) -> Plan {
    let live = Live {
        network: cloud.network.borrow().clone(),
        ..Live::default()
    };
    make_plan(spec, "ap-northeast-1", &live).unwrap()
}

fn apply(spec: &Spec, cloud: &FakeCloud) -> Plan {
    let plan = plan_against(spec, cloud);
    let report = futures_util::FutureExt::now_or_never(execute(
        &plan,
        cloud,
        4,
        std::future::pending(),
        |_| {},
    ))
    .unwrap();
    assert!(report.succeeded(), "{report:?}");
    plan
}

fn keys(plan: &Plan, action: Action) -> Vec<String> {
    plan.changes
        .iter()
        .filter(|c| c.action == action)
        .map(|c| c.key.to_string())
        .collect()
}

#[test]
fn subnets_are_carved_so_that_adding_a_zone_moves_nothing() {
    let zones: Vec<String> = ZONES.iter().map(|z| (*z).to_owned()).collect();
    let two = desired(&spec("azs = 2\n"), &zones).unwrap();
    let three = desired(&spec("azs = 3\n"), &zones).unwrap();
    let cidrs = |d: &DesiredNetwork| {
        d.subnets
            .iter()
            .map(|s| (s.name.clone(), s.cidr.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        cidrs(&two),
        [
            ("shop-dev-public-1".to_owned(), "10.20.0.0/20".to_owned()),
            ("shop-dev-public-2".to_owned(), "10.20.16.0/20".to_owned()),
            ("shop-dev-private-1".to_owned(), "10.20.128.0/20".to_owned()),
            ("shop-dev-private-2".to_owned(), "10.20.144.0/20".to_owned()),
        ]
    );
    for subnet in &two.subnets {
        assert!(three.subnets.contains(subnet), "{} moved", subnet.name);
    }
}

#[test]
fn more_zones_than_the_region_has_is_an_error_with_the_count() {
    let zones: Vec<String> = ZONES.iter().map(|z| (*z).to_owned()).collect();
    let err = desired(&spec("azs = 4\n"), &zones).unwrap_err();
    assert!(matches!(err, PlanError::NotEnoughZones { wanted: 4, .. }));
    assert!(err.hint().contains("3 or fewer"), "{}", err.hint());
}

#[test]
fn from_nothing_everything_is_created_then_nothing_changes() {
    let spec = spec("azs = 2\nnat = \"single\"\n");
    let cloud = FakeCloud::new(&ZONES);
    let first = apply(&spec, &cloud);
    // vpc, 4 subnets, igw, eip, nat, 3 tables, 3 routes, 4 associations, 3 groups
    assert_eq!(
        first.count(Action::Create),
        21,
        "{:#?}",
        first.changes.iter().map(|c| &c.key).collect::<Vec<_>>()
    );
    let second = plan_against(&spec, &cloud);
    assert!(second.is_empty(), "{:#?}", second.changes);
    assert_eq!(second.unchanged, 21);
}

#[test]
fn one_more_zone_plans_exactly_its_subnets_table_route_and_associations() {
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec("azs = 2\n"), &cloud);
    let plan = plan_against(&spec("azs = 3\n"), &cloud);
    assert_eq!(
        keys(&plan, Action::Create),
        [
            "shop-dev-public-3",
            "shop-dev-private-3",
            "shop-dev-public-3:association",
            "shop-dev-private-3-rt",
            "shop-dev-private-3-rt:0.0.0.0/0",
            "shop-dev-private-3:association",
        ]
    );
    assert!(keys(&plan, Action::Update).is_empty());
}

#[test]
fn a_deleted_subnet_and_route_are_recreated() {
    let spec = spec("azs = 2\n");
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec, &cloud);
    {
        let mut net = cloud.network.borrow_mut();
        let gone = net
            .subnets
            .iter()
            .position(|s| s.name.as_deref() == Some("shop-dev-private-2"))
            .unwrap();
        let subnet_id = net.subnets.remove(gone).id;
        for table in &mut net.route_tables {
            table.associations.retain(|a| a.subnet_id != subnet_id);
            if table.name.as_deref() == Some("shop-dev-private-1-rt") {
                table.routes.clear();
            }
        }
    }
    let plan = apply(&spec, &cloud);
    assert_eq!(
        keys(&plan, Action::Create),
        [
            "shop-dev-private-2",
            "shop-dev-private-1-rt:0.0.0.0/0",
            "shop-dev-private-2:association"
        ]
    );
    assert!(plan_against(&spec, &cloud).is_empty());
}

#[test]
fn nat_per_az_then_none_replaces_and_deletes_routes_and_keeps_gateways() {
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec("azs = 2\nnat = \"single\"\n"), &cloud);
    let per_az = apply(&spec("azs = 2\nnat = \"per-az\"\n"), &cloud);
    assert_eq!(
        keys(&per_az, Action::Create),
        ["shop-dev-nat-2-ip", "shop-dev-nat-2"]
    );
    assert_eq!(
        keys(&per_az, Action::Update),
        ["shop-dev-private-2-rt:0.0.0.0/0"]
    );

    let none = apply(&spec("azs = 2\nnat = \"none\"\n"), &cloud);
    assert_eq!(
        keys(&none, Action::Delete),
        [
            "shop-dev-private-1-rt:0.0.0.0/0",
            "shop-dev-private-2-rt:0.0.0.0/0"
        ]
    );
    let orphans: Vec<&str> = none.orphans.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        orphans,
        [
            "shop-dev-nat-1-ip",
            "shop-dev-nat-2-ip",
            "shop-dev-nat-1",
            "shop-dev-nat-2"
        ]
    );
}

#[test]
fn security_group_rules_are_chained_and_drift_is_repaired() {
    let spec = spec("");
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec, &cloud);
    let (lb, service) = {
        let net = cloud.network.borrow();
        let id = |n: &str| {
            net.security_groups
                .iter()
                .find(|g| g.name.as_deref() == Some(n))
                .unwrap()
                .id
                .clone()
        };
        (id("shop-dev-lb"), id("shop-dev-service"))
    };
    {
        let mut net = cloud.network.borrow_mut();
        let group = net
            .security_groups
            .iter_mut()
            .find(|g| g.id == service)
            .unwrap();
        assert_eq!(group.ingress.len(), 1);
        assert_eq!(group.ingress[0].source, LiveRuleSource::Group(lb.clone()));
        group.ingress.push(LiveIngressRule {
            protocol: "tcp".into(),
            from_port: Some(22),
            to_port: Some(22),
            source: LiveRuleSource::Cidr("0.0.0.0/0".into()),
        });
    }
    let plan = plan_against(&spec, &cloud);
    assert_eq!(plan.changes.len(), 1);
    let change = &plan.changes[0];
    assert_eq!(
        (change.key.to_string().as_str(), change.action),
        ("shop-dev-service", Action::Update)
    );
    assert_eq!(
        change.fields,
        [FieldChange::new(
            "ingress",
            Some("tcp 22 from 0.0.0.0/0"),
            None::<String>
        )]
    );
    apply(&spec, &cloud);
    assert!(plan_against(&spec, &cloud).is_empty());
}

#[test]
fn an_empty_duplicate_is_deleted_and_two_in_use_are_refused() {
    let spec = spec("");
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec, &cloud);
    // A lost CreateVpc answer, sent again: a second, empty VPC of the name.
    let extra = cloud.network.borrow().vpcs[0].clone();
    let kept = extra.id.clone();
    cloud.network.borrow_mut().vpcs.push(LiveVpc {
        id: "vpc-zzz-duplicate".into(),
        ..extra
    });
    let plan = plan_against(&spec, &cloud);
    assert_eq!(plan.changes.len(), 1, "{:?}", plan.changes);
    let change = &plan.changes[0];
    assert_eq!(change.action, Action::Delete);
    assert_eq!(change.id.as_deref(), Some("vpc-zzz-duplicate"));
    assert!(
        change.fields[0].old.as_deref().unwrap().contains(&kept),
        "{:?}",
        change.fields
    );
    apply(&spec, &cloud);
    assert_eq!(cloud.network.borrow().vpcs.len(), 1);
    assert_eq!(cloud.network.borrow().vpcs[0].id, kept);
    assert!(plan_against(&spec, &cloud).changes.is_empty());

    // Both in use (a subnet in each): awsdeploy cannot choose.
    let extra = cloud.network.borrow().vpcs[0].clone();
    let subnet = cloud.network.borrow().subnets[0].clone();
    cloud.network.borrow_mut().vpcs.push(LiveVpc {
        id: "vpc-other".into(),
        ..extra
    });
    cloud.network.borrow_mut().subnets.push(LiveSubnet {
        id: "subnet-other".into(),
        vpc_id: "vpc-other".into(),
        name: Some("someone-elses".into()),
        ..subnet
    });
    let live = Live {
        network: cloud.network.borrow().clone(),
        ..Live::default()
    };
    let err = make_plan(&spec, "ap-northeast-1", &live).unwrap_err();
    assert!(
        matches!(
            err,
            PlanError::Duplicate {
                kind: ResourceKind::Vpc,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.hint().contains("aws ec2 describe-vpcs --vpc-ids"),
        "{}",
        err.hint()
    );
}

#[test]
fn a_changed_vpc_block_is_a_conflict_not_a_replacement() {
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec(""), &cloud);
    let other = Spec::parse(
        "[app]\nname = \"shop\"\n[network]\ncidr = \"10.30.0.0/16\"\n",
        "t.toml",
        "dev",
    )
    .unwrap();
    let live = Live {
        network: cloud.network.borrow().clone(),
        ..Live::default()
    };
    let err = make_plan(&other, "ap-northeast-1", &live).unwrap_err();
    assert!(
        matches!(
            err,
            PlanError::Conflict {
                kind: ResourceKind::Vpc,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.hint().contains("10.20.0.0/16"), "{}", err.hint());
}

#[test]
fn dns_attributes_turned_off_are_turned_back_on() {
    let spec = spec("");
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec, &cloud);
    cloud.network.borrow_mut().vpcs[0].dns_hostnames = false;
    let plan = apply(&spec, &cloud);
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(
        plan.changes[0].fields,
        [FieldChange::new("dns_hostnames", Some("off"), Some("on"))]
    );
    assert!(cloud.network.borrow().vpcs[0].dns_hostnames);
}

#[test]
fn live_rules_are_normalised_before_comparing() {
    let rule = |protocol: &str, from, to| LiveIngressRule {
        protocol: protocol.into(),
        from_port: from,
        to_port: to,
        source: LiveRuleSource::Cidr("0.0.0.0/0".into()),
    };
    // AWS may answer with protocol numbers; "6" is tcp.
    let tcp = normalise_live_rule(&rule("6", Some(443), Some(443)));
    assert_eq!(tcp.protocol, "tcp");
    assert_eq!((tcp.from_port, tcp.to_port), (443, 443));
    assert_eq!(
        normalise_live_rule(&rule("TCP", Some(80), Some(80))).protocol,
        "tcp"
    );
    // "All traffic" has no ports.
    let all = normalise_live_rule(&rule("-1", None, None));
    assert_eq!(
        (all.protocol.as_str(), all.from_port, all.to_port),
        ("-1", -1, -1)
    );
}

#[test]
fn rule_order_and_grouping_do_not_make_a_diff() {
    let spec = spec("");
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec, &cloud);
    for group in &mut cloud.network.borrow_mut().security_groups {
        group.ingress.reverse();
    }
    assert!(plan_against(&spec, &cloud).is_empty());
}

#[test]
fn the_fingerprint_ignores_listing_order_but_not_content() {
    let cloud = FakeCloud::new(&ZONES);
    apply(&spec(""), &cloud);
    let live = Live {
        network: cloud.network.borrow().clone(),
        ..Live::default()
    };
    let mut shuffled = live.clone();
    shuffled.network.subnets.reverse();
    shuffled.network.route_tables.reverse();
    assert_eq!(live.fingerprint(), shuffled.fingerprint());
    let mut changed = live.clone();
    changed.network.route_tables[0].routes.clear();
    assert_ne!(live.fingerprint(), changed.fingerprint());
}

#[test]
fn a_nat_gateway_waits_for_the_internet_gateway_to_be_attached() {
    // AWS fails a public NAT gateway in a VPC with no internet gateway.
    let cloud = FakeCloud::new(&ZONES);
    let plan = plan_against(&spec("nat = \"per-az\"\n"), &cloud);
    let nats: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.kind == ResourceKind::NatGateway)
        .collect();
    assert_eq!(nats.len(), 2);
    for nat in nats {
        assert!(
            nat.depends_on.contains(&"shop-dev-igw".parse().unwrap()),
            "{:?}",
            nat.depends_on
        );
    }
}
