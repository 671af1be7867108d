//! The network component's EC2 calls: observe the VPC and everything in it,
//! and run network steps.
//!
//! Observation is a fixed number of round trips whatever the size of the
//! network: one tag-filtered, paginated Describe per resource type, run
//! concurrently, plus the VPC's two DNS attributes.

use std::time::Duration;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, AvailabilityZoneState, Filter, IpPermission, NatGatewayState,
    ResourceType, Tag, TagSpecification, VpcAttributeName,
};
use awsdeploy_plan::ResourceChange;
use awsdeploy_plan::live::{
    LiveAddress, LiveAssociation, LiveIngressRule, LiveInternetGateway, LiveNatGateway,
    LiveNetwork, LiveRoute, LiveRouteTable, LiveRuleSource, LiveSecurityGroup, LiveSubnet, LiveVpc,
};

use crate::AwsError;
use crate::error::sdk;
use crate::tags::{self, Owner};
use crate::wait::{self};

const VPC_DEADLINE: Duration = Duration::from_secs(120);
/// NAT gateways take a few minutes to become available in AWS.
const NAT_DEADLINE: Duration = Duration::from_secs(15 * 60);
/// Polls of a new VPC or NAT gateway: soon at first (a VPC is available in
/// a second, and a just-made id may answer `NotFound` once or twice), then
/// every 5 s.
fn polls() -> impl Iterator<Item = Duration> {
    wait::backoff(Duration::from_millis(500), Duration::from_secs(5))
}

/// Filters that select this owner's resources.
fn owner_filters(owner: &Owner) -> [Filter; 2] {
    [
        Filter::builder()
            .name(format!("tag:{}", tags::APP))
            .values(&owner.app)
            .build(),
        Filter::builder()
            .name(format!("tag:{}", tags::ENV))
            .values(&owner.env)
            .build(),
    ]
}

/// Whether `tags` carry this owner's app and env tags (see [`Owner::owns`]).
fn owns(owner: &Owner, tags: &[Tag]) -> bool {
    owner.owns(tags.iter().map(|t| (t.key(), t.value())))
}

/// One tag-filtered, paginated Describe of `owner`'s resources, keeping only
/// the items that carry both ownership tags.
macro_rules! describe_owned {
    ($owner:expr, $resource:expr, $request:expr, $operation:literal) => {{
        let [by_app, by_env] = owner_filters($owner);
        let items = $request
            .filters(by_app)
            .filters(by_env)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(sdk($operation, $resource))?;
        items
            .into_iter()
            .filter(|item| owns($owner, item.tags()))
            .collect::<Vec<_>>()
    }};
}

// After the macro: the module uses it.
mod lost_answers;
mod steps;
mod teardown;

pub(crate) use steps::run;

fn name_tag(tags: &[Tag]) -> Option<String> {
    tags.iter()
        .find(|t| t.key() == Some(tags::NAME))
        .and_then(|t| t.value())
        .map(str::to_owned)
}

fn tag_specification(
    owner: &Owner,
    change: &ResourceChange,
    resource_type: ResourceType,
) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(resource_type);
    for (key, value) in owner.tags(change.component, &change.name) {
        spec = spec.tags(Tag::builder().key(key).value(value).build());
    }
    spec.build()
}

/// Reads the live network of `owner`: one Describe per resource type, all
/// at once.
pub async fn observe(ec2: &Client, owner: &Owner) -> Result<LiveNetwork, AwsError> {
    let resource = &format!("{}-{}", owner.app, owner.env);
    let (
        availability_zones,
        vpcs,
        subnets,
        internet_gateways,
        addresses,
        nat_gateways,
        route_tables,
        security_groups,
    ) = tokio::try_join!(
        observe_zones(ec2, resource),
        observe_vpcs(ec2, owner, resource),
        observe_subnets(ec2, owner, resource),
        observe_gateways(ec2, owner, resource),
        observe_addresses(ec2, owner, resource),
        observe_nats(ec2, owner, resource),
        observe_tables(ec2, owner, resource),
        observe_groups(ec2, owner, resource),
    )?;
    Ok(LiveNetwork {
        availability_zones,
        vpcs,
        subnets,
        internet_gateways,
        addresses,
        nat_gateways,
        route_tables,
        security_groups,
    })
}

