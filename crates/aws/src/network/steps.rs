//! The network's step runner: one function per EC2 action, each idempotent.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, ConnectivityType, DomainType, Filter, IpPermission, IpRange,
    NatGatewayState, ResourceType, UserIdGroupPair, VpcState,
};
use awsdeploy_plan::Ref;
use awsdeploy_plan::execute::ResolvedIds;
use awsdeploy_plan::{IngressRule, NetworkStep, ResourceChange, RouteTarget, RuleSource};

use super::lost_answers::{Untokened, create_once, delete_duplicate, sent_once};
use super::teardown;
use super::{NAT_DEADLINE, VPC_DEADLINE, polls, tag_specification};
use crate::error::{already_done, sdk};
use crate::wait::{self, Check};
use crate::{AwsError, StepContext};

fn permission(rule: &IngressRule, ids: &ResolvedIds) -> Result<IpPermission, AwsError> {
    let builder = IpPermission::builder()
        .ip_protocol(&rule.protocol)
        .from_port(rule.from_port)
        .to_port(rule.to_port);
    Ok(match &rule.source {
        RuleSource::Cidr(cidr) => builder.ip_ranges(IpRange::builder().cidr_ip(cidr).build()),
        RuleSource::Group(group) => builder.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(ids.resolve(group)?)
                .build(),
        ),
    }
    .build())
}

fn missing(operation: &'static str, change: &ResourceChange, field: &'static str) -> AwsError {
    AwsError::MissingField {
        operation,
        resource: change.name.clone(),
        field,
    }
}

/// Runs one network step. Idempotent: see each arm.
pub(crate) async fn run(
    step: &NetworkStep,
    cx: &StepContext<'_>,
) -> Result<Option<String>, AwsError> {
    let StepContext { clients, ids, .. } = *cx;
    let ec2 = &clients.ec2;
    let name = cx.name();
    match step {
        NetworkStep::DeleteNatGateway { id } => teardown::delete_nat_gateway(cx, id).await,
        NetworkStep::ReleaseAddress { allocation_id } => {
            teardown::release_address(&cx.clients.ec2, allocation_id).await
        }
        NetworkStep::DeleteInternetGateway { id, vpc } => {
            teardown::delete_internet_gateway(&cx.clients.ec2, id, vpc.as_deref()).await
        }
        NetworkStep::DeleteRouteTable { id, associations } => {
            teardown::delete_route_table(cx, id, associations).await
        }
        NetworkStep::DeleteSubnet { id } => {
            teardown::delete_subnet(&cx.clients.ec2, id, teardown::RELEASE_WINDOW).await
        }
        NetworkStep::DeleteSecurityGroup { id } => {
            teardown::delete_security_group(&cx.clients.ec2, id).await
        }
        NetworkStep::DeleteVpc { id } => {
            teardown::delete_vpc(&cx.clients.ec2, id, teardown::RELEASE_WINDOW).await
        }
        NetworkStep::CreateVpc { cidr } => create_vpc(cx, cidr).await,
        NetworkStep::SetVpcDns {
            vpc,
            dns_support,
            dns_hostnames,
        } => set_vpc_dns(cx, vpc, *dns_support, *dns_hostnames).await,
        NetworkStep::CreateSubnet {
            vpc,
            cidr,
            availability_zone,
        } => create_subnet(cx, vpc, cidr, availability_zone).await,
        NetworkStep::CreateInternetGateway => create_internet_gateway(cx).await,
        NetworkStep::AttachInternetGateway { gateway, vpc } => {
            attach_internet_gateway(cx, gateway, vpc).await
        }
        NetworkStep::AllocateAddress => allocate_address(cx).await,
        NetworkStep::CreateNatGateway { subnet, address } => {
            create_nat_gateway(cx, subnet, address).await
        }
        NetworkStep::CreateRouteTable { vpc } => create_route_table(cx, vpc).await,
        NetworkStep::CreateRoute {
            table,
            destination,
            target,
        } => create_route(cx, table, destination, target).await,
        NetworkStep::ReplaceRoute {
            table,
            destination,
            target,
        } => replace_route(ec2, name, &ids.resolve(table)?, destination, target, ids).await,
        NetworkStep::DeleteDuplicate { kind, id } => {
            delete_duplicate(ec2, *kind, id).await?;
            Ok(None)
        }
        NetworkStep::DeleteRoute { table, destination } => {
            let result = ec2
                .delete_route()
                .route_table_id(ids.resolve(table)?)
                .destination_cidr_block(destination)
                .send()
                .await
                .map_err(sdk("DeleteRoute", name));
            match result {
                Err(e) if !already_done(&e, &["InvalidRoute.NotFound"]) => Err(e),
                _ => Ok(None),
            }
        }
        NetworkStep::AssociateRouteTable { table, subnet } => {
            associate_route_table(cx, table, subnet).await
        }
        NetworkStep::ReplaceRouteTableAssociation {
            association_id,
            table,
        } => replace_route_table_association(cx, association_id, table).await,
        NetworkStep::CreateSecurityGroup {
            vpc,
            group_name,
            description,
        } => create_security_group(cx, vpc, group_name, description).await,
        NetworkStep::AuthorizeIngress { group, rules } => authorize_ingress(cx, group, rules).await,
        NetworkStep::RevokeIngress { group, rules } => revoke_ingress(cx, group, rules).await,
    }
}

