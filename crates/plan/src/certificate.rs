//! The API's certificate: with `[dns]` and no
//! `load_balancer.certificate_arn`, an ACM certificate for `dns.api`,
//! validated by DNS records awsdeploy writes in the team's zone, waited for
//! with a deadline. Planned as part of the service tier
//! ([`crate::service`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Component;
use crate::live::LiveZone;
use crate::service::{CERTIFICATE_TIMEOUT_SECS, Context, load_balancer_name};
use crate::{
    Action, ComponentPlan, ComponentStep, FieldChange, Key, PlanError, Ref, ResourceChange,
    ResourceKind,
};

/// The hosted zone `dns.zone` names, when the spec has `[dns]`; it must
/// exist (it is the team's, never awsdeploy's).
pub(crate) fn zone<'a>(cx: &Context<'a>) -> Result<Option<&'a LiveZone>, PlanError> {
    let Some(dns) = &cx.spec.dns else {
        return Ok(None);
    };
    Ok(Some(cx.live.service.zone.as_ref().ok_or_else(|| PlanError::Conflict {
            kind: ResourceKind::DnsRecord,
            name: dns.zone.clone(),
            problem: "no Route 53 hosted zone has this name".to_owned(),
            hint: format!(
                "create the zone (`aws route53 create-hosted-zone --name {} --caller-reference $(date +%s)`) and delegate the domain to it, or fix dns.zone",
                dns.zone
            ),
    })?))
}

/// The hosted zone `dns.zone` names, and the certificate the HTTPS
/// listener uses: the spec's, or one awsdeploy requests and validates;
/// none (and a warning) without either.
pub(crate) fn certificate<'a>(
    cx: &Context<'a>,
    out: &mut ComponentPlan,
) -> Result<(Option<&'a LiveZone>, Option<Ref>), PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let lb = &spec.load_balancer;
    let lb_name = load_balancer_name(app, env);
    let zone = zone(cx)?;
    let certificate: Option<Ref> = match (&lb.certificate_arn, &spec.dns, zone) {
        (Some(arn), _, _) => Some(Ref::Existing(arn.clone())),
        (None, Some(dns), Some(zone)) => {
            let key = Key::named(Component::Certificate, dns.api.clone());
            let wait = CertificateStep::WaitForCertificate {
                certificate: Ref::Planned(key.clone()),
                domain: dns.api.clone(),
                timeout_secs: CERTIFICATE_TIMEOUT_SECS,
            };
            match &live.certificate {
                Some(cert) if cert.status == "ISSUED" => {
                    out.unchanged += 1;
                    Some(Ref::Existing(cert.arn.clone()))
                }
                Some(cert) if cert.status == "PENDING_VALIDATION" => {
                    let existing = Ref::Existing(cert.arn.clone());
                    out.push(
                        ResourceChange::new(
                            key.clone(),
                            ResourceKind::Certificate,
                            &dns.api,
                            Action::Update,
                            vec![
                                CertificateStep::WriteValidationRecords {
                                    certificate: existing.clone(),
                                    zone_id: zone.id.clone(),
                                },
                                CertificateStep::WaitForCertificate {
                                    certificate: existing.clone(),
                                    domain: dns.api.clone(),
                                    timeout_secs: CERTIFICATE_TIMEOUT_SECS,
                                },
                            ],
                        )
                        .on(Some(&cert.arn))
                        .with_fields(vec![FieldChange::new(
                            "status",
                            Some("pending validation"),
                            Some("issued"),
                        )]),
                    );
                    Some(existing)
                }
                found => {
                    let mut fields = vec![
                        FieldChange::set("domain", dns.api.clone()),
                        FieldChange::set("validation", format!("DNS, in {}", dns.zone)),
                    ];
                    if let Some(old) = found {
                        fields.push(
                            FieldChange::set("replaces", format!("{} ({})", old.arn, old.status))
                                .noting("the old certificate is left in ACM"),
                        );
                    }
                    out.push(
                        ResourceChange::new(
                            key.clone(),
                            ResourceKind::Certificate,
                            &dns.api,
                            Action::Create,
                            vec![
                                CertificateStep::RequestCertificate {
                                    domain: dns.api.clone(),
                                },
                                CertificateStep::WriteValidationRecords {
                                    certificate: Ref::Planned(key.clone()),
                                    zone_id: zone.id.clone(),
                                },
                                wait,
                            ],
                        )
                        .with_fields(fields),
                    );
                    Some(Ref::Planned(key))
                }
            }
        }
        _ => {
            out.warnings.push(format!(
                "the load balancer {lb_name} serves plain HTTP on port 80: set [dns] (zone and api name) to get a certificate, or load_balancer.certificate_arn"
            ));
            None
        }
    };
    Ok((zone, certificate))
}

/// The actions of the certificate component: ACM: the API's certificate and its DNS validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CertificateStep {
    /// `RequestCertificate` for one name, DNS-validated. The id is its ARN.
    RequestCertificate { domain: String },
    /// `UPSERT`s the certificate's DNS validation records in the zone (read
    /// with `DescribeCertificate` until ACM has made them).
    WriteValidationRecords { certificate: Ref, zone_id: String },
    /// Waits until the certificate is `ISSUED`.
    WaitForCertificate {
        certificate: Ref,
        domain: String,
        timeout_secs: u64,
    },
    /// Deletes the certificate's validation records from the zone (read
    /// with `DescribeCertificate`), then `DeleteCertificate`; already gone
    /// is success.
    DeleteCertificate {
        certificate: String,
        zone_id: Option<String>,
    },
}

impl ComponentStep for CertificateStep {
    fn refs(&self) -> Vec<&Ref> {
        match self {
            CertificateStep::RequestCertificate { .. }
            | CertificateStep::DeleteCertificate { .. } => {
                vec![]
            }
            CertificateStep::WriteValidationRecords { certificate, .. }
            | CertificateStep::WaitForCertificate { certificate, .. } => vec![certificate],
        }
    }

    fn creates(&self) -> bool {
        matches!(self, CertificateStep::RequestCertificate { .. })
    }

    fn is_wait(&self) -> bool {
        matches!(self, CertificateStep::WaitForCertificate { .. })
    }

    fn how_to_follow(&self) -> Option<String> {
        match self {
            CertificateStep::WaitForCertificate { domain, .. } => Some(format!(
                "ACM goes on validating the certificate for {domain}; `awsdeploy up` again continues once it is issued, or check `aws acm list-certificates`"
            )),
            CertificateStep::RequestCertificate { .. }
            | CertificateStep::WriteValidationRecords { .. }
            | CertificateStep::DeleteCertificate { .. } => None,
        }
    }
}

/// `down`: the certificate awsdeploy requested, and its validation records.
pub(crate) fn teardown(live: &crate::live::LiveServiceTier) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    if let Some(certificate) = &live.certificate {
        out.push(
            ResourceChange::new(
                Key::named(Component::Certificate, certificate.domain.clone()),
                ResourceKind::Certificate,
                &certificate.domain,
                Action::Delete,
                vec![CertificateStep::DeleteCertificate {
                    certificate: certificate.arn.clone(),
                    zone_id: live.zone.as_ref().map(|z| z.id.clone()),
                }],
            )
            .on(Some(&certificate.arn)),
        );
    }
    out
}
