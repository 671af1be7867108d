//! The permissions boundary `/awsdeploy/{app}-{env}-boundary`: a managed
//! policy every role awsdeploy makes for the env carries, and that the
//! deploy policy requires of any role it creates or changes
//! (`iam:PermissionsBoundary`), as AWS documents for delegated role
//! creation ("Delegating responsibility to others using permissions
//! boundaries", IAM User Guide).
//!
//! It allows what its role's own policies allow, except what would let a
//! role of the env reach beyond the env's bounded roles: making or changing
//! a role without this boundary, taking a boundary off, changing this
//! policy, making users, groups, access keys or new versions of any managed
//! policy, and passing or assuming roles outside the env's. Its document
//! depends only on the app, env and partition, so it changes only with
//! awsdeploy itself, and only an administrator's `up` changes it: the
//! deploy policy may read it, never write it.

use serde_json::json;

use super::canonical;
use crate::live::LiveBoundary;
use crate::plan::{Action, ComponentPlan, FieldChange, ResourceChange, ResourceKind};
use crate::{ComponentId, Key, PlanError, names};

use super::IamStep;

/// Its IAM path: `ListPolicies` finds it by path, with no account id.
pub const PATH: &str = "/awsdeploy/";

/// Its ARN; `account` may be `*` (the offline policy).
pub fn arn(partition: &str, account: &str, app: &str, env: &str) -> String {
    format!(
        "arn:{partition}:iam::{account}:policy{PATH}{}",
        names::boundary_policy_name(app, env)
    )
}

/// The key of its change.
pub fn key(app: &str, env: &str) -> Key {
    Key::named(ComponentId::Iam, names::boundary_policy_name(app, env))
}

/// Its document, canonical JSON (well under IAM's 6,144 characters for a
/// managed policy).
pub fn document(partition: &str, app: &str, env: &str) -> String {
    let own = arn(partition, "*", app, env);
    let roles = format!(
        "arn:{partition}:iam::*:role/{}*",
        names::role_prefix(app, env)
    );
    canonical(&json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Ceiling",
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*"
            },
            {
                "Sid": "OnlyBoundedRoles",
                "Effect": "Deny",
                "Action": [
                    "iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
                    "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"
                ],
                "Resource": "*",
                "Condition": { "ArnNotLike": { "iam:PermissionsBoundary": own } }
            },
            {
                "Sid": "KeepBoundaries",
                "Effect": "Deny",
                "Action": [
                    "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                    "iam:DeleteRolePermissionsBoundary", "iam:SetDefaultPolicyVersion"
                ],
                "Resource": "*"
            },
            {
                "Sid": "NoOtherPrincipals",
                "Effect": "Deny",
                "Action": [
                    "iam:AddUserToGroup", "iam:AttachGroupPolicy", "iam:AttachUserPolicy",
                    "iam:CreateAccessKey", "iam:CreateGroup", "iam:CreateLoginProfile",
                    "iam:CreateUser", "iam:PutGroupPolicy", "iam:PutUserPolicy",
                    "iam:UpdateLoginProfile"
                ],
                "Resource": "*"
            },
            {
                "Sid": "OnlyTheEnvsRoles",
                "Effect": "Deny",
                "Action": ["iam:PassRole", "sts:AssumeRole"],
                "NotResource": roles
            }
        ]
    }))
}

/// The boundary's change, when it is missing or its document differs.
pub(super) fn plan(
    out: &mut ComponentPlan,
    partition: &str,
    (app, env): (&str, &str),
    live: Option<&LiveBoundary>,
) -> Result<(), PlanError> {
    let name = names::boundary_policy_name(app, env);
    let document = document(partition, app, env);
    let change = match live {
        None => ResourceChange::new(
            key(app, env),
            ResourceKind::Boundary,
            &name,
            Action::Create,
            vec![IamStep::CreateBoundary {
                name: name.clone(),
                path: PATH.to_owned(),
                document,
            }],
        )
        .with_fields(vec![FieldChange::set(
            "carried_by",
            "every role of the env",
        )]),
        Some(found) if !found.owned => {
            return Err(PlanError::not_ours(ResourceKind::Boundary, &name));
        }
        Some(found) if found.document == document => {
            out.unchanged += 1;
            return Ok(());
        }
        Some(found) => ResourceChange::new(
            key(app, env),
            ResourceKind::Boundary,
            &name,
            Action::Update,
            vec![IamStep::UpdateBoundary {
                arn: found.arn.clone(),
                document,
            }],
        )
        .on(Some(&found.arn))
        .with_fields(vec![
            FieldChange::new(
                "document",
                Some("an earlier awsdeploy's"),
                Some("this awsdeploy's"),
            )
            .noting("needs administrator credentials: the deploy policy cannot change it"),
        ]),
    };
    out.push(change);
    Ok(())
}

/// `down`: the boundary, once no role carries it.
pub(super) fn teardown(
    live: Option<&LiveBoundary>,
    app: &str,
    env: &str,
    after: Vec<Key>,
) -> Option<ResourceChange> {
    let found = live.filter(|b| b.owned)?;
    let name = names::boundary_policy_name(app, env);
    Some(
        ResourceChange::new(
            key(app, env),
            ResourceKind::Boundary,
            &name,
            Action::Delete,
            vec![IamStep::DeleteBoundary {
                arn: found.arn.clone(),
            }],
        )
        .on(Some(&found.arn))
        .after(after),
    )
}

/// The deploy policy's one attachment to the infrastructure role of a
/// strategy that shifts traffic: AWS's managed policy for it, on a role
/// with this boundary (`bounded`).
pub(super) fn attach_infrastructure_policy(
    cx: &crate::component::PolicyContext<'_>,
    bounded: &serde_json::Value,
) -> crate::component::Statement {
    let mut condition = bounded.clone();
    condition["ArnEquals"] =
        json!({ "iam:PolicyARN": names::infrastructure_policy_arn(cx.partition) });
    crate::component::Statement::new(
        "AttachInfrastructurePolicy",
        &["iam:AttachRolePolicy"],
        vec![cx.global(
            "iam",
            &format!("role/{}", names::infrastructure_role_name(cx.app, cx.env)),
        )],
    )
    .when(condition)
}
