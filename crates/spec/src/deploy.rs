//! `[service.deploy]`: the service's deployment strategy.

use crate::SpecDuration;

/// `[service.deploy]`: how a new revision takes over from the serving one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Deploy {
    pub strategy: Strategy,
    /// `blue_green`, `canary`, `linear`: how long both revisions run after
    /// all production traffic has moved, before ECS stops the old one
    /// (whole minutes, 0 to 24h). The bake runs twice the tasks.
    pub bake_time: SpecDuration,
    /// `canary`: the share of production traffic the new revision takes
    /// first (percent).
    #[schemars(range(min = 1, max = 99))]
    pub canary_percent: u32,
    /// `canary`: how long the canary serves before the rest moves.
    pub canary_bake_time: SpecDuration,
    /// `linear`: the share of production traffic moved at each step
    /// (percent).
    #[schemars(range(min = 3, max = 99))]
    pub linear_step_percent: u32,
    /// `linear`: how long each step serves before the next.
    pub linear_step_bake_time: SpecDuration,
    /// `blue_green`, `canary`, `linear`: a test listener on this port of
    /// the load balancer (HTTPS when the API has a certificate). ECS points
    /// its rule at the new revision before any production traffic moves
    /// (`TEST_TRAFFIC_SHIFT`), so checks can reach the new tasks first;
    /// between deployments it serves what production serves.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub test_port: Option<u16>,
    /// Where the test listener takes connections from (IPv4 CIDR blocks);
    /// anywhere (`0.0.0.0/0`) unless given. Empty without `test_port`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test_cidrs: Vec<String>,
    /// `blue_green`, `canary`, `linear`: the lifecycle stages at which ECS
    /// pauses the deployment (a `PAUSE` hook) until `awsdeploy continue`,
    /// or `awsdeploy rollback`, or `pause_timeout`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pause_at: Vec<PauseStage>,
    /// With `pause_at`: how long ECS waits at a pause before it rolls the
    /// deployment back (whole minutes, "1m" to "336h" = 14 days; ECS's default "24h").
    pub pause_timeout: SpecDuration,
}

/// `service.deploy.pause_at`: the stages ECS can pause a deployment at, in
/// the order a deployment passes them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PauseStage {
    /// Before the new revision's tasks start.
    PreScaleUp,
    /// The new revision's tasks run; no traffic on them yet.
    PostScaleUp,
    /// The test listener serves the new revision; production traffic has
    /// not moved.
    PostTestTrafficShift,
    /// Before production traffic moves; for canary and linear, before each
    /// step.
    PreProductionTrafficShift,
    /// All production traffic has moved; before the bake.
    PostProductionTrafficShift,
}

impl PauseStage {
    pub const ALL: [PauseStage; 5] = [
        PauseStage::PreScaleUp,
        PauseStage::PostScaleUp,
        PauseStage::PostTestTrafficShift,
        PauseStage::PreProductionTrafficShift,
        PauseStage::PostProductionTrafficShift,
    ];

    /// As ECS spells it (`lifecycleStages`).
    pub fn ecs_name(self) -> &'static str {
        match self {
            PauseStage::PreScaleUp => "PRE_SCALE_UP",
            PauseStage::PostScaleUp => "POST_SCALE_UP",
            PauseStage::PostTestTrafficShift => "POST_TEST_TRAFFIC_SHIFT",
            PauseStage::PreProductionTrafficShift => "PRE_PRODUCTION_TRAFFIC_SHIFT",
            PauseStage::PostProductionTrafficShift => "POST_PRODUCTION_TRAFFIC_SHIFT",
        }
    }

    /// As the spec spells it.
    pub fn spec_name(self) -> &'static str {
        match self {
            PauseStage::PreScaleUp => "pre_scale_up",
            PauseStage::PostScaleUp => "post_scale_up",
            PauseStage::PostTestTrafficShift => "post_test_traffic_shift",
            PauseStage::PreProductionTrafficShift => "pre_production_traffic_shift",
            PauseStage::PostProductionTrafficShift => "post_production_traffic_shift",
        }
    }
}

/// `service.deploy.strategy`: ECS's deployment strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Tasks of the new revision replace the old ones in batches
    /// (`min_healthy_percent`..`max_percent`); the default.
    Rolling,
    /// The new revision starts beside the old one in a second target
    /// group; all production traffic moves at once, then both run for
    /// `bake_time`.
    BlueGreen,
    /// `canary_percent` of the traffic moves first, the rest after
    /// `canary_bake_time`; then the bake.
    Canary,
    /// The traffic moves in steps of `linear_step_percent`, each held for
    /// `linear_step_bake_time`; then the bake.
    Linear,
}

impl Strategy {
    /// As ECS spells it (`deploymentConfiguration.strategy`).
    pub fn ecs_name(self) -> &'static str {
        match self {
            Strategy::Rolling => "ROLLING",
            Strategy::BlueGreen => "BLUE_GREEN",
            Strategy::Canary => "CANARY",
            Strategy::Linear => "LINEAR",
        }
    }

    /// As the spec spells it.
    pub fn spec_name(self) -> &'static str {
        match self {
            Strategy::Rolling => "rolling",
            Strategy::BlueGreen => "blue_green",
            Strategy::Canary => "canary",
            Strategy::Linear => "linear",
        }
    }

    /// Whether old and new revisions serve side by side behind two target
    /// groups (every strategy but rolling).
    pub fn shifts_traffic(self) -> bool {
        self != Strategy::Rolling
    }
}
