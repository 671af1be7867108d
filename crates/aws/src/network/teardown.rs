//! The network's deletes for `down`. Each treats "already gone" as done,
//! and tries again while AWS still holds what depends on it: network
//! interfaces that Fargate tasks and a load balancer leave behind for
//! minutes (`DependencyViolation`), an Elastic IP its NAT gateway releases
//! a moment after it is deleted.

use std::time::Duration;

use aws_sdk_ec2::Client;

use super::NAT_DEADLINE;
use crate::error::sdk;
use crate::wait::{self, Check};
use crate::{AwsError, StepContext};

/// How long network interfaces left by Fargate tasks and load balancers may
/// keep a subnet, a security group or a VPC in use.
pub(crate) const RELEASE_WINDOW: Duration = Duration::from_secs(15 * 60);

pub(super) fn gone(result: Result<(), AwsError>) -> Result<Option<String>, AwsError> {
    match result {
        Err(e) if e.is_not_found() => Ok(None),
        other => other.map(|()| None),
    }
}

/// Sends `delete` again while AWS still holds what depends on the resource,
/// for at most `window`; "already gone" is done.
async fn when_free<F, Fut>(window: Duration, delete: F) -> Result<Option<String>, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsError>>,
{
    gone(wait::retrying(in_use, window, delete).await)
}

fn in_use(error: &AwsError) -> bool {
    matches!(
        error.code(),
        Some("DependencyViolation" | "InvalidIPAddress.InUse" | "InvalidAddress.Locked")
    )
}

pub(crate) async fn delete_nat_gateway(
    cx: &StepContext<'_>,
    id: &str,
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    let deleted = ec2
        .delete_nat_gateway()
        .nat_gateway_id(id)
        .send()
        .await
        .map(drop)
        .map_err(sdk("DeleteNatGateway", id));
    gone(deleted)?;
    wait::until(
        &format!("the NAT gateway {id} to be deleted"),
        NAT_DEADLINE,
        Duration::from_secs(2),
        || async {
            let out = ec2
                .describe_nat_gateways()
                .nat_gateway_ids(id)
                .send()
                .await
                .map_err(sdk("DescribeNatGateways", id));
            let state = match out {
                Err(e) if e.is_not_found() => return Ok(Check::Ready(())),
                other => other?
                    .nat_gateways()
                    .first()
                    .and_then(|n| n.state().map(|s| s.as_str().to_owned())),
            };
            Ok(match state.as_deref() {
                None | Some("deleted") => Check::Ready(()),
                Some(other) => Check::Pending(other.to_owned()),
            })
        },
    )
    .await?;
    Ok(None)
}

pub(crate) async fn release_address(
    ec2: &Client,
    allocation_id: &str,
) -> Result<Option<String>, AwsError> {
    when_free(Duration::from_secs(120), || async {
        ec2.release_address()
            .allocation_id(allocation_id)
            .send()
            .await
            .map(drop)
            .map_err(sdk("ReleaseAddress", allocation_id))
    })
    .await
}

pub(crate) async fn delete_internet_gateway(
    ec2: &Client,
    id: &str,
    vpc: Option<&str>,
) -> Result<Option<String>, AwsError> {
    if let Some(vpc) = vpc {
        // "has some mapped public address(es)" until the NAT gateway's and
        // the load balancer's addresses are released.
        let detached = wait::retrying(in_use, RELEASE_WINDOW, || async {
            ec2.detach_internet_gateway()
                .internet_gateway_id(id)
                .vpc_id(vpc)
                .send()
                .await
                .map(drop)
                .map_err(sdk("DetachInternetGateway", id))
        })
        .await;
        match detached {
            Err(e) if e.is_not_found() || e.code() == Some("Gateway.NotAttached") => {}
            other => other?,
        }
    }
    gone(
        ec2.delete_internet_gateway()
            .internet_gateway_id(id)
            .send()
            .await
            .map(drop)
            .map_err(sdk("DeleteInternetGateway", id)),
    )
}

pub(crate) async fn delete_route_table(
    cx: &StepContext<'_>,
    id: &str,
    associations: &[String],
) -> Result<Option<String>, AwsError> {
    let ec2 = &cx.clients.ec2;
    for association in associations {
        gone(
            ec2.disassociate_route_table()
                .association_id(association)
                .send()
                .await
                .map(drop)
                .map_err(sdk("DisassociateRouteTable", association.as_str())),
        )?;
    }
    when_free(Duration::from_secs(120), || async {
        ec2.delete_route_table()
            .route_table_id(id)
            .send()
            .await
            .map(drop)
            .map_err(sdk("DeleteRouteTable", id))
    })
    .await
}

/// Deletes a subnet, trying again for `window` while it is in use.
pub(crate) async fn delete_subnet(
    ec2: &Client,
    id: &str,
    window: Duration,
) -> Result<Option<String>, AwsError> {
    when_free(window, || async {
        ec2.delete_subnet()
            .subnet_id(id)
            .send()
            .await
            .map(drop)
            .map_err(sdk("DeleteSubnet", id))
    })
    .await
}

pub(crate) async fn delete_security_group(
    ec2: &Client,
    id: &str,
) -> Result<Option<String>, AwsError> {
    when_free(RELEASE_WINDOW, || async {
        ec2.delete_security_group()
            .group_id(id)
            .send()
            .await
            .map(drop)
            .map_err(sdk("DeleteSecurityGroup", id))
    })
    .await
}

/// Deletes a VPC, trying again for `window` while it is in use.
pub(crate) async fn delete_vpc(
    ec2: &Client,
    id: &str,
    window: Duration,
) -> Result<Option<String>, AwsError> {
    when_free(window, || async {
        ec2.delete_vpc()
            .vpc_id(id)
            .send()
            .await
            .map(drop)
            .map_err(sdk("DeleteVpc", id))
    })
    .await
}
