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

use crate::PlanError;
use crate::live::{LiveIngressRule, LiveNetwork, LiveRuleSource};
use crate::plan::{Action, Component, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::step::{IngressRule, Ref, RouteTarget, RuleSource, Step};

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

/// `{app}-{env}-{suffix}`: every name awsdeploy gives.
pub fn resource_name(spec: &Spec, suffix: &str) -> String {
    format!("{}-{}-{suffix}", spec.app.name, spec.env)
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

    let lb = name("lb");
    let service = name("service");
    let security_groups = vec![
        DesiredSecurityGroup {
            name: lb.clone(),
            description: "load balancer: HTTP and HTTPS from anywhere".to_owned(),
            ingress: [80, 443]
                .into_iter()
                .map(|port| DesiredIngress {
                    port,
                    source: DesiredSource::Cidr(ANY_IPV4.to_owned()),
                })
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
    ];

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

/// The network part of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPlan {
    pub changes: Vec<ResourceChange>,
    pub unchanged: usize,
    pub orphans: Vec<Orphan>,
    /// Name → ref of every desired resource, for components that point at
    /// the network (the database's subnets and security group).
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
    changes: Vec<ResourceChange>,
    unchanged: usize,
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
            .unwrap_or_else(|| Ref::Planned(name.to_owned()))
    }

    fn exists(&mut self, name: &str, id: &str) {
        self.refs
            .insert(name.to_owned(), Ref::Existing(id.to_owned()));
    }

    #[allow(clippy::too_many_arguments)] // private; the arguments are the change's fields
    fn push(
        &mut self,
        kind: ResourceKind,
        key: &str,
        name: &str,
        action: Action,
        id: Option<&str>,
        fields: Vec<FieldChange>,
        steps: Vec<Step>,
    ) {
        let depends_on = ResourceChange::dependencies(key, &steps);
        self.changes.push(ResourceChange {
            key: key.to_owned(),
            component: Component::Network,
            kind,
            name: name.to_owned(),
            action,
            id: id.map(str::to_owned),
            fields,
            depends_on,
            steps,
        });
    }

    fn create(
        &mut self,
        kind: ResourceKind,
        name: &str,
        fields: Vec<FieldChange>,
        steps: Vec<Step>,
    ) {
        self.refs
            .insert(name.to_owned(), Ref::Planned(name.to_owned()));
        self.push(kind, name, name, Action::Create, None, fields, steps);
    }
}

/// Compares the desired network with the live one.
#[allow(clippy::too_many_lines)] // one pass in dependency order reads best as one function
pub fn plan(desired: &DesiredNetwork, live: &LiveNetwork) -> Result<NetworkPlan, PlanError> {
    let (live, duplicates) = &duplicates::without_duplicates(live)?;
    let mut vpcs = ByName::index(
        ResourceKind::Vpc,
        &live.vpcs,
        |v| v.name.as_deref(),
        |v| &v.id,
    )?;
    let mut subnets = ByName::index(
        ResourceKind::Subnet,
        &live.subnets,
        |s| s.name.as_deref(),
        |s| &s.id,
    )?;
    let mut gateways = ByName::index(
        ResourceKind::InternetGateway,
        &live.internet_gateways,
        |g| g.name.as_deref(),
        |g| &g.id,
    )?;
    let mut addresses = ByName::index(
        ResourceKind::ElasticIp,
        &live.addresses,
        |a| a.name.as_deref(),
        |a| &a.allocation_id,
    )?;
    let mut nats = ByName::index(
        ResourceKind::NatGateway,
        &live.nat_gateways,
        |n| n.name.as_deref(),
        |n| &n.id,
    )?;
    let mut tables = ByName::index(
        ResourceKind::RouteTable,
        &live.route_tables,
        |t| t.name.as_deref(),
        |t| &t.id,
    )?;
    let mut groups = ByName::index(
        ResourceKind::SecurityGroup,
        &live.security_groups,
        |g| g.name.as_deref(),
        |g| &g.id,
    )?;

    let mut p = Planner {
        changes: Vec::new(),
        unchanged: 0,
        refs: BTreeMap::new(),
        names: live_names(live),
    };

    // 1. VPC
    let vpc_name = desired.vpc.name.as_str();
    let vpc_cidr = desired.vpc.cidr.to_string();
    let live_vpc = vpcs.take(vpc_name);
    match live_vpc {
        None => p.create(
            ResourceKind::Vpc,
            vpc_name,
            vec![
                FieldChange::set("cidr", &vpc_cidr),
                FieldChange::set("dns_support", "on"),
                FieldChange::set("dns_hostnames", "on"),
            ],
            vec![
                Step::CreateVpc {
                    cidr: vpc_cidr.clone(),
                },
                Step::SetVpcDns {
                    vpc: Ref::Planned(vpc_name.to_owned()),
                    dns_support: true,
                    dns_hostnames: true,
                },
            ],
        ),
        Some(vpc) => {
            if vpc.cidr != vpc_cidr {
                return Err(PlanError::Conflict {
                    kind: ResourceKind::Vpc,
                    name: vpc_name.to_owned(),
                    problem: format!(
                        "the live VPC {} has the block {}, the spec asks for {vpc_cidr}",
                        vpc.id, vpc.cidr
                    ),
                    hint: format!(
                        "a VPC's block cannot change in place: set network.cidr back to \"{}\", or move to a new env",
                        vpc.cidr
                    ),
                });
            }
            p.exists(vpc_name, &vpc.id);
            let mut fields = Vec::new();
            if !vpc.dns_support {
                fields.push(FieldChange::new("dns_support", Some("off"), Some("on")));
            }
            if !vpc.dns_hostnames {
                fields.push(FieldChange::new("dns_hostnames", Some("off"), Some("on")));
            }
            if fields.is_empty() {
                p.unchanged += 1;
            } else {
                let vpc_ref = Ref::Existing(vpc.id.clone());
                p.push(
                    ResourceKind::Vpc,
                    vpc_name,
                    vpc_name,
                    Action::Update,
                    Some(&vpc.id),
                    fields,
                    vec![Step::SetVpcDns {
                        vpc: vpc_ref,
                        dns_support: true,
                        dns_hostnames: true,
                    }],
                );
            }
        }
    }
    let vpc_ref = p.reference(vpc_name);
    let live_vpc_id = live_vpc.map(|v| v.id.as_str());

    // 2. Subnets
    for subnet in &desired.subnets {
        let cidr = subnet.cidr.to_string();
        match subnets.take(&subnet.name) {
            None => p.create(
                ResourceKind::Subnet,
                &subnet.name,
                vec![
                    FieldChange::set("cidr", &cidr),
                    FieldChange::set("availability_zone", &subnet.availability_zone),
                ],
                vec![Step::CreateSubnet {
                    vpc: vpc_ref.clone(),
                    cidr: cidr.clone(),
                    availability_zone: subnet.availability_zone.clone(),
                }],
            ),
            Some(live) => {
                if live.cidr != cidr
                    || live.availability_zone != subnet.availability_zone
                    || Some(live.vpc_id.as_str()) != live_vpc_id
                {
                    return Err(PlanError::Conflict {
                        kind: ResourceKind::Subnet,
                        name: subnet.name.clone(),
                        problem: format!(
                            "the live subnet {} is {} in {} (VPC {}); the spec asks for {cidr} in {} in the VPC {vpc_name}",
                            live.id, live.cidr, live.availability_zone, live.vpc_id, subnet.availability_zone
                        ),
                        hint: "a subnet cannot move in place: restore network.cidr and network.azs, or delete the subnet by hand so awsdeploy recreates it".to_owned(),
                    });
                }
                p.exists(&subnet.name, &live.id);
                p.unchanged += 1;
            }
        }
    }

    // 3. Internet gateway
    let igw_name = desired.internet_gateway.as_str();
    match gateways.take(igw_name) {
        None => p.create(
            ResourceKind::InternetGateway,
            igw_name,
            vec![FieldChange::set("attached_to", vpc_name)],
            vec![
                Step::CreateInternetGateway,
                Step::AttachInternetGateway {
                    gateway: Ref::Planned(igw_name.to_owned()),
                    vpc: vpc_ref.clone(),
                },
            ],
        ),
        Some(live) => {
            p.exists(igw_name, &live.id);
            match (&live.vpc_id, live_vpc_id) {
                (Some(attached), Some(vpc_id)) if attached == vpc_id => p.unchanged += 1,
                (Some(attached), _) => {
                    return Err(PlanError::Conflict {
                        kind: ResourceKind::InternetGateway,
                        name: igw_name.to_owned(),
                        problem: format!(
                            "{} is attached to {attached}, not to the VPC {vpc_name}",
                            live.id
                        ),
                        hint: format!(
                            "detach it by hand (aws ec2 detach-internet-gateway --internet-gateway-id {} --vpc-id {attached})",
                            live.id
                        ),
                    });
                }
                (None, _) => {
                    let gateway = Ref::Existing(live.id.clone());
                    p.push(
                        ResourceKind::InternetGateway,
                        igw_name,
                        igw_name,
                        Action::Update,
                        Some(&live.id),
                        vec![FieldChange::new(
                            "attached_to",
                            None::<String>,
                            Some(vpc_name),
                        )],
                        vec![Step::AttachInternetGateway {
                            gateway,
                            vpc: vpc_ref.clone(),
                        }],
                    );
                }
            }
        }
    }

    // 4. Elastic IPs and NAT gateways
    for nat in &desired.nat_gateways {
        match addresses.take(&nat.address) {
            None => p.create(
                ResourceKind::ElasticIp,
                &nat.address,
                vec![FieldChange::set("for", &nat.name)],
                vec![Step::AllocateAddress],
            ),
            Some(live) => {
                p.exists(&nat.address, &live.allocation_id);
                p.unchanged += 1;
            }
        }
        let subnet_ref = p.reference(&nat.subnet);
        match nats.take(&nat.name) {
            Some(live) if Ref::Existing(live.subnet_id.clone()) == subnet_ref => {
                p.exists(&nat.name, &live.id);
                p.unchanged += 1;
            }
            Some(live) if subnet_ref.planned_key().is_none() => {
                return Err(PlanError::Conflict {
                    kind: ResourceKind::NatGateway,
                    name: nat.name.clone(),
                    problem: format!(
                        "{} is in subnet {}, not in {}",
                        live.id, live.subnet_id, nat.subnet
                    ),
                    hint: format!(
                        "delete it by hand (aws ec2 delete-nat-gateway --nat-gateway-id {}) so awsdeploy recreates it",
                        live.id
                    ),
                });
            }
            // Absent, or its subnet is gone and will be recreated.
            _ => {
                let address = p.reference(&nat.address);
                p.create(
                    ResourceKind::NatGateway,
                    &nat.name,
                    vec![
                        FieldChange::set("subnet", &nat.subnet),
                        FieldChange::set("elastic_ip", &nat.address),
                    ],
                    vec![Step::CreateNatGateway {
                        subnet: subnet_ref,
                        address,
                    }],
                );
                // A public NAT gateway fails in a VPC without an attached
                // internet gateway: wait for the gateway's change, if any.
                if p.changes.iter().any(|c| c.key == igw_name)
                    && let Some(change) = p.changes.last_mut()
                {
                    change.depends_on.push(igw_name.to_owned());
                    change.depends_on.sort();
                }
            }
        }
    }

    // 5. Route tables, their default routes and associations
    for table in &desired.route_tables {
        let live_table = tables.take(&table.name);
        match live_table {
            None => p.create(
                ResourceKind::RouteTable,
                &table.name,
                vec![FieldChange::set("vpc", vpc_name)],
                vec![Step::CreateRouteTable {
                    vpc: vpc_ref.clone(),
                }],
            ),
            Some(live) => {
                p.exists(&table.name, &live.id);
                p.unchanged += 1;
            }
        }
        let table_ref = p.reference(&table.name);
        let live_default =
            live_table.and_then(|t| t.routes.iter().find(|r| r.destination == ANY_IPV4));
        let route_key = format!("{}:{ANY_IPV4}", table.name);
        let route_name = format!("{} {ANY_IPV4}", table.name);
        match (&table.default_route, live_default) {
            (None, None) => {}
            (None, Some(route)) => p.push(
                ResourceKind::Route,
                &route_key,
                &route_name,
                Action::Delete,
                None,
                vec![FieldChange::new(
                    "target",
                    Some(p.display(&route.target)),
                    None::<String>,
                )],
                vec![Step::DeleteRoute {
                    table: table_ref.clone(),
                    destination: ANY_IPV4.to_owned(),
                }],
            ),
            (Some(target), live_route) => {
                let (target_name, route_target) = match target {
                    DesiredTarget::InternetGateway(n) => {
                        (n, RouteTarget::InternetGateway(p.reference(n)))
                    }
                    DesiredTarget::NatGateway(n) => (n, RouteTarget::NatGateway(p.reference(n))),
                };
                match live_route {
                    None => p.push(
                        ResourceKind::Route,
                        &route_key,
                        &route_name,
                        Action::Create,
                        None,
                        vec![FieldChange::set("target", target_name)],
                        vec![Step::CreateRoute {
                            table: table_ref.clone(),
                            destination: ANY_IPV4.to_owned(),
                            target: route_target,
                        }],
                    ),
                    Some(route)
                        if Ref::Existing(route.target.clone()) == *route_target.target() =>
                    {
                        p.unchanged += 1;
                    }
                    Some(route) => p.push(
                        ResourceKind::Route,
                        &route_key,
                        &route_name,
                        Action::Update,
                        None,
                        vec![FieldChange::new(
                            "target",
                            Some(p.display(&route.target)),
                            Some(target_name),
                        )],
                        vec![Step::ReplaceRoute {
                            table: table_ref.clone(),
                            destination: ANY_IPV4.to_owned(),
                            target: route_target,
                        }],
                    ),
                }
            }
        }

        for subnet_name in &table.subnets {
            let subnet_ref = p.reference(subnet_name);
            let key = format!("{subnet_name}:association");
            let name = format!("{subnet_name} → {}", table.name);
            // The subnet's current explicit association in one of our tables.
            let current = match &subnet_ref {
                Ref::Existing(subnet_id) => live.route_tables.iter().find_map(|t| {
                    t.associations
                        .iter()
                        .find(|a| &a.subnet_id == subnet_id)
                        .map(|a| (t, a))
                }),
                Ref::Planned(_) => None,
            };
            match current {
                Some((t, _)) if Ref::Existing(t.id.clone()) == table_ref => p.unchanged += 1,
                Some((t, association)) => {
                    let old = p.display(&t.id);
                    p.push(
                        ResourceKind::RouteTableAssociation,
                        &key,
                        &name,
                        Action::Update,
                        Some(&association.id),
                        vec![FieldChange::new(
                            "route_table",
                            Some(old),
                            Some(table.name.as_str()),
                        )],
                        vec![Step::ReplaceRouteTableAssociation {
                            association_id: association.id.clone(),
                            table: table_ref.clone(),
                        }],
                    );
                }
                None => p.push(
                    ResourceKind::RouteTableAssociation,
                    &key,
                    &name,
                    Action::Create,
                    None,
                    vec![FieldChange::set("route_table", &table.name)],
                    vec![Step::AssociateRouteTable {
                        table: table_ref.clone(),
                        subnet: subnet_ref,
                    }],
                ),
            }
        }
    }

    // 6. Security groups, in order: each one's rules may name the one before.
    for group in &desired.security_groups {
        let live_group = groups.take(&group.name);
        if let Some(live) = live_group {
            p.exists(&group.name, &live.id);
        } else {
            p.refs
                .insert(group.name.clone(), Ref::Planned(group.name.clone()));
        }
        let wanted: BTreeSet<IngressRule> = group
            .ingress
            .iter()
            .map(|rule| IngressRule {
                protocol: "tcp".to_owned(),
                from_port: rule.port,
                to_port: rule.port,
                source: match &rule.source {
                    DesiredSource::Cidr(c) => RuleSource::Cidr(c.clone()),
                    DesiredSource::Group(g) => RuleSource::Group(p.reference(g)),
                },
            })
            .collect();
        let describe = |rule: &IngressRule| describe_rule(rule, &p.names);
        match live_group {
            None => {
                let mut fields = vec![FieldChange::set("vpc", vpc_name)];
                fields.extend(
                    wanted
                        .iter()
                        .map(|r| FieldChange::set("ingress", describe(r))),
                );
                let steps = vec![
                    Step::CreateSecurityGroup {
                        vpc: vpc_ref.clone(),
                        group_name: group.name.clone(),
                        description: group.description.clone(),
                    },
                    Step::AuthorizeIngress {
                        group: Ref::Planned(group.name.clone()),
                        rules: wanted.into_iter().collect(),
                    },
                ];
                p.push(
                    ResourceKind::SecurityGroup,
                    &group.name,
                    &group.name,
                    Action::Create,
                    None,
                    fields,
                    steps,
                );
            }
            Some(live) => {
                let have: BTreeSet<IngressRule> =
                    live.ingress.iter().map(normalise_live_rule).collect();
                let add: Vec<IngressRule> = wanted.difference(&have).cloned().collect();
                let remove: Vec<IngressRule> = have.difference(&wanted).cloned().collect();
                if add.is_empty() && remove.is_empty() {
                    p.unchanged += 1;
                    continue;
                }
                let mut fields: Vec<FieldChange> = add
                    .iter()
                    .map(|r| FieldChange::set("ingress", describe(r)))
                    .collect();
                fields.extend(
                    remove
                        .iter()
                        .map(|r| FieldChange::new("ingress", Some(describe(r)), None::<String>)),
                );
                let group_ref = Ref::Existing(live.id.clone());
                let mut steps = Vec::new();
                if !add.is_empty() {
                    steps.push(Step::AuthorizeIngress {
                        group: group_ref.clone(),
                        rules: add,
                    });
                }
                if !remove.is_empty() {
                    steps.push(Step::RevokeIngress {
                        group: group_ref,
                        rules: remove,
                    });
                }
                p.push(
                    ResourceKind::SecurityGroup,
                    &group.name,
                    &group.name,
                    Action::Update,
                    Some(&live.id),
                    fields,
                    steps,
                );
            }
        }
    }

    // 7. Orphans
    let mut orphans = Vec::new();
    let mut orphan = |kind, name: Option<&String>, id: &String| {
        orphans.push(Orphan {
            component: Component::Network,
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

    let mut changes = duplicates.clone();
    changes.extend(p.changes);
    Ok(NetworkPlan {
        changes,
        unchanged: p.unchanged,
        orphans,
        refs: p.refs,
    })
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
        RuleSource::Group(Ref::Planned(name)) => name.clone(),
        RuleSource::Group(Ref::Existing(id)) => {
            names.get(id).cloned().unwrap_or_else(|| id.clone())
        }
    };
    format!("{} {ports} from {source}", rule.protocol)
}

mod duplicates;
#[cfg(test)]
mod tests;
