//! The load balancer as a [`Component`]: its plan, teardown, policy and
//! status.

use awsdeploy_spec::Spec;

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext, Side};
use crate::live::Lookups;
use crate::names::{load_balancer_name, target_group_name};
use crate::status::Status;
use crate::{ComponentId, ComponentPlan, Key, PlanError, ResourceKind};

/// The ALB, its target group and listeners (`[service]`,
/// `[load_balancer]`).
pub struct LoadBalancer;

impl Component for LoadBalancer {
    fn id(&self) -> ComponentId {
        ComponentId::LoadBalancer
    }

    fn sections(&self) -> &'static [&'static str] {
        &["service", "load_balancer"]
    }

    fn lookups(&self, _spec: &Spec, _purpose: Purpose, _lookups: &mut Lookups) {
        // Looked up with the service (`Lookups::service`).
    }

    fn live_refs(&self, cx: &PlanContext<'_>) -> Result<Vec<(Key, String)>, PlanError> {
        let live = &cx.live.service;
        let (app, env) = (cx.app(), cx.env());
        let mut refs = Vec::new();
        if let Some(tg) = live.target_group.as_ref().filter(|t| t.owned) {
            refs.push((
                Key::named(ComponentId::LoadBalancer, target_group_name(app, env)),
                tg.arn.clone(),
            ));
        }
        if let Some(tg) = live.alternate_target_group.as_ref().filter(|t| t.owned) {
            refs.push((
                Key::named(
                    ComponentId::LoadBalancer,
                    crate::names::alternate_target_group_name(app, env),
                ),
                tg.arn.clone(),
            ));
        }
        // A rule on another listener than the one of its port is not the
        // one the spec wants: it is made anew there.
        for rule in [super::traffic::Rule::Production, super::traffic::Rule::Test] {
            if let (Some(found), Some(key)) = (rule.found(cx), rule.key(cx)) {
                refs.push((key, found.arn.clone()));
            }
        }
        if let Some(lb) = live.load_balancer.as_ref().filter(|l| l.owned) {
            refs.push((
                Key::named(ComponentId::LoadBalancer, load_balancer_name(app, env)),
                lb.arn.clone(),
            ));
        }
        Ok(refs)
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        super::plan(cx)
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(super::teardown(&cx.live.service))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        &[ComponentId::Service]
    }

    fn policy(&self, _cx: &PolicyContext<'_>) -> Vec<Statement> {
        // ELB's ARNs end in ids it chooses.
        vec![Statement::anywhere("LoadBalancer", ACTIONS)]
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        let (app, env) = (cx.app, cx.env);
        vec![
            cx.arn(
                "elasticloadbalancing",
                &format!("loadbalancer/app/{}/0123", load_balancer_name(app, env)),
            ),
            cx.arn(
                "elasticloadbalancing",
                &format!("targetgroup/{}/0123", target_group_name(app, env)),
            ),
            cx.arn(
                "elasticloadbalancing",
                &format!(
                    "targetgroup/{}/0123",
                    crate::names::alternate_target_group_name(app, env)
                ),
            ),
            cx.arn(
                "elasticloadbalancing",
                &format!("listener/app/{}/0123/0456", load_balancer_name(app, env)),
            ),
            cx.arn(
                "elasticloadbalancing",
                &format!(
                    "listener-rule/app/{}/0123/0456/0789",
                    load_balancer_name(app, env)
                ),
            ),
        ]
    }

    fn status(&self, _cx: &StatusContext<'_>, _status: &mut Status) {
        // The targets' health is the service's status.
    }

    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>) {
        // An internet-facing ALB has a node, and a public IPv4 address,
        // in each zone it serves: at least; it adds nodes under load.
        let zones = match cx.side {
            Side::Spec => cx
                .spec
                .service
                .as_ref()
                .map(|_| usize::from(cx.spec.network.azs)),
            Side::Live => cx
                .live
                .service
                .load_balancer
                .as_ref()
                .filter(|lb| lb.owned)
                .map(|lb| lb.subnet_ids.len()),
        };
        let Some(zones) = zones else {
            return;
        };
        let name = load_balancer_name(cx.app(), cx.env());
        let resource = (ResourceKind::LoadBalancer, name.as_str());
        bill.hourly(resource, "Application Load Balancer", "elb.alb.hour", 1.0);
        #[allow(clippy::cast_precision_loss)]
        bill.hourly(
            resource,
            "public IPv4 address",
            "vpc.public_ipv4.hour",
            zones as f64,
        );
        bill.usage(
            "load balancer capacity units",
            "elb.alb.lcu_hour",
            "per LCU-hour used; one LCU is 25 new connections/s, 3,000 active connections, 1 GB/h processed or 1,000 rule evaluations/s, whichever is highest",
        );
    }
}

const ACTIONS: &[&str] = &[
    "elasticloadbalancing:AddTags",
    "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:CreateLoadBalancer",
    "elasticloadbalancing:CreateRule",
    "elasticloadbalancing:CreateTargetGroup",
    "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:DeleteRule",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
];
