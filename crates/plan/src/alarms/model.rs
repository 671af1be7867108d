//! What an alarm is, as awsdeploy makes it and as observation reads it
//! back: its metric (or metric math), dimensions (some the ARNs of what
//! this plan makes), threshold and actions; and the topic with its
//! subscriptions and the dashboard. Imports nothing of the planner but
//! [`Ref`], so the observed state ([`crate::live`]) can hold it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Ref;

/// What was observed of the alarms component.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAlarms {
    pub topic: Option<LiveTopic>,
    /// Alarms named with the stack's prefix that notify our topic.
    pub alarms: Vec<AlarmDefinition>,
    /// The dashboard's body, canonical JSON, when it exists and is ours
    /// (its body carries [`crate::names::dashboard_marker`], or an earlier
    /// awsdeploy made it beside our topic).
    pub dashboard: Option<String>,
    /// Names of what carries this stack's names but is not ours: alarms
    /// (neither on our topic nor tagged for the env) and the dashboard.
    /// awsdeploy refuses to overwrite them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign: Vec<String>,
}

impl LiveAlarms {
    pub fn is_empty(&self) -> bool {
        *self == LiveAlarms::default()
    }

    pub fn sort(&mut self) {
        if let Some(topic) = &mut self.topic {
            topic.subscriptions.sort();
        }
        self.alarms.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTopic {
    pub arn: String,
    pub owned: bool,
    pub subscriptions: Vec<LiveSubscription>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LiveSubscription {
    /// `email` or `https`.
    pub protocol: String,
    pub endpoint: String,
    /// `None` while the subscription waits for its confirmation (SNS
    /// answers `PendingConfirmation`).
    pub arn: Option<String>,
}

/// A dimension's value: a name, or the ARN suffix of a load balancer or
/// target group (what `AWS/ApplicationELB` metrics are keyed by).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DimensionValue {
    Text(String),
    LoadBalancer(Ref),
    TargetGroup(Ref),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Dimension {
    pub name: String,
    pub value: DimensionValue,
}

/// One metric an alarm reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MetricRef {
    pub namespace: String,
    pub name: String,
    pub dimensions: Vec<Dimension>,
    /// `Sum`, `Average`, `Maximum`, `Minimum`, or a percentile (`p99`).
    pub stat: String,
}

/// What an alarm compares with its threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlarmMetric {
    Metric(MetricRef),
    /// A metric math expression over `m1`, `m2`, … (the metrics in order).
    Math {
        expression: String,
        metrics: Vec<MetricRef>,
    },
}

/// One alarm as awsdeploy writes it (`PutMetricAlarm`) and reads it back
/// (`DescribeAlarms`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AlarmDefinition {
    pub name: String,
    pub description: String,
    pub metric: AlarmMetric,
    /// Seconds.
    pub period: i32,
    pub evaluation_periods: i32,
    pub datapoints_to_alarm: i32,
    /// `GreaterThanThreshold`, `LessThanThreshold`, …
    pub comparison: String,
    /// As `CloudWatch` prints it (`10`, `0.5`).
    pub threshold: String,
    /// `missing`, `ignore`, `breaching` or `notBreaching`, chosen per
    /// metric: a 5XX count with no requests is fine, a database with no
    /// CPU datapoint is not.
    pub treat_missing_data: String,
    /// Alarm and OK actions: the topic's ARN.
    pub actions: Vec<String>,
}

impl AlarmDefinition {
    /// With the load balancer's and target group's ARN suffixes in place,
    /// as far as they exist: how it compares with a live alarm.
    pub(crate) fn resolved(&self) -> AlarmDefinition {
        let resolve = |metric: &MetricRef| MetricRef {
            dimensions: metric
                .dimensions
                .iter()
                .map(|d| Dimension {
                    name: d.name.clone(),
                    value: DimensionValue::Text(
                        d.value.existing().unwrap_or_else(|| "(new)".to_owned()),
                    ),
                })
                .collect(),
            ..metric.clone()
        };
        AlarmDefinition {
            metric: match &self.metric {
                AlarmMetric::Metric(m) => AlarmMetric::Metric(resolve(m)),
                AlarmMetric::Math {
                    expression,
                    metrics,
                } => AlarmMetric::Math {
                    expression: expression.clone(),
                    metrics: metrics.iter().map(resolve).collect(),
                },
            },
            ..self.clone()
        }
    }

    /// Every ref its dimensions hold.
    pub fn refs(&self) -> Vec<&Ref> {
        let metrics: Vec<&MetricRef> = match &self.metric {
            AlarmMetric::Metric(m) => vec![m],
            AlarmMetric::Math { metrics, .. } => metrics.iter().collect(),
        };
        metrics
            .into_iter()
            .flat_map(|m| &m.dimensions)
            .filter_map(|d| match &d.value {
                DimensionValue::Text(_) => None,
                DimensionValue::LoadBalancer(r) | DimensionValue::TargetGroup(r) => Some(r),
            })
            .collect()
    }
}

impl DimensionValue {
    /// The value when it is known now.
    pub(crate) fn existing(&self) -> Option<String> {
        match self {
            DimensionValue::Text(text) => Some(text.clone()),
            DimensionValue::LoadBalancer(r) | DimensionValue::TargetGroup(r) => match r {
                Ref::Existing(arn) => Some(self.with(arn)),
                Ref::Planned(_) => None,
            },
        }
    }

    /// The value for a resolved ARN.
    pub fn with(&self, arn: &str) -> String {
        match self {
            DimensionValue::Text(text) => text.clone(),
            DimensionValue::LoadBalancer(_) => arn_suffix(arn)
                .trim_start_matches("loadbalancer/")
                .to_owned(),
            DimensionValue::TargetGroup(_) => arn_suffix(arn).to_owned(),
        }
    }
}

/// The resource part of an ARN: what follows its fifth colon.
fn arn_suffix(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}
