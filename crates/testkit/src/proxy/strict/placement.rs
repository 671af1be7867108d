//! AWS's placement and naming rules, which moto does not check:
//!
//! - an Application Load Balancer needs subnets in at least two
//!   Availability Zones (`ELBv2` `CreateLoadBalancer`, "Subnets");
//! - a DB subnet group must cover at least two AZs
//!   (`DBSubnetGroupDoesNotCoverEnoughAZs`, RDS `CreateDBSubnetGroup`);
//! - a security group name cannot start with `sg-` (EC2
//!   `CreateSecurityGroup`, `GroupName`);
//! - a load balancer name cannot begin with `internal-` (`ELBv2`
//!   `CreateLoadBalancer`, `Name`).
//!
//! Whether a Fargate task can reach ECR, Logs and Secrets Manager from its
//! subnets is the ECS simulation's business (it starts tasks); it asks
//! [`egress_problem`] here.

use std::collections::BTreeSet;

use super::super::message::{Request, Response};
use super::super::upstream::Upstream;
use super::all_between;

/// The values of form fields `prefix.N` (or `prefix.member.N`).
fn listed(request: &Request, prefix: &str) -> Vec<String> {
    let body = String::from_utf8_lossy(&request.body).into_owned();
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| {
            key.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|rest| {
                    let index = rest.rsplit('.').next().unwrap_or(rest);
                    index.chars().all(|c| c.is_ascii_digit())
                })
        })
        .map(|(_, value)| super::super::message::percent_decode(value))
        .collect()
}

pub(super) fn before(
    service: &str,
    operation: &str,
    request: &Request,
    upstream: &Upstream,
) -> Option<Response> {
    let refuse =
        |code: &str, message: &str| Some(Response::aws_error(request, service, 400, code, message));
    match (service, operation) {
        ("ec2", "CreateSecurityGroup")
            if request
                .form("GroupName")
                .is_some_and(|name| name.to_ascii_lowercase().starts_with("sg-")) =>
        {
            refuse(
                "InvalidParameterValue",
                "Value (sg-…) for parameter GroupName is invalid. Group names may not be in the format sg-*.",
            )
        }
        ("elasticloadbalancing", "CreateLoadBalancer") => {
            let name = request.form("Name").unwrap_or_default();
            if name.starts_with("internal-") {
                return refuse(
                    "ValidationError",
                    &format!("The load balancer name '{name}' cannot begin with 'internal-'"),
                );
            }
            let subnets = listed(request, "Subnets");
            let zones = distinct_zones(upstream, &subnets);
            let application = request
                .form("Type")
                .is_none_or(|kind| kind == "application");
            if application && !subnets.is_empty() && zones.len() < 2 {
                return refuse(
                    "ValidationError",
                    "At least two subnets in two different Availability Zones must be specified",
                );
            }
            None
        }
        ("rds", "CreateDBSubnetGroup" | "ModifyDBSubnetGroup") => {
            let subnets = listed(request, "SubnetIds");
            let zones = distinct_zones(upstream, &subnets);
            if zones.len() < 2 {
                let covered: Vec<&str> = zones.iter().map(String::as_str).collect();
                return refuse(
                    "DBSubnetGroupDoesNotCoverEnoughAZs",
                    &format!(
                        "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: {}. Add subnets to cover at least 2 AZs.",
                        covered.join(", ")
                    ),
                );
            }
            None
        }
        _ => None,
    }
}

fn distinct_zones(upstream: &Upstream, subnets: &[String]) -> BTreeSet<String> {
    if subnets.is_empty() {
        return BTreeSet::new();
    }
    upstream.subnet_zones(subnets).into_values().collect()
}

/// Why a Fargate task in `subnets` cannot start, if it cannot: with no
/// public IP, every subnet needs a default route to a NAT gateway, or the
/// VPC needs endpoints for ECR (api and dkr), S3, `CloudWatch` Logs and
/// Secrets Manager (ECS developer guide, "Amazon ECS interface VPC
/// endpoints" and "Fargate task networking"). With a public IP, a route
/// to an internet gateway does.
pub(in super::super) fn egress_problem(
    upstream: &Upstream,
    subnets: &[String],
    public_ip: bool,
) -> Option<String> {
    for subnet in subnets {
        let (vpc, routes) = subnet_routes(upstream, subnet)?;
        let out = routes.iter().any(|(destination, target)| {
            destination == "0.0.0.0/0"
                && (target.starts_with("nat-") || (public_ip && target.starts_with("igw-")))
        });
        if out {
            continue;
        }
        let missing = missing_endpoints(upstream, &vpc);
        if missing.is_empty() {
            continue;
        }
        return Some(format!(
            "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task network configuration. (subnet {subnet} has no route to a NAT gateway{}, and its VPC has no endpoint for {})",
            if public_ip {
                " or internet gateway"
            } else {
                ""
            },
            missing.join(", ")
        ));
    }
    None
}

/// A subnet's VPC and its route table's routes (destination, target): the
/// table associated with it, or else its VPC's main table.
fn subnet_routes(upstream: &Upstream, subnet: &str) -> Option<(String, Vec<(String, String)>)> {
    let (_, subnets) = upstream
        .query(
            "ec2",
            &format!("Action=DescribeSubnets&Version=2016-11-15&SubnetId.1={subnet}"),
        )
        .ok()?;
    let vpc = super::between(&subnets, "<vpcId>", "</vpcId>")?.to_owned();
    let associated = format!(
        "Action=DescribeRouteTables&Version=2016-11-15&Filter.1.Name=association.subnet-id&Filter.1.Value.1={subnet}"
    );
    let main = format!(
        "Action=DescribeRouteTables&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1={vpc}&Filter.2.Name=association.main&Filter.2.Value.1=true"
    );
    for form in [associated, main] {
        let Ok((200, xml)) = upstream.query("ec2", &form) else {
            continue;
        };
        let Some(routes) = super::between(&xml, "<routeSet>", "</routeSet>") else {
            continue;
        };
        let routes = routes
            .split("<item>")
            .filter_map(|route| {
                let destination =
                    super::between(route, "<destinationCidrBlock>", "</destinationCidrBlock>")?;
                let target = super::between(route, "<natGatewayId>", "</natGatewayId>")
                    .or_else(|| super::between(route, "<gatewayId>", "</gatewayId>"))?;
                Some((destination.to_owned(), target.to_owned()))
            })
            .collect();
        return Some((vpc, routes));
    }
    Some((vpc, Vec::new()))
}

/// The endpoint services a private Fargate task needs that `vpc` lacks.
fn missing_endpoints(upstream: &Upstream, vpc: &str) -> Vec<&'static str> {
    let form = format!(
        "Action=DescribeVpcEndpoints&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1={vpc}"
    );
    let services: Vec<String> = upstream
        .query("ec2", &form)
        .map(|(_, xml)| {
            all_between(&xml, "<serviceName>", "</serviceName>")
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    ["ecr.api", "ecr.dkr", "s3", "logs", "secretsmanager"]
        .into_iter()
        .filter(|needed| !services.iter().any(|s| s.ends_with(&format!(".{needed}"))))
        .collect()
}
