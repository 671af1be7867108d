//! The components, in one list: each is a [`Component`] (its tag), a
//! [`Step`] variant holding its own step type (defined in its module), a part
//! of what is [`Live`], and a call in [`plan_with`], in the order components
//! depend on each other. Adding a component is one line in `components!` and
//! its lines here; the compiler points at every `match` that must route it.
//!
//! Steps name the resources they act on by [`Ref`]: the id of something that
//! exists, or the key of something an earlier step of the same plan creates.
//! The executor resolves planned keys to ids as steps finish.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use awsdeploy_spec::Spec;

use crate::alarms::AlarmsStep;
use crate::certificate::CertificateStep;
use crate::database::DatabaseStep;
use crate::dns::DnsStep;
use crate::iam::IamStep;
use crate::load_balancer::LoadBalancerStep;
use crate::logs::LogsStep;
use crate::migration::MigrationStep;
use crate::network::NetworkStep;
use crate::pipeline::PipelineStep;
use crate::registry::RegistryStep;
use crate::service::ServiceStep;
use crate::web::WebStep;
use crate::{
    Action, Key, Options, PLAN_FORMAT_VERSION, Plan, PlanError, ResourceKind, alarms, database,
    iam, live, logs, lookups, network, pipeline, registry, service, web,
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
    ($($variant:ident($inner:ty) = $name:literal),* $(,)?) => {
        /// The component a resource belongs to (its `awsdeploy:component`
        /// tag).
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            JsonSchema,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum Component {
            $($variant,)*
        }

        impl Component {
            /// Its name: the `awsdeploy:component` tag and the prefix of its
            /// changes' keys.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Component::$variant => $name,)*
                }
            }

            /// The component named `name`.
            pub fn named(name: &str) -> Option<Component> {
                match name {
                    $($name => Some(Component::$variant),)*
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
            pub fn component(&self) -> Component {
                match self {
                    $(Step::$variant(_) => Component::$variant,)*
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
    Network(NetworkStep) = "network",
    Database(DatabaseStep) = "database",
    Registry(RegistryStep) = "registry",
    Logs(LogsStep) = "logs",
    Iam(IamStep) = "iam",
    LoadBalancer(LoadBalancerStep) = "load_balancer",
    Certificate(CertificateStep) = "certificate",
    Dns(DnsStep) = "dns",
    Service(ServiceStep) = "service",
    Migration(MigrationStep) = "migration",
    Web(WebStep) = "web",
    Alarms(AlarmsStep) = "alarms",
    Pipeline(PipelineStep) = "pipeline",
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

/// [`plan`], with the command line's options. Components are planned in
/// dependency order; each reads what the ones before it planned.
pub fn plan_with(
    spec: &Spec,
    region: &str,
    live: &Live,
    options: &Options,
) -> Result<Plan, PlanError> {
    let desired_network = network::desired(spec, &live.network.availability_zones)?;
    let network = network::plan(&desired_network, &live.network)?;
    let database = database::plan(
        database::desired(spec).as_ref(),
        &live.database,
        &network.refs,
    )?;
    let database_changing = database.changes.iter().any(|c| {
        c.kind == ResourceKind::DbInstance && matches!(c.action, Action::Create | Action::Replace)
    });
    let mut all = network.plan;
    all.merge(database);
    all.merge(registry::plan(spec, &live.account)?);
    all.merge(logs::plan(spec, &live.account)?);
    all.merge(iam::plan(spec, region, &live.account)?);
    all.merge(pipeline::plan(spec, region, &live.account, &live.pipeline)?);
    let planned: Vec<Key> = all.changes.iter().map(|c| c.key.clone()).collect();
    all.merge(service::plan(&service::Context {
        spec,
        region,
        live,
        network: &network.refs,
        planned: &planned,
        egress: &network.egress,
        policy: options.migrate,
        database_changing,
    })?);
    let planned: Vec<Key> = all.changes.iter().map(|c| c.key.clone()).collect();
    all.merge(web::plan(
        spec,
        &live.web,
        live.service.zone.as_ref(),
        options.web_artifact.as_ref(),
        &planned,
    )?);
    let (load_balancer, target_group) = alarms::watched(spec, &all, &live.service);
    let desired_alarms = alarms::desired(spec, region, &live.account, load_balancer, target_group)?;
    let alarms = alarms::plan(desired_alarms.as_ref(), &live.alarms)?;
    // The service's deployments name the rollback alarms: they exist first.
    let alarm_keys: Vec<Key> = alarms
        .changes
        .iter()
        .filter(|c| c.kind == ResourceKind::Alarm)
        .map(|c| c.key.clone())
        .collect();
    for change in all
        .changes
        .iter_mut()
        .filter(|c| c.kind == ResourceKind::EcsService)
    {
        *change = change.clone().after(alarm_keys.iter().cloned());
    }
    all.merge(alarms);
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
