//! The measured costs the README's "Performance" table quotes, asserted on
//! the example stack (`config/example.toml`): AWS calls are exact, round
//! trips are the longest chain of calls each waiting for the one before
//! (what the latency of a real account multiplies); and what a CI log of
//! `up` looks like.

use std::time::Duration;

use crate::harness::{World, create_zone};

/// `config/example.toml` in the test's folder, its migrations folder and
/// web artifact named by their full paths.
pub fn example_spec(world: &World) -> String {
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let text = std::fs::read_to_string(config.join("example.toml"))
        .unwrap()
        .replace(
            "path = \"migrations\"",
            &format!("path = \"{}\"", config.join("migrations").display()),
        )
        .replace(
            "artifact = \"web\"",
            &format!("artifact = \"{}\"", config.join("web").display()),
        );
    let spec = world.spec("example.toml", &text);
    spec.to_str().unwrap().to_owned()
}

/// A no-op `diff` of the example stack: 45 calls, in at most 3
/// round trips (observation runs every component's reads at once, and
/// each component's own reads at once where one does not need another's
/// answer).
#[test]
fn a_no_op_diff_of_the_example_stack_is_few_calls_in_three_round_trips() {
    let world = World::new();
    create_zone(&world, "example.com");
    let spec = example_spec(&world);
    let up = world.run(&["up", "-f", &spec, "--yes"]);
    up.assert_code(0);
    // stderr is a pipe here, as in CI: plain lines, no escape codes, no
    // tracing timestamps, and what the waits saw.
    assert!(!up.stderr.contains('\u{1b}'), "{}", up.stderr);
    assert!(up.stderr.contains("waiting for "), "{}", up.stderr);
    assert!(!up.stderr.contains(" INFO "), "{}", up.stderr);
    // Well above the emulator's own time per call, so that calls sent
    // together are never mistaken for a chain.
    world.sim.set_latency(Duration::from_millis(300));
    world.sim.reset_calls();
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);
    let calls = world.sim.calls();
    assert_eq!(world.sim.total_calls(), NO_OP_DIFF_CALLS, "{calls:?}");
    assert!(
        world.sim.round_trips() <= 3,
        "{} round trips: {calls:?}",
        world.sim.round_trips()
    );
}

/// AWS calls of a no-op `diff` of the example stack (README,
/// "Performance"): 40 before `[alarms]`, whose topic, tags,
/// subscriptions, alarms and dashboard are 5 more, and 3 for the
/// permissions boundary (found by path, its document, its tags).
const NO_OP_DIFF_CALLS: usize = 48;
