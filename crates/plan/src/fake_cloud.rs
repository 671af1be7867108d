//! An in-memory stand-in for EC2's network API, for tests of the planner and
//! executor only: it applies [`Step`]s to a [`LiveNetwork`] the way EC2 would,
//! so "apply, then plan again" can be checked without AWS.

use std::cell::{Cell, RefCell};

use crate::execute::{ResolvedIds, StepRunner};
use crate::live::{
    LiveAddress, LiveAssociation, LiveIngressRule, LiveInternetGateway, LiveNatGateway,
    LiveNetwork, LiveRoute, LiveRouteTable, LiveRuleSource, LiveSecurityGroup, LiveSubnet, LiveVpc,
};
use crate::plan::ResourceChange;
use crate::{ComponentStep, IngressRule, Key, NetworkStep, RouteTarget, RuleSource, Step};

pub struct FakeCloud {
    pub network: RefCell<LiveNetwork>,
    next_id: Cell<u32>,
    /// Changes whose steps fail, by key.
    pub fail: Vec<Key>,
    pub calls: Cell<usize>,
}

impl FakeCloud {
    pub fn new(zones: &[&str]) -> Self {
        FakeCloud {
            network: RefCell::new(LiveNetwork {
                availability_zones: zones.iter().map(|z| (*z).to_owned()).collect(),
                ..LiveNetwork::default()
            }),
            next_id: Cell::new(1),
            fail: Vec::new(),
            calls: Cell::new(0),
        }
    }

    fn id(&self, prefix: &str) -> String {
        let n = self.next_id.get();
        self.next_id.set(n + 1);
        format!("{prefix}-{n:04}")
    }
}

fn live_rule(rule: &IngressRule, ids: &ResolvedIds) -> LiveIngressRule {
    LiveIngressRule {
        protocol: rule.protocol.clone(),
        from_port: Some(rule.from_port),
        to_port: Some(rule.to_port),
        source: match &rule.source {
            RuleSource::Cidr(c) => LiveRuleSource::Cidr(c.clone()),
            RuleSource::Group(g) => LiveRuleSource::Group(ids.resolve(g).unwrap()),
        },
    }
}

impl StepRunner for FakeCloud {
    type Error = String;

    async fn run_step(
        &self,
        change: &ResourceChange,
        step: &Step,
        ids: &ResolvedIds,
    ) -> Result<Option<String>, String> {
        self.calls.set(self.calls.get() + 1);
        if self.fail.contains(&change.key) {
            return Err(format!("injected failure for {}", change.key));
        }
        let Step::Network(step) = step else {
            return Err("the fake cloud models EC2's network only".to_owned());
        };
        if step.creates() {
            let name = Some(change.name.clone());
            match self.create(step, name.clone(), ids)? {
                Some(id) => Ok(Some(id)),
                None => self.create_in_vpc(step, name, ids),
            }
        } else {
            self.modify(step, ids)?;
            self.route(step, ids)
        }
    }
}

impl FakeCloud {
    /// A step that makes a resource; returns its id.
    fn create(
        &self,
        step: &NetworkStep,
        name: Option<String>,
        ids: &ResolvedIds,
    ) -> Result<Option<String>, String> {
        let r = |reference| ids.resolve(reference).map_err(|e| e.to_string());
        let mut net = self.network.borrow_mut();
        Ok(match step {
            NetworkStep::CreateVpc { cidr } => {
                let id = self.id("vpc");
                net.vpcs.push(LiveVpc {
                    id: id.clone(),
                    name,
                    cidr: cidr.clone(),
                    dns_support: true,
                    dns_hostnames: false,
                });
                Some(id)
            }
            NetworkStep::CreateSubnet {
                vpc,
                cidr,
                availability_zone,
            } => {
                let id = self.id("subnet");
                net.subnets.push(LiveSubnet {
                    id: id.clone(),
                    name,
                    vpc_id: r(vpc)?,
                    cidr: cidr.clone(),
                    availability_zone: availability_zone.clone(),
                });
                Some(id)
            }
            NetworkStep::CreateInternetGateway => {
                let id = self.id("igw");
                net.internet_gateways.push(LiveInternetGateway {
                    id: id.clone(),
                    name,
                    vpc_id: None,
                });
                Some(id)
            }
            NetworkStep::AllocateAddress => {
                let id = self.id("eipalloc");
                net.addresses.push(LiveAddress {
                    allocation_id: id.clone(),
                    name,
                    public_ip: None,
                });
                Some(id)
            }
            NetworkStep::CreateNatGateway { subnet, address } => {
                let id = self.id("nat");
                net.nat_gateways.push(LiveNatGateway {
                    id: id.clone(),
                    name,
                    subnet_id: r(subnet)?,
                    allocation_id: Some(r(address)?),
                    state: "available".into(),
                });
                Some(id)
            }
            _ => None,
        })
    }

