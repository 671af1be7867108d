//! `awsdeploy logs`: the service's lines from the stack's log group (not
//! the migration's unless asked), filtered, one task's, and `--follow`
//! printing lines written after it started until Ctrl-C, which exits 0.

use std::io::BufRead as _;
use std::time::Duration;

use crate::harness::World;

const GROUP: &str = "/awsdeploy/tail/dev";

/// Writes `lines` to `stream` of the stack's log group, as the awslogs
/// driver of a running task does.
fn write(world: &World, stream: &str, lines: &[&str]) {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&world.config);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    world.block_on(async {
        let _ = logs
            .create_log_stream()
            .log_group_name(GROUP)
            .log_stream_name(stream)
            .send()
            .await;
        let mut put = logs
            .put_log_events()
            .log_group_name(GROUP)
            .log_stream_name(stream);
        for (i, line) in lines.iter().enumerate() {
            put = put.log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(i64::try_from(now).unwrap() + i64::try_from(i).unwrap())
                    .message(*line)
                    .build()
                    .unwrap(),
            );
        }
        put.send().await.unwrap();
    });
}

#[test]
fn logs_prints_the_services_lines_filtered_by_task_and_pattern_and_follows() {
    let world = World::new();
    let spec = world.network_spec("tail", "azs = 1\nnat = \"none\"");
    let spec = spec.to_str().unwrap();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&world.config);
    world
        .block_on(logs.create_log_group().log_group_name(GROUP).send())
        .unwrap();
    write(
        &world,
        "api/api/aaaa1111bbbb",
        &["listening on :8080", "ERROR db timeout"],
    );
    write(&world, "api/api/cccc2222dddd", &["listening on :8080"]);
    write(&world, "migrate/migrate/eeee3333ffff", &["1/u init (3ms)"]);

    let all = world.run(&["logs", "-f", spec]);
    all.assert_code(0);
    assert_eq!(
        all.stdout.lines().collect::<Vec<_>>(),
        [
            "aaaa1111 | listening on :8080",
            "aaaa1111 | ERROR db timeout",
            "cccc2222 | listening on :8080",
        ],
        "the service's lines, oldest first, not the migration's"
    );
    let migration = world.run(&["logs", "-f", spec, "--migration"]);
    assert_eq!(migration.stdout, "eeee3333 | 1/u init (3ms)\n");
    let errors = world.run(&["logs", "-f", spec, "--filter", "ERROR"]);
    assert_eq!(errors.stdout, "aaaa1111 | ERROR db timeout\n");
    let one = world.run(&["logs", "-f", spec, "--task", "cccc"]);
    assert_eq!(one.stdout, "cccc2222 | listening on :8080\n");

    // --follow: what is there, then what arrives, until Ctrl-C.
    let mut follow = world.spawn(&["logs", "-f", spec, "--follow"]);
    let (lines, received) = std::sync::mpsc::channel();
    let stdout = follow.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = lines.send(line.unwrap_or_default());
        }
    });
    let next = || received.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(next(), "aaaa1111 | listening on :8080");
    assert_eq!(next(), "aaaa1111 | ERROR db timeout");
    assert_eq!(next(), "cccc2222 | listening on :8080");
    write(&world, "api/api/cccc2222dddd", &["GET /health 200"]);
    assert_eq!(next(), "cccc2222 | GET /health 200");
    std::process::Command::new("kill")
        .args(["-INT", &follow.id().to_string()])
        .status()
        .unwrap();
    let status = follow.wait().unwrap();
    assert_eq!(status.code(), Some(0), "Ctrl-C ends a follow with 0");
    assert!(
        received.recv_timeout(Duration::from_secs(1)).is_err(),
        "no line twice"
    );
}
