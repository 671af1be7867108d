//! No leaked processes: moto ends with whoever started it, however that
//! process ends. A test killed mid-run, or `awsdeploy-emulator` stopped by
//! SIGTERM or SIGKILL, must not leave a `moto_server` running for ever.

use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `awsdeploy-emulator` and reads moto's address from its stderr.
fn emulator() -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_awsdeploy-emulator"))
        .arg("--lenient")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("awsdeploy-emulator starts");
    let stderr = child.stderr.take().expect("piped stderr");
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("stderr is text");
        if let Some(endpoint) = line.split(" at http://").nth(1) {
            return (child, endpoint.trim().parse().expect("moto's address"));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("awsdeploy-emulator never said where moto is");
}

fn answers(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// Whether moto stops answering within a few seconds.
fn stops(addr: SocketAddr) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if !answers(addr) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn moto_stops_when_the_emulator_gets_sigterm() {
    let (mut child, moto) = emulator();
    assert!(answers(moto));
    signal(&child, "TERM");
    let _ = child.wait();
    assert!(stops(moto), "moto at {moto} outlived a SIGTERM'd emulator");
}

#[test]
fn moto_stops_when_the_emulator_is_killed() {
    let (mut child, moto) = emulator();
    assert!(answers(moto));
    signal(&child, "KILL");
    let _ = child.wait();
    assert!(stops(moto), "moto at {moto} outlived a SIGKILL'd emulator");
}
