//! What every end-to-end test needs: an emulator, a temp folder for specs,
//! the binary, and an EC2 client to change things behind awsdeploy's back.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use awsdeploy_testkit::{Simulation, Strictness};

/// What a run of the binary printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON document on stdout.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `awsdeploy args…` with `env` and nothing from the caller's AWS setup.
pub fn awsdeploy(env: &[(&str, String)], args: &[&str], dir: &Path) -> Run {
    let output = command(env, args, dir)
        .output()
        .expect("the awsdeploy binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The `awsdeploy args…` command with `env` and nothing from the caller's
/// AWS setup.
fn command(env: &[(&str, String)], args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_awsdeploy"));
    command.args(args).current_dir(dir).stdin(Stdio::null());
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWSDEPLOY_SPEC",
        "AWSDEPLOY_ENV",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    command
        .env("NO_COLOR", "1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// One test's world: the simulation (moto behind the proxy, which is what
/// the binary and the test's own clients talk to), and a folder for specs.
pub struct World {
    pub sim: Simulation,
    pub dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    pub ec2: aws_sdk_ec2::Client,
    /// The SDK configuration pointing at the proxy, for other clients.
    pub config: aws_config::SdkConfig,
    specs_written: std::sync::atomic::AtomicUsize,
}

impl World {
    /// A world as strict as AWS ([`Strictness::aws`]).
    pub fn new() -> World {
        World::with(Strictness::aws())
    }

    /// A world with these strict rules.
    pub fn with(rules: Strictness) -> World {
        let sim = Simulation::start_with(rules).unwrap_or_else(|e| panic!("{e}"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let config = sim.sdk_config();
        World {
            sim,
            dir: tempfile::tempdir().unwrap(),
            runtime,
            ec2: aws_sdk_ec2::Client::new(&config),
            config,
            specs_written: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Writes `awsdeploy.toml`-style text to `file` in the test's folder.
    pub fn spec(&self, file: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// A spec for `app` in ap-northeast-1 with the given `[network]` lines,
    /// in a file of its own.
    pub fn network_spec(&self, app: &str, network: &str) -> PathBuf {
        let n = self
            .specs_written
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.spec(
            &format!("{app}-{n}.toml"),
            &format!("[app]\nname = \"{app}\"\nregion = \"ap-northeast-1\"\n\n[network]\ncidr = \"10.20.0.0/16\"\n{network}\n"),
        )
    }

    pub fn run(&self, args: &[&str]) -> Run {
        awsdeploy(&self.sim.env(), args, self.dir.path())
    }

    /// [`World::run`] with `extra` variables.
    pub fn run_with(&self, args: &[&str], extra: &[(&str, String)]) -> Run {
        let mut env = self.sim.env();
        env.extend(extra.iter().cloned());
        awsdeploy(&env, args, self.dir.path())
    }

    /// Starts `awsdeploy args…` with its stdout piped (stderr dropped), for
    /// a command that streams data.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        command(&self.sim.env(), args, self.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the awsdeploy binary starts")
    }

    /// awsdeploy started with `args` and `extra` environment, its output
    /// discarded: for a test that stops it at a point the proxy chooses.
    pub fn spawn_with(&self, args: &[&str], extra: &[(&str, String)]) -> std::process::Child {
        let mut env = self.sim.env();
        env.extend(extra.iter().cloned());
        command(&env, args, self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the awsdeploy binary starts")
    }

    /// Starts `awsdeploy args…` with `extra` variables, its output piped;
    /// returns once a line of its stderr contains `ready` (and the lines up
    /// to it), so the caller knows how far it got.
    pub fn start(
        &self,
        args: &[&str],
        extra: &[(&str, String)],
        ready: &str,
    ) -> (std::process::Child, Vec<String>) {
        use std::io::BufRead as _;
        let mut env = self.sim.env();
        env.extend(extra.iter().cloned());
        let mut child = command(&env, args, self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the awsdeploy binary starts");
        let mut lines = Vec::new();
        let stderr = child.stderr.take().expect("piped stderr");
        let mut reader = std::io::BufReader::new(stderr).lines();
        let found = reader.by_ref().any(|line| {
            let line = line.unwrap_or_default();
            let found = line.contains(ready);
            lines.push(line);
            found
        });
        if !found {
            let _ = child.wait();
            panic!(
                "awsdeploy ended before printing {ready:?}:\n{}",
                lines.join("\n")
            );
        }
        // Keep draining, so that the child never blocks on a full pipe.
        std::thread::spawn(move || reader.for_each(drop));
        (child, lines)
    }

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// A Route 53 hosted zone `name`, as the team would have made it before
/// awsdeploy runs; returns its id without the `/hostedzone/` prefix.
pub fn create_zone(world: &World, name: &str) -> String {
    let route53 = aws_sdk_route53::Client::new(&world.config);
    let out = world
        .block_on(
            route53
                .create_hosted_zone()
                .name(name)
                .caller_reference(format!("zone-{name}"))
                .send(),
        )
        .unwrap();
    out.hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_owned()
}

/// The keys of a JSON plan's changes with `action`.
pub fn planned(plan: &serde_json::Value, action: &str) -> Vec<String> {
    plan["plan"]["changes"]
        .as_array()
        .expect("plan.changes is an array")
        .iter()
        .filter(|c| c["action"] == action)
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect()
}

/// Pushes `tag` to the stack's repository, as CI does.
pub fn push_image(world: &World, repository: &str, tag: &str) {
    let ecr = aws_sdk_ecr::Client::new(&world.config);
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{{"digest":"sha256:{:064x}","size":1,"mediaType":"application/vnd.docker.container.image.v1+json"}},"layers":[]}}"#,
        tag.len() * 7919 + usize::from(tag.as_bytes()[tag.len() - 1])
    );
    world
        .block_on(
            ecr.put_image()
                .repository_name(repository)
                .image_tag(tag)
                .image_manifest(manifest)
                .send(),
        )
        .unwrap();
}

/// Every component: network, database, registry, logs, IAM, load balancer,
/// certificate, DNS, service (with autoscaling), migration and web.
pub fn every_component(world: &World, app: &str) -> String {
    let web = world.dir.path().join("out");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(web.join("index.html"), "<h1>shop</h1>").unwrap();
    let spec = world.network_spec(
        app,
        &format!(
            "azs = 2\nnat = \"single\"\n\n[database]\n\n[registry]\n\n[service]\ndesired_count = 1\nautoscaling = {{ min = 1, max = 3 }}\n\n[migration]\ncommand = [\"sh\", \"-c\", \"migrate -path /migrations -database \\\"$DATABASE_URL\\\" up\"]\n\n[web]\nartifact = \"{}\"\ndomain = \"www.example.com\"\n\n[dns]\nzone = \"example.com\"\napi = \"api.{app}.example.com\"\n",
            web.display()
        ),
    );
    spec.to_str().unwrap().to_owned()
}

/// Every component of `app` made and its first image (`v1`) deployed,
/// migration included, in a zone `example.com`; returns the spec's path.
pub fn deploy_every_component(world: &World, app: &str) -> String {
    create_zone(world, "example.com");
    let spec = every_component(world, app);
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    push_image(world, &format!("{app}/dev/api"), "v1");
    world.sim.simulate(awsdeploy_testkit::Lifecycle::EcsTask {
        polls: 1,
        outcome: awsdeploy_testkit::TaskOutcome::Exits(0),
        log_lines: vec!["1/u init (1ms)".to_owned()],
    });
    world
        .run(&["up", "-f", &spec, "--yes", "--image-tag", "v1"])
        .assert_code(0);
    spec
}

/// Mutating calls to the stack: anything but `Describe`, `Get`, `BatchGet` and `List`, and
/// but the deploy lock's (its table and item, `DynamoDB`), which every
/// changing command takes and gives back.
pub fn mutating_calls(world: &World) -> usize {
    world
        .sim
        .calls()
        .iter()
        .filter(|((service, op), _)| {
            service != "dynamodb"
                && !op.starts_with("Describe")
                && !op.starts_with("Get")
                && !op.starts_with("BatchGet")
                && !op.starts_with("List")
        })
        .map(|(_, n)| n)
        .sum()
}

/// Retries `call` while it answers a `*NotFound` code, as a client that
/// knows EC2's eventual consistency does; returns the answer and the
/// number of attempts.
pub async fn until_visible<T, E, F, Fut>(mut call: F) -> (T, usize)
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata + std::fmt::Debug,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    for attempt in 1..=10 {
        match call().await {
            Ok(value) => return (value, attempt),
            Err(error) if error.code().is_some_and(|c| c.contains("NotFound")) => {}
            Err(error) => panic!("{error:?}"),
        }
    }
    panic!("still not found after 10 attempts");
}
