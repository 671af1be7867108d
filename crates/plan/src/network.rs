//! The network component: VPC, subnets, gateways, routes, security groups.
//!
//! [`desired`] derives the network a spec asks for; [`plan`] compares it with
//! what is live. Algorithm of [`plan`]:
//!
//! 1. Index every live resource by its `Name` tag; two live resources of one
//!    kind with the same name are an error (ownership must be unambiguous).
//! 2. Walk desired resources in dependency order (VPC, subnets, internet
//!    gateway, Elastic IPs, NAT gateways, route tables, routes, associations,
//!    security groups). For each: absent → create; present → compare the
//!    fields awsdeploy manages and emit an update of just those that differ;
//!    a difference that cannot be changed in place (a subnet's CIDR, the
//!    VPC's block) is a [`PlanError::Conflict`] that says what to do.
//! 3. References to other resources become [`Ref::Existing`] when the target
//!    is live and [`Ref::Planned`] (plus a dependency) when this plan creates
//!    it.
//! 4. Owned resources no desired resource matched are orphans: listed, kept.
//!
//! Only `0.0.0.0/0` routes are managed in awsdeploy's route tables; other
//! routes (peering, endpoints added by hand) are left alone.

use std::collections::{BTreeMap, BTreeSet};

use awsdeploy_spec::{NatMode, Spec};
use ipnet::Ipv4Net;

use crate::live::{
    LiveAddress, LiveIngressRule, LiveInternetGateway, LiveNatGateway, LiveNetwork, LiveRouteTable,
    LiveRuleSource, LiveSecurityGroup, LiveSubnet, LiveVpc,
};
use crate::{
    Action, ComponentId, ComponentPlan, FieldChange, Key, Orphan, PlanError, Ref, ResourceChange,
    ResourceKind,
};

mod component;
mod steps;
pub use component::Network;
pub use steps::{IngressRule, NetworkStep, RouteTarget, RuleSource};

/// The destination of the default route.
pub const ANY_IPV4: &str = "0.0.0.0/0";
/// `MySQL`'s port: what the database security group opens to the service.
pub const DATABASE_PORT: i32 = 3306;

/// Subnets are carved as 16 equal blocks of the VPC's range: public subnet
/// `i` takes block `i`, private subnet `i` takes block `8 + i`, so adding an
/// availability zone never moves an existing subnet.
const SUBNET_SPLIT_BITS: u8 = 4;
const PRIVATE_BLOCK_OFFSET: usize = 8;

