//! The plan: what `up` would change, as data that renders for people and
//! serialises to JSON for machines.

use serde::{Deserialize, Serialize};

use crate::step::Step;

/// Version of the JSON form of a plan; bumped on any incompatible change.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// Everything `up` would do for one app and environment, in an order that
/// respects dependencies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub app: String,
    pub env: String,
    pub region: String,
    pub changes: Vec<ResourceChange>,
    /// How many desired resources already match the spec.
    pub unchanged: usize,
    /// Owned resources that the spec no longer describes: shown, never
    /// deleted by `up`.
    pub orphans: Vec<Orphan>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }
}

/// The component a resource belongs to (its `awsdeploy:component` tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    Network,
}

impl Component {
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Network => "network",
        }
    }
}

/// What kind of AWS resource a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Vpc,
    Subnet,
    InternetGateway,
    ElasticIp,
    NatGateway,
    RouteTable,
    Route,
    RouteTableAssociation,
    SecurityGroup,
}

impl ResourceKind {
    /// How people call it, for rendered plans.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "vpc",
            ResourceKind::Subnet => "subnet",
            ResourceKind::InternetGateway => "internet gateway",
            ResourceKind::ElasticIp => "elastic ip",
            ResourceKind::NatGateway => "nat gateway",
            ResourceKind::RouteTable => "route table",
            ResourceKind::Route => "route",
            ResourceKind::RouteTableAssociation => "association",
            ResourceKind::SecurityGroup => "security group",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
}

/// One resource's change: a node of the plan's DAG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// Unique within the plan; other changes depend on it by this key.
    pub key: String,
    pub component: Component,
    pub kind: ResourceKind,
    /// The resource's `Name` tag (or a description for untagged things such
    /// as routes).
    pub name: String,
    pub action: Action,
    /// The id of the live resource this change acts on, when it exists.
    pub id: Option<String>,
    /// What changes, field by field (`old` → `new`).
    pub fields: Vec<FieldChange>,
    /// Keys of changes that must finish first.
    pub depends_on: Vec<String>,
    /// The AWS actions, run in order.
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl FieldChange {
    pub fn new(
        field: &str,
        old: Option<impl Into<String>>,
        new: Option<impl Into<String>>,
    ) -> Self {
        FieldChange {
            field: field.to_owned(),
            old: old.map(Into::into),
            new: new.map(Into::into),
        }
    }
}

/// An owned resource the spec no longer describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Orphan {
    pub component: Component,
    pub kind: ResourceKind,
    pub name: String,
    pub id: String,
}
