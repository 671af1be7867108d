//! `down` for the network: NAT gateways, then their Elastic IPs; route
//! tables; the internet gateway once no address is mapped; subnets once
//! the NAT gateways in them and the route tables are gone; each security
//! group after the groups whose rules name it (each revokes its own rules
//! first); the VPC last.

use super::normalise_live_rule;
use crate::live::{LiveNetwork, LiveRuleSource, LiveSecurityGroup};
use crate::{
    Action, ComponentPlan, IngressRule, Key, NetworkStep, Ref, ResourceChange, ResourceKind,
};

fn key(name: Option<&String>, id: &str) -> Key {
    Key::Network(name.cloned().unwrap_or_else(|| id.to_owned()))
}

fn delete(
    name: Option<&String>,
    id: &str,
    kind: ResourceKind,
    steps: Vec<NetworkStep>,
) -> ResourceChange {
    let label = name.cloned().unwrap_or_else(|| id.to_owned());
    ResourceChange::new(key(name, id), kind, &label, Action::Delete, steps).on(Some(id))
}

pub(crate) fn teardown(live: &LiveNetwork) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    let gateways = gateways(live, &mut out);
    let tables = route_tables_and_subnets(live, &gateways, &mut out);
    let groups = security_groups(live, &mut out);
    for vpc in &live.vpcs {
        let everything: Vec<Key> = [gateways.all.clone(), tables.clone(), groups.clone()].concat();
        out.push(
            delete(
                vpc.name.as_ref(),
                &vpc.id,
                ResourceKind::Vpc,
                vec![NetworkStep::DeleteVpc { id: vpc.id.clone() }],
            )
            .after(everything),
        );
    }
    out
}

/// The keys of the gateways' deletes.
struct Gateways {
    /// NAT gateway key → its subnet's id.
    nats: Vec<(Key, String)>,
    all: Vec<Key>,
}

/// NAT gateways, their Elastic IPs after them, then the internet gateway.
fn gateways(live: &LiveNetwork, out: &mut ComponentPlan) -> Gateways {
    let mut nats = Vec::new();
    for nat in &live.nat_gateways {
        nats.push((key(nat.name.as_ref(), &nat.id), nat.subnet_id.clone()));
        out.push(delete(
            nat.name.as_ref(),
            &nat.id,
            ResourceKind::NatGateway,
            vec![NetworkStep::DeleteNatGateway { id: nat.id.clone() }],
        ));
    }
    let mut all: Vec<Key> = nats.iter().map(|(k, _)| k.clone()).collect();
    let nat_keys = all.clone();
    for address in &live.addresses {
        all.push(key(address.name.as_ref(), &address.allocation_id));
        out.push(
            delete(
                address.name.as_ref(),
                &address.allocation_id,
                ResourceKind::ElasticIp,
                vec![NetworkStep::ReleaseAddress {
                    allocation_id: address.allocation_id.clone(),
                }],
            )
            .after(nat_keys.clone()),
        );
    }
    let before_gateway = all.clone();
    for gateway in &live.internet_gateways {
        all.push(key(gateway.name.as_ref(), &gateway.id));
        out.push(
            delete(
                gateway.name.as_ref(),
                &gateway.id,
                ResourceKind::InternetGateway,
                vec![NetworkStep::DeleteInternetGateway {
                    id: gateway.id.clone(),
                    vpc: gateway.vpc_id.clone(),
                }],
            )
            .after(before_gateway.clone()),
        );
    }
    Gateways { nats, all }
}

/// Route tables (disassociated first), then subnets; returns both's keys.
fn route_tables_and_subnets(
    live: &LiveNetwork,
    gateways: &Gateways,
    out: &mut ComponentPlan,
) -> Vec<Key> {
    let mut keys = Vec::new();
    for table in &live.route_tables {
        keys.push(key(table.name.as_ref(), &table.id));
        out.push(delete(
            table.name.as_ref(),
            &table.id,
            ResourceKind::RouteTable,
            vec![NetworkStep::DeleteRouteTable {
                id: table.id.clone(),
                associations: table.associations.iter().map(|a| a.id.clone()).collect(),
            }],
        ));
    }
    let tables = keys.clone();
    for subnet in &live.subnets {
        keys.push(key(subnet.name.as_ref(), &subnet.id));
        let nats_in_it = gateways
            .nats
            .iter()
            .filter(|(_, s)| *s == subnet.id)
            .map(|(k, _)| k.clone());
        out.push(
            delete(
                subnet.name.as_ref(),
                &subnet.id,
                ResourceKind::Subnet,
                vec![NetworkStep::DeleteSubnet {
                    id: subnet.id.clone(),
                }],
            )
            .after(nats_in_it.chain(tables.iter().cloned())),
        );
    }
    keys
}

/// Each group after those whose rules name it; each revokes its own rules
/// that name another group first.
fn security_groups(live: &LiveNetwork, out: &mut ComponentPlan) -> Vec<Key> {
    let names = |group: &LiveSecurityGroup, other: &LiveSecurityGroup| {
        other.id != group.id
            && other
                .ingress
                .iter()
                .any(|r| r.source == LiveRuleSource::Group(group.id.clone()))
    };
    let mut keys = Vec::new();
    for group in &live.security_groups {
        keys.push(key(group.name.as_ref(), &group.id));
        let naming_it = live
            .security_groups
            .iter()
            .filter(|other| names(group, other))
            .map(|other| key(other.name.as_ref(), &other.id));
        let own_rules: Vec<IngressRule> = group
            .ingress
            .iter()
            .filter(|r| matches!(r.source, LiveRuleSource::Group(_)))
            .map(normalise_live_rule)
            .collect();
        let mut steps = Vec::new();
        if !own_rules.is_empty() {
            steps.push(NetworkStep::RevokeIngress {
                group: Ref::Existing(group.id.clone()),
                rules: own_rules,
            });
        }
        steps.push(NetworkStep::DeleteSecurityGroup {
            id: group.id.clone(),
        });
        out.push(
            delete(
                group.name.as_ref(),
                &group.id,
                ResourceKind::SecurityGroup,
                steps,
            )
            .after(naming_it),
        );
    }
    keys
}
