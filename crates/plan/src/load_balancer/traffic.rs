//! What a deployment strategy that shifts traffic (`[service.deploy]`
//! `blue_green`, `canary`, `linear`) needs of the load balancer: a second
//! target group (planned like the first, by [`super::target_group`]), the
//! production rule on the listener that forwards to the service, and with
//! `test_port` the test rule on the test listener; ECS moves the weights
//! of each rule between the two target groups during a deployment (the
//! test rule's first, at `TEST_TRAFFIC_SHIFT`).
//!
//! A rule matches every path at the last priority ALB allows
//! ([`PRODUCTION_RULE_PRIORITY`]), so it takes all the traffic its
//! listener's default action would, and rules a team adds by hand come
//! first. Its weights are ECS's: any split of the two target groups is as
//! the spec wants; only a rule that forwards elsewhere is a change. ECS
//! never swaps the service's two target group ARNs: which one serves is
//! the rules' weights alone.

use crate::component::PlanContext;
use crate::names::{PRODUCTION_RULE_PRIORITY, load_balancer_name};
use crate::service::existing_id;
use crate::{Action, ComponentId, ComponentPlan, FieldChange, Key, Ref, ResourceChange};
use crate::{LoadBalancerStep, ResourceKind};

/// One of the two rules ECS moves weights on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// On the listener that forwards production traffic (443 or 80).
    Production,
    /// On the test listener (`service.deploy.test_port`).
    Test,
}

impl Rule {
    fn label(self) -> &'static str {
        match self {
            Rule::Production => "production",
            Rule::Test => "test",
        }
    }

    /// The port of the rule's listener, when the spec wants the rule.
    pub(crate) fn port(self, cx: &PlanContext<'_>) -> Option<i32> {
        match self {
            Rule::Production => Some(forwarding_port(cx)),
            Rule::Test => test_port(cx),
        }
    }

    /// The key of the rule's change, when the spec wants the rule.
    pub(crate) fn key(self, cx: &PlanContext<'_>) -> Option<Key> {
        let lb = load_balancer_name(cx.app(), cx.env());
        let port = self.port(cx)?;
        Some(Key::named(
            ComponentId::LoadBalancer,
            format!("{lb}:{port}:{}", self.label()),
        ))
    }

    /// The rule as live, when it is on the listener of the port the spec
    /// wants it on.
    pub(crate) fn found<'a>(self, cx: &'a PlanContext<'_>) -> Option<&'a crate::live::LiveRule> {
        let live = &cx.live.service;
        let port = self.port(cx)?;
        let listener = live.listeners.iter().find(|l| l.port == port)?;
        observed(cx).find(|r| r.listener_arn == listener.arn)
    }
}

/// Every awsdeploy rule observed, whichever listener it is on (observation
/// sorts them by the listeners' actions; the plan by the spec's ports).
fn observed<'a>(cx: &'a PlanContext<'_>) -> impl Iterator<Item = &'a crate::live::LiveRule> {
    let live = &cx.live.service;
    live.production_rule
        .iter()
        .chain(&live.test_rule)
        .chain(&live.stale_rules)
}

