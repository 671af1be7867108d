//! The awsdeploy spec: the TOML file a team writes to describe its stack.
//!
//! [`Spec::load`] reads a file, [`Spec::parse`] a string; both return a
//! validated [`Spec`] or a [`SpecError`] whose diagnostics point at
//! `file:line:column` with the offending text underlined and a hint. Every
//! problem the validator can find is reported at once. Defaults for optional
//! keys live in [`defaults`], and nowhere else.
//!
//! Loading runs in this order:
//! 1. parse TOML into spanned raw types (syntax, unknown keys, types);
//! 2. pick the environment: merge `[env.<name>]` over the base, key by key;
//! 3. interpolate `${VAR}` / `${VAR:-default}` in string values;
//! 4. validate every value and build the [`Spec`].
//!
//! This crate does no I/O beyond reading the spec file (and, in
//! [`Spec::parse`], the process environment), the folders it names
//! ([`migrations`], [`artifact`]) and, for [`init`], the project's folder;
//! it knows nothing of AWS SDKs or the command line.

// Docs name products (MySQL, Fargate, Amplify) as people write them.
#![allow(clippy::doc_markdown)]

pub mod artifact;
pub mod defaults;
mod deploy;
pub use deploy::{Deploy, PauseStage, Strategy};
mod diagnostic;
pub mod init;
mod interpolate;
pub mod migrations;
mod raw;
mod registry;
mod validate;

pub use registry::Registry;
use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Severity};
pub use ipnet::Ipv4Net;
pub use validate::parse_duration;

/// A validated spec, for one environment. A section the file leaves out is
/// `None`: that component is not part of the stack (and nothing of it is
/// ever deleted because of that).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Spec {
    pub app: App,
    /// The environment this spec was resolved for (`-e/--env`).
    pub env: String,
    pub network: Network,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<Database>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<Registry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
    /// Tuning of the service's load balancer (defaults when not written).
    pub load_balancer: LoadBalancer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<Migration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web: Option<Web>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<Dns>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarms: Option<Alarms>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<Pipeline>,
}

impl Spec {
    /// What is valid but likely wrong, each with its reason: `validate`
    /// prints these and every plan carries them.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if let Some(service) = &self.service
            && let Some((variable, _)) = service
                .secrets
                .iter()
                .find(|(_, r)| **r == SecretRef::DatabasePassword)
        {
            warnings.push(format!(
                "service.secrets.{variable} = \"database:password\": ECS reads the password once, when a task starts, and RDS rotates it every 7 days, after which the running tasks' new connections fail. Read the secret DB_SECRET_ARN names when connecting instead (docs/components/database.md shows how)"
            ));
        }
        if let Some(migration) = &self.migration
            && migration
                .command
                .iter()
                .any(|a| a.contains("$DB_PASSWORD") || a.contains("${DB_PASSWORD}"))
        {
            warnings.push(
                "migration.command puts $DB_PASSWORD in the URL unescaped: RDS-generated passwords hold %, +, ?, # and ^, which golang-migrate then misreads. Use -database \"$DATABASE_URL\", which awsdeploy sets with the password escaped".to_owned(),
            );
        }
        if let Some(database) = &self.database
            && (database.engine_version == "8.0" || database.engine_version.starts_with("8.0."))
        {
            warnings.push(format!(
                "database.engine_version = \"{}\": MySQL 8.0 left RDS standard support on 2026-07-31 and is billed as Extended Support; plan the upgrade to 8.4",
                database.engine_version
            ));
        }
        warnings
    }

    /// The API container's port: what the network opens from the load
    /// balancer to the service.
    pub fn service_port(&self) -> u16 {
        self.service
            .as_ref()
            .map_or(defaults::SERVICE_PORT, |s| s.port)
    }
}

/// `[app]`: what the product is called and where it runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct App {
    /// `[a-z][a-z0-9-]`, 2 to 21 characters: prefixes every resource name.
    pub name: String,
    /// The AWS region; `None` means the standard AWS chain decides
    /// (`AWS_REGION`, the profile's region).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The AWS accounts (12-digit ids) this app and env may change; empty:
    /// any. Checked against the credentials' account before anything
    /// changes, like Terraform's `allowed_account_ids`; set it per env
    /// (`[env.prod] app.allowed_account_ids = [...]`) so that `-e prod`
    /// never runs in the account the shell happens to point at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_account_ids: Vec<String>,
}

