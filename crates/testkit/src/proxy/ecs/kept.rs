//! What moto drops from a service (`deploymentConfiguration`,
//! `healthCheckGracePeriodSeconds`, …), kept as it was sent and answered
//! where ECS answers it.

use serde_json::{Value, json};

/// Service fields moto drops; kept here and answered as sent.
const KEPT_FIELDS: [&str; 5] = [
    "deploymentConfiguration",
    "healthCheckGracePeriodSeconds",
    "enableExecuteCommand",
    "enableECSManagedTags",
    "platformVersion",
];

/// What ECS answers for a service created without those fields.
pub(super) fn default_kept_fields() -> Value {
    json!({
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": { "enable": false, "rollback": false },
            "maximumPercent": 200,
            "minimumHealthyPercent": 100
        },
        "enableExecuteCommand": false,
        "enableECSManagedTags": false
    })
}

/// `base` with the kept fields `request` sends replaced; a deployment
/// configuration is merged key by key, as `UpdateService` does.
pub(super) fn kept_fields(base: &Value, request: &Value) -> Value {
    let mut out = base.clone();
    for field in KEPT_FIELDS {
        let Some(sent) = request.get(field) else {
            continue;
        };
        match (out.get_mut(field), sent.as_object()) {
            (Some(Value::Object(current)), Some(sent)) => {
                for (key, value) in sent {
                    current.insert(key.clone(), value.clone());
                }
            }
            _ => out[field] = sent.clone(),
        }
    }
    out
}
