//! What a deployment strategy that shifts traffic (`[service.deploy]`
//! `blue_green`, `canary`, `linear`) needs of the load balancer: a second
//! target group (planned like the first, by [`super::target_group`]) and
//! the production listener rule, on the listener that forwards to the
//! service, whose weights ECS moves between the two during a deployment.
//!
//! The rule matches every path at the last priority ALB allows
//! ([`PRODUCTION_RULE_PRIORITY`]), so it takes all the traffic the
//! listener's default action would, and rules a team adds by hand come
//! first. Its weights are ECS's: any split of the two target groups is as
//! the spec wants; only a rule that forwards elsewhere is a change. ECS
//! never swaps the service's two target group ARNs: which one serves is
//! the rule's weights alone.

use crate::component::PlanContext;
use crate::names::{PRODUCTION_RULE_PRIORITY, load_balancer_name};
use crate::service::existing_id;
use crate::{Action, ComponentId, ComponentPlan, FieldChange, Key, Ref, ResourceChange};
use crate::{LoadBalancerStep, ResourceKind};

/// The port of the listener that forwards to the service: 443 with a
/// certificate, 80 without.
pub(crate) fn forwarding_port(cx: &PlanContext<'_>) -> i32 {
    if crate::certificate::for_listener(cx).is_some() {
        443
    } else {
        80
    }
}

/// The key of the production rule's change.
pub(crate) fn production_rule_key(cx: &PlanContext<'_>) -> Key {
    let lb = load_balancer_name(cx.app(), cx.env());
    Key::named(
        ComponentId::LoadBalancer,
        format!("{lb}:{}:production", forwarding_port(cx)),
    )
}

/// The production rule: made when missing, pointed back at the two target
/// groups when it forwards elsewhere.
pub(super) fn production_rule(
    cx: &PlanContext<'_>,
    out: &mut ComponentPlan,
    primary: &Ref,
    alternate: &Ref,
) {
    let live = &cx.live.service;
    let port = forwarding_port(cx);
    let lb = load_balancer_name(cx.app(), cx.env());
    let name = format!("{lb}:{port} rule {PRODUCTION_RULE_PRIORITY}");
    let key = production_rule_key(cx);
    let wanted = [primary.clone(), alternate.clone()];
    let describe = "every path → the two target groups, weights moved by ECS";
    match &live.production_rule {
        None => {
            let listener = live.listeners.iter().find(|l| l.port == port).map_or_else(
                || Ref::Planned(Key::listener(&lb, port)),
                |l| Ref::Existing(l.arn.clone()),
            );
            out.push(
                ResourceChange::new(
                    key.clone(),
                    ResourceKind::ListenerRule,
                    &name,
                    Action::Create,
                    vec![LoadBalancerStep::CreateRule {
                        listener,
                        priority: PRODUCTION_RULE_PRIORITY,
                        target_groups: wanted.to_vec(),
                    }],
                )
                .with_fields(vec![FieldChange::set("rule", describe)])
                .needs([Key::listener(&lb, port)]),
            );
        }
        Some(rule) => {
            let mut live_groups: Vec<&str> =
                rule.target_groups.iter().map(|(g, _)| g.as_str()).collect();
            live_groups.sort_unstable();
            let mut wanted_groups: Vec<Option<String>> = wanted.iter().map(existing_id).collect();
            wanted_groups.sort();
            let same = wanted_groups.iter().all(Option::is_some)
                && wanted_groups
                    .iter()
                    .flatten()
                    .map(String::as_str)
                    .eq(live_groups.iter().copied());
            if same {
                out.unchanged += 1;
                return;
            }
            out.push(
                ResourceChange::new(
                    key.clone(),
                    ResourceKind::ListenerRule,
                    &name,
                    Action::Update,
                    vec![LoadBalancerStep::ModifyRule {
                        rule: rule.arn.clone(),
                        target_groups: wanted.to_vec(),
                    }],
                )
                .on(Some(&rule.arn))
                .with_fields(vec![FieldChange::new(
                    "rule",
                    Some(format!("forwards to {} target group(s)", live_groups.len())),
                    Some(describe),
                )]),
            );
        }
    }
}
