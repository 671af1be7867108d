//! The Fargate task definition the service and the migration run, in the
//! normalised form awsdeploy renders and compares.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Fargate task definition with one container, in the normalised form
/// awsdeploy renders and compares: a revision is registered only when this
/// differs from the live one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaskDefinition {
    pub family: String,
    /// CPU units and MiB, as ECS spells them (strings).
    pub cpu: String,
    pub memory: String,
    pub execution_role_arn: String,
    pub task_role_arn: String,
    pub container: ContainerDefinition,
    /// Containers beside it (the X-Ray daemon), not essential: the task
    /// goes on if one stops. Each has [`SIDECAR_MEMORY_MIB`] of the task's
    /// memory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<ContainerDefinition>,
    /// `runtimePlatform.cpuArchitecture`: `X86_64` (also what a definition
    /// registered without one runs on) or `ARM64`.
    #[serde(default = "x86_64", skip_serializing_if = "is_x86_64")]
    pub cpu_architecture: String,
}

/// The CPU architecture ECS runs a task definition without one on.
pub const X86_64: &str = "X86_64";

fn x86_64() -> String {
    X86_64.to_owned()
}

fn is_x86_64(architecture: &str) -> bool {
    architecture == X86_64
}

impl TaskDefinition {
    /// Whether its tasks run on Graviton.
    pub fn is_arm(&self) -> bool {
        self.cpu_architecture == "ARM64"
    }
}

/// The memory (MiB) each sidecar is given out of the task's: the X-Ray
/// daemon uses about 30.
pub const SIDECAR_MEMORY_MIB: i32 = 64;

/// The X-Ray daemon's image (public ECR), its major version pinned.
pub const XRAY_DAEMON_IMAGE: &str = "public.ecr.aws/xray/aws-xray-daemon:3.x";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: String,
    /// The container port; mapped as TCP on the same host port (awsvpc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// Set only to replace the image's ENTRYPOINT (the migration's `sh`
    /// prelude: an image whose ENTRYPOINT is `migrate` would otherwise get
    /// `sh` as its first argument).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    pub environment: BTreeMap<String, String>,
    /// Variable name → where ECS reads it from; values are never read by
    /// awsdeploy.
    pub secrets: BTreeMap<String, SecretSource>,
    /// An RDS instance whose [`DatabaseConnection`] variables the runner
    /// adds to `environment` when it registers the definition: set when the
    /// instance is made or replaced in the same run, so that its endpoint
    /// and secret are not known when planning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_from: Option<String>,
    /// awslogs: the group, its region and the stream prefix.
    pub log_group: String,
    pub log_region: String,
    pub log_stream_prefix: String,
}

/// How a task reaches the stack's database: the variables awsdeploy puts in
/// its environment. The password is not among them: the application reads
/// it from the secret `DB_SECRET_ARN` names when it connects (and again when
/// a login fails), so RDS's rotation of the master secret never strands a
/// running task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConnection {
    pub host: String,
    pub port: i32,
    pub name: String,
    pub user: String,
    /// The RDS-managed master secret (JSON with `username` and `password`).
    pub secret_arn: String,
}

impl DatabaseConnection {
    /// The variables' names, in the order [`Self::variables`] gives them.
    pub const NAMES: [&'static str; 5] =
        ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_SECRET_ARN"];

    pub fn variables(&self) -> [(&'static str, String); 5] {
        let [host, port, name, user, secret] = Self::NAMES;
        [
            (host, self.host.clone()),
            (port, self.port.to_string()),
            (name, self.name.clone()),
            (user, self.user.clone()),
            (secret, self.secret_arn.clone()),
        ]
    }

    /// Adds the variables to the container's environment, leaving alone
    /// any name the spec sets itself (in `env` or `secrets`).
    pub fn add_to(&self, container: &mut ContainerDefinition) {
        for (name, value) in self.variables() {
            if !container.secrets.contains_key(name) {
                container
                    .environment
                    .entry(name.to_owned())
                    .or_insert(value);
            }
        }
    }
}

/// A secret's `valueFrom`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// A Secrets Manager ARN, with `:<json-key>::` when a key is read.
    Arn(String),
    /// A key of the RDS-managed master secret of an instance this plan
    /// creates: its ARN is known once the instance exists.
    DatabaseMaster { instance: String, key: String },
}
