//! The calls for what the service needs besides network and database: the
//! ECR repository (and whether the image to deploy is in it), the
//! `CloudWatch` Logs group, the IAM roles, the account id and the ARNs of
//! the secrets the spec references.
//!
//! Everything is read by the name awsdeploy gives it (or the spec names),
//! concurrently, and ownership comes from its tags. Secret values are never
//! read: `DescribeSecret` gives the ARN only.

use std::collections::BTreeMap;

use awsdeploy_plan::live::{LiveLogGroup, LiveRepository, LiveRole, LiveSupport, Lookups};
use awsdeploy_plan::support::{POLICY_NAME, execution_role_name, log_group_name, task_role_name};
use awsdeploy_plan::{ResourceChange, Step};
use futures_util::future::try_join_all;
use tracing::Instrument as _;

use crate::AwsError;
use crate::error::{already_done, sdk};
use crate::tags::Owner;

/// The SDK clients this module uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub ecr: aws_sdk_ecr::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub iam: aws_sdk_iam::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub sts: aws_sdk_sts::Client,
}

/// Decodes `%XX` escapes (IAM returns policy documents URL-encoded).
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// A JSON document as canonical JSON, or as it came when it is not JSON.
fn canonical(document: &str) -> String {
    serde_json::from_str::<serde_json::Value>(document)
        .map_or_else(|_| document.to_owned(), |v| v.to_string())
}

pub async fn observe(
    clients: &Clients,
    owner: &Owner,
    lookups: &Lookups,
) -> Result<LiveSupport, AwsError> {
    let account = async {
        if lookups.service || lookups.repository.is_some() {
            let out = clients
                .sts
                .get_caller_identity()
                .send()
                .await
                .map_err(sdk("GetCallerIdentity", "the credentials"))?;
            // arn:<partition>:iam::<account>:…
            let partition = out
                .arn()
                .and_then(|arn| arn.split(':').nth(1))
                .map(str::to_owned);
            let account = out.account().ok_or(AwsError::MissingField {
                operation: "GetCallerIdentity",
                resource: "the credentials".to_owned(),
                field: "Account",
            })?;
            Ok((Some(account.to_owned()), partition))
        } else {
            Ok((None, None))
        }
    };
    let repository = async {
        match &lookups.repository {
            Some(name) => {
                observe_repository(&clients.ecr, owner, name, lookups.image_tag.as_deref()).await
            }
            None => Ok((None, None)),
        }
    };
    let log_group = async {
        if lookups.service {
            observe_log_group(
                &clients.logs,
                owner,
                &log_group_name(&owner.app, &owner.env),
            )
            .await
        } else {
            Ok(None)
        }
    };
    let roles = async {
        if !lookups.service {
            return Ok(Vec::new());
        }
        let names = [
            execution_role_name(&owner.app, &owner.env),
            task_role_name(&owner.app, &owner.env),
        ];
        let found =
            try_join_all(names.iter().map(|n| observe_role(&clients.iam, owner, n))).await?;
        Ok(found.into_iter().flatten().collect())
    };
    let secrets = try_join_all(lookups.secrets.iter().map(|name| async move {
        let out = clients
            .secrets
            .describe_secret()
            .secret_id(name)
            .send()
            .await
            .map_err(sdk("DescribeSecret", name.as_str()));
        match out {
            Ok(out) => Ok((
                name.clone(),
                out.arn().map(str::to_owned),
                // Absent (or AWS's own alias) for the AWS managed key.
                out.kms_key_id()
                    .filter(|k| *k != "alias/aws/secretsmanager")
                    .map(str::to_owned),
            )),
            Err(e) if already_done(&e, &["ResourceNotFoundException"]) => {
                Ok((name.clone(), None, None))
            }
            Err(e) => Err(e),
        }
    }));
    let ((account_id, partition), (repository, image_present), log_group, roles, secrets) =
        tokio::try_join!(account, repository, log_group, roles, secrets)?;
    Ok(LiveSupport {
        account_id,
        partition,
        repository,
        image_present,
        log_group,
        roles,
        secret_keys: secrets
            .iter()
            .filter_map(|(name, _, key)| Some((name.clone(), key.clone()?)))
            .collect(),
        secrets: secrets
            .into_iter()
            .map(|(name, arn, _)| (name, arn))
            .collect::<BTreeMap<_, _>>(),
    })
}

