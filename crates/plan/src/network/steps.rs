//! The network's steps and the types they carry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ComponentStep, Ref};

/// The actions of the network component: EC2's network: the VPC, subnets, gateways, route tables and security groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum NetworkStep {
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
        kind: crate::ResourceKind,
        id: String,
    },
    /// `DeleteNatGateway`, then waits until it is deleted (its Elastic IP
    /// and subnet are free only then); already gone is success.
    DeleteNatGateway { id: String },
    /// `ReleaseAddress`; already gone is success.
    ReleaseAddress { allocation_id: String },
    /// `DetachInternetGateway` from `vpc` (when attached), then
    /// `DeleteInternetGateway`; already gone is success.
    DeleteInternetGateway { id: String, vpc: Option<String> },
    /// `DisassociateRouteTable` of each association, then
    /// `DeleteRouteTable`; already gone is success.
    DeleteRouteTable {
        id: String,
        associations: Vec<String>,
    },
    /// `DeleteSubnet`, again while the network interfaces Fargate and the
    /// load balancer leave behind are being released
    /// (`DependencyViolation`); already gone is success.
    DeleteSubnet { id: String },
    /// `DeleteSecurityGroup`, again while network interfaces still use it;
    /// already gone is success.
    DeleteSecurityGroup { id: String },
    /// `DeleteVpc`; already gone is success.
    DeleteVpc { id: String },
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
}

impl ComponentStep for NetworkStep {
    fn refs(&self) -> Vec<&Ref> {
        match self {
            NetworkStep::CreateVpc { .. }
            | NetworkStep::CreateInternetGateway
            | NetworkStep::AllocateAddress
            | NetworkStep::DeleteDuplicate { .. }
            | NetworkStep::DeleteNatGateway { .. }
            | NetworkStep::ReleaseAddress { .. }
            | NetworkStep::DeleteInternetGateway { .. }
            | NetworkStep::DeleteRouteTable { .. }
            | NetworkStep::DeleteSubnet { .. }
            | NetworkStep::DeleteSecurityGroup { .. }
            | NetworkStep::DeleteVpc { .. } => vec![],
            NetworkStep::SetVpcDns { vpc, .. }
            | NetworkStep::CreateSubnet { vpc, .. }
            | NetworkStep::CreateRouteTable { vpc }
            | NetworkStep::CreateSecurityGroup { vpc, .. } => vec![vpc],
            NetworkStep::AttachInternetGateway { gateway, vpc } => vec![gateway, vpc],
            NetworkStep::CreateNatGateway { subnet, address } => vec![subnet, address],
            NetworkStep::CreateRoute { table, target, .. }
            | NetworkStep::ReplaceRoute { table, target, .. } => vec![table, target.target()],
            NetworkStep::DeleteRoute { table, .. }
            | NetworkStep::ReplaceRouteTableAssociation { table, .. } => vec![table],
            NetworkStep::AssociateRouteTable { table, subnet } => vec![table, subnet],
            NetworkStep::AuthorizeIngress { group, rules }
            | NetworkStep::RevokeIngress { group, rules } => {
                let mut refs = vec![group];
                refs.extend(rules.iter().filter_map(|r| match &r.source {
                    RuleSource::Group(g) => Some(g),
                    RuleSource::Cidr(_) => None,
                }));
                refs
            }
        }
    }

    fn creates(&self) -> bool {
        matches!(
            self,
            NetworkStep::CreateVpc { .. }
                | NetworkStep::CreateSubnet { .. }
                | NetworkStep::CreateInternetGateway
                | NetworkStep::AllocateAddress
                | NetworkStep::CreateNatGateway { .. }
                | NetworkStep::CreateRouteTable { .. }
                | NetworkStep::CreateSecurityGroup { .. }
                | NetworkStep::AssociateRouteTable { .. }
        )
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
