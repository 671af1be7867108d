//! Defaults for every optional key, in one place.

use crate::NatMode;

/// The environment used when `-e/--env` is not given.
pub const ENV: &str = "dev";
pub const NETWORK_CIDR: &str = "10.0.0.0/16";
pub const NETWORK_AZS: u8 = 2;
pub const NETWORK_NAT: NatMode = NatMode::Single;

pub const DATABASE_ENGINE_VERSION: &str = "8.4";
pub const DATABASE_INSTANCE_CLASS: &str = "db.t4g.micro";
pub const DATABASE_STORAGE_GB: u32 = 20;
pub const DATABASE_MULTI_AZ: bool = false;
pub const DATABASE_DELETION_PROTECTION: bool = true;
pub const DATABASE_BACKUP_RETENTION_DAYS: u8 = 7;

pub const REGISTRY_REPOSITORY: &str = "api";
pub const REGISTRY_KEEP_IMAGES: u32 = 30;

pub const SERVICE_CPU: u32 = 256;
pub const SERVICE_MEMORY: u32 = 512;
pub const SERVICE_DESIRED_COUNT: u32 = 2;
pub const SERVICE_PORT: u16 = 8080;
pub const SERVICE_HEALTH_CHECK_PATH: &str = "/healthz";
pub const SERVICE_LOG_RETENTION_DAYS: u32 = 30;
/// The retention periods CloudWatch Logs accepts, in days.
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
pub const AUTOSCALING_TARGET_CPU: u32 = 60;
pub const SERVICE_MIN_HEALTHY_PERCENT: u32 = 100;
pub const SERVICE_MAX_PERCENT: u32 = 200;
pub const SERVICE_HEALTH_CHECK_GRACE_SECS: u64 = 30;
pub const SERVICE_ROLLOUT_TIMEOUT_SECS: u64 = 15 * 60;
pub const SERVICE_CONTAINER_INSIGHTS: bool = false;
/// `[service.deploy]`: ECS's own defaults where its API documents them
/// (canary 5% for 10 minutes, linear steps of 10% every 6 minutes); the
/// bake has none (required for BLUE_GREEN), 5 minutes as AWS's examples.
pub const DEPLOY_BAKE_SECS: u64 = 5 * 60;
pub const DEPLOY_CANARY_PERCENT: u32 = 5;
pub const DEPLOY_CANARY_BAKE_SECS: u64 = 10 * 60;
pub const DEPLOY_LINEAR_STEP_PERCENT: u32 = 10;
pub const DEPLOY_LINEAR_STEP_BAKE_SECS: u64 = 6 * 60;
/// ECS's own default for a lifecycle hook's timeout (1440 minutes).
pub const DEPLOY_PAUSE_TIMEOUT_SECS: u64 = 24 * 60 * 60;

pub const ALARMS_ROLLBACK: bool = true;
pub const ALARMS_DASHBOARD: bool = true;
/// AWS's recommended alarms' thresholds where it gives one; the rest
/// conservative starting points a team tunes.
pub const THRESHOLDS: super::Thresholds = super::Thresholds {
    target_5xx_count: 10,
    target_5xx_percent: 5,
    elb_5xx_count: 10,
    response_time_p99_ms: 2000,
    unhealthy_minutes: 3,
    service_cpu_percent: 90,
    service_memory_percent: 90,
    database_cpu_percent: 90,
    database_free_storage_percent: 10,
    database_freeable_memory_mib: 128,
    database_connections_percent: 80,
};

/// TLS 1.3 and 1.2 with forward-secret ciphers only: what AWS
/// recommends (the API's own default is the 2016 policy).
pub const LB_TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// Tuned for fast deploys.
pub const LB_IDLE_TIMEOUT_SECS: u64 = 60;
pub const LB_HEALTH_CHECK_INTERVAL_SECS: u64 = 10;
pub const LB_HEALTHY_THRESHOLD: u8 = 2;
pub const LB_UNHEALTHY_THRESHOLD: u8 = 3;
pub const LB_DEREGISTRATION_DELAY_SECS: u64 = 30;

pub const MIGRATION_TIMEOUT_SECS: u64 = 15 * 60;

pub const PIPELINE_BRANCH: &str = "main";
pub const PIPELINE_SPEC: &str = "awsdeploy.toml";
/// Ubuntu 22.04 with Docker, Node.js and Go.
pub const PIPELINE_BUILD_IMAGE: &str = "aws/codebuild/standard:7.0";
/// 4 vCPUs and 7 GB: a Docker build and a turbo build side by side.
pub const PIPELINE_COMPUTE_TYPE: &str = "BUILD_GENERAL1_MEDIUM";
pub const PIPELINE_COMPUTE_TYPES: [&str; 5] = [
    "BUILD_GENERAL1_SMALL",
    "BUILD_GENERAL1_MEDIUM",
    "BUILD_GENERAL1_LARGE",
    "BUILD_GENERAL1_XLARGE",
    "BUILD_GENERAL1_2XLARGE",
];
/// awsdeploy is not on crates.io: the deploy stage builds the commit
/// `pipeline.awsdeploy_rev` of `pipeline.awsdeploy_git`, pinned by content
/// (a commit id, not a branch or tag), with its own lock file. CodeBuild's
/// standard images and GitHub's ubuntu runners have curl; rustup comes
/// first where cargo is missing.
pub const PIPELINE_AWSDEPLOY_INSTALL: &str = "command -v cargo >/dev/null || curl --proto =https --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal; PATH=\"$HOME/.cargo/bin:$PATH\" cargo install --git {git} --rev {rev} --locked awsdeploy";
pub const PIPELINE_ARTIFACT_RETENTION_DAYS: u32 = 30;
pub const PIPELINE_INSTALL: [&str; 2] = ["corepack enable", "pnpm install --frozen-lockfile"];
pub const PIPELINE_GENERATE: [&str; 1] = ["buf generate"];
pub const PIPELINE_BUILD: [&str; 1] = ["pnpm turbo build"];
pub const PIPELINE_DOCKERFILE: &str = "apps/api/Dockerfile";
pub const PIPELINE_CONTEXT: &str = ".";

pub const WEB_BRANCH: &str = "main";
pub const WEB_PLATFORM: &str = "static";
pub const WEB_TIMEOUT_SECS: u64 = 15 * 60;
