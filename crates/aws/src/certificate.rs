//! ACM: the API's certificate, requested with DNS validation; its
//! validation records are written in the stack's Route 53 zone.
//!
//! The certificate is found by its domain and this app's and env's tags
//! (`ListCertificates`, then `ListTagsForCertificate` of those for the
//! domain); the newest wins.

use std::time::Duration;

use aws_sdk_acm::Client;
use aws_sdk_acm::types::{CertificateStatus, RecordType, Tag, ValidationMethod};
use awsdeploy_plan::live::LiveCertificate;
use awsdeploy_plan::{CertificateStep, ComponentId};

use crate::error::{built, sdk};
use crate::tags::Owner;
use crate::wait::{self, Check};
use crate::{AwsError, StepContext};

pub async fn observe(
    acm: &Client,
    owner: &Owner,
    domain: &str,
) -> Result<Option<LiveCertificate>, AwsError> {
    let mut candidates = Vec::new();
    let mut pages = acm.list_certificates().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk("ListCertificates", domain))?;
        for summary in page.certificate_summary_list() {
            if summary
                .domain_name()
                .is_some_and(|d| crate::dns::normalise(d) == crate::dns::normalise(domain))
            {
                candidates.push(summary.clone());
            }
        }
    }
    candidates.sort_by_key(|c| {
        std::cmp::Reverse(c.created_at().map(aws_sdk_acm::primitives::DateTime::secs))
    });
    for summary in candidates {
        let Some(arn) = summary.certificate_arn() else {
            continue;
        };
        let tags = acm
            .list_tags_for_certificate()
            .certificate_arn(arn)
            .send()
            .await
            .map_err(sdk("ListTagsForCertificate", arn))?;
        if owner.owns(tags.tags().iter().map(|t| (Some(t.key()), t.value()))) {
            return Ok(Some(LiveCertificate {
                arn: arn.to_owned(),
                domain: domain.to_owned(),
                status: summary
                    .status()
                    .map_or("UNKNOWN", CertificateStatus::as_str)
                    .to_owned(),
            }));
        }
    }
    Ok(None)
}

/// ACM's idempotency token: a request the SDK sends again gives the same
/// certificate. ACM answers a token used within the hour with the
/// certificate it made then, even one deleted since: so the token is this
/// run's (a `down` then an `up` a minute later must get a new certificate),
/// and a later run finds a certificate an earlier one made by its tags.
/// Word characters only, at most 32: a hash of the app, env, domain and
/// run, so that long names never share one.
fn idempotency_token(owner: &Owner, domain: &str) -> String {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let run = RUN.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!("{}/{nanos}", std::process::id())
    });
    let identity = format!("{}\n{}\n{domain}\n{run}", owner.app, owner.env);
    let hash = awsdeploy_spec::artifact::sha256_hex(identity.as_bytes());
    format!("awsdeploy{}", &hash[..23])
}

