//! A service's deployment strategy in the SDK's shapes: the
//! `deploymentConfiguration` fields of blue/green, canary and linear, and
//! the load balancer's `advancedConfiguration` (second target group,
//! production and test rules, infrastructure role), both ways.

use aws_sdk_ecs::types::{
    AdvancedConfiguration, CanaryConfiguration, DeploymentConfiguration, DeploymentLifecycleHook,
    DeploymentLifecycleHookAction, DeploymentLifecycleHookStage, DeploymentLifecycleHookTargetType,
    DeploymentLifecycleHookTimeoutConfiguration, DeploymentStrategy, LinearConfiguration,
    LoadBalancer,
};
use awsdeploy_plan::execute::ResolvedIds;
use awsdeploy_plan::live::LiveTrafficShift;
use awsdeploy_plan::{DeploymentSettings, Pauses, Strategy, TrafficShift};

use crate::AwsError;

/// `builder` with the strategy's fields and, for a strategy that shifts
/// traffic, its lifecycle hooks: awsdeploy's pauses, sent even when there
/// are none so that an update clears the pauses the spec no longer asks
/// for (a hook made by hand goes too: awsdeploy owns the service's hooks).
pub(super) fn configure(
    builder: aws_sdk_ecs::types::builders::DeploymentConfigurationBuilder,
    settings: &DeploymentSettings,
) -> aws_sdk_ecs::types::builders::DeploymentConfigurationBuilder {
    let strategy = &settings.strategy;
    let builder = builder.strategy(DeploymentStrategy::from(strategy.ecs_name()));
    let builder = if strategy.is_rolling() {
        builder
    } else {
        builder.set_lifecycle_hooks(Some(
            settings
                .pauses
                .as_ref()
                .map(pause_hooks)
                .unwrap_or_default(),
        ))
    };
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

/// One `PAUSE` hook at each of the stages.
fn pause_hooks(pauses: &Pauses) -> Vec<DeploymentLifecycleHook> {
    vec![
        DeploymentLifecycleHook::builder()
            .target_type(DeploymentLifecycleHookTargetType::Pause)
            .set_lifecycle_stages(Some(
                pauses
                    .stages
                    .iter()
                    .map(|s| DeploymentLifecycleHookStage::from(s.as_str()))
                    .collect(),
            ))
            .timeout_configuration(
                DeploymentLifecycleHookTimeoutConfiguration::builder()
                    .set_timeout_in_minutes(pauses.timeout_minutes)
                    .action(DeploymentLifecycleHookAction::Rollback)
                    .build(),
            )
            .build(),
    ]
}

/// awsdeploy's pauses in a live deployment configuration: its `PAUSE`
/// hooks' stages, in the order a deployment passes them. A hook without a
/// target counts as a pause whatever type it shows (`DescribeServices` is
/// reported to leave out the type and timeout of pause hooks); a timeout
/// not shown is unknown.
pub(super) fn observed_pauses(config: Option<&DeploymentConfiguration>) -> Option<Pauses> {
    let hooks: Vec<&DeploymentLifecycleHook> = config?
        .lifecycle_hooks()
        .iter()
        .filter(|h| {
            h.target_type() == Some(&DeploymentLifecycleHookTargetType::Pause)
                || (h.target_type().is_none() && h.hook_target_arn().is_none())
        })
        .collect();
    let first = hooks.first()?;
    let mut stages: Vec<awsdeploy_spec::PauseStage> = hooks
        .iter()
        .flat_map(|h| h.lifecycle_stages())
        .filter_map(|s| {
            awsdeploy_spec::PauseStage::ALL
                .into_iter()
                .find(|p| p.ecs_name() == s.as_str())
        })
        .collect();
    stages.sort();
    stages.dedup();
    Some(Pauses {
        stages: stages.iter().map(|s| s.ecs_name().to_owned()).collect(),
        timeout_minutes: first
            .timeout_configuration()
            .and_then(DeploymentLifecycleHookTimeoutConfiguration::timeout_in_minutes),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(hooks: Vec<DeploymentLifecycleHook>) -> DeploymentConfiguration {
        DeploymentConfiguration::builder()
            .set_lifecycle_hooks(Some(hooks))
            .build()
    }

    #[test]
    fn pauses_read_back_as_sent() {
        let sent = Pauses {
            stages: vec![
                "POST_TEST_TRAFFIC_SHIFT".to_owned(),
                "PRE_PRODUCTION_TRAFFIC_SHIFT".to_owned(),
            ],
            timeout_minutes: Some(30),
        };
        let read = observed_pauses(Some(&config(pause_hooks(&sent))));
        assert_eq!(read, Some(sent));
    }

    #[test]
    fn a_hook_without_type_or_target_is_a_pause_and_its_unshown_timeout_is_unknown() {
        let shown = DeploymentLifecycleHook::builder()
            .lifecycle_stages(DeploymentLifecycleHookStage::PostTestTrafficShift)
            .build();
        let lambda = DeploymentLifecycleHook::builder()
            .hook_target_arn("arn:aws:lambda:r:111122223333:function:checks")
            .lifecycle_stages(DeploymentLifecycleHookStage::PostScaleUp)
            .build();
        let read = observed_pauses(Some(&config(vec![shown, lambda]))).unwrap();
        assert_eq!(read.stages, ["POST_TEST_TRAFFIC_SHIFT"]);
        assert_eq!(read.timeout_minutes, None);
        let wanted = Pauses {
            stages: read.stages.clone(),
            timeout_minutes: Some(45),
        };
        assert!(Pauses::matches(Some(&read), Some(&wanted)));
        assert!(observed_pauses(Some(&config(Vec::new()))).is_none());
    }
}