/// The network the spec asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredNetwork {
    pub vpc: DesiredVpc,
    pub subnets: Vec<DesiredSubnet>,
    pub internet_gateway: String,
    pub nat_gateways: Vec<DesiredNatGateway>,
    pub route_tables: Vec<DesiredRouteTable>,
    pub security_groups: Vec<DesiredSecurityGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredVpc {
    pub name: String,
    pub cidr: Ipv4Net,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Public,
    Private,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredSubnet {
    pub name: String,
    pub tier: Tier,
    pub cidr: Ipv4Net,
    pub availability_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredNatGateway {
    pub name: String,
    /// Name of its Elastic IP.
    pub address: String,
    /// Name of the public subnet it lives in.
    pub subnet: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredRouteTable {
    pub name: String,
    /// The default route's target, if the table has one.
    pub default_route: Option<DesiredTarget>,
    /// Names of the subnets associated with it.
    pub subnets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesiredTarget {
    InternetGateway(String),
    NatGateway(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredSecurityGroup {
    pub name: String,
    pub description: String,
    pub ingress: Vec<DesiredIngress>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredIngress {
    pub port: i32,
    pub source: DesiredSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesiredSource {
    Cidr(String),
    /// Another desired security group, by name.
    Group(String),
}

/// `{app}-{env}-{suffix}` ([`crate::names::resource_name`]) for `spec`.
pub fn resource_name(spec: &Spec, suffix: &str) -> String {
    crate::names::resource_name(&spec.app.name, &spec.env, suffix)
}

/// The network resource `{app}-{env}-{suffix}` of `cx`'s plan: what exists,
/// or the network's change that creates it.
pub fn reference(cx: &crate::component::PlanContext<'_>, suffix: &str) -> Ref {
    cx.reference(&Key::Network(resource_name(cx.spec, suffix)))
}

/// The public or private subnets, one per zone.
pub fn subnets(cx: &crate::component::PlanContext<'_>, tier: &str) -> Vec<Ref> {
    (1..=cx.spec.network.azs)
        .map(|i| reference(cx, &format!("{tier}-{i}")))
        .collect()
}

/// The network `spec` asks for, in a region whose available zones are
/// `zones` (sorted; the first `network.azs` are used).
pub fn desired(spec: &Spec, zones: &[String]) -> Result<DesiredNetwork, PlanError> {
    let network = &spec.network;
    let azs = usize::from(network.azs);
    if zones.len() < azs {
        return Err(PlanError::NotEnoughZones {
            wanted: azs,
            zones: zones.to_vec(),
        });
    }
    let name = |suffix: &str| resource_name(spec, suffix);
    let blocks: Vec<Ipv4Net> = network
        .cidr
        .subnets(network.cidr.prefix_len() + SUBNET_SPLIT_BITS)
        .map_err(|_| PlanError::CidrTooSmall(network.cidr))?
        .collect();

    let mut subnets = Vec::new();
    for (tier, offset, label) in [
        (Tier::Public, 0, "public"),
        (Tier::Private, PRIVATE_BLOCK_OFFSET, "private"),
    ] {
        for (i, zone) in zones.iter().take(azs).enumerate() {
            subnets.push(DesiredSubnet {
                name: name(&format!("{label}-{}", i + 1)),
                tier,
                cidr: blocks[offset + i],
                availability_zone: zone.clone(),
            });
        }
    }

    let nat_count = match network.nat {
        NatMode::Single => 1,
        NatMode::PerAz => azs,
        NatMode::None => 0,
    };
    let nat_gateways: Vec<DesiredNatGateway> = (1..=nat_count)
        .map(|i| DesiredNatGateway {
            name: name(&format!("nat-{i}")),
            address: name(&format!("nat-{i}-ip")),
            subnet: name(&format!("public-{i}")),
        })
        .collect();

    let internet_gateway = name("igw");
    let mut route_tables = vec![DesiredRouteTable {
        name: name("public-rt"),
        default_route: Some(DesiredTarget::InternetGateway(internet_gateway.clone())),
        subnets: (1..=azs).map(|i| name(&format!("public-{i}"))).collect(),
    }];
    for i in 1..=azs {
        let nat = match network.nat {
            NatMode::Single => Some(&nat_gateways[0]),
            NatMode::PerAz => Some(&nat_gateways[i - 1]),
            NatMode::None => None,
        };
        route_tables.push(DesiredRouteTable {
            name: name(&format!("private-{i}-rt")),
            default_route: nat.map(|n| DesiredTarget::NatGateway(n.name.clone())),
            subnets: vec![name(&format!("private-{i}"))],
        });
    }

    let security_groups = security_groups(spec);

    Ok(DesiredNetwork {
        vpc: DesiredVpc {
            name: name("vpc"),
            cidr: network.cidr,
        },
        subnets,
        internet_gateway,
        nat_gateways,
        route_tables,
        security_groups,
    })
}

/// The network part of a plan, and how the rest of the plan refers to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPlan {
    pub plan: ComponentPlan,
    /// Name → ref of every desired resource: the live ones are the
    /// network's `live_refs`, which other components point at by key.
    pub refs: BTreeMap<String, Ref>,
}

/// Live resources of one kind, by `Name` tag.
struct ByName<'a, T> {
    items: BTreeMap<&'a str, &'a T>,
    matched: BTreeSet<&'a str>,
}

impl<'a, T> ByName<'a, T> {
    fn index(
        kind: ResourceKind,
        items: &'a [T],
        name: impl Fn(&'a T) -> Option<&'a str>,
        id: impl Fn(&'a T) -> &'a str,
    ) -> Result<Self, PlanError> {
        let mut map: BTreeMap<&str, &T> = BTreeMap::new();
        for item in items {
            let Some(n) = name(item) else { continue };
            if let Some(previous) = map.insert(n, item) {
                return Err(PlanError::Duplicate {
                    kind,
                    name: n.to_owned(),
                    ids: vec![id(previous).to_owned(), id(item).to_owned()],
                });
            }
        }
        Ok(ByName {
            items: map,
            matched: BTreeSet::new(),
        })
    }

    fn take(&mut self, name: &'a str) -> Option<&'a T> {
        let found = self.items.get(name).copied();
        if found.is_some() {
            self.matched.insert(name);
        }
        found
    }

    fn unmatched(&self) -> impl Iterator<Item = &'a T> + '_ {
        self.items
            .iter()
            .filter(|(name, _)| !self.matched.contains(*name))
            .map(|(_, item)| *item)
    }
}

/// Accumulates changes and resolves names to refs.
struct Planner {
    plan: ComponentPlan,
    /// Name → ref for every resource that exists or will be created.
    refs: BTreeMap<String, Ref>,
    /// Id → `Name` tag of every live resource, to show names, not ids.
    names: BTreeMap<String, String>,
}

impl Planner {
    /// The `Name` of the live resource `id`, or the id itself.
    fn display(&self, id: &str) -> String {
        self.names.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }

    fn reference(&self, name: &str) -> Ref {
        self.refs
            .get(name)
            .cloned()
            .unwrap_or_else(|| Ref::Planned(Key::Network(name.to_owned())))
    }

    fn exists(&mut self, name: &str, id: &str) {
        self.refs
            .insert(name.to_owned(), Ref::Existing(id.to_owned()));
    }

    fn push(&mut self, change: ResourceChange) {
        self.plan.push(change);
    }

    /// A change that creates `name`, which later steps refer to by it.
    fn create(
        &mut self,
        kind: ResourceKind,
        name: &str,
        fields: Vec<FieldChange>,
        steps: Vec<NetworkStep>,
    ) {
        let key = Key::Network(name.to_owned());
        self.refs.insert(name.to_owned(), Ref::Planned(key.clone()));
        self.push(ResourceChange::new(key, kind, name, Action::Create, steps).with_fields(fields));
    }
}

/// Compares the desired network with the live one.
pub fn plan(desired: &DesiredNetwork, live: &LiveNetwork) -> Result<NetworkPlan, PlanError> {
    let (live, duplicates) = &duplicates::without_duplicates(live)?;
    let mut found = Found::index(live)?;
    let mut p = Planner {
        plan: ComponentPlan {
            changes: duplicates.clone(),
            ..ComponentPlan::default()
        },
        refs: BTreeMap::new(),
        names: live_names(live),
    };
    let vpc = sections::vpc(desired, &mut p, &mut found)?;
    sections::subnets(desired, &mut p, &mut found, &vpc)?;
    sections::internet_gateway(desired, &mut p, &mut found, &vpc)?;
    sections::nat_gateways(desired, &mut p, &mut found)?;
    sections::route_tables(desired, live, &mut p, &mut found, &vpc);
    sections::security_groups(desired, &mut p, &mut found, &vpc);
    p.plan.orphans = found.orphans();
    Ok(NetworkPlan {
        plan: p.plan,
        refs: p.refs,
    })
}

/// The load balancer's, the service's and the database's groups, each
/// open only to the one before it.
fn security_groups(spec: &Spec) -> Vec<DesiredSecurityGroup> {
    let name = |suffix: &str| resource_name(spec, suffix);
    let lb = name("lb");
    let service = name("service");
    vec![
        DesiredSecurityGroup {
            name: lb.clone(),
            description: "load balancer: HTTP and HTTPS from anywhere".to_owned(),
            ingress: [80, 443]
                .into_iter()
                .map(|port| DesiredIngress {
                    port,
                    source: DesiredSource::Cidr(ANY_IPV4.to_owned()),
                })
                .chain(test_ingress(spec))
                .collect(),
        },
        DesiredSecurityGroup {
            name: service.clone(),
            description: "API service: container port from the load balancer only".to_owned(),
            ingress: vec![DesiredIngress {
                port: i32::from(spec.service_port()),
                source: DesiredSource::Group(lb),
            }],
        },
        DesiredSecurityGroup {
            name: name("db"),
            description: "database: MySQL from the API service only".to_owned(),
            ingress: vec![DesiredIngress {
                port: DATABASE_PORT,
                source: DesiredSource::Group(service),
            }],
        },
    ]
}

/// The test listener's port (`service.deploy.test_port`) from each of
/// `test_cidrs`. The group's description, which EC2 cannot change, stays
/// as it was.
fn test_ingress(spec: &Spec) -> impl Iterator<Item = DesiredIngress> + '_ {
    spec.service
        .iter()
        .filter_map(|s| Some((i32::from(s.deploy.test_port?), &s.deploy.test_cidrs)))
        .flat_map(|(port, cidrs)| {
            cidrs.iter().map(move |cidr| DesiredIngress {
                port,
                source: DesiredSource::Cidr(cidr.clone()),
            })
        })
}

/// What a task in the private subnets needs to reach AWS (ECR, Logs,
/// Secrets Manager) through a NAT gateway: the keys of their route tables'
/// default routes and associations, whether or not a plan changes them. A
/// Fargate task started before them fails with
/// `ResourceInitializationError`, so the service and the migration need
/// them.
pub fn egress_keys(desired: &DesiredNetwork) -> Vec<Key> {
    desired
        .route_tables
        .iter()
        .filter(|table| matches!(table.default_route, Some(DesiredTarget::NatGateway(_))))
        .flat_map(|table| {
            std::iter::once(Key::route(&table.name, ANY_IPV4))
                .chain(table.subnets.iter().map(|subnet| Key::association(subnet)))
        })
        .collect()
}

/// The live network by `Name`, one index per resource type; what the
/// sections do not take is an orphan.
struct Found<'a> {
    vpcs: ByName<'a, LiveVpc>,
    subnets: ByName<'a, LiveSubnet>,
    gateways: ByName<'a, LiveInternetGateway>,
    addresses: ByName<'a, LiveAddress>,
    nats: ByName<'a, LiveNatGateway>,
    tables: ByName<'a, LiveRouteTable>,
    groups: ByName<'a, LiveSecurityGroup>,
}

impl<'a> Found<'a> {
    fn index(live: &'a LiveNetwork) -> Result<Self, PlanError> {
        Ok(Found {
            vpcs: ByName::index(
                ResourceKind::Vpc,
                &live.vpcs,
                |v| v.name.as_deref(),
                |v| &v.id,
            )?,
            subnets: ByName::index(
                ResourceKind::Subnet,
                &live.subnets,
                |s| s.name.as_deref(),
                |s| &s.id,
            )?,
            gateways: ByName::index(
                ResourceKind::InternetGateway,
                &live.internet_gateways,
                |g| g.name.as_deref(),
                |g| &g.id,
            )?,
            addresses: ByName::index(
                ResourceKind::ElasticIp,
                &live.addresses,
                |a| a.name.as_deref(),
                |a| &a.allocation_id,
            )?,
            nats: ByName::index(
                ResourceKind::NatGateway,
                &live.nat_gateways,
                |n| n.name.as_deref(),
                |n| &n.id,
            )?,
            tables: ByName::index(
                ResourceKind::RouteTable,
                &live.route_tables,
                |t| t.name.as_deref(),
                |t| &t.id,
            )?,
            groups: ByName::index(
                ResourceKind::SecurityGroup,
                &live.security_groups,
                |g| g.name.as_deref(),
                |g| &g.id,
            )?,
        })
    }

    /// What no section took: owned, and no longer in the spec.
    fn orphans(&self) -> Vec<Orphan> {
        let Found {
            vpcs,
            subnets,
            gateways,
            addresses,
            nats,
            tables,
            groups,
        } = self;
        let mut orphans = Vec::new();
        let mut orphan = |kind, name: Option<&String>, id: &String| {
            orphans.push(Orphan {
                component: ComponentId::Network,
                kind,
                name: name.cloned().unwrap_or_default(),
                id: id.clone(),
            });
        };
        vpcs.unmatched()
            .for_each(|v| orphan(ResourceKind::Vpc, v.name.as_ref(), &v.id));
        subnets
            .unmatched()
            .for_each(|s| orphan(ResourceKind::Subnet, s.name.as_ref(), &s.id));
        gateways
            .unmatched()
            .for_each(|g| orphan(ResourceKind::InternetGateway, g.name.as_ref(), &g.id));
        addresses
            .unmatched()
            .for_each(|a| orphan(ResourceKind::ElasticIp, a.name.as_ref(), &a.allocation_id));
        nats.unmatched()
            .for_each(|n| orphan(ResourceKind::NatGateway, n.name.as_ref(), &n.id));
        tables
            .unmatched()
            .for_each(|t| orphan(ResourceKind::RouteTable, t.name.as_ref(), &t.id));
        groups
            .unmatched()
            .for_each(|g| orphan(ResourceKind::SecurityGroup, g.name.as_ref(), &g.id));

        orphans
    }
}

/// Id → `Name` tag of every named live resource.
fn live_names(live: &LiveNetwork) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let mut add = |id: &str, name: Option<&String>| {
        if let Some(name) = name {
            names.insert(id.to_owned(), name.clone());
        }
    };
    live.vpcs.iter().for_each(|v| add(&v.id, v.name.as_ref()));
    live.subnets
        .iter()
        .for_each(|s| add(&s.id, s.name.as_ref()));
    live.internet_gateways
        .iter()
        .for_each(|g| add(&g.id, g.name.as_ref()));
    live.addresses
        .iter()
        .for_each(|a| add(&a.allocation_id, a.name.as_ref()));
    live.nat_gateways
        .iter()
        .for_each(|n| add(&n.id, n.name.as_ref()));
    live.route_tables
        .iter()
        .for_each(|t| add(&t.id, t.name.as_ref()));
    live.security_groups
        .iter()
        .for_each(|g| add(&g.id, g.name.as_ref()));
    names
}

/// AWS spells protocols as names or numbers and `-1` for all; rules from
/// AWS become [`IngressRule`]s comparable with desired ones.
fn normalise_live_rule(rule: &LiveIngressRule) -> IngressRule {
    let protocol = match rule.protocol.to_ascii_lowercase().as_str() {
        "6" => "tcp".to_owned(),
        "17" => "udp".to_owned(),
        "1" => "icmp".to_owned(),
        other => other.to_owned(),
    };
    IngressRule {
        protocol,
        from_port: rule.from_port.unwrap_or(-1),
        to_port: rule.to_port.unwrap_or(-1),
        source: match &rule.source {
            LiveRuleSource::Cidr(c) => RuleSource::Cidr(c.clone()),
            LiveRuleSource::Group(g) => RuleSource::Group(Ref::Existing(g.clone())),
        },
    }
}

/// `tcp 443 from 0.0.0.0/0`, `tcp 8080 from shop-dev-lb`.
fn describe_rule(rule: &IngressRule, names: &BTreeMap<String, String>) -> String {
    let ports = if rule.from_port == rule.to_port {
        rule.from_port.to_string()
    } else {
        format!("{}-{}", rule.from_port, rule.to_port)
    };
    let source = match &rule.source {
        RuleSource::Cidr(c) => c.clone(),
        RuleSource::Group(Ref::Planned(key)) => key.to_string(),
        RuleSource::Group(Ref::Existing(id)) => {
            names.get(id).cloned().unwrap_or_else(|| id.clone())
        }
    };
    format!("{} {ports} from {source}", rule.protocol)
}

mod duplicates;
mod sections;
mod teardown;
#[cfg(test)]
mod tests;
