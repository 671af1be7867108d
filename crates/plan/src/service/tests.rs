use super::*;
use crate::component::{Component, PlanContext};
use crate::live::{
    LiveAccount, LiveLoadBalancer, LiveRecord, LiveRepository, LiveTaskDefinition, LiveZone,
};
use crate::{ListenerConfig, LoadBalancerStep, MigrationStep, MigrationWait, NewService, Step};
use crate::{Live, migration};
use awsdeploy_spec::Spec;

mod strategy;

fn spec(extra: &str) -> Spec {
    Spec::parse(
        &format!("[app]\nname = \"shop\"\n[registry]\n[service]\n{extra}\n"),
        "test.toml",
        "dev",
    )
    .unwrap()
}

fn live() -> Live {
    Live {
        network: crate::live::LiveNetwork {
            availability_zones: vec!["r-1a".to_owned(), "r-1c".to_owned()],
            ..crate::live::LiveNetwork::default()
        },
        account: LiveAccount {
            account_id: Some("111122223333".to_owned()),
            ..LiveAccount::default()
        },
        ..Live::default()
    }
}

/// `live` with the stack's repository in place.
fn with_repository(mut live: Live) -> Live {
    live.account.repository = Some(LiveRepository {
        name: "shop/dev/api".to_owned(),
        owned: true,
        arn: "arn:aws:ecr:r:111122223333:repository/shop/dev/api".to_owned(),
        uri: "111122223333.dkr.ecr.r.amazonaws.com/shop/dev/api".to_owned(),
        tags_immutable: true,
        scan_on_push: true,
        lifecycle_policy: None,
    });
    live.account.image_present = Some(true);
    live
}

fn run(spec: &Spec, live: &Live) -> Result<ComponentPlan, PlanError> {
    run_with(spec, live, migration::Policy::Auto)
}

/// The service tier's components planned together, as `plan` plans them
/// (without the network: its refs stay planned).
fn run_with(
    spec: &Spec,
    live: &Live,
    policy: migration::Policy,
) -> Result<ComponentPlan, PlanError> {
    let options = crate::Options {
        migrate: policy,
        ..crate::Options::default()
    };
    let cx = PlanContext::new(crate::COMPONENTS, (spec, "r"), live, &options)?;
    let mut out = ComponentPlan::default();
    let tier: [&dyn Component; 7] = [
        &crate::logs::Logs,
        &crate::iam::Iam,
        &crate::load_balancer::LoadBalancer,
        &crate::certificate::Certificate,
        &crate::dns::Dns,
        &Service,
        &crate::migration::Migration,
    ];
    for component in tier {
        out.merge(component.plan(&cx)?);
    }
    crate::component::resolve_needs(&mut out);
    Ok(out)
}

fn keys(out: &ComponentPlan) -> Vec<String> {
    out.changes.iter().map(|c| c.key.to_string()).collect()
}

