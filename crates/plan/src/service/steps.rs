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
        /// Its `loadBalancers`, when the traffic shift's settings change
        /// (this starts a deployment).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        load_balancer: Option<ServiceLoadBalancer>,
    },
    /// Waits until the service's deployment of `task_definition` is
    /// COMPLETED with every task running; a FAILED or rolled-back
    /// deployment is an error naming the revision that serves. With a
    /// strategy that shifts traffic, the service deployment is followed
    /// (`ListServiceDeployments`, `DescribeServiceDeployments`): its
    /// lifecycle stage and traffic, until SUCCESSFUL (or the point
    /// `up --wait-until` names).
    WaitForRollout {
        cluster: String,
        service: String,
        task_definition: Ref,
        timeout_secs: u64,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        shifts_traffic: bool,
        /// Where the wait ends (`up --wait-until`).
        #[serde(default, skip_serializing_if = "WaitPoint::is_completed")]
        wait_until: WaitPoint,
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
                refs.extend(new.traffic_shift.iter().flat_map(TrafficShift::refs));
                refs
            }
            ServiceStep::UpdateService {
                task_definition,
                network,
                load_balancer,
                ..
            } => task_definition
                .iter()
                .chain(network.iter().flat_map(ServiceNetwork::refs))
                .chain(
                    load_balancer
                        .iter()
                        .flat_map(|l| l.traffic_shift.iter().flat_map(TrafficShift::refs)),
                )
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

/// Where the wait for a deployment that shifts traffic ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WaitPoint {
    /// The deployment is SUCCESSFUL: bake over, old revision stopped.
    #[default]
    Completed,
    /// All production traffic is on the new revision; ECS bakes, and may
    /// still roll back, on its own.
    TrafficShifted,
    /// The test listener serves the new revision; production traffic has
    /// not moved yet, and ECS moves it on its own.
    TestTrafficShifted,
}

impl WaitPoint {
    pub fn is_completed(&self) -> bool {
        *self == WaitPoint::Completed
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
    /// A strategy's second target group, rule and role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_shift: Option<TrafficShift>,
}

/// What a strategy that shifts traffic adds to the service's load
/// balancer (`advancedConfiguration`): the second target group, the
/// listener rule whose weights ECS moves, and the role ECS moves them
/// with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TrafficShift {
    pub alternate_target_group: Ref,
    pub production_rule: Ref,
    /// The test listener's rule (`service.deploy.test_port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rule: Option<Ref>,
    /// The infrastructure role's ARN.
    pub role: String,
}

impl TrafficShift {
    pub fn refs(&self) -> Vec<&Ref> {
        let mut refs = vec![&self.alternate_target_group, &self.production_rule];
        refs.extend(&self.test_rule);
        refs
    }
}

/// The service's `loadBalancers` entry, as `UpdateService` sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceLoadBalancer {
    pub target_group: String,
    pub container_name: String,
    pub container_port: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_shift: Option<TrafficShift>,
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
    /// How a new revision takes over (`[service.deploy]`).
    #[serde(default, skip_serializing_if = "Strategy::is_rolling")]
    pub strategy: Strategy,
    /// Where ECS pauses a deployment (`service.deploy.pause_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pauses: Option<Pauses>,
}

/// ECS `PAUSE` lifecycle hooks: the deployment waits at each stage until
/// `ContinueServiceDeployment`, or rolls back after the timeout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Pauses {
    /// ECS's stage names, in the order a deployment passes them.
    pub stages: Vec<String>,
    /// How long a pause waits before ECS rolls back; unknown (`None`) when
    /// ECS does not show it on the service, which then matches any.
    pub timeout_minutes: Option<i32>,
}

impl Pauses {
    /// The spec's, if it pauses anywhere.
    pub fn from_spec(deploy: &awsdeploy_spec::Deploy) -> Option<Pauses> {
        (!deploy.pause_at.is_empty()).then(|| Pauses {
            stages: deploy
                .pause_at
                .iter()
                .map(|s| s.ecs_name().to_owned())
                .collect(),
            timeout_minutes: Some(
                i32::try_from(deploy.pause_timeout.0.as_secs() / 60).unwrap_or(1440),
            ),
        })
    }

    /// Whether live pauses are the ones wanted (a timeout ECS does not
    /// show matches any).
    pub fn matches(live: Option<&Pauses>, wanted: Option<&Pauses>) -> bool {
        match (live, wanted) {
            (None, None) => true,
            (Some(live), Some(wanted)) => {
                live.stages == wanted.stages
                    && (live.timeout_minutes.is_none()
                        || live.timeout_minutes == wanted.timeout_minutes)
            }
            _ => false,
        }
    }

