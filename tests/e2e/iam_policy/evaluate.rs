//! IAM's evaluation of one call against a policy, on its action **and**
//! its resources, as the Service Authorization Reference defines them for
//! the actions awsdeploy's policy narrows: each recorded call is turned
//! into the requests AWS authorizes (its own action on the ARNs its
//! parameters name, and the `iam:PassRole` a task definition, a CodeBuild
//! project or a pipeline implies), with the condition keys it carries.
//!
//! A call whose resources are not modelled here is allowed only by a
//! statement on `*`: a narrowed action awsdeploy starts calling fails
//! until its resources are modelled.

use std::collections::BTreeMap;

use awsdeploy_plan::component::glob_matches;
use awsdeploy_plan::permissions::action_for;
use awsdeploy_testkit::Recorded;
use serde_json::Value;

/// The emulator's account.
const ACCOUNT: &str = "123456789012";

/// One authorization AWS makes: an action on resources (empty: none
/// modelled), with the condition keys it carries.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub action: String,
    pub resources: Vec<String>,
    pub context: BTreeMap<&'static str, String>,
}

/// The condition keys [`holds`] evaluates; a statement with another one
/// fails the test, so that a new condition is modelled before it counts.
const KEYS: [&str; 4] = [
    "iam:PermissionsBoundary",
    "iam:PolicyARN",
    "iam:PassedToService",
    "iam:AWSServiceName",
];

/// What the calls so far left that later authorizations depend on: each
/// role's permissions boundary (`iam:PermissionsBoundary` is the target
/// role's).
#[derive(Debug, Default)]
pub struct History {
    boundaries: BTreeMap<String, String>,
}

impl History {
    /// The authorizations `call` needs, in order; notes what it changed.
    pub fn authorizations(&mut self, call: &Recorded) -> Vec<Authorization> {
        let action = action_for(&call.service, &call.operation);
        let mut context = BTreeMap::new();
        let resources = resources(call, &mut context, &self.boundaries);
        // IAM's creates with tags need the tag action too (IAM user guide,
        // "Permissions required to tag IAM resources").
        let tagging = match call.operation.as_str() {
            "CreateRole" => Some("iam:TagRole"),
            "CreatePolicy" => Some("iam:TagPolicy"),
            "CreateOpenIDConnectProvider" => Some("iam:TagOpenIDConnectProvider"),
            _ => None,
        }
        .filter(|_| call.service == "iam" && call.form.contains_key("Tags.member.1.Key"))
        .map(|tag| Authorization {
            action: tag.to_owned(),
            resources: resources.clone(),
            context: BTreeMap::new(),
        });
        let mut out = vec![Authorization {
            action,
            resources,
            context,
        }];
        out.extend(tagging);
        out.extend(passed_roles(call));
        self.note(call);
        out
    }

    fn note(&mut self, call: &Recorded) {
        let form = |key: &str| {
            call.form
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        match (call.service.as_str(), call.operation.as_str()) {
            ("iam", "CreateRole" | "PutRolePermissionsBoundary") => {
                if let (Some(role), Some(boundary)) =
                    (form("RoleName"), form("PermissionsBoundary"))
                {
                    self.boundaries.insert(role, boundary);
                }
            }
            ("iam", "DeleteRole" | "DeleteRolePermissionsBoundary") => {
                if let Some(role) = form("RoleName") {
                    self.boundaries.remove(&role);
                }
            }
            _ => {}
        }
    }
}

fn arn(call: &Recorded, service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{}:{ACCOUNT}:{resource}", call.region)
}

fn global(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}::{ACCOUNT}:{resource}")
}

/// The strings of `value` (one, or a list).
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// A query protocol's list member (`Names.member.1`, …) or plain field.
fn form_list(call: &Recorded, key: &str) -> Vec<String> {
    let mut found: Vec<String> = call
        .form
        .iter()
        .filter(|(k, _)| *k == key || k.starts_with(&format!("{key}.member.")))
        .filter_map(|(_, v)| v.as_str().map(str::to_owned))
        .collect();
    found.sort();
    found
}

