//! Alarms (`[alarms]`): an SNS topic `{app}-{env}-alarms` with the spec's
//! subscriptions, `CloudWatch` alarms on what the stack runs, and a
//! dashboard `{app}-{env}`.
//!
//! The alarms are AWS's recommended ones ("Recommended alarms", `CloudWatch`
//! user guide) for an Application Load Balancer, an ECS service and an RDS
//! instance, each named `{app}-{env}-{component}-{metric}`, with its alarm
//! and OK actions on the topic. An alarm is ours when it notifies our
//! topic (the topic carries the ownership tags), so observing them costs
//! one `DescribeAlarms`, not a tag read per alarm.
//!
//! The load balancer's and target group's alarms name them by their ARN's
//! suffix (`app/{name}/{id}`, `targetgroup/{name}/{id}`), known only once
//! they exist: a [`Dimension`] holds the [`Ref`], resolved when the step
//! runs.
//!
//! Removing `[alarms]` lists what it made as orphans and deletes nothing,
//! as for every component: a team that drops the section may be moving the
//! alarms elsewhere. `down` deletes them.

use awsdeploy_spec::Spec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod component;
mod dashboard;
mod model;
mod rules;

pub use component::Alarms;
pub use dashboard::{Dashboard, Widget};
pub use model::{
    AlarmDefinition, AlarmMetric, Dimension, DimensionValue, LiveAlarms, LiveSubscription,
    LiveTopic, MetricRef,
};

