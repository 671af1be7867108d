//! The service's deployment strategy (`[service.deploy]`): ECS's
//! `deploymentConfiguration.strategy` and, for a strategy that shifts
//! traffic (blue/green, canary, linear), the load balancer's
//! `advancedConfiguration`: the second target group and the production
//! rule ([`crate::load_balancer::traffic`]), and the infrastructure role
//! ECS moves the rule's weights with, which this component owns
//! (`{app}-{env}-ecs-lb`, trusted by `ecs.amazonaws.com`, with AWS's
//! managed `AmazonECSInfrastructureRolePolicyForLoadBalancers`).
//!
//! Rolling to a strategy that shifts traffic is one `UpdateService` with
//! the `advancedConfiguration`, which ECS rolls out once. Back to rolling
//! is refused: ECS may be serving from the second target group, which a
//! rolling deployment never registers in.

use crate::component::PlanContext;
use crate::iam::{DesiredRole, plan_role, service_trust};
use crate::live::{LiveEcsService, LiveTrafficShift};
use crate::load_balancer::traffic::{Rule, production_rule_key};
use crate::names::{alternate_target_group_name, infrastructure_role_name};
use crate::service::existing_id;
use crate::{ComponentId, ComponentPlan, Key, PlanError, ResourceKind, Strategy, TrafficShift};

/// The ECS service principal (the role is ECS's, not its tasks').
const ECS: &str = "ecs.amazonaws.com";

/// The service's `advancedConfiguration`, when the strategy shifts
/// traffic.
pub(super) fn traffic_shift(
    cx: &PlanContext<'_>,
    strategy: &Strategy,
) -> Result<Option<TrafficShift>, PlanError> {
    if strategy.is_rolling() {
        return Ok(None);
    }
    let (app, env) = (cx.app(), cx.env());
    Ok(Some(TrafficShift {
        alternate_target_group: cx.reference(&Key::named(
            ComponentId::LoadBalancer,
            alternate_target_group_name(app, env),
        )),
        production_rule: cx.reference(&production_rule_key(cx)),
        test_rule: Rule::Test.key(cx).map(|key| cx.reference(&key)),
        role: cx.role_arn(&infrastructure_role_name(app, env))?,
    }))
}

/// The changes the service waits for when its strategy shifts traffic.
pub(super) fn needs(cx: &PlanContext<'_>, strategy: &Strategy) -> Vec<Key> {
    if strategy.is_rolling() {
        return Vec::new();
    }
    let (app, env) = (cx.app(), cx.env());
    let mut keys = vec![
        Key::named(
            ComponentId::LoadBalancer,
            alternate_target_group_name(app, env),
        ),
        production_rule_key(cx),
        Key::named(ComponentId::Service, infrastructure_role_name(app, env)),
    ];
    keys.extend(Rule::Test.key(cx));
    keys
}

/// The infrastructure role, when the strategy shifts traffic.
pub(super) fn infrastructure_role(
    cx: &PlanContext<'_>,
    strategy: &Strategy,
    out: &mut ComponentPlan,
) -> Result<(), PlanError> {
    if strategy.is_rolling() {
        return Ok(());
    }
    let (app, env) = (cx.app(), cx.env());
    let account = &cx.live.account;
    plan_role(
        out,
        &DesiredRole {
            name: infrastructure_role_name(app, env),
            description: "awsdeploy: ECS moves the load balancer's traffic between the service's two target groups with it",
            trust: service_trust(ECS),
            trusted_by: ECS.to_owned(),
            component: ComponentId::Service,
            policy: None,
            attached: vec![crate::names::infrastructure_policy_arn(account.partition())],
            boundary: Some(crate::iam::role_boundary(cx.spec, account)?),
            boundary_key: Some(crate::iam::boundary::key(app, env)),
        },
        cx.live.service.infrastructure_role.as_ref(),
    )
}

/// Whether the live `advancedConfiguration` is the one wanted.
pub(super) fn matches(live: Option<&LiveTrafficShift>, wanted: Option<&TrafficShift>) -> bool {
    match (live, wanted) {
        (None, None) => true,
        (Some(live), Some(wanted)) => {
            existing_id(&wanted.alternate_target_group).as_deref()
                == Some(live.alternate_target_group_arn.as_str())
                && existing_id(&wanted.production_rule).as_deref()
                    == Some(live.production_rule_arn.as_str())
                && wanted.test_rule.as_ref().map(existing_id)
                    == live.test_rule_arn.clone().map(Some)
                && wanted.role == live.role_arn
        }
        _ => false,
    }
}

/// A live service that shifts traffic cannot go back to rolling here.
pub(super) fn check_switch(found: &LiveEcsService, wanted: &Strategy) -> Result<(), PlanError> {
    if found.traffic_shift.is_none() || !wanted.is_rolling() {
        return Ok(());
    }
    Err(PlanError::Conflict {
        kind: ResourceKind::EcsService,
        name: super::SERVICE_NAME.to_owned(),
        problem: format!(
            "deploys with strategy {} and the spec asks for rolling",
            found.deployment.strategy.ecs_name()
        ),
        hint: "ECS serves from whichever of the two target groups the last deployment moved the traffic to, and a rolling deployment registers tasks in the first one only, so awsdeploy does not switch back: keep service.deploy.strategy (bake_time = \"0m\" makes a blue/green release as quick as a rolling one)".to_owned(),
    })
}

/// How long a deployment of `strategy` may take beyond its tasks
/// starting: its canary or linear steps and its bake.
pub(super) fn extra_secs(strategy: &Strategy) -> u64 {
    u64::from(strategy.overlap_minutes()) * 60
}
