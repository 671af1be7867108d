//! Steps, and the macro that makes the one list of components: each line
//! of `components!` (in the crate's root) is a [`ComponentId`] (its tag), a
//! [`Step`] variant holding its own step type, and the type implementing
//! [`crate::Component`], in the order components are made; it expands to
//! `ComponentId`, `Step` and [`crate::COMPONENTS`], which the plan,
//! teardown, lookups, the policy and `status` iterate. The compiler points
//! at every `match` that must route a new step type.
//!
//! Steps name the resources they act on by [`Ref`]: the id of something that
//! exists, or the key of something an earlier step of the same plan creates.
//! The executor resolves planned keys to ids as steps finish.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Key, Step};

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

/// The one list's expansion: `ComponentId`, `Step` and `COMPONENTS` from
/// one line per component (invoked in the crate's root, `lib.rs`).
macro_rules! components {
    ($($variant:ident($inner:ty, $component:expr) = $name:literal),* $(,)?) => {
        /// The component a resource belongs to (its `awsdeploy:component`
        /// tag).
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize,
            ::serde::Deserialize, ::schemars::JsonSchema,
        )]
        #[serde(rename_all = "snake_case")]
        #[schemars(rename = "Component")]
        pub enum ComponentId {
            $($variant,)*
        }

        /// Every component, in the order they are made.
        pub static COMPONENTS: &[&dyn $crate::Component] = &[$(&$component,)*];

        impl ComponentId {
            /// Every id, in the list's order.
            pub const ALL: &[ComponentId] = &[$(ComponentId::$variant,)*];

            /// The component it names.
            pub fn component(self) -> &'static dyn $crate::Component {
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
        #[derive(
            Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize,
            ::schemars::JsonSchema,
        )]
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

            fn inner(&self) -> &dyn $crate::ComponentStep {
                match self {
                    $(Step::$variant(step) => step,)*
                }
            }
        }
    };
}
pub(crate) use components;

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
