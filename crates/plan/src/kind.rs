//! What a change is about and what it does: the kinds of resource
//! awsdeploy makes, and the actions a plan takes on them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What kind of AWS resource a change is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Vpc,
    Subnet,
    InternetGateway,
    ElasticIp,
    NatGateway,
    RouteTable,
    Route,
    RouteTableAssociation,
    SecurityGroup,
    DbSubnetGroup,
    DbInstance,
    Repository,
    LogGroup,
    Role,
    /// The env's permissions boundary, a managed policy.
    Boundary,
    LoadBalancer,
    TargetGroup,
    Listener,
    ListenerRule,
    Certificate,
    DnsRecord,
    Cluster,
    TaskDefinition,
    EcsService,
    ScalingTarget,
    /// A one-off task run (a migration): run, never kept.
    MigrationTask,
    AmplifyApp,
    AmplifyBranch,
    DomainAssociation,
    /// A release of the web artifact to a branch.
    WebRelease,
    AlarmTopic,
    AlarmSubscription,
    Alarm,
    Dashboard,
    /// An IAM OIDC identity provider (GitHub Actions').
    OidcProvider,
    SourceConnection,
    ArtifactBucket,
    BuildProject,
    CodePipeline,
}

impl ResourceKind {
    /// Whether replacing or deleting it can lose data (a database, an image
    /// registry). None of the network's kinds do.
    pub fn holds_data(self) -> bool {
        match self {
            ResourceKind::DbInstance
            | ResourceKind::Repository
            | ResourceKind::LogGroup
            | ResourceKind::ArtifactBucket => true,
            ResourceKind::Vpc
            | ResourceKind::Subnet
            | ResourceKind::InternetGateway
            | ResourceKind::ElasticIp
            | ResourceKind::NatGateway
            | ResourceKind::RouteTable
            | ResourceKind::Route
            | ResourceKind::RouteTableAssociation
            | ResourceKind::SecurityGroup
            | ResourceKind::DbSubnetGroup
            | ResourceKind::Role
            | ResourceKind::Boundary
            | ResourceKind::LoadBalancer
            | ResourceKind::TargetGroup
            | ResourceKind::Listener
            | ResourceKind::ListenerRule
            | ResourceKind::Certificate
            | ResourceKind::DnsRecord
            | ResourceKind::Cluster
            | ResourceKind::TaskDefinition
            | ResourceKind::EcsService
            | ResourceKind::ScalingTarget
            | ResourceKind::MigrationTask
            | ResourceKind::AmplifyApp
            | ResourceKind::AmplifyBranch
            | ResourceKind::DomainAssociation
            | ResourceKind::WebRelease
            | ResourceKind::AlarmTopic
            | ResourceKind::AlarmSubscription
            | ResourceKind::Alarm
            | ResourceKind::Dashboard
            | ResourceKind::OidcProvider
            | ResourceKind::SourceConnection
            | ResourceKind::BuildProject
            | ResourceKind::CodePipeline => false,
        }
    }

    /// How people call it, for rendered plans.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "vpc",
            ResourceKind::Subnet => "subnet",
            ResourceKind::InternetGateway => "internet gateway",
            ResourceKind::ElasticIp => "elastic ip",
            ResourceKind::NatGateway => "nat gateway",
            ResourceKind::RouteTable => "route table",
            ResourceKind::Route => "route",
            ResourceKind::RouteTableAssociation => "association",
            ResourceKind::SecurityGroup => "security group",
            ResourceKind::DbSubnetGroup => "db subnet group",
            ResourceKind::DbInstance => "db instance",
            ResourceKind::Repository => "repository",
            ResourceKind::LogGroup => "log group",
            ResourceKind::Role => "iam role",
            ResourceKind::Boundary => "permissions boundary",
            ResourceKind::LoadBalancer => "load balancer",
            ResourceKind::TargetGroup => "target group",
            ResourceKind::Listener => "listener",
            ResourceKind::ListenerRule => "listener rule",
            ResourceKind::Certificate => "certificate",
            ResourceKind::DnsRecord => "dns record",
            ResourceKind::Cluster => "ecs cluster",
            ResourceKind::TaskDefinition => "task definition",
            ResourceKind::EcsService => "ecs service",
            ResourceKind::ScalingTarget => "autoscaling",
            ResourceKind::MigrationTask => "migration task",
            ResourceKind::AmplifyApp => "amplify app",
            ResourceKind::AmplifyBranch => "amplify branch",
            ResourceKind::DomainAssociation => "web domain",
            ResourceKind::WebRelease => "web release",
            ResourceKind::AlarmTopic => "alarm topic",
            ResourceKind::OidcProvider => "oidc provider",
            ResourceKind::SourceConnection => "connection",
            ResourceKind::ArtifactBucket => "artifact bucket",
            ResourceKind::BuildProject => "codebuild project",
            ResourceKind::CodePipeline => "pipeline",
            ResourceKind::AlarmSubscription => "subscription",
            ResourceKind::Alarm => "alarm",
            ResourceKind::Dashboard => "dashboard",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    /// In place: the changed fields are in `fields`.
    Update,
    /// Delete, then create: a field marked `forces_replacement` cannot change
    /// in place. `up` refuses it without `--allow-replace`.
    Replace,
    Delete,
    /// A one-off task runs (a migration); nothing is kept.
    Run,
}