    /// "pauses at `POST_TEST_TRAFFIC_SHIFT` (rolls back after 1440m)".
    pub fn describe(&self) -> String {
        let timeout = self
            .timeout_minutes
            .map_or_else(String::new, |m| format!(" (rolls back after {m}m)"));
        format!("pauses at {}{timeout}", self.stages.join(", "))
    }
}

/// `deploymentConfiguration.strategy` and its settings; times in whole
/// minutes, shares in whole percent, as ECS counts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Strategy {
    #[default]
    Rolling,
    BlueGreen {
        bake_minutes: i32,
    },
    Canary {
        percent: i32,
        canary_bake_minutes: i32,
        bake_minutes: i32,
    },
    Linear {
        step_percent: i32,
        step_bake_minutes: i32,
        bake_minutes: i32,
    },
}

impl Strategy {
    pub fn is_rolling(&self) -> bool {
        *self == Strategy::Rolling
    }

    /// `ROLLING`, `BLUE_GREEN`, `CANARY`, `LINEAR`.
    pub fn ecs_name(&self) -> &'static str {
        match self {
            Strategy::Rolling => "ROLLING",
            Strategy::BlueGreen { .. } => "BLUE_GREEN",
            Strategy::Canary { .. } => "CANARY",
            Strategy::Linear { .. } => "LINEAR",
        }
    }

    /// How long both revisions run after all traffic moved.
    pub fn bake_minutes(&self) -> Option<i32> {
        match self {
            Strategy::Rolling => None,
            Strategy::BlueGreen { bake_minutes }
            | Strategy::Canary { bake_minutes, .. }
            | Strategy::Linear { bake_minutes, .. } => Some(*bake_minutes),
        }
    }

    /// How long ECS keeps both revisions running in a release, in
    /// minutes: the canary's hold or each linear step's (none after 100%)
    /// and the bake.
    pub fn overlap_minutes(&self) -> u32 {
        let minutes = match self {
            Strategy::Rolling => 0,
            Strategy::BlueGreen { bake_minutes } => *bake_minutes,
            Strategy::Canary {
                canary_bake_minutes,
                bake_minutes,
                ..
            } => canary_bake_minutes + bake_minutes,
            Strategy::Linear {
                step_percent,
                step_bake_minutes,
                bake_minutes,
            } => {
                let steps_held = (100 + step_percent - 1) / step_percent.max(&1) - 1;
                steps_held * step_bake_minutes + bake_minutes
            }
        };
        u32::try_from(minutes).unwrap_or(0)
    }

    /// The strategy as the spec asks for it.
    pub fn from_spec(deploy: &awsdeploy_spec::Deploy) -> Strategy {
        let minutes =
            |d: awsdeploy_spec::SpecDuration| i32::try_from(d.0.as_secs() / 60).unwrap_or(i32::MAX);
        let percent = |p: u32| i32::try_from(p).unwrap_or(100);
        let bake_minutes = minutes(deploy.bake_time);
        match deploy.strategy {
            awsdeploy_spec::Strategy::Rolling => Strategy::Rolling,
            awsdeploy_spec::Strategy::BlueGreen => Strategy::BlueGreen { bake_minutes },
            awsdeploy_spec::Strategy::Canary => Strategy::Canary {
                percent: percent(deploy.canary_percent),
                canary_bake_minutes: minutes(deploy.canary_bake_time),
                bake_minutes,
            },
            awsdeploy_spec::Strategy::Linear => Strategy::Linear {
                step_percent: percent(deploy.linear_step_percent),
                step_bake_minutes: minutes(deploy.linear_step_bake_time),
                bake_minutes,
            },
        }
    }

    /// For the plan: "blue/green, bake 5m".
    pub fn describe(&self) -> String {
        match self {
            Strategy::Rolling => "rolling".to_owned(),
            Strategy::BlueGreen { bake_minutes } => format!("blue/green, bake {bake_minutes}m"),
            Strategy::Canary {
                percent,
                canary_bake_minutes,
                bake_minutes,
            } => format!(
                "canary {percent}% for {canary_bake_minutes}m, then all; bake {bake_minutes}m"
            ),
            Strategy::Linear {
                step_percent,
                step_bake_minutes,
                bake_minutes,
            } => {
                format!("linear, {step_percent}% every {step_bake_minutes}m; bake {bake_minutes}m")
            }
        }
    }
}
