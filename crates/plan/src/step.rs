//! The actions a plan can take: one [`Step`] variant per AWS action.
//!
//! Steps name the resources they act on by [`Ref`]: the id of something that
//! exists, or the key of something an earlier step of the same plan creates.
//! The executor resolves planned keys to ids as steps finish.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::Component;

/// A resource a step acts on or points at.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Ref {
    /// An AWS id observed live, e.g. `vpc-0abc`.
    Existing(String),
    /// The key of a resource this plan creates; resolved once it exists.
    Planned(String),
}

impl Ref {
    /// The key this ref waits for, if it points at a planned resource.
    pub fn planned_key(&self) -> Option<&str> {
        match self {
            Ref::Existing(_) => None,
            Ref::Planned(key) => Some(key),
        }
    }
}

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteTarget {
    InternetGateway(Ref),
    NatGateway(Ref),
}

impl RouteTarget {
    pub fn target(&self) -> &Ref {
        match self {
            RouteTarget::InternetGateway(r) | RouteTarget::NatGateway(r) => r,
        }
    }
}

/// One ingress rule: a protocol, a port range and one source.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct IngressRule {
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub source: RuleSource,
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RuleSource {
    /// An IPv4 block, e.g. `0.0.0.0/0`.
    Cidr(String),
    /// Another security group.
    Group(Ref),
}

