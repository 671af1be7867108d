//! SNS subscriptions that wait for their confirmation, as AWS's do: an
//! `email`, `email-json`, `http` or `https` subscription is pending until
//! the recipient confirms it (clicks the link, or the endpoint visits the
//! `SubscribeURL`). Until then `Subscribe` answers `pending confirmation`
//! and `ListSubscriptionsByTopic` / `ListSubscriptions` show its
//! `SubscriptionArn` as `PendingConfirmation` (SNS API reference,
//! `Subscribe` and `ListSubscriptionsByTopic`; moto confirms at once).
//! [`super::SimulationProxy::confirm_subscription`] is the recipient's
//! click.

use std::collections::BTreeSet;

use super::message::{Request, Response, between};

/// Protocols whose subscriptions need a confirmation.
const CONFIRMED_BY_RECIPIENT: [&str; 4] = ["email", "email-json", "http", "https"];

#[derive(Debug, Default)]
pub(super) struct Sns {
    /// Endpoints whose recipient confirmed.
    pub confirmed: BTreeSet<String>,
}

impl Sns {
    pub fn on_answer(&self, operation: &str, request: &Request, response: &mut Response) {
        if response.status != 200 {
            return;
        }
        let body = String::from_utf8_lossy(&response.body).into_owned();
        let pending = |protocol: &str, endpoint: &str| {
            CONFIRMED_BY_RECIPIENT.contains(&protocol) && !self.confirmed.contains(endpoint)
        };
        let rewritten = match operation {
            "Subscribe" => {
                let protocol = request.form("Protocol").unwrap_or_default();
                let endpoint = request.form("Endpoint").unwrap_or_default();
                let asked_for_arn =
                    request.form("ReturnSubscriptionArn").as_deref() == Some("true");
                if !pending(&protocol, &endpoint) || asked_for_arn {
                    return;
                }
                replace_arn(&body, "pending confirmation")
            }
            "ListSubscriptionsByTopic" | "ListSubscriptions" => {
                let mut out = String::new();
                let mut rest = body.as_str();
                while let Some(start) = rest.find("<member>") {
                    let Some(end) = rest[start..].find("</member>") else {
                        break;
                    };
                    let member = &rest[start..start + end];
                    out.push_str(&rest[..start]);
                    let protocol = between(member, "<Protocol>", "</Protocol>").unwrap_or("");
                    let endpoint = between(member, "<Endpoint>", "</Endpoint>").unwrap_or("");
                    if pending(protocol, &super::message::xml_unescape(endpoint)) {
                        out.push_str(&replace_arn(member, "PendingConfirmation"));
                    } else {
                        out.push_str(member);
                    }
                    rest = &rest[start + end..];
                }
                out.push_str(rest);
                out
            }
            _ => return,
        };
        response.set_body(rewritten);
    }
}

/// `text` with its `SubscriptionArn` replaced by `value`.
fn replace_arn(text: &str, value: &str) -> String {
    match between(text, "<SubscriptionArn>", "</SubscriptionArn>") {
        Some(arn) => text.replacen(
            &format!("<SubscriptionArn>{arn}</SubscriptionArn>"),
            &format!("<SubscriptionArn>{value}</SubscriptionArn>"),
            1,
        ),
        None => text.to_owned(),
    }
}

impl super::simulated::Simulated for Sns {
    fn claims(&self, call: &super::simulated::Call<'_>) -> bool {
        call.service() == "sns"
    }

    fn on_answer(&mut self, call: &super::simulated::Call<'_>, response: &mut Response) -> bool {
        Sns::on_answer(self, call.name(), call.request, response);
        true
    }
}