async fn observe_repository(
    ecr: &aws_sdk_ecr::Client,
    owner: &Owner,
    name: &str,
    image_tag: Option<&str>,
) -> Result<(Option<LiveRepository>, Option<bool>), AwsError> {
    let out = match ecr
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
        .map_err(sdk("DescribeRepositories", name))
    {
        Ok(out) => out,
        Err(e) if already_done(&e, &["RepositoryNotFoundException"]) => return Ok((None, None)),
        Err(e) => return Err(e),
    };
    let Some(repo) = out.repositories().first() else {
        return Ok((None, None));
    };
    let arn = repo.repository_arn().unwrap_or_default().to_owned();
    let tags = async {
        ecr.list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .map_err(sdk("ListTagsForResource", name))
    };
    let policy = async {
        match ecr
            .get_lifecycle_policy()
            .repository_name(name)
            .send()
            .await
            .map_err(sdk("GetLifecyclePolicy", name))
        {
            Ok(out) => Ok(out.lifecycle_policy_text().map(canonical)),
            Err(e) if already_done(&e, &["LifecyclePolicyNotFoundException"]) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let image = async {
        let Some(tag) = image_tag else {
            return Ok(None);
        };
        match ecr
            .describe_images()
            .repository_name(name)
            .image_ids(
                aws_sdk_ecr::types::ImageIdentifier::builder()
                    .image_tag(tag)
                    .build(),
            )
            .send()
            .await
            .map_err(sdk("DescribeImages", name))
        {
            Ok(out) => Ok(Some(!out.image_details().is_empty())),
            Err(e) if already_done(&e, &["ImageNotFoundException"]) => Ok(Some(false)),
            Err(e) => Err(e),
        }
    };
    let (tags, lifecycle_policy, image_present) = tokio::try_join!(tags, policy, image)?;
    let tagged = owner.owns(tags.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
    Ok((
        Some(LiveRepository {
            name: name.to_owned(),
            owned: tagged,
            arn,
            uri: repo.repository_uri().unwrap_or_default().to_owned(),
            tags_immutable: repo.image_tag_mutability()
                == Some(&aws_sdk_ecr::types::ImageTagMutability::Immutable),
            scan_on_push: repo
                .image_scanning_configuration()
                .is_some_and(aws_sdk_ecr::types::ImageScanningConfiguration::scan_on_push),
            lifecycle_policy,
        }),
        image_present,
    ))
}

async fn observe_log_group(
    logs: &aws_sdk_cloudwatchlogs::Client,
    owner: &Owner,
    name: &str,
) -> Result<Option<LiveLogGroup>, AwsError> {
    let out = logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(sdk("DescribeLogGroups", name))?;
    let Some(group) = out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
    else {
        return Ok(None);
    };
    // The ARN without the trailing `:*` names the group for tagging.
    let arn = group
        .arn()
        .unwrap_or_default()
        .trim_end_matches(":*")
        .to_owned();
    let tags = logs
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(sdk("ListTagsForResource", name))?;
    let tagged = owner.owns(
        tags.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))),
    );
    Ok(Some(LiveLogGroup {
        name: name.to_owned(),
        owned: tagged,
        retention_days: group.retention_in_days(),
    }))
}

async fn observe_role(
    iam: &aws_sdk_iam::Client,
    owner: &Owner,
    name: &str,
) -> Result<Option<LiveRole>, AwsError> {
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
    Ok(Some(LiveRole {
        name: name.to_owned(),
        owned: owner.owns(role.tags().iter().map(|t| (Some(t.key()), Some(t.value())))),
        trust_policy: canonical(&percent_decode(
            role.assume_role_policy_document().unwrap_or_default(),
        )),
        policy,
        attached,
    }))
}

