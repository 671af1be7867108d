//! The roles' calls (IAM), found by name. Policy documents come back
//! URL-encoded and are compared as canonical JSON.

pub(crate) mod boundary;

use awsdeploy_plan::IamStep;
use awsdeploy_plan::iam::POLICY_NAME;
use awsdeploy_plan::live::LiveRole;

use crate::error::{already_done, sdk};
use crate::tags::Owner;
use crate::{AwsError, StepContext};

/// The step's tags, as IAM takes them (roles, policies, OIDC providers).
pub(crate) fn tags(cx: &StepContext<'_>) -> Vec<aws_sdk_iam::types::Tag> {
    cx.tags()
        .iter()
        .map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(*k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_default()
}

/// Decodes `%XX` escapes (IAM returns policy documents URL-encoded).
pub(crate) fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// A JSON document as canonical JSON, or as it came when it is not JSON.
pub(crate) fn canonical(document: &str) -> String {
    serde_json::from_str::<serde_json::Value>(document)
        .map_or_else(|_| document.to_owned(), |v| v.to_string())
}

/// The role `name` as it is live, and its ARN; `None` when there is none.
pub(crate) async fn observe_role(
    iam: &aws_sdk_iam::Client,
    owner: &Owner,
    name: &str,
) -> Result<Option<(LiveRole, String)>, AwsError> {
    let role = match iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(sdk("GetRole", name))
    {
        Ok(out) => out,
        Err(e) if already_done(&e, &["NoSuchEntity"]) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(role) = role.role() else {
        return Ok(None);
    };
    let policy = async {
        match iam
            .get_role_policy()
            .role_name(name)
            .policy_name(POLICY_NAME)
            .send()
            .await
            .map_err(sdk("GetRolePolicy", name))
        {
            Ok(out) => Ok(Some(canonical(&percent_decode(out.policy_document())))),
            Err(e) if already_done(&e, &["NoSuchEntity"]) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let attached = async {
        let mut arns = Vec::new();
        let mut pages = iam
            .list_attached_role_policies()
            .role_name(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(sdk("ListAttachedRolePolicies", name))?;
            arns.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_owned)),
            );
        }
        Ok::<_, AwsError>(arns)
    };
    let (policy, mut attached) = tokio::try_join!(policy, attached)?;
    attached.sort();
    let live = LiveRole {
        name: name.to_owned(),
        owned: owner.owns(role.tags().iter().map(|t| (Some(t.key()), Some(t.value())))),
        trust_policy: canonical(&percent_decode(
            role.assume_role_policy_document().unwrap_or_default(),
        )),
        policy,
        attached,
        boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_owned),
    };
    Ok(Some((live, role.arn().to_owned())))
}

/// Runs one iam step. Idempotent: "already exists" (and, for a
/// delete, "already gone") is success.
pub(crate) async fn run(step: &IamStep, cx: &StepContext<'_>) -> Result<Option<String>, AwsError> {
    let clients = cx.clients;
    let name = cx.name();
    match step {
        IamStep::DeleteRole {
            name: role,
            attached,
        } => delete_role(&clients.iam, role, attached).await,
        IamStep::CreateRole {
            name: role,
            description,
            trust_policy,
            boundary,
        } => create_role(cx, role, description, trust_policy, boundary.as_deref()).await,
        IamStep::PutRoleBoundary { .. }
        | IamStep::CreateBoundary { .. }
        | IamStep::UpdateBoundary { .. }
        | IamStep::DeleteBoundary { .. } => boundary::run(step, cx).await,
        IamStep::UpdateTrustPolicy {
            name: role,
            trust_policy,
        } => {
            clients
                .iam
                .update_assume_role_policy()
                .role_name(role)
                .policy_document(trust_policy)
                .send()
                .await
                .map_err(sdk("UpdateAssumeRolePolicy", name))?;
            Ok(None)
        }
        IamStep::PutRolePolicy { role, document } => {
            clients
                .iam
                .put_role_policy()
                .role_name(role)
                .policy_name(POLICY_NAME)
                .policy_document(document)
                .send()
                .await
                .map_err(sdk("PutRolePolicy", name))?;
            Ok(None)
        }
        IamStep::DeleteRolePolicy { role } => {
            let deleted = clients
                .iam
                .delete_role_policy()
                .role_name(role)
                .policy_name(POLICY_NAME)
                .send()
                .await
                .map_err(sdk("DeleteRolePolicy", name));
            match deleted {
                Err(e) if !already_done(&e, &["NoSuchEntity"]) => Err(e),
                _ => Ok(None),
            }
        }
        IamStep::AttachRolePolicy { role, policy_arn } => {
            clients
                .iam
                .attach_role_policy()
                .role_name(role)
                .policy_arn(policy_arn)
                .send()
                .await
                .map_err(sdk("AttachRolePolicy", name))?;
            Ok(None)
        }
        IamStep::DetachRolePolicy { role, policy_arn } => {
            let detached = clients
                .iam
                .detach_role_policy()
                .role_name(role)
                .policy_arn(policy_arn)
                .send()
                .await
                .map_err(sdk("DetachRolePolicy", name));
            match detached {
                Err(e) if !already_done(&e, &["NoSuchEntity"]) => Err(e),
                _ => Ok(None),
            }
        }
    }
}

/// `down`: awsdeploy's inline policy, the attachments, then the role.
async fn delete_role(
    iam: &aws_sdk_iam::Client,
    role: &str,
    attached: &[String],
) -> Result<Option<String>, AwsError> {
    let gone = |result: Result<(), AwsError>| match result {
        Err(e) if already_done(&e, &["NoSuchEntity"]) => Ok(()),
        other => other,
    };
    gone(
        iam.delete_role_policy()
            .role_name(role)
            .policy_name(POLICY_NAME)
            .send()
            .await
            .map(drop)
            .map_err(sdk("DeleteRolePolicy", role)),
    )?;
    for arn in attached {
        gone(
            iam.detach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .map(drop)
                .map_err(sdk("DetachRolePolicy", role)),
        )?;
    }
    gone(
        iam.delete_role()
            .role_name(role)
            .send()
            .await
            .map(drop)
            .map_err(sdk("DeleteRole", role)),
    )?;
    Ok(None)
}

async fn create_role(
    cx: &StepContext<'_>,
    role: &str,
    description: &str,
    trust_policy: &str,
    boundary: Option<&str>,
) -> Result<Option<String>, AwsError> {
    let clients = cx.clients;
    let name = cx.name();

    let created = clients
        .iam
        .create_role()
        .role_name(role)
        .description(description)
        .assume_role_policy_document(trust_policy)
        .set_permissions_boundary(boundary.map(str::to_owned))
        .set_tags(Some(tags(cx)))
        .send()
        .await
        .map_err(sdk("CreateRole", name));
    if let Err(e) = created
        && !already_done(&e, &["EntityAlreadyExists"])
    {
        return Err(e);
    }
    Ok(Some(role.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_are_decoded_and_made_canonical() {
        let encoded = "%7B%22b%22%3A1%2C%20%22a%22%3A%22x%2Fy%22%7D";
        assert_eq!(canonical(&percent_decode(encoded)), r#"{"a":"x/y","b":1}"#);
        assert_eq!(percent_decode("100%"), "100%");
    }
}
