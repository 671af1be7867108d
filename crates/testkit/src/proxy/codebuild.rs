//! CodeBuild where moto differs from AWS:
//!
//! - `UpdateProject`, which moto lacks: done on moto's project as a read, a
//!   delete and a create of the merged project, which is what an in-place
//!   update leaves (same name, same ARN);
//! - a `CODEPIPELINE` source or artifacts need no `location` on AWS (it is
//!   ignored), where moto refuses a project without one: the proxy fills
//!   one in before moto sees it.

use serde_json::{Value, json};

use super::message::{Request, Response};
use super::upstream::Upstream;

const TARGET: &str = "CodeBuild_20161006";
const JSON_1_1: &str = "application/x-amz-json-1.1";

fn error(code: &str, message: &str) -> Response {
    Response::json(
        400,
        JSON_1_1,
        &json!({ "__type": code, "message": message }),
    )
}

/// What moto needs that AWS does not: a `location` for `CODEPIPELINE`.
fn fill_locations(project: &mut Value) {
    for part in ["source", "artifacts"] {
        if project[part]["type"] == "CODEPIPELINE" && project[part].get("location").is_none() {
            project[part]["location"] = json!("codepipeline");
        }
    }
}

/// `CreateProject`, its `CODEPIPELINE` locations filled in.
pub(super) fn create_project(request: &Request, upstream: &Upstream) -> std::io::Result<Response> {
    let mut project = request.json();
    fill_locations(&mut project);
    let (status, answer) = upstream.json("codebuild", TARGET, "CreateProject", &project)?;
    Ok(Response::json(status, JSON_1_1, &answer))
}

/// The fields `UpdateProject` may set that `CreateProject` takes too.
const PROJECT_FIELDS: [&str; 9] = [
    "description",
    "source",
    "artifacts",
    "environment",
    "serviceRole",
    "timeoutInMinutes",
    "logsConfig",
    "encryptionKey",
    "tags",
];

/// `UpdateProject` on moto: the project read, merged with the update, and
/// made again under its name.
pub(super) fn update_project(request: &Request, upstream: &Upstream) -> std::io::Result<Response> {
    let update = request.json();
    let name = update["name"].as_str().unwrap_or_default().to_owned();
    let (_, found) = upstream.json(
        "codebuild",
        TARGET,
        "BatchGetProjects",
        &json!({ "names": [name] }),
    )?;
    let Some(project) = found["projects"]
        .as_array()
        .and_then(|p| p.first())
        .cloned()
    else {
        return Ok(error(
            "ResourceNotFoundException",
            &format!("Project cannot be found: {name}"),
        ));
    };
    let mut merged = json!({ "name": name });
    for field in PROJECT_FIELDS {
        let value = if update.get(field).is_some() {
            update[field].clone()
        } else {
            project[field].clone()
        };
        if !value.is_null() {
            merged[field] = value;
        }
    }
    fill_locations(&mut merged);
    upstream.json(
        "codebuild",
        TARGET,
        "DeleteProject",
        &json!({ "name": name }),
    )?;
    let (status, created) = upstream.json("codebuild", TARGET, "CreateProject", &merged)?;
    if status != 200 {
        // Refused: the project as it was, as a refused update leaves it.
        let mut before = json!({ "name": name });
        for field in PROJECT_FIELDS {
            if !project[field].is_null() {
                before[field] = project[field].clone();
            }
        }
        upstream.json("codebuild", TARGET, "CreateProject", &before)?;
    }
    Ok(Response::json(status, JSON_1_1, &created))
}

/// CodeBuild's project writes, answered here.
#[derive(Debug, Default)]
pub(super) struct CodeBuild;

impl super::simulated::Simulated for CodeBuild {
    fn claims(&self, call: &super::simulated::Call<'_>) -> bool {
        call.service() == "codebuild" && matches!(call.name(), "CreateProject" | "UpdateProject")
    }

    fn serve(&mut self, call: &super::simulated::Call<'_>) -> Option<std::io::Result<Response>> {
        Some(if call.name() == "CreateProject" {
            create_project(call.request, call.upstream)
        } else {
            update_project(call.request, call.upstream)
        })
    }
}
