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

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::live::{LiveWeb, LiveZone};
use crate::names::web_app_name as app_name;
use crate::{
    Action, ComponentId, ComponentPlan, ComponentStep, FieldChange, Key, Orphan, PlanError, Ref,
    ResourceChange, ResourceKind, names,
};

mod component;
pub use component::Web;

/// The branch tag that records the released artifact's SHA-256.
pub const ARTIFACT_TAG: &str = "awsdeploy:artifact-sha256";

/// The artifact to release: where it is and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebArtifact {
    pub path: String,
    pub sha256: String,
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

/// Compares the web app the spec asks for with what is live.
pub fn plan(
    spec: &Spec,
    live: &LiveWeb,
    zone: Option<&LiveZone>,
    artifact: Option<&WebArtifact>,
) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let Some(web) = &spec.web else {
        if let Some(found) = &live.app
            && found.owned
        {
            out.orphans.push(Orphan {
                component: ComponentId::Web,
                kind: ResourceKind::AmplifyApp,
                name: found.name.clone(),
                id: found.id.clone(),
            });
        }
        return Ok(out);
    };
    let name = app_name(&spec.app.name, &spec.env);
    let app_ref = app(&name, live, &mut out)?;
    let branch_key = Key::web_branch(&name, &web.branch);
    branch(spec, web, live, &app_ref, &branch_key, &mut out);
    domain(spec, web, live, zone, (&app_ref, &branch_key), &mut out)?;
    if let Some(artifact) = artifact {
        release(spec, web, live, artifact, (&app_ref, &branch_key), &mut out);
    }
    Ok(out)
}

