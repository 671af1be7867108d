//! The components, in one list (`components!`): each line is a
//! [`ComponentId`] (its tag), a [`Step`] variant holding its own step type,
//! and the type implementing [`Component`] (all three in its module), in
//! the order components are made. [`COMPONENTS`], [`plan_with`], teardown,
//! lookups, the policy and `status` iterate it; the compiler points at
//! every `match` that must route a new step type.
//!
//! Steps name the resources they act on by [`Ref`]: the id of something that
//! exists, or the key of something an earlier step of the same plan creates.
//! The executor resolves planned keys to ids as steps finish.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use awsdeploy_spec::Spec;

use crate::component::{Component, PlanContext, resolve};
use crate::{
    ComponentPlan, Key, Options, PLAN_FORMAT_VERSION, Plan, PlanError, alarms, certificate,
    database, dns, iam, live, load_balancer, logs, lookups, migration, network, pipeline, registry,
    service, web,
};

/// A resource a step acts on or points at.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Ref {
    /// An AWS id observed live, e.g. `vpc-0abc`.
    Existing(String),
    /// The key of a resource this plan creates; resolved once it exists.
    Planned(Key),
}

impl Ref {
    /// The key this ref waits for, if it points at a planned resource.
    pub fn planned_key(&self) -> Option<&Key> {
        match self {
            Ref::Existing(_) => None,
            Ref::Planned(key) => Some(key),
        }
    }
}

/// What the planner and the executor know of every component's steps.
pub trait ComponentStep {
    /// Every ref this step reads, for dependency checks.
    fn refs(&self) -> Vec<&Ref>;

    /// Whether this step creates the change's resource (its id becomes the
    /// change's id).
    fn creates(&self) -> bool;

    /// Whether this step only waits for AWS to finish something it has
    /// been asked to do: Ctrl-C may abandon it, as AWS goes on regardless.
    fn is_wait(&self) -> bool {
        false
    }

    /// For a wait: how to follow it when awsdeploy stops waiting.
    fn how_to_follow(&self) -> Option<String> {
        None
    }
}

macro_rules! components {
    ($($variant:ident($inner:ty, $component:expr) = $name:literal),* $(,)?) => {
        /// The component a resource belongs to (its `awsdeploy:component`
        /// tag).
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            JsonSchema,
        )]
        #[serde(rename_all = "snake_case")]
        #[schemars(rename = "Component")]
        pub enum ComponentId {
            $($variant,)*
        }

        /// Every component, in the order they are made.
        pub static COMPONENTS: &[&dyn Component] = &[$(&$component,)*];

        impl ComponentId {
            /// Every id, in the list's order.
            pub const ALL: &[ComponentId] = &[$(ComponentId::$variant,)*];

            /// The component it names.
            pub fn component(self) -> &'static dyn Component {
                match self {
                    $(ComponentId::$variant => &$component,)*
                }
            }

            /// Its name: the `awsdeploy:component` tag and the prefix of its
            /// changes' keys.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ComponentId::$variant => $name,)*
                }
            }

            /// The component named `name`.
            pub fn named(name: &str) -> Option<ComponentId> {
                match name {
                    $($name => Some(ComponentId::$variant),)*
                    _ => None,
                }
            }
        }

        /// One AWS action, of one component. Every step is idempotent: the
        /// runner treats "already exists / already associated" answers
        /// (matched by error code) as success, and every created resource is
        /// tagged at creation, so a crash between two steps is healed by the
        /// next `observe` + `plan`.
        ///
        /// Create steps tag the resource with `Name` = the change's name and
        /// the ownership tags; the id they return becomes the change's id for
        /// later steps.
        ///
        /// In JSON a step is its component's step as it is (`{"action":
        /// "create_vpc", ...}`): actions are unique across components, so
        /// saved plans read the same as before steps were grouped by
        /// component.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
        #[serde(untagged)]
        pub enum Step {
            $($variant($inner),)*
        }

        $(impl From<$inner> for Step {
            fn from(step: $inner) -> Step {
                Step::$variant(step)
            }
        })*

        impl Step {
            /// The component whose API this step calls.
            pub fn component(&self) -> ComponentId {
                match self {
                    $(Step::$variant(_) => ComponentId::$variant,)*
                }
            }

            fn inner(&self) -> &dyn ComponentStep {
                match self {
                    $(Step::$variant(step) => step,)*
                }
            }
        }
    };
}

