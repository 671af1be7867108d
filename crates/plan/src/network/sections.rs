//! The network plan, one function per part in the order they depend on
//! each other: the VPC, subnets, the internet gateway, Elastic IPs and NAT
//! gateways, route tables with their default routes and associations, and
//! security groups. Each takes what it matches from [`Found`]; what is left
//! is an orphan.

use std::collections::BTreeSet;

use super::{
    ANY_IPV4, DesiredNetwork, DesiredRouteTable, DesiredSource, DesiredTarget, Found, Planner,
    describe_rule, normalise_live_rule,
};
use crate::live::{LiveNetwork, LiveRouteTable};
use crate::{
    Action, FieldChange, IngressRule, Key, NetworkStep, PlanError, Ref, ResourceChange,
    ResourceKind, RouteTarget, RuleSource,
};

/// The VPC as the later parts see it.
pub(super) struct Vpc<'a> {
    pub name: &'a str,
    /// What exists, or the change that creates it.
    pub reference: Ref,
    /// The live VPC's id, when there is one.
    pub live_id: Option<&'a str>,
}

/// The VPC: created with DNS support and hostnames on; a changed block
/// is a conflict.
pub(super) fn vpc<'a>(
    desired: &'a DesiredNetwork,
    p: &mut Planner,
    found: &mut Found<'a>,
) -> Result<Vpc<'a>, PlanError> {
    let vpcs = &mut found.vpcs;
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
                NetworkStep::CreateVpc {
                    cidr: vpc_cidr.clone(),
                },
                NetworkStep::SetVpcDns {
                    vpc: Ref::Planned(Key::Network(vpc_name.to_owned())),
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
                p.plan.unchanged += 1;
            } else {
                let vpc_ref = Ref::Existing(vpc.id.clone());
                p.push(
                    ResourceChange::new(
                        Key::Network(vpc_name.to_owned()),
                        ResourceKind::Vpc,
                        vpc_name,
                        Action::Update,
                        vec![NetworkStep::SetVpcDns {
                            vpc: vpc_ref,
                            dns_support: true,
                            dns_hostnames: true,
                        }],
                    )
                    .on(Some(&vpc.id))
                    .with_fields(fields),
                );
            }
        }
    }
    Ok(Vpc {
        name: vpc_name,
        reference: p.reference(vpc_name),
        live_id: live_vpc.map(|v| v.id.as_str()),
    })
}

/// The subnets: one public and one private per zone; a subnet cannot
/// move in place.
pub(super) fn subnets<'a>(
    desired: &'a DesiredNetwork,
    p: &mut Planner,
    found: &mut Found<'a>,
    vpc: &Vpc<'a>,
) -> Result<(), PlanError> {
    let (vpc_name, vpc_ref, live_vpc_id) = (vpc.name, &vpc.reference, vpc.live_id);
    let subnets = &mut found.subnets;
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
                vec![NetworkStep::CreateSubnet {
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
                p.plan.unchanged += 1;
            }
        }
    }
    Ok(())
}

/// The internet gateway, attached to the VPC.
pub(super) fn internet_gateway<'a>(
    desired: &'a DesiredNetwork,
    p: &mut Planner,
    found: &mut Found<'a>,
    vpc: &Vpc<'a>,
) -> Result<(), PlanError> {
    let (vpc_name, vpc_ref, live_vpc_id) = (vpc.name, &vpc.reference, vpc.live_id);
    let gateways = &mut found.gateways;
    let igw_name = desired.internet_gateway.as_str();
    match gateways.take(igw_name) {
        None => p.create(
            ResourceKind::InternetGateway,
            igw_name,
            vec![FieldChange::set("attached_to", vpc_name)],
            vec![
                NetworkStep::CreateInternetGateway,
                NetworkStep::AttachInternetGateway {
                    gateway: Ref::Planned(Key::Network(igw_name.to_owned())),
                    vpc: vpc_ref.clone(),
                },
            ],
        ),
        Some(live) => {
            p.exists(igw_name, &live.id);
            match (&live.vpc_id, live_vpc_id) {
                (Some(attached), Some(vpc_id)) if attached == vpc_id => p.plan.unchanged += 1,
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
                        ResourceChange::new(
                            Key::Network(igw_name.to_owned()),
                            ResourceKind::InternetGateway,
                            igw_name,
                            Action::Update,
                            vec![NetworkStep::AttachInternetGateway {
                                gateway,
                                vpc: vpc_ref.clone(),
                            }],
                        )
                        .on(Some(&live.id))
                        .with_fields(vec![FieldChange::new(
                            "attached_to",
                            None::<String>,
                            Some(vpc_name),
                        )]),
                    );
                }
            }
        }
    }
    Ok(())
}

