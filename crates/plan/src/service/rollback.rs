//! `awsdeploy rollback`: the API back to the revision that served before
//! the one serving now (or a chosen one), as a plan of the same kind as
//! `up`'s: one update of the ECS service and its rollout wait. It never
//! runs the migration: the database stays at its schema version.

use awsdeploy_spec::Spec;

use super::{SERVICE_NAME, cluster_name, family, revision_label};
use crate::Live;
use crate::key::Key;
use crate::{
    Action, ComponentPlan, FieldChange, Plan, PlanError, Ref, ResourceChange, ResourceKind,
    ServiceStep,
};

/// The revision a rollback goes to, as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub arn: String,
    /// Its container's image.
    pub image: String,
    /// Whether that image is still in the stack's repository; `None` when
    /// it is not in the repository (an image from elsewhere): not checked.
    pub image_present: Option<bool>,
}

/// The `family:revision` number of a task definition ARN.
fn number(arn: &str) -> Option<u32> {
    revision_label(arn).rsplit(':').next()?.parse().ok()
}

/// The revision to go back to, of the `active` ones (ARNs of the API's
/// family): `to` when given, else the newest older than the `serving` one.
pub fn choose(serving: &str, active: &[String], to: Option<u32>) -> Result<String, PlanError> {
    let refuse = |problem: String, hint: &str| PlanError::Conflict {
        kind: ResourceKind::EcsService,
        name: SERVICE_NAME.to_owned(),
        problem,
        hint: hint.to_owned(),
    };
    let current = number(serving);
    let found = match to {
        Some(wanted) if Some(wanted) == current => {
            return Err(refuse(
                format!("already serves {}", revision_label(serving)),
                "nothing to roll back; name another revision with --to REVISION",
            ));
        }
        Some(wanted) => active.iter().find(|arn| number(arn) == Some(wanted)),
        None => active
            .iter()
            .filter(|arn| number(arn).zip(current).is_some_and(|(n, c)| n < c))
            .max_by_key(|arn| number(arn)),
    };
    found.cloned().ok_or_else(|| {
        let revisions: Vec<String> = active.iter().map(|arn| revision_label(arn)).collect();
        refuse(
            match to {
                Some(wanted) => format!("has no active revision {wanted} to roll back to"),
                None => format!(
                    "has no active revision older than {} to roll back to",
                    revision_label(serving)
                ),
            },
            &format!(
                "active revisions: {}; name one with --to REVISION",
                if revisions.is_empty() {
                    "none".to_owned()
                } else {
                    revisions.join(", ")
                }
            ),
        )
    })
}

/// The rollback's plan: the service updated to `target`, and its rollout
/// waited for as `up` waits. Refused when the spec has no service, none is
/// live, or the target's image is gone from the repository.
pub fn plan(spec: &Spec, region: &str, live: &Live, target: &Target) -> Result<Plan, PlanError> {
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let no_service = || PlanError::Conflict {
        kind: ResourceKind::EcsService,
        name: SERVICE_NAME.to_owned(),
        problem: "is not deployed: there is nothing to roll back".to_owned(),
        hint: "deploy an image first with `awsdeploy up --image-tag TAG`".to_owned(),
    };
    let settings = spec.service.as_ref().ok_or_else(no_service)?;
    let serving = live.service.service.as_ref().ok_or_else(no_service)?;
    if target.image_present == Some(false) {
        return Err(PlanError::Conflict {
            kind: ResourceKind::TaskDefinition,
            name: revision_label(&target.arn),
            problem: format!(
                "runs {}, which is no longer in the repository (the lifecycle policy expires old images)",
                target.image
            ),
            hint: format!(
                "push that image again, or roll back to a revision whose image is still there with --to REVISION; `aws ecs list-task-definitions --family-prefix {}` lists them",
                family(app, env)
            ),
        });
    }
    let cluster = cluster_name(app, env);
    let to = Ref::Existing(target.arn.clone());
    let change = ResourceChange::new(
        Key::ecs_service(&cluster, SERVICE_NAME),
        ResourceKind::EcsService,
        SERVICE_NAME,
        Action::Update,
        vec![
            ServiceStep::UpdateService {
                cluster: cluster.clone(),
                name: SERVICE_NAME.to_owned(),
                task_definition: Some(to.clone()),
                desired_count: None,
                network: None,
                deployment: None,
                load_balancer: None,
            },
            ServiceStep::WaitForRollout {
                cluster,
                service: SERVICE_NAME.to_owned(),
                task_definition: to,
                timeout_secs: settings.rollout_timeout.0.as_secs()
                    + crate::alarms::deployment_bake_secs(spec),
                shifts_traffic: serving.traffic_shift.is_some(),
                wait_until: crate::WaitPoint::Completed,
            },
        ],
    )
    .on(Some(&serving.arn))
    .with_fields(vec![
        FieldChange::new(
            "task_definition",
            Some(revision_label(&serving.task_definition_arn)),
            Some(revision_label(&target.arn)),
        )
        .noting("rollback"),
        FieldChange::set("image", target.image.clone()),
    ]);
    Ok(Plan::of(
        spec,
        region,
        live,
        ComponentPlan {
            changes: vec![change],
            warnings: vec![
                "a rollback never runs the migration: the database stays at its current schema version"
                    .to_owned(),
            ],
            ..ComponentPlan::default()
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::choose;

    fn arns(numbers: &[u32]) -> Vec<String> {
        numbers
            .iter()
            .map(|n| format!("arn:aws:ecs:r:1:task-definition/shop-dev-api:{n}"))
            .collect()
    }

    #[test]
    fn the_newest_older_revision_is_chosen_or_the_one_named() {
        let active = arns(&[1, 2, 4, 5]);
        let serving = &active[3];
        assert!(choose(serving, &active, None).unwrap().ends_with(":4"));
        assert!(choose(&active[2], &active, None).unwrap().ends_with(":2"));
        assert!(choose(serving, &active, Some(1)).unwrap().ends_with(":1"));
        let gone = choose(serving, &active, Some(3)).unwrap_err();
        assert!(gone.to_string().contains("no active revision 3"), "{gone}");
        assert!(
            gone.hint().contains("shop-dev-api:1, shop-dev-api:2"),
            "{}",
            gone.hint()
        );
        let oldest = choose(&active[0], &active, None).unwrap_err();
        assert!(
            oldest.to_string().contains("older than shop-dev-api:1"),
            "{oldest}"
        );
        assert!(choose(serving, &active, Some(5)).is_err());
    }
}