/// `[network]`: the VPC and its subnets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Network {
    /// The VPC's IPv4 block, a /16 to /24 network.
    #[schemars(with = "String")]
    pub cidr: Ipv4Net,
    /// Availability zones: one public and one private subnet in each (1..=6).
    #[schemars(range(min = 1, max = 6))]
    pub azs: u8,
    pub nat: NatMode,
}

/// How private subnets reach the internet.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum NatMode {
    /// One NAT gateway in the first AZ, shared by every private subnet.
    Single,
    /// One NAT gateway per AZ: no cross-AZ dependency, one gateway's cost per AZ.
    PerAz,
    /// No NAT gateway: private subnets have no route to the internet.
    None,
}

impl NatMode {
    pub const NAMES: [&'static str; 3] = ["single", "per-az", "none"];

    pub fn as_str(self) -> &'static str {
        match self {
            NatMode::Single => "single",
            NatMode::PerAz => "per-az",
            NatMode::None => "none",
        }
    }
}

/// `[database]`: RDS for MySQL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Database {
    /// MySQL major.minor (or full) version, e.g. "8.4" (the default).
    pub engine_version: String,
    /// `db.<family>.<size>`, e.g. "db.t4g.micro".
    pub instance_class: String,
    /// 20..=65536.
    #[schemars(range(min = 20, max = 65536))]
    pub storage_gb: u32,
    pub multi_az: bool,
    pub deletion_protection: bool,
    /// 0..=35; 0 turns automated backups off.
    #[schemars(range(max = 35))]
    pub backup_retention_days: u8,
    /// CloudWatch Logs exports: any of error, slowquery, general, audit.
    pub log_exports: Vec<String>,
}

/// `[service]`: the API on ECS Fargate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Service {
    /// The image tag to deploy (often `${IMAGE_TAG}`); `None` until given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_tag: Option<String>,
    /// Fargate CPU units (256 = 0.25 vCPU); only valid cpu/memory pairs.
    pub cpu: u32,
    /// MiB.
    pub memory: u32,
    pub desired_count: u32,
    /// The port the API container listens on.
    #[schemars(range(min = 1))]
    pub port: u16,
    pub health_check_path: String,
    /// How long the service's CloudWatch Logs keep its lines: one of the
    /// values CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, … 3653).
    pub log_retention_days: u32,
    /// During a rollout, the share of `desired_count` kept running (percent).
    #[schemars(range(max = 100))]
    pub min_healthy_percent: u32,
    /// During a rollout, the most tasks running, as a share of
    /// `desired_count` (percent).
    #[schemars(range(min = 100, max = 200))]
    pub max_percent: u32,
    /// How long the load balancer's health checks are ignored after a task
    /// starts.
    pub health_check_grace_period: SpecDuration,
    /// How long `up` waits for a rollout to complete before it fails (ECS
    /// goes on with it).
    pub rollout_timeout: SpecDuration,
    /// ARNs of managed IAM policies attached to the application's task role
    /// (none by default).
    pub task_role_policies: Vec<String>,
    pub env: std::collections::BTreeMap<String, String>,
    pub secrets: std::collections::BTreeMap<String, SecretRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// How a new revision takes over (`[service.deploy]`).
    pub deploy: Deploy,
    /// CloudWatch Container Insights on the cluster: per-task CPU, memory
    /// and task counts (billed as custom metrics).
    pub container_insights: bool,
    /// Request tracing: `xray` runs the X-Ray daemon beside the API.
    pub tracing: Tracing,
    /// The CPU the tasks run on: the image must be built for it.
    pub cpu_architecture: CpuArchitecture,
}

/// `service.cpu_architecture`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CpuArchitecture {
    /// Intel and AMD (`X86_64`), the default.
    X86_64,
    /// AWS Graviton (`ARM64`): about 20% cheaper per vCPU and GB on Fargate.
    Arm64,
}

impl CpuArchitecture {
    /// As ECS spells it (`runtimePlatform.cpuArchitecture`).
    pub fn ecs_name(self) -> &'static str {
        match self {
            CpuArchitecture::X86_64 => "X86_64",
            CpuArchitecture::Arm64 => "ARM64",
        }
    }

    pub fn is_arm(self) -> bool {
        self == CpuArchitecture::Arm64
    }
}

/// `service.tracing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tracing {
    Off,
    /// The AWS X-Ray daemon as a sidecar container (its own log stream),
    /// the task role allowed to send segments, `AWS_XRAY_DAEMON_ADDRESS`
    /// set for the API.
    Xray,
}

