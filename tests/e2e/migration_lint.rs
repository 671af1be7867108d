//! The migration lint end to end: a release whose migration would copy a
//! table stops before `RunTask` with the finding printed and nothing
//! changed; allowed by an annotation, it runs, and the database records
//! the version it reached; `migrate --lint` says the same offline.

use awsdeploy_testkit::{Lifecycle, TaskOutcome};

use crate::harness::{World, mutating_calls, push_image};

const APP: &str = "lint";

const ORDERS: &str =
    "CREATE TABLE orders (\n  id BIGINT NOT NULL PRIMARY KEY,\n  qty INT NOT NULL\n);\n";
const WIDEN: &str =
    "SET SESSION lock_wait_timeout = 5;\nALTER TABLE orders MODIFY qty BIGINT NOT NULL;\n";

/// Writes `version`'s up (and an empty down) into the spec's folder.
fn migration(world: &World, name: &str, sql: &str) {
    let dir = world.dir.path().join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.up.sql")), sql).unwrap();
    std::fs::write(dir.join(format!("{name}.down.sql")), "").unwrap();
}

fn exits_0(world: &World, lines: &[&str]) {
    world.sim.simulate(Lifecycle::EcsTask {
        polls: 1,
        outcome: TaskOutcome::Exits(0),
        log_lines: lines.iter().map(|l| (*l).to_owned()).collect(),
    });
}

/// The migration version the database records (its tag).
fn recorded(world: &World) -> Option<String> {
    let rds = aws_sdk_rds::Client::new(&world.config);
    let out = world
        .block_on(
            rds.describe_db_instances()
                .db_instance_identifier(format!("{APP}-dev-db"))
                .send(),
        )
        .unwrap();
    out.db_instances()[0]
        .tag_list()
        .iter()
        .find(|t| t.key() == Some("awsdeploy:migrated-version"))
        .and_then(|t| t.value().map(str::to_owned))
}

#[test]
#[allow(clippy::too_many_lines)] // one release's life: refused, allowed, recorded
fn a_blocking_migration_stops_the_release_before_run_task_until_allowed() {
    let world = World::new();
    migration(&world, "1_create_orders", ORDERS);
    let spec = world.network_spec(
        APP,
        "azs = 2\nnat = \"single\"\n\n[database]\n\n[registry]\n\n[service]\nport = 8080\ndesired_count = 1\n\n[migration]\ncommand = [\"migrate\", \"-path\", \"/migrations\", \"up\"]\npath = \"migrations\"\n",
    );
    let spec = spec.to_str().unwrap();
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    push_image(&world, &format!("{APP}/dev/api"), "v1");
    exits_0(&world, &["1/u create_orders (10ms)"]);
    // The first migration: a new database, every file new, nothing to say.
    let v1 = world.run(&["up", "-f", spec, "--yes", "--image-tag", "v1"]);
    v1.assert_code(0);
    assert!(
        v1.stdout.contains(
            "lint: 1_create_orders.up.sql: clean (no migration has run on the database: every file is new)"
        ),
        "{}",
        v1.stdout
    );
    assert!(
        !v1.stdout.contains("records no migration version"),
        "a database awsdeploy made records version 0: {}",
        v1.stdout
    );
    assert_eq!(world.sim.count("ecs", "RunTask"), 1);
    assert_eq!(recorded(&world).as_deref(), Some("1"));

    // A release that changes a column's type on the table that now exists.
    migration(&world, "2_widen_qty", WIDEN);
    push_image(&world, &format!("{APP}/dev/api"), "v2");
    let before = world.sim.calls();
    let offline = world.run(&["migrate", "-f", spec, "--lint"]);
    offline.assert_code(1);
    assert!(
        offline.stdout.contains("2_widen_qty.up.sql:2:1: error ML101 [COPY, writes wait]: changes orders.qty from INT to BIGINT"),
        "{}",
        offline.stdout
    );
    assert_eq!(world.sim.calls(), before, "--lint makes no AWS call");

    let diff = world.run(&["diff", "-f", spec, "--image-tag", "v2"]);
    diff.assert_code(0);
    assert!(
        diff.stdout
            .contains("lint: 2_widen_qty.up.sql: 1 error (after version 1)"),
        "{}",
        diff.stdout
    );

    let changes_before = mutating_calls(&world);
    let refused = world.run(&["up", "-f", spec, "--yes", "--image-tag", "v2"]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("the migration lint found 1 error")
            && refused.stderr.contains("error ML101")
            && refused.stderr.contains("nothing was changed")
            && refused.stderr.contains("-- awsdeploy:allow CODE <reason>"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        world.sim.count("ecs", "RunTask"),
        1,
        "no migration task ran"
    );
    assert_eq!(mutating_calls(&world), changes_before, "nothing changed");
    // `migrate` refuses the same, before its task.
    world
        .run(&["migrate", "-f", spec, "--image-tag", "v2"])
        .assert_code(1);
    assert_eq!(world.sim.count("ecs", "RunTask"), 1);

    // Allowed on purpose, with a reason: the release goes on.
    migration(
        &world,
        "2_widen_qty",
        &WIDEN.replace(
            "ALTER",
            "-- awsdeploy:allow ML101 orders holds 40 rows\nALTER",
        ),
    );
    assert_eq!(
        world.run(&["migrate", "-f", spec, "--lint"]).code,
        0,
        "an allowed finding is clean"
    );
    exits_0(&world, &["2/u widen_qty (30ms)"]);
    let v2 = world.run(&["up", "-f", spec, "--yes", "--image-tag", "v2"]);
    v2.assert_code(0);
    assert!(
        v2.stdout
            .contains("lint: 2_widen_qty.up.sql: 1 allowed (after version 1)")
            && v2.stdout.contains("allowed: orders holds 40 rows"),
        "{}",
        v2.stdout
    );
    assert_eq!(world.sim.count("ecs", "RunTask"), 2);
    assert_eq!(recorded(&world).as_deref(), Some("2"));
    let status = world.run(&["status", "-f", spec, "--output", "json"]);
    assert_eq!(
        status.json()["database"]["migrated_version"],
        2,
        "{}",
        status.stdout
    );
    // Nothing left to do; the next release lints only what comes after 2.
    world
        .run(&[
            "diff",
            "-f",
            spec,
            "--image-tag",
            "v2",
            "--detailed-exitcode",
        ])
        .assert_code(0);
}