/// Elastic IPs and NAT gateways, each NAT after the internet gateway.
pub(super) fn nat_gateways<'a>(
    desired: &'a DesiredNetwork,
    p: &mut Planner,
    found: &mut Found<'a>,
) -> Result<(), PlanError> {
    let igw_name = desired.internet_gateway.as_str();
    let (addresses, nats) = (&mut found.addresses, &mut found.nats);
    for nat in &desired.nat_gateways {
        match addresses.take(&nat.address) {
            None => p.create(
                ResourceKind::ElasticIp,
                &nat.address,
                vec![FieldChange::set("for", &nat.name)],
                vec![NetworkStep::AllocateAddress],
            ),
            Some(live) => {
                p.exists(&nat.address, &live.allocation_id);
                p.plan.unchanged += 1;
            }
        }
        let subnet_ref = p.reference(&nat.subnet);
        match nats.take(&nat.name) {
            Some(live) if Ref::Existing(live.subnet_id.clone()) == subnet_ref => {
                p.exists(&nat.name, &live.id);
                p.plan.unchanged += 1;
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
                    vec![NetworkStep::CreateNatGateway {
                        subnet: subnet_ref,
                        address,
                    }],
                );
                // A public NAT gateway fails in a VPC without an attached
                // internet gateway: wait for the gateway's change, if any.
                if let Some(igw) = p.plan.planned(&Key::Network(igw_name.to_owned()))
                    && let Some(change) = p.plan.changes.pop()
                {
                    p.push(change.after([igw]));
                }
            }
        }
    }
    Ok(())
}

/// A table's default route (`0.0.0.0/0`): made, pointed at its gateway
/// again, or deleted when the spec has none.
fn default_route(
    p: &mut Planner,
    table: &DesiredRouteTable,
    live_table: Option<&LiveRouteTable>,
    table_ref: &Ref,
) {
    let live_default = live_table.and_then(|t| t.routes.iter().find(|r| r.destination == ANY_IPV4));
    let route_key = Key::route(&table.name, ANY_IPV4);
    let route_name = format!("{} {ANY_IPV4}", table.name);
    match (&table.default_route, live_default) {
        (None, None) => {}
        (None, Some(route)) => p.push(
            ResourceChange::new(
                route_key,
                ResourceKind::Route,
                &route_name,
                Action::Delete,
                vec![NetworkStep::DeleteRoute {
                    table: table_ref.clone(),
                    destination: ANY_IPV4.to_owned(),
                }],
            )
            .with_fields(vec![FieldChange::new(
                "target",
                Some(p.display(&route.target)),
                None::<String>,
            )]),
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
                    ResourceChange::new(
                        route_key,
                        ResourceKind::Route,
                        &route_name,
                        Action::Create,
                        vec![NetworkStep::CreateRoute {
                            table: table_ref.clone(),
                            destination: ANY_IPV4.to_owned(),
                            target: route_target,
                        }],
                    )
                    .with_fields(vec![FieldChange::set("target", target_name)]),
                ),
                Some(route) if Ref::Existing(route.target.clone()) == *route_target.target() => {
                    p.plan.unchanged += 1;
                }
                Some(route) => p.push(
                    ResourceChange::new(
                        route_key,
                        ResourceKind::Route,
                        &route_name,
                        Action::Update,
                        vec![NetworkStep::ReplaceRoute {
                            table: table_ref.clone(),
                            destination: ANY_IPV4.to_owned(),
                            target: route_target,
                        }],
                    )
                    .with_fields(vec![FieldChange::new(
                        "target",
                        Some(p.display(&route.target)),
                        Some(target_name),
                    )]),
                ),
            }
        }
    }
}

/// Route tables, their default routes and subnet associations.
pub(super) fn route_tables<'a>(
    desired: &'a DesiredNetwork,
    live: &LiveNetwork,
    p: &mut Planner,
    found: &mut Found<'a>,
    vpc: &Vpc<'a>,
) {
    let (vpc_name, vpc_ref) = (vpc.name, &vpc.reference);
    let tables = &mut found.tables;
    for table in &desired.route_tables {
        let live_table = tables.take(&table.name);
        match live_table {
            None => p.create(
                ResourceKind::RouteTable,
                &table.name,
                vec![FieldChange::set("vpc", vpc_name)],
                vec![NetworkStep::CreateRouteTable {
                    vpc: vpc_ref.clone(),
                }],
            ),
            Some(live) => {
                p.exists(&table.name, &live.id);
                p.plan.unchanged += 1;
            }
        }
        let table_ref = p.reference(&table.name);
        default_route(p, table, live_table, &table_ref);
        associations(live, p, table, &table_ref);
    }
}

