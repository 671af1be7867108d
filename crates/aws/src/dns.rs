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
