//! `awsdeploy iam-policy`, `awsdeploy ci buildspec` and `awsdeploy ci
//! github-actions`: files for CI, made from the spec alone (no AWS call).

use awsdeploy_plan::ci::{self, Stage};
use awsdeploy_spec::{Pipeline, Spec};

use super::{CliError, load_spec};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output;

pub(super) fn iam_policy(settings: &Settings, push: bool, admin: bool) -> Result<Exit, CliError> {
    let mut spec = load_spec(settings)?;
    // The region (so the partition: China's and GovCloud's ARNs differ)
    // as the AWS chain would find it; without one, any region of `aws`.
    if spec.app.region.is_none() {
        spec.app.region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|r| !r.is_empty()));
        if spec.app.region.is_none() {
            output::progress(
                "note: neither app.region nor AWS_REGION is set: the policy is for any region of the `aws` partition (set one for China or GovCloud)",
            );
        }
    }
    let components = awsdeploy_plan::COMPONENTS;
    output::json(&if admin {
        awsdeploy_plan::permissions::admin_policy(components, &spec)
    } else {
        awsdeploy_plan::permissions::policy(components, &spec, push)
    });
    Ok(Exit::Success)
}

pub(super) fn buildspec(settings: &Settings, stage: Stage) -> Result<Exit, CliError> {
    let spec = load_spec(settings)?;
    output::data(&ci::buildspec(&spec, pipeline(settings, &spec)?, stage));
    Ok(Exit::Success)
}

pub(super) fn github_actions(settings: &Settings, account: Option<&str>) -> Result<Exit, CliError> {
    if let Some(id) = account
        && (id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(CliError::new(
            format!("--account `{id}` is not an AWS account id"),
            Some("an account id is 12 digits: `aws sts get-caller-identity --query Account --output text` prints yours".to_owned()),
        ));
    }
    let spec = load_spec(settings)?;
    output::data(&ci::github_actions(
        &spec,
        pipeline(settings, &spec)?,
        account,
    ));
    Ok(Exit::Success)
}

/// The spec's `[pipeline]`: the branch and the build steps come from it.
fn pipeline<'a>(settings: &Settings, spec: &'a Spec) -> Result<&'a Pipeline, CliError> {
    spec.pipeline.as_ref().ok_or_else(|| {
        CliError::new(
            format!(
                "{} has no [pipeline]: the CI files build and deploy what it describes",
                settings.spec.display()
            ),
            Some(
                "add [pipeline] with the repository, e.g. repository = \"acme/shop\" (and runner = \"github-actions\" for GitHub Actions); [pipeline.build] overrides the build steps".to_owned(),
            ),
        )
    })
}