/// One AWS action. Every step is idempotent: the runner treats "already
/// exists / already associated" answers (matched by error code) as success,
/// and every created resource is tagged at creation, so a crash between two
/// steps is healed by the next `observe` + `plan`.
///
/// Create steps tag the resource with `Name` = the change's name and the
/// ownership tags; the id they return becomes the change's id for later steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step {
    /// `CreateVpc` with the IPv4 block; waits until it is available.
    CreateVpc { cidr: String },
    /// `ModifyVpcAttribute` for DNS support and DNS hostnames (one call each;
    /// the API takes one attribute per call).
    SetVpcDns {
        vpc: Ref,
        dns_support: bool,
        dns_hostnames: bool,
    },
    /// `CreateSubnet` in one availability zone.
    CreateSubnet {
        vpc: Ref,
        cidr: String,
        availability_zone: String,
    },
    /// `CreateInternetGateway`.
    CreateInternetGateway,
    /// `AttachInternetGateway` to the VPC.
    AttachInternetGateway { gateway: Ref, vpc: Ref },
    /// `AllocateAddress` in the VPC domain: the NAT gateway's Elastic IP.
    AllocateAddress,
    /// `CreateNatGateway` (public) in a public subnet with an Elastic IP;
    /// waits until it is available, as routes to a pending NAT fail.
    CreateNatGateway { subnet: Ref, address: Ref },
    /// `CreateRouteTable` in the VPC.
    CreateRouteTable { vpc: Ref },
    /// `CreateRoute`; an existing route to the same target is success.
    CreateRoute {
        table: Ref,
        destination: String,
        target: RouteTarget,
    },
    /// `ReplaceRoute`: point an existing destination at a new target.
    ReplaceRoute {
        table: Ref,
        destination: String,
        target: RouteTarget,
    },
    /// `DeleteRoute`; a route already gone is success.
    DeleteRoute { table: Ref, destination: String },
    /// Deletes an empty duplicate: a second VPC, subnet, internet gateway
    /// or Elastic IP of one name, made when a create's answer was lost
    /// (`DeleteVpc`, `DeleteSubnet`, `DeleteInternetGateway`,
    /// `ReleaseAddress`); one already gone is success.
    DeleteDuplicate {
        kind: crate::plan::ResourceKind,
        id: String,
    },
    /// `AssociateRouteTable`: attach a subnet to a route table.
    AssociateRouteTable { table: Ref, subnet: Ref },
    /// `ReplaceRouteTableAssociation`: move a subnet to another route table.
    ReplaceRouteTableAssociation { association_id: String, table: Ref },
    /// `CreateSecurityGroup` (its egress stays AWS's default allow-all).
    CreateSecurityGroup {
        vpc: Ref,
        group_name: String,
        description: String,
    },
    /// `AuthorizeSecurityGroupIngress`; a duplicate rule is success.
    AuthorizeIngress { group: Ref, rules: Vec<IngressRule> },
    /// `RevokeSecurityGroupIngress`; a rule already gone is success.
    RevokeIngress { group: Ref, rules: Vec<IngressRule> },
    /// `CreateDBSubnetGroup` over the given subnets; the id is its name.
    CreateDbSubnetGroup {
        name: String,
        description: String,
        subnets: Vec<Ref>,
    },
    /// `ModifyDBSubnetGroup`: set its subnets.
    ModifyDbSubnetGroup { name: String, subnets: Vec<Ref> },
    /// `CreateDBInstance` (`MySQL`, storage encrypted, not publicly
    /// accessible, master password managed by RDS in Secrets Manager);
    /// waits until it is available. The id is its identifier.
    CreateDbInstance {
        identifier: String,
        subnet_group: Ref,
        security_group: Ref,
        settings: DbSettings,
    },
    /// `ModifyDBInstance` of the fields set in `changes`, now or at the next
    /// maintenance window; waits until it is available again.
    ModifyDbInstance {
        identifier: String,
        changes: DbChanges,
        apply_immediately: bool,
    },
    /// For a replacement only: turns deletion protection off, deletes the
    /// instance with a final snapshot named `{final_snapshot_prefix}-{unix
    /// time}`, and waits until it is gone.
    DeleteDbInstance {
        identifier: String,
        final_snapshot_prefix: String,
    },
    /// `CreateRepository` (tags immutable, scan on push), then
    /// `PutLifecyclePolicy`. The id is its name.
    CreateRepository {
        name: String,
        lifecycle_policy: String,
    },
    /// Tags immutable, scan on push and the lifecycle policy, set again.
    ConfigureRepository {
        name: String,
        lifecycle_policy: String,
    },
    /// `CreateLogGroup`, then `PutRetentionPolicy`. The id is its name.
    CreateLogGroup { name: String, retention_days: i32 },
    /// `PutRetentionPolicy`.
    SetLogRetention { name: String, retention_days: i32 },
    /// `CreateRole` with the trust policy. The id is its name.
    CreateRole {
        name: String,
        description: String,
        trust_policy: String,
    },
    /// `UpdateAssumeRolePolicy`.
    UpdateTrustPolicy { name: String, trust_policy: String },
    /// `PutRolePolicy` of awsdeploy's inline policy.
    PutRolePolicy { role: String, document: String },
    /// `DeleteRolePolicy` of awsdeploy's inline policy; already gone is
    /// success.
    DeleteRolePolicy { role: String },
    /// `AttachRolePolicy` of a managed policy.
    AttachRolePolicy { role: String, policy_arn: String },
    /// `DetachRolePolicy`; already detached is success.
    DetachRolePolicy { role: String, policy_arn: String },
    /// `CreateTargetGroup` (HTTP, target type `ip`, for Fargate tasks) with
    /// the health check, then the deregistration delay. The id is its ARN.
    CreateTargetGroup {
        name: String,
        vpc: Ref,
        port: i32,
        health: TargetHealth,
    },
    /// `ModifyTargetGroup` (health check) and its deregistration delay.
    ModifyTargetGroup {
        target_group: String,
        health: TargetHealth,
    },
    /// `CreateLoadBalancer`: an internet-facing application load balancer in
    /// the public subnets, then its idle timeout. The id is its ARN; not
    /// waited for (listeners and targets can be added while it provisions).
    CreateLoadBalancer {
        name: String,
        subnets: Vec<Ref>,
        security_group: Ref,
        idle_timeout_secs: i64,
    },
    /// `SetSubnets`, `SetSecurityGroups` and the idle timeout, each when set.
    ModifyLoadBalancer {
        load_balancer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subnets: Option<Vec<Ref>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        security_group: Option<Ref>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        idle_timeout_secs: Option<i64>,
    },
    /// `CreateListener` on the port. The id is its ARN.
    CreateListener {
        load_balancer: Ref,
        port: i32,
        config: ListenerConfig,
    },
    /// `ModifyListener`: protocol, certificate, policy and action.
    ModifyListener {
        listener: String,
        port: i32,
        config: ListenerConfig,
    },
    /// `DeleteListener`; already gone is success.
    DeleteListener { listener: String },
    /// `RequestCertificate` for one name, DNS-validated. The id is its ARN.
    RequestCertificate { domain: String },
    /// `UPSERT`s the certificate's DNS validation records in the zone (read
    /// with `DescribeCertificate` until ACM has made them).
    WriteValidationRecords { certificate: Ref, zone_id: String },
    /// Waits until the certificate is `ISSUED`.
    WaitForCertificate {
        certificate: Ref,
        domain: String,
        timeout_secs: u64,
    },
    /// `UPSERT` of an alias A record for `name` to the load balancer.
    UpsertAlias {
        zone_id: String,
        name: String,
        load_balancer: Ref,
    },
    /// `CreateCluster` (Fargate). The id is its name.
    CreateCluster { name: String },
    /// `RegisterTaskDefinition`. The id is the new revision's ARN.
    RegisterTaskDefinition { definition: TaskDefinition },
    /// `CreateService` on Fargate in the private subnets, without public
    /// IPs, behind the target group. The id is its ARN.
    CreateService {
        cluster: Ref,
        name: String,
        task_definition: Ref,
        desired_count: i32,
        network: ServiceNetwork,
        target_group: Ref,
        container_name: String,
        container_port: i32,
        deployment: DeploymentSettings,
    },
    /// `UpdateService` of the fields that are set.
    UpdateService {
        cluster: String,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task_definition: Option<Ref>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        desired_count: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        network: Option<ServiceNetwork>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deployment: Option<DeploymentSettings>,
    },
    /// Waits until the service's deployment of `task_definition` is
    /// COMPLETED with every task running; a FAILED or rolled-back
    /// deployment is an error naming the revision that serves.
    WaitForRollout {
        cluster: String,
        service: String,
        task_definition: Ref,
        timeout_secs: u64,
    },
    /// `RegisterScalableTarget` (desired count between min and max) and
    /// `PutScalingPolicy` (target tracking on average CPU).
    ConfigureAutoscaling {
        cluster: String,
        service: String,
        min: i32,
        max: i32,
        target_cpu: i32,
    },
    /// `DeregisterScalableTarget` (its policies go with it).
    RemoveAutoscaling { cluster: String, service: String },
    /// Reads the database's endpoint, user and master secret
    /// (`DescribeDBInstances`), registers a revision of the migration's
    /// task definition when the newest differs, and starts it (`RunTask`
    /// with an idempotency token). The task's ARN is the change's id.
    RunMigration { task: MigrationTask },
    /// Polls `DescribeTasks` until the migration task stops, streaming its
    /// log lines as they arrive; fails unless its container exits 0. At the
    /// deadline: `StopTask`, then fails.
    WaitForMigration {
        cluster: String,
        task: Ref,
        timeout_secs: u64,
        log_group: String,
        /// The task's stream is `{log_stream_prefix}/{container}/{task id}`.
        log_stream_prefix: String,
        container: String,
    },
    /// `CreateApp`: platform WEB, no repository (manual deployments), with
    /// the ownership tags. Its id is the change's id.
    CreateAmplifyApp { name: String },
    /// `CreateBranch` (stage PRODUCTION) with its environment variables.
    CreateAmplifyBranch {
        app: Ref,
        branch: String,
        env: std::collections::BTreeMap<String, String>,
    },
    /// `UpdateBranch`: the environment variables.
    UpdateAmplifyBranch {
        app: Ref,
        branch: String,
        env: std::collections::BTreeMap<String, String>,
    },
    /// `CreateDomainAssociation`: `domain` with the sub-domain `prefix`
    /// (empty: the domain itself) serving `branch`.
    CreateDomainAssociation {
        app: Ref,
        domain: String,
        prefix: String,
        branch: String,
    },
    /// Reads the association's DNS records (`GetDomainAssociation`) and
    /// `UPSERT`s them in the zone `zone_id`; without a zone, prints them
    /// for the user to create.
    WriteDomainRecords {
        app: Ref,
        domain: String,
        zone_id: Option<String>,
    },
    /// Zips the artifact again (it must still have `sha256`), then
    /// `CreateDeployment`, the upload, `StartDeployment` and `GetJob` until
    /// the job ends or the deadline; on success tags the branch with the
    /// artifact's SHA-256.
    ReleaseWeb {
        app: Ref,
        branch: String,
        artifact: String,
        sha256: String,
        timeout_secs: u64,
    },
}