/// The subnets' associations with `table`: made, moved from another of
/// our tables, or already there.
fn associations(live: &LiveNetwork, p: &mut Planner, table: &DesiredRouteTable, table_ref: &Ref) {
    for subnet_name in &table.subnets {
        let subnet_ref = p.reference(subnet_name);
        let key = Key::association(subnet_name);
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
            Some((t, _)) if Ref::Existing(t.id.clone()) == *table_ref => p.plan.unchanged += 1,
            Some((t, association)) => {
                let old = p.display(&t.id);
                p.push(
                    ResourceChange::new(
                        key,
                        ResourceKind::RouteTableAssociation,
                        &name,
                        Action::Update,
                        vec![NetworkStep::ReplaceRouteTableAssociation {
                            association_id: association.id.clone(),
                            table: table_ref.clone(),
                        }],
                    )
                    .on(Some(&association.id))
                    .with_fields(vec![FieldChange::new(
                        "route_table",
                        Some(old),
                        Some(table.name.as_str()),
                    )]),
                );
            }
            None => p.push(
                ResourceChange::new(
                    key,
                    ResourceKind::RouteTableAssociation,
                    &name,
                    Action::Create,
                    vec![NetworkStep::AssociateRouteTable {
                        table: table_ref.clone(),
                        subnet: subnet_ref,
                    }],
                )
                .with_fields(vec![FieldChange::set("route_table", &table.name)]),
            ),
        }
    }
}

/// Security groups, in order: each one's rules may name the one before.
pub(super) fn security_groups<'a>(
    desired: &'a DesiredNetwork,
    p: &mut Planner,
    found: &mut Found<'a>,
    vpc: &Vpc<'a>,
) {
    let (vpc_name, vpc_ref) = (vpc.name, &vpc.reference);
    let groups = &mut found.groups;
    for group in &desired.security_groups {
        let live_group = groups.take(&group.name);
        if let Some(live) = live_group {
            p.exists(&group.name, &live.id);
        } else {
            p.refs.insert(
                group.name.clone(),
                Ref::Planned(Key::Network(group.name.clone())),
            );
        }
        let wanted = wanted_rules(group, p);
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
                    NetworkStep::CreateSecurityGroup {
                        vpc: vpc_ref.clone(),
                        group_name: group.name.clone(),
                        description: group.description.clone(),
                    },
                    NetworkStep::AuthorizeIngress {
                        group: Ref::Planned(Key::Network(group.name.clone())),
                        rules: wanted.into_iter().collect(),
                    },
                ];
                p.push(
                    ResourceChange::new(
                        Key::Network(group.name.clone()),
                        ResourceKind::SecurityGroup,
                        &group.name,
                        Action::Create,
                        steps,
                    )
                    .with_fields(fields),
                );
            }
            Some(live) => {
                let have: BTreeSet<IngressRule> =
                    live.ingress.iter().map(normalise_live_rule).collect();
                let add: Vec<IngressRule> = wanted.difference(&have).cloned().collect();
                let remove: Vec<IngressRule> = have.difference(&wanted).cloned().collect();
                if add.is_empty() && remove.is_empty() {
                    p.plan.unchanged += 1;
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
                    steps.push(NetworkStep::AuthorizeIngress {
                        group: group_ref.clone(),
                        rules: add,
                    });
                }
                if !remove.is_empty() {
                    steps.push(NetworkStep::RevokeIngress {
                        group: group_ref,
                        rules: remove,
                    });
                }
                p.push(
                    ResourceChange::new(
                        Key::Network(group.name.clone()),
                        ResourceKind::SecurityGroup,
                        &group.name,
                        Action::Update,
                        steps,
                    )
                    .on(Some(&live.id))
                    .with_fields(fields),
                );
            }
        }
    }
}

/// A group's ingress rules as the spec wants them.
fn wanted_rules(group: &super::DesiredSecurityGroup, p: &Planner) -> BTreeSet<IngressRule> {
    group
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
        .collect()
}
