//! Pure planning: what the spec asks for × what is live → a [`Plan`].
//!
//! Nothing here touches the network. `crates/aws` observes AWS into the
//! [`live`] types and runs [`Step`]s; this crate decides which steps, in what
//! order, renders plans for people and machines, and runs a plan's DAG
//! through any [`execute::StepRunner`].
//!
//! One module per component derives its desired state from the spec and
//! diffs it against live state ([`network`], [`database`], …); each
//! implements [`Component`], and [`plan`] iterates [`COMPONENTS`] into one
//! plan. A component that points at another's resources asks for them by
//! key, with the names from [`names`] ([`component`] says how).

pub mod alarms;
pub mod certificate;
pub mod ci;
pub mod component;
pub mod cost;
pub mod database;
pub mod dns;
pub mod execute;
#[cfg(test)]
mod fake_cloud;
#[cfg(test)]
mod fingerprint_tests;
pub mod iam;
mod key;
mod kind;
pub mod live;
pub mod load_balancer;
pub mod logs;
pub mod migration;
pub mod names;
pub mod network;
pub mod permissions;
pub mod pipeline;
mod plan;
mod planner;
mod reconcile;
pub mod registry;
pub mod render;
pub mod service;
pub mod status;
mod step;
mod task_definition;
pub mod teardown;
pub mod web;
mod yaml;

use awsdeploy_spec::Spec;

pub use alarms::AlarmsStep;
pub use certificate::CertificateStep;
pub use component::{Component, Purpose};
pub use live::Live;
pub use planner::{plan, plan_with};
pub use step::{ComponentStep, Ref};

step::components!(
    Network(network::NetworkStep, network::Network) = "network",
    Database(database::DatabaseStep, database::Database) = "database",
    Registry(registry::RegistryStep, registry::Registry) = "registry",
    Logs(logs::LogsStep, logs::Logs) = "logs",
    Iam(iam::IamStep, iam::Iam) = "iam",
    LoadBalancer(load_balancer::LoadBalancerStep, load_balancer::LoadBalancer) = "load_balancer",
    Certificate(certificate::CertificateStep, certificate::Certificate) = "certificate",
    Dns(dns::DnsStep, dns::Dns) = "dns",
    Service(service::ServiceStep, service::Service) = "service",
    Migration(migration::MigrationStep, migration::Migration) = "migration",
    Web(web::WebStep, web::Web) = "web",
    Alarms(alarms::AlarmsStep, alarms::Alarms) = "alarms",
    Pipeline(pipeline::PipelineStep, pipeline::Pipeline) = "pipeline",
);

pub use database::{DatabaseStep, DbChanges, DbSettings};
pub use dns::DnsStep;
pub use iam::IamStep;
pub use key::Key;
pub use kind::{Action, ResourceKind};
pub use load_balancer::{ListenerConfig, LoadBalancerStep, TargetHealth};
pub use logs::LogsStep;
pub use migration::{MigrationStep, MigrationTask, MigrationWait};
pub use network::{IngressRule, NetworkStep, RouteTarget, RuleSource};
pub use pipeline::PipelineStep;
pub use plan::{ComponentPlan, FieldChange, Orphan, PLAN_FORMAT_VERSION, Plan, ResourceChange};
pub use registry::RegistryStep;
pub use service::{
    DeploymentSettings, NewService, Pauses, ServiceLoadBalancer, ServiceNetwork, ServiceStep,
    Strategy, TrafficShift, WaitPoint,
};
pub use task_definition::{
    ContainerDefinition, DatabaseConnection, SIDECAR_MEMORY_MIB, SecretSource, TaskDefinition,
    X86_64, XRAY_DAEMON_IMAGE,
};
pub use web::WebStep;

/// Why no plan could be made. Each says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("network.azs asks for {wanted} availability zones but the region has {} ({})", zones.len(), zones.join(", "))]
    NotEnoughZones { wanted: usize, zones: Vec<String> },
    #[error("network.cidr {0} is too small to carve 16 subnets from")]
    CidrTooSmall(ipnet::Ipv4Net),
    #[error("two live {} resources are named {name}: {}", kind.label(), ids.join(" and "))]
    Duplicate {
        kind: ResourceKind,
        name: String,
        ids: Vec<String>,
    },
    #[error(
        "the AWS account id is not known: the credentials' identity (sts:GetCallerIdentity) was not read"
    )]
    UnknownAccount,
    #[error("image tag {tag} is not in {uri}")]
    MissingImage { uri: String, tag: String },
    #[error("service.secrets.{variable} refers to the secret {name}, which does not exist")]
    MissingSecret { name: String, variable: String },
    #[error("{} {name}: {problem}", kind.label())]
    Conflict {
        kind: ResourceKind,
        name: String,
        problem: String,
        hint: String,
    },
}