async fn create_vpc(cx: &StepContext<'_>, cidr: &str) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let owner = cx.owner;
    let change = cx.change;

    let id = create_once(ec2, owner, Untokened::Vpc, name, || async {
        let out = ec2
            .create_vpc()
            .cidr_block(cidr)
            .tag_specifications(tag_specification(owner, change, ResourceType::Vpc))
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(sdk("CreateVpc", name))?;
        Ok(out
            .vpc()
            .and_then(|v| v.vpc_id())
            .ok_or_else(|| missing("CreateVpc", change, "VpcId"))?
            .to_owned())
    })
    .await?;
    wait::until_with(
        &format!("VPC {name} ({id}) to be available"),
        VPC_DEADLINE,
        polls(),
        || async {
            let out = ec2
                .describe_vpcs()
                .vpc_ids(&id)
                .send()
                .await
                .map_err(sdk("DescribeVpcs", name))?;
            Ok(match out.vpcs().first().and_then(|v| v.state()) {
                Some(VpcState::Available) => Check::Ready(()),
                state => Check::Pending(format!("{state:?}")),
            })
        },
    )
    .await?;
    Ok(Some(id))
}

async fn set_vpc_dns(
    cx: &StepContext<'_>,
    vpc: &Ref,
    dns_support: bool,
    dns_hostnames: bool,
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let ids = cx.ids;

    let vpc = ids.resolve(vpc)?;
    // One attribute per call; DNS support must be on before hostnames.
    wait::visible(|| async {
        ec2.modify_vpc_attribute()
            .vpc_id(&vpc)
            .enable_dns_support(AttributeBooleanValue::builder().value(dns_support).build())
            .send()
            .await
            .map_err(sdk("ModifyVpcAttribute", name))
    })
    .await?;
    wait::visible(|| async {
        ec2.modify_vpc_attribute()
            .vpc_id(&vpc)
            .enable_dns_hostnames(
                AttributeBooleanValue::builder()
                    .value(dns_hostnames)
                    .build(),
            )
            .send()
            .await
            .map_err(sdk("ModifyVpcAttribute", name))
    })
    .await?;
    Ok(None)
}

async fn create_subnet(
    cx: &StepContext<'_>,
    vpc: &Ref,
    cidr: &str,
    availability_zone: &str,
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let owner = cx.owner;
    let change = cx.change;
    let ids = cx.ids;

    let vpc = ids.resolve(vpc)?;
    let id = create_once(ec2, owner, Untokened::Subnet, name, || {
        wait::visible(|| async {
            let out = ec2
                .create_subnet()
                .vpc_id(&vpc)
                .cidr_block(cidr)
                .availability_zone(availability_zone)
                .tag_specifications(tag_specification(owner, change, ResourceType::Subnet))
                .customize()
                .config_override(sent_once())
                .send()
                .await
                .map_err(sdk("CreateSubnet", name))?;
            Ok(out
                .subnet()
                .and_then(|s| s.subnet_id())
                .ok_or_else(|| missing("CreateSubnet", change, "SubnetId"))?
                .to_owned())
        })
    })
    .await?;
    Ok(Some(id))
}

async fn create_internet_gateway(cx: &StepContext<'_>) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let owner = cx.owner;
    let change = cx.change;

    let id = create_once(ec2, owner, Untokened::InternetGateway, name, || async {
        let out = ec2
            .create_internet_gateway()
            .tag_specifications(tag_specification(
                owner,
                change,
                ResourceType::InternetGateway,
            ))
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(sdk("CreateInternetGateway", name))?;
        Ok(out
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .ok_or_else(|| missing("CreateInternetGateway", change, "InternetGatewayId"))?
            .to_owned())
    })
    .await?;
    Ok(Some(id))
}

async fn attach_internet_gateway(
    cx: &StepContext<'_>,
    gateway: &Ref,
    vpc: &Ref,
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let ids = cx.ids;

    let result = wait::visible(|| async {
        ec2.attach_internet_gateway()
            .internet_gateway_id(ids.resolve(gateway)?)
            .vpc_id(ids.resolve(vpc)?)
            .send()
            .await
            .map_err(sdk("AttachInternetGateway", name))
    })
    .await;
    match result {
        Err(e) if !already_done(&e, &["Resource.AlreadyAssociated"]) => Err(e),
        _ => Ok(None),
    }
}

