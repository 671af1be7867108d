//! Every figure here is worked by hand from the committed tables
//! (`crates/plan/prices/`): 730 hours a month, each charge rounded to
//! the cent.

use awsdeploy_spec::Spec;

use super::*;
use crate::live::{LiveAccount, LiveNetwork, LiveZone};

const TODAY: &str = "2026-12-03";

fn config(file: &str, env: &str) -> Spec {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../config")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    Spec::parse(&text, &path.display().to_string(), env).unwrap()
}

fn spec(text: &str) -> Spec {
    Spec::parse(text, "test.toml", "dev").unwrap()
}

fn cents(cost: &PlanCost) -> (i64, Option<i64>) {
    assert_eq!(cost.unavailable, None);
    (cost.after.cents, cost.after.max_cents)
}

/// A resource's monthly amount after the plan.
fn of(cost: &PlanCost, kind: ResourceKind, name: &str) -> Monthly {
    cost.of(kind, name)
        .unwrap_or_else(|| panic!("{kind:?} {name} is not priced: {:#?}", cost.resources))
        .after
}

#[test]
fn the_example_in_tokyo() {
    let cost = of_spec(&config("example.toml", "dev"), "ap-northeast-1", TODAY);
    // NAT 730 × 0.062 = 45.26; its address 730 × 0.005 = 3.65.
    assert_eq!(
        of(&cost, ResourceKind::NatGateway, "shop-dev-nat-1").cents,
        4526
    );
    assert_eq!(
        of(&cost, ResourceKind::ElasticIp, "shop-dev-nat-1-ip").cents,
        365
    );
    // db.t4g.micro 730 × 0.025 = 18.25; 20 GB × 0.138 = 2.76; the
    // master secret 0.40.
    assert_eq!(
        of(&cost, ResourceKind::DbInstance, "shop-dev-db").cents,
        1825 + 276 + 40
    );
    // ALB 730 × 0.0243 = 17.739; two zones' addresses 2 × 730 × 0.005.
    assert_eq!(
        of(&cost, ResourceKind::LoadBalancer, "shop-dev-alb").cents,
        1774 + 730
    );
    // Two tasks of 0.25 vCPU and 0.5 GB: 0.5 × 730 × 0.05056 = 18.454,
    // 1 × 730 × 0.00553 = 4.037.
    assert_eq!(of(&cost, ResourceKind::EcsService, "api").cents, 1845 + 404);
    // Eleven alarms watching twelve metrics (the 5XX rate is metric math
    // over two), and the dashboard.
    let alarms: i64 = cost
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Alarm)
        .map(|r| r.after.cents)
        .sum();
    assert_eq!(alarms, 120);
    assert_eq!(of(&cost, ResourceKind::Dashboard, "shop-dev").cents, 300);
    assert_eq!(cents(&cost), (12205, None));
    assert_eq!(cost.before, Monthly::default());
    assert_eq!(cost.difference, cost.after);
    assert!(
        cost.usage
            .iter()
            .any(|u| u.item == "NAT gateway data processed" && u.price == "$0.062/GB")
    );
}

#[test]
fn one_nat_gateway_or_one_per_zone() {
    // multi-env.toml: no database, no alarms.
    let dev = of_spec(&config("multi-env.toml", "dev"), "ap-northeast-1", TODAY);
    // NAT and its address 48.91; ALB 17.74 + 2 addresses 7.30; tasks 22.49.
    assert_eq!(cents(&dev), (4891 + 2504 + 2249, None));
    assert!(
        dev.resources
            .iter()
            .all(|r| r.kind != ResourceKind::DbInstance)
    );
    let prod = of_spec(&config("multi-env.toml", "prod"), "ap-northeast-1", TODAY);
    // Three zones, a NAT gateway each: 3 × 48.91; the ALB's three
    // addresses 10.95.
    assert_eq!(cents(&prod), (3 * 4891 + 1774 + 1095 + 2249, None));
}

