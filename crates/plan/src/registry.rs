//! The registry (`[registry]`): the ECR repository the service's image
//! comes from, `{app}/{env}/{repository}`, tags immutable, scan on push, a
//! lifecycle policy keeping the newest `keep_images`.
//!
//! Found by name; it must carry this app's and env's tags. An image tag the
//! spec names that is not in the existing repository stops the plan before
//! anything changes.

use awsdeploy_spec::Spec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext};
use crate::live::{LiveAccount, LiveRepository, Lookups};
use crate::plan::{Action, ComponentPlan, FieldChange, ResourceChange, ResourceKind};
use crate::reconcile::{Change, Desired};
use crate::status::Status;
use crate::{ComponentId, ComponentStep, Key, PlanError, Ref, names};

/// The ECR repository (`[registry]`).
pub struct Registry;

impl Component for Registry {
    fn id(&self) -> ComponentId {
        ComponentId::Registry
    }

    fn sections(&self) -> &'static [&'static str] {
        &["registry"]
    }

    fn lookups(&self, spec: &Spec, purpose: Purpose, lookups: &mut Lookups) {
        lookups.repository = match purpose {
            Purpose::Up => repository_name(spec),
            // The default name when the section is gone: the one it had.
            Purpose::Down => Some(repository_name(spec).unwrap_or_else(|| {
                names::repository_name(
                    &spec.app.name,
                    &spec.env,
                    awsdeploy_spec::defaults::REGISTRY_REPOSITORY,
                )
            })),
        };
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        plan(cx.spec, &cx.live.account)
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(teardown(&cx.live.account, cx.delete_data))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        &[ComponentId::Service]
    }

    fn policy(&self, cx: &PolicyContext<'_>) -> Vec<Statement> {
        // Every repository of the app and env, whatever
        // registry.repository names it.
        let repositories = vec![cx.arn(
            "ecr",
            &format!("repository/{}*", names::repository_prefix(cx.app, cx.env)),
        )];
        let mut statements = vec![Statement::new(
            "Registry",
            &[
                "ecr:CreateRepository",
                "ecr:DeleteRepository",
                "ecr:DescribeImages",
                "ecr:DescribeRepositories",
                "ecr:GetLifecyclePolicy",
                "ecr:ListTagsForResource",
                "ecr:PutImageScanningConfiguration",
                "ecr:PutImageTagMutability",
                "ecr:PutLifecyclePolicy",
                "ecr:TagResource",
            ],
            repositories.clone(),
        )];
        if cx.push {
            // GetAuthorizationToken takes no resource: AWS requires "*".
            statements.push(Statement::anywhere(
                "RegistryLogin",
                &["ecr:GetAuthorizationToken"],
            ));
            statements.push(Statement::new(
                "PushImage",
                &[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:CompleteLayerUpload",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:InitiateLayerUpload",
                    "ecr:PutImage",
                    "ecr:UploadLayerPart",
                ],
                repositories,
            ));
        }
        statements
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        vec![cx.arn(
            "ecr",
            &format!(
                "repository/{}",
                names::repository_name(
                    cx.app,
                    cx.env,
                    awsdeploy_spec::defaults::REGISTRY_REPOSITORY
                )
            ),
        )]
    }

    fn status(&self, _cx: &StatusContext<'_>, _status: &mut Status) {
        // Nothing of its own: the service's status shows the image.
    }

    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>) {
        let Some(registry) = cx.spec.registry.as_ref() else {
            return;
        };
        bill.usage(
            "image storage",
            "ecr.storage.gb_month",
            &format!(
                "per GB of the images the lifecycle policy keeps (the newest {}); layers shared between images are stored once",
                registry.keep_images
            ),
        );
    }
}

/// The repository `[registry]` asks for, if it does.
pub fn repository_name(spec: &Spec) -> Option<String> {
    let registry = spec.registry.as_ref()?;
    Some(names::repository_name(
        &spec.app.name,
        &spec.env,
        &registry.repository,
    ))
}

/// The repository's ARN, for the policies that pull from it.
pub fn repository_arn(
    spec: &Spec,
    region: &str,
    live: &LiveAccount,
) -> Result<Option<String>, PlanError> {
    let Some(name) = repository_name(spec) else {
        return Ok(None);
    };
    Ok(Some(format!(
        "arn:{}:ecr:{region}:{}:repository/{name}",
        live.partition(),
        live.account()?
    )))
}

/// The lifecycle policy that keeps the newest `keep` images.
pub fn lifecycle_policy(keep: u32) -> String {
    crate::iam::canonical(&json!({
        "rules": [{
            "rulePriority": 1,
            "description": format!("awsdeploy: keep the newest {keep} images"),
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": keep
            },
            "action": { "type": "expire" }
        }]
    }))
}

