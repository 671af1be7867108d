//! The alarms' calls: SNS for the topic and its subscriptions, `CloudWatch`
//! for the alarms and the dashboard.
//!
//! The topic is found by name in `ListTopics` (its ARN needs no account id
//! then), and is ours by its tags. Alarms are read with one
//! `DescribeAlarms` by the stack's prefix, and are ours when they notify
//! our topic.

use awsdeploy_plan::AlarmsStep;
use awsdeploy_plan::alarms::{
    AlarmDefinition, AlarmMetric, Dashboard, Dimension, DimensionValue, LiveAlarms,
    LiveSubscription, LiveTopic, MetricRef,
};
use awsdeploy_plan::names::{alarm_prefix, alarm_topic_name as topic_name, dashboard_name};

use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension as CwDimension, MetricAlarm, MetricDataQuery, MetricStat,
    Statistic, Tag,
};

use crate::error::{already_done, built, sdk};
use crate::tags::Owner;
use crate::{AwsError, Clients, StepContext};

/// What is live of the alarms. `wanted` (the spec has `[alarms]`): the
/// alarms and the dashboard are looked for whether or not the topic
/// exists, since a team's own of these names must not be overwritten;
/// otherwise nothing of ours exists without our topic (the alarms are made
/// after it and deleted before it), and a stack without one costs one call.
pub(crate) async fn observe(
    clients: &Clients,
    owner: &Owner,
    wanted: bool,
) -> Result<LiveAlarms, AwsError> {
    let name = topic_name(&owner.app, &owner.env);
    let (prefix, dashboard_name) = (
        alarm_prefix(&owner.app, &owner.env),
        dashboard_name(&owner.app, &owner.env),
    );
    let topic = find_topic(&clients.sns, &name).await?;
    if topic.is_none() && !wanted {
        return Ok(LiveAlarms::default());
    }
    let topic = async {
        let Some(arn) = topic else {
            return Ok(None);
        };
        let (tags, subscriptions) = tokio::try_join!(
            async {
                clients
                    .sns
                    .list_tags_for_resource()
                    .resource_arn(&arn)
                    .send()
                    .await
                    .map_err(sdk("ListTagsForResource", &name))
            },
            subscriptions(&clients.sns, &arn),
        )?;
        let ours = owner.owns(tags.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
        Ok::<_, AwsError>(Some(LiveTopic {
            arn,
            owned: ours,
            subscriptions,
        }))
    };
    let (topic, alarms, dashboard) = tokio::try_join!(
        topic,
        alarms(&clients.cloudwatch, &prefix),
        dashboard(&clients.cloudwatch, &dashboard_name),
    )?;
    let our_topic = topic.as_ref().filter(|t| t.owned).map(|t| t.arn.clone());
    let mut live = LiveAlarms {
        topic,
        ..LiveAlarms::default()
    };
    for alarm in alarms {
        let on_our_topic = our_topic
            .as_ref()
            .is_some_and(|arn| alarm.1.actions.iter().any(|a| a == arn));
        if on_our_topic || tagged_for(&clients.cloudwatch, owner, &alarm.0).await? {
            live.alarms.push(alarm.1);
        } else {
            live.foreign.push(alarm.1.name);
        }
    }
    if let Some(body) = dashboard {
        // Dashboards take no tags: ours carry the marker line, or (made
        // by an earlier awsdeploy) sit beside our topic.
        if body.contains(&awsdeploy_plan::names::dashboard_marker(
            &owner.app, &owner.env,
        )) || our_topic.is_some()
        {
            live.dashboard = Some(body);
        } else {
            live.foreign.push(dashboard_name);
        }
    }
    Ok(live)
}

/// Whether the alarm `arn` carries the env's tags (one call: only for an
/// alarm of our names that does not notify our topic).
async fn tagged_for(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    owner: &Owner,
    arn: &str,
) -> Result<bool, AwsError> {
    let out = cloudwatch
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(sdk("ListTagsForResource", arn))?;
    Ok(owner.owns(out.tags().iter().map(|t| (t.key(), t.value()))))
}

/// The topic named `name`'s ARN, from `ListTopics` pages.
async fn find_topic(sns: &aws_sdk_sns::Client, name: &str) -> Result<Option<String>, AwsError> {
    let suffix = format!(":{name}");
    let mut pages = sns.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk("ListTopics", name))?;
        if let Some(arn) = page
            .topics()
            .iter()
            .filter_map(|t| t.topic_arn())
            .find(|arn| arn.ends_with(&suffix))
        {
            return Ok(Some(arn.to_owned()));
        }
    }
    Ok(None)
}

