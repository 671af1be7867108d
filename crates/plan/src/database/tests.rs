use super::*;
use crate::Step;
use crate::live::LiveDbSubnetGroup;

fn settings() -> DbSettings {
    DbSettings {
        engine: ENGINE.to_owned(),
        engine_version: "8.0".to_owned(),
        instance_class: "db.t4g.micro".to_owned(),
        allocated_storage_gb: 20,
        multi_az: false,
        deletion_protection: true,
        backup_retention_days: 7,
        log_exports: vec![],
        master_username: MASTER_USERNAME.to_owned(),
        database_name: "shop".to_owned(),
    }
}

fn desired() -> DesiredDatabase {
    DesiredDatabase {
        name: "shop-dev-db".to_owned(),
        subnets: vec!["shop-dev-private-1".to_owned()],
        settings: settings(),
    }
}

fn live_instance() -> LiveDbInstance {
    LiveDbInstance::example()
}

fn live() -> LiveDatabase {
    LiveDatabase {
        subnet_group: Some(LiveDbSubnetGroup {
            name: "shop-dev-db".to_owned(),
            owned: true,
            subnet_ids: vec!["subnet-1".to_owned()],
        }),
        instance: Some(live_instance()),
    }
}

fn refs() -> BTreeMap<String, Ref> {
    BTreeMap::from([
        (
            "shop-dev-private-1".to_owned(),
            Ref::Existing("subnet-1".to_owned()),
        ),
        ("shop-dev-db".to_owned(), Ref::Existing("sg-db".to_owned())),
    ])
}

#[test]
fn from_nothing_the_group_then_the_instance_are_created() {
    let out = plan(Some(&desired()), &LiveDatabase::default(), &BTreeMap::new()).unwrap();
    assert_eq!(out.changes.len(), 2);
    let keys = |c: &ResourceChange| -> Vec<String> {
        c.depends_on.iter().map(ToString::to_string).collect()
    };
    assert_eq!(keys(&out.changes[0]), ["shop-dev-private-1"]);
    assert_eq!(
        keys(&out.changes[1]),
        ["db-subnet-group/shop-dev-db", "shop-dev-db"]
    );
    assert!(matches!(
        out.changes[1].steps[0],
        Step::Database(DatabaseStep::CreateDbInstance { .. })
    ));
}

#[test]
fn a_matching_database_is_unchanged() {
    let out = plan(Some(&desired()), &live(), &refs()).unwrap();
    assert!(out.changes.is_empty(), "{:#?}", out.changes);
    assert_eq!(out.unchanged, 2);
}

#[test]
fn storage_grows_in_place_now_and_a_class_change_waits_for_the_window() {
    let mut wanted = desired();
    wanted.settings.allocated_storage_gb = 30;
    wanted.settings.instance_class = "db.t4g.small".to_owned();
    let out = plan(Some(&wanted), &live(), &refs()).unwrap();
    let change = &out.changes[0];
    assert_eq!(change.action, Action::Update);
    let [
        Step::Database(DatabaseStep::ModifyDbInstance {
            changes: now,
            apply_immediately: true,
            ..
        }),
        Step::Database(DatabaseStep::ModifyDbInstance {
            changes: later,
            apply_immediately: false,
            ..
        }),
    ] = change.steps.as_slice()
    else {
        panic!("{:#?}", change.steps);
    };
    assert_eq!(now.allocated_storage_gb, Some(30));
    assert_eq!(later.instance_class.as_deref(), Some("db.t4g.small"));
    assert!(
        change
            .fields
            .iter()
            .any(|f| f.note.as_deref() == Some(WINDOW))
    );
}

#[test]
fn storage_never_shrinks_and_grows_by_at_least_ten_percent() {
    for (gb, expect) in [(10, "cannot shrink"), (21, "at least 10%")] {
        let mut wanted = desired();
        wanted.settings.allocated_storage_gb = gb;
        let err = plan(Some(&wanted), &live(), &refs()).unwrap_err();
        assert!(err.to_string().contains(expect), "{err}");
    }
    let mut wanted = desired();
    wanted.settings.allocated_storage_gb = 22;
    assert!(plan(Some(&wanted), &live(), &refs()).is_ok());
}

