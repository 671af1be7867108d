//! ACM's DNS validation, as AWS times it (ACM user guide, "DNS
//! validation"; `DescribeCertificate` reference: `ResourceRecord` is
//! "contained only for DNS validation" once ACM has made it):
//!
//! - a new certificate's `DescribeCertificate` has no `ResourceRecord` for
//!   its first describes;
//! - it stays `PENDING_VALIDATION` until its validation CNAME is in a
//!   Route 53 zone (moto issues it after a fixed delay, record or not);
//! - an HTTPS listener refuses a certificate that is not issued, or was
//!   issued less than a moment ago, with `UnsupportedCertificate` (the
//!   error terraform-provider-aws retries for this reason).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::super::message::{Request, Response};
use super::super::upstream::Upstream;

#[derive(Debug, Default)]
pub(in super::super) struct Certificates {
    requested: BTreeMap<String, Certificate>,
}

#[derive(Debug, Default)]
struct Certificate {
    describes: usize,
    issued_at: Option<Instant>,
}

impl Certificates {
    /// `UnsupportedCertificate` for a listener given a certificate that is
    /// not issued, or only just.
    pub fn before_listener(
        &self,
        operation: &str,
        request: &Request,
        settle: Duration,
    ) -> Option<Response> {
        if !matches!(
            operation,
            "CreateListener" | "ModifyListener" | "AddListenerCertificates"
        ) {
            return None;
        }
        let body = String::from_utf8_lossy(&request.body).into_owned();
        let arn = body
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(key, _)| key.starts_with("Certificates.") && key.ends_with(".CertificateArn"))
            .map(|(_, value)| super::super::message::percent_decode(value))
            .find(|arn| {
                self.requested
                    .get(arn)
                    .is_some_and(|c| c.issued_at.is_none_or(|at| at.elapsed() < settle))
            })?;
        Some(Response::aws_error(
            request,
            "elasticloadbalancing",
            400,
            "UnsupportedCertificate",
            &format!(
                "The certificate '{arn}' must have a fully-qualified domain name, a supported signature, and a supported key size."
            ),
        ))
    }

    /// Tracks a requested certificate; hides what ACM would not show yet.
    /// Returns whether the answer changed.
    pub fn after(
        &mut self,
        operation: &str,
        request: &Request,
        response: &mut Response,
        record_after: usize,
        upstream: &Upstream,
    ) -> bool {
        let Some(mut body) = response.ok_json() else {
            return false;
        };
        match operation {
            "RequestCertificate" => {
                let dns = request.json()["ValidationMethod"].as_str() == Some("DNS");
                if let (true, Some(arn)) = (dns, body["CertificateArn"].as_str()) {
                    self.requested.entry(arn.to_owned()).or_default();
                }
                false
            }
            "DescribeCertificate" => {
                let certificate = &mut body["Certificate"];
                let Some(arn) = certificate["CertificateArn"].as_str().map(str::to_owned) else {
                    return false;
                };
                let Some(tracked) = self.requested.get_mut(&arn) else {
                    return false;
                };
                tracked.describes += 1;
                if tracked.describes <= record_after {
                    for option in certificate["DomainValidationOptions"]
                        .as_array_mut()
                        .into_iter()
                        .flatten()
                    {
                        if let Some(option) = option.as_object_mut() {
                            option.remove("ResourceRecord");
                        }
                    }
                    pending(certificate);
                } else if tracked.issued_at.is_none() {
                    let validated = certificate["DomainValidationOptions"]
                        .as_array()
                        .is_some_and(|options| {
                            options.iter().all(|o| {
                                o["ResourceRecord"]["Name"]
                                    .as_str()
                                    .is_some_and(|name| upstream.dns_record_exists(name))
                            })
                        });
                    if validated && certificate["Status"] == "ISSUED" {
                        tracked.issued_at = Some(Instant::now());
                    } else {
                        pending(certificate);
                    }
                }
                response.set_body(body.to_string());
                true
            }
            "ListCertificates" => {
                for summary in body["CertificateSummaryList"]
                    .as_array_mut()
                    .into_iter()
                    .flatten()
                {
                    let arn = summary["CertificateArn"].as_str().unwrap_or("");
                    if self
                        .requested
                        .get(arn)
                        .is_some_and(|c| c.issued_at.is_none())
                    {
                        summary["Status"] = Value::from("PENDING_VALIDATION");
                    }
                }
                response.set_body(body.to_string());
                true
            }
            _ => false,
        }
    }
}

fn pending(certificate: &mut Value) {
    certificate["Status"] = Value::from("PENDING_VALIDATION");
    for option in certificate["DomainValidationOptions"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        option["ValidationStatus"] = Value::from("PENDING_VALIDATION");
    }
    if let Some(certificate) = certificate.as_object_mut() {
        certificate.remove("IssuedAt");
    }
}