/// Compares the spec's repository with the live one.
pub fn plan(spec: &Spec, live: &LiveAccount) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let (Some(registry), Some(name)) = (spec.registry.as_ref(), repository_name(spec)) else {
        return Ok(out);
    };
    let policy = lifecycle_policy(registry.keep_images);
    let keep = registry.keep_images;
    let key = Key::named(ComponentId::Registry, name.clone());
    let desired = Desired::new(key, ResourceKind::Repository, &name);
    let create = || {
        Change::new(
            vec![RegistryStep::CreateRepository {
                name: name.clone(),
                lifecycle_policy: policy.clone(),
            }],
            vec![
                FieldChange::set("tags", "immutable"),
                FieldChange::set("scan_on_push", "true"),
                FieldChange::set("keep_images", keep.to_string()),
            ],
        )
    };
    let update = |repo: &LiveRepository| {
        let mut fields = Vec::new();
        if !repo.tags_immutable {
            fields.push(FieldChange::new("tags", Some("mutable"), Some("immutable")));
        }
        if !repo.scan_on_push {
            fields.push(FieldChange::new(
                "scan_on_push",
                Some("false"),
                Some("true"),
            ));
        }
        if repo.lifecycle_policy.as_deref() != Some(policy.as_str()) {
            let now = if repo.lifecycle_policy.is_some() {
                "other"
            } else {
                "none"
            };
            fields.push(FieldChange::new(
                "lifecycle_policy",
                Some(now),
                Some(format!("keep the newest {keep}")),
            ));
        }
        let steps = vec![RegistryStep::ConfigureRepository {
            name: name.clone(),
            lifecycle_policy: policy.clone(),
        }];
        (Change::new(steps, fields), Some(name.clone()))
    };
    let live_repository = live.repository.as_ref();
    desired.reconcile(
        &mut out,
        live_repository.map(|r| (r, r.owned)),
        create,
        update,
    )?;
    if let (Some(repo), Some(tag), Some(false)) = (
        live_repository,
        spec.service.as_ref().and_then(|s| s.image_tag.as_ref()),
        live.image_present,
    ) {
        return Err(PlanError::MissingImage {
            uri: repo.uri.clone(),
            tag: tag.clone(),
        });
    }
    Ok(out)
}

/// The actions of the registry component: ECR: the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RegistryStep {
    /// `CreateRepository` (tags immutable, scan on push), then
    /// `PutLifecyclePolicy`. The id is its name.
    CreateRepository {
        name: String,
        lifecycle_policy: String,
    },
    /// Tags immutable, scan on push and the lifecycle policy, set again.
    ConfigureRepository {
        name: String,
        lifecycle_policy: String,
    },
    /// `DeleteRepository` with its images (`force`); already gone is
    /// success.
    DeleteRepository { name: String },
}

impl ComponentStep for RegistryStep {
    fn refs(&self) -> Vec<&Ref> {
        vec![]
    }

    fn creates(&self) -> bool {
        matches!(self, RegistryStep::CreateRepository { .. })
    }
}

/// `down`: the repository and its images, only with `delete_data`.
pub(crate) fn teardown(live: &LiveAccount, delete_data: bool) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    if let Some(repo) = live.repository.as_ref().filter(|r| r.owned) {
        if delete_data {
            out.push(
                ResourceChange::new(
                    Key::named(ComponentId::Registry, repo.name.clone()),
                    ResourceKind::Repository,
                    &repo.name,
                    Action::Delete,
                    vec![RegistryStep::DeleteRepository {
                        name: repo.name.clone(),
                    }],
                )
                .on(Some(&repo.name)),
            );
        } else {
            out.warnings.push(format!(
                "the repository {} and its images are kept; `awsdeploy down --delete-data` deletes them",
                repo.name
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::tests::{live, spec};
    use crate::live::LiveRepository;

    #[test]
    fn a_missing_image_is_an_error_only_once_the_repository_exists() {
        let spec = spec("image_tag = \"v1\"");
        assert!(
            plan(&spec, &live()).is_ok(),
            "first up: the repository is created"
        );
        let mut live = live();
        live.repository = Some(LiveRepository {
            name: "shop/dev/api".to_owned(),
            owned: true,
            arn: "arn".to_owned(),
            uri: "111122223333.dkr.ecr.r.amazonaws.com/shop/dev/api".to_owned(),
            tags_immutable: true,
            scan_on_push: true,
            lifecycle_policy: Some(lifecycle_policy(30)),
        });
        live.image_present = Some(false);
        let err = plan(&spec, &live).unwrap_err();
        assert!(
            err.hint()
                .contains("docker push 111122223333.dkr.ecr.r.amazonaws.com/shop/dev/api:v1"),
            "{}",
            err.hint()
        );
        live.image_present = Some(true);
        assert!(plan(&spec, &live).is_ok());
    }
}