/// The region's available zones (not local or wavelength zones), sorted.
async fn observe_zones(ec2: &Client, resource: &str) -> Result<Vec<String>, AwsError> {
    let out = ec2
        .describe_availability_zones()
        .send()
        .await
        .map_err(sdk("DescribeAvailabilityZones", resource))?;
    let mut zones: Vec<String> = out
        .availability_zones()
        .iter()
        .filter(|z| z.state() == Some(&AvailabilityZoneState::Available))
        .filter(|z| z.zone_type().is_none_or(|t| t == "availability-zone"))
        .filter_map(|z| z.zone_name().map(str::to_owned))
        .collect();
    zones.sort();
    Ok(zones)
}

async fn observe_vpcs(
    ec2: &Client,
    owner: &Owner,
    resource: &str,
) -> Result<Vec<LiveVpc>, AwsError> {
    let vpcs = describe_owned!(owner, resource, ec2.describe_vpcs(), "DescribeVpcs");
    let mut live = Vec::new();
    for vpc in vpcs {
        let Some(id) = vpc.vpc_id() else { continue };
        let (support, hostnames) = tokio::try_join!(
            vpc_attribute(ec2, id, VpcAttributeName::EnableDnsSupport),
            vpc_attribute(ec2, id, VpcAttributeName::EnableDnsHostnames),
        )?;
        live.push(LiveVpc {
            id: id.to_owned(),
            name: name_tag(vpc.tags()),
            cidr: vpc.cidr_block().unwrap_or_default().to_owned(),
            dns_support: support,
            dns_hostnames: hostnames,
        });
    }
    Ok(live)
}

async fn observe_subnets(
    ec2: &Client,
    owner: &Owner,
    resource: &str,
) -> Result<Vec<LiveSubnet>, AwsError> {
    let subnets = describe_owned!(owner, resource, ec2.describe_subnets(), "DescribeSubnets");
    Ok(subnets
        .iter()
        .filter_map(|s| {
            Some(LiveSubnet {
                id: s.subnet_id()?.to_owned(),
                name: name_tag(s.tags()),
                vpc_id: s.vpc_id().unwrap_or_default().to_owned(),
                cidr: s.cidr_block().unwrap_or_default().to_owned(),
                availability_zone: s.availability_zone().unwrap_or_default().to_owned(),
            })
        })
        .collect())
}

async fn observe_gateways(
    ec2: &Client,
    owner: &Owner,
    resource: &str,
) -> Result<Vec<LiveInternetGateway>, AwsError> {
    let gateways = describe_owned!(
        owner,
        resource,
        ec2.describe_internet_gateways(),
        "DescribeInternetGateways"
    );
    Ok(gateways
        .iter()
        .filter_map(|g| {
            Some(LiveInternetGateway {
                id: g.internet_gateway_id()?.to_owned(),
                name: name_tag(g.tags()),
                vpc_id: g
                    .attachments()
                    .iter()
                    .find_map(|a| a.vpc_id())
                    .map(str::to_owned),
            })
        })
        .collect())
}

async fn observe_addresses(
    ec2: &Client,
    owner: &Owner,
    resource: &str,
) -> Result<Vec<LiveAddress>, AwsError> {
    let [by_app, by_env] = owner_filters(owner);
    let out = ec2
        .describe_addresses()
        .filters(by_app)
        .filters(by_env)
        .send()
        .await
        .map_err(sdk("DescribeAddresses", resource))?;
    Ok(out
        .addresses()
        .iter()
        .filter(|item| owns(owner, item.tags()))
        .filter_map(|a| {
            Some(LiveAddress {
                allocation_id: a.allocation_id()?.to_owned(),
                name: name_tag(a.tags()),
                public_ip: a.public_ip().map(str::to_owned),
            })
        })
        .collect())
}

async fn observe_nats(
    ec2: &Client,
    owner: &Owner,
    resource: &str,
) -> Result<Vec<LiveNatGateway>, AwsError> {
    let [by_app, by_env] = owner_filters(owner);
    let nats = ec2
        .describe_nat_gateways()
        .filter(by_app)
        .filter(by_env)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(sdk("DescribeNatGateways", resource))?;
    Ok(nats
        .iter()
        .filter(|item| owns(owner, item.tags()))
        .filter(|n| {
            matches!(
                n.state(),
                Some(NatGatewayState::Pending | NatGatewayState::Available)
            )
        })
        .filter_map(|n| {
            Some(LiveNatGateway {
                id: n.nat_gateway_id()?.to_owned(),
                name: name_tag(n.tags()),
                subnet_id: n.subnet_id().unwrap_or_default().to_owned(),
                allocation_id: n
                    .nat_gateway_addresses()
                    .iter()
                    .find_map(|a| a.allocation_id())
                    .map(str::to_owned),
                state: n.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            })
        })
        .collect())
}

