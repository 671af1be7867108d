//! EC2's eventual consistency: "resources that you create might not be
//! immediately available to subsequent calls" (EC2 API reference,
//! "Eventual consistency in the Amazon EC2 API"). A resource just created
//! answers its `NotFound` error to the next calls that name it, as AWS
//! does until the create has propagated.

use std::collections::BTreeMap;

use super::super::message::{Request, Response};
use super::between;

/// The id element of each create's answer.
const CREATES: [(&str, &str); 8] = [
    ("CreateVpc", "vpcId"),
    ("CreateSubnet", "subnetId"),
    ("CreateSecurityGroup", "groupId"),
    ("CreateInternetGateway", "internetGatewayId"),
    ("CreateNatGateway", "natGatewayId"),
    ("CreateRouteTable", "routeTableId"),
    ("AllocateAddress", "allocationId"),
    ("CreateVpcEndpoint", "vpcEndpointId"),
];

/// The error EC2 answers for an id it does not know yet, by id prefix.
fn not_found(id: &str) -> (&'static str, &'static str) {
    let prefix = id.split('-').next().unwrap_or("");
    match prefix {
        "vpc" => ("InvalidVpcID.NotFound", "The vpc ID '{}' does not exist"),
        "subnet" => (
            "InvalidSubnetID.NotFound",
            "The subnet ID '{}' does not exist",
        ),
        "sg" => (
            "InvalidGroup.NotFound",
            "The security group '{}' does not exist",
        ),
        "igw" => (
            "InvalidInternetGatewayID.NotFound",
            "The internetGateway ID '{}' does not exist",
        ),
        "nat" => ("NatGatewayNotFound", "The Nat Gateway {} was not found"),
        "rtb" => (
            "InvalidRouteTableID.NotFound",
            "The routeTable ID '{}' does not exist",
        ),
        "eipalloc" => (
            "InvalidAllocationID.NotFound",
            "The allocation ID '{}' does not exist",
        ),
        _ => (
            "InvalidVpcEndpointId.NotFound",
            "The Vpc Endpoint Id '{}' does not exist",
        ),
    }
}

#[derive(Debug, Default)]
pub(in super::super) struct Consistency {
    /// Id → calls naming it still to be answered `NotFound`.
    unseen: BTreeMap<String, usize>,
}

impl Consistency {
    /// `NotFound` for an EC2 call that names a resource not visible yet.
    pub fn before(&mut self, service: &str, request: &Request) -> Option<Response> {
        if service != "ec2" || self.unseen.is_empty() {
            return None;
        }
        let form = String::from_utf8_lossy(&request.body).into_owned();
        let named = form
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(_, value)| value)
            .find(|value| self.unseen.contains_key(*value))?
            .to_owned();
        let left = self.unseen.get_mut(&named)?;
        *left -= 1;
        if *left == 0 {
            self.unseen.remove(&named);
        }
        let (code, message) = not_found(&named);
        Some(Response::aws_error(
            request,
            service,
            400,
            code,
            &message.replace("{}", &named),
        ))
    }

    /// Notes the id an EC2 create made.
    pub fn after(&mut self, operation: &str, response: &Response, window: usize) {
        let Some((_, element)) = CREATES.iter().find(|(op, _)| *op == operation) else {
            return;
        };
        let body = String::from_utf8_lossy(&response.body);
        let open = format!("<{element}>");
        let close = format!("</{element}>");
        if let Some(id) = between(&body, &open, &close) {
            self.unseen.insert(id.to_owned(), window);
        }
    }
}
