//! The load balancer's steps and the settings they carry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ComponentStep, Ref};

/// The actions of the load balancer component: `ELBv2`: the target group, the load balancer and its listeners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum LoadBalancerStep {
    /// `CreateTargetGroup` (HTTP, target type `ip`, for Fargate tasks) with
    /// the health check, then the deregistration delay. The id is its ARN.
    CreateTargetGroup {
        name: String,
        vpc: Ref,
        port: i32,
        health: TargetHealth,
    },
    /// `ModifyTargetGroup` (health check) and its deregistration delay.
    ModifyTargetGroup {
        target_group: String,
        health: TargetHealth,
    },
    /// `CreateLoadBalancer`: an internet-facing application load balancer in
    /// the public subnets, then its idle timeout. The id is its ARN; not
    /// waited for (listeners and targets can be added while it provisions).
    CreateLoadBalancer {
        name: String,
        subnets: Vec<Ref>,
        security_group: Ref,
        idle_timeout_secs: i64,
    },
    /// `SetSubnets`, `SetSecurityGroups` and the idle timeout, each when set.
    ModifyLoadBalancer {
        load_balancer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subnets: Option<Vec<Ref>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        security_group: Option<Ref>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        idle_timeout_secs: Option<i64>,
    },
    /// `CreateListener` on the port. The id is its ARN.
    CreateListener {
        load_balancer: Ref,
        port: i32,
        config: ListenerConfig,
    },
    /// `ModifyListener`: protocol, certificate, policy and action.
    ModifyListener {
        listener: String,
        port: i32,
        config: ListenerConfig,
    },
    /// `CreateRule` at `priority` on the listener: every path, forwarded
    /// to `target_groups` (the first with weight 100, the rest 0), the
    /// rule whose weights ECS moves during a deployment. The id is its
    /// ARN.
    CreateRule {
        listener: Ref,
        priority: i32,
        target_groups: Vec<Ref>,
    },
    /// `ModifyRule`: forward to `target_groups` again (the first with
    /// weight 100).
    ModifyRule {
        rule: String,
        target_groups: Vec<Ref>,
    },
    /// `DeleteListener`; already gone is success.
    DeleteListener { listener: String },
    /// `DeleteRule`; already gone is success.
    DeleteRule { rule: String },
    /// `DeleteLoadBalancer`, then waits until it is gone (its network
    /// interfaces go with it); already gone is success.
    DeleteLoadBalancer { load_balancer: String },
    /// `DeleteTargetGroup`; already gone is success.
    DeleteTargetGroup { target_group: String },
}

impl ComponentStep for LoadBalancerStep {
    fn refs(&self) -> Vec<&Ref> {
        match self {
            LoadBalancerStep::CreateTargetGroup { vpc, .. } => vec![vpc],
            LoadBalancerStep::ModifyTargetGroup { .. }
            | LoadBalancerStep::DeleteListener { .. }
            | LoadBalancerStep::DeleteRule { .. }
            | LoadBalancerStep::DeleteLoadBalancer { .. }
            | LoadBalancerStep::DeleteTargetGroup { .. } => {
                vec![]
            }
            LoadBalancerStep::CreateLoadBalancer {
                subnets,
                security_group,
                ..
            } => subnets.iter().chain([security_group]).collect(),
            LoadBalancerStep::ModifyLoadBalancer {
                subnets,
                security_group,
                ..
            } => subnets.iter().flatten().chain(security_group).collect(),
            LoadBalancerStep::CreateListener {
                load_balancer,
                config,
                ..
            } => {
                let mut refs = vec![load_balancer];
                refs.extend(config.refs());
                refs
            }
            LoadBalancerStep::ModifyListener { config, .. } => config.refs(),
            LoadBalancerStep::CreateRule {
                listener,
                target_groups,
                ..
            } => [listener].into_iter().chain(target_groups).collect(),
            LoadBalancerStep::ModifyRule { target_groups, .. } => target_groups.iter().collect(),
        }
    }

    fn creates(&self) -> bool {
        matches!(
            self,
            LoadBalancerStep::CreateTargetGroup { .. }
                | LoadBalancerStep::CreateLoadBalancer { .. }
                | LoadBalancerStep::CreateListener { .. }
                | LoadBalancerStep::CreateRule { .. }
        )
    }
}

/// A target group's health check and deregistration delay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TargetHealth {
    pub path: String,
    pub interval_secs: i32,
    pub timeout_secs: i32,
    pub healthy_threshold: i32,
    pub unhealthy_threshold: i32,
    pub deregistration_delay_secs: i32,
}

/// What a listener does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ListenerConfig {
    /// HTTPS with the certificate and TLS policy, forwarding to the target
    /// group.
    Https {
        certificate: Ref,
        tls_policy: String,
        target_group: Ref,
    },
    /// HTTP answered with a permanent redirect to HTTPS on 443.
    RedirectToHttps,
    /// Plain HTTP forwarding to the target group.
    Forward { target_group: Ref },
}

impl ListenerConfig {
    pub fn protocol(&self) -> &'static str {
        match self {
            ListenerConfig::Https { .. } => "HTTPS",
            ListenerConfig::RedirectToHttps | ListenerConfig::Forward { .. } => "HTTP",
        }
    }

    fn refs(&self) -> Vec<&Ref> {
        match self {
            ListenerConfig::Https {
                certificate,
                target_group,
                ..
            } => vec![certificate, target_group],
            ListenerConfig::RedirectToHttps => vec![],
            ListenerConfig::Forward { target_group } => vec![target_group],
        }
    }
}