/// The one-off migration task: what `RunTask` needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MigrationTask {
    pub cluster: String,
    /// Without the database's variables: the runner adds `DB_HOST`,
    /// `DB_PORT`, `DB_NAME`, `DB_USER` and the secret `DB_PASSWORD` (the RDS
    /// master secret) from `database` when it runs, so that a database
    /// created in the same run is found.
    pub definition: TaskDefinition,
    /// The RDS instance's identifier.
    pub database: String,
    /// The service's private subnets and security group, no public IP.
    pub network: ServiceNetwork,
}

/// A target group's health check and deregistration delay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TargetHealth {
    pub path: String,
    pub interval_secs: i32,
    pub timeout_secs: i32,
    pub healthy_threshold: i32,
    pub unhealthy_threshold: i32,
    pub deregistration_delay_secs: i32,
}

/// What a listener does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ListenerConfig {
    /// HTTPS with the certificate and TLS policy, forwarding to the target
    /// group.
    Https {
        certificate: Ref,
        tls_policy: String,
        target_group: Ref,
    },
    /// HTTP answered with a permanent redirect to HTTPS on 443.
    RedirectToHttps,
    /// Plain HTTP forwarding to the target group.
    Forward { target_group: Ref },
}

impl ListenerConfig {
    pub fn protocol(&self) -> &'static str {
        match self {
            ListenerConfig::Https { .. } => "HTTPS",
            ListenerConfig::RedirectToHttps | ListenerConfig::Forward { .. } => "HTTP",
        }
    }

    fn refs(&self) -> Vec<&Ref> {
        match self {
            ListenerConfig::Https {
                certificate,
                target_group,
                ..
            } => vec![certificate, target_group],
            ListenerConfig::RedirectToHttps => vec![],
            ListenerConfig::Forward { target_group } => vec![target_group],
        }
    }
}

