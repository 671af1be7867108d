//! The web app: an Amplify Hosting app (platform WEB, not connected to a
//! repository, so it takes manual deployments), its branch with the
//! environment variables, and the release of the static export.
//!
//! - App `{app}-{env}-web`, found by name and owned by its tags.
//! - Branch `web.branch` with `web.env`, plus `API_URL` =
//!   `https://{dns.api}` when the spec has `[dns]` and `web.env` does not set
//!   it.
//! - Release: when the caller gives the artifact's SHA-256
//!   ([`crate::Options::web_artifact`], from `web.artifact`), and the branch
//!   does not already serve it (the tag the last successful release left),
//!   a release change runs after the branch and after the service is stable.

use std::collections::BTreeMap;

use awsdeploy_spec::Spec;

use crate::live::LiveWeb;
use crate::plan::{Action, Component, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::step::{Ref, Step};
use crate::{PlanError, service};

/// The branch tag that records the released artifact's SHA-256.
pub const ARTIFACT_TAG: &str = "awsdeploy:artifact-sha256";

pub fn app_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-web")
}

/// The artifact to release: where it is and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebArtifact {
    pub path: String,
    pub sha256: String,
}

/// The web part of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebPlan {
    pub changes: Vec<ResourceChange>,
    pub unchanged: usize,
    pub orphans: Vec<Orphan>,
}

impl WebPlan {
    fn push(&mut self, mut change: ResourceChange, after: &[String]) {
        change.depends_on.extend(after.iter().cloned());
        change.depends_on.sort();
        change.depends_on.dedup();
        self.changes.push(change);
    }
}

fn change(
    kind: ResourceKind,
    key: &str,
    name: &str,
    action: Action,
    id: Option<&str>,
    fields: Vec<FieldChange>,
    steps: Vec<Step>,
) -> ResourceChange {
    ResourceChange {
        key: key.to_owned(),
        component: Component::Web,
        kind,
        name: name.to_owned(),
        action,
        id: id.map(str::to_owned),
        fields,
        depends_on: ResourceChange::dependencies(key, &steps),
        steps,
    }
}

/// The branch's environment variables.
pub fn branch_env(spec: &Spec) -> BTreeMap<String, String> {
    let mut env = spec.web.as_ref().map(|w| w.env.clone()).unwrap_or_default();
    if let Some(dns) = &spec.dns {
        env.entry("API_URL".to_owned())
            .or_insert_with(|| format!("https://{}", dns.api));
    }
    env
}

/// Compares the web app the spec asks for with what is live. `planned`:
/// the keys of every change planned so far (the release waits for the
/// service's).
pub fn plan(
    spec: &Spec,
    live: &LiveWeb,
    artifact: Option<&WebArtifact>,
    planned: &[String],
) -> Result<WebPlan, PlanError> {
    let mut out = WebPlan::default();
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let name = app_name(app, env);
    let Some(web) = &spec.web else {
        if let Some(found) = &live.app
            && found.owned
        {
            out.orphans.push(Orphan {
                component: Component::Web,
                kind: ResourceKind::AmplifyApp,
                name: found.name.clone(),
                id: found.id.clone(),
            });
        }
        return Ok(out);
    };
    let app_key = format!("web/{name}");
    let app_ref = match &live.app {
        Some(found) if !found.owned => {
            return Err(PlanError::not_ours(ResourceKind::AmplifyApp, &name));
        }
        Some(found) if found.repository.as_deref().is_some_and(|r| !r.is_empty()) => {
            return Err(PlanError::Conflict {
                kind: ResourceKind::AmplifyApp,
                name,
                problem: "is connected to a repository; Amplify takes manual deployments only on apps without one".to_owned(),
                hint: "disconnect the repository in the Amplify console, or delete the app and let `awsdeploy up` make it".to_owned(),
            });
        }
        Some(found) => {
            out.unchanged += 1;
            Ref::Existing(found.id.clone())
        }
        None => {
            out.push(
                change(
                    ResourceKind::AmplifyApp,
                    &app_key,
                    &name,
                    Action::Create,
                    None,
                    vec![
                        FieldChange::set("platform", "WEB"),
                        FieldChange::set("repository", "none (manual deployments)"),
                    ],
                    vec![Step::CreateAmplifyApp { name: name.clone() }],
                ),
                &[],
            );
            Ref::Planned(app_key.clone())
        }
    };
    let branch_key = format!("{app_key}/{}", web.branch);
    let env_vars = branch_env(spec);
    let describe = |env: &BTreeMap<String, String>| {
        if env.is_empty() {
            "none".to_owned()
        } else {
            env.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let branch = live.branch.as_ref().filter(|_| live.app.is_some());
    match branch {
        None => out.push(
            change(
                ResourceKind::AmplifyBranch,
                &branch_key,
                &web.branch,
                Action::Create,
                None,
                vec![FieldChange::set("env", describe(&env_vars))],
                vec![Step::CreateAmplifyBranch {
                    app: app_ref.clone(),
                    branch: web.branch.clone(),
                    env: env_vars.clone(),
                }],
            ),
            &[],
        ),
        Some(found) if found.env != env_vars => out.push(
            change(
                ResourceKind::AmplifyBranch,
                &branch_key,
                &web.branch,
                Action::Update,
                Some(&found.arn),
                vec![FieldChange::new(
                    "env",
                    Some(describe(&found.env)),
                    Some(describe(&env_vars)),
                )],
                vec![Step::UpdateAmplifyBranch {
                    app: app_ref.clone(),
                    branch: web.branch.clone(),
                    env: env_vars.clone(),
                }],
            ),
            &[],
        ),
        Some(_) => out.unchanged += 1,
    }
    let Some(artifact) = artifact else {
        return Ok(out);
    };
    let serving = branch.and_then(|b| b.artifact_sha256.as_deref());
    if serving == Some(artifact.sha256.as_str()) {
        out.unchanged += 1;
        return Ok(out);
    }
    // After the branch, and after the service is stable (its change ends
    // with the rollout wait), so the new site meets the new API.
    let mut after: Vec<String> = planned
        .iter()
        .filter(|k| {
            k.starts_with(&format!(
                "service/{}/{}",
                service::cluster_name(app, env),
                service::SERVICE_NAME
            ))
        })
        .cloned()
        .collect();
    after.extend(
        out.changes
            .iter()
            .filter(|c| c.key == branch_key)
            .map(|c| c.key.clone()),
    );
    let short = |hash: &str| format!("sha256:{}", &hash[..hash.len().min(12)]);
    out.push(
        change(
            ResourceKind::WebRelease,
            &format!("{branch_key}:release"),
            &web.branch,
            if serving.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            None,
            vec![
                FieldChange::new(
                    "artifact",
                    serving.map(short),
                    Some(short(&artifact.sha256)),
                )
                .noting(&artifact.path),
            ],
            vec![Step::ReleaseWeb {
                app: app_ref,
                branch: web.branch.clone(),
                artifact: artifact.path.clone(),
                sha256: artifact.sha256.clone(),
                timeout_secs: web.timeout.0.as_secs(),
            }],
        ),
        &after,
    );
    Ok(out)
}
