//! Route 53: the hosted zone `dns.zone` names (never created: it is the
//! team's), the API's alias record, and the records other components need
//! written (certificate validation).
//!
//! Records carry no tags. awsdeploy writes the API record only where there
//! is none or where it already aliases this stack's load balancer.

use aws_sdk_route53::Client;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use awsdeploy_plan::DnsStep;
use awsdeploy_plan::live::{LiveRecord, LiveZone};

use crate::error::{built, sdk};
use crate::{AwsError, StepContext};

/// A DNS name as compared: lower case, no trailing dot.
pub(crate) fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The public hosted zone named `zone`, and the A record at `api` in it.
/// The public zone closest to `domain` among its parents (and, with
/// `itself`, the domain itself): what a record of that name was written
/// in, when the spec no longer says.
pub async fn closest_zone(
    route53: &Client,
    domain: &str,
    itself: bool,
) -> Result<Option<LiveZone>, AwsError> {
    let labels: Vec<&str> = domain.trim_end_matches('.').split('.').collect();
    let first = usize::from(!itself);
    for start in first..labels.len().saturating_sub(1) {
        let zone = labels[start..].join(".");
        if let (Some(found), _) = observe(route53, &zone, None).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

pub async fn observe(
    route53: &Client,
    zone: &str,
    api: Option<&str>,
) -> Result<(Option<LiveZone>, Option<LiveRecord>), AwsError> {
    let out = route53
        .list_hosted_zones_by_name()
        .dns_name(zone)
        .max_items(10)
        .send()
        .await
        .map_err(sdk("ListHostedZonesByName", zone))?;
    let found = out.hosted_zones().iter().find(|z| {
        normalise(z.name()) == normalise(zone)
            && !z
                .config()
                .is_some_and(aws_sdk_route53::types::HostedZoneConfig::private_zone)
    });
    let Some(found) = found else {
        return Ok((None, None));
    };
    let live_zone = LiveZone {
        id: found.id().trim_start_matches("/hostedzone/").to_owned(),
        name: normalise(found.name()),
    };
    let Some(api) = api else {
        return Ok((Some(live_zone), None));
    };
    let out = route53
        .list_resource_record_sets()
        .hosted_zone_id(&live_zone.id)
        .start_record_name(api)
        .start_record_type(RrType::A)
        .max_items(1)
        .send()
        .await
        .map_err(sdk("ListResourceRecordSets", api))?;
    // The listing starts at the name; what comes first may be the next one.
    let record = out
        .resource_record_sets()
        .iter()
        .find(|r| normalise(r.name()) == normalise(api) && *r.r#type() == RrType::A)
        .map(|r| LiveRecord {
            name: normalise(r.name()),
            alias_dns_name: r.alias_target().map(|a| normalise(a.dns_name())),
            values: r
                .resource_records()
                .iter()
                .map(|v| v.value().to_owned())
                .collect(),
        });
    Ok((Some(live_zone), record))
}

/// Deletes the records (name, type, value) awsdeploy wrote, each exactly
/// as the zone holds it (Route 53 deletes only an exact match), and only
/// while it still has awsdeploy's value; one already gone is done.
pub(crate) async fn delete_records(
    route53: &Client,
    zone_id: &str,
    records: &[(String, RrType, String)],
) -> Result<(), AwsError> {
    for (name, kind, value) in records {
        let Some(set) = record_set(route53, zone_id, name, kind).await? else {
            continue;
        };
        let ours = set
            .resource_records()
            .iter()
            .any(|r| normalise(r.value()) == normalise(value));
        if ours {
            delete_set(route53, zone_id, set).await?;
        }
    }
    Ok(())
}

/// The record set `name` of `kind` in the zone, if there is one.
async fn record_set(
    route53: &Client,
    zone_id: &str,
    name: &str,
    kind: &RrType,
) -> Result<Option<ResourceRecordSet>, AwsError> {
    let out = route53
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .start_record_name(name)
        .start_record_type(kind.clone())
        .max_items(1)
        .send()
        .await
        .map_err(sdk("ListResourceRecordSets", name))?;
    Ok(out
        .resource_record_sets()
        .iter()
        .find(|set| normalise(set.name()) == normalise(name) && set.r#type() == kind)
        .cloned())
}

async fn delete_set(
    route53: &Client,
    zone_id: &str,
    set: ResourceRecordSet,
) -> Result<(), AwsError> {
    let name = set.name().to_owned();
    let deleted = route53
        .change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(
            ChangeBatch::builder()
                .comment("awsdeploy down")
                .changes(
                    Change::builder()
                        .action(ChangeAction::Delete)
                        .resource_record_set(set)
                        .build()
                        .map_err(built("ChangeResourceRecordSets"))?,
                )
                .build()
                .map_err(built("ChangeResourceRecordSets"))?,
        )
        .send()
        .await
        .map_err(sdk("ChangeResourceRecordSets", name.as_str()));
    match deleted {
        // Deleted meanwhile: "it was not found".
        Err(e) if e.code() == Some("InvalidChangeBatch") => Ok(()),
        other => other.map(drop),
    }
}

/// `down`: the API's alias record, when it still aliases `alias_dns_name`.
async fn delete_alias(
    route53: &Client,
    zone_id: &str,
    name: &str,
    alias_dns_name: &str,
) -> Result<Option<String>, AwsError> {
    if let Some(set) = record_set(route53, zone_id, name, &RrType::A).await?
        && set
            .alias_target()
            .is_some_and(|a| normalise(a.dns_name()) == normalise(alias_dns_name))
    {
        delete_set(route53, zone_id, set).await?;
    }
    Ok(None)
}

/// `UPSERT`s plain records (name, type, value) with a 300 s TTL.
pub(crate) async fn upsert_records(
    route53: &Client,
    zone_id: &str,
    records: &[(String, RrType, String)],
    what: &str,
) -> Result<(), AwsError> {
    let mut batch = ChangeBatch::builder();
    for (name, kind, value) in records {
        let set = ResourceRecordSet::builder()
            .name(name)
            .r#type(kind.clone())
            .ttl(300)
            .resource_records(
                ResourceRecord::builder()
                    .value(value)
                    .build()
                    .map_err(built("ChangeResourceRecordSets"))?,
            )
            .build()
            .map_err(built("ChangeResourceRecordSets"))?;
        batch = batch.changes(
            Change::builder()
                .action(ChangeAction::Upsert)
                .resource_record_set(set)
                .build()
                .map_err(built("ChangeResourceRecordSets"))?,
        );
    }
    route53
        .change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(batch.build().map_err(built("ChangeResourceRecordSets"))?)
        .send()
        .await
        .map_err(sdk("ChangeResourceRecordSets", what))?;
    Ok(())
}

pub(crate) async fn run(step: &DnsStep, cx: &StepContext<'_>) -> Result<Option<String>, AwsError> {
    let StepContext {
        clients,
        change,
        ids,
        ..
    } = *cx;
    let (route53, elb) = (&clients.route53, &clients.elb);
    match step {
        DnsStep::DeleteAlias {
            zone_id,
            name,
            alias_dns_name,
            ..
        } => delete_alias(&cx.clients.route53, zone_id, name, alias_dns_name).await,
        DnsStep::UpsertAlias {
            zone_id,
            name,
            load_balancer,
        } => {
            let arn = ids.resolve(load_balancer)?;
            let out = elb
                .describe_load_balancers()
                .load_balancer_arns(&arn)
                .send()
                .await
                .map_err(sdk("DescribeLoadBalancers", arn.as_str()))?;
            let lb = out.load_balancers().first().ok_or(AwsError::MissingField {
                operation: "DescribeLoadBalancers",
                resource: arn.clone(),
                field: "LoadBalancers",
            })?;
            let target = AliasTarget::builder()
                .hosted_zone_id(lb.canonical_hosted_zone_id().unwrap_or_default())
                .dns_name(lb.dns_name().unwrap_or_default())
                .evaluate_target_health(true)
                .build()
                .map_err(built("ChangeResourceRecordSets"))?;
            let set = ResourceRecordSet::builder()
                .name(name)
                .r#type(RrType::A)
                .alias_target(target)
                .build()
                .map_err(built("ChangeResourceRecordSets"))?;
            route53
                .change_resource_record_sets()
                .hosted_zone_id(zone_id)
                .change_batch(
                    ChangeBatch::builder()
                        .comment(format!("awsdeploy: {}", change.key))
                        .changes(
                            Change::builder()
                                .action(ChangeAction::Upsert)
                                .resource_record_set(set)
                                .build()
                                .map_err(built("ChangeResourceRecordSets"))?,
                        )
                        .build()
                        .map_err(built("ChangeResourceRecordSets"))?,
                )
                .send()
                .await
                .map_err(sdk("ChangeResourceRecordSets", name.as_str()))?;
            Ok(None)
        }
    }
}
