//! `awsdeploy status`: healthy after `up` (exit 0), degraded during a
//! rollout and after a failed web job (exit 2), its JSON valid against
//! docs/status.schema.json, and never a mutating call.

use awsdeploy_testkit::{JobOutcome, Lifecycle, Metric, RolloutOutcome};

use crate::harness::{World, deploy_every_component, mutating_calls, push_image};

fn schema() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/status.schema.json")
}

#[test]
fn status_is_healthy_after_up_and_degraded_during_a_rollout_or_after_a_failed_job() {
    let world = World::new();
    let app = "seen";
    let spec = deploy_every_component(&world, app);
    // RDS publishes the instance's free storage every minute.
    world
        .sim
        .publish_metric(&Metric {
            namespace: "AWS/RDS".to_owned(),
            name: "FreeStorageSpace".to_owned(),
            dimensions: vec![("DBInstanceIdentifier".to_owned(), format!("{app}-dev-db"))],
            value: 15.0 * 1024.0 * 1024.0 * 1024.0,
            unit: "Bytes".to_owned(),
        })
        .unwrap();

    world.sim.reset_calls();
    let healthy = world.run(&["status", "-f", &spec]);
    healthy.assert_code(0);
    assert_eq!(mutating_calls(&world), 0, "{:?}", world.sim.calls());
    assert_eq!(
        world.sim.total_calls(),
        STATUS_CALLS,
        "{:?}",
        world.sim.calls()
    );
    let text = &healthy.stdout;
    for shown in [
        "seen-dev in ap-northeast-1: healthy",
        "drift: none",
        &format!("PRIMARY {app}-dev-api:1 v1 COMPLETED: 1 running, 0 pending of 1"),
        "targets: 1 healthy of 1",
        "storage: 5.0 of 20 GiB used (25%)",
        "exit code 0",
        "SUCCEED",
        "https://main.",
    ] {
        assert!(text.contains(shown), "{shown:?} in:\n{text}");
    }
    let json = world.run(&["status", "-f", &spec, "--output", "json"]);
    json.assert_code(0);
    let document = json.json();
    awsdeploy_testkit::check_json_schema(&schema(), &document).unwrap();
    assert_eq!(document["health"], "healthy");
    assert_eq!(document["format_version"], 1);

    // A rollout that has not finished, its new task failing the load
    // balancer's health check: degraded, the deployment and the unhealthy
    // target shown with its reason, the old task still serving.
    world.sim.simulate(Lifecycle::EcsRollout {
        polls: 1000,
        outcome: RolloutOutcome::Fails,
    });
    push_image(&world, &format!("{app}/dev/api"), "v2");
    let (mut up, _) = world.start(
        &[
            "up",
            "-f",
            &spec,
            "--yes",
            "--image-tag",
            "v2",
            "--migrate",
            "never",
        ],
        &[],
        "waiting for the rollout",
    );
    let _ = up.kill();
    let _ = up.wait();
    let rolling = world.run(&["status", "-f", &spec]);
    rolling.assert_code(2);
    assert!(
        rolling.stdout.contains("degraded")
            && rolling
                .stdout
                .contains(&format!("PRIMARY {app}-dev-api:2 v2 IN_PROGRESS")),
        "{}",
        rolling.stdout
    );
    for shown in [
        "unhealthy (Target.ResponseCodeMismatch",
        "targets: 1 healthy of 2",
    ] {
        assert!(
            rolling.stdout.contains(shown),
            "{shown:?} in:\n{}",
            rolling.stdout
        );
    }
    let rolling = world.run(&["status", "-f", &spec, "--output", "json"]);
    rolling.assert_code(2);
    awsdeploy_testkit::check_json_schema(&schema(), &rolling.json()).unwrap();
}

#[test]
fn a_failed_last_web_job_is_degraded() {
    let world = World::new();
    let web = world.dir.path().join("out");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(web.join("index.html"), "<h1>shop</h1>").unwrap();
    let spec = world.network_spec(
        "jobs",
        &format!(
            "azs = 1\nnat = \"none\"\n\n[web]\nartifact = \"{}\"\n",
            web.display()
        ),
    );
    let spec = spec.to_str().unwrap();
    world.run(&["up", "-f", spec, "--yes"]).assert_code(0);
    world.run(&["status", "-f", spec]).assert_code(0);
    world.sim.simulate(Lifecycle::AmplifyJob {
        polls: 1,
        outcome: JobOutcome::Fails {
            step: "DEPLOY".to_owned(),
            reason: "Access denied".to_owned(),
        },
    });
    world
        .run(&["web-release", "-f", spec, "--force"])
        .assert_code(1);
    let failed = world.run(&["status", "-f", spec]);
    failed.assert_code(2);
    assert!(
        failed.stdout.contains("the last web job 2 on main failed"),
        "{}",
        failed.stdout
    );
}

/// AWS calls of `status` on the every-component stack (README): what
/// `diff` reads (an alarms' topic looked for included), the lock's holder, and the status reads (the database's
/// pending changes and free storage, the service's deployments with their task definitions,
/// its targets, the last migration task, the web branch's last job), and
/// the permissions boundary's 3.
const STATUS_CALLS: usize = 55;