/// Where the service's tasks run: subnets and one security group; never a
/// public IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceNetwork {
    pub subnets: Vec<Ref>,
    pub security_group: Ref,
}

/// How the service rolls out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeploymentSettings {
    pub min_healthy_percent: i32,
    pub max_percent: i32,
    /// The deployment circuit breaker: stop a rollout whose tasks fail.
    pub circuit_breaker: bool,
    /// With the breaker: roll back to the last completed deployment.
    pub rollback: bool,
    pub health_check_grace_period_secs: i32,
}

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: String,
    /// The container port; mapped as TCP on the same host port (awsvpc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    pub environment: std::collections::BTreeMap<String, String>,
    /// Variable name → where ECS reads it from; values are never read by
    /// awsdeploy.
    pub secrets: std::collections::BTreeMap<String, SecretSource>,
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

/// What a new database instance is created with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DbSettings {
    pub engine: String,
    pub engine_version: String,
    pub instance_class: String,
    pub allocated_storage_gb: i32,
    pub multi_az: bool,
    pub deletion_protection: bool,
    pub backup_retention_days: i32,
    pub log_exports: Vec<String>,
    pub master_username: String,
    pub database_name: String,
}

/// The fields one `ModifyDBInstance` sets; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DbChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_storage_gb: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_az: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicly_accessible: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<Ref>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enable_log_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disable_log_types: Vec<String>,
}

impl DbChanges {
    pub fn is_empty(&self) -> bool {
        *self == DbChanges::default()
    }
}

