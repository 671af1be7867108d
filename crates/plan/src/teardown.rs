//! `awsdeploy down`: the plan that deletes everything awsdeploy owns for an
//! app and environment, found by its tags as `up` finds it.
//!
//! Each component says how its own resources go (its `teardown`); this
//! module orders the components, the reverse of how they are made: the web
//! app, the API's DNS record and the ECS service first; the load balancer
//! once no task is behind it, the certificate once no listener uses it; the
//! database, registry, log group and roles once the service is gone; the
//! network last. The executor runs it as it runs `up`'s plans, so an
//! interrupted `down` is finished by the next: what is gone is not observed
//! again, and every delete treats "already gone" as done.
//!
//! What holds data goes only with `delete_data`: without it a database
//! stops the plan before anything changes (the network cannot go while it
//! stands), and the repository and log group are kept, with a warning.

use awsdeploy_spec::Spec;

use crate::component::{Purpose, TeardownContext};
use crate::{COMPONENTS, ComponentId, ComponentPlan, Key, Live, Plan, PlanError};

/// What `down` may delete.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TeardownOptions {
    /// The database (after a final snapshot), the repository with its
    /// images, and the log group.
    pub delete_data: bool,
}

/// The plan that deletes what `live` holds of `spec`'s app and env: every
/// component's deletes, each after the deletes of the components it says
/// it waits for ([`crate::Component::deleted_after`]).
pub fn teardown(
    spec: &Spec,
    region: &str,
    live: &Live,
    options: TeardownOptions,
) -> Result<Plan, PlanError> {
    let cx = TeardownContext {
        app: &spec.app.name,
        env: &spec.env,
        live,
        delete_data: options.delete_data,
    };
    let parts = COMPONENTS
        .iter()
        .map(|component| component.teardown(&cx))
        .collect::<Result<Vec<ComponentPlan>, PlanError>>()?;
    let keys_of = |component: ComponentId| -> Vec<Key> {
        parts
            .iter()
            .flat_map(|p| &p.changes)
            .filter(|c| c.component == component)
            .map(|c| c.key.clone())
            .collect()
    };
    let mut all = ComponentPlan::default();
    for part in &parts {
        let mut part = part.clone();
        part.changes = part
            .changes
            .into_iter()
            .map(|change| {
                let before: Vec<Key> = change
                    .component
                    .component()
                    .deleted_after()
                    .iter()
                    .flat_map(|c| keys_of(*c))
                    .collect();
                change.after(before)
            })
            .collect();
        all.merge(part);
    }
    let mut plan = Plan::of(
        spec,
        region,
        live,
        ComponentPlan {
            unchanged: 0,
            orphans: Vec::new(),
            ..all
        },
    );
    // What `down` looks up, wider than `up`'s.
    plan.lookups = lookups(spec);
    Ok(plan)
}

/// What `down` observes: everything a stack of this app and env can own,
/// whatever the spec still describes (a section removed since `up` does not
/// hide what it made).
pub fn lookups(spec: &Spec) -> crate::live::Lookups {
    crate::lookups_for(spec, Purpose::Down)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::execute;
    use crate::fake_cloud::FakeCloud;
    use crate::live::{LiveDbInstance, LiveRepository};
    use crate::{Action, ResourceChange};

    fn spec() -> Spec {
        Spec::parse(
            "[app]\nname = \"shop\"\n[network]\ncidr = \"10.20.0.0/16\"\nazs = 2\nnat = \"single\"\n",
            "test.toml",
            "dev",
        )
        .unwrap()
    }

    /// What `up` of the network leaves, and a database and repository.
    fn live() -> Live {
        let cloud = FakeCloud::new(&["ap-northeast-1a", "ap-northeast-1c"]);
        let plan = crate::plan(
            &spec(),
            "r",
            &Live {
                network: cloud.network.borrow().clone(),
                ..Live::default()
            },
        )
        .unwrap();
        let report = futures_util::FutureExt::now_or_never(execute(
            &plan,
            &cloud,
            4,
            std::future::pending(),
            |_| {},
        ))
        .unwrap();
        assert!(report.succeeded(), "{report:?}");
        let mut live = Live {
            network: cloud.network.borrow().clone(),
            ..Live::default()
        };
        live.database.instance = Some(LiveDbInstance {
            identifier: "shop-dev-db".to_owned(),
            owned: true,
            deletion_protection: true,
            ..LiveDbInstance::example()
        });
        live.account.repository = Some(LiveRepository {
            name: "shop/dev/api".to_owned(),
            owned: true,
            arn: "arn".to_owned(),
            uri: "uri".to_owned(),
            tags_immutable: true,
            scan_on_push: true,
            lifecycle_policy: None,
        });
        live
    }

    fn change<'a>(plan: &'a Plan, name: &str) -> &'a ResourceChange {
        plan.changes
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no change for {name}"))
    }

    fn after(plan: &Plan, name: &str, first: &str) -> bool {
        change(plan, name)
            .depends_on
            .contains(&change(plan, first).key)
    }

    #[test]
    fn a_database_stops_down_before_anything_without_delete_data() {
        let err = teardown(&spec(), "r", &live(), TeardownOptions::default()).unwrap_err();
        assert!(err.to_string().contains("shop-dev-db"), "{err}");
        assert!(err.to_string().contains("deletion protection"), "{err}");
        assert!(err.hint().contains("--delete-data"), "{}", err.hint());
    }

    #[test]
    fn everything_is_deleted_in_reverse_order_and_the_network_last() {
        let options = TeardownOptions { delete_data: true };
        let plan = teardown(&spec(), "r", &live(), options).unwrap();
        assert!(plan.changes.iter().all(|c| c.action == Action::Delete));
        assert!(
            after(&plan, "shop-dev-vpc", "shop-dev-db"),
            "the VPC waits for the database"
        );
        assert!(after(&plan, "shop-dev-vpc", "shop-dev-public-1"));
        assert!(after(&plan, "shop-dev-nat-1-ip", "shop-dev-nat-1"));
        assert!(after(&plan, "shop-dev-igw", "shop-dev-nat-1-ip"));
        assert!(after(&plan, "shop-dev-public-1", "shop-dev-nat-1"));
        // lb ← service ← db: each group after the groups whose rules name it.
        assert!(after(&plan, "shop-dev-lb", "shop-dev-service"));
        assert!(after(&plan, "shop-dev-service", "shop-dev-db"));
        assert!(
            plan.warnings.is_empty(),
            "with --delete-data nothing is kept: {:?}",
            plan.warnings
        );
    }

    #[test]
    fn without_delete_data_the_repository_is_kept_and_said_so() {
        let mut live = live();
        live.database = crate::live::LiveDatabase::default();
        let plan = teardown(&spec(), "r", &live, TeardownOptions::default()).unwrap();
        assert!(plan.changes.iter().all(|c| c.name != "shop/dev/api"));
        assert!(
            plan.warnings
                .iter()
                .any(|w| w.contains("shop/dev/api") && w.contains("--delete-data")),
            "{:?}",
            plan.warnings
        );
    }
}