#[test]
fn an_unencrypted_or_other_engine_instance_is_a_replacement_with_a_final_snapshot() {
    let mut live = live();
    let instance = live.instance.as_mut().unwrap();
    instance.storage_encrypted = false;
    instance.engine = "mariadb".to_owned();
    let out = plan(Some(&desired()), &live, &refs()).unwrap();
    let change = &out.changes[0];
    assert_eq!(change.action, Action::Replace);
    let forcing: Vec<&str> = change
        .fields
        .iter()
        .filter(|f| f.forces_replacement)
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(forcing, ["engine", "storage_encrypted"]);
    assert!(matches!(
        change.steps[0],
        Step::Database(DatabaseStep::DeleteDbInstance { .. })
    ));
}

#[test]
fn without_a_database_section_the_instance_is_kept_as_an_orphan() {
    let out = plan(None, &live(), &refs()).unwrap();
    assert!(out.changes.is_empty());
    assert_eq!(out.orphans.len(), 2);
    assert_eq!(out.orphans[0].kind, ResourceKind::DbInstance);
}

#[test]
fn an_instance_awsdeploy_did_not_create_is_a_conflict() {
    let mut live = live();
    live.instance.as_mut().unwrap().owned = false;
    let err = plan(Some(&desired()), &live, &refs()).unwrap_err();
    assert!(err.to_string().contains("awsdeploy tags"), "{err}");
}

#[test]
fn versions_match_by_prefix_and_never_downgrade() {
    assert!(version_matches("8.0", "8.0.35"));
    assert!(!version_matches("8.0", "8.04"));
    // RDS's automatic minor upgrade is not drift, and no downgrade.
    assert!(version_matches("8.0.39", "8.0.40"));
    assert!(!version_matches("8.0.40", "8.0.39"));
    assert!(!version_matches("8.0.39", "8.4.3"));
    let mut upgraded = live();
    upgraded.instance.as_mut().unwrap().engine_version = "8.0.40".to_owned();
    let mut pinned = desired();
    pinned.settings.engine_version = "8.0.39".to_owned();
    let out = plan(Some(&pinned), &upgraded, &refs()).unwrap();
    assert!(out.changes.is_empty(), "{:?}", out.changes);
    let mut wanted = desired();
    wanted.settings.engine_version = "5.7".to_owned();
    assert!(
        plan(Some(&wanted), &live(), &refs())
            .unwrap_err()
            .to_string()
            .contains("downgraded")
    );
}

#[test]
fn a_change_waiting_for_the_window_is_not_planned_again_and_blocks_changes_now() {
    let mut waiting = live();
    waiting.instance.as_mut().unwrap().pending.instance_class = Some("db.t4g.small".to_owned());
    let mut wanted = desired();
    wanted.settings.instance_class = "db.t4g.small".to_owned();
    let out = plan(Some(&wanted), &waiting, &refs()).unwrap();
    assert!(out.changes.is_empty(), "{:?}", out.changes);
    assert!(
        out.warnings[0].contains("instance_class already waits for the maintenance window"),
        "{:?}",
        out.warnings
    );

    // A change that applies now would take the pending one with it.
    wanted.settings.backup_retention_days = 14;
    let err = plan(Some(&wanted), &waiting, &refs()).unwrap_err();
    assert!(err.to_string().contains("reboot the instance now"), "{err}");
    assert!(err.hint().contains("--apply-immediately"), "{}", err.hint());

    // Another class than the pending one: planned for the window again.
    let mut other = desired();
    other.settings.instance_class = "db.t4g.medium".to_owned();
    let out = plan(Some(&other), &waiting, &refs()).unwrap();
    assert!(matches!(
        out.changes[0].steps.as_slice(),
        [Step::Database(DatabaseStep::ModifyDbInstance {
            apply_immediately: false,
            ..
        })]
    ));
}