use crate::component::PlanContext;
use crate::live::LiveAccount;
use crate::names::{
    alarm_name, alarm_topic_name as topic_name, dashboard_name, load_balancer_name,
    target_group_name,
};
use crate::plan::{Action, ComponentPlan, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::{ComponentId, ComponentStep, Key, PlanError, Ref};

/// The names of the alarms the service's deployments roll back on (ECS
/// deployment alarms), when `[alarms]` asks for it.
pub fn deployment_alarms(spec: &Spec) -> Vec<String> {
    match (&spec.alarms, &spec.service) {
        (Some(alarms), Some(_)) if alarms.rollback => {
            let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
            vec![
                alarm_name(app, env, "load-balancer", "target-5xx"),
                alarm_name(app, env, "load-balancer", "unhealthy-hosts"),
            ]
        }
        _ => Vec::new(),
    }
}

/// How long ECS keeps a deployment watched by `spec`'s deployment alarms
/// after it reaches steady state before it is COMPLETED (its bake time,
/// computed from the alarms' periods and evaluation periods, ECS
/// developer guide, "Deployment alarms"): the longest of them, in seconds;
/// 0 without them. The rollout wait allows for it.
pub fn deployment_bake_secs(spec: &Spec) -> u64 {
    let names = deployment_alarms(spec);
    let Some(alarms) = spec.alarms.as_ref().filter(|_| !names.is_empty()) else {
        return 0;
    };
    let placeholder = || Some(Ref::Existing(String::new()));
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    rules::rules(spec, alarms, placeholder(), placeholder())
        .iter()
        .filter(|r| names.contains(&alarm_name(app, env, r.component, r.slug)))
        .map(|r| u64::try_from(r.period * r.periods).unwrap_or(0))
        .max()
        .unwrap_or(0)
}

/// Everything the alarms component makes for `spec`, where its load
/// balancer and target group are `load_balancer` and `target_group`.
pub struct Desired {
    pub topic: String,
    pub topic_arn: String,
    pub subscriptions: Vec<(String, String)>,
    pub alarms: Vec<AlarmDefinition>,
    pub dashboard: Option<Dashboard>,
}

/// What `[alarms]` asks for, on the stack `spec` describes.
pub fn desired(
    spec: &Spec,
    region: &str,
    account: &LiveAccount,
    load_balancer: Option<Ref>,
    target_group: Option<Ref>,
) -> Result<Option<Desired>, PlanError> {
    let Some(alarms) = &spec.alarms else {
        return Ok(None);
    };
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let topic = topic_name(app, env);
    let topic_arn = format!(
        "arn:{}:sns:{region}:{}:{topic}",
        account.partition(),
        account.account()?
    );
    let rules = rules::rules(spec, alarms, load_balancer, target_group);
    let definitions: Vec<AlarmDefinition> = rules
        .into_iter()
        .map(|r| AlarmDefinition {
            name: alarm_name(app, env, r.component, r.slug),
            description: format!("awsdeploy {app}/{env}: {}", r.what),
            metric: r.metric,
            period: r.period,
            evaluation_periods: r.periods,
            datapoints_to_alarm: r.periods,
            comparison: r.comparison.to_owned(),
            threshold: r.threshold,
            treat_missing_data: r.missing.to_owned(),
            actions: vec![topic_arn.clone()],
        })
        .collect();
    let dashboard = alarms.dashboard.then(|| Dashboard {
        name: dashboard_name(app, env),
        region: region.to_owned(),
        widgets: dashboard::widgets(&definitions),
        alarm_arns: definitions
            .iter()
            .map(|a| {
                format!(
                    "arn:{}:cloudwatch:{region}:{}:alarm:{}",
                    account.partition(),
                    account.account_id.as_deref().unwrap_or_default(),
                    a.name
                )
            })
            .collect(),
        marker: crate::names::dashboard_marker(app, env),
    });
    let subscriptions = alarms
        .email
        .iter()
        .map(|e| ("email".to_owned(), e.clone()))
        .chain(alarms.https.iter().map(|u| ("https".to_owned(), u.clone())))
        .collect();
    Ok(Some(Desired {
        topic,
        topic_arn,
        subscriptions,
        alarms: definitions,
        dashboard,
    }))
}

/// Compares `[alarms]` with what is live.
pub fn plan(desired: Option<&Desired>, live: &LiveAlarms) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let Some(desired) = desired else {
        orphans(live, &mut out);
        return Ok(out);
    };
    refuse_foreign(desired, live)?;
    let topic_key = Key::named(ComponentId::Alarms, desired.topic.clone());
    let topic = match &live.topic {
        Some(topic) if !topic.owned => {
            return Err(PlanError::not_ours(
                ResourceKind::AlarmTopic,
                &desired.topic,
            ));
        }
        Some(topic) => {
            out.unchanged += 1;
            Ref::Existing(topic.arn.clone())
        }
        None => {
            out.push(
                ResourceChange::new(
                    topic_key.clone(),
                    ResourceKind::AlarmTopic,
                    &desired.topic,
                    Action::Create,
                    vec![AlarmsStep::CreateTopic {
                        name: desired.topic.clone(),
                    }],
                )
                .with_fields(vec![FieldChange::set(
                    "subscriptions",
                    desired.subscriptions.len().to_string(),
                )]),
            );
            Ref::Planned(topic_key)
        }
    };
    subscriptions(desired, live, &topic, &mut out);
    for alarm in &desired.alarms {
        let key = Key::named(ComponentId::Alarms, alarm.name.clone());
        let resolved = alarm.resolved();
        let change = |action| {
            ResourceChange::new(
                key.clone(),
                ResourceKind::Alarm,
                &alarm.name,
                action,
                vec![AlarmsStep::PutAlarm {
                    alarm: alarm.clone(),
                }],
            )
            .after(topic.planned_key().cloned())
        };
        match live.alarms.iter().find(|a| a.name == alarm.name) {
            None => out.push(change(Action::Create).with_fields(vec![FieldChange::set(
                "when",
                format!(
                    "{} {} {}",
                    metric_label(&alarm.metric),
                    comparison_label(&alarm.comparison),
                    alarm.threshold
                ),
            )])),
            Some(found) if *found == resolved => out.unchanged += 1,
            Some(found) => {
                out.push(
                    change(Action::Update)
                        .on(Some(&alarm.name))
                        .with_fields(alarm_fields(found, &resolved)),
                );
            }
        }
    }
    for found in live
        .alarms
        .iter()
        .filter(|a| !desired.alarms.iter().any(|d| d.name == a.name))
    {
        out.orphans.push(Orphan::named(
            ComponentId::Alarms,
            ResourceKind::Alarm,
            &found.name,
        ));
    }
    dashboard(desired, live, &mut out);
    Ok(out)
}

