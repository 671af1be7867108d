//! What `awsdeploy rollback` reads: the API family's active revisions, and
//! the image of the one it goes back to (still in the repository?).

use awsdeploy_plan::service::rollback::Target;

use crate::error::sdk;
use crate::{AwsError, Clients, registry};

/// ARNs of the family's active revisions (`ListTaskDefinitions`).
pub(crate) async fn active_revisions(
    clients: &Clients,
    family: &str,
) -> Result<Vec<String>, AwsError> {
    let mut arns = Vec::new();
    let mut pages = clients
        .ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk("ListTaskDefinitions", family))?;
        // The prefix also matches longer families (`shop-dev-api-x`).
        arns.extend(
            page.task_definition_arns()
                .iter()
                .filter(|arn| {
                    awsdeploy_plan::service::revision_label(arn)
                        .rsplit_once(':')
                        .is_some_and(|(f, _)| f == family)
                })
                .cloned(),
        );
    }
    Ok(arns)
}

/// The image the first container of task definition `arn` runs
/// (`DescribeTaskDefinition`).
pub(crate) async fn image_of(clients: &Clients, arn: &str) -> Result<Option<String>, AwsError> {
    let out = clients
        .ecs
        .describe_task_definition()
        .task_definition(arn)
        .send()
        .await
        .map_err(sdk("DescribeTaskDefinition", arn))?;
    Ok(out
        .task_definition()
        .and_then(|td| td.container_definitions().first())
        .and_then(|c| c.image())
        .map(str::to_owned))
}

/// The revision `arn` as a rollback target: its image, and whether that
/// image is still in `repository` (`name`, `uri`) when it comes from there.
pub(crate) async fn target(
    clients: &Clients,
    arn: &str,
    repository: Option<(&str, &str)>,
) -> Result<Target, AwsError> {
    let image = image_of(clients, arn).await?.unwrap_or_default();
    let tag = repository.and_then(|(name, uri)| {
        let tag = image.strip_prefix(uri)?.strip_prefix(':')?;
        Some((name, tag))
    });
    let image_present = match tag {
        Some((name, tag)) => Some(registry::image_present(&clients.ecr, name, tag).await?),
        None => None,
    };
    Ok(Target {
        arn: arn.to_owned(),
        image,
        image_present,
    })
}
