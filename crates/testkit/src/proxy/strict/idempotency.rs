//! Idempotent creates, as AWS makes them and moto does not:
//!
//! - `CreateLoadBalancer` and `CreateTargetGroup` with a name that exists
//!   answer the existing resource ("If you attempt to create multiple load
//!   balancers with the same settings, each call succeeds", `ELBv2` API
//!   reference); moto makes a second one.
//! - `RunTask`, `CreateService` (ECS), `CreateNatGateway` and
//!   `CreateRouteTable` (EC2; the SDK fills the token in) with a
//!   client token already used answer what the first call made ("Ensuring
//!   idempotency", EC2 and ECS API references); moto ignores the token.
//!   ACM's `RequestCertificate` with a token used before answers the first
//!   certificate's ARN, deleted or not ("Idempotency tokens time out after
//!   one hour", ACM API reference).
//!
//! And one that AWS does not make idempotent and moto does:
//! `AssociateRouteTable` for a subnet that has an association already fails
//! `Resource.AlreadyAssociated` (EC2 API reference, "Error codes"); moto
//! answers the existing association.

use std::collections::BTreeMap;

use super::super::message::{Request, Response};
use super::super::upstream::Upstream;

#[derive(Debug, Default)]
pub(in super::super) struct Idempotency {
    /// (operation, client token) → the first answer.
    answered: BTreeMap<(String, String), Response>,
}

fn client_token(service: &str, operation: &str, request: &Request) -> Option<String> {
    match (service, operation) {
        ("ecs", "RunTask" | "CreateService") => {
            request.json()["clientToken"].as_str().map(str::to_owned)
        }
        ("ec2", "CreateNatGateway" | "CreateRouteTable") => request.form("ClientToken"),
        ("acm", "RequestCertificate") => request.json()["IdempotencyToken"]
            .as_str()
            .map(str::to_owned),
        _ => None,
    }
}

impl Idempotency {
    pub fn before(
        &self,
        service: &str,
        operation: &str,
        request: &Request,
        upstream: &Upstream,
    ) -> Option<Response> {
        if let Some(token) = client_token(service, operation, request) {
            return self.answered.get(&(operation.to_owned(), token)).cloned();
        }
        if (service, operation) == ("ec2", "AssociateRouteTable") {
            return already_associated(request, upstream);
        }
        let (describe, list) = match (service, operation) {
            ("elasticloadbalancing", "CreateLoadBalancer") => ("DescribeLoadBalancers", "Names"),
            ("elasticloadbalancing", "CreateTargetGroup") => ("DescribeTargetGroups", "Names"),
            _ => return None,
        };
        let name = request.form("Name")?;
        let (status, xml) = upstream
            .query(
                service,
                &format!("Action={describe}&Version=2015-12-01&{list}.member.1={name}"),
            )
            .ok()?;
        if status != 200 || !xml.contains("Arn>") {
            return None;
        }
        let body = xml
            .replace(
                &format!("{describe}Response"),
                &format!("{operation}Response"),
            )
            .replace(&format!("{describe}Result"), &format!("{operation}Result"));
        Some(Response::new(200, &[("Content-Type", "text/xml")], body))
    }

    pub fn after(
        &mut self,
        service: &str,
        operation: &str,
        request: &Request,
        response: &Response,
    ) {
        if let Some(token) = client_token(service, operation, request) {
            self.answered
                .entry((operation.to_owned(), token))
                .or_insert_with(|| response.clone());
        }
    }
}

/// AWS's refusal of a second association of one subnet.
fn already_associated(request: &Request, upstream: &Upstream) -> Option<Response> {
    let subnet = request.form("SubnetId")?;
    let (status, xml) = upstream
        .query(
            "ec2",
            &format!(
                "Action=DescribeRouteTables&Version=2016-11-15&Filter.1.Name=association.subnet-id&Filter.1.Value.1={subnet}"
            ),
        )
        .ok()?;
    (status == 200 && xml.contains("<routeTableAssociationId>")).then(|| {
        Response::aws_error(
            request,
            "ec2",
            400,
            "Resource.AlreadyAssociated",
            &format!(
                "the specified association for route table and subnet {subnet} already exists"
            ),
        )
    })
}