/// Target tracking on average CPU; the desired count is then left to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Autoscaling {
    pub min: u32,
    pub max: u32,
    /// Target average CPU, percent (10..=90).
    #[schemars(range(min = 10, max = 90))]
    pub target_cpu: u32,
}

/// Where a secret environment variable comes from. awsdeploy resolves it to
/// an ARN; it never reads the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// `database:password`: the RDS-managed master secret's password.
    DatabasePassword,
    /// `database:username`: the RDS-managed master secret's username.
    DatabaseUsername,
    /// `secret:<name>[:<json-key>]`: an existing Secrets Manager secret.
    Secret {
        name: String,
        json_key: Option<String>,
    },
}

impl std::fmt::Display for SecretRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretRef::DatabasePassword => f.write_str("database:password"),
            SecretRef::DatabaseUsername => f.write_str("database:username"),
            SecretRef::Secret {
                name,
                json_key: None,
            } => write!(f, "secret:{name}"),
            SecretRef::Secret {
                name,
                json_key: Some(key),
            } => write!(f, "secret:{name}:{key}"),
        }
    }
}

impl schemars::JsonSchema for SecretRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SecretRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^(database:password|database:username|secret:[A-Za-z0-9/_+=.@-]+(:.+)?)$",
            "description": "database:password, database:username, or secret:<name>[:<json-key>]"
        })
    }
}

