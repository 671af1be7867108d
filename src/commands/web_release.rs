//! `awsdeploy web-release`: the web artifact checked and zipped first, then
//! released unless the branch serves it already.

use std::path::Path;

use awsdeploy_aws::Aws;
use awsdeploy_plan::PlanError;
use awsdeploy_spec::Spec;
use awsdeploy_spec::artifact::Artifact;

use super::{CliError, connect, load_artifact, load_spec, locked, relative_to_spec, step_output};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output::{self, Format};

/// `awsdeploy web-release`: the artifact prepared offline, then released
/// holding the deploy lock.
pub(super) async fn run(
    settings: &Settings,
    artifact: Option<&Path>,
    force: bool,
    lock_timeout: std::time::Duration,
) -> Result<Exit, CliError> {
    let spec = load_spec(settings)?;
    let prepared = prepare(settings, &spec, artifact)?;
    let aws = connect(&spec).await?;
    locked(
        &aws,
        "web-release",
        lock_timeout,
        Box::pin(async { web_release(settings, &aws, &spec, &prepared, force).await }),
    )
    .await
}

/// `awsdeploy web-release`, first: the artifact checked and zipped, before
/// any AWS call.
fn prepare(
    settings: &Settings,
    spec: &Spec,
    artifact: Option<&Path>,
) -> Result<Artifact, CliError> {
    let Some(web) = &spec.web else {
        return Err(CliError::new(
            format!("{} has no [web]", settings.spec.display()),
            Some("add [web] (branch, artifact), run `awsdeploy up` to make the Amplify app, then release".to_owned()),
        ));
    };
    let path = match (artifact, web.artifact.as_deref()) {
        (Some(path), _) => path.to_owned(),
        (None, Some(path)) => relative_to_spec(settings, Path::new(path)),
        (None, None) => {
            return Err(CliError::new(
                "no artifact to release: give --artifact PATH or set web.artifact",
                Some("the artifact is the static export folder (out/) or a .zip of it".to_owned()),
            ));
        }
    };
    let artifact = load_artifact(&path)?;
    output::progress(&format!(
        "{}: {} files, {} bytes zipped, SHA-256 {}.",
        artifact.path.display(),
        artifact.files,
        artifact.zip.len(),
        artifact.sha256
    ));
    Ok(artifact)
}

/// Then: released unless the branch serves it already.
async fn web_release(
    settings: &Settings,
    aws: &Aws,
    spec: &Spec,
    artifact: &Artifact,
    force: bool,
) -> Result<Exit, CliError> {
    let Some(web) = &spec.web else {
        return Ok(Exit::Success);
    };
    let aws = aws.clone().with_output(step_output());
    let live = aws.observe_web(&web.branch).await?;
    let app_name = awsdeploy_plan::names::web_app_name(&spec.app.name, &spec.env);
    let (Some(app), Some(branch)) = (&live.app, &live.branch) else {
        return Err(CliError::new(
            format!(
                "the Amplify app {app_name} or its branch {} does not exist yet",
                web.branch
            ),
            Some("run `awsdeploy up` first: it makes them (and releases web.artifact)".to_owned()),
        ));
    };
    if !app.owned {
        return Err(
            PlanError::not_ours(awsdeploy_plan::ResourceKind::AmplifyApp, &app_name).into(),
        );
    }
    let url = format!(
        "https://{}.{}",
        web.branch.replace('/', "-"),
        app.default_domain
    );
    let json = |uploaded: bool, url: &str| {
        if settings.format == Format::Json {
            output::json(&serde_json::json!({
                "web_release": {
                    "app": app.id, "branch": branch.name, "sha256": artifact.sha256,
                    "uploaded": uploaded, "url": url,
                }
            }));
        }
    };
    if !force && branch.artifact_sha256.as_deref() == Some(artifact.sha256.as_str()) {
        output::progress(&format!(
            "{} already serves this artifact (SHA-256 {}): nothing uploaded. `--force` releases it again.
{url}",
            web.branch, artifact.sha256
        ));
        json(false, &url);
        return Ok(Exit::Success);
    }
    let url = aws
        .release_web(&app.id, &web.branch, artifact, web.timeout.0)
        .await?;
    output::progress(&format!("Released: {} serves {url}", web.branch));
    json(true, &url);
    Ok(Exit::Success)
}