async fn allocate_address(cx: &StepContext<'_>) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let owner = cx.owner;
    let change = cx.change;

    let id = create_once(ec2, owner, Untokened::Address, name, || async {
        let out = ec2
            .allocate_address()
            .domain(DomainType::Vpc)
            .tag_specifications(tag_specification(owner, change, ResourceType::ElasticIp))
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(sdk("AllocateAddress", name))?;
        Ok(out
            .allocation_id()
            .ok_or_else(|| missing("AllocateAddress", change, "AllocationId"))?
            .to_owned())
    })
    .await?;
    Ok(Some(id))
}

async fn create_nat_gateway(
    cx: &StepContext<'_>,
    subnet: &Ref,
    address: &Ref,
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let owner = cx.owner;
    let change = cx.change;
    let ids = cx.ids;

    let out = wait::visible(|| async {
        ec2.create_nat_gateway()
            .subnet_id(ids.resolve(subnet)?)
            .allocation_id(ids.resolve(address)?)
            .connectivity_type(ConnectivityType::Public)
            .tag_specifications(tag_specification(owner, change, ResourceType::Natgateway))
            .send()
            .await
            .map_err(sdk("CreateNatGateway", name))
    })
    .await?;
    let id = out
        .nat_gateway()
        .and_then(|n| n.nat_gateway_id())
        .ok_or_else(|| missing("CreateNatGateway", change, "NatGatewayId"))?
        .to_owned();
    wait::until_with(
        &format!("NAT gateway {name} ({id}) to be available"),
        NAT_DEADLINE,
        polls(),
        || async {
            let out = ec2
                .describe_nat_gateways()
                .nat_gateway_ids(&id)
                .send()
                .await
                .map_err(sdk("DescribeNatGateways", name))?;
            let nat = out.nat_gateways().first();
            Ok(match nat.and_then(|n| n.state()) {
                Some(NatGatewayState::Available) => Check::Ready(()),
                Some(
                    NatGatewayState::Failed | NatGatewayState::Deleted | NatGatewayState::Deleting,
                ) => Check::Failed(format!(
                    "{} ({})",
                    nat.and_then(|n| n.state())
                        .map(NatGatewayState::as_str)
                        .unwrap_or_default(),
                    nat.and_then(|n| n.failure_message())
                        .unwrap_or("no reason given")
                )),
                state => {
                    Check::Pending(state.map_or("unknown", NatGatewayState::as_str).to_owned())
                }
            })
        },
    )
    .await?;
    Ok(Some(id))
}

async fn create_route_table(cx: &StepContext<'_>, vpc: &Ref) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let owner = cx.owner;
    let change = cx.change;
    let ids = cx.ids;

    let out = wait::visible(|| async {
        ec2.create_route_table()
            .vpc_id(ids.resolve(vpc)?)
            .tag_specifications(tag_specification(owner, change, ResourceType::RouteTable))
            .send()
            .await
            .map_err(sdk("CreateRouteTable", name))
    })
    .await?;
    Ok(Some(
        out.route_table()
            .and_then(|t| t.route_table_id())
            .ok_or_else(|| missing("CreateRouteTable", change, "RouteTableId"))?
            .to_owned(),
    ))
}

async fn create_route(
    cx: &StepContext<'_>,
    table: &Ref,
    destination: &str,
    target: &RouteTarget,
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let ids = cx.ids;

    let table = ids.resolve(table)?;
    let request = ec2
        .create_route()
        .route_table_id(&table)
        .destination_cidr_block(destination);
    let request = match target {
        RouteTarget::InternetGateway(g) => request.gateway_id(ids.resolve(g)?),
        RouteTarget::NatGateway(n) => request.nat_gateway_id(ids.resolve(n)?),
    };
    let sent = wait::visible(|| async {
        request
            .clone()
            .send()
            .await
            .map_err(sdk("CreateRoute", name))
    })
    .await;
    match sent {
        Err(e) if already_done(&e, &["RouteAlreadyExists"]) => {
            replace_route(ec2, name, &table, destination, target, ids).await
        }
        Err(e) => Err(e),
        Ok(_) => Ok(None),
    }
}