#[test]
fn multi_az_and_autoscaling() {
    let prod = of_spec(&config("full.toml", "prod"), "ap-northeast-1", TODAY);
    // Multi-AZ is its own price (730 × 0.050 = 36.50) and its storage
    // (20 × 0.276 = 5.52).
    assert_eq!(
        of(&prod, ResourceKind::DbInstance, "shop-prod-db").cents,
        3650 + 552 + 40
    );
    // Autoscaling from 2 to 12 tasks: 2 × 11.245 … 12 × 11.245, each line
    // rounded (18.45 + 4.04, 110.73 + 24.22).
    let tasks = of(&prod, ResourceKind::EcsService, "api");
    assert_eq!((tasks.cents, tasks.max_cents), (2249, Some(11073 + 2422)));
    let dev = of_spec(&config("full.toml", "dev"), "ap-northeast-1", TODAY);
    assert_eq!(cents(&dev), (12225, Some(12225 - 2249 + 5536 + 1211)));
    // Blue/green with a 5-minute bake: per release, up to 12 old tasks
    // run 5 more minutes, 1 task-hour × (0.25 × 0.05056 + 0.5 × 0.00553)
    // = $0.015, not in the monthly figures.
    let overlap = prod
        .usage
        .iter()
        .find(|u| u.item.contains("the release overlap (blue/green, bake 5m)"))
        .expect("the release overlap");
    assert!(
        overlap.assumption.contains(
            "tasks (up to 12) run 5 min beside the new ones (holds and bake): about $0.02 a release"
        ),
        "{}",
        overlap.assumption
    );
}

#[test]
fn the_release_overlap_counts_each_strategys_holds() {
    let strategy = |deploy: &str| {
        let spec = spec(&format!(
            "[app]\nname = \"shop\"\n[service]\ndesired_count = 2\n[service.deploy]\n{deploy}\n"
        ));
        crate::Strategy::from_spec(&spec.service.unwrap().deploy).overlap_minutes()
    };
    assert_eq!(strategy("strategy = \"rolling\""), 0);
    assert_eq!(strategy("strategy = \"blue_green\""), 5);
    // ECS's defaults: 5% for 10 min; 10% every 6 min, none held at 100%.
    assert_eq!(strategy("strategy = \"canary\""), 10 + 5);
    assert_eq!(strategy("strategy = \"linear\""), 9 * 6 + 5);
    assert_eq!(
        strategy(
            "strategy = \"linear\"\nlinear_step_percent = 30\nlinear_step_bake_time = \"2m\"\nbake_time = \"0m\""
        ),
        3 * 2,
        "30, 60, 90 held; 100 not"
    );
}

#[test]
fn an_arm_task_in_us_east_1() {
    let cost = of_spec(
        &spec(
            "[app]\nname = \"shop\"\n[service]\ncpu = 1024\nmemory = 2048\ndesired_count = 3\ncpu_architecture = \"arm64\"\n",
        ),
        "us-east-1",
        TODAY,
    );
    // 3 × 1 vCPU × 730 × 0.03238 = 70.91; 3 × 2 GB × 730 × 0.00356 = 15.59.
    assert_eq!(
        of(&cost, ResourceKind::EcsService, "api").cents,
        7091 + 1559
    );
    // The NAT gateway 730 × 0.045 = 32.85 and its address 3.65; the ALB
    // 730 × 0.0225 = 16.425 and two addresses 7.30.
    assert_eq!(cents(&cost), (7091 + 1559 + 3285 + 365 + 1643 + 730, None));
}