impl PlanError {
    /// A resource awsdeploy would manage exists under its name without this
    /// app's and env's tags: never adopted.
    pub fn not_ours(kind: ResourceKind, name: &str) -> PlanError {
        PlanError::Conflict {
            kind,
            name: name.to_owned(),
            problem: "exists but does not carry this app's and environment's awsdeploy tags"
                .to_owned(),
            hint: format!(
                "awsdeploy never takes over what it did not create; rename or delete the existing {} {name}, or pick another app.name",
                kind.label()
            ),
        }
    }

    /// What the user should do next.
    pub fn hint(&self) -> String {
        match self {
            PlanError::NotEnoughZones { zones, .. } => {
                format!(
                    "set network.azs to {} or fewer, or use a region with more zones",
                    zones.len()
                )
            }
            PlanError::CidrTooSmall(_) => "use a /16 to /24 block for network.cidr".to_owned(),
            PlanError::UnknownAccount => {
                "check the credentials with `aws sts get-caller-identity`; a plan saved by an older awsdeploy may lack it: save it again with `awsdeploy diff --out FILE`".to_owned()
            }
            PlanError::Duplicate { kind, ids, .. } => {
                let ec2 = match kind {
                    ResourceKind::Vpc => Some("describe-vpcs --vpc-ids"),
                    ResourceKind::Subnet => Some("describe-subnets --subnet-ids"),
                    ResourceKind::InternetGateway => {
                        Some("describe-internet-gateways --internet-gateway-ids")
                    }
                    ResourceKind::ElasticIp => Some("describe-addresses --allocation-ids"),
                    ResourceKind::NatGateway => Some("describe-nat-gateways --nat-gateway-ids"),
                    ResourceKind::RouteTable => Some("describe-route-tables --route-table-ids"),
                    ResourceKind::SecurityGroup => Some("describe-security-groups --group-ids"),
                    _ => None,
                };
                let inspect = ec2
                    .map(|c| format!(" (`aws ec2 {c} {}`)", ids.join(" ")))
                    .unwrap_or_default();
                format!(
                    "awsdeploy keeps one {} per name and cannot tell which: compare them{inspect}, remove the one you do not want (and what is in it), then run `awsdeploy up` again",
                    kind.label()
                )
            }
            PlanError::MissingImage { uri, tag } => {
                let registry = uri.split('/').next().unwrap_or(uri);
                format!(
                    "push it first: `aws ecr get-login-password | docker login --username AWS --password-stdin {registry}` then `docker tag IMAGE {uri}:{tag} && docker push {uri}:{tag}`; or set service.image_tag to a tag that is there"
                )
            }
            PlanError::MissingSecret { name, .. } => format!(
                "create it (`aws secretsmanager create-secret --name {name} --secret-string ...`) or fix the name; awsdeploy never creates or reads secret values"
            ),
            PlanError::Conflict { hint, .. } => hint.clone(),
        }
    }
}

/// What observation must look up for `spec`, besides the app's own names:
/// what each component asks for.
pub fn lookups(spec: &Spec) -> live::Lookups {
    lookups_for(spec, Purpose::Up)
}

/// What observation must look up for `spec` and `purpose`.
pub fn lookups_for(spec: &Spec, purpose: Purpose) -> live::Lookups {
    let mut lookups = live::Lookups::default();
    for component in COMPONENTS {
        component.lookups(spec, purpose, &mut lookups);
    }
    lookups
}

/// What the command line adds to the spec when planning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// When the migration runs (`up --migrate`).
    pub migrate: migration::Policy,
    /// The web artifact to release (`web.artifact`, read and hashed by the
    /// caller, since planning reads no files).
    pub web_artifact: Option<web::WebArtifact>,
    /// Price the plan as of this date (`YYYY-MM-DD`); `None`: no cost
    /// (`--no-cost`).
    pub price_on: Option<String>,
    /// The up files of `migration.path` (read by the caller), which the
    /// migration lint reads when the plan runs the migration; `None`: no
    /// lint (no `migration.path`).
    pub migrations: Option<Vec<awsdeploy_lint::Source>>,
}