impl serde::Serialize for SecretRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A duration written as `"90s"`, `"15m"`, `"1h30m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SpecDuration(pub std::time::Duration);

impl std::fmt::Display for SpecDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0.as_secs();
        let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 || secs == 0 {
            write!(f, "{s}s")?;
        }
        Ok(())
    }
}

impl schemars::JsonSchema for SpecDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^([0-9]+[hms])+$",
            "description": "a duration: \"90s\", \"15m\", \"1h30m\""
        })
    }
}

impl serde::Serialize for SpecDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `[load_balancer]`: the ALB in front of the service.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct LoadBalancer {
    /// An ACM certificate for HTTPS; without it (and without `[dns]`) the
    /// listener is plain HTTP and the plan warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// The HTTPS listener's security policy (TLS versions and ciphers).
    pub tls_policy: String,
    pub idle_timeout: SpecDuration,
    pub health_check_interval: SpecDuration,
    pub healthy_threshold: u8,
    pub unhealthy_threshold: u8,
    pub deregistration_delay: SpecDuration,
}

/// `[migration]`: the one-off golang-migrate task run before each release.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Migration {
    /// The container's command, run as is (no shell): wrap it in
    /// `["sh", "-c", "..."]` to use `$DB_HOST` and the other variables.
    pub command: Vec<String>,
    /// A full image reference; defaults to the service's image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The local golang-migrate folder, relative to the spec file: checked
    /// before every migration (names, versions, up/down pairs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub timeout: SpecDuration,
}

/// `[web]`: the Next.js static export on Amplify Hosting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Web {
    pub branch: String,
    /// A static export folder or a .zip of one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    /// Only "static": Amplify manual deployments cannot serve SSR.
    pub platform: String,
    pub env: std::collections::BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// How long a release waits for Amplify's deployment job.
    pub timeout: SpecDuration,
}

/// `[dns]`: the Route 53 zone and the API's record in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Dns {
    pub zone: String,
    pub api: String,
}

/// `[alarms]`: an SNS topic `{app}-{env}-alarms` with these subscriptions,
/// and CloudWatch alarms on what the stack runs (AWS's recommended alarms
/// for the load balancer, the service and the database), a dashboard, and
/// the service's deployments rolled back when a 5XX or unhealthy-host
/// alarm fires.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Alarms {
    /// Addresses notified by email (each confirms once, from the email
    /// SNS sends).
    pub email: Vec<String>,
    /// HTTPS endpoints notified (each confirms once, by visiting the
    /// `SubscribeURL` SNS posts).
    pub https: Vec<String>,
    /// ECS rolls a deployment back when the target 5XX or unhealthy-host
    /// alarm fires during it.
    pub rollback: bool,
    /// The dashboard `{app}-{env}`.
    pub dashboard: bool,
    pub thresholds: Thresholds,
}

/// When each alarm fires.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Thresholds {
    /// Target (application) 5XX responses per minute, for 3 minutes.
    pub target_5xx_count: u32,
    /// Target 5XX responses as a share of requests (percent), for 3 minutes.
    pub target_5xx_percent: u32,
    /// Load balancer 5XX responses per minute (no healthy target, …).
    pub elb_5xx_count: u32,
    /// p99 target response time, milliseconds, for 5 minutes.
    pub response_time_p99_ms: u32,
    /// Minutes with an unhealthy target before the alarm fires.
    pub unhealthy_minutes: u32,
    /// The service's average CPU (percent), for 5 minutes.
    pub service_cpu_percent: u32,
    /// The service's average memory (percent), for 5 minutes.
    pub service_memory_percent: u32,
    /// The database's CPU (percent), for 5 minutes.
    pub database_cpu_percent: u32,
    /// Free storage below this share of the allocated (percent).
    pub database_free_storage_percent: u32,
    /// Freeable memory below this many MiB, for 5 minutes.
    pub database_freeable_memory_mib: u32,
    /// Connections above this share of the class's `max_connections`.
    pub database_connections_percent: u32,
}

/// `[pipeline]`: the delivery pipeline. A `git push` to `branch` starts a
/// CodePipeline (V2): Source (a CodeStar connection to the Git host),
/// Build (CodeBuild: the build steps, the API image pushed to ECR tagged
/// with the commit, the web build), Deploy (CodeBuild: `awsdeploy up
/// --image-tag <commit> --yes`, which migrates, updates the service and
/// releases the web app).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Pipeline {
    /// What runs the build and the deploy: a CodePipeline awsdeploy makes,
    /// or the team's GitHub Actions (`awsdeploy ci github-actions`).
    pub runner: Runner,
    /// The repository on the Git host, `owner/name`.
    pub repository: String,
    /// The branch whose pushes deploy this environment.
    pub branch: String,
    /// The Git host of the CodeStar connection.
    pub provider: GitProvider,
    /// This spec's path in the repository, for `awsdeploy -f`.
    pub spec: String,
    /// CodeBuild's image (a Linux standard image: Docker, Node.js, Go).
    pub build_image: String,
    /// CodeBuild's compute type (`BUILD_GENERAL1_SMALL` … `_2XLARGE`).
    pub compute_type: String,
    /// The build's buildspec, a path in the repository; unset: the one
    /// `awsdeploy ci buildspec` prints, kept in the CodeBuild project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buildspec: Option<String>,
    /// The Git repository the deploy stage builds awsdeploy from
    /// (`https://…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awsdeploy_git: Option<String>,
    /// The commit of it (40 hex digits): pinned by content, so the deploy
    /// role never runs code nobody chose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awsdeploy_rev: Option<String>,
    /// How the deploy stage installs awsdeploy (`{git}` and `{rev}` are
    /// replaced); the default builds the commit with `cargo install --git
    /// … --rev … --locked`.
    pub awsdeploy_install: String,
    /// Make GitHub's OIDC provider (if missing) and a role that GitHub
    /// Actions on `branch` of `repository` may assume (always, with
    /// `runner = "github-actions"`).
    pub github_oidc: bool,
    /// Days the artifact bucket keeps build artifacts.
    pub artifact_retention_days: u32,
    pub build: PipelineBuild,
}

/// What runs the pipeline.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Runner {
    /// CodePipeline and CodeBuild in the account, from a CodeStar
    /// connection to the Git host.
    Codepipeline,
    /// GitHub Actions, with credentials from GitHub's OIDC provider.
    GithubActions,
}

impl Runner {
    /// Its name in the spec.
    pub fn as_str(self) -> &'static str {
        match self {
            Runner::Codepipeline => "codepipeline",
            Runner::GithubActions => "github-actions",
        }
    }
}

/// Where the pipeline's source comes from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub enum GitProvider {
    GitHub,
    GitLab,
    Bitbucket,
}

impl GitProvider {
    /// Its name in the spec and in `CreateConnection`'s `ProviderType`.
    pub fn as_str(self) -> &'static str {
        match self {
            GitProvider::GitHub => "GitHub",
            GitProvider::GitLab => "GitLab",
            GitProvider::Bitbucket => "Bitbucket",
        }
    }
}