/// The ARNs of the rules the live service names (production, test).
pub(crate) fn named_rules<'a>(cx: &'a PlanContext<'_>) -> Vec<&'a str> {
    cx.live
        .service
        .service
        .as_ref()
        .and_then(|s| s.traffic_shift.as_ref())
        .map(|t| {
            std::iter::once(t.production_rule_arn.as_str())
                .chain(t.test_rule_arn.as_deref())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the live listener `arn` carries a rule the live service names:
/// deleting it waits for a later `up`, after the service has let go.
pub(crate) fn carries_named_rule(cx: &PlanContext<'_>, arn: &str) -> bool {
    let named = named_rules(cx);
    observed(cx).any(|r| r.listener_arn == arn && named.contains(&r.arn.as_str()))
}

/// The port of the listener that forwards to the service: 443 with a
/// certificate, 80 without.
pub(crate) fn forwarding_port(cx: &PlanContext<'_>) -> i32 {
    if crate::certificate::for_listener(cx).is_some() {
        443
    } else {
        80
    }
}

/// The test listener's port (`service.deploy.test_port`), with a strategy
/// that shifts traffic.
pub(crate) fn test_port(cx: &PlanContext<'_>) -> Option<i32> {
    let deploy = &cx.spec.service.as_ref()?.deploy;
    deploy
        .strategy
        .shifts_traffic()
        .then_some(deploy.test_port)
        .flatten()
        .map(i32::from)
}

/// The key of the production rule's change.
pub(crate) fn production_rule_key(cx: &PlanContext<'_>) -> Key {
    let lb = load_balancer_name(cx.app(), cx.env());
    Key::named(
        ComponentId::LoadBalancer,
        format!("{lb}:{}:production", forwarding_port(cx)),
    )
}

/// A rule the spec wants: made when missing (or live on another
/// listener's port), pointed back at the two target groups when it
/// forwards elsewhere.
pub(super) fn rule(
    cx: &PlanContext<'_>,
    which: Rule,
    out: &mut ComponentPlan,
    primary: &Ref,
    alternate: &Ref,
) {
    let (Some(port), Some(key)) = (which.port(cx), which.key(cx)) else {
        return;
    };
    let live = &cx.live.service;
    let lb = load_balancer_name(cx.app(), cx.env());
    let name = format!("{lb}:{port} rule {PRODUCTION_RULE_PRIORITY}");
    let wanted = [primary.clone(), alternate.clone()];
    let describe = match which {
        Rule::Production => "every path → the two target groups, weights moved by ECS",
        Rule::Test => "every path → the two target groups, the new revision's first (ECS)",
    };
    let Some(rule) = which.found(cx) else {
        let listener = live.listeners.iter().find(|l| l.port == port).map_or_else(
            || Ref::Planned(Key::listener(&lb, port)),
            |l| Ref::Existing(l.arn.clone()),
        );
        out.push(
            ResourceChange::new(
                key,
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
        return;
    };
    let mut live_groups: Vec<&str> = rule.target_groups.iter().map(|(g, _)| g.as_str()).collect();
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
            key,
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

/// awsdeploy's rules left on a listener they no longer belong to (the
/// production rule on 80 once a certificate makes 443 the forwarding
/// port; the test rule on an old test port): deleted, or, while the
/// service still names one, left for the next `up` (a rollback of the
/// deployment that lets go of it would need it). A rule on a listener the
/// plan deletes goes with it.
pub(super) fn stale_rules(cx: &PlanContext<'_>, out: &mut ComponentPlan, listeners_wanted: &[i32]) {
    let live = &cx.live.service;
    let lb = load_balancer_name(cx.app(), cx.env());
    let kept = [Rule::Production.found(cx), Rule::Test.found(cx)];
    let named = named_rules(cx);
    for rule in observed(cx) {
        if kept.iter().flatten().any(|k| k.arn == rule.arn) {
            continue;
        }
        let Some(listener) = live.listeners.iter().find(|l| l.arn == rule.listener_arn) else {
            continue;
        };
        if !listeners_wanted.contains(&listener.port) {
            continue;
        }
        let port = listener.port;
        if named.contains(&rule.arn.as_str()) {
            out.warnings.push(format!(
                "awsdeploy's rule on {lb}:{port} goes with the next `up`: the service lets go of it first, and a rollback of that deployment would need it; until then it still forwards every path on {port}"
            ));
            continue;
        }
        out.push(
            ResourceChange::new(
                Key::named(ComponentId::LoadBalancer, format!("{lb}:{port}:stale")),
                ResourceKind::ListenerRule,
                &format!("{lb}:{port} rule {PRODUCTION_RULE_PRIORITY}"),
                Action::Delete,
                vec![LoadBalancerStep::DeleteRule {
                    rule: rule.arn.clone(),
                }],
            )
            .on(Some(&rule.arn))
            .with_fields(vec![FieldChange::new(
                "rule",
                Some("every path → the two target groups"),
                None::<String>,
            )]),
        );
    }
}
