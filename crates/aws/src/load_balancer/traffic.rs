//! What a deployment strategy that shifts traffic adds to the load
//! balancer: the second target group (found by name, like the first), the
//! production rule, found by its priority on the listener that forwards to
//! the service, and the test rule, likewise on the test listener. `CreateRule` makes it forwarding every path to
//! both target groups, the serving one weighted 100; ECS moves the weights
//! from then on.

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, PathPatternConditionConfig, RuleCondition,
    TargetGroupTuple,
};
use awsdeploy_plan::Ref;
use awsdeploy_plan::live::{LiveListener, LiveListenerAction, LiveRule, LiveTargetGroup};
use awsdeploy_plan::names::{PRODUCTION_RULE_PRIORITY, alternate_target_group_name};

use super::{DEREGISTRATION_DELAY, find_target_group, live_target_group, tags};
use crate::error::sdk;
use crate::tags::Owner;
use crate::{AwsError, StepContext};

/// The second target group and the production and test rules, as live.
pub async fn observe(
    elb: &Client,
    owner: &Owner,
    listeners: &[LiveListener],
) -> Result<Traffic, AwsError> {
    let name = alternate_target_group_name(&owner.app, &owner.env);
    let group = async {
        let Some(tg) = find_target_group(elb, &name).await? else {
            return Ok(None);
        };
        let arn = tg.target_group_arn().unwrap_or_default().to_owned();
        let (tags, attributes) = tokio::try_join!(
            async {
                elb.describe_tags()
                    .resource_arns(&arn)
                    .send()
                    .await
                    .map_err(sdk("DescribeTags", name.as_str()))
            },
            async {
                elb.describe_target_group_attributes()
                    .target_group_arn(&arn)
                    .send()
                    .await
                    .map_err(sdk("DescribeTargetGroupAttributes", name.as_str()))
            },
        )?;
        let ours = tags
            .tag_descriptions()
            .iter()
            .any(|d| owner.owns(d.tags().iter().map(|t| (t.key(), t.value()))));
        let delay = attributes
            .attributes()
            .iter()
            .find(|a| a.key() == Some(DEREGISTRATION_DELAY))
            .and_then(|a| a.value())
            .and_then(|v| v.parse().ok());
        Ok::<_, AwsError>(Some(live_target_group(&tg, ours, delay)))
    };
    // The production listener forwards on 443 or 80 (443 when both do:
    // an HTTPS stack's 80 redirects); the test listener is the one that
    // forwards on another port.
    let production_port = |l: &&LiveListener| l.port == 443 || l.port == 80;
    let forwarding = || {
        listeners
            .iter()
            .filter(|l| matches!(l.action, LiveListenerAction::Forward { .. }))
    };
    let production = forwarding().filter(production_port).max_by_key(|l| l.port);
    let test = forwarding().find(|l| !production_port(l));
    let others: Vec<&LiveListener> = listeners
        .iter()
        .filter(|l| Some(l.arn.as_str()) != production.map(|p| p.arn.as_str()))
        .filter(|l| Some(l.arn.as_str()) != test.map(|t| t.arn.as_str()))
        .collect();
    let stale = async {
        let mut found = Vec::new();
        for listener in others {
            found.extend(find_rule(elb, Some(listener)).await?);
        }
        Ok::<_, AwsError>(found)
    };
    let (group, production, test, stale) = tokio::try_join!(
        group,
        find_rule(elb, production),
        find_rule(elb, test),
        stale
    )?;
    Ok(Traffic {
        alternate_target_group: group,
        production_rule: production,
        test_rule: test,
        stale_rules: stale,
    })
}

/// What a strategy adds to the load balancer, as live.
pub struct Traffic {
    pub alternate_target_group: Option<LiveTargetGroup>,
    pub production_rule: Option<LiveRule>,
    pub test_rule: Option<LiveRule>,
    /// On the other listeners (one that no longer forwards).
    pub stale_rules: Vec<LiveRule>,
}