/// Stops the plan before anything is written over an alarm or a dashboard
/// of this stack's names that awsdeploy did not make (`PutMetricAlarm` and
/// `PutDashboard` replace whatever has the name).
fn refuse_foreign(desired: &Desired, live: &LiveAlarms) -> Result<(), PlanError> {
    if let Some(alarm) = desired
        .alarms
        .iter()
        .find(|a| live.foreign.contains(&a.name))
    {
        return Err(PlanError::not_ours(ResourceKind::Alarm, &alarm.name));
    }
    match &desired.dashboard {
        Some(dashboard) if live.foreign.contains(&dashboard.name) => Err(PlanError::not_ours(
            ResourceKind::Dashboard,
            &dashboard.name,
        )),
        _ => Ok(()),
    }
}

/// The subscriptions: new ones subscribed, confirmed ones the spec no
/// longer names unsubscribed, pending ones named in a warning.
fn subscriptions(desired: &Desired, live: &LiveAlarms, topic: &Ref, out: &mut ComponentPlan) {
    let subscribed = live.topic.as_ref().map_or(&[][..], |t| &t.subscriptions);
    for (protocol, endpoint) in &desired.subscriptions {
        let label = format!("{protocol}:{endpoint}");
        match subscribed
            .iter()
            .find(|s| s.protocol == *protocol && s.endpoint == *endpoint)
        {
            Some(s) => {
                out.unchanged += 1;
                if s.arn.is_none() {
                    out.warnings.push(format!(
                        "the {protocol} subscription {endpoint} waits for its confirmation: {}",
                        if protocol == "email" {
                            "open the email from AWS Notifications and click \"Confirm subscription\" (the link lapses after 3 days; `awsdeploy up` then sends another)"
                        } else {
                            "the endpoint must visit the SubscribeURL SNS posted to it"
                        }
                    ));
                }
            }
            None => out.push(
                ResourceChange::new(
                    Key::named(ComponentId::Alarms, label.clone()),
                    ResourceKind::AlarmSubscription,
                    &label,
                    Action::Create,
                    vec![AlarmsStep::Subscribe {
                        topic: topic.clone(),
                        protocol: protocol.clone(),
                        endpoint: endpoint.clone(),
                    }],
                )
                .with_fields(vec![FieldChange::set(
                    "confirmation",
                    "pending until the recipient confirms",
                )]),
            ),
        }
    }
    for s in subscribed.iter().filter(|s| {
        !desired
            .subscriptions
            .iter()
            .any(|(p, e)| *p == s.protocol && *e == s.endpoint)
    }) {
        let label = format!("{}:{}", s.protocol, s.endpoint);
        match &s.arn {
            Some(arn) => out.push(
                ResourceChange::new(
                    Key::named(ComponentId::Alarms, label.clone()),
                    ResourceKind::AlarmSubscription,
                    &label,
                    Action::Delete,
                    vec![AlarmsStep::Unsubscribe { arn: arn.clone() }],
                )
                .on(Some(arn)),
            ),
            None => out.warnings.push(format!(
                "the {} subscription {} is no longer in the spec but was never confirmed: SNS cannot remove it; it lapses after 3 days",
                s.protocol, s.endpoint
            )),
        }
    }
}

