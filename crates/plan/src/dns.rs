//! The API's DNS name: an alias A record `dns.api` → the load balancer,
//! in the team's zone. An existing record that points elsewhere is never
//! overwritten.

use awsdeploy_spec::Spec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext};
use crate::live::{LiveZone, Lookups};
use crate::names::load_balancer_name;
use crate::status::Status;
use crate::{
    Action, ComponentId, ComponentPlan, ComponentStep, FieldChange, Key, PlanError, Ref,
    ResourceChange, ResourceKind,
};

/// The API's alias record in the team's zone (`[dns]`, with `[service]`).
pub struct Dns;

impl Component for Dns {
    fn id(&self) -> ComponentId {
        ComponentId::Dns
    }

    fn sections(&self) -> &'static [&'static str] {
        &["dns"]
    }

    fn lookups(&self, spec: &Spec, purpose: Purpose, lookups: &mut Lookups) {
        lookups.zone = spec.dns.as_ref().map(|d| d.zone.clone());
        // Without `[dns]`, `down` finds the record from the listener's
        // certificate (and the certificate component's goes with it).
        lookups.rediscover.api = purpose == Purpose::Down && spec.dns.is_none();
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        let mut out = ComponentPlan::default();
        if cx.spec.service.is_some() {
            let load_balancer = cx.reference(&Key::named(
                ComponentId::LoadBalancer,
                load_balancer_name(cx.app(), cx.env()),
            ));
            dns_record(cx, &mut out, zone(cx)?, &load_balancer)?;
        }
        Ok(out)
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(teardown(&cx.live.service))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        &[]
    }

    fn policy(&self, _cx: &PolicyContext<'_>) -> Vec<Statement> {
        // The zone is the team's, found by name; its id is Route 53's.
        vec![Statement::anywhere(
            "Dns",
            &[
                "route53:ChangeResourceRecordSets",
                "route53:ListHostedZonesByName",
                "route53:ListResourceRecordSets",
            ],
        )]
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        vec![cx.global("route53", "hostedzone/Z0123")]
    }

    fn status(&self, _cx: &StatusContext<'_>, _status: &mut Status) {
        // A record has no state to show.
    }

    fn cost(&self, _cx: &CostContext<'_>, _bill: &mut Bill<'_>) {
        // The hosted zone is the team's (not counted); queries of alias
        // records to a load balancer are free.
    }
}

/// The hosted zone `dns.zone` names, when the spec has `[dns]`; it must
/// exist (it is the team's, never awsdeploy's).
pub(crate) fn zone<'a>(cx: &PlanContext<'a>) -> Result<Option<&'a LiveZone>, PlanError> {
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

/// The API's alias record; one pointing elsewhere is never overwritten.
fn dns_record(
    cx: &PlanContext<'_>,
    out: &mut ComponentPlan,
    zone: Option<&LiveZone>,
    load_balancer: &Ref,
) -> Result<(), PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let lb_name = load_balancer_name(app, env);
    if let (Some(dns), Some(zone)) = (&spec.dns, zone) {
        let key = Key::named(ComponentId::Dns, dns.api.clone());
        let ours = live
            .load_balancer
            .as_ref()
            .map(|lb| lb.dns_name.trim_end_matches('.').to_ascii_lowercase());
        let step = DnsStep::UpsertAlias {
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
                ResourceChange::new(
                    key.clone(),
                    ResourceKind::DnsRecord,
                    &dns.api,
                    Action::Create,
                    vec![step],
                )
                .with_fields(vec![FieldChange::set("alias", lb_name.clone())]),
            ),
        }
    }
    Ok(())
}

/// The actions of the dns component: Route 53: the API's alias record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DnsStep {
    /// `UPSERT` of an alias A record for `name` to the load balancer.
    UpsertAlias {
        zone_id: String,
        name: String,
        load_balancer: Ref,
    },
    /// `DELETE` of the alias A record `name` (Route 53 deletes only an
    /// exact match: the load balancer's DNS name and zone); already gone is
    /// success.
    DeleteAlias {
        zone_id: String,
        name: String,
        alias_dns_name: String,
        alias_zone_id: String,
    },
}

impl ComponentStep for DnsStep {
    fn refs(&self) -> Vec<&Ref> {
        match self {
            DnsStep::UpsertAlias { load_balancer, .. } => vec![load_balancer],
            DnsStep::DeleteAlias { .. } => vec![],
        }
    }

    fn creates(&self) -> bool {
        false
    }
}

/// `down`: the API's alias record, when it points at this stack's load
/// balancer.
pub(crate) fn teardown(live: &crate::live::LiveServiceTier) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    let normal = |name: &str| name.trim_end_matches('.').to_ascii_lowercase();
    if let (Some(zone), Some(record), Some(lb)) =
        (&live.zone, &live.api_record, &live.load_balancer)
        && lb.owned
        && record.alias_dns_name.as_deref().map(normal) == Some(normal(&lb.dns_name))
    {
        out.push(ResourceChange::new(
            Key::named(ComponentId::Dns, normal(&record.name)),
            ResourceKind::DnsRecord,
            &normal(&record.name),
            Action::Delete,
            vec![DnsStep::DeleteAlias {
                zone_id: zone.id.clone(),
                name: record.name.clone(),
                alias_dns_name: lb.dns_name.clone(),
                alias_zone_id: lb.canonical_zone_id.clone(),
            }],
        ));
    }
    out
}
