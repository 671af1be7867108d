//! The env's permissions boundary, a managed policy under `/awsdeploy/`
//! (`awsdeploy_plan::iam::boundary`): found by path with `ListPolicies`
//! (no account id needed), its default version read and its tags checked.

use aws_sdk_iam::Client;
use aws_sdk_iam::types::PolicyScopeType;
use awsdeploy_plan::IamStep;
use awsdeploy_plan::iam::boundary::PATH;
use awsdeploy_plan::live::LiveBoundary;

use super::{canonical, percent_decode};
use crate::error::{already_done, sdk};
use crate::tags::Owner;
use crate::{AwsError, StepContext};

/// The boundary named `name`, if it exists.
pub(crate) async fn observe(
    iam: &Client,
    owner: &Owner,
    name: &str,
) -> Result<Option<LiveBoundary>, AwsError> {
    let mut found = None;
    let mut pages = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .path_prefix(PATH)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk("ListPolicies", name))?;
        if let Some(policy) = page
            .policies()
            .iter()
            .find(|p| p.policy_name() == Some(name))
        {
            found = Some((
                policy.arn().unwrap_or_default().to_owned(),
                policy.default_version_id().unwrap_or_default().to_owned(),
            ));
            break;
        }
    }
    let Some((arn, default)) = found else {
        return Ok(None);
    };
    let version = async {
        iam.get_policy_version()
            .policy_arn(&arn)
            .version_id(&default)
            .send()
            .await
            .map_err(sdk("GetPolicyVersion", name))
    };
    let tags = async {
        iam.list_policy_tags()
            .policy_arn(&arn)
            .send()
            .await
            .map_err(sdk("ListPolicyTags", name))
    };
    let (version, tags) = tokio::try_join!(version, tags)?;
    let document = version
        .policy_version()
        .and_then(|v| v.document())
        .map(|d| canonical(&percent_decode(d)))
        .unwrap_or_default();
    Ok(Some(LiveBoundary {
        arn,
        owned: owner.owns(tags.tags().iter().map(|t| (Some(t.key()), Some(t.value())))),
        document,
    }))
}

/// `CreatePolicy`, tagged; the ARN. One that exists already (the answer
/// to an earlier create was lost) is found by name.
pub(crate) async fn create(
    cx: &StepContext<'_>,
    name: &str,
    path: &str,
    document: &str,
) -> Result<Option<String>, AwsError> {
    let iam = &cx.clients.iam;
    let tags = super::tags(cx);
    let created = iam
        .create_policy()
        .policy_name(name)
        .path(path)
        .description("awsdeploy: the permissions boundary of every role of this environment")
        .policy_document(document)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(sdk("CreatePolicy", name));
    match created {
        Ok(out) => Ok(out.policy().and_then(|p| p.arn()).map(str::to_owned)),
        Err(e) if already_done(&e, &["EntityAlreadyExists"]) => {
            let found = observe(iam, cx.owner, name).await?;
            Ok(Some(found.ok_or(e)?.arn))
        }
        Err(e) => Err(e),
    }
}

/// The ids of the policy's versions other than the default, oldest first.
async fn other_versions(iam: &Client, arn: &str) -> Result<Vec<String>, AwsError> {
    let out = iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .map_err(sdk("ListPolicyVersions", arn))?;
    let mut others: Vec<(String, String)> = out
        .versions()
        .iter()
        .filter(|v| !v.is_default_version())
        .filter_map(|v| {
            Some((
                v.create_date().map(ToString::to_string).unwrap_or_default(),
                v.version_id()?.to_owned(),
            ))
        })
        .collect();
    others.sort();
    Ok(others.into_iter().map(|(_, id)| id).collect())
}

/// The most versions IAM keeps of a managed policy.
const MAX_VERSIONS: usize = 5;

/// A new default version; IAM keeps five, so the oldest other one goes
/// first when they are all there.
pub(crate) async fn update(
    iam: &Client,
    arn: &str,
    document: &str,
) -> Result<Option<String>, AwsError> {
    let others = other_versions(iam, arn).await?;
    if others.len() + 1 >= MAX_VERSIONS
        && let Some(oldest) = others.first()
    {
        let deleted = iam
            .delete_policy_version()
            .policy_arn(arn)
            .version_id(oldest)
            .send()
            .await
            .map_err(sdk("DeletePolicyVersion", arn));
        match deleted {
            Err(e) if !already_done(&e, &["NoSuchEntity"]) => return Err(e),
            _ => {}
        }
    }
    iam.create_policy_version()
        .policy_arn(arn)
        .policy_document(document)
        .set_as_default(true)
        .send()
        .await
        .map_err(sdk("CreatePolicyVersion", arn))?;
    Ok(None)
}

/// Its other versions, then the policy (IAM refuses to delete a policy
/// with versions besides the default, or that a role still carries).
pub(crate) async fn delete(iam: &Client, arn: &str) -> Result<Option<String>, AwsError> {
    let gone = |result: Result<(), AwsError>| match result {
        Err(e) if already_done(&e, &["NoSuchEntity"]) => Ok(()),
        other => other,
    };
    let versions = match other_versions(iam, arn).await {
        Err(e) if already_done(&e, &["NoSuchEntity"]) => return Ok(None),
        other => other?,
    };
    for version in &versions {
        gone(
            iam.delete_policy_version()
                .policy_arn(arn)
                .version_id(version)
                .send()
                .await
                .map(drop)
                .map_err(sdk("DeletePolicyVersion", arn)),
        )?;
    }
    gone(
        iam.delete_policy()
            .policy_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(sdk("DeletePolicy", arn)),
    )?;
    Ok(None)
}

/// Runs a boundary step: the policy's, or a role's boundary.
pub(crate) async fn run(step: &IamStep, cx: &StepContext<'_>) -> Result<Option<String>, AwsError> {
    let iam = &cx.clients.iam;
    match step {
        IamStep::PutRoleBoundary { role, boundary } => {
            iam.put_role_permissions_boundary()
                .role_name(role)
                .permissions_boundary(boundary)
                .send()
                .await
                .map_err(sdk("PutRolePermissionsBoundary", role))?;
            Ok(None)
        }
        IamStep::CreateBoundary {
            name,
            path,
            document,
        } => create(cx, name, path, document).await,
        IamStep::UpdateBoundary { arn, document } => update(iam, arn, document).await,
        IamStep::DeleteBoundary { arn } => delete(iam, arn).await,
        other => Err(AwsError::Request {
            operation: "boundary",
            message: format!("not a boundary step: {other:?}"),
        }),
    }
}