async fn subscriptions(
    sns: &aws_sdk_sns::Client,
    topic: &str,
) -> Result<Vec<LiveSubscription>, AwsError> {
    let mut found = Vec::new();
    let mut pages = sns
        .list_subscriptions_by_topic()
        .topic_arn(topic)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk("ListSubscriptionsByTopic", topic))?;
        found.extend(page.subscriptions().iter().map(|s| {
            LiveSubscription {
                protocol: s.protocol().unwrap_or_default().to_owned(),
                endpoint: s.endpoint().unwrap_or_default().to_owned(),
                // `PendingConfirmation` until the recipient confirms.
                arn: s
                    .subscription_arn()
                    .filter(|arn| arn.starts_with("arn:"))
                    .map(str::to_owned),
            }
        }));
    }
    Ok(found)
}

/// The stack's alarms that notify `topic`.
/// Every alarm named with `prefix`: its ARN and definition.
async fn alarms(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    prefix: &str,
) -> Result<Vec<(String, AlarmDefinition)>, AwsError> {
    let mut found = Vec::new();
    let mut pages = cloudwatch
        .describe_alarms()
        .alarm_name_prefix(prefix)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk("DescribeAlarms", prefix))?;
        found.extend(
            page.metric_alarms()
                .iter()
                .map(|a| (a.alarm_arn().unwrap_or_default().to_owned(), definition(a))),
        );
    }
    Ok(found)
}

/// A live alarm, in the shape awsdeploy writes.
fn definition(alarm: &MetricAlarm) -> AlarmDefinition {
    let dimensions = |dims: &[CwDimension]| {
        dims.iter()
            .map(|d| Dimension {
                name: d.name().unwrap_or_default().to_owned(),
                value: DimensionValue::Text(d.value().unwrap_or_default().to_owned()),
            })
            .collect()
    };
    let metric = if alarm.metrics().is_empty() {
        AlarmMetric::Metric(MetricRef {
            namespace: alarm.namespace().unwrap_or_default().to_owned(),
            name: alarm.metric_name().unwrap_or_default().to_owned(),
            dimensions: dimensions(alarm.dimensions()),
            stat: alarm
                .extended_statistic()
                .map(str::to_owned)
                .or_else(|| alarm.statistic().map(|s| s.as_str().to_owned()))
                .unwrap_or_default(),
        })
    } else {
        AlarmMetric::Math {
            expression: alarm
                .metrics()
                .iter()
                .find_map(|q| q.expression())
                .unwrap_or_default()
                .to_owned(),
            metrics: alarm
                .metrics()
                .iter()
                .filter_map(|q| q.metric_stat())
                .map(|stat| {
                    let m = stat.metric();
                    MetricRef {
                        namespace: m.and_then(|m| m.namespace()).unwrap_or_default().to_owned(),
                        name: m
                            .and_then(|m| m.metric_name())
                            .unwrap_or_default()
                            .to_owned(),
                        dimensions: dimensions(
                            m.map(aws_sdk_cloudwatch::types::Metric::dimensions)
                                .unwrap_or_default(),
                        ),
                        stat: stat.stat().unwrap_or_default().to_owned(),
                    }
                })
                .collect(),
        }
    };
    let period = alarm.period().unwrap_or_else(|| {
        alarm
            .metrics()
            .iter()
            .find_map(|q| q.metric_stat().and_then(MetricStat::period))
            .unwrap_or(0)
    });
    AlarmDefinition {
        name: alarm.alarm_name().unwrap_or_default().to_owned(),
        description: alarm.alarm_description().unwrap_or_default().to_owned(),
        metric,
        period,
        evaluation_periods: alarm.evaluation_periods().unwrap_or(0),
        datapoints_to_alarm: alarm
            .datapoints_to_alarm()
            .or(alarm.evaluation_periods())
            .unwrap_or(0),
        comparison: alarm
            .comparison_operator()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        threshold: alarm.threshold().map(format_threshold).unwrap_or_default(),
        treat_missing_data: alarm.treat_missing_data().unwrap_or("missing").to_owned(),
        actions: alarm.alarm_actions().to_vec(),
    }
}