async fn associate_route_table(
    cx: &StepContext<'_>,
    table: &Ref,
    subnet: &Ref,
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let change = cx.change;
    let ids = cx.ids;

    let (table, subnet) = (ids.resolve(table)?, ids.resolve(subnet)?);
    let sent = wait::visible(|| async {
        ec2.associate_route_table()
            .route_table_id(&table)
            .subnet_id(&subnet)
            .send()
            .await
            .map_err(sdk("AssociateRouteTable", name))
    })
    .await;
    match sent {
        Ok(out) => Ok(Some(
            out.association_id()
                .ok_or_else(|| missing("AssociateRouteTable", change, "AssociationId"))?
                .to_owned(),
        )),
        // No client token: the SDK's retry after a lost answer finds the
        // association the first call made. Another table's is an error.
        Err(e) if already_done(&e, &["Resource.AlreadyAssociated"]) => {
            let out = ec2
                .describe_route_tables()
                .route_table_ids(&table)
                .send()
                .await
                .map_err(sdk("DescribeRouteTables", name))?;
            let association = out
                .route_tables()
                .iter()
                .flat_map(aws_sdk_ec2::types::RouteTable::associations)
                .find(|a| a.subnet_id() == Some(subnet.as_str()))
                .and_then(|a| a.route_table_association_id());
            Ok(Some(association.ok_or(e)?.to_owned()))
        }
        Err(e) => Err(e),
    }
}

async fn replace_route_table_association(
    cx: &StepContext<'_>,
    association_id: &str,
    table: &Ref,
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let ids = cx.ids;

    wait::visible(|| async {
        ec2.replace_route_table_association()
            .association_id(association_id)
            .route_table_id(ids.resolve(table)?)
            .send()
            .await
            .map_err(sdk("ReplaceRouteTableAssociation", name))
    })
    .await?;
    Ok(None)
}

async fn create_security_group(
    cx: &StepContext<'_>,
    vpc: &Ref,
    group_name: &str,
    description: &str,
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let owner = cx.owner;
    let change = cx.change;
    let ids = cx.ids;

    let vpc = ids.resolve(vpc)?;
    let result = wait::visible(|| async {
        ec2.create_security_group()
            .vpc_id(&vpc)
            .group_name(group_name)
            .description(description)
            .tag_specifications(tag_specification(
                owner,
                change,
                ResourceType::SecurityGroup,
            ))
            .send()
            .await
            .map_err(sdk("CreateSecurityGroup", name))
    })
    .await;
    match result {
        Ok(out) => Ok(Some(
            out.group_id()
                .ok_or_else(|| missing("CreateSecurityGroup", change, "GroupId"))?
                .to_owned(),
        )),
        // Created by an earlier, interrupted run: adopt it by name in this VPC.
        Err(e) if already_done(&e, &["InvalidGroup.Duplicate"]) => {
            let out = ec2
                .describe_security_groups()
                .filters(Filter::builder().name("vpc-id").values(&vpc).build())
                .filters(
                    Filter::builder()
                        .name("group-name")
                        .values(group_name)
                        .build(),
                )
                .send()
                .await
                .map_err(sdk("DescribeSecurityGroups", name))?;
            Ok(Some(
                out.security_groups()
                    .first()
                    .and_then(|g| g.group_id())
                    .ok_or(e)?
                    .to_owned(),
            ))
        }
        Err(e) => Err(e),
    }
}

async fn authorize_ingress(
    cx: &StepContext<'_>,
    group: &Ref,
    rules: &[IngressRule],
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let ids = cx.ids;

    let group = ids.resolve(group)?;
    for rule in rules {
        let result = wait::visible(|| async {
            ec2.authorize_security_group_ingress()
                .group_id(&group)
                .ip_permissions(permission(rule, ids)?)
                .send()
                .await
                .map_err(sdk("AuthorizeSecurityGroupIngress", name))
        })
        .await;
        if let Err(e) = result
            && !already_done(&e, &["InvalidPermission.Duplicate"])
        {
            return Err(e);
        }
    }
    Ok(None)
}

async fn revoke_ingress(
    cx: &StepContext<'_>,
    group: &Ref,
    rules: &[IngressRule],
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let name = cx.name();
    let ids = cx.ids;

    let group = ids.resolve(group)?;
    for rule in rules {
        let result = ec2
            .revoke_security_group_ingress()
            .group_id(&group)
            .ip_permissions(permission(rule, ids)?)
            .send()
            .await
            .map_err(sdk("RevokeSecurityGroupIngress", name));
        if let Err(e) = result
            && !already_done(&e, &["InvalidPermission.NotFound"])
        {
            return Err(e);
        }
    }
    Ok(None)
}

async fn replace_route(
    ec2: &Client,
    name: &str,
    table: &str,
    destination: &str,
    target: &RouteTarget,
    ids: &ResolvedIds,
) -> Result<Option<String>, AwsError> {
    let request = ec2
        .replace_route()
        .route_table_id(table)
        .destination_cidr_block(destination);
    let request = match target {
        RouteTarget::InternetGateway(g) => request.gateway_id(ids.resolve(g)?),
        RouteTarget::NatGateway(n) => request.nat_gateway_id(ids.resolve(n)?),
    };
    wait::visible(|| async {
        request
            .clone()
            .send()
            .await
            .map_err(sdk("ReplaceRoute", name))
    })
    .await?;
    Ok(None)
}