/// The dashboard, put again whenever its body differs.
fn dashboard(desired: &Desired, live: &LiveAlarms, out: &mut ComponentPlan) {
    match (&desired.dashboard, &live.dashboard) {
        (Some(dashboard), found) => {
            let body = dashboard.existing_body();
            if found.is_some() && body.as_ref() == found.as_ref() {
                out.unchanged += 1;
            } else {
                let alarm_keys: Vec<Key> = desired
                    .alarms
                    .iter()
                    .map(|a| Key::named(ComponentId::Alarms, a.name.clone()))
                    .filter(|k| out.changes.iter().any(|c| c.key == *k))
                    .collect();
                out.push(
                    ResourceChange::new(
                        Key::named(ComponentId::Alarms, format!("dashboard {}", dashboard.name)),
                        ResourceKind::Dashboard,
                        &dashboard.name,
                        if found.is_some() {
                            Action::Update
                        } else {
                            Action::Create
                        },
                        vec![AlarmsStep::PutDashboard {
                            dashboard: dashboard.clone(),
                        }],
                    )
                    .on(found.as_ref().map(|_| dashboard.name.as_str()))
                    .after(alarm_keys)
                    .with_fields(vec![FieldChange::set(
                        "widgets",
                        dashboard
                            .widgets
                            .iter()
                            .map(|w| w.title.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    )]),
                );
            }
        }
        (None, Some(_)) => out.orphans.push(Orphan::named(
            ComponentId::Alarms,
            ResourceKind::Dashboard,
            desired.topic.trim_end_matches("-alarms"),
        )),
        (None, None) => {}
    }
}

/// What a live stack without `[alarms]` still holds of it.
fn orphans(live: &LiveAlarms, out: &mut ComponentPlan) {
    let Some(topic) = live.topic.as_ref().filter(|t| t.owned) else {
        return;
    };
    out.orphans.push(Orphan {
        component: ComponentId::Alarms,
        kind: ResourceKind::AlarmTopic,
        name: topic.arn.rsplit(':').next().unwrap_or_default().to_owned(),
        id: topic.arn.clone(),
    });
    for alarm in &live.alarms {
        out.orphans.push(Orphan::named(
            ComponentId::Alarms,
            ResourceKind::Alarm,
            &alarm.name,
        ));
    }
}

fn metric_label(metric: &AlarmMetric) -> String {
    match metric {
        AlarmMetric::Metric(m) => format!("{} {}", m.stat, m.name),
        AlarmMetric::Math {
            expression,
            metrics,
        } => {
            let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
            format!("{expression} of ({})", names.join(", "))
        }
    }
}

fn comparison_label(comparison: &str) -> &'static str {
    match comparison {
        "GreaterThanThreshold" => ">",
        "GreaterThanOrEqualToThreshold" => ">=",
        "LessThanThreshold" => "<",
        "LessThanOrEqualToThreshold" => "<=",
        _ => "?",
    }
}

fn alarm_fields(found: &AlarmDefinition, want: &AlarmDefinition) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    let mut field = |name: &str, old: String, new: String| {
        if old != new {
            fields.push(FieldChange::new(name, Some(old), Some(new)));
        }
    };
    field("threshold", found.threshold.clone(), want.threshold.clone());
    field(
        "comparison",
        found.comparison.clone(),
        want.comparison.clone(),
    );
    field(
        "metric",
        metric_label(&found.metric),
        metric_label(&want.metric),
    );
    field(
        "period",
        format!(
            "{} of {} x {}s",
            found.datapoints_to_alarm, found.evaluation_periods, found.period
        ),
        format!(
            "{} of {} x {}s",
            want.datapoints_to_alarm, want.evaluation_periods, want.period
        ),
    );
    field(
        "treat_missing_data",
        found.treat_missing_data.clone(),
        want.treat_missing_data.clone(),
    );
    field("actions", found.actions.join(", "), want.actions.join(", "));
    field(
        "description",
        found.description.clone(),
        want.description.clone(),
    );
    if fields.is_empty() {
        // Dimensions (a replaced load balancer, say).
        fields.push(FieldChange::new(
            "dimensions",
            Some("other"),
            Some("this stack's"),
        ));
    }
    fields
}