/// `[pipeline.build]`: the build stage's steps, each a shell command.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct PipelineBuild {
    /// Installs the toolchain and the dependencies.
    pub install: Vec<String>,
    /// Generates code (protobuf stubs).
    pub generate: Vec<String>,
    /// Builds everything (the web app's static export included).
    pub build: Vec<String>,
    /// The API image's Dockerfile, relative to the repository's root.
    pub dockerfile: String,
    /// The `docker build` context.
    pub context: String,
}

/// The JSON Schema of the spec file, for editors (Taplo / Even Better TOML:
/// put `#:schema <path or URL>` at the top of the spec). Every key but
/// `app.name` is optional; unknown keys are refused; `[env.<name>]` tables
/// take the same keys but `app.name`.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(Spec).to_value();
    // The file, not the resolved value: no `env` key, everything optional.
    if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
        properties.remove("env");
    }
    close_objects(&mut schema);
    let mut overlay = schema.clone();
    if let Some(object) = overlay.as_object_mut() {
        for key in ["$schema", "$defs", "title"] {
            object.remove(key);
        }
    }
    if let Some(app) = overlay.pointer_mut("/properties/app") {
        *app = serde_json::json!({
            "type": "object",
            "properties": { "region": { "type": "string" } },
            "additionalProperties": false
        });
    }
    schema["required"] = serde_json::json!(["app"]);
    if let Some(app) = schema.pointer_mut("/$defs/App") {
        app["required"] = serde_json::json!(["name"]);
    }
    schema["properties"]["env"] = serde_json::json!({
        "description": "Environments: [env.<name>] tables overlay any key above but app.name.",
        "type": "object",
        "additionalProperties": overlay
    });
    schema
}

/// Every object refuses unknown keys and requires nothing (defaults fill in).
fn close_objects(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(object) => {
            if object.get("type").and_then(|t| t.as_str()) == Some("object")
                && object.contains_key("properties")
            {
                object.insert(
                    "additionalProperties".to_owned(),
                    serde_json::Value::Bool(false),
                );
                object.remove("required");
            }
            object.values_mut().for_each(close_objects);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// Why a spec could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("spec file {path} not found")]
    NotFound {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read spec file {path}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a valid spec; `rendered` holds every
    /// diagnostic with its location, ready to print.
    #[error("{rendered}")]
    Invalid {
        diagnostics: Vec<Diagnostic>,
        rendered: String,
    },
}

impl SpecError {
    /// What the user should do next, when the error itself does not say.
    pub fn hint(&self) -> Option<String> {
        match self {
            SpecError::NotFound { .. } => Some(
                "pass the spec with -f/--spec FILE, or run from the folder holding awsdeploy.toml \
                 (config/example.toml in the awsdeploy repository is a starting point)"
                    .to_owned(),
            ),
            SpecError::Unreadable { .. } | SpecError::Invalid { .. } => None,
        }
    }
}

impl Spec {
    /// The resolved spec as TOML: the environment's overlay merged, variables
    /// interpolated and defaults filled in; what `up` will apply.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot render the spec: {e}\n"))
    }

    /// Reads and validates the spec at `path` for environment `env`.
    pub fn load(path: &Path, env: &str) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                SpecError::NotFound {
                    path: path.to_owned(),
                    source,
                }
            } else {
                SpecError::Unreadable {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        Spec::parse(&text, &path.display().to_string(), env)
    }

    /// Validates spec text for `env`, interpolating `${VAR}` from the process
    /// environment; `origin` names the text in diagnostics (usually the path).
    pub fn parse(text: &str, origin: &str, env: &str) -> Result<Spec, SpecError> {
        Spec::parse_with_vars(text, origin, env, &|name| std::env::var(name).ok())
    }

    /// [`Spec::parse`] with `${VAR}` looked up in `vars`.
    pub fn parse_with_vars(
        text: &str,
        origin: &str,
        env: &str,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Spec, SpecError> {
        let result = raw::parse(text)
            .and_then(|raw| raw.for_env(env))
            .and_then(|mut raw| {
                let problems: Vec<Diagnostic> = raw
                    .strings_mut()
                    .into_iter()
                    .filter_map(|(key, value)| interpolate::interpolate(&key, value, vars).err())
                    .collect();
                if problems.is_empty() {
                    Ok(raw)
                } else {
                    Err(problems)
                }
            })
            .and_then(|raw| validate::validate(&raw, env));
        result.map_err(|diagnostics| {
            let rendered = diagnostic::render_all(&diagnostics, origin, text);
            SpecError::Invalid {
                diagnostics,
                rendered,
            }
        })
    }
}
