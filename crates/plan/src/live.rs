//! What awsdeploy observed in AWS, as plain data.
//!
//! `crates/aws` fills these from Describe calls filtered by the ownership
//! tags (`awsdeploy:app`, `awsdeploy:env`), so everything here belongs to
//! this app and environment. `name` is the resource's `Name` tag: the key the
//! planner matches desired resources by.

use serde::{Deserialize, Serialize};

/// The observed network of one app and environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveNetwork {
    /// The region's available zones, sorted by name.
    pub availability_zones: Vec<String>,
    pub vpcs: Vec<LiveVpc>,
    pub subnets: Vec<LiveSubnet>,
    pub internet_gateways: Vec<LiveInternetGateway>,
    pub addresses: Vec<LiveAddress>,
    /// NAT gateways that are pending or available (deleted ones are left out).
    pub nat_gateways: Vec<LiveNatGateway>,
    pub route_tables: Vec<LiveRouteTable>,
    pub security_groups: Vec<LiveSecurityGroup>,
}

impl LiveNetwork {
    /// Sorts every list (and every list inside), so that two observations of
    /// the same state compare and hash equal whatever order AWS used.
    pub fn sort(&mut self) {
        self.availability_zones.sort();
        self.vpcs.sort_by(|a, b| a.id.cmp(&b.id));
        self.subnets.sort_by(|a, b| a.id.cmp(&b.id));
        self.internet_gateways.sort_by(|a, b| a.id.cmp(&b.id));
        self.addresses
            .sort_by(|a, b| a.allocation_id.cmp(&b.allocation_id));
        self.nat_gateways.sort_by(|a, b| a.id.cmp(&b.id));
        self.route_tables.sort_by(|a, b| a.id.cmp(&b.id));
        for table in &mut self.route_tables {
            table
                .routes
                .sort_by(|a, b| a.destination.cmp(&b.destination));
            table.associations.sort_by(|a, b| a.id.cmp(&b.id));
        }
        self.security_groups.sort_by(|a, b| a.id.cmp(&b.id));
        for group in &mut self.security_groups {
            group.ingress.sort();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveVpc {
    pub id: String,
    pub name: Option<String>,
    pub cidr: String,
    pub dns_support: bool,
    pub dns_hostnames: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSubnet {
    pub id: String,
    pub name: Option<String>,
    pub vpc_id: String,
    pub cidr: String,
    pub availability_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveInternetGateway {
    pub id: String,
    pub name: Option<String>,
    /// The VPC it is attached to, if any.
    pub vpc_id: Option<String>,
}

/// An Elastic IP allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAddress {
    pub allocation_id: String,
    pub name: Option<String>,
    pub public_ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveNatGateway {
    pub id: String,
    pub name: Option<String>,
    pub subnet_id: String,
    pub allocation_id: Option<String>,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRouteTable {
    pub id: String,
    pub name: Option<String>,
    pub vpc_id: String,
    pub routes: Vec<LiveRoute>,
    /// Explicit subnet associations (the main-table flag is not one).
    pub associations: Vec<LiveAssociation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRoute {
    pub destination: String,
    /// The gateway, NAT gateway or other target id; `local` for the VPC route.
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAssociation {
    pub id: String,
    pub subnet_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSecurityGroup {
    pub id: String,
    pub name: Option<String>,
    pub vpc_id: String,
    /// Ingress rules, one per source (AWS groups several sources in one
    /// permission; the observer flattens them).
    pub ingress: Vec<LiveIngressRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LiveIngressRule {
    /// `tcp`, `udp`, `icmp` or `-1` (all), as AWS spells it.
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub source: LiveRuleSource,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveRuleSource {
    Cidr(String),
    Group(String),
}

/// The observed database of one app and environment: found by the names
/// awsdeploy gives (RDS lists neither by tag), with ownership read from the
/// tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveDatabase {
    pub subnet_group: Option<LiveDbSubnetGroup>,
    pub instance: Option<LiveDbInstance>,
}

impl LiveDatabase {
    pub fn sort(&mut self) {
        if let Some(group) = &mut self.subnet_group {
            group.subnet_ids.sort();
        }
        if let Some(instance) = &mut self.instance {
            instance.security_group_ids.sort();
            instance.log_exports.sort();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveDbSubnetGroup {
    pub name: String,
    /// Carries this app's and env's ownership tags.
    pub owned: bool,
    pub subnet_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::struct_excessive_bools)] // RDS's own flags, as it reports them
pub struct LiveDbInstance {
    pub identifier: String,
    pub owned: bool,
    /// `available`, `creating`, `modifying`, …
    pub status: String,
    pub engine: String,
    pub engine_version: String,
    pub instance_class: String,
    pub allocated_storage_gb: i32,
    pub storage_encrypted: bool,
    pub publicly_accessible: bool,
    pub multi_az: bool,
    pub deletion_protection: bool,
    pub backup_retention_days: i32,
    pub log_exports: Vec<String>,
    pub subnet_group: Option<String>,
    pub security_group_ids: Vec<String>,
    pub master_username: String,
    /// The ARN of the master user's secret, which RDS manages.
    pub master_secret_arn: Option<String>,
    /// `Endpoint.Address` and `Endpoint.Port`, once RDS has given them.
    #[serde(default)]
    pub endpoint: Option<(String, i32)>,
    /// The initial database's name (`DBName`).
    #[serde(default)]
    pub database_name: Option<String>,
    /// Changes RDS holds for the next maintenance window
    /// (`PendingModifiedValues`).
    #[serde(default)]
    pub pending: PendingDbChanges,
    /// The migration version the last successful migration task reached
    /// (the tag `awsdeploy:migrated-version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrated_version: Option<u64>,
}

/// What `PendingModifiedValues` says will change at the maintenance window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingDbChanges {
    pub instance_class: Option<String>,
    pub engine_version: Option<String>,
    pub allocated_storage_gb: Option<i32>,
    pub multi_az: Option<bool>,
    pub backup_retention_days: Option<i32>,
}

impl PendingDbChanges {
    /// Each pending change as `field → value`.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(v) = &self.instance_class {
            out.push(format!("instance_class → {v}"));
        }
        if let Some(v) = &self.engine_version {
            out.push(format!("engine_version → {v}"));
        }
        if let Some(v) = self.allocated_storage_gb {
            out.push(format!("storage_gb → {v}"));
        }
        if let Some(v) = self.multi_az {
            out.push(format!("multi_az → {v}"));
        }
        if let Some(v) = self.backup_retention_days {
            out.push(format!("backup_retention_days → {v}"));
        }
        out
    }
}

impl LiveDbInstance {
    /// An owned, available instance of the stack `shop`/`dev` as awsdeploy
    /// makes it, for tests to start from.
    #[cfg(test)]
    pub(crate) fn example() -> LiveDbInstance {
        LiveDbInstance {
            identifier: "shop-dev-db".to_owned(),
            owned: true,
            status: "available".to_owned(),
            engine: crate::database::ENGINE.to_owned(),
            engine_version: "8.0.35".to_owned(),
            instance_class: "db.t4g.micro".to_owned(),
            allocated_storage_gb: 20,
            storage_encrypted: true,
            publicly_accessible: false,
            multi_az: false,
            deletion_protection: true,
            backup_retention_days: 7,
            log_exports: vec![],
            subnet_group: Some("shop-dev-db".to_owned()),
            security_group_ids: vec!["sg-db".to_owned()],
            master_username: crate::database::MASTER_USERNAME.to_owned(),
            master_secret_arn: Some("arn:secret".to_owned()),
            endpoint: Some(("shop-dev-db.rds.example".to_owned(), 3306)),
            database_name: Some("shop".to_owned()),
            pending: PendingDbChanges::default(),
            migrated_version: None,
        }
    }

    /// What a task needs to connect, once the instance has an endpoint and
    /// its master secret.
    pub fn connection(&self) -> Option<crate::DatabaseConnection> {
        let (host, port) = self.endpoint.clone()?;
        Some(crate::DatabaseConnection {
            host,
            port,
            name: self.database_name.clone()?,
            user: self.master_username.clone(),
            secret_arn: self.master_secret_arn.clone()?,
        })
    }
}

/// What observation looks up besides what it finds by the app's own names:
/// things the spec names. Recorded in a saved plan, so that `up --plan`
/// observes the same things.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[allow(clippy::struct_excessive_bools)] // independent switches, each read alone
pub struct Lookups {
    /// The ECR repository's name, when the spec has `[registry]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The image tag to deploy, looked up in that repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag: Option<String>,
    /// Secrets Manager secrets that `secret:<name>` references name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    /// Whether the service's log group and IAM roles are looked up (the
    /// spec has `[service]`); they also need the account id for ARNs.
    #[serde(default)]
    pub service: bool,
    /// A strategy's second target group, production rule and role are
    /// looked up (a strategy that shifts traffic; `down`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub traffic_shift: bool,
    /// The Route 53 zone `dns.zone` names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The API's DNS name (`dns.api`): its record and certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_domain: Option<String>,
    /// `down` of a spec whose `[dns]` or `[web]` is gone: what those made
    /// is found from what is live.
    #[serde(default, skip_serializing_if = "Rediscover::is_none")]
    pub rediscover: Rediscover,
    /// The Amplify branch `web.branch` names, when the spec has `[web]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_branch: Option<String>,
    /// The domain of the Amplify domain association (`web.domain`, or the
    /// zone it is in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_domain: Option<String>,
    /// The spec has `[alarms]`: their actions name the topic's ARN, which
    /// needs the account id.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alarms: bool,
    /// The spec asks for GitHub Actions' role (`[pipeline]`): it and
    /// GitHub's OIDC provider are looked up.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub github_role: bool,
    /// The spec's pipeline runs on CodePipeline (`[pipeline]`): its
    /// connection of this Git host (of any, when empty: `down`) is looked
    /// up, and what it runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codepipeline: Option<String>,
}

/// What the account holds for the service: who the credentials are (the
/// account id and partition every ARN is built with), the registry's
/// repository, the log group, the roles and the secrets the spec names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAccount {
    /// The AWS account id, when ARNs are needed.
    pub account_id: Option<String>,
    /// The caller's partition (`aws`, `aws-cn`, `aws-us-gov`), from the
    /// ARN `GetCallerIdentity` gives, with the account id.
    #[serde(default)]
    pub partition: Option<String>,
    pub repository: Option<LiveRepository>,
    /// Whether the image tag to deploy is in the repository.
    pub image_present: Option<bool>,
    pub log_group: Option<LiveLogGroup>,
    pub roles: Vec<LiveRole>,
    /// The env's permissions boundary, when it exists. Left out when
    /// there is none, so fingerprints (a saved plan's) stay what they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<LiveBoundary>,
    /// Secret name → its ARN, or `None` when no such secret exists.
    pub secrets: std::collections::BTreeMap<String, Option<String>>,
    /// Secret name → the customer managed KMS key that encrypts it (its
    /// `KmsKeyId`: a key id, key ARN or alias), for those that have one.
    #[serde(default)]
    pub secret_keys: std::collections::BTreeMap<String, String>,
}

impl LiveAccount {
    /// The account id for the ARNs awsdeploy writes; it is looked up
    /// (`GetCallerIdentity`) whenever the spec has `[registry]` or
    /// `[service]`, and a plan that needs it without it stops.
    pub fn account(&self) -> Result<&str, crate::PlanError> {
        self.account_id
            .as_deref()
            .ok_or(crate::PlanError::UnknownAccount)
    }

    /// The partition every ARN awsdeploy writes is in (`aws` until the
    /// caller's identity says otherwise).
    pub fn partition(&self) -> &str {
        self.partition.as_deref().unwrap_or("aws")
    }

    /// The partition's DNS suffix, as in ECR's registry host names.
    pub fn dns_suffix(&self) -> &'static str {
        if self.partition() == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }
}

impl LiveAccount {
    pub fn sort(&mut self) {
        self.roles.sort_by(|a, b| a.name.cmp(&b.name));
        for role in &mut self.roles {
            role.attached.sort();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRepository {
    pub name: String,
    pub owned: bool,
    pub arn: String,
    pub uri: String,
    pub tags_immutable: bool,
    pub scan_on_push: bool,
    /// The lifecycle policy as canonical JSON (keys sorted), if any.
    pub lifecycle_policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveLogGroup {
    pub name: String,
    pub owned: bool,
    pub retention_days: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRole {
    pub name: String,
    pub owned: bool,
    /// The trust policy as canonical JSON.
    pub trust_policy: String,
    /// awsdeploy's inline policy as canonical JSON, if the role has one.
    pub policy: Option<String>,
    /// ARNs of the managed policies attached to it, sorted.
    pub attached: Vec<String>,
    /// Its permissions boundary's ARN, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<String>,
}

/// The env's permissions boundary, a managed policy
/// ([`crate::iam::boundary`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveBoundary {
    pub arn: String,
    pub owned: bool,
    /// Its default version's document, canonical JSON.
    pub document: String,
}

/// What `down` finds from what is live, the spec's section being gone.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Rediscover {
    /// The API's name, certificate and zone from what the load balancer's
    /// HTTPS listener serves (`[dns]` gone).
    #[serde(default)]
    pub api: bool,
    /// The Amplify app by its name whatever the branch, its custom domain
    /// from the app, and the zone it is in (`[web]` gone).
    #[serde(default)]
    pub web: bool,
}

impl Rediscover {
    pub fn is_none(&self) -> bool {
        !self.api && !self.web
    }
}

/// Everything observed for the service tier: the load balancer and its
/// certificate, the ECS cluster, task definition and service, autoscaling,
/// and the API's DNS record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveServiceTier {
    pub load_balancer: Option<LiveLoadBalancer>,
    pub target_group: Option<LiveTargetGroup>,
    /// The load balancer's listeners.
    pub listeners: Vec<LiveListener>,
    /// The newest certificate for the API's name that carries this app's
    /// and env's tags (when `[dns]` is set).
    pub certificate: Option<LiveCertificate>,
    /// The hosted zone `dns.zone` names; `None` when it was looked up and
    /// not found (or not looked up).
    pub zone: Option<LiveZone>,
    /// The record set at `dns.api`, type A, if any.
    pub api_record: Option<LiveRecord>,
    pub cluster: Option<LiveCluster>,
    /// The newest ACTIVE revision of the service's task definition family.
    pub task_definition: Option<LiveTaskDefinition>,
    pub service: Option<LiveEcsService>,
    pub autoscaling: Option<LiveAutoscaling>,
    /// A strategy's second target group, when looked up
    /// ([`Lookups::traffic_shift`]). This and the next two are left out
    /// when absent, so fingerprints of saved plans taken before strategies
    /// existed still match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_target_group: Option<LiveTargetGroup>,
    /// awsdeploy's rule (by its priority) on the listener that forwards
    /// to the service, when looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_rule: Option<LiveRule>,
    /// awsdeploy's rule (by its priority) on the test listener (a
    /// forwarding listener on neither 80 nor 443), when looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rule: Option<LiveRule>,
    /// awsdeploy's rules (by their priority) on the other listeners: left
    /// on one that no longer forwards (a certificate added to a live
    /// stack), when looked up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stale_rules: Vec<LiveRule>,
    /// The role ECS moves traffic with, when looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infrastructure_role: Option<LiveRole>,
}

/// A listener rule that forwards to target groups by weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRule {
    pub arn: String,
    pub listener_arn: String,
    /// Each target group it forwards to, with its weight; empty when it
    /// does something else.
    pub target_groups: Vec<(String, i32)>,
}

/// A service's `advancedConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTrafficShift {
    pub alternate_target_group_arn: String,
    pub production_rule_arn: String,
    /// `testListenerRule`, when the service has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rule_arn: Option<String>,
    pub role_arn: String,
}

impl LiveServiceTier {
    pub fn sort(&mut self) {
        self.listeners.sort_by_key(|l| l.port);
        if let Some(lb) = &mut self.load_balancer {
            lb.subnet_ids.sort();
            lb.security_group_ids.sort();
        }
        if let Some(service) = &mut self.service {
            service.subnet_ids.sort();
            service.security_group_ids.sort();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveLoadBalancer {
    pub arn: String,
    pub name: String,
    pub owned: bool,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    pub dns_name: String,
    /// The load balancer's own hosted zone, for alias records.
    pub canonical_zone_id: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub idle_timeout_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTargetGroup {
    pub arn: String,
    pub name: String,
    pub owned: bool,
    pub port: i32,
    pub vpc_id: String,
    /// `ip` for Fargate.
    pub target_type: String,
    pub health: crate::TargetHealth,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveListener {
    pub arn: String,
    pub port: i32,
    /// `HTTP` or `HTTPS`.
    pub protocol: String,
    pub certificate_arn: Option<String>,
    /// Only meaningful on HTTPS listeners (AWS shows one on HTTP too).
    pub ssl_policy: Option<String>,
    pub action: LiveListenerAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveListenerAction {
    Forward {
        target_group_arn: String,
    },
    Redirect {
        protocol: String,
        port: String,
    },
    /// Anything awsdeploy does not write (fixed responses, several actions).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveCertificate {
    pub arn: String,
    pub domain: String,
    /// `PENDING_VALIDATION`, `ISSUED`, `FAILED`, …
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveZone {
    /// Without the `/hostedzone/` prefix.
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRecord {
    /// Without the trailing dot.
    pub name: String,
    /// Alias target DNS name (lower case, no trailing dot), for alias records.
    pub alias_dns_name: Option<String>,
    /// Values, for plain records.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveCluster {
    pub arn: String,
    pub name: String,
    pub owned: bool,
    /// Its `containerInsights` setting is `enabled` (or `enhanced`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub container_insights: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTaskDefinition {
    pub arn: String,
    pub owned: bool,
    /// What awsdeploy sets, read back in the form it renders.
    pub definition: crate::TaskDefinition,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEcsService {
    pub arn: String,
    pub name: String,
    pub owned: bool,
    pub task_definition_arn: String,
    pub desired_count: i32,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub public_ip: bool,
    /// The target group and container port it registers with.
    pub target_group_arn: Option<String>,
    pub container_port: Option<i32>,
    pub deployment: crate::DeploymentSettings,
    /// Its load balancer's `advancedConfiguration`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_shift: Option<LiveTrafficShift>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAutoscaling {
    pub min: i32,
    pub max: i32,
    /// awsdeploy's CPU target-tracking policy's target, if it exists.
    pub target_cpu: Option<i32>,
}

/// The web app on Amplify Hosting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveWeb {
    pub app: Option<LiveAmplifyApp>,
    /// The branch `web.branch` names, when the app exists.
    pub branch: Option<LiveAmplifyBranch>,
    /// The domain association for `web.domain`'s domain, when it exists.
    #[serde(default)]
    pub domain: Option<LiveDomainAssociation>,
}

impl LiveWeb {
    pub fn sort(&mut self) {
        if let Some(domain) = &mut self.domain {
            domain.sub_domains.sort();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveDomainAssociation {
    pub name: String,
    pub status: String,
    /// (prefix, branch) of each sub-domain.
    pub sub_domains: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAmplifyApp {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub owned: bool,
    pub platform: String,
    /// A connected repository (then manual deployments are refused).
    pub repository: Option<String>,
    /// `{app id}.amplifyapp.com`: the branch serves at `{branch}.{this}`.
    pub default_domain: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAmplifyBranch {
    pub name: String,
    pub arn: String,
    pub env: std::collections::BTreeMap<String, String>,
    /// SHA-256 of the artifact the last successful release uploaded (a tag).
    pub artifact_sha256: Option<String>,
}

/// Everything observed live for one app and environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Live {
    pub network: LiveNetwork,
    #[serde(default)]
    pub database: LiveDatabase,
    #[serde(default)]
    /// Serialised as `support`, its name when saved plans' fingerprints
    /// were first taken.
    #[serde(rename = "support")]
    pub account: LiveAccount,
    #[serde(default)]
    pub service: LiveServiceTier,
    #[serde(default)]
    pub web: LiveWeb,
    /// Left out when there is nothing, so fingerprints of stacks without
    /// alarms stay what they were before the component existed.
    #[serde(default, skip_serializing_if = "crate::alarms::LiveAlarms::is_empty")]
    pub alarms: crate::alarms::LiveAlarms,
    /// Left out when there is nothing, as `alarms`.
    #[serde(
        default,
        skip_serializing_if = "crate::pipeline::LivePipeline::is_empty"
    )]
    pub pipeline: crate::pipeline::LivePipeline,
}

impl Live {
    /// SHA-256 (hex) of the observed state, independent of the order AWS
    /// listed things in: equal fingerprints mean nothing awsdeploy looks at
    /// has changed.
    pub fn fingerprint(&self) -> String {
        let mut canonical = self.clone();
        canonical.network.sort();
        canonical.database.sort();
        canonical.account.sort();
        canonical.service.sort();
        canonical.web.sort();
        canonical.alarms.sort();
        canonical.pipeline.sort();
        let json = serde_json::to_vec(&canonical).unwrap_or_default();
        awsdeploy_spec::artifact::sha256_hex(&json)
    }
}
