//! The alarms as a [`Component`]: their plan, teardown, policy and status.

use awsdeploy_spec::Spec;

use super::model::AlarmMetric;
use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext, Side};
use crate::live::Lookups;
use crate::status::{AlarmsStatus, Status, SubscriptionStatus, console};
use crate::{ComponentId, ComponentPlan, Key, PlanError, Ref, ResourceKind, names};

/// The SNS topic and subscriptions, the alarms and the dashboard
/// (`[alarms]`).
pub struct Alarms;

impl Component for Alarms {
    fn id(&self) -> ComponentId {
        ComponentId::Alarms
    }

    fn sections(&self) -> &'static [&'static str] {
        &["alarms"]
    }

    fn lookups(&self, spec: &Spec, purpose: Purpose, lookups: &mut Lookups) {
        // The alarms' actions name the topic's ARN, which needs the
        // account id; `down` finds the topic by listing.
        lookups.alarms = purpose == Purpose::Up && spec.alarms.is_some();
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        let (load_balancer, target_group) = super::watched(cx);
        let desired = super::desired(
            cx.spec,
            cx.region,
            &cx.live.account,
            load_balancer,
            target_group,
        )?;
        super::plan(desired.as_ref(), &cx.live.alarms)
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(super::teardown(&cx.live.alarms, cx.app, cx.env))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        // The service's deployments name the alarms.
        &[ComponentId::Service]
    }

    fn policy(&self, cx: &PolicyContext<'_>) -> Vec<Statement> {
        let (app, env) = (cx.app, cx.env);
        vec![
            // Observation lists the alarms and topics to find the stack's
            // (or learn there are none), so every stack needs these.
            Statement::anywhere("AlarmsRead", &["cloudwatch:DescribeAlarms"]),
            Statement::anywhere("Topics", &["sns:ListTopics", "sns:Unsubscribe"]),
            Statement::new(
                "Alarms",
                &[
                    "cloudwatch:DeleteAlarms",
                    "cloudwatch:DeleteDashboards",
                    "cloudwatch:GetDashboard",
                    "cloudwatch:PutDashboard",
                    "cloudwatch:PutMetricAlarm",
                    "cloudwatch:TagResource",
                ],
                vec![
                    cx.arn(
                        "cloudwatch",
                        &format!("alarm:{}*", names::alarm_prefix(app, env)),
                    ),
                    cx.global(
                        "cloudwatch",
                        &format!("dashboard/{}", names::dashboard_name(app, env)),
                    ),
                ],
            ),
            Statement::new(
                "AlarmTopic",
                &[
                    "sns:CreateTopic",
                    "sns:DeleteTopic",
                    "sns:ListSubscriptionsByTopic",
                    "sns:ListTagsForResource",
                    "sns:Subscribe",
                    "sns:TagResource",
                ],
                vec![cx.arn("sns", &names::alarm_topic_name(app, env))],
            ),
        ]
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        let (app, env) = (cx.app, cx.env);
        vec![
            cx.arn(
                "cloudwatch",
                &format!(
                    "alarm:{}",
                    names::alarm_name(app, env, "load-balancer", "target-5xx")
                ),
            ),
            cx.global(
                "cloudwatch",
                &format!("dashboard/{}", names::dashboard_name(app, env)),
            ),
            cx.arn("sns", &names::alarm_topic_name(app, env)),
        ]
    }

    fn status(&self, cx: &StatusContext<'_>, status: &mut Status) {
        let live = cx.live;
        let Some(topic) = live.alarms.topic.as_ref().filter(|t| t.owned) else {
            return;
        };
        let region = cx.region;
        let name = topic.arn.rsplit(':').next().unwrap_or_default().to_owned();
        let console = console(live, region);
        let dashboard_url = live.alarms.dashboard.as_ref().map(|_| {
            let dashboard = name.trim_end_matches("-alarms");
            format!("{console}/cloudwatch/home?region={region}#dashboards/dashboard/{dashboard}")
        });
        let alarms = AlarmsStatus {
            topic: name,
            subscriptions: topic
                .subscriptions
                .iter()
                .map(|s| SubscriptionStatus {
                    protocol: s.protocol.clone(),
                    endpoint: s.endpoint.clone(),
                    confirmed: s.arn.is_some(),
                })
                .collect(),
            alarms: cx.extras.alarm_states.clone(),
            dashboard_url,
        };
        for alarm in alarms.alarms.iter().filter(|a| a.state == "ALARM") {
            status
                .problems
                .push(format!("alarm {} is firing", alarm.name));
        }
        status.alarms = Some(alarms);
    }

    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>) {
        // An alarm is charged per metric it watches (a metric math alarm
        // for each metric in it); the dashboard by the month. The SNS
        // topic's email notifications are within its free tier.
        let (app, env) = (cx.app(), cx.env());
        let metrics = |metric: &AlarmMetric| match metric {
            AlarmMetric::Metric(_) => 1,
            AlarmMetric::Math { metrics, .. } => metrics.len(),
        };
        let (alarms, dashboard): (Vec<(String, usize)>, bool) = match cx.side {
            Side::Spec => {
                let Some(alarms) = &cx.spec.alarms else {
                    return;
                };
                let placeholder =
                    |name: String| Some(Ref::Planned(Key::named(ComponentId::LoadBalancer, name)));
                let rules = super::rules::rules(
                    cx.spec,
                    alarms,
                    placeholder(names::load_balancer_name(app, env)),
                    placeholder(names::target_group_name(app, env)),
                );
                let alarms = rules
                    .iter()
                    .map(|r| {
                        (
                            names::alarm_name(app, env, r.component, r.slug),
                            metrics(&r.metric),
                        )
                    })
                    .collect();
                (alarms, cx.spec.alarms.as_ref().is_some_and(|a| a.dashboard))
            }
            Side::Live => (
                cx.live
                    .alarms
                    .alarms
                    .iter()
                    .map(|a| (a.name.clone(), metrics(&a.metric)))
                    .collect(),
                cx.live.alarms.dashboard.is_some(),
            ),
        };
        for (name, count) in &alarms {
            #[allow(clippy::cast_precision_loss)]
            bill.monthly(
                (ResourceKind::Alarm, name),
                "standard alarm, per metric",
                "cloudwatch.alarm.month",
                *count as f64,
            );
        }
        if dashboard {
            bill.monthly(
                (ResourceKind::Dashboard, &names::dashboard_name(app, env)),
                "dashboard",
                "cloudwatch.dashboard.month",
                1.0,
            );
        }
    }
}
