//! The API's certificate: with `[dns]` and no
//! `load_balancer.certificate_arn`, an ACM certificate for `dns.api`,
//! validated by DNS records awsdeploy writes in the team's zone, waited for
//! with a deadline. Planned when the spec has `[service]`.

use awsdeploy_spec::Spec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext};
use crate::dns::zone;
use crate::live::{LiveZone, Lookups};
use crate::names::load_balancer_name;
use crate::status::Status;
use crate::{
    Action, ComponentId, ComponentPlan, ComponentStep, FieldChange, Key, PlanError, Ref,
    ResourceChange, ResourceKind,
};

/// How long `up` waits for a new certificate to be issued.
pub const CERTIFICATE_TIMEOUT_SECS: u64 = 30 * 60;

/// The API's ACM certificate (`[dns]`, with `[service]`).
pub struct Certificate;

impl Component for Certificate {
    fn id(&self) -> ComponentId {
        ComponentId::Certificate
    }

    fn sections(&self) -> &'static [&'static str] {
        &["dns", "load_balancer"]
    }

    fn lookups(&self, spec: &Spec, _purpose: Purpose, lookups: &mut Lookups) {
        lookups.api_domain = spec.dns.as_ref().map(|d| d.api.clone());
    }

    fn live_refs(&self, cx: &PlanContext<'_>) -> Result<Vec<(Key, String)>, PlanError> {
        let (Some(dns), Some(cert)) = (&cx.spec.dns, &cx.live.service.certificate) else {
            return Ok(Vec::new());
        };
        Ok(
            matches!(cert.status.as_str(), "ISSUED" | "PENDING_VALIDATION")
                .then(|| {
                    (
                        Key::named(ComponentId::Certificate, dns.api.clone()),
                        cert.arn.clone(),
                    )
                })
                .into_iter()
                .collect(),
        )
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        let mut out = ComponentPlan::default();
        if cx.spec.service.is_some() {
            certificate(cx, &mut out)?;
        }
        Ok(out)
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(teardown(&cx.live.service))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        &[ComponentId::LoadBalancer]
    }

    fn policy(&self, _cx: &PolicyContext<'_>) -> Vec<Statement> {
        // A certificate's ARN ends in an id ACM chooses.
        vec![Statement::anywhere(
            "Certificate",
            &[
                "acm:AddTagsToCertificate",
                "acm:DeleteCertificate",
                "acm:DescribeCertificate",
                "acm:ListCertificates",
                "acm:ListTagsForCertificate",
                "acm:RequestCertificate",
            ],
        )]
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        vec![cx.arn("acm", "certificate/0123-4567")]
    }

    fn status(&self, _cx: &StatusContext<'_>, _status: &mut Status) {
        // An unissued certificate shows as the plan's change.
    }

    fn cost(&self, _cx: &CostContext<'_>, _bill: &mut Bill<'_>) {
        // Public ACM certificates are free.
    }
}

/// The certificate the HTTPS listener uses: the spec's, or the one this
/// component requests (live or planned); none without either.
pub(crate) fn for_listener(cx: &PlanContext<'_>) -> Option<Ref> {
    match (&cx.spec.load_balancer.certificate_arn, &cx.spec.dns) {
        (Some(arn), _) => Some(Ref::Existing(arn.clone())),
        (None, Some(dns)) if cx.live.service.zone.is_some() => {
            Some(cx.reference(&Key::named(ComponentId::Certificate, dns.api.clone())))
        }
        _ => None,
    }
}

/// The hosted zone `dns.zone` names, and the certificate the HTTPS
/// listener uses: the spec's, or one awsdeploy requests and validates;
/// none (and a warning) without either.
fn certificate<'a>(
    cx: &PlanContext<'a>,
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
            let key = Key::named(ComponentId::Certificate, dns.api.clone());
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
                Key::named(ComponentId::Certificate, certificate.domain.clone()),
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