fn listener(out: &ComponentPlan, port: i32) -> ListenerConfig {
    out.changes
        .iter()
        .flat_map(|c| &c.steps)
        .find_map(|s| match s {
            Step::LoadBalancer(LoadBalancerStep::CreateListener {
                port: p, config, ..
            }) if *p == port => Some(config.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no listener on {port}"))
}

#[test]
fn a_first_plan_without_an_image_makes_everything_but_the_service_and_says_why() {
    let out = run(&spec(""), &live()).unwrap();
    assert_eq!(
        keys(&out),
        [
            "logs//awsdeploy/shop/dev",
            "iam/shop-dev-boundary",
            "iam/shop-dev-task-execution",
            "iam/shop-dev-task",
            "load_balancer/shop-dev-api",
            "load_balancer/shop-dev-alb",
            "load_balancer/shop-dev-alb:80",
            "service/shop-dev",
        ]
    );
    assert!(matches!(listener(&out, 80), ListenerConfig::Forward { .. }));
    assert_eq!(out.warnings.len(), 2, "{:?}", out.warnings);
    assert!(out.warnings[0].contains("plain HTTP"));
    assert!(out.warnings[1].contains("not deployed yet"));
    assert!(out.warnings[1].contains("up --image-tag"));
}

#[test]
fn with_a_certificate_443_has_the_modern_policy_and_80_redirects() {
    let spec = spec(
        "image_tag = \"v1\"\n[load_balancer]\ncertificate_arn = \"arn:aws:acm:r:111122223333:certificate/abc\"\n",
    );
    let out = run(&spec, &with_repository(live())).unwrap();
    match listener(&out, 443) {
        ListenerConfig::Https {
            certificate,
            tls_policy,
            target_group,
        } => {
            assert_eq!(
                certificate,
                Ref::Existing("arn:aws:acm:r:111122223333:certificate/abc".to_owned())
            );
            assert_eq!(tls_policy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
            assert_eq!(
                target_group,
                Ref::Planned("load_balancer/shop-dev-api".parse().unwrap())
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(listener(&out, 80), ListenerConfig::RedirectToHttps);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn the_service_waits_for_its_listeners_roles_and_revision() {
    let out = run(&spec("image_tag = \"v1\""), &with_repository(live())).unwrap();
    let service = out
        .changes
        .iter()
        .find(|c| c.key.to_string() == "service/shop-dev/api")
        .unwrap();
    for key in [
        "load_balancer/shop-dev-alb:80",
        "load_balancer/shop-dev-api",
        "service/shop-dev",
        "service/shop-dev-api",
        "iam/shop-dev-task-execution",
    ] {
        assert!(
            service.depends_on.contains(&key.parse().unwrap()),
            "{key}: {:?}",
            service.depends_on
        );
    }
    assert!(matches!(
        service.steps[1],
        Step::Service(ServiceStep::WaitForRollout {
            timeout_secs: 900,
            ..
        })
    ));
    let Step::Service(ServiceStep::RegisterTaskDefinition { definition }) = &out
        .changes
        .iter()
        .find(|c| c.key.to_string() == "service/shop-dev-api")
        .unwrap()
        .steps[0]
    else {
        panic!("a task definition is registered")
    };
    assert_eq!(
        definition.container.image,
        "111122223333.dkr.ecr.r.amazonaws.com/shop/dev/api:v1"
    );
    assert_eq!(
        definition.execution_role_arn,
        "arn:aws:iam::111122223333:role/shop-dev-task-execution"
    );
}

#[test]
fn an_unchanged_definition_registers_no_revision_and_a_new_tag_does() {
    let spec_v1 = spec("image_tag = \"v1\"");
    let first = run(&spec_v1, &with_repository(live())).unwrap();
    let rendered = first
        .changes
        .iter()
        .flat_map(|c| &c.steps)
        .find_map(|s| match s {
            Step::Service(ServiceStep::RegisterTaskDefinition { definition }) => {
                Some(definition.clone())
            }
            _ => None,
        })
        .unwrap();
    let mut live = with_repository(live());
    live.service.task_definition = Some(LiveTaskDefinition {
        arn: "arn:aws:ecs:r:111122223333:task-definition/shop-dev-api:7".to_owned(),
        owned: true,
        definition: rendered,
    });
    let same = run(&spec_v1, &live).unwrap();
    assert!(!keys(&same).contains(&"service/shop-dev-api".to_owned()));
    let Some(Step::Service(ServiceStep::CreateService(NewService {
        task_definition, ..
    }))) = same
        .changes
        .iter()
        .flat_map(|c| &c.steps)
        .find(|s| matches!(s, Step::Service(ServiceStep::CreateService(_))))
    else {
        panic!("the service is created")
    };
    assert_eq!(
        *task_definition,
        Ref::Existing("arn:aws:ecs:r:111122223333:task-definition/shop-dev-api:7".to_owned())
    );

    let v2 = run(&spec("image_tag = \"v2\""), &live).unwrap();
    let change = v2
        .changes
        .iter()
        .find(|c| c.key.to_string() == "service/shop-dev-api")
        .unwrap();
    assert_eq!(change.action, Action::Update);
    assert_eq!(change.fields[0].field, "image");
    assert!(change.fields[0].new.as_deref().unwrap().ends_with(":v2"));
}

#[test]
fn a_record_pointing_elsewhere_stops_the_plan() {
    let spec = spec("[dns]\nzone = \"example.com\"\napi = \"api.example.com\"\n");
    let mut live = live();
    live.service.zone = Some(LiveZone {
        id: "Z1".to_owned(),
        name: "example.com".to_owned(),
    });
    live.service.api_record = Some(LiveRecord {
        name: "api.example.com".to_owned(),
        alias_dns_name: None,
        values: vec!["192.0.2.1".to_owned()],
    });
    let err = run(&spec, &live).unwrap_err();
    assert!(
        err.to_string().contains("already points at 192.0.2.1"),
        "{err}"
    );
    assert!(err.hint().contains("never overwrites"));
}

#[test]
fn a_missing_zone_stops_the_plan_with_how_to_make_it() {
    let spec = spec("[dns]\nzone = \"example.com\"\napi = \"api.example.com\"\n");
    let err = run(&spec, &live()).unwrap_err();
    assert!(err.to_string().contains("no Route 53 hosted zone"), "{err}");
    assert!(err.hint().contains("create-hosted-zone"));
}

#[test]
fn a_load_balancer_without_our_tags_is_never_adopted() {
    let mut live = live();
    live.service.load_balancer = Some(LiveLoadBalancer {
        arn: "arn:lb".to_owned(),
        name: "shop-dev-alb".to_owned(),
        owned: false,
        scheme: "internet-facing".to_owned(),
        dns_name: "x".to_owned(),
        canonical_zone_id: "Z".to_owned(),
        subnet_ids: vec![],
        security_group_ids: vec![],
        idle_timeout_secs: Some(60),
    });
    let err = run(&spec(""), &live).unwrap_err();
    assert!(err.to_string().contains("does not carry"), "{err}");
}

const MIGRATION: &str = "[database]\n[migration]\ncommand = [\"migrate\", \"-path\", \"/migrations\", \"up\"]\ntimeout = \"5m\"";

/// `spec` with `[migration]`; `service` is the `[service]` body.
fn migrating(service: &str) -> Spec {
    spec(&format!("{service}\n{MIGRATION}"))
}

/// `live` with the service running the rendered revision of `spec`.
fn deployed(spec: &Spec) -> Live {
    let first = run_with(spec, &with_repository(live()), migration::Policy::Never).unwrap();
    let definition = first
        .changes
        .iter()
        .flat_map(|c| &c.steps)
        .find_map(|s| match s {
            Step::Service(ServiceStep::RegisterTaskDefinition { definition }) => {
                Some(definition.clone())
            }
            _ => None,
        })
        .unwrap();
    let arn = "arn:aws:ecs:r:111122223333:task-definition/shop-dev-api:3".to_owned();
    let mut live = with_repository(live());
    live.service.task_definition = Some(LiveTaskDefinition {
        arn: arn.clone(),
        owned: true,
        definition,
    });
    live.service.service = Some(crate::live::LiveEcsService {
        arn: "arn:aws:ecs:r:111122223333:service/shop-dev/api".to_owned(),
        name: "api".to_owned(),
        owned: true,
        task_definition_arn: arn,
        desired_count: 2,
        subnet_ids: Vec::new(),
        security_group_ids: Vec::new(),
        public_ip: false,
        target_group_arn: None,
        container_port: Some(8080),
        deployment: DeploymentSettings {
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
    live
}

fn migration_change(out: &ComponentPlan) -> Option<&ResourceChange> {
    out.changes
        .iter()
        .find(|c| c.key.to_string() == "migration/shop-dev-migrate")
}

#[test]
fn a_new_image_runs_the_migration_before_the_service_update() {
    let out = run(&migrating("image_tag = \"v1\""), &with_repository(live())).unwrap();
    let change = migration_change(&out).expect("the first deploy migrates");
    assert_eq!(change.action, Action::Run);
    assert_eq!(change.kind, ResourceKind::MigrationTask);
    // It needs the cluster and the roles; not the service or its revision.
    assert!(
        change
            .depends_on
            .contains(&"service/shop-dev".parse().unwrap())
    );
    assert!(
        change
            .depends_on
            .contains(&"iam/shop-dev-task-execution".parse().unwrap())
    );
    assert!(
        !change
            .depends_on
            .iter()
            .any(|k| k.to_string().starts_with("service/shop-dev/"))
    );
    let service = out
        .changes
        .iter()
        .find(|c| c.key.to_string() == "service/shop-dev/api")
        .unwrap();
    assert!(service.depends_on.contains(&change.key));

    let Step::Migration(MigrationStep::RunMigration { task }) = &change.steps[0] else {
        panic!("the first step runs the task")
    };
    let container = &task.definition.container;
    assert_eq!(task.definition.family, "shop-dev-migrate");
    assert_eq!(container.name, "migrate");
    assert_eq!(
        container.image,
        "111122223333.dkr.ecr.r.amazonaws.com/shop/dev/api:v1"
    );
    assert_eq!(
        container.command.as_deref(),
        Some(&["migrate", "-path", "/migrations", "up"].map(str::to_owned)[..])
    );
    assert_eq!(container.log_group, "/awsdeploy/shop/dev");
    assert_eq!(container.log_stream_prefix, "migrate");
    assert_eq!(container.port, None);
    assert_eq!(task.database, "shop-dev-db");
    assert_eq!(task.network.subnets.len(), 2);
    assert_eq!(
        task.network.security_group,
        Ref::Planned("shop-dev-service".parse().unwrap())
    );
    assert!(matches!(
        &change.steps[1],
        Step::Migration(MigrationStep::WaitForMigration(MigrationWait { timeout_secs: 300, task, .. })) if *task == Ref::Planned(change.key.clone())
    ));
}

#[test]
fn the_migration_runs_when_the_image_changes_or_when_asked() {
    let v1 = migrating("image_tag = \"v1\"");
    let live = deployed(&v1);
    let same = run(&v1, &live).unwrap();
    assert!(migration_change(&same).is_none(), "{:?}", keys(&same));

    let always = run_with(&v1, &live, migration::Policy::Always).unwrap();
    assert_eq!(
        migration_change(&always).unwrap().fields[0].note.as_deref(),
        Some("--migrate always")
    );

    let v2 = migrating("image_tag = \"v2\"");
    let out = run(&v2, &live).unwrap();
    assert!(keys(&out).contains(&"migration/shop-dev-migrate".to_owned()));
    let never = run_with(&v2, &live, migration::Policy::Never).unwrap();
    assert!(migration_change(&never).is_none());
    assert!(
        never.warnings.iter().any(|w| w.contains("--migrate never")),
        "{:?}",
        never.warnings
    );
    let service = never
        .changes
        .iter()
        .find(|c| c.key.to_string() == "service/shop-dev/api")
        .unwrap();
    assert!(
        !service
            .depends_on
            .iter()
            .any(|k| k.to_string().starts_with("migration/"))
    );
}

#[test]
fn migration_image_overrides_the_service_image() {
    let spec = spec(&format!(
        "image_tag = \"v1\"\n{MIGRATION}\nimage = \"migrate/migrate:v4.18.1\""
    ));
    let out = run(&spec, &with_repository(live())).unwrap();
    let Step::Migration(MigrationStep::RunMigration { task }) =
        &migration_change(&out).unwrap().steps[0]
    else {
        panic!()
    };
    assert_eq!(task.definition.container.image, "migrate/migrate:v4.18.1");
}

fn registered(out: &ComponentPlan) -> TaskDefinition {
    out.changes
        .iter()
        .flat_map(|c| &c.steps)
        .find_map(|s| match s {
            Step::Service(ServiceStep::RegisterTaskDefinition { definition }) => {
                Some(definition.clone())
            }
            _ => None,
        })
        .expect("a revision is registered")
}

/// `live` with the stack's database available.
fn with_database(mut live: Live) -> Live {
    live.database.instance = Some(crate::live::LiveDbInstance {
        master_secret_arn: Some("arn:aws:secretsmanager:r:1:secret:rds!db-old".to_owned()),
        ..crate::live::LiveDbInstance::example()
    });
    live
}

#[test]
fn the_service_gets_the_database_connection_and_the_secret_arn_not_the_password() {
    let spec = spec("image_tag = \"v1\"\nenv = { DB_NAME = \"mine\" }\n[database]\n");
    let definition = registered(&run(&spec, &with_database(with_repository(live()))).unwrap());
    let env = &definition.container.environment;
    assert_eq!(env["DB_HOST"], "shop-dev-db.rds.example");
    assert_eq!(env["DB_PORT"], "3306");
    assert_eq!(env["DB_USER"], crate::database::MASTER_USERNAME);
    assert_eq!(
        env["DB_SECRET_ARN"],
        "arn:aws:secretsmanager:r:1:secret:rds!db-old"
    );
    assert_eq!(env["DB_NAME"], "mine", "the spec's own value wins");
    assert!(definition.container.secrets.is_empty());
    assert_eq!(definition.container.database_from, None);

    // Not live yet: the runner reads it when it registers the revision.
    let first = registered(&run(&spec, &with_repository(live())).unwrap());
    assert_eq!(
        first.container.database_from.as_deref(),
        Some("shop-dev-db")
    );
    assert!(!first.container.environment.contains_key("DB_HOST"));
}

#[test]
fn a_database_being_replaced_is_read_at_run_time_never_the_old_secret() {
    let spec =
        spec("image_tag = \"v1\"\nsecrets = { DB_PASSWORD = \"database:password\" }\n[database]\n");
    let mut live = with_database(with_repository(live()));
    // Unencrypted storage: the database plan replaces the instance.
    if let Some(instance) = &mut live.database.instance {
        instance.storage_encrypted = false;
    }
    let out = run(&spec, &live).unwrap();
    let definition = registered(&out);
    assert_eq!(
        definition.container.database_from.as_deref(),
        Some("shop-dev-db")
    );
    assert_eq!(
        definition.container.secrets["DB_PASSWORD"],
        SecretSource::DatabaseMaster {
            instance: "shop-dev-db".to_owned(),
            key: "password".to_owned()
        }
    );
    let rendered = serde_json::to_string(&definition).unwrap();
    assert!(!rendered.contains("rds!db-old"), "{rendered}");
}

#[test]
fn the_https_listener_waits_for_a_certificate_left_pending_by_an_earlier_run() {
    let spec =
        spec("image_tag = \"v1\"\n[dns]\nzone = \"example.com\"\napi = \"api.example.com\"\n");
    let mut live = with_repository(live());
    live.service.zone = Some(LiveZone {
        id: "Z1".to_owned(),
        name: "example.com".to_owned(),
    });
    for status in ["PENDING_VALIDATION", "FAILED"] {
        live.service.certificate = Some(crate::live::LiveCertificate {
            arn: "arn:aws:acm:r:111122223333:certificate/old".to_owned(),
            domain: "api.example.com".to_owned(),
            status: status.to_owned(),
        });
        let out = run(&spec, &live).unwrap();
        let https = out
            .changes
            .iter()
            .find(|c| c.key.to_string() == "load_balancer/shop-dev-alb:443")
            .unwrap();
        assert!(
            https
                .depends_on
                .contains(&"certificate/api.example.com".parse().unwrap()),
            "{status}: {:?}",
            https.depends_on
        );
        let plain = out
            .changes
            .iter()
            .find(|c| c.key.to_string() == "load_balancer/shop-dev-alb:80")
            .unwrap();
        assert!(
            plain
                .depends_on
                .iter()
                .all(|k| !k.to_string().starts_with("certificate/"))
        );
    }
}

#[test]
fn without_the_account_id_the_plan_stops_instead_of_inventing_one() {
    let mut live = with_repository(live());
    live.account.account_id = None;
    let err = run(&spec("image_tag = \"v1\""), &live).unwrap_err();
    assert_eq!(err, PlanError::UnknownAccount);
    assert!(err.hint().contains("aws sts get-caller-identity"));
}

/// A whole plan from nothing: the migration task and the service's tasks
/// start only once the private subnets reach the NAT gateway (a Fargate
/// task started before fails with `ResourceInitializationError`).
#[test]
fn tasks_wait_for_the_private_subnets_way_out() {
    let spec = Spec::parse(
        "[app]\nname = \"shop\"\n[network]\nazs = 2\nnat = \"single\"\n[database]\n[registry]\n[service]\nimage_tag = \"v1\"\n[migration]\ncommand = [\"migrate\"]\n",
        "test.toml",
        "dev",
    )
    .unwrap();
    let mut live = with_repository(live());
    live.network.availability_zones = vec!["r-a".to_owned(), "r-b".to_owned()];
    let plan = crate::plan(&spec, "r", &live).unwrap();
    let needs = |key: &str| {
        plan.changes
            .iter()
            .find(|c| c.key.to_string() == key)
            .unwrap_or_else(|| panic!("no {key}"))
            .depends_on
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    for task in ["migration/shop-dev-migrate", "service/shop-dev/api"] {
        let needs = needs(task);
        for way_out in [
            "shop-dev-private-1-rt:0.0.0.0/0",
            "shop-dev-private-2-rt:0.0.0.0/0",
            "shop-dev-private-1:association",
            "shop-dev-private-2:association",
        ] {
            assert!(needs.iter().any(|k| k == way_out), "{task}: {needs:?}");
        }
    }
}

/// Each component lists what it owns, once: the load balancer's orphans
/// are its own, not the service's too.
#[test]
fn without_a_service_each_orphan_is_listed_once() {
    let spec = Spec::parse("[app]\nname = \"shop\"\n", "test.toml", "dev").unwrap();
    let mut live = live();
    live.service.load_balancer = Some(LiveLoadBalancer {
        arn: "arn:lb".to_owned(),
        name: "shop-dev-alb".to_owned(),
        owned: true,
        scheme: "internet-facing".to_owned(),
        dns_name: "lb.example".to_owned(),
        canonical_zone_id: "Z1".to_owned(),
        subnet_ids: vec![],
        security_group_ids: vec![],
        idle_timeout_secs: None,
    });
    let plan = crate::plan(&spec, "r", &live).unwrap();
    let names: Vec<&str> = plan.orphans.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["shop-dev-alb"], "{:?}", plan.orphans);
}

/// The migration's files as `up` reads them: 1 made `orders`, 2 changes a
/// column's type (a table copy).
fn migration_files() -> Vec<awsdeploy_lint::Source> {
    vec![
        awsdeploy_lint::Source {
            version: 1,
            name: "1_orders.up.sql".to_owned(),
            sql: "CREATE TABLE orders (id BIGINT NOT NULL PRIMARY KEY, qty INT NOT NULL);"
                .to_owned(),
        },
        awsdeploy_lint::Source {
            version: 2,
            name: "2_widen.up.sql".to_owned(),
            sql:
                "SET SESSION lock_wait_timeout = 5;\nALTER TABLE orders MODIFY qty BIGINT NOT NULL;"
                    .to_owned(),
        },
    ]
}

#[test]
fn the_plan_lints_the_files_after_the_version_the_database_records() {
    let v2 = migrating("image_tag = \"v2\"");
    let mut live = deployed(&migrating("image_tag = \"v1\""));
    let options = crate::Options {
        migrations: Some(migration_files()),
        ..crate::Options::default()
    };
    // No database yet: every file is new, so nothing is locked.
    let plan = crate::plan_with(&v2, "r", &live, &options).unwrap();
    let lint = plan
        .migration_lint
        .as_ref()
        .expect("the plan runs the migration");
    assert_eq!(lint.since, None);
    assert_eq!(lint.files, ["1_orders.up.sql", "2_widen.up.sql"]);
    assert!(lint.findings.is_empty(), "{:#?}", lint.findings);
    // The wait records the newest version on the database.
    let change = plan
        .changes
        .iter()
        .find(|c| c.component == crate::ComponentId::Migration)
        .unwrap();
    assert!(change.steps.iter().any(|s| matches!(
        s,
        Step::Migration(MigrationStep::WaitForMigration(MigrationWait { record: Some(r), .. }))
            if r.database == "shop-dev-db"
    )));
    // A live database that records no version: the newest file is linted
    // against the ones before it, and the plan says so.
    live.database.instance = Some(crate::live::LiveDbInstance::example());
    let plan = crate::plan_with(&v2, "r", &live, &options).unwrap();
    let unsure = plan.migration_lint.as_ref().unwrap();
    assert_eq!(unsure.since, Some(1));
    // File 2 may have run already: its error is a warning, so a release
    // is never stopped for good by a file it cannot tell.
    assert_eq!(unsure.errors().count(), 0);
    assert_eq!(unsure.warnings().count(), 1);
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("records no migration version yet")),
        "{:?}",
        plan.warnings
    );
    // A database that reached version 1: file 2 is linted against it.
    let mut db = crate::live::LiveDbInstance::example();
    db.migrated_version = Some(1);
    live.database.instance = Some(db);
    let plan = crate::plan_with(&v2, "r", &live, &options).unwrap();
    let lint = plan.migration_lint.as_ref().unwrap();
    assert_eq!(
        (lint.since, lint.files.as_slice()),
        (Some(1), &["2_widen.up.sql".to_owned()][..])
    );
    let codes: Vec<&str> = lint.errors().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["ML101"]);
    let text = crate::render::text(&plan, crate::render::Colour::Never);
    assert!(
        text.contains("lint: 2_widen.up.sql: 1 error (after version 1)"),
        "{text}"
    );
    assert!(
        text.contains("2_widen.up.sql:2:1: error ML101 [COPY, writes wait]"),
        "{text}"
    );
    // No migration in the plan: no lint.
    let same = crate::plan_with(&migrating("image_tag = \"v1\""), "r", &live, &options).unwrap();
    assert!(same.migration_lint.is_none());
}
