//! The moto server's lifecycle.

use std::net::{SocketAddr, TcpListener, ToSocketAddrs as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::http;

pub(crate) const STARTUP_DEADLINE: Duration = Duration::from_secs(60);

/// Runs moto's server in the virtualenv's Python, and ends it when its
/// parent process dies (a test killed mid-run, `kill -9` of
/// `awsdeploy-emulator`) or on SIGTERM: moto never outlives whoever
/// started it. Linux's parent-death signal would need `unsafe` here;
/// watching the parent's pid does not.
const LAUNCHER: &str = r"
import os, signal, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
from moto.server import main
sys.exit(main(sys.argv[1:]))
";
/// How long after its request moto issues a DNS-validated ACM certificate.
pub const ACM_VALIDATION_WAIT_SECS: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error(
        "moto_server not found at {0}; run scripts/test (it makes the virtualenv), or set AWSDEPLOY_MOTO_SERVER"
    )]
    NotInstalled(PathBuf),
    #[error("cannot start {path}")]
    Spawn {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the emulator exited during startup; its log:\n{log}")]
    Exited { log: String },
    #[error("the emulator did not answer on {endpoint} within {}s; its log:\n{log}", STARTUP_DEADLINE.as_secs())]
    NotReady { endpoint: String, log: String },
    #[error("AWSDEPLOY_TEST_ENDPOINT={0} is not an http://host:port URL")]
    BadEndpoint(String),
    #[error("reset of {endpoint} failed")]
    Reset {
        endpoint: String,
        #[source]
        source: std::io::Error,
    },
    #[error("AWSDEPLOY_TEST_ENDPOINT is shared: its state is not reset by tests")]
    Shared,
    #[error(
        "LocalStack's community edition cannot reset its state: start a new Simulation instead"
    )]
    LocalStackReset,
    #[error(
        "LocalStack's Python not found at {0}; run scripts/test (scripts/localstack-env makes its virtualenv with Python 3.13), or set AWSDEPLOY_LOCALSTACK_PYTHON"
    )]
    NoLocalStack(PathBuf),
    #[error(
        "botocore's service models were not found beside {0} (request validation needs them); run scripts/test, set AWSDEPLOY_BOTOCORE_DATA, or start the simulation lenient"
    )]
    NoModels(PathBuf),
    #[error("cannot find a free port or write the emulator's log")]
    Io(#[from] std::io::Error),
}

/// A running emulator. Dropping it stops the server it started.
#[derive(Debug)]
pub struct Emulator {
    endpoint: String,
    addr: SocketAddr,
    process: Option<Child>,
    log: Option<LogFile>,
}

/// The server's log file, removed on drop.
#[derive(Debug)]
struct LogFile(PathBuf);

impl Drop for LogFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Emulator {
    /// `AWSDEPLOY_TEST_ENDPOINT` if set, otherwise a new moto server.
    pub fn start() -> Result<Emulator, EmulatorError> {
        match std::env::var("AWSDEPLOY_TEST_ENDPOINT") {
            Ok(endpoint) if !endpoint.is_empty() => Emulator::external(&endpoint),
            _ => Emulator::spawn_moto(),
        }
    }

    fn external(endpoint: &str) -> Result<Emulator, EmulatorError> {
        let addr = endpoint
            .strip_prefix("http://")
            .map(|rest| rest.trim_end_matches('/'))
            .and_then(|hostport| hostport.to_socket_addrs().ok()?.next())
            .ok_or_else(|| EmulatorError::BadEndpoint(endpoint.to_owned()))?;
        Ok(Emulator {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            addr,
            process: None,
            log: None,
        })
    }

    pub(crate) fn moto_server_path() -> PathBuf {
        if let Some(path) = std::env::var_os("AWSDEPLOY_MOTO_SERVER") {
            return PathBuf::from(path);
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .unwrap_or_else(|| PathBuf::from(".cache"));
        cache.join("awsdeploy/venv/bin/moto_server")
    }

    fn spawn_moto() -> Result<Emulator, EmulatorError> {
        let path = Emulator::moto_server_path();
        if !path.exists() {
            return Err(EmulatorError::NotInstalled(path));
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log_path =
            std::env::temp_dir().join(format!("awsdeploy-moto-{port}-{}.log", std::process::id()));
        let log = std::fs::File::create(&log_path)?;
        // The virtualenv's Python sits beside moto_server.
        let python = path.with_file_name("python");
        let mut command = if python.exists() {
            let mut command = Command::new(&python);
            command.args(["-c", LAUNCHER]);
            command
        } else {
            Command::new(&path)
        };
        let process = command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // ACM issues a DNS-validated certificate this long after the
            // request (moto's default, 60 s, would make every test wait).
            .env(
                "MOTO_ACM_VALIDATION_WAIT",
                ACM_VALIDATION_WAIT_SECS.to_string(),
            )
            // AWS's managed policies exist in every account (the
            // infrastructure role of a deployment strategy attaches one);
            // moto has them only when asked.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|source| EmulatorError::Spawn {
                path: path.clone(),
                source,
            })?;
        let mut emulator = Emulator {
            endpoint: format!("http://{addr}"),
            addr,
            process: Some(process),
            log: Some(LogFile(log_path)),
        };
        emulator.wait_until_ready()?;
        Ok(emulator)
    }

    fn wait_until_ready(&mut self) -> Result<(), EmulatorError> {
        let log = self.log.as_ref().map(|log| log.0.clone());
        wait_until_ready(
            self.addr,
            "/moto-api/",
            self.process.as_mut(),
            log.as_deref(),
        )
    }

    /// The URL to put in `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Whether this emulator was started here (and so is this test's alone).
    pub fn is_private(&self) -> bool {
        self.process.is_some()
    }

    /// Clears all emulator state (`POST /moto-api/reset`).
    pub fn reset(&self) -> Result<(), EmulatorError> {
        let reset = |source| EmulatorError::Reset {
            endpoint: self.endpoint.clone(),
            source,
        };
        match http::request(self.addr, "POST", "/moto-api/reset") {
            Ok(200) => Ok(()),
            Ok(status) => Err(reset(std::io::Error::other(format!("HTTP {status}")))),
            Err(source) => Err(reset(source)),
        }
    }

    /// The moto server's process id, when it was started here.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(Child::id)
    }

    /// The emulator's socket address, e.g. for a [`crate::SimulationProxy`].
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Environment for a process that should talk to this emulator.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("AWS_ENDPOINT_URL", self.endpoint.clone())];
        env.extend(
            crate::TEST_CREDENTIALS
                .iter()
                .map(|(k, v)| (*k, (*v).to_owned())),
        );
        env
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

/// Polls `GET path` on `addr` until it answers 200: an emulator started
/// here is ready. `Err` when `process` exits first or
/// [`STARTUP_DEADLINE`] passes, with what it wrote to `log`.
pub(crate) fn wait_until_ready(
    addr: SocketAddr,
    path: &str,
    mut process: Option<&mut Child>,
    log: Option<&std::path::Path>,
) -> Result<(), EmulatorError> {
    let log_text = || {
        log.and_then(|log| std::fs::read_to_string(log).ok())
            .unwrap_or_default()
    };
    let started = Instant::now();
    loop {
        if let Ok(200) = http::request(addr, "GET", path) {
            return Ok(());
        }
        if let Some(process) = process.as_deref_mut()
            && let Ok(Some(_)) = process.try_wait()
        {
            return Err(EmulatorError::Exited { log: log_text() });
        }
        if started.elapsed() > STARTUP_DEADLINE {
            return Err(EmulatorError::NotReady {
                endpoint: format!("http://{addr}"),
                log: log_text(),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
