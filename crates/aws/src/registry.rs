//! The registry's calls (ECR): the repository, found by name, and whether
//! the image to deploy is in it.

use awsdeploy_plan::RegistryStep;
use awsdeploy_plan::live::LiveRepository;

use crate::error::{already_done, sdk};
use crate::iam::canonical;
use crate::tags::Owner;
use crate::{AwsError, StepContext};

pub(crate) async fn observe_repository(
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
        match image_tag {
            Some(tag) => image_present(ecr, name, tag).await.map(Some),
            None => Ok(None),
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

/// Whether the repository `name` holds an image tagged `tag`.
pub(crate) async fn image_present(
    ecr: &aws_sdk_ecr::Client,
    name: &str,
    tag: &str,
) -> Result<bool, AwsError> {
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
        Ok(out) => Ok(!out.image_details().is_empty()),
        Err(e) if already_done(&e, &["ImageNotFoundException"]) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Runs one registry step. Idempotent: "already exists" (and, for a
/// delete, "already gone") is success.
pub(crate) async fn run(
    step: &RegistryStep,
    cx: &StepContext<'_>,
) -> Result<Option<String>, AwsError> {
    let clients = cx.clients;
    let name = cx.name();
    let tags = cx.tags();
    match step {
        RegistryStep::DeleteRepository { name: repo } => {
            let deleted = clients
                .ecr
                .delete_repository()
                .repository_name(repo)
                .force(true)
                .send()
                .await
                .map_err(sdk("DeleteRepository", repo.as_str()));
            match deleted {
                Err(e) if already_done(&e, &["RepositoryNotFoundException"]) => Ok(None),
                other => other.map(|_| None),
            }
        }
        RegistryStep::CreateRepository {
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
                        .map(|(k, v)| aws_sdk_ecr::types::Tag::builder().key(*k).value(v).build())
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
        RegistryStep::ConfigureRepository {
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
    }
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
