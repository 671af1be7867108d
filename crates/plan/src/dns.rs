//! The API's DNS name: an alias A record `dns.api` → the load balancer,
//! in the team's zone. An existing record that points elsewhere is never
//! overwritten.

use crate::PlanError;
use crate::live::LiveZone;
use crate::plan::{Action, Component, FieldChange, ResourceKind};
use crate::service::{Context, ServicePlan, load_balancer_name};
use crate::step::{Ref, Step};

/// The API's alias record; one pointing elsewhere is never overwritten.
pub(crate) fn dns_record(
    cx: &Context<'_>,
    out: &mut ServicePlan,
    zone: Option<&LiveZone>,
    load_balancer: &Ref,
) -> Result<(), PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let lb_name = load_balancer_name(app, env);
    if let (Some(dns), Some(zone)) = (&spec.dns, zone) {
        let key = format!("dns/{}", dns.api);
        let ours = live
            .load_balancer
            .as_ref()
            .map(|lb| lb.dns_name.trim_end_matches('.').to_ascii_lowercase());
        let step = Step::UpsertAlias {
            zone_id: zone.id.clone(),
            name: dns.api.clone(),
            load_balancer: load_balancer.clone(),
        };
        match &live.api_record {
            Some(record)
                if record.alias_dns_name.is_some()
                    && record.alias_dns_name.as_ref() == ours.as_ref() =>
            {
                out.unchanged += 1;
            }
            Some(record) => {
                let target = record
                    .alias_dns_name
                    .clone()
                    .unwrap_or_else(|| record.values.join(", "));
                return Err(PlanError::Conflict {
                    kind: ResourceKind::DnsRecord,
                    name: dns.api.clone(),
                    problem: format!(
                        "already points at {target}, not at this stack's load balancer"
                    ),
                    hint: format!(
                        "awsdeploy never overwrites a record it did not write; delete the A record {} in {} (or pick another dns.api), then run `awsdeploy up` again",
                        dns.api, dns.zone
                    ),
                });
            }
            None => out.push(
                Component::Dns,
                ResourceKind::DnsRecord,
                &key,
                &dns.api,
                Action::Create,
                None,
                vec![FieldChange::set("alias", lb_name.clone())],
                vec![step],
                &[],
            ),
        }
    }
    Ok(())
}