impl Step {
    /// Every ref this step reads, for dependency checks.
    #[allow(clippy::too_many_lines)] // one arm per kind of step
    pub fn refs(&self) -> Vec<&Ref> {
        match self {
            Step::CreateVpc { .. }
            | Step::CreateInternetGateway
            | Step::AllocateAddress
            | Step::DeleteDbInstance { .. }
            | Step::CreateRepository { .. }
            | Step::ConfigureRepository { .. }
            | Step::CreateLogGroup { .. }
            | Step::SetLogRetention { .. }
            | Step::CreateRole { .. }
            | Step::UpdateTrustPolicy { .. }
            | Step::PutRolePolicy { .. }
            | Step::DeleteRolePolicy { .. }
            | Step::AttachRolePolicy { .. }
            | Step::DetachRolePolicy { .. }
            | Step::ModifyTargetGroup { .. }
            | Step::DeleteListener { .. }
            | Step::DeleteDuplicate { .. }
            | Step::RequestCertificate { .. }
            | Step::CreateCluster { .. }
            | Step::RegisterTaskDefinition { .. }
            | Step::ConfigureAutoscaling { .. }
            | Step::RemoveAutoscaling { .. } => vec![],
            Step::CreateLoadBalancer {
                subnets,
                security_group,
                ..
            } => subnets.iter().chain([security_group]).collect(),
            Step::ModifyLoadBalancer {
                subnets,
                security_group,
                ..
            } => subnets.iter().flatten().chain(security_group).collect(),
            Step::CreateListener {
                load_balancer,
                config,
                ..
            } => {
                let mut refs = vec![load_balancer];
                refs.extend(config.refs());
                refs
            }
            Step::ModifyListener { config, .. } => config.refs(),
            Step::WriteValidationRecords { certificate, .. }
            | Step::WaitForCertificate { certificate, .. } => vec![certificate],
            Step::UpsertAlias { load_balancer, .. } => vec![load_balancer],
            Step::CreateService {
                cluster,
                task_definition,
                network,
                target_group,
                ..
            } => {
                let mut refs = vec![
                    cluster,
                    task_definition,
                    target_group,
                    &network.security_group,
                ];
                refs.extend(&network.subnets);
                refs
            }
            Step::UpdateService {
                task_definition,
                network,
                ..
            } => {
                let mut refs: Vec<&Ref> = task_definition.iter().collect();
                if let Some(network) = network {
                    refs.push(&network.security_group);
                    refs.extend(&network.subnets);
                }
                refs
            }
            Step::WaitForRollout {
                task_definition, ..
            } => vec![task_definition],
            Step::RunMigration { task } => {
                let mut refs = vec![&task.network.security_group];
                refs.extend(&task.network.subnets);
                refs
            }
            Step::WaitForMigration { task, .. } => vec![task],
            Step::CreateAmplifyBranch { app, .. }
            | Step::UpdateAmplifyBranch { app, .. }
            | Step::CreateDomainAssociation { app, .. }
            | Step::WriteDomainRecords { app, .. }
            | Step::ReleaseWeb { app, .. } => vec![app],
            Step::CreateAmplifyApp { .. } => Vec::new(),
            Step::SetVpcDns { vpc, .. }
            | Step::CreateTargetGroup { vpc, .. }
            | Step::CreateSubnet { vpc, .. }
            | Step::CreateRouteTable { vpc }
            | Step::CreateSecurityGroup { vpc, .. } => vec![vpc],
            Step::AttachInternetGateway { gateway, vpc } => vec![gateway, vpc],
            Step::CreateNatGateway { subnet, address } => vec![subnet, address],
            Step::CreateRoute { table, target, .. } | Step::ReplaceRoute { table, target, .. } => {
                vec![table, target.target()]
            }
            Step::DeleteRoute { table, .. } | Step::ReplaceRouteTableAssociation { table, .. } => {
                vec![table]
            }
            Step::AssociateRouteTable { table, subnet } => vec![table, subnet],
            Step::CreateDbSubnetGroup { subnets, .. }
            | Step::ModifyDbSubnetGroup { subnets, .. } => subnets.iter().collect(),
            Step::CreateDbInstance {
                subnet_group,
                security_group,
                ..
            } => vec![subnet_group, security_group],
            Step::ModifyDbInstance { changes, .. } => {
                changes.security_groups.iter().flatten().collect()
            }
            Step::AuthorizeIngress { group, rules } | Step::RevokeIngress { group, rules } => {
                let mut refs = vec![group];
                refs.extend(rules.iter().filter_map(|r| match &r.source {
                    RuleSource::Group(g) => Some(g),
                    RuleSource::Cidr(_) => None,
                }));
                refs
            }
        }
    }

