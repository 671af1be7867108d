//! The network as a [`Component`]: its plan, teardown, policy and status.

use awsdeploy_spec::{NatMode, Spec};

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext, Side};
use crate::live::Lookups;
use crate::status::{NatStatus, NetworkStatus, Status, ZoneStatus};
use crate::{ComponentId, ComponentPlan, Key, PlanError, Ref, ResourceKind};

/// VPC, subnets, gateways, routes, security groups (`[network]`).
pub struct Network;

impl Component for Network {
    fn id(&self) -> ComponentId {
        ComponentId::Network
    }

    fn sections(&self) -> &'static [&'static str] {
        &["network"]
    }

    fn lookups(&self, _spec: &Spec, _purpose: Purpose, _lookups: &mut Lookups) {
        // Found by its tags alone.
    }

    fn live_refs(&self, cx: &PlanContext<'_>) -> Result<Vec<(Key, String)>, PlanError> {
        let desired = super::desired(cx.spec, &cx.live.network.availability_zones)?;
        let planned = super::plan(&desired, &cx.live.network)?;
        Ok(planned
            .refs
            .into_iter()
            .filter_map(|(name, r)| match r {
                Ref::Existing(id) => Some((Key::Network(name), id)),
                Ref::Planned(_) => None,
            })
            .collect())
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        let desired = super::desired(cx.spec, &cx.live.network.availability_zones)?;
        Ok(super::plan(&desired, &cx.live.network)?.plan)
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(super::teardown::teardown(&cx.live.network))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        use ComponentId::{
            Certificate, Database, Dns, Iam, LoadBalancer, Logs, Registry, Service, Web,
        };
        &[
            Web,
            Dns,
            Service,
            LoadBalancer,
            Certificate,
            Database,
            Registry,
            Logs,
            Iam,
        ]
    }

    fn policy(&self, _cx: &PolicyContext<'_>) -> Vec<Statement> {
        // EC2 names these resources by ids it chooses.
        vec![Statement::anywhere("Network", ACTIONS)]
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        [
            "vpc/*",
            "subnet/*",
            "internet-gateway/*",
            "elastic-ip/*",
            "natgateway/*",
            "route-table/*",
            "security-group/*",
        ]
        .iter()
        .map(|r| cx.arn("ec2", r))
        .collect()
    }

    fn status(&self, cx: &StatusContext<'_>, status: &mut Status) {
        status.network = network_status(cx);
        if let Some(network) = &status.network {
            for nat in network
                .nat_gateways
                .iter()
                .filter(|n| n.state != "available")
            {
                status
                    .problems
                    .push(format!("NAT gateway {} is {}", nat.id, nat.state));
            }
        }
    }

    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>) {
        // The VPC, subnets, routes and security groups are free; a NAT
        // gateway is charged by the hour, and so is its public address.
        let (nats, addresses): (Vec<String>, Vec<String>) = match cx.side {
            Side::Spec => {
                let spec = cx.spec;
                let count = match spec.network.nat {
                    NatMode::Single => 1,
                    NatMode::PerAz => spec.network.azs,
                    NatMode::None => 0,
                };
                (1..=count)
                    .map(|i| {
                        let name = |s: &str| super::resource_name(spec, &format!("nat-{i}{s}"));
                        (name(""), name("-ip"))
                    })
                    .unzip()
            }
            Side::Live => {
                let network = &cx.live.network;
                let nats = network
                    .nat_gateways
                    .iter()
                    .filter(|n| matches!(n.state.as_str(), "pending" | "available"))
                    .map(|n| n.name.clone().unwrap_or_else(|| n.id.clone()))
                    .collect();
                let addresses = network
                    .addresses
                    .iter()
                    .map(|a| a.name.clone().unwrap_or_else(|| a.allocation_id.clone()))
                    .collect();
                (nats, addresses)
            }
        };
        for (kind, names, item, price) in [
            (
                ResourceKind::NatGateway,
                &nats,
                "NAT gateway",
                "ec2.nat_gateway.hour",
            ),
            (
                ResourceKind::ElasticIp,
                &addresses,
                "public IPv4 address",
                "vpc.public_ipv4.hour",
            ),
        ] {
            for name in names {
                bill.hourly((kind, name), item, price, 1.0);
            }
        }
        if !nats.is_empty() {
            bill.usage(
                "NAT gateway data processed",
                "ec2.nat_gateway.gb",
                "per GB the private subnets send or receive through it: image pulls, logs, calls to AWS APIs and the internet",
            );
        }
    }
}

const ACTIONS: &[&str] = &[
    "ec2:AllocateAddress",
    "ec2:AssociateRouteTable",
    "ec2:AttachInternetGateway",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:CreateInternetGateway",
    "ec2:CreateNatGateway",
    "ec2:CreateRoute",
    "ec2:CreateRouteTable",
    "ec2:CreateSecurityGroup",
    "ec2:CreateSubnet",
    "ec2:CreateTags",
    "ec2:CreateVpc",
    "ec2:DeleteInternetGateway",
    "ec2:DeleteNatGateway",
    "ec2:DeleteRoute",
    "ec2:DeleteRouteTable",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteSubnet",
    "ec2:DeleteVpc",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNatGateways",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcs",
    "ec2:DetachInternetGateway",
    "ec2:DisassociateRouteTable",
    "ec2:ModifyVpcAttribute",
    "ec2:ReleaseAddress",
    "ec2:ReplaceRoute",
    "ec2:ReplaceRouteTableAssociation",
    "ec2:RevokeSecurityGroupIngress",
];

/// The VPC, its subnets by zone and the NAT gateways.
fn network_status(cx: &StatusContext<'_>) -> Option<NetworkStatus> {
    let network = &cx.live.network;
    let vpc = network.vpcs.first()?;
    let mut zones: Vec<ZoneStatus> = Vec::new();
    for subnet in network.subnets.iter().filter(|s| s.vpc_id == vpc.id) {
        match zones
            .iter_mut()
            .find(|z| z.zone == subnet.availability_zone)
        {
            Some(zone) => zone.subnets.push(subnet.id.clone()),
            None => zones.push(ZoneStatus {
                zone: subnet.availability_zone.clone(),
                subnets: vec![subnet.id.clone()],
            }),
        }
    }
    zones.sort_by(|a, b| a.zone.cmp(&b.zone));
    Some(NetworkStatus {
        vpc: vpc.id.clone(),
        cidr: vpc.cidr.clone(),
        zones,
        nat_gateways: network
            .nat_gateways
            .iter()
            .map(|n| NatStatus {
                id: n.id.clone(),
                state: n.state.clone(),
            })
            .collect(),
    })
}
