//! The service as a [`Component`]: its plan, teardown, policy and status.

use awsdeploy_spec::Spec;

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext};
use crate::live::Lookups;
use crate::status::{Status, TargetStatus};
use crate::{ComponentId, ComponentPlan, PlanError, names};

/// The ECS cluster, task definition, service and autoscaling
/// (`[service]`).
pub struct Service;

impl Component for Service {
    fn id(&self) -> ComponentId {
        ComponentId::Service
    }

    fn sections(&self) -> &'static [&'static str] {
        &["service"]
    }

    fn lookups(&self, spec: &Spec, purpose: Purpose, lookups: &mut Lookups) {
        match purpose {
            Purpose::Up => {
                lookups.service = spec.service.is_some();
                lookups.image_tag = spec.service.as_ref().and_then(|s| s.image_tag.clone());
                lookups.traffic_shift = spec
                    .service
                    .as_ref()
                    .is_some_and(|s| s.deploy.strategy.shifts_traffic());
            }
            Purpose::Down => {
                lookups.service = true;
                lookups.traffic_shift = true;
            }
        }
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        super::plan(cx)
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(super::teardown(cx.app, cx.env, &cx.live.service))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        &[]
    }

    fn policy(&self, _cx: &PolicyContext<'_>) -> Vec<Statement> {
        // ECS and Application Auto Scaling name what they make by ids and
        // ARNs they choose.
        vec![
            Statement::anywhere("Service", ECS),
            Statement::anywhere(
                "Autoscaling",
                &[
                    "application-autoscaling:DeregisterScalableTarget",
                    "application-autoscaling:DescribeScalableTargets",
                    "application-autoscaling:DescribeScalingPolicies",
                    "application-autoscaling:PutScalingPolicy",
                    "application-autoscaling:RegisterScalableTarget",
                    "application-autoscaling:TagResource",
                ],
            ),
        ]
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        let cluster = names::cluster_name(cx.app, cx.env);
        vec![
            cx.arn("ecs", &format!("cluster/{cluster}")),
            cx.arn("ecs", &format!("service/{cluster}/{}", names::SERVICE_NAME)),
            cx.arn(
                "ecs",
                &format!(
                    "service-deployment/{cluster}/{}/0123456789abcdef",
                    names::SERVICE_NAME
                ),
            ),
            cx.arn(
                "ecs",
                &format!(
                    "service-revision/{cluster}/{}/0123456789",
                    names::SERVICE_NAME
                ),
            ),
            cx.arn(
                "ecs",
                &format!(
                    "task-definition/{}:1",
                    names::service_family(cx.app, cx.env)
                ),
            ),
            cx.arn(
                "application-autoscaling",
                "scalable-target/0123456789abcdef",
            ),
        ]
    }

    fn status(&self, cx: &StatusContext<'_>, status: &mut Status) {
        let Some(service) = cx.extras.service.clone() else {
            return;
        };
        for d in &service.deployments {
            if d.rollout_state != "COMPLETED" {
                status.problems.push(format!(
                    "rollout of {}: {} ({} running, {} pending of {})",
                    d.revision, d.rollout_state, d.running, d.pending, d.desired
                ));
            }
        }
        if let Some(shift) = service.shift.as_ref().filter(|s| s.is_rolling_back()) {
            status.problems.push(format!(
                "ECS is rolling back the deployment of {}: {}",
                shift.revision.as_deref().unwrap_or("a new revision"),
                shift.summary()
            ));
        }
        let unhealthy: Vec<&TargetStatus> = service
            .targets
            .iter()
            .filter(|t| t.state == "unhealthy")
            .collect();
        if !unhealthy.is_empty() {
            status.problems.push(format!(
                "{} unhealthy target(s): {}",
                unhealthy.len(),
                unhealthy
                    .iter()
                    .map(|t| format!("{} ({})", t.id, t.reason.as_deref().unwrap_or("no reason")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        status.service = Some(service);
    }

    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>) {
        super::cost::cost(cx, bill);
    }
}

const ECS: &[&str] = &[
    "ecs:ContinueServiceDeployment",
    "ecs:CreateCluster",
    "ecs:CreateService",
    "ecs:DeleteCluster",
    "ecs:DeleteService",
    "ecs:DeregisterTaskDefinition",
    "ecs:DescribeClusters",
    "ecs:DescribeServiceDeployments",
    "ecs:DescribeServiceRevisions",
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "ecs:DescribeTasks",
    "ecs:ListServiceDeployments",
    "ecs:ListTaskDefinitions",
    "ecs:ListTasks",
    "ecs:RegisterTaskDefinition",
    "ecs:RunTask",
    "ecs:StopServiceDeployment",
    "ecs:StopTask",
    "ecs:TagResource",
    "ecs:UpdateCluster",
    "ecs:UpdateService",
];