/// The ARNs the call's parameters name, as the Service Authorization
/// Reference's resource types for its action; the condition keys it sets.
fn resources(
    call: &Recorded,
    context: &mut BTreeMap<&'static str, String>,
    boundaries: &BTreeMap<String, String>,
) -> Vec<String> {
    let json = |key: &str| strings(&call.json[key]);
    let form = |key: &str| form_list(call, key);
    let mut out = Vec::new();
    match call.service.as_str() {
        "dynamodb" => {
            out.extend(
                json("TableName")
                    .iter()
                    .map(|t| arn(call, "dynamodb", &format!("table/{t}"))),
            );
            out.extend(json("ResourceArn"));
        }
        "rds" => {
            for (key, kind) in [
                ("DBInstanceIdentifier", "db"),
                ("DBSubnetGroupName", "subgrp"),
                ("DBSnapshotIdentifier", "snapshot"),
                ("FinalDBSnapshotIdentifier", "snapshot"),
            ] {
                out.extend(
                    form(key)
                        .iter()
                        .map(|id| arn(call, "rds", &format!("{kind}:{id}"))),
                );
            }
            out.extend(form("ResourceName"));
        }
        "ecr" => {
            let mut names = json("repositoryName");
            names.extend(json("repositoryNames"));
            out.extend(
                names
                    .iter()
                    .map(|n| arn(call, "ecr", &format!("repository/{n}"))),
            );
            out.extend(json("resourceArn"));
        }
        "logs" => logs(call, &mut out),
        "iam" => iam(call, context, boundaries, &mut out),
        "monitoring" => {
            let mut alarms = json("AlarmName");
            alarms.extend(json("AlarmNames"));
            out.extend(
                alarms
                    .iter()
                    .map(|a| arn(call, "cloudwatch", &format!("alarm:{a}"))),
            );
            let mut dashboards = json("DashboardName");
            dashboards.extend(json("DashboardNames"));
            out.extend(
                dashboards
                    .iter()
                    .map(|d| global("cloudwatch", &format!("dashboard/{d}"))),
            );
            out.extend(json("ResourceARN"));
        }
        "sns" => {
            out.extend(form("TopicArn"));
            out.extend(form("ResourceArn"));
            if call.operation == "CreateTopic" {
                out.extend(form("Name").iter().map(|n| arn(call, "sns", n)));
            }
        }
        "s3" => {
            let path = call.path.split('?').next().unwrap_or_default();
            let mut parts = path.trim_start_matches('/').splitn(2, '/');
            if let Some(bucket) = parts.next().filter(|b| !b.is_empty()) {
                out.push(match (call.operation.as_str(), parts.next()) {
                    (_, Some(key)) if !key.is_empty() => format!("arn:aws:s3:::{bucket}/{key}"),
                    ("DeleteObjects", _) => format!("arn:aws:s3:::{bucket}/each-key"),
                    _ => format!("arn:aws:s3:::{bucket}"),
                });
            }
        }
        "codebuild" => {
            let mut names = json("name");
            names.extend(json("names"));
            out.extend(
                names
                    .iter()
                    .map(|n| arn(call, "codebuild", &format!("project/{n}"))),
            );
        }
        "codepipeline" => {
            let mut names = json("name");
            names.extend(strings(&call.json["pipeline"]["name"]));
            out.extend(names.iter().map(|n| arn(call, "codepipeline", n)));
            out.extend(json("resourceArn"));
        }
        _ => {}
    }
    out
}

fn logs(call: &Recorded, out: &mut Vec<String>) {
    let json = |key: &str| strings(&call.json[key]);
    let group = json("logGroupName")
        .into_iter()
        .chain(json("logGroupIdentifier"))
        .next();
    if let Some(group) = group {
        let group = if group.starts_with("arn:") {
            group.trim_end_matches(":*").to_owned()
        } else {
            arn(call, "logs", &format!("log-group:{group}"))
        };
        match json("logStreamName").first() {
            Some(stream) if call.operation == "GetLogEvents" => {
                out.push(format!("{group}:log-stream:{stream}"));
            }
            _ => out.push(group),
        }
    }
    out.extend(json("resourceArn"));
}

