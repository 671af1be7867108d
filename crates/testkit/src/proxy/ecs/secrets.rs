//! The secrets ECS injected into tasks when they started, and which of
//! them a rotation made stale.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

use super::Ecs;

/// The secrets a task definition's containers read (`valueFrom`, down
/// to the secret's ARN: `arn:…:secret:name-AbCdEf:password::` names the
/// secret `arn:…:secret:name-AbCdEf`).
pub(super) fn secret_arns(definition: &Value) -> Vec<String> {
    let mut out: Vec<String> = definition["containerDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["secrets"].as_array().cloned().unwrap_or_default())
        .filter_map(|secret| {
            let from = secret["valueFrom"].as_str()?;
            Some(if from.starts_with("arn:") {
                from.split(':').take(7).collect::<Vec<_>>().join(":")
            } else {
                from.to_owned()
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Ecs {
    /// Tasks (by ARN) and service deployments (`service/deployment id`)
    /// still running with a secret value that was rotated after they
    /// started: ECS reads secrets only when a task starts.
    pub fn stale_secret_holders(&self, rotated: &BTreeMap<String, Instant>) -> Vec<String> {
        let stale = |secrets: &[String], born: Instant| {
            secrets
                .iter()
                .any(|s| rotated.get(s).is_some_and(|at| *at > born))
        };
        let mut out: Vec<String> = self
            .tasks
            .iter()
            .filter(|(_, task)| !task.is_stopped() && stale(&task.secrets, task.born))
            .map(|(arn, _)| arn.clone())
            .collect();
        for service in self.services.values() {
            for deployment in &service.deployments {
                if deployment.running > 0 && stale(&deployment.secrets, deployment.born) {
                    out.push(format!("{}/{}", service.name, deployment.id));
                }
            }
        }
        out
    }
}
