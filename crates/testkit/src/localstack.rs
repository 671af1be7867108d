//! LocalStack's community runtime, the second emulator of the LocalStack
//! lane: started in host mode (no Docker) from the virtualenv
//! `scripts/localstack-env` makes, on a free loopback port, with its files
//! in a folder of its own, and stopped with its process group.

use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::EmulatorError;

/// The services LocalStack's community edition serves for every call
/// awsdeploy makes to them, by `SigV4` service name. The rest (RDS, ECR,
/// ECS, `ELBv2`, Application Auto Scaling, Amplify, the `CodePipeline`
/// family: paid edition only; `DynamoDB`, which downloads Java at first use)
/// stay on moto. The lane sends all of these to LocalStack for stories moto
/// takes no part in (`AWSDEPLOY_TEST_BACKEND=localstack-all`: the network).
pub const SERVED: &[&str] = &[
    "acm",
    "ec2",
    "iam",
    "logs",
    "monitoring",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "sts",
];

/// What LocalStack answers beside moto's services
/// (`AWSDEPLOY_TEST_BACKEND=localstack`): [`SERVED`] but EC2, ACM and
/// Secrets Manager, which moto's own services look up in moto (an `ELBv2`
/// target group's VPC, a listener's certificate, RDS's subnets and the
/// master password's secret, a Fargate task's subnets) and so stay there
/// for every story that has those.
pub const BESIDE_MOTO: &[&str] = &["iam", "logs", "monitoring", "route53", "s3", "sns", "sts"];

/// moto's account (its default, `DEFAULT_ACCOUNT_ID`): every resource
/// either emulator makes has it in its ARN.
pub const ACCOUNT: &str = "123456789012";

/// A request's head as LocalStack must see it to act in moto's account:
/// LocalStack takes the account from the `SigV4` access key when that is 12
/// digits (and answers in `000000000000` otherwise), and checks no
/// signature. The test credentials' key, `testing`, becomes [`ACCOUNT`].
pub(crate) fn as_moto_account(head: &[u8]) -> String {
    String::from_utf8_lossy(head).replacen(
        &format!("Credential={}/", crate::TEST_CREDENTIALS[0].1),
        &format!("Credential={ACCOUNT}/"),
        1,
    )
}

/// Starts LocalStack as the leader of its own process group, and kills the
/// whole group when the process that started it is gone (a test killed
/// mid-run): its parent's pid comes in `AWSDEPLOY_PARENT_PID`, so a parent
/// that died before Python started is noticed too. A normal end is the
/// `Drop` below, which kills the group.
const LAUNCHER: &str = r"
import os, runpy, signal, sys, threading, time
parent = int(os.environ['AWSDEPLOY_PARENT_PID'])
def watch():
    while os.getppid() == parent:
        time.sleep(0.2)
    os.killpg(0, signal.SIGKILL)
threading.Thread(target=watch, daemon=True).start()
sys.argv = ['localstack']
runpy.run_module('localstack.runtime.main', run_name='__main__')
";

/// A running LocalStack. Dropping it kills its process group and removes
/// its folder.
#[derive(Debug)]
pub struct LocalStack {
    addr: SocketAddr,
    process: Child,
    root: tempfile::TempDir,
}

impl LocalStack {
    /// The virtualenv's Python: `AWSDEPLOY_LOCALSTACK_PYTHON`, or where
    /// `scripts/localstack-env` puts it.
    pub fn python_path() -> PathBuf {
        if let Some(path) = std::env::var_os("AWSDEPLOY_LOCALSTACK_PYTHON") {
            return PathBuf::from(path);
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .unwrap_or_else(|| PathBuf::from(".cache"));
        cache.join("awsdeploy/localstack-venv/bin/python")
    }

    /// The services the lane sends to LocalStack, if it asks for it:
    /// `AWSDEPLOY_TEST_BACKEND=localstack` ([`BESIDE_MOTO`]) or
    /// `localstack-all` ([`SERVED`]).
    pub fn requested() -> Option<&'static [&'static str]> {
        match std::env::var("AWSDEPLOY_TEST_BACKEND").as_deref() {
            Ok("localstack") => Some(BESIDE_MOTO),
            Ok("localstack-all") => Some(SERVED),
            _ => None,
        }
    }

    pub fn start() -> Result<LocalStack, EmulatorError> {
        let python = LocalStack::python_path();
        if !python.exists() {
            return Err(EmulatorError::NoLocalStack(python));
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let root = tempfile::Builder::new()
            .prefix("awsdeploy-localstack-")
            .tempdir()?;
        let log = std::fs::File::create(root.path().join("localstack.log"))?;
        let listen = addr.to_string();
        let process = Command::new(&python)
            .args(["-c", LAUNCHER])
            .env("GATEWAY_LISTEN", &listen)
            .env("LOCALSTACK_HOST", &listen)
            // Host mode, and nothing outside its folder: no DNS server, no
            // writes under /var/lib or /etc (this machine has /.dockerenv,
            // which would make it think it runs in its own container).
            .env("DNS_ADDRESS", "0")
            .env("OVERRIDE_IN_DOCKER", "0")
            .env("FILESYSTEM_ROOT", root.path().join("fs"))
            .env("DISABLE_EVENTS", "1")
            .env("SKIP_SSL_CERT_DOWNLOAD", "1")
            // Its ACM is moto's, capped at 10 s: as fast as moto's here.
            .env(
                "MOTO_ACM_VALIDATION_WAIT",
                crate::emulator::ACM_VALIDATION_WAIT_SECS.to_string(),
            )
            .env_remove("AWS_ENDPOINT_URL")
            .env("AWSDEPLOY_PARENT_PID", std::process::id().to_string())
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|source| EmulatorError::Spawn {
                path: python.clone(),
                source,
            })?;
        let mut localstack = LocalStack {
            addr,
            process,
            root,
        };
        localstack.wait_until_ready()?;
        Ok(localstack)
    }

    fn wait_until_ready(&mut self) -> Result<(), EmulatorError> {
        let log = self.root.path().join("localstack.log");
        crate::emulator::wait_until_ready(
            self.addr,
            "/_localstack/health",
            Some(&mut self.process),
            Some(&log),
        )
    }

    /// What LocalStack printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("localstack.log")).unwrap_or_default()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The process group's id (its leader's pid).
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        // The whole group: LocalStack may start helpers of its own.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.process.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