fn iam(
    call: &Recorded,
    context: &mut BTreeMap<&'static str, String>,
    boundaries: &BTreeMap<String, String>,
    out: &mut Vec<String>,
) {
    let form = |key: &str| {
        call.form
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if let Some(role) = form("RoleName") {
        out.push(global("iam", &format!("role/{role}")));
        let boundary = match call.operation.as_str() {
            "CreateRole" | "PutRolePermissionsBoundary" => form("PermissionsBoundary"),
            _ => boundaries.get(&role).cloned(),
        };
        if let Some(boundary) = boundary {
            context.insert("iam:PermissionsBoundary", boundary);
        }
    }
    if let Some(policy) = form("PolicyArn") {
        if call.operation.ends_with("RolePolicy") {
            context.insert("iam:PolicyARN", policy);
        } else {
            out.push(policy);
        }
    }
    if call.operation == "CreatePolicy"
        && let Some(name) = form("PolicyName")
    {
        let path = form("Path").unwrap_or_else(|| "/".to_owned());
        out.push(global("iam", &format!("policy{path}{name}")));
    }
    out.extend(form("OpenIDConnectProviderArn"));
    if let Some(url) = form("Url") {
        out.push(global(
            "iam",
            &format!("oidc-provider/{}", url.trim_start_matches("https://")),
        ));
    }
    if let Some(service) = form("AWSServiceName") {
        out.push(global(
            "iam",
            &format!("role/aws-service-role/{service}/AWSServiceRole"),
        ));
        context.insert("iam:AWSServiceName", service);
    }
}

/// The `iam:PassRole` a call implies: the roles it hands to a service.
fn passed_roles(call: &Recorded) -> Vec<Authorization> {
    let (roles, service) = match (call.service.as_str(), call.operation.as_str()) {
        ("ecs", "RegisterTaskDefinition") => (
            [&call.json["executionRoleArn"], &call.json["taskRoleArn"]]
                .into_iter()
                .flat_map(strings)
                .collect(),
            "ecs-tasks.amazonaws.com",
        ),
        ("codebuild", "CreateProject" | "UpdateProject") => (
            strings(&call.json["serviceRole"]),
            "codebuild.amazonaws.com",
        ),
        ("codepipeline", "CreatePipeline" | "UpdatePipeline") => (
            strings(&call.json["pipeline"]["roleArn"]),
            "codepipeline.amazonaws.com",
        ),
        _ => return Vec::new(),
    };
    roles
        .into_iter()
        .map(|role| Authorization {
            action: "iam:PassRole".to_owned(),
            resources: vec![role],
            context: BTreeMap::from([("iam:PassedToService", service.to_owned())]),
        })
        .collect()
}

/// Whether `policy` allows `request`: for each of its resources (or, with
/// none modelled, on `*`) a statement with its action, a matching
/// resource and conditions that hold.
pub fn allows(policy: &Value, request: &Authorization) -> Result<bool, String> {
    let targets: Vec<Option<&String>> = if request.resources.is_empty() {
        vec![None]
    } else {
        request.resources.iter().map(Some).collect()
    };
    for target in targets {
        let mut allowed = false;
        for statement in policy["Statement"].as_array().into_iter().flatten() {
            if !strings(&statement["Action"]).contains(&request.action) {
                continue;
            }
            let patterns = strings(&statement["Resource"]);
            let matched = match target {
                None => patterns.iter().any(|p| p == "*"),
                Some(resource) => patterns.iter().any(|p| glob_matches(p, resource)),
            };
            if matched && holds(&statement["Condition"], &request.context)? {
                allowed = true;
                break;
            }
        }
        if !allowed {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether a statement's conditions hold for `context`. A key the request
/// does not carry fails the condition (no `…IfExists` operator is used).
fn holds(condition: &Value, context: &BTreeMap<&'static str, String>) -> Result<bool, String> {
    let Some(operators) = condition.as_object() else {
        return Ok(true);
    };
    for (operator, keys) in operators {
        for (key, wanted) in keys.as_object().into_iter().flatten() {
            if !KEYS.contains(&key.as_str()) {
                return Err(format!("the condition key {key} is not modelled"));
            }
            let Some(value) = context.get(key.as_str()) else {
                return Ok(false);
            };
            let wanted = strings(wanted);
            let ok = match operator.as_str() {
                "StringEquals" | "ArnEquals" => wanted.iter().any(|w| w == value),
                "ArnLike" | "StringLike" => wanted.iter().any(|w| glob_matches(w, value)),
                other => return Err(format!("the condition operator {other} is not modelled")),
            };
            if !ok {
                return Ok(false);
            }
        }
    }
    Ok(true)
}
