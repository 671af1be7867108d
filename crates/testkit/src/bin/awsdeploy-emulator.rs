//! `awsdeploy-emulator`: the test emulator in the foreground, for people
//! trying awsdeploy locally and for `scripts/demo`.
//!
//! Starts moto (or uses `AWSDEPLOY_TEST_ENDPOINT`) behind the simulation
//! proxy, prints `AWS_ENDPOINT_URL=…` as its first line on stdout, and runs
//! until stdin closes or Ctrl-C. `--latency-ms N` adds N ms to every call.
//! It is as strict as AWS (see docs/simulation.md); `--lenient` turns the
//! strict rules off, to reproduce what moto alone does. moto ends with it,
//! however it ends (stdin closed, SIGTERM, SIGKILL).

use std::io::Read as _;
use std::process::ExitCode;
use std::time::Duration;

use awsdeploy_testkit::{Simulation, Strictness};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut latency = Duration::ZERO;
    let mut rules = Strictness::aws();
    while let Some(arg) = args.next() {
        if arg == "--lenient" {
            rules = Strictness::lenient();
            continue;
        }
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        if let ("--latency-ms", Some(ms)) = (arg.as_str(), value) {
            latency = Duration::from_millis(ms);
        } else {
            eprintln!(
                "usage: awsdeploy-emulator [--latency-ms N] [--lenient]\n\n\
                 Runs moto behind the simulation proxy until stdin closes or Ctrl-C.\n\
                 It is as strict as AWS (request validation, eventual consistency, IAM\n\
                 propagation, ...: docs/simulation.md); --lenient is moto's leniency."
            );
            return ExitCode::from(2);
        }
    }
    let sim = match Simulation::start_with(rules) {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    sim.set_latency(latency);
    // stdout carries the one line a script reads.
    #[allow(clippy::print_stdout)]
    {
        println!("AWS_ENDPOINT_URL={}", sim.endpoint());
    }
    if let Some(pid) = sim.emulator().pid() {
        eprintln!("moto_server pid {pid} at {}", sim.emulator().endpoint());
    }
    eprintln!(
        "emulator ready: export AWS_ENDPOINT_URL={} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing\n\
         call counts: curl {}/_awsdeploy/calls   (stops on Ctrl-C or when stdin closes)",
        sim.endpoint(),
        sim.endpoint()
    );
    // Wait for stdin to close; dropping the simulation then stops moto.
    let mut sink = [0_u8; 256];
    while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
    drop(sim);
    ExitCode::SUCCESS
}
