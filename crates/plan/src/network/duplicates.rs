//! Two owned resources of one name: what a create whose answer was lost
//! leaves behind (the SDK, or an earlier awsdeploy, sent it again).

use std::collections::{BTreeMap, BTreeSet};

use crate::live::LiveNetwork;
use crate::{Action, FieldChange, Key, NetworkStep, PlanError, ResourceChange, ResourceKind};

/// `live` with one resource per name, and the changes that delete the
/// others. Two owned resources of one name are what a create whose answer
/// was lost leaves (the SDK, or an earlier awsdeploy, sent it again). Of
/// VPCs, subnets, internet gateways, Elastic IPs and route tables, the one
/// in use (with something in it, attached or associated) is kept and the empty ones are
/// deleted; when none is in use the lowest id is kept. When more than one
/// is in use awsdeploy cannot choose: the plan stops and says which.
pub(super) fn without_duplicates(
    live: &LiveNetwork,
) -> Result<(LiveNetwork, Vec<ResourceChange>), PlanError> {
    let mut deletions = Vec::new();
    let pairs = |items: Vec<(Option<&String>, &String)>| -> Vec<(String, String)> {
        items
            .into_iter()
            .filter_map(|(n, id)| Some((n?.clone(), id.clone())))
            .collect()
    };
    let vpcs = drop_duplicates(
        ResourceKind::Vpc,
        pairs(live.vpcs.iter().map(|v| (v.name.as_ref(), &v.id)).collect()),
        |id| vpc_in_use(id, live),
        &mut deletions,
    )?;
    let subnets = drop_duplicates(
        ResourceKind::Subnet,
        pairs(
            live.subnets
                .iter()
                .map(|v| (v.name.as_ref(), &v.id))
                .collect(),
        ),
        |id| subnet_in_use(id, live),
        &mut deletions,
    )?;
    let gateways = drop_duplicates(
        ResourceKind::InternetGateway,
        pairs(
            live.internet_gateways
                .iter()
                .map(|v| (v.name.as_ref(), &v.id))
                .collect(),
        ),
        |id| {
            live.internet_gateways
                .iter()
                .any(|g| g.id == id && g.vpc_id.is_some())
        },
        &mut deletions,
    )?;
    let addresses = drop_duplicates(
        ResourceKind::ElasticIp,
        pairs(
            live.addresses
                .iter()
                .map(|v| (v.name.as_ref(), &v.allocation_id))
                .collect(),
        ),
        |id| {
            live.nat_gateways
                .iter()
                .any(|g| g.allocation_id.as_deref() == Some(id))
        },
        &mut deletions,
    )?;
    let tables = drop_duplicates(
        ResourceKind::RouteTable,
        pairs(
            live.route_tables
                .iter()
                .map(|v| (v.name.as_ref(), &v.id))
                .collect(),
        ),
        |id| {
            live.route_tables
                .iter()
                .any(|t| t.id == id && !t.associations.is_empty())
        },
        &mut deletions,
    )?;
    let mut live = live.clone();
    live.route_tables.retain(|v| !tables.contains(&v.id));
    live.vpcs.retain(|v| !vpcs.contains(&v.id));
    live.subnets.retain(|v| !subnets.contains(&v.id));
    live.internet_gateways.retain(|v| !gateways.contains(&v.id));
    live.addresses
        .retain(|v| !addresses.contains(&v.allocation_id));
    Ok((live, deletions))
}

/// Whether anything awsdeploy sees is in the VPC.
fn vpc_in_use(id: &str, live: &LiveNetwork) -> bool {
    live.subnets.iter().any(|s| s.vpc_id == id)
        || live.route_tables.iter().any(|t| t.vpc_id == id)
        || live.security_groups.iter().any(|g| g.vpc_id == id)
        || live
            .internet_gateways
            .iter()
            .any(|g| g.vpc_id.as_deref() == Some(id))
}

/// Whether a NAT gateway or a route table association uses the subnet.
fn subnet_in_use(id: &str, live: &LiveNetwork) -> bool {
    live.nat_gateways.iter().any(|g| g.subnet_id == id)
        || live
            .route_tables
            .iter()
            .any(|t| t.associations.iter().any(|a| a.subnet_id == id))
}

/// Of each name that `(name, id)` pairs give more than once, keeps the id
/// in use (or the lowest when none is) and plans the deletion of the
/// others; returns the ids dropped.
fn drop_duplicates(
    kind: ResourceKind,
    named: Vec<(String, String)>,
    in_use: impl Fn(&str) -> bool,
    deletions: &mut Vec<ResourceChange>,
) -> Result<BTreeSet<String>, PlanError> {
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, id) in named {
        by_name.entry(name).or_default().push(id);
    }
    let mut dropped = BTreeSet::new();
    for (name, mut ids) in by_name.into_iter().filter(|(_, ids)| ids.len() > 1) {
        ids.sort();
        let used: Vec<&String> = ids.iter().filter(|id| in_use(id)).collect();
        let kept = match used.as_slice() {
            [] => ids[0].clone(),
            [one] => (*one).clone(),
            _ => {
                return Err(PlanError::Duplicate {
                    kind,
                    name,
                    ids: used.into_iter().cloned().collect(),
                });
            }
        };
        for id in ids.into_iter().filter(|id| *id != kept) {
            deletions.push(
                ResourceChange::new(
                    Key::Duplicate(id.clone()),
                    kind,
                    &name,
                    Action::Delete,
                    vec![NetworkStep::DeleteDuplicate {
                        kind,
                        id: id.clone(),
                    }],
                )
                .on(Some(&id))
                .with_fields(vec![
                    FieldChange::new(
                        "duplicate",
                        Some(format!("{id} is empty; {kept} has the name and is kept")),
                        None::<String>,
                    )
                    .noting("left by a create whose answer was lost"),
                ]),
            );
            dropped.insert(id);
        }
    }
    Ok(dropped)
}
