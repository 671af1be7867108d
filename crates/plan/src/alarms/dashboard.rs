//! The dashboard `{app}-{env}`: the alarms' metrics on one page, with
//! requests, latency percentiles and healthy targets beside them, and
//! every alarm's state.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{AlarmDefinition, AlarmMetric, DimensionValue, MetricRef};
use crate::Ref;

/// The dashboard's widgets, rendered to its JSON body once its dimensions
/// are known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Dashboard {
    pub name: String,
    pub region: String,
    /// The metrics of each widget, by title.
    pub widgets: Vec<Widget>,
    /// Alarm ARNs for the alarm-status widget.
    pub alarm_arns: Vec<String>,
    /// The text widget's first line, [`crate::names::dashboard_marker`].
    pub marker: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Widget {
    pub title: String,
    pub metrics: Vec<MetricRef>,
}

impl Dashboard {
    /// Every ref its metrics hold.
    pub fn refs(&self) -> Vec<&Ref> {
        self.widgets
            .iter()
            .flat_map(|w| &w.metrics)
            .flat_map(|m| &m.dimensions)
            .filter_map(|d| match &d.value {
                DimensionValue::Text(_) => None,
                DimensionValue::LoadBalancer(r) | DimensionValue::TargetGroup(r) => Some(r),
            })
            .collect()
    }

    /// The dashboard body (`PutDashboard`'s `DashboardBody`), with each
    /// dimension's value from `value`; canonical JSON.
    pub fn body(&self, value: impl Fn(&DimensionValue) -> Option<String>) -> Option<String> {
        let mut widgets = Vec::new();
        for (i, widget) in self.widgets.iter().enumerate() {
            let mut metrics = Vec::new();
            for m in &widget.metrics {
                let mut row = vec![
                    serde_json::Value::from(m.namespace.clone()),
                    serde_json::Value::from(m.name.clone()),
                ];
                for d in &m.dimensions {
                    row.push(d.name.clone().into());
                    row.push(value(&d.value)?.into());
                }
                row.push(serde_json::json!({ "stat": m.stat }));
                metrics.push(serde_json::Value::Array(row));
            }
            widgets.push(serde_json::json!({
                "type": "metric",
                "x": (i % 2) * 12,
                "y": (i / 2) * 6,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": widget.title,
                    "region": self.region,
                    "view": "timeSeries",
                    "period": 60,
                    "metrics": metrics,
                },
            }));
        }
        if !self.alarm_arns.is_empty() {
            widgets.push(serde_json::json!({
                "type": "alarm",
                "x": 0,
                "y": self.widgets.len().div_ceil(2) * 6,
                "width": 24,
                "height": 4,
                "properties": { "title": "Alarms", "alarms": self.alarm_arns },
            }));
        }
        let alarm_rows = if self.alarm_arns.is_empty() { 0 } else { 4 };
        widgets.push(serde_json::json!({
            "type": "text",
            "x": 0,
            "y": self.widgets.len().div_ceil(2) * 6 + alarm_rows,
            "width": 24,
            "height": 2,
            "properties": { "markdown": format!(
                "{}: `awsdeploy up` puts this dashboard back as the spec says, so edits here do not last.",
                self.marker
            ) },
        }));
        Some(crate::iam::canonical(
            &serde_json::json!({ "widgets": widgets }),
        ))
    }

    /// The body as far as it is known now: `None` while a dimension waits
    /// for a resource this plan creates.
    pub(super) fn existing_body(&self) -> Option<String> {
        self.body(DimensionValue::existing)
    }
}

/// The dashboard's widgets: every alarm's metric grouped by what it is on,
/// plus requests and healthy targets.
pub(super) fn widgets(alarms: &[AlarmDefinition]) -> Vec<Widget> {
    let find = |name: &str, stat: &str| {
        alarms.iter().find_map(|a| {
            let metrics: Vec<&MetricRef> = match &a.metric {
                AlarmMetric::Metric(m) => vec![m],
                AlarmMetric::Math { metrics, .. } => metrics.iter().collect(),
            };
            metrics
                .into_iter()
                .find(|m| m.name == name)
                .map(|m| MetricRef {
                    stat: stat.to_owned(),
                    ..m.clone()
                })
        })
    };
    let widget = |title: &str, metrics: Vec<Option<MetricRef>>| {
        let metrics: Vec<MetricRef> = metrics.into_iter().flatten().collect();
        (!metrics.is_empty()).then(|| Widget {
            title: title.to_owned(),
            metrics,
        })
    };
    let healthy = find("UnHealthyHostCount", "Maximum").map(|m| MetricRef {
        name: "HealthyHostCount".to_owned(),
        stat: "Minimum".to_owned(),
        ..m
    });
    [
        widget(
            "Requests and 5XX",
            vec![
                find("RequestCount", "Sum"),
                find("HTTPCode_Target_5XX_Count", "Sum"),
                find("HTTPCode_ELB_5XX_Count", "Sum"),
            ],
        ),
        widget(
            "Latency",
            vec![
                find("TargetResponseTime", "p50"),
                find("TargetResponseTime", "p99"),
            ],
        ),
        widget(
            "Targets",
            vec![healthy, find("UnHealthyHostCount", "Maximum")],
        ),
        widget(
            "Service",
            vec![
                find("CPUUtilization", "Average").filter(|m| m.namespace == "AWS/ECS"),
                find("MemoryUtilization", "Average"),
                find("RunningTaskCount", "Average"),
            ],
        ),
        widget(
            "Database",
            vec![
                alarms.iter().find_map(|a| match &a.metric {
                    AlarmMetric::Metric(m)
                        if m.namespace == "AWS/RDS" && m.name == "CPUUtilization" =>
                    {
                        Some(m.clone())
                    }
                    _ => None,
                }),
                find("DatabaseConnections", "Maximum"),
                find("FreeStorageSpace", "Minimum"),
            ],
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}