/// awsdeploy's rule on `listener`, by its priority.
async fn find_rule(
    elb: &Client,
    listener: Option<&LiveListener>,
) -> Result<Option<LiveRule>, AwsError> {
    let Some(listener) = listener else {
        return Ok(None);
    };
    let out = elb
        .describe_rules()
        .listener_arn(&listener.arn)
        .send()
        .await
        .map_err(sdk("DescribeRules", listener.arn.as_str()))?;
    let priority = PRODUCTION_RULE_PRIORITY.to_string();
    Ok(out
        .rules()
        .iter()
        .find(|r| r.priority() == Some(priority.as_str()))
        .map(|r| LiveRule {
            arn: r.rule_arn().unwrap_or_default().to_owned(),
            listener_arn: listener.arn.clone(),
            target_groups: r
                .actions()
                .iter()
                .filter_map(Action::forward_config)
                .flat_map(ForwardActionConfig::target_groups)
                .filter_map(|t| Some((t.target_group_arn()?.to_owned(), t.weight()?)))
                .collect(),
        }))
}

/// A forward to `groups`, the first weighted 100 and the rest 0.
fn forward(groups: &[Ref], cx: &StepContext<'_>) -> Result<Action, AwsError> {
    let tuples = groups
        .iter()
        .enumerate()
        .map(|(i, group)| {
            Ok(TargetGroupTuple::builder()
                .target_group_arn(cx.resolve(group)?)
                .weight(if i == 0 { 100 } else { 0 })
                .build())
        })
        .collect::<Result<Vec<_>, AwsError>>()?;
    Ok(Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(
            ForwardActionConfig::builder()
                .set_target_groups(Some(tuples))
                .build(),
        )
        .build())
}

/// `CreateRule`: every path, to `groups`. A rule already at the priority
/// (an interrupted run's) is adopted and pointed at the same groups.
pub(super) async fn create_rule(
    cx: &StepContext<'_>,
    listener: &Ref,
    priority: i32,
    groups: &[Ref],
) -> Result<Option<String>, AwsError> {
    let elb = &cx.clients.elb;
    let listener = cx.resolve(listener)?;
    let created = elb
        .create_rule()
        .listener_arn(&listener)
        .priority(priority)
        .conditions(
            RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(PathPatternConditionConfig::builder().values("/*").build())
                .build(),
        )
        .actions(forward(groups, cx)?)
        .set_tags(Some(tags(cx.owner, cx.name())))
        .send()
        .await
        .map_err(sdk("CreateRule", cx.name()));
    match created {
        Ok(out) => Ok(out
            .rules()
            .first()
            .and_then(|r| r.rule_arn())
            .map(str::to_owned)),
        Err(e) if e.code() == Some("PriorityInUse") => {
            let out = elb
                .describe_rules()
                .listener_arn(&listener)
                .send()
                .await
                .map_err(sdk("DescribeRules", cx.name()))?;
            let priority = priority.to_string();
            let rule = out
                .rules()
                .iter()
                .find(|r| r.priority() == Some(priority.as_str()));
            match rule.and_then(|r| r.rule_arn()) {
                Some(arn) => {
                    modify_rule(cx, arn, groups).await?;
                    Ok(Some(arn.to_owned()))
                }
                None => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// `ModifyRule`: forward to `groups` again.
pub(super) async fn modify_rule(
    cx: &StepContext<'_>,
    rule: &str,
    groups: &[Ref],
) -> Result<Option<String>, AwsError> {
    cx.clients
        .elb
        .modify_rule()
        .rule_arn(rule)
        .actions(forward(groups, cx)?)
        .send()
        .await
        .map_err(sdk("ModifyRule", cx.name()))?;
    Ok(None)
}

/// `DeleteRule`; already gone is success.
pub(super) async fn delete_rule(
    cx: &StepContext<'_>,
    rule: &str,
) -> Result<Option<String>, AwsError> {
    match cx
        .clients
        .elb
        .delete_rule()
        .rule_arn(rule)
        .send()
        .await
        .map_err(sdk("DeleteRule", cx.name()))
    {
        Ok(_) => Ok(None),
        Err(e) if crate::error::already_done(&e, &["RuleNotFound"]) => Ok(None),
        Err(e) => Err(e),
    }
}