#[test]
fn mysql_8_0_is_in_extended_support_from_august_2026() {
    let db = |multi_az: bool| {
        spec(&format!(
            "[app]\nname = \"shop\"\n[database]\nengine_version = \"8.0\"\nmulti_az = {multi_az}\n"
        ))
    };
    let on = |spec: &Spec, region: &str, date: &str| {
        of(
            &of_spec(spec, region, date),
            ResourceKind::DbInstance,
            "shop-dev-db",
        )
        .cents
    };
    let base = 1825 + 276 + 40;
    // Standard support ends on 2026-07-31.
    assert_eq!(on(&db(false), "ap-northeast-1", "2026-07-31"), base);
    // Years 1–2 in Tokyo: 2 vCPU × 730 × 0.12 = 175.20; Multi-AZ pays the
    // standby's vCPUs too.
    assert_eq!(on(&db(false), "ap-northeast-1", TODAY), base + 17520);
    assert_eq!(
        on(&db(true), "ap-northeast-1", TODAY),
        3650 + 552 + 40 + 35040
    );
    // Year 3 in us-east-1: 2 × 730 × 0.20 = 292.00 (db.t4g.micro 11.68,
    // 20 GB × 0.115 = 2.30).
    assert_eq!(
        on(&db(false), "us-east-1", "2028-08-01"),
        1168 + 230 + 40 + 29200
    );
    // 8.4 never pays it.
    let current = spec("[app]\nname = \"shop\"\n[database]\nengine_version = \"8.4\"\n");
    assert_eq!(on(&current, "ap-northeast-1", "2029-01-01"), base);
}

#[test]
fn a_price_the_table_lacks_is_never_guessed() {
    let year3 = of_spec(
        &spec("[app]\nname = \"shop\"\n[database]\nengine_version = \"8.0\"\n"),
        "ap-northeast-1",
        "2028-08-01",
    );
    let why = year3.unavailable.unwrap();
    assert!(why.contains("rds.extended_support.mysql8.0.yr3"), "{why}");
    assert!(
        why.contains("scripts/refresh-prices ap-northeast-1"),
        "{why}"
    );
    let big = of_spec(
        &spec("[app]\nname = \"shop\"\n[database]\ninstance_class = \"db.r6g.large\"\n"),
        "ap-northeast-1",
        TODAY,
    );
    assert!(
        big.unavailable
            .unwrap()
            .contains("rds.mysql.db.r6g.large.single_az")
    );
}

#[test]
fn a_region_without_a_table_says_how_to_add_one() {
    let cost = of_spec(&config("example.toml", "dev"), "eu-west-3", TODAY);
    let why = cost.unavailable.clone().unwrap();
    assert!(why.contains("no prices for eu-west-3"), "{why}");
    assert!(why.contains("`scripts/refresh-prices eu-west-3`"), "{why}");
    assert_eq!(cost.summary(), format!("Cost: not estimated: {why}"));
}

/// Live as a fresh account shows it: zones, the account, the team's zone
/// and secret, and the image CI pushed.
fn fresh(env: &str) -> Live {
    let mut live = Live {
        network: LiveNetwork {
            availability_zones: ["a", "c", "d"]
                .map(|z| format!("ap-northeast-1{z}"))
                .to_vec(),
            ..LiveNetwork::default()
        },
        account: LiveAccount {
            account_id: Some("111122223333".to_owned()),
            ..LiveAccount::default()
        },
        ..Live::default()
    };
    live.service.zone = Some(LiveZone {
        id: "Z1".to_owned(),
        name: "example.com".to_owned(),
    });
    live.account.secrets.insert(
        "shop/stripe".to_owned(),
        Some(
            "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:shop/stripe-AbCdEf"
                .to_owned(),
        ),
    );
    live.account.repository = Some(crate::live::LiveRepository {
        name: format!("shop/{env}/api"),
        owned: true,
        arn: format!("arn:aws:ecr:ap-northeast-1:111122223333:repository/shop/{env}/api"),
        uri: format!("111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/shop/{env}/api"),
        tags_immutable: true,
        scan_on_push: true,
        lifecycle_policy: None,
    });
    live.account.image_present = Some(true);
    live
}