/// The certificate's DNS validation records, read until ACM has made them
/// (a few seconds after the request).
async fn validation_records(
    acm: &Client,
    arn: &str,
    name: &str,
) -> Result<Vec<(String, aws_sdk_route53::types::RrType, String)>, AwsError> {
    wait::until_with(
        &format!("the validation records of {name}"),
        Duration::from_secs(120),
        wait::backoff(Duration::from_secs(1), Duration::from_secs(5)),
        || async {
            let out = acm
                .describe_certificate()
                .certificate_arn(arn)
                .send()
                .await
                .map_err(sdk("DescribeCertificate", arn))?;
            let options = out
                .certificate()
                .map(|c| c.domain_validation_options().to_vec())
                .unwrap_or_default();
            let records: Vec<_> = options
                .iter()
                .filter_map(|o| o.resource_record())
                .filter(|r| *r.r#type() == RecordType::Cname)
                .map(|r| {
                    (
                        r.name().to_owned(),
                        aws_sdk_route53::types::RrType::Cname,
                        r.value().to_owned(),
                    )
                })
                .collect();
            Ok(if records.is_empty() || records.len() < options.len() {
                Check::Pending("no validation records yet".to_owned())
            } else {
                Check::Ready(records)
            })
        },
    )
    .await
}

pub(crate) async fn run(
    step: &CertificateStep,
    cx: &StepContext<'_>,
) -> Result<Option<String>, AwsError> {
    let StepContext {
        clients,
        owner,
        change,
        ids,
        ..
    } = *cx;
    let (acm, route53) = (&clients.acm, &clients.route53);
    match step {
        CertificateStep::DeleteCertificate {
            certificate,
            zone_id,
        } => delete_certificate(cx, certificate, zone_id.as_deref()).await,
        CertificateStep::RequestCertificate { domain } => {
            let mut request = acm
                .request_certificate()
                .domain_name(domain)
                .validation_method(ValidationMethod::Dns)
                .idempotency_token(idempotency_token(owner, domain));
            for (key, value) in owner.tags(ComponentId::Certificate, &change.name) {
                request = request.tags(
                    Tag::builder()
                        .key(key)
                        .value(value)
                        .build()
                        .map_err(built("RequestCertificate"))?,
                );
            }
            let out = request
                .send()
                .await
                .map_err(sdk("RequestCertificate", domain.as_str()))?;
            Ok(out.certificate_arn().map(str::to_owned))
        }
        CertificateStep::WriteValidationRecords {
            certificate,
            zone_id,
        } => {
            let arn = ids.resolve(certificate)?;
            let records = validation_records(acm, &arn, &change.name).await?;
            crate::dns::upsert_records(route53, zone_id, &records, &change.name).await?;
            Ok(None)
        }
        CertificateStep::WaitForCertificate {
            certificate,
            domain,
            timeout_secs,
        } => {
            let arn = ids.resolve(certificate)?;
            wait::until_with(
                &format!("the certificate for {domain} to be issued"),
                Duration::from_secs(*timeout_secs),
                wait::backoff(Duration::from_secs(1), Duration::from_secs(15)),
                || async {
                    let out = acm
                        .describe_certificate()
                        .certificate_arn(&arn)
                        .send()
                        .await
                        .map_err(sdk("DescribeCertificate", arn.as_str()))?;
                    let status = out
                        .certificate()
                        .and_then(|c| c.status())
                        .cloned()
                        .unwrap_or(CertificateStatus::PendingValidation);
                    Ok(match status {
                        CertificateStatus::Issued => Check::Ready(()),
                        CertificateStatus::PendingValidation => {
                            Check::Pending("pending validation".to_owned())
                        }
                        other => Check::Failed(other.as_str().to_owned()),
                    })
                },
            )
            .await?;
            Ok(None)
        }
    }
}

/// `down`: the validation records awsdeploy wrote, then the certificate,
/// again while a load balancer being deleted still uses it.
/// The domain certificate `arn` is for; `None` when it is gone.
pub(crate) async fn domain(acm: &Client, arn: &str) -> Result<Option<String>, AwsError> {
    match acm
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(sdk("DescribeCertificate", arn))
    {
        Ok(out) => Ok(out
            .certificate()
            .and_then(|c| c.domain_name())
            .map(str::to_owned)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether another certificate of the account is for the same domain as
/// `arn`: ACM gives every certificate for a name the same validation
/// CNAME, and the other one needs it to renew (ACM user guide, "DNS
/// validation"), so the record stays.
async fn validation_record_shared(acm: &Client, arn: &str) -> Result<bool, AwsError> {
    let mut summaries = Vec::new();
    let mut pages = acm.list_certificates().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk("ListCertificates", arn))?;
        summaries.extend(page.certificate_summary_list().iter().map(|c| {
            (
                c.certificate_arn().unwrap_or_default().to_owned(),
                c.domain_name().unwrap_or_default().to_owned(),
            )
        }));
    }
    let Some(domain) = summaries
        .iter()
        .find(|(a, _)| a == arn)
        .map(|(_, d)| d.clone())
    else {
        return Ok(false);
    };
    let shared = summaries.iter().any(|(a, d)| a != arn && *d == domain);
    if shared {
        tracing::info!(
            "the validation record of {domain} is kept: another certificate of the account is for it"
        );
    }
    Ok(shared)
}

async fn delete_certificate(
    cx: &StepContext<'_>,
    arn: &str,
    zone_id: Option<&str>,
) -> Result<Option<String>, AwsError> {
    let acm = &cx.clients.acm;
    if let Some(zone_id) = zone_id
        && !validation_record_shared(acm, arn).await?
    {
        match validation_records(acm, arn, cx.name()).await {
            Ok(records) => {
                crate::dns::delete_records(&cx.clients.route53, zone_id, &records).await?;
            }
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    let deleted = wait::retrying(
        |e| e.code() == Some("ResourceInUseException"),
        Duration::from_secs(600),
        || async {
            acm.delete_certificate()
                .certificate_arn(arn)
                .send()
                .await
                .map(drop)
                .map_err(sdk("DeleteCertificate", arn))
        },
    )
    .await;
    match deleted {
        Err(e) if e.is_not_found() => Ok(None),
        other => other.map(|()| None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(app: &str, env: &str) -> Owner {
        Owner {
            app: app.to_owned(),
            env: env.to_owned(),
        }
    }

    #[test]
    fn idempotency_tokens_differ_for_long_names_and_fit_acm() {
        let a = idempotency_token(
            &owner("shop-storefront-api", "staging"),
            "api.eu.example.com",
        );
        let b = idempotency_token(
            &owner("shop-storefront-api", "staging"),
            "api.us.example.com",
        );
        assert_ne!(a, b);
        assert_eq!(
            a,
            idempotency_token(
                &owner("shop-storefront-api", "staging"),
                "api.eu.example.com"
            )
        );
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