/// The actions of the alarms component: SNS (the topic and its
/// subscriptions) and `CloudWatch` (alarms, the dashboard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AlarmsStep {
    /// `CreateTopic` with the tags (idempotent by name). The id is its ARN.
    CreateTopic { name: String },
    /// `Subscribe`; the recipient confirms.
    Subscribe {
        topic: Ref,
        protocol: String,
        endpoint: String,
    },
    /// `Unsubscribe` a confirmed subscription; already gone is success.
    Unsubscribe { arn: String },
    /// `PutMetricAlarm` (creates or replaces it), tagged.
    PutAlarm { alarm: AlarmDefinition },
    /// `PutDashboard`, its body rendered with the resolved dimensions.
    PutDashboard { dashboard: Dashboard },
    /// `DeleteAlarms`; already gone is success.
    DeleteAlarms { names: Vec<String> },
    /// `DeleteDashboards`; already gone is success.
    DeleteDashboard { name: String },
    /// `DeleteTopic` (its subscriptions go with it).
    DeleteTopic { arn: String },
}

impl ComponentStep for AlarmsStep {
    fn refs(&self) -> Vec<&Ref> {
        match self {
            AlarmsStep::Subscribe { topic, .. } => vec![topic],
            AlarmsStep::PutAlarm { alarm } => alarm.refs(),
            AlarmsStep::PutDashboard { dashboard } => dashboard.refs(),
            AlarmsStep::CreateTopic { .. }
            | AlarmsStep::Unsubscribe { .. }
            | AlarmsStep::DeleteAlarms { .. }
            | AlarmsStep::DeleteDashboard { .. }
            | AlarmsStep::DeleteTopic { .. } => vec![],
        }
    }

    fn creates(&self) -> bool {
        matches!(self, AlarmsStep::CreateTopic { .. })
    }
}

/// `down`: the dashboard, the alarms, then the topic.
pub(crate) fn teardown(live: &LiveAlarms, app: &str, env: &str) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    if live.dashboard.is_some() {
        let name = dashboard_name(app, env);
        out.push(
            ResourceChange::new(
                Key::named(ComponentId::Alarms, format!("dashboard {name}")),
                ResourceKind::Dashboard,
                &name,
                Action::Delete,
                vec![AlarmsStep::DeleteDashboard { name: name.clone() }],
            )
            .on(Some(&name)),
        );
    }
    if !live.alarms.is_empty() {
        let names: Vec<String> = live.alarms.iter().map(|a| a.name.clone()).collect();
        let label = format!("{} alarms", names.len());
        out.push(
            ResourceChange::new(
                Key::named(ComponentId::Alarms, "alarms"),
                ResourceKind::Alarm,
                &label,
                Action::Delete,
                vec![AlarmsStep::DeleteAlarms { names }],
            )
            .on(Some(&label)),
        );
    }
    if let Some(topic) = live.topic.as_ref().filter(|t| t.owned) {
        let name = topic_name(app, env);
        let before: Vec<Key> = out.changes.iter().map(|c| c.key.clone()).collect();
        out.push(
            ResourceChange::new(
                Key::named(ComponentId::Alarms, name.clone()),
                ResourceKind::AlarmTopic,
                &name,
                Action::Delete,
                vec![AlarmsStep::DeleteTopic {
                    arn: topic.arn.clone(),
                }],
            )
            .on(Some(&topic.arn))
            .after(before),
        );
    }
    out
}

/// The load balancer and target group the alarms watch: the service's,
/// live or planned; or, without `[service]`, what is live.
pub(crate) fn watched(cx: &PlanContext<'_>) -> (Option<Ref>, Option<Ref>) {
    let (app, env) = (cx.app(), cx.env());
    let live = &cx.live.service;
    let find = |name: String, arn: Option<&String>| {
        if cx.spec.service.is_some() {
            Some(cx.reference(&Key::named(ComponentId::LoadBalancer, name)))
        } else {
            arn.map(|a| Ref::Existing(a.clone()))
        }
    };
    (
        find(
            load_balancer_name(app, env),
            live.load_balancer.as_ref().map(|l| &l.arn),
        ),
        find(
            target_group_name(app, env),
            live.target_group.as_ref().map(|t| &t.arn),
        ),
    )
}

#[cfg(test)]
mod tests;