    /// A step that makes a route table, an association or a security
    /// group; returns its id.
    fn create_in_vpc(
        &self,
        step: &NetworkStep,
        name: Option<String>,
        ids: &ResolvedIds,
    ) -> Result<Option<String>, String> {
        let r = |reference| ids.resolve(reference).map_err(|e| e.to_string());
        let mut net = self.network.borrow_mut();
        Ok(match step {
            NetworkStep::CreateRouteTable { vpc } => {
                let id = self.id("rtb");
                net.route_tables.push(LiveRouteTable {
                    id: id.clone(),
                    name,
                    vpc_id: r(vpc)?,
                    routes: vec![],
                    associations: vec![],
                });
                Some(id)
            }
            NetworkStep::AssociateRouteTable { table, subnet } => {
                let (table, subnet) = (r(table)?, r(subnet)?);
                let id = self.id("rtbassoc");
                net.route_tables
                    .iter_mut()
                    .find(|t| t.id == table)
                    .ok_or("no table")?
                    .associations
                    .push(LiveAssociation {
                        id: id.clone(),
                        subnet_id: subnet,
                    });
                Some(id)
            }
            NetworkStep::CreateSecurityGroup { vpc, .. } => {
                let id = self.id("sg");
                net.security_groups.push(LiveSecurityGroup {
                    id: id.clone(),
                    name,
                    vpc_id: r(vpc)?,
                    ingress: vec![],
                });
                Some(id)
            }
            _ => None,
        })
    }

    /// A step that changes or deletes what exists, but routes.
    fn modify(&self, step: &NetworkStep, ids: &ResolvedIds) -> Result<Option<String>, String> {
        let r = |reference| ids.resolve(reference).map_err(|e| e.to_string());
        let mut net = self.network.borrow_mut();
        Ok(match step {
            NetworkStep::SetVpcDns {
                vpc,
                dns_support,
                dns_hostnames,
            } => {
                let vpc = r(vpc)?;
                let v = net.vpcs.iter_mut().find(|v| v.id == vpc).ok_or("no vpc")?;
                v.dns_support = *dns_support;
                v.dns_hostnames = *dns_hostnames;
                None
            }
            NetworkStep::AttachInternetGateway { gateway, vpc } => {
                let (gateway, vpc) = (r(gateway)?, r(vpc)?);
                net.internet_gateways
                    .iter_mut()
                    .find(|g| g.id == gateway)
                    .ok_or("no igw")?
                    .vpc_id = Some(vpc);
                None
            }
            NetworkStep::DeleteDuplicate { id, .. } => {
                net.vpcs.retain(|v| v.id != *id);
                net.subnets.retain(|v| v.id != *id);
                net.internet_gateways.retain(|v| v.id != *id);
                net.addresses.retain(|v| v.allocation_id != *id);
                None
            }
            NetworkStep::AuthorizeIngress { group, rules } => {
                let group = r(group)?;
                let rules: Vec<LiveIngressRule> =
                    rules.iter().map(|rule| live_rule(rule, ids)).collect();
                net.security_groups
                    .iter_mut()
                    .find(|g| g.id == group)
                    .ok_or("no sg")?
                    .ingress
                    .extend(rules);
                None
            }
            NetworkStep::RevokeIngress { group, rules } => {
                let group = r(group)?;
                let rules: Vec<LiveIngressRule> =
                    rules.iter().map(|rule| live_rule(rule, ids)).collect();
                net.security_groups
                    .iter_mut()
                    .find(|g| g.id == group)
                    .ok_or("no sg")?
                    .ingress
                    .retain(|rule| !rules.contains(rule));
                None
            }
            _ => None,
        })
    }

    /// A step that changes a route or moves an association.
    fn route(&self, step: &NetworkStep, ids: &ResolvedIds) -> Result<Option<String>, String> {
        let r = |reference| ids.resolve(reference).map_err(|e| e.to_string());
        let mut net = self.network.borrow_mut();
        Ok(match step {
            NetworkStep::CreateRoute {
                table,
                destination,
                target,
            }
            | NetworkStep::ReplaceRoute {
                table,
                destination,
                target,
            } => {
                let (table, target) = (
                    r(table)?,
                    r(match target {
                        RouteTarget::InternetGateway(t) | RouteTarget::NatGateway(t) => t,
                    })?,
                );
                let t = net
                    .route_tables
                    .iter_mut()
                    .find(|t| t.id == table)
                    .ok_or("no table")?;
                t.routes.retain(|route| route.destination != *destination);
                t.routes.push(LiveRoute {
                    destination: destination.clone(),
                    target,
                });
                None
            }
            NetworkStep::DeleteRoute { table, destination } => {
                let table = r(table)?;
                net.route_tables
                    .iter_mut()
                    .find(|t| t.id == table)
                    .ok_or("no table")?
                    .routes
                    .retain(|route| route.destination != *destination);
                None
            }
            NetworkStep::ReplaceRouteTableAssociation {
                association_id,
                table,
            } => {
                let table = r(table)?;
                let mut moved = None;
                for t in &mut net.route_tables {
                    if let Some(pos) = t.associations.iter().position(|a| a.id == *association_id) {
                        moved = Some(t.associations.remove(pos));
                    }
                }
                let moved = moved.ok_or("no association")?;
                net.route_tables
                    .iter_mut()
                    .find(|t| t.id == table)
                    .ok_or("no table")?
                    .associations
                    .push(moved);
                None
            }
            _ => None,
        })
    }
}
