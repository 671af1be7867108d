//! Creates EC2 cannot make idempotent (no client token) and what a lost
//! answer leaves: each is sent without the SDK's retries and, after a lost
//! answer, looked for by its tags before it is sent again; an empty
//! duplicate the plan found is deleted.

use std::time::Duration;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::Filter;
use awsdeploy_plan::ResourceKind;

use super::{owner_filters, owns};
use crate::AwsError;
use crate::error::sdk;
use crate::tags::{self, Owner};
use crate::wait;

/// EC2 creates without a client token, which awsdeploy sends at most once
/// per attempt (see [`create_once`]).
#[derive(Debug, Clone, Copy)]
pub(super) enum Untokened {
    Vpc,
    Subnet,
    InternetGateway,
    Address,
}

/// The SDK's retries off, for a create that has no client token: a retry
/// after a lost answer would make a second resource.
pub(super) fn sent_once() -> aws_sdk_ec2::config::Builder {
    aws_sdk_ec2::config::Builder::default()
        .retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
}

/// Runs `create` (sent without the SDK's retries) through
/// [`wait::create_once`], looking for what a lost answer made by its
/// `Name` and owner tags.
pub(super) async fn create_once<F, Fut>(
    ec2: &Client,
    owner: &Owner,
    kind: Untokened,
    name: &str,
    create: F,
) -> Result<String, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<String, AwsError>>,
{
    wait::create_once(name, create, || find_created(ec2, owner, kind, name)).await
}

/// The id of `owner`'s resource of `kind` named `name`, if there is one.
pub(super) async fn find_created(
    ec2: &Client,
    owner: &Owner,
    kind: Untokened,
    name: &str,
) -> Result<Option<String>, AwsError> {
    let named = || {
        Filter::builder()
            .name(format!("tag:{}", tags::NAME))
            .values(name)
            .build()
    };
    Ok(match kind {
        Untokened::Vpc => describe_owned!(
            owner,
            name,
            ec2.describe_vpcs().filters(named()),
            "DescribeVpcs"
        )
        .first()
        .and_then(|v| v.vpc_id().map(str::to_owned)),
        Untokened::Subnet => describe_owned!(
            owner,
            name,
            ec2.describe_subnets().filters(named()),
            "DescribeSubnets"
        )
        .first()
        .and_then(|v| v.subnet_id().map(str::to_owned)),
        Untokened::InternetGateway => describe_owned!(
            owner,
            name,
            ec2.describe_internet_gateways().filters(named()),
            "DescribeInternetGateways"
        )
        .first()
        .and_then(|g| g.internet_gateway_id().map(str::to_owned)),
        Untokened::Address => {
            let [by_app, by_env] = owner_filters(owner);
            let out = ec2
                .describe_addresses()
                .filters(by_app)
                .filters(by_env)
                .filters(named())
                .send()
                .await
                .map_err(sdk("DescribeAddresses", name))?;
            out.addresses()
                .iter()
                .find(|a| owns(owner, a.tags()))
                .and_then(|a| a.allocation_id().map(str::to_owned))
        }
    })
}

/// Deletes an empty duplicate (see [`Step::DeleteDuplicate`]); one already
/// gone is success. AWS refuses to delete one that has something in it
/// (`DependencyViolation`), which the plan did not see.
pub(super) async fn delete_duplicate(
    ec2: &Client,
    kind: ResourceKind,
    id: &str,
) -> Result<(), AwsError> {
    match kind {
        // Nothing frees a duplicate that is in use: no waiting.
        ResourceKind::Vpc => super::teardown::delete_vpc(ec2, id, Duration::ZERO).await,
        ResourceKind::Subnet => super::teardown::delete_subnet(ec2, id, Duration::ZERO).await,
        ResourceKind::InternetGateway => {
            super::teardown::delete_internet_gateway(ec2, id, None).await
        }
        ResourceKind::ElasticIp => super::teardown::release_address(ec2, id).await,
        // Only an unassociated table is a duplicate: nothing to disassociate.
        ResourceKind::RouteTable => super::teardown::gone(
            ec2.delete_route_table()
                .route_table_id(id)
                .send()
                .await
                .map(drop)
                .map_err(sdk("DeleteRouteTable", id)),
        ),
        other => Err(AwsError::Request {
            operation: "DeleteDuplicate",
            message: format!("awsdeploy does not delete a duplicate {}", other.label()),
        }),
    }
    .map(drop)
}
