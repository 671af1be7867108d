//! The service's steps and the settings they carry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::task_definition::TaskDefinition;
use crate::{ComponentStep, Ref};

/// The actions of the service component: ECS and Application Auto Scaling: the cluster, task definition, service and its scaling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ServiceStep {
    /// `CreateCluster` (Fargate), with Container Insights as the spec
    /// says. The id is its name.
    CreateCluster {
        name: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        container_insights: bool,
    },
    /// `UpdateCluster` of its `containerInsights` setting.
    SetContainerInsights { name: String, enabled: bool },
    /// `RegisterTaskDefinition`. The id is the new revision's ARN.
    RegisterTaskDefinition { definition: TaskDefinition },
    /// `CreateService` on Fargate in the private subnets, without public
    /// IPs, behind the target group. The id is its ARN.
    CreateService(NewService),
    /// `UpdateService` of the fields that are set.
    UpdateService {
        cluster: String,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task_definition: Option<Ref>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        desired_count: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        network: Option<ServiceNetwork>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deployment: Option<DeploymentSettings>,
    },
    /// Waits until the service's deployment of `task_definition` is
    /// COMPLETED with every task running; a FAILED or rolled-back
    /// deployment is an error naming the revision that serves.
    WaitForRollout {
        cluster: String,
        service: String,
        task_definition: Ref,
        timeout_secs: u64,
    },
    /// `RegisterScalableTarget` (desired count between min and max) and
    /// `PutScalingPolicy` (target tracking on average CPU).
    ConfigureAutoscaling {
        cluster: String,
        service: String,
        min: i32,
        max: i32,
        target_cpu: i32,
    },
    /// `DeregisterScalableTarget` (its policies go with it).
    RemoveAutoscaling { cluster: String, service: String },
    /// `DeleteService` (`force`: its tasks are stopped), then waits until
    /// it is `INACTIVE`; already gone is success.
    DeleteService { cluster: String, service: String },
    /// `DeregisterTaskDefinition` of every active revision of `families`
    /// (`ListTaskDefinitions`).
    DeregisterTaskDefinitions { families: Vec<String> },
    /// `DeleteCluster`; already gone is success.
    DeleteCluster { name: String },
}

impl ComponentStep for ServiceStep {
    fn refs(&self) -> Vec<&Ref> {
        match self {
            ServiceStep::CreateCluster { .. }
            | ServiceStep::RegisterTaskDefinition { .. }
            | ServiceStep::ConfigureAutoscaling { .. }
            | ServiceStep::RemoveAutoscaling { .. }
            | ServiceStep::DeleteService { .. }
            | ServiceStep::DeregisterTaskDefinitions { .. }
            | ServiceStep::DeleteCluster { .. }
            | ServiceStep::SetContainerInsights { .. } => vec![],
            ServiceStep::CreateService(new) => {
                let mut refs = vec![&new.cluster, &new.task_definition, &new.target_group];
                refs.extend(new.network.refs());
                refs
            }
            ServiceStep::UpdateService {
                task_definition,
                network,
                ..
            } => task_definition
                .iter()
                .chain(network.iter().flat_map(ServiceNetwork::refs))
                .collect(),
            ServiceStep::WaitForRollout {
                task_definition, ..
            } => vec![task_definition],
        }
    }

    fn creates(&self) -> bool {
        matches!(
            self,
            ServiceStep::CreateCluster { .. }
                | ServiceStep::RegisterTaskDefinition { .. }
                | ServiceStep::CreateService(_)
        )
    }

    fn is_wait(&self) -> bool {
        matches!(self, ServiceStep::WaitForRollout { .. })
    }

    fn how_to_follow(&self) -> Option<String> {
        match self {
            ServiceStep::WaitForRollout {
                cluster, service, ..
            } => Some(format!(
                "ECS goes on with the rollout (and rolls back if it fails); follow it with `awsdeploy status --watch` or `aws ecs describe-services --cluster {cluster} --services {service}`"
            )),
            _ => None,
        }
    }
}

/// What `CreateService` makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NewService {
    pub cluster: Ref,
    pub name: String,
    pub task_definition: Ref,
    pub desired_count: i32,
    pub network: ServiceNetwork,
    pub target_group: Ref,
    pub container_name: String,
    pub container_port: i32,
    pub deployment: DeploymentSettings,
}

/// Where the service's tasks run: subnets and one security group; never a
/// public IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceNetwork {
    pub subnets: Vec<Ref>,
    pub security_group: Ref,
}

impl ServiceNetwork {
    pub fn refs(&self) -> Vec<&Ref> {
        self.subnets.iter().chain([&self.security_group]).collect()
    }
}

/// How the service rolls out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeploymentSettings {
    pub min_healthy_percent: i32,
    pub max_percent: i32,
    /// The deployment circuit breaker: stop a rollout whose tasks fail.
    pub circuit_breaker: bool,
    /// With the breaker: roll back to the last completed deployment.
    pub rollback: bool,
    pub health_check_grace_period_secs: i32,
    /// ECS deployment alarms: a deployment during which one fires rolls
    /// back (`[alarms] rollback`). Empty: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<String>,
}