/// The app: made when missing; never one connected to a repository.
fn app(name: &str, live: &LiveWeb, out: &mut ComponentPlan) -> Result<Ref, PlanError> {
    let app_key = Key::named(ComponentId::Web, name.to_owned());
    Ok(match &live.app {
        Some(found) if !found.owned => {
            return Err(PlanError::not_ours(ResourceKind::AmplifyApp, name));
        }
        Some(found) if found.repository.as_deref().is_some_and(|r| !r.is_empty()) => {
            return Err(PlanError::Conflict {
                kind: ResourceKind::AmplifyApp,
                name: name.to_owned(),
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
                ResourceChange::new(
                    app_key.clone(),
                    ResourceKind::AmplifyApp,
                    name,
                    Action::Create,
                    vec![WebStep::CreateAmplifyApp {
                        name: name.to_owned(),
                    }],
                )
                .with_fields(vec![
                    FieldChange::set("platform", "WEB"),
                    FieldChange::set("repository", "none (manual deployments)"),
                ]),
            );
            Ref::Planned(app_key)
        }
    })
}

fn describe_env(env: &BTreeMap<String, String>) -> String {
    if env.is_empty() {
        "none".to_owned()
    } else {
        env.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The branch: made when missing, its environment variables kept as the
/// spec says.
fn branch(
    spec: &Spec,
    web: &awsdeploy_spec::Web,
    live: &LiveWeb,
    app_ref: &Ref,
    branch_key: &Key,
    out: &mut ComponentPlan,
) {
    let env_vars = branch_env(spec);
    match live.branch.as_ref().filter(|_| live.app.is_some()) {
        None => out.push(
            ResourceChange::new(
                branch_key.clone(),
                ResourceKind::AmplifyBranch,
                &web.branch,
                Action::Create,
                vec![WebStep::CreateAmplifyBranch {
                    app: app_ref.clone(),
                    branch: web.branch.clone(),
                    env: env_vars.clone(),
                }],
            )
            .with_fields(vec![
                FieldChange::set("env", describe_env(&env_vars)).noting(ENV_NOTE),
            ]),
        ),
        Some(found) if found.env != env_vars => out.push(
            ResourceChange::new(
                branch_key.clone(),
                ResourceKind::AmplifyBranch,
                &web.branch,
                Action::Update,
                vec![WebStep::UpdateAmplifyBranch {
                    app: app_ref.clone(),
                    branch: web.branch.clone(),
                    env: env_vars.clone(),
                }],
            )
            .on(Some(&found.arn))
            .with_fields(vec![
                FieldChange::new(
                    "env",
                    Some(describe_env(&found.env)),
                    Some(describe_env(&env_vars)),
                )
                .noting(ENV_NOTE),
            ]),
        ),
        Some(_) => out.unchanged += 1,
    }
}

/// What the branch's variables are, and are not.
const ENV_NOTE: &str = "Amplify build settings: a manual deployment never reads them; the static export has what `next build` baked in";

/// Where `web.domain` goes: the domain of the association (the `[dns]`
/// zone when `web.domain` is in it) and the sub-domain prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomDomain {
    pub root: String,
    pub prefix: String,
    /// Whether the records go in the `[dns]` zone.
    pub in_zone: bool,
}

pub fn custom_domain(spec: &Spec) -> Option<CustomDomain> {
    let domain = spec.web.as_ref()?.domain.as_ref()?;
    let zone = spec.dns.as_ref().map(|d| d.zone.as_str());
    Some(match zone {
        Some(zone) if domain == zone => CustomDomain {
            root: zone.to_owned(),
            prefix: String::new(),
            in_zone: true,
        },
        Some(zone) if domain.ends_with(&format!(".{zone}")) => CustomDomain {
            root: zone.to_owned(),
            prefix: domain[..domain.len() - zone.len() - 1].to_owned(),
            in_zone: true,
        },
        _ => CustomDomain {
            root: domain.clone(),
            prefix: String::new(),
            in_zone: false,
        },
    })
}

/// The domain association for `web.domain`, and its DNS records.
fn domain(
    spec: &Spec,
    web: &awsdeploy_spec::Web,
    live: &LiveWeb,
    zone: Option<&LiveZone>,
    (app_ref, branch_key): (&Ref, &Key),
    out: &mut ComponentPlan,
) -> Result<(), PlanError> {
    let Some(wanted) = custom_domain(spec) else {
        return Ok(());
    };
    let fqdn = web.domain.clone().unwrap_or_default();
    let zone_id = zone.filter(|_| wanted.in_zone).map(|z| z.id.clone());
    let key = Key::web_domain(&app_name(&spec.app.name, &spec.env), &wanted.root);
    match live.domain.as_ref().filter(|_| live.app.is_some()) {
        Some(found)
            if found
                .sub_domains
                .contains(&(wanted.prefix.clone(), web.branch.clone())) =>
        {
            return existing_association(
                found,
                live,
                &wanted,
                (&key, &fqdn),
                (app_ref, zone_id),
                out,
            );
        }
        Some(found) => {
            return Err(PlanError::Conflict {
                kind: ResourceKind::DomainAssociation,
                name: found.name.clone(),
                problem: format!(
                    "is associated with other sub-domains ({}), not {fqdn} → {}",
                    found
                        .sub_domains
                        .iter()
                        .map(|(p, b)| format!("{p:?} → {b}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    web.branch
                ),
                hint: "change the association in the Amplify console (or delete it and run `awsdeploy up`)".to_owned(),
            });
        }
        None => {}
    }
    if zone_id.is_none() {
        out.warnings.push(format!(
            "web.domain {fqdn} is not in the [dns] zone: awsdeploy cannot write its records; `up` prints the records to create"
        ));
    }
    let after: Vec<Key> = out
        .changes
        .iter()
        .filter(|c| c.key == *branch_key)
        .map(|c| c.key.clone())
        .collect();
    out.push(
        ResourceChange::new(
            key.clone(),
            ResourceKind::DomainAssociation,
            &fqdn,
            Action::Create,
            vec![
                WebStep::CreateDomainAssociation {
                    app: app_ref.clone(),
                    domain: wanted.root.clone(),
                    prefix: wanted.prefix.clone(),
                    branch: web.branch.clone(),
                },
                WebStep::WriteDomainRecords {
                    app: app_ref.clone(),
                    domain: wanted.root.clone(),
                    zone_id: zone_id.clone(),
                },
            ],
        )
        .with_fields(vec![
            FieldChange::set("branch", web.branch.clone()),
            FieldChange::set(
                "records",
                if zone_id.is_some() {
                    format!("written in {}", wanted.root)
                } else {
                    "printed, for you to create".to_owned()
                },
            ),
        ])
        .after(after),
    );
    Ok(())
}

/// An association that already has the wanted sub-domain: its records
/// again while it waits for them, a stop with the way out when it failed.
fn existing_association(
    found: &crate::live::LiveDomainAssociation,
    live: &LiveWeb,
    wanted: &CustomDomain,
    (key, fqdn): (&Key, &str),
    (app_ref, zone_id): (&Ref, Option<String>),
    out: &mut ComponentPlan,
) -> Result<(), PlanError> {
    match found.status.as_str() {
        // Waiting for its records (an earlier run was stopped before it
        // wrote them, or they were deleted): write them again.
        "PENDING_VERIFICATION" | "AWAITING_APP_CNAME" => out.push(
            ResourceChange::new(
                key.clone(),
                ResourceKind::DomainAssociation,
                fqdn,
                Action::Update,
                vec![WebStep::WriteDomainRecords {
                    app: app_ref.clone(),
                    domain: wanted.root.clone(),
                    zone_id: zone_id.clone(),
                }],
            )
            .on(Some(found.name.as_str()))
            .with_fields(vec![FieldChange::new(
                "records",
                Some(format!("{} (waiting for its DNS records)", found.status)),
                Some(if zone_id.is_some() {
                    format!("written in {}", wanted.root)
                } else {
                    "printed, for you to create".to_owned()
                }),
            )]),
        ),
        "FAILED" => {
            let app_id = live.app.as_ref().map_or("", |a| a.id.as_str());
            return Err(PlanError::Conflict {
                kind: ResourceKind::DomainAssociation,
                name: found.name.clone(),
                problem: "FAILED in Amplify (its DNS verification timed out or was refused)"
                    .to_owned(),
                hint: format!(
                    "delete it, then run `awsdeploy up` to associate it again: aws amplify delete-domain-association --app-id {app_id} --domain-name {}",
                    found.name
                ),
            });
        }
        _ => out.unchanged += 1,
    }
    Ok(())
}

/// The release of `artifact`, unless the branch serves it already.
fn release(
    spec: &Spec,
    web: &awsdeploy_spec::Web,
    live: &LiveWeb,
    artifact: &WebArtifact,
    (app_ref, branch_key): (&Ref, &Key),
    out: &mut ComponentPlan,
) {
    let serving = live
        .branch
        .as_ref()
        .filter(|_| live.app.is_some())
        .and_then(|b| b.artifact_sha256.as_deref());
    if serving == Some(artifact.sha256.as_str()) {
        out.unchanged += 1;
        return;
    }
    // After the branch, and after the service is stable (its change ends
    // with the rollout wait), so the new site meets the new API.
    let service_key = Key::ecs_service(
        &names::cluster_name(&spec.app.name, &spec.env),
        names::SERVICE_NAME,
    );
    let mut after: Vec<Key> = Vec::new();
    after.extend(
        out.changes
            .iter()
            .filter(|c| c.key == *branch_key)
            .map(|c| c.key.clone()),
    );
    let short = |hash: &str| format!("sha256:{}", &hash[..hash.len().min(12)]);
    out.push(
        ResourceChange::new(
            Key::web_release(&app_name(&spec.app.name, &spec.env), &web.branch),
            ResourceKind::WebRelease,
            &web.branch,
            if serving.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            vec![WebStep::ReleaseWeb {
                app: app_ref.clone(),
                branch: web.branch.clone(),
                artifact: artifact.path.clone(),
                sha256: artifact.sha256.clone(),
                timeout_secs: web.timeout.0.as_secs(),
            }],
        )
        .with_fields(vec![
            FieldChange::new(
                "artifact",
                serving.map(short),
                Some(short(&artifact.sha256)),
            )
            .noting(&artifact.path),
        ])
        .after(after)
        .needs([service_key]),
    );
}

/// The actions of the web component: Amplify Hosting: the app, its branch, custom domain and releases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum WebStep {
    /// `CreateApp`: platform WEB, no repository (manual deployments), with
    /// the ownership tags. Its id is the change's id.
    CreateAmplifyApp { name: String },
    /// `CreateBranch` (stage PRODUCTION) with its environment variables.
    CreateAmplifyBranch {
        app: Ref,
        branch: String,
        env: BTreeMap<String, String>,
    },
    /// `UpdateBranch`: the environment variables.
    UpdateAmplifyBranch {
        app: Ref,
        branch: String,
        env: BTreeMap<String, String>,
    },
    /// `CreateDomainAssociation`: `domain` with the sub-domain `prefix`
    /// (empty: the domain itself) serving `branch`.
    CreateDomainAssociation {
        app: Ref,
        domain: String,
        prefix: String,
        branch: String,
    },
    /// Reads the association's DNS records (`GetDomainAssociation`) and
    /// `UPSERT`s them in the zone `zone_id`; without a zone, prints them
    /// for the user to create.
    WriteDomainRecords {
        app: Ref,
        domain: String,
        zone_id: Option<String>,
    },
    /// Zips the artifact again (it must still have `sha256`), then
    /// `CreateDeployment`, the upload, `StartDeployment` and `GetJob` until
    /// the job ends or the deadline; on success tags the branch with the
    /// artifact's SHA-256.
    ReleaseWeb {
        app: Ref,
        branch: String,
        artifact: String,
        sha256: String,
        timeout_secs: u64,
    },
    /// Deletes the custom domain's records it wrote in the zone (read with
    /// `GetDomainAssociation`), then `DeleteApp` (its branches and domain
    /// association go with it); already gone is success.
    DeleteAmplifyApp {
        app_id: String,
        domain: Option<String>,
        zone_id: Option<String>,
    },
}

impl ComponentStep for WebStep {
    fn refs(&self) -> Vec<&Ref> {
        match self {
            WebStep::CreateAmplifyApp { .. } | WebStep::DeleteAmplifyApp { .. } => vec![],
            WebStep::CreateAmplifyBranch { app, .. }
            | WebStep::UpdateAmplifyBranch { app, .. }
            | WebStep::CreateDomainAssociation { app, .. }
            | WebStep::WriteDomainRecords { app, .. }
            | WebStep::ReleaseWeb { app, .. } => vec![app],
        }
    }

    fn creates(&self) -> bool {
        matches!(
            self,
            WebStep::CreateAmplifyApp { .. } | WebStep::CreateAmplifyBranch { .. }
        )
    }
}

/// `down`: the app, with its branch and domain association, and the
/// domain's records in the zone.
pub(crate) fn teardown(live: &LiveWeb, zone: Option<&LiveZone>) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    if let Some(app) = live.app.as_ref().filter(|a| a.owned) {
        let domain = live.domain.as_ref().map(|d| d.name.clone());
        let zone_id = zone
            .filter(|z| {
                domain.as_deref().is_some_and(|d| {
                    let zone = z.name.trim_end_matches('.');
                    d == zone || d.ends_with(&format!(".{zone}"))
                })
            })
            .map(|z| z.id.clone());
        out.push(
            ResourceChange::new(
                Key::named(ComponentId::Web, app.name.clone()),
                ResourceKind::AmplifyApp,
                &app.name,
                Action::Delete,
                vec![WebStep::DeleteAmplifyApp {
                    app_id: app.id.clone(),
                    domain,
                    zone_id,
                }],
            )
            .on(Some(&app.id)),
        );
    }
    out
}

#[cfg(test)]
mod tests;
