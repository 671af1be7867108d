//! The actions a plan can take: a [`Step`] is one component's step, each
//! defined in its component's module.
//!
//! Steps name the resources they act on by [`Ref`]: the id of something that
//! exists, or the key of something an earlier step of the same plan creates.
//! The executor resolves planned keys to ids as steps finish.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Key;
use crate::certificate::CertificateStep;
use crate::database::DatabaseStep;
use crate::dns::DnsStep;
use crate::iam::IamStep;
use crate::load_balancer::LoadBalancerStep;
use crate::logs::LogsStep;
use crate::migration::MigrationStep;
use crate::network::NetworkStep;
use crate::plan::Component;
use crate::registry::RegistryStep;
use crate::service::ServiceStep;
use crate::web::WebStep;

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

/// One AWS action, of one component. Every step is idempotent: the runner
/// treats "already exists / already associated" answers (matched by error
/// code) as success, and every created resource is tagged at creation, so a
/// crash between two steps is healed by the next `observe` + `plan`.
///
/// Create steps tag the resource with `Name` = the change's name and the
/// ownership tags; the id they return becomes the change's id for later
/// steps.
///
/// In JSON a step is its component's step as it is (`{"action":
/// "create_vpc", ...}`): actions are unique across components, so saved
/// plans read the same as before steps were grouped by component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Step {
    Network(NetworkStep),
    Database(DatabaseStep),
    Registry(RegistryStep),
    Logs(LogsStep),
    Iam(IamStep),
    LoadBalancer(LoadBalancerStep),
    Certificate(CertificateStep),
    Dns(DnsStep),
    Service(ServiceStep),
    Migration(MigrationStep),
    Web(WebStep),
}

macro_rules! component_steps {
    ($($variant:ident($inner:ty)),* $(,)?) => {
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

component_steps!(
    Network(NetworkStep),
    Database(DatabaseStep),
    Registry(RegistryStep),
    Logs(LogsStep),
    Iam(IamStep),
    LoadBalancer(LoadBalancerStep),
    Certificate(CertificateStep),
    Dns(DnsStep),
    Service(ServiceStep),
    Migration(MigrationStep),
    Web(WebStep),
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