/// The guard against pricing that names a resource otherwise than its
/// change: on a fresh env every priced resource is one the plan creates,
/// and its amount shows on that change.
#[test]
fn every_priced_resource_is_a_change_of_the_plan() {
    for (file, env) in [
        ("example.toml", "dev"),
        ("full.toml", "prod"),
        ("multi-env.toml", "prod"),
    ] {
        let mut spec = config(file, env);
        if let Some(service) = spec.service.as_mut() {
            service.image_tag = Some("v1".to_owned());
        }
        let options = crate::Options {
            price_on: Some(TODAY.to_owned()),
            ..crate::Options::default()
        };
        let plan = crate::plan_with(&spec, "ap-northeast-1", &fresh(env), &options).unwrap();
        let cost = plan.cost.as_ref().unwrap();
        assert_eq!(cost.after, of_spec(&spec, "ap-northeast-1", TODAY).after);
        for resource in &cost.resources {
            assert!(
                plan.changes.iter().any(|c| c.kind == resource.kind
                    && c.name == resource.name
                    && c.action == Action::Create),
                "{file} {env}: {:?} {} has no change",
                resource.kind,
                resource.name
            );
        }
        let text = crate::render::text(&plan, crate::render::Colour::Never);
        assert!(text.contains("nat gateway      shop-"), "{text}");
        assert!(text.contains("+$45.26/mo"), "{text}");
        assert!(
            text.contains(&format!(
                "Cost: $0.00/mo → {}/mo (+{}/mo), usage extra",
                cost.after, cost.after
            )),
            "{text}"
        );
    }
}

/// A live db.t4g.micro of the spec's, in `status`, on `version`.
fn live_database(status: &str, version: &str) -> Live {
    let mut live = Live::default();
    live.database.instance = Some(crate::live::LiveDbInstance {
        status: status.to_owned(),
        engine_version: version.to_owned(),
        ..crate::live::LiveDbInstance::example()
    });
    live
}

#[test]
fn a_stopped_database_pays_for_storage_and_extended_support_not_hours() {
    let spec = spec("[app]\nname = \"shop\"\n[database]\nengine_version = \"8.0\"\n");
    let now = |status: &str| {
        let cost = estimate(
            (&spec, "ap-northeast-1"),
            &live_database(status, "8.0.40"),
            &[],
            TODAY,
        );
        assert_eq!(cost.before, cost.after, "no change, no difference");
        cost.before.cents
    };
    assert_eq!(now("available"), 1825 + 276 + 40 + 17520);
    assert_eq!(now("stopped"), 276 + 40 + 17520);
    // An instance whose password RDS does not manage has no secret.
    let mut live = live_database("available", "8.0.40");
    live.database.instance.as_mut().unwrap().master_secret_arn = None;
    let cost = estimate((&spec, "ap-northeast-1"), &live, &[], TODAY);
    assert_eq!(cost.before.cents, 1825 + 276 + 17520);
}

#[test]
fn extended_support_ends_when_rds_upgrades_the_major_version() {
    // 5.7's Extended Support ends on 2027-02-28 (its year 3 in us-east-1
    // is 2 × 730 × 0.20 until then).
    let spec = spec("[app]\nname = \"shop\"\n[database]\nengine_version = \"8.4\"\n");
    let on = |date: &str| {
        estimate(
            (&spec, "us-east-1"),
            &live_database("available", "5.7.44"),
            &[],
            date,
        )
        .before
        .cents
    };
    assert_eq!(on("2027-02-28"), 1168 + 230 + 40 + 29200);
    assert_eq!(on("2027-03-01"), 1168 + 230 + 40);
}