    /// The component whose API this step calls.
    pub fn component(&self) -> Component {
        match self {
            Step::CreateDbSubnetGroup { .. }
            | Step::ModifyDbSubnetGroup { .. }
            | Step::CreateDbInstance { .. }
            | Step::ModifyDbInstance { .. }
            | Step::DeleteDbInstance { .. } => Component::Database,
            Step::CreateRepository { .. } | Step::ConfigureRepository { .. } => Component::Registry,
            Step::CreateLogGroup { .. } | Step::SetLogRetention { .. } => Component::Logs,
            Step::CreateRole { .. }
            | Step::UpdateTrustPolicy { .. }
            | Step::PutRolePolicy { .. }
            | Step::DeleteRolePolicy { .. }
            | Step::AttachRolePolicy { .. }
            | Step::DetachRolePolicy { .. } => Component::Iam,
            Step::CreateTargetGroup { .. }
            | Step::ModifyTargetGroup { .. }
            | Step::CreateLoadBalancer { .. }
            | Step::ModifyLoadBalancer { .. }
            | Step::CreateListener { .. }
            | Step::ModifyListener { .. }
            | Step::DeleteListener { .. } => Component::LoadBalancer,
            Step::RequestCertificate { .. }
            | Step::WriteValidationRecords { .. }
            | Step::WaitForCertificate { .. } => Component::Certificate,
            Step::UpsertAlias { .. } => Component::Dns,
            Step::CreateCluster { .. }
            | Step::RegisterTaskDefinition { .. }
            | Step::CreateService { .. }
            | Step::UpdateService { .. }
            | Step::WaitForRollout { .. }
            | Step::ConfigureAutoscaling { .. }
            | Step::RemoveAutoscaling { .. } => Component::Service,
            Step::RunMigration { .. } | Step::WaitForMigration { .. } => Component::Migration,
            Step::CreateAmplifyApp { .. }
            | Step::CreateAmplifyBranch { .. }
            | Step::UpdateAmplifyBranch { .. }
            | Step::CreateDomainAssociation { .. }
            | Step::WriteDomainRecords { .. }
            | Step::ReleaseWeb { .. } => Component::Web,
            Step::CreateVpc { .. }
            | Step::SetVpcDns { .. }
            | Step::CreateSubnet { .. }
            | Step::CreateInternetGateway
            | Step::AttachInternetGateway { .. }
            | Step::AllocateAddress
            | Step::CreateNatGateway { .. }
            | Step::CreateRouteTable { .. }
            | Step::CreateRoute { .. }
            | Step::ReplaceRoute { .. }
            | Step::DeleteRoute { .. }
            | Step::DeleteDuplicate { .. }
            | Step::AssociateRouteTable { .. }
            | Step::ReplaceRouteTableAssociation { .. }
            | Step::CreateSecurityGroup { .. }
            | Step::AuthorizeIngress { .. }
            | Step::RevokeIngress { .. } => Component::Network,
        }
    }

    /// Whether this step creates the change's resource (its id becomes the
    /// change's id).
    pub fn creates(&self) -> bool {
        matches!(
            self,
            Step::CreateVpc { .. }
                | Step::CreateSubnet { .. }
                | Step::CreateInternetGateway
                | Step::AllocateAddress
                | Step::CreateNatGateway { .. }
                | Step::CreateRouteTable { .. }
                | Step::CreateSecurityGroup { .. }
                | Step::AssociateRouteTable { .. }
                | Step::CreateDbSubnetGroup { .. }
                | Step::CreateDbInstance { .. }
                | Step::CreateRepository { .. }
                | Step::CreateLogGroup { .. }
                | Step::CreateRole { .. }
                | Step::CreateTargetGroup { .. }
                | Step::CreateLoadBalancer { .. }
                | Step::CreateListener { .. }
                | Step::RequestCertificate { .. }
                | Step::CreateCluster { .. }
                | Step::RegisterTaskDefinition { .. }
                | Step::CreateService { .. }
                | Step::RunMigration { .. }
                | Step::CreateAmplifyApp { .. }
                | Step::CreateAmplifyBranch { .. }
        )
    }

    /// Whether this step only waits for AWS to finish something it has
    /// been asked to do: Ctrl-C may abandon it, as AWS goes on regardless.
    pub fn is_wait(&self) -> bool {
        matches!(
            self,
            Step::WaitForRollout { .. }
                | Step::WaitForCertificate { .. }
                | Step::WaitForMigration { .. }
        )
    }

    /// For a wait: how to follow it when awsdeploy stops waiting.
    pub fn how_to_follow(&self) -> Option<String> {
        match self {
            Step::WaitForRollout {
                cluster, service, ..
            } => Some(format!(
                "ECS goes on with the rollout (and rolls back if it fails); follow it with `aws ecs describe-services --cluster {cluster} --services {service}`"
            )),
            Step::WaitForCertificate { domain, .. } => Some(format!(
                "ACM goes on validating the certificate for {domain}; `awsdeploy up` again continues once it is issued, or check `aws acm list-certificates`"
            )),
            Step::WaitForMigration {
                cluster,
                log_group,
                log_stream_prefix,
                ..
            } => Some(format!(
                "the migration task goes on in ECS; follow it with `aws logs tail {log_group} --log-stream-name-prefix {log_stream_prefix}/ --follow` and `aws ecs list-tasks --cluster {cluster} --started-by awsdeploy`; the service was not updated"
            )),
            _ => None,
        }
    }
}