/// Runs one registry, logs or IAM step. Idempotent: "already exists" (and,
/// for a delete, "already gone") is success.
#[allow(clippy::too_many_lines)] // one arm per step
pub async fn run_step(
    clients: &Clients,
    owner: &Owner,
    change: &ResourceChange,
    step: &Step,
) -> Result<Option<String>, AwsError> {
    let span = tracing::info_span!("step", name = %change.name, key = %change.key);
    let name = change.name.as_str();
    let tags = owner.tags(change.component, name);
    async move {
        match step {
            Step::CreateRepository {
                name: repo,
                lifecycle_policy,
            } => {
                let created = clients
                    .ecr
                    .create_repository()
                    .repository_name(repo)
                    .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Immutable)
                    .image_scanning_configuration(
                        aws_sdk_ecr::types::ImageScanningConfiguration::builder()
                            .scan_on_push(true)
                            .build(),
                    )
                    .set_tags(Some(
                        tags.iter()
                            .map(|(k, v)| {
                                aws_sdk_ecr::types::Tag::builder().key(*k).value(v).build()
                            })
                            .collect::<Result<Vec<_>, _>>()
                            .unwrap_or_default(),
                    ))
                    .send()
                    .await
                    .map_err(sdk("CreateRepository", name));
                if let Err(e) = created
                    && !already_done(&e, &["RepositoryAlreadyExistsException"])
                {
                    return Err(e);
                }
                put_lifecycle_policy(&clients.ecr, repo, lifecycle_policy).await?;
                Ok(Some(repo.clone()))
            }
            Step::ConfigureRepository {
                name: repo,
                lifecycle_policy,
            } => {
                clients
                    .ecr
                    .put_image_tag_mutability()
                    .repository_name(repo)
                    .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Immutable)
                    .send()
                    .await
                    .map_err(sdk("PutImageTagMutability", name))?;
                clients
                    .ecr
                    .put_image_scanning_configuration()
                    .repository_name(repo)
                    .image_scanning_configuration(
                        aws_sdk_ecr::types::ImageScanningConfiguration::builder()
                            .scan_on_push(true)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(sdk("PutImageScanningConfiguration", name))?;
                put_lifecycle_policy(&clients.ecr, repo, lifecycle_policy).await?;
                Ok(None)
            }
            Step::CreateLogGroup {
                name: group,
                retention_days,
            } => {
                let created = clients
                    .logs
                    .create_log_group()
                    .log_group_name(group)
                    .set_tags(Some(
                        tags.iter()
                            .map(|(k, v)| ((*k).to_owned(), v.clone()))
                            .collect(),
                    ))
                    .send()
                    .await
                    .map_err(sdk("CreateLogGroup", name));
                if let Err(e) = created
                    && !already_done(&e, &["ResourceAlreadyExistsException"])
                {
                    return Err(e);
                }
                set_retention(&clients.logs, group, *retention_days).await?;
                Ok(Some(group.clone()))
            }
            Step::SetLogRetention {
                name: group,
                retention_days,
            } => {
                set_retention(&clients.logs, group, *retention_days).await?;
                Ok(None)
            }
            Step::CreateRole {
                name: role,
                description,
                trust_policy,
            } => {
                let created = clients
                    .iam
                    .create_role()
                    .role_name(role)
                    .description(description)
                    .assume_role_policy_document(trust_policy)
                    .set_tags(Some(
                        tags.iter()
                            .map(|(k, v)| {
                                aws_sdk_iam::types::Tag::builder().key(*k).value(v).build()
                            })
                            .collect::<Result<Vec<_>, _>>()
                            .unwrap_or_default(),
                    ))
                    .send()
                    .await
                    .map_err(sdk("CreateRole", name));
                if let Err(e) = created
                    && !already_done(&e, &["EntityAlreadyExists"])
                {
                    return Err(e);
                }
                Ok(Some(role.clone()))
            }
            Step::UpdateTrustPolicy {
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
            Step::PutRolePolicy { role, document } => {
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
            Step::DeleteRolePolicy { role } => {
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
            Step::AttachRolePolicy { role, policy_arn } => {
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
            Step::DetachRolePolicy { role, policy_arn } => {
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
            other => unreachable!("dispatched by Step::component: {other:?}"),
        }
    }
    .instrument(span)
    .await
}

async fn put_lifecycle_policy(
    ecr: &aws_sdk_ecr::Client,
    repo: &str,
    policy: &str,
) -> Result<(), AwsError> {
    ecr.put_lifecycle_policy()
        .repository_name(repo)
        .lifecycle_policy_text(policy)
        .send()
        .await
        .map_err(sdk("PutLifecyclePolicy", repo))?;
    Ok(())
}

async fn set_retention(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    days: i32,
) -> Result<(), AwsError> {
    logs.put_retention_policy()
        .log_group_name(group)
        .retention_in_days(days)
        .send()
        .await
        .map_err(sdk("PutRetentionPolicy", group))?;
    Ok(())
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
