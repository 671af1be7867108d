//! A service's deployment strategy in the SDK's shapes: the
//! `deploymentConfiguration` fields of blue/green, canary and linear, and
//! the load balancer's `advancedConfiguration` (second target group,
//! production and test rules, infrastructure role), both ways.

use aws_sdk_ecs::types::{
    AdvancedConfiguration, CanaryConfiguration, DeploymentConfiguration, DeploymentStrategy,
    LinearConfiguration, LoadBalancer,
};
use awsdeploy_plan::execute::ResolvedIds;
use awsdeploy_plan::live::LiveTrafficShift;
use awsdeploy_plan::{Strategy, TrafficShift};

use crate::AwsError;

/// `builder` with the strategy's fields.
pub(super) fn configure(
    builder: aws_sdk_ecs::types::builders::DeploymentConfigurationBuilder,
    strategy: &Strategy,
) -> aws_sdk_ecs::types::builders::DeploymentConfigurationBuilder {
    let builder = builder.strategy(DeploymentStrategy::from(strategy.ecs_name()));
    match strategy {
        Strategy::Rolling => builder,
        Strategy::BlueGreen { bake_minutes } => builder.bake_time_in_minutes(*bake_minutes),
        Strategy::Canary {
            percent,
            canary_bake_minutes,
            bake_minutes,
        } => builder
            .bake_time_in_minutes(*bake_minutes)
            .canary_configuration(
                CanaryConfiguration::builder()
                    .canary_percent(f64::from(*percent))
                    .canary_bake_time_in_minutes(*canary_bake_minutes)
                    .build(),
            ),
        Strategy::Linear {
            step_percent,
            step_bake_minutes,
            bake_minutes,
        } => builder
            .bake_time_in_minutes(*bake_minutes)
            .linear_configuration(
                LinearConfiguration::builder()
                    .step_percent(f64::from(*step_percent))
                    .step_bake_time_in_minutes(*step_bake_minutes)
                    .build(),
            ),
    }
}

/// The strategy a live deployment configuration says (rolling when it
/// says none: services made before strategies existed).
pub(super) fn observed(config: Option<&DeploymentConfiguration>) -> Strategy {
    let Some(config) = config else {
        return Strategy::Rolling;
    };
    let bake_minutes = config.bake_time_in_minutes().unwrap_or(0);
    #[allow(clippy::cast_possible_truncation)]
    let whole = |p: f64| p.round() as i32;
    match config.strategy() {
        Some(DeploymentStrategy::BlueGreen) => Strategy::BlueGreen { bake_minutes },
        Some(DeploymentStrategy::Canary) => {
            let canary = config.canary_configuration();
            Strategy::Canary {
                percent: canary
                    .and_then(CanaryConfiguration::canary_percent)
                    .map_or(5, whole),
                canary_bake_minutes: canary
                    .and_then(CanaryConfiguration::canary_bake_time_in_minutes)
                    .unwrap_or(10),
                bake_minutes,
            }
        }
        Some(DeploymentStrategy::Linear) => {
            let linear = config.linear_configuration();
            Strategy::Linear {
                step_percent: linear
                    .and_then(LinearConfiguration::step_percent)
                    .map_or(10, whole),
                step_bake_minutes: linear
                    .and_then(LinearConfiguration::step_bake_time_in_minutes)
                    .unwrap_or(6),
                bake_minutes,
            }
        }
        _ => Strategy::Rolling,
    }
}

/// The `advancedConfiguration` of the service's load balancer.
pub(super) fn advanced(
    shift: &TrafficShift,
    ids: &ResolvedIds,
) -> Result<AdvancedConfiguration, AwsError> {
    Ok(AdvancedConfiguration::builder()
        .alternate_target_group_arn(ids.resolve(&shift.alternate_target_group)?)
        .production_listener_rule(ids.resolve(&shift.production_rule)?)
        .set_test_listener_rule(
            shift
                .test_rule
                .as_ref()
                .map(|r| ids.resolve(r))
                .transpose()?,
        )
        .role_arn(&shift.role)
        .build())
}

/// A live load balancer's `advancedConfiguration`.
pub(super) fn live_traffic_shift(balancer: &LoadBalancer) -> Option<LiveTrafficShift> {
    let advanced = balancer.advanced_configuration()?;
    Some(LiveTrafficShift {
        alternate_target_group_arn: advanced.alternate_target_group_arn()?.to_owned(),
        production_rule_arn: advanced
            .production_listener_rule()
            .unwrap_or_default()
            .to_owned(),
        test_rule_arn: advanced.test_listener_rule().map(str::to_owned),
        role_arn: advanced.role_arn().unwrap_or_default().to_owned(),
    })
}

/// The service's `loadBalancers` entry.
pub(super) fn load_balancer(
    target_group: &str,
    container_name: &str,
    container_port: i32,
    shift: Option<&TrafficShift>,
    ids: &ResolvedIds,
) -> Result<LoadBalancer, AwsError> {
    Ok(LoadBalancer::builder()
        .target_group_arn(target_group)
        .container_name(container_name)
        .container_port(container_port)
        .set_advanced_configuration(shift.map(|s| advanced(s, ids)).transpose()?)
        .build())
}

/// ECS refuses a service whose load balancer's infrastructure role it
/// cannot assume yet (made a moment ago: IAM propagates in seconds) with
/// this `InvalidParameterException`; terraform-provider-aws retries the
/// same words on `CreateService` and `UpdateService`.
pub(super) fn role_not_yet_assumable(error: &AwsError) -> bool {
    crate::error::already_done(error, &["InvalidParameterException"])
        && error
            .to_string()
            .contains("verify that the ECS service role being passed has the proper permissions")
}