/// A threshold as the plan writes it: `10`, `0.5`.
fn format_threshold(value: f64) -> String {
    format!("{value}")
}

async fn dashboard(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    name: &str,
) -> Result<Option<String>, AwsError> {
    match cloudwatch
        .get_dashboard()
        .dashboard_name(name)
        .send()
        .await
        .map_err(sdk("GetDashboard", name))
    {
        Ok(out) => Ok(out.dashboard_body().map(|body| {
            serde_json::from_str::<serde_json::Value>(body)
                .map_or_else(|_| body.to_owned(), |v| awsdeploy_plan::iam::canonical(&v))
        })),
        // AWS answers `ResourceNotFound` (CloudWatch API reference);
        // `DashboardNotFoundError` is in its model, and LocalStack's
        // `InvalidParameterValue` says "does not exist".
        Err(e)
            if already_done(
                &e,
                &[
                    "ResourceNotFound",
                    "ResourceNotFoundException",
                    "DashboardNotFoundError",
                ],
            ) || (already_done(&e, &["InvalidParameterValue"])
                && e.to_string().contains("does not exist")) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// `PutDashboard` with the load balancer's and target group's ARNs
/// resolved into the widgets' dimensions.
async fn put_dashboard(cx: &StepContext<'_>, dashboard: &Dashboard) -> Result<(), AwsError> {
    for reference in dashboard.refs() {
        cx.resolve(reference)?;
    }
    let body = dashboard
        .body(|value| match value {
            DimensionValue::Text(text) => Some(text.clone()),
            DimensionValue::LoadBalancer(r) | DimensionValue::TargetGroup(r) => {
                cx.resolve(r).ok().map(|arn| value.with(&arn))
            }
        })
        .unwrap_or_default();
    cx.clients
        .cloudwatch
        .put_dashboard()
        .dashboard_name(&dashboard.name)
        .dashboard_body(body)
        .send()
        .await
        .map_err(sdk("PutDashboard", dashboard.name.as_str()))?;
    Ok(())
}

pub(crate) async fn run(
    step: &AlarmsStep,
    cx: &StepContext<'_>,
) -> Result<Option<String>, AwsError> {
    match step {
        AlarmsStep::CreateTopic { name } => create_topic(cx, name).await.map(Some),
        AlarmsStep::Subscribe {
            topic,
            protocol,
            endpoint,
        } => {
            let topic = cx.resolve(topic)?;
            cx.clients
                .sns
                .subscribe()
                .topic_arn(&topic)
                .protocol(protocol)
                .endpoint(endpoint)
                .send()
                .await
                .map_err(sdk("Subscribe", endpoint.as_str()))?;
            Ok(None)
        }
        AlarmsStep::Unsubscribe { arn } => {
            match cx
                .clients
                .sns
                .unsubscribe()
                .subscription_arn(arn)
                .send()
                .await
                .map_err(sdk("Unsubscribe", arn.as_str()))
            {
                Ok(_) => Ok(None),
                Err(e) if already_done(&e, &["NotFound", "NotFoundException"]) => Ok(None),
                Err(e) => Err(e),
            }
        }
        AlarmsStep::PutAlarm { alarm } => put_alarm(cx, alarm).await.map(|()| None),
        AlarmsStep::PutDashboard { dashboard } => put_dashboard(cx, dashboard).await.map(|()| None),
        AlarmsStep::DeleteAlarms { names } => {
            // At most 100 names per call.
            for chunk in names.chunks(100) {
                cx.clients
                    .cloudwatch
                    .delete_alarms()
                    .set_alarm_names(Some(chunk.to_vec()))
                    .send()
                    .await
                    .map_err(sdk("DeleteAlarms", cx.name()))?;
            }
            Ok(None)
        }
        AlarmsStep::DeleteDashboard { name } => {
            match cx
                .clients
                .cloudwatch
                .delete_dashboards()
                .dashboard_names(name)
                .send()
                .await
                .map_err(sdk("DeleteDashboards", name.as_str()))
            {
                Ok(_) => Ok(None),
                Err(e) if already_done(&e, &["ResourceNotFound", "DashboardNotFoundError"]) => {
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        }
        AlarmsStep::DeleteTopic { arn } => {
            // Deleting a topic that does not exist succeeds (SNS API
            // reference, DeleteTopic).
            cx.clients
                .sns
                .delete_topic()
                .topic_arn(arn)
                .send()
                .await
                .map_err(sdk("DeleteTopic", arn.as_str()))?;
            Ok(None)
        }
    }
}

/// `CreateTopic` is idempotent by name when the attributes and tags are
/// the same (SNS API reference): a retry after a lost answer gets the same
/// ARN.
async fn create_topic(cx: &StepContext<'_>, name: &str) -> Result<String, AwsError> {
    let tags: Vec<aws_sdk_sns::types::Tag> = cx
        .tags()
        .into_iter()
        .map(|(k, v)| aws_sdk_sns::types::Tag::builder().key(k).value(v).build())
        .collect::<Result<_, _>>()
        .map_err(built("CreateTopic"))?;
    let out = cx
        .clients
        .sns
        .create_topic()
        .name(name)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(sdk("CreateTopic", name))?;
    Ok(out.topic_arn().unwrap_or_default().to_owned())
}

/// `PutMetricAlarm` creates or overwrites the alarm whole; its tags apply
/// when it is created.
async fn put_alarm(cx: &StepContext<'_>, alarm: &AlarmDefinition) -> Result<(), AwsError> {
    let dimensions = |metric: &MetricRef| -> Result<Vec<CwDimension>, AwsError> {
        metric
            .dimensions
            .iter()
            .map(|d| {
                let value = match &d.value {
                    DimensionValue::Text(text) => text.clone(),
                    DimensionValue::LoadBalancer(r) | DimensionValue::TargetGroup(r) => {
                        d.value.with(&cx.resolve(r)?)
                    }
                };
                Ok(CwDimension::builder().name(&d.name).value(value).build())
            })
            .collect()
    };
    let threshold: f64 = alarm.threshold.parse().unwrap_or_default();
    let tags: Vec<Tag> = cx
        .owner
        .tags(awsdeploy_plan::ComponentId::Alarms, &alarm.name)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let mut request = cx
        .clients
        .cloudwatch
        .put_metric_alarm()
        .alarm_name(&alarm.name)
        .alarm_description(&alarm.description)
        .evaluation_periods(alarm.evaluation_periods)
        .datapoints_to_alarm(alarm.datapoints_to_alarm)
        .comparison_operator(ComparisonOperator::from(alarm.comparison.as_str()))
        .threshold(threshold)
        .treat_missing_data(&alarm.treat_missing_data)
        .set_alarm_actions(Some(alarm.actions.clone()))
        .set_ok_actions(Some(alarm.actions.clone()))
        .actions_enabled(true)
        .set_tags(Some(tags));
    match &alarm.metric {
        AlarmMetric::Metric(metric) => {
            request = request
                .namespace(&metric.namespace)
                .metric_name(&metric.name)
                .set_dimensions(Some(dimensions(metric)?))
                .period(alarm.period);
            request = if metric.stat.starts_with('p') {
                request.extended_statistic(&metric.stat)
            } else {
                request.statistic(Statistic::from(metric.stat.as_str()))
            };
        }
        AlarmMetric::Math {
            expression,
            metrics,
        } => {
            for (i, metric) in metrics.iter().enumerate() {
                let stat = MetricStat::builder()
                    .metric(
                        aws_sdk_cloudwatch::types::Metric::builder()
                            .namespace(&metric.namespace)
                            .metric_name(&metric.name)
                            .set_dimensions(Some(dimensions(metric)?))
                            .build(),
                    )
                    .period(alarm.period)
                    .stat(&metric.stat)
                    .build();
                request = request.metrics(
                    MetricDataQuery::builder()
                        .id(format!("m{}", i + 1))
                        .metric_stat(stat)
                        .return_data(false)
                        .build(),
                );
            }
            request = request.metrics(
                MetricDataQuery::builder()
                    .id("e1")
                    .expression(expression)
                    .label(&alarm.name)
                    .return_data(true)
                    .build(),
            );
        }
    }
    request
        .send()
        .await
        .map_err(sdk("PutMetricAlarm", alarm.name.as_str()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_print_as_the_plan_writes_them() {
        assert_eq!(format_threshold(10.0), "10");
        assert_eq!(format_threshold(0.5), "0.5");
        assert_eq!(format_threshold(2_147_483_648.0), "2147483648");
    }
}