components!(
    Network(network::NetworkStep, network::Network) = "network",
    Database(database::DatabaseStep, database::Database) = "database",
    Registry(registry::RegistryStep, registry::Registry) = "registry",
    Logs(logs::LogsStep, logs::Logs) = "logs",
    Iam(iam::IamStep, iam::Iam) = "iam",
    LoadBalancer(load_balancer::LoadBalancerStep, load_balancer::LoadBalancer) = "load_balancer",
    Certificate(certificate::CertificateStep, certificate::Certificate) = "certificate",
    Dns(dns::DnsStep, dns::Dns) = "dns",
    Service(service::ServiceStep, service::Service) = "service",
    Migration(migration::MigrationStep, migration::Migration) = "migration",
    Web(web::WebStep, web::Web) = "web",
    Alarms(alarms::AlarmsStep, alarms::Alarms) = "alarms",
    Pipeline(pipeline::PipelineStep, pipeline::Pipeline) = "pipeline",
);

impl Step {
    /// Every ref this step reads, for dependency checks.
    pub fn refs(&self) -> Vec<&Ref> {
        self.inner().refs()
    }

    /// Whether this step creates the change's resource (its id becomes the
    /// change's id).
    pub fn creates(&self) -> bool {
        self.inner().creates()
    }

    /// Whether this step only waits for AWS to finish something it has
    /// been asked to do: Ctrl-C may abandon it, as AWS goes on regardless.
    pub fn is_wait(&self) -> bool {
        self.inner().is_wait()
    }

    /// For a wait: how to follow it when awsdeploy stops waiting.
    pub fn how_to_follow(&self) -> Option<String> {
        self.inner().how_to_follow()
    }
}

/// Everything observed live for one app and environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Live {
    pub network: live::LiveNetwork,
    #[serde(default)]
    pub database: live::LiveDatabase,
    #[serde(default)]
    /// Serialised as `support`, its name when saved plans' fingerprints
    /// were first taken.
    #[serde(rename = "support")]
    pub account: live::LiveAccount,
    #[serde(default)]
    pub service: live::LiveServiceTier,
    #[serde(default)]
    pub web: live::LiveWeb,
    /// Left out when there is nothing, so fingerprints of stacks without
    /// alarms stay what they were before the component existed.
    #[serde(default, skip_serializing_if = "alarms::LiveAlarms::is_empty")]
    pub alarms: alarms::LiveAlarms,
    /// Left out when there is nothing, as `alarms`.
    #[serde(default, skip_serializing_if = "pipeline::LivePipeline::is_empty")]
    pub pipeline: pipeline::LivePipeline,
}

impl Live {
    /// SHA-256 (hex) of the observed state, independent of the order AWS
    /// listed things in: equal fingerprints mean nothing awsdeploy looks at
    /// has changed.
    pub fn fingerprint(&self) -> String {
        let mut canonical = self.clone();
        canonical.network.sort();
        canonical.database.sort();
        canonical.account.sort();
        canonical.service.sort();
        canonical.web.sort();
        canonical.alarms.sort();
        canonical.pipeline.sort();
        let json = serde_json::to_vec(&canonical).unwrap_or_default();
        awsdeploy_spec::artifact::sha256_hex(&json)
    }
}

/// The plan that makes `live` match `spec` in `region`.
pub fn plan(spec: &Spec, region: &str, live: &Live) -> Result<Plan, PlanError> {
    plan_with(spec, region, live, &Options::default())
}

/// [`plan`], with the command line's options: every component plans
/// against the same context, then the plan's late references are resolved
/// ([`resolve`]).
pub fn plan_with(
    spec: &Spec,
    region: &str,
    live: &Live,
    options: &Options,
) -> Result<Plan, PlanError> {
    let cx = PlanContext::new(spec, region, live, options)?;
    let mut all = ComponentPlan::default();
    for component in COMPONENTS {
        all.merge(component.plan(&cx)?);
    }
    resolve(&mut all)?;
    all.warnings = spec.warnings().into_iter().chain(all.warnings).collect();
    Ok(Plan::of(spec, region, live, all))
}

impl Plan {
    /// The plan of `part` for `spec`'s app and env in `region`, made from
    /// what `live` showed (its fingerprint, and what was looked up).
    pub(crate) fn of(spec: &Spec, region: &str, live: &Live, part: crate::ComponentPlan) -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            app: spec.app.name.clone(),
            env: spec.env.clone(),
            region: region.to_owned(),
            fingerprint: live.fingerprint(),
            changes: part.changes,
            unchanged: part.unchanged,
            orphans: part.orphans,
            warnings: part.warnings,
            lookups: lookups(spec),
        }
    }
}