async fn observe_tables(
    ec2: &Client,
    owner: &Owner,
    resource: &str,
) -> Result<Vec<LiveRouteTable>, AwsError> {
    let tables = describe_owned!(
        owner,
        resource,
        ec2.describe_route_tables(),
        "DescribeRouteTables"
    );
    Ok(tables
        .iter()
        .filter_map(|t| {
            Some(LiveRouteTable {
                id: t.route_table_id()?.to_owned(),
                name: name_tag(t.tags()),
                vpc_id: t.vpc_id().unwrap_or_default().to_owned(),
                routes: t
                    .routes()
                    .iter()
                    .filter_map(|r| {
                        let target = r
                            .gateway_id()
                            .or(r.nat_gateway_id())
                            .or(r.transit_gateway_id())
                            .or(r.vpc_peering_connection_id())
                            .or(r.network_interface_id())
                            .unwrap_or("unknown");
                        Some(LiveRoute {
                            destination: r.destination_cidr_block()?.to_owned(),
                            target: target.to_owned(),
                        })
                    })
                    .collect(),
                associations: t
                    .associations()
                    .iter()
                    .filter_map(|a| {
                        Some(LiveAssociation {
                            id: a.route_table_association_id()?.to_owned(),
                            subnet_id: a.subnet_id()?.to_owned(),
                        })
                    })
                    .collect(),
            })
        })
        .collect())
}

async fn observe_groups(
    ec2: &Client,
    owner: &Owner,
    resource: &str,
) -> Result<Vec<LiveSecurityGroup>, AwsError> {
    let groups = describe_owned!(
        owner,
        resource,
        ec2.describe_security_groups(),
        "DescribeSecurityGroups"
    );
    Ok(groups
        .iter()
        .filter_map(|g| {
            Some(LiveSecurityGroup {
                id: g.group_id()?.to_owned(),
                name: name_tag(g.tags()),
                vpc_id: g.vpc_id().unwrap_or_default().to_owned(),
                ingress: g
                    .ip_permissions()
                    .iter()
                    .flat_map(flatten_permission)
                    .collect(),
            })
        })
        .collect())
}

async fn vpc_attribute(
    ec2: &Client,
    vpc_id: &str,
    attribute: VpcAttributeName,
) -> Result<bool, AwsError> {
    // A VPC just listed may not be found by id yet (EC2 is eventually
    // consistent).
    let out = wait::visible(|| async {
        ec2.describe_vpc_attribute()
            .vpc_id(vpc_id)
            .attribute(attribute.clone())
            .send()
            .await
            .map_err(sdk("DescribeVpcAttribute", vpc_id))
    })
    .await?;
    let value = match attribute {
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        _ => out.enable_dns_support(),
    };
    Ok(value
        .and_then(AttributeBooleanValue::value)
        .unwrap_or(false))
}

/// One rule per source: AWS packs several sources into one permission.
fn flatten_permission(permission: &IpPermission) -> Vec<LiveIngressRule> {
    let rule = |source| LiveIngressRule {
        protocol: permission.ip_protocol().unwrap_or("-1").to_owned(),
        from_port: permission.from_port(),
        to_port: permission.to_port(),
        source,
    };
    let mut rules: Vec<LiveIngressRule> = permission
        .ip_ranges()
        .iter()
        .filter_map(|r| r.cidr_ip())
        .map(|c| rule(LiveRuleSource::Cidr(c.to_owned())))
        .collect();
    rules.extend(
        permission
            .ipv6_ranges()
            .iter()
            .filter_map(|r| r.cidr_ipv6())
            .map(|c| rule(LiveRuleSource::Cidr(c.to_owned()))),
    );
    rules.extend(
        permission
            .prefix_list_ids()
            .iter()
            .filter_map(|p| p.prefix_list_id())
            .map(|p| rule(LiveRuleSource::Cidr(p.to_owned()))),
    );
    rules.extend(
        permission
            .user_id_group_pairs()
            .iter()
            .filter_map(|p| p.group_id())
            .map(|g| rule(LiveRuleSource::Group(g.to_owned()))),
    );
    rules
}