/// A live network of `nats` NAT gateways (and their addresses), plus
/// `extra` addresses named as the first NAT's.
fn live_network(nats: usize, extra: usize) -> Live {
    let mut live = Live::default();
    for i in 1..=nats {
        live.network.nat_gateways.push(crate::live::LiveNatGateway {
            id: format!("nat-{i}"),
            name: Some(format!("shop-dev-nat-{i}")),
            subnet_id: format!("subnet-{i}"),
            allocation_id: Some(format!("eipalloc-{i}")),
            state: "available".to_owned(),
        });
        live.network.addresses.push(crate::live::LiveAddress {
            allocation_id: format!("eipalloc-{i}"),
            name: Some(format!("shop-dev-nat-{i}-ip")),
            public_ip: None,
        });
    }
    for i in 0..extra {
        live.network.addresses.push(crate::live::LiveAddress {
            allocation_id: format!("eipalloc-dup-{i}"),
            name: Some("shop-dev-nat-1-ip".to_owned()),
            public_ip: None,
        });
    }
    live
}

const SINGLE: &str = "[app]\nname = \"shop\"\n[network]\nnat = \"single\"\n";

#[test]
fn a_duplicate_deleted_under_the_name_of_what_stays_leaves_what_stays() {
    let cost = estimate(
        (&spec(SINGLE), "ap-northeast-1"),
        &live_network(1, 1),
        &[(
            ComponentId::Network,
            ResourceKind::ElasticIp,
            "shop-dev-nat-1-ip",
            Action::Delete,
        )],
        TODAY,
    );
    let address = cost
        .of(ResourceKind::ElasticIp, "shop-dev-nat-1-ip")
        .unwrap();
    assert_eq!((address.before.cents, address.after.cents), (730, 365));
    assert_eq!(cost.difference.cents, -365);
    assert_eq!(
        cost.summary(),
        "Cost: $52.56/mo → $48.91/mo (-$3.65/mo), usage extra"
    );
}

#[test]
fn what_up_keeps_stays_in_the_figure() {
    // per-az → single: the second NAT gateway is an orphan `up` keeps,
    // while the plan changes the network's routes.
    let cost = estimate(
        (&spec(SINGLE), "ap-northeast-1"),
        &live_network(2, 0),
        &[(
            ComponentId::Network,
            ResourceKind::Route,
            "shop-dev-private-2-rt:0.0.0.0/0",
            Action::Update,
        )],
        TODAY,
    );
    assert_eq!(cost.before.cents, 2 * 4891);
    assert_eq!(cost.after, cost.before);
    // Deleted, it is gone from the figure.
    let deleted = estimate(
        (&spec(SINGLE), "ap-northeast-1"),
        &live_network(2, 0),
        &[
            (
                ComponentId::Network,
                ResourceKind::NatGateway,
                "shop-dev-nat-2",
                Action::Delete,
            ),
            (
                ComponentId::Network,
                ResourceKind::ElasticIp,
                "shop-dev-nat-2-ip",
                Action::Delete,
            ),
        ],
        TODAY,
    );
    assert_eq!(deleted.after.cents, 4891);
}

#[test]
fn a_stopped_database_stays_stopped_through_a_change() {
    let spec = spec("[app]\nname = \"shop\"\n[database]\n");
    let cost = estimate(
        (&spec, "ap-northeast-1"),
        &live_database("stopped", "8.4.3"),
        &[(
            ComponentId::Database,
            ResourceKind::DbSubnetGroup,
            "shop-dev-db",
            Action::Update,
        )],
        TODAY,
    );
    assert_eq!(cost.before.cents, 276 + 40);
    assert_eq!(cost.after, cost.before);
}

#[test]
fn differences_read_one_way_or_both() {
    let m = |cents, max_cents| Monthly { cents, max_cents };
    assert_eq!(m(2249, Some(6747)).signed(), "+$22.49–$67.47");
    assert_eq!(m(-450, Some(-1350)).signed(), "-$4.50–$13.50");
    assert_eq!(m(1125, Some(-10121)).signed(), "+$11.25 to -$101.21");
    assert_eq!(m(0, None).signed(), "+$0.00");
    assert_eq!(m(-365, None).signed(), "-$3.65");
}
