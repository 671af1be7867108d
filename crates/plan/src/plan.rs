//! The plan: what `up` would change, as data that renders for people and
//! serialises to JSON for machines ([`crate::planner`] makes it).

use awsdeploy_spec::Spec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::kind::{Action, ResourceKind};
use crate::{ComponentId, Key, Live, Step, lookups};

/// Version of the JSON form of a plan; bumped on any incompatible change.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// Everything `up` would do for one app and environment, in an order that
/// respects dependencies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Plan {
    pub format_version: u32,
    pub app: String,
    pub env: String,
    pub region: String,
    /// SHA-256 of the observed state this plan was made from; a saved plan
    /// is applied only while live still has this fingerprint.
    pub fingerprint: String,
    pub changes: Vec<ResourceChange>,
    /// How many desired resources already match the spec.
    pub unchanged: usize,
    /// Owned resources that the spec no longer describes: shown, never
    /// deleted by `up`.
    pub orphans: Vec<Orphan>,
    /// What the user should know about the result (e.g. plain HTTP).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What observation looked up for this plan; `up --plan` looks up the
    /// same to check the fingerprint.
    #[serde(default)]
    pub lookups: crate::live::Lookups,
    /// The spec's `app.allowed_account_ids`: `up --plan` refuses other
    /// accounts' credentials as `up` does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_account_ids: Vec<String>,
    /// The env's monthly cost before and after the plan (`docs/cost.md`);
    /// left out when not asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::cost::figures::PlanCost>,
    /// The migration lint of the files the plan's migration applies
    /// (`docs/migration-lint.md`); `up` stops before anything changes when
    /// it holds an error no annotation allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration_lint: Option<awsdeploy_lint::Report>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }
}

/// One resource's change: a node of the plan's DAG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceChange {
    /// Unique within the plan; other changes depend on it by this key.
    pub key: Key,
    pub component: ComponentId,
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
    pub depends_on: Vec<Key>,
    /// The AWS actions, run in order.
    pub steps: Vec<Step>,
    /// Keys of other components' changes to wait for if this plan has
    /// them ([`ResourceChange::needs`]); made dependencies, then emptied,
    /// once every component has planned.
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) needs: Vec<Key>,
}

impl ResourceChange {
    /// The change `action` of `key`'s resource by `steps`: of the key's
    /// component, after every change whose resource the steps point at.
    pub fn new(
        key: Key,
        kind: ResourceKind,
        name: &str,
        action: Action,
        steps: Vec<impl Into<Step>>,
    ) -> ResourceChange {
        let change = ResourceChange {
            component: key.component(),
            key,
            kind,
            name: name.to_owned(),
            action,
            id: None,
            fields: Vec::new(),
            depends_on: Vec::new(),
            steps: steps.into_iter().map(Into::into).collect(),
            needs: Vec::new(),
        };
        let planned: Vec<Key> = change
            .steps
            .iter()
            .flat_map(Step::refs)
            .filter_map(crate::Ref::planned_key)
            .cloned()
            .collect();
        change.after(planned)
    }

    /// Acting on the live resource `id`.
    #[must_use]
    pub fn on(mut self, id: Option<&str>) -> ResourceChange {
        self.id = id.map(str::to_owned);
        self
    }

    /// Showing `fields` as what changes.
    #[must_use]
    pub fn with_fields(mut self, fields: Vec<FieldChange>) -> ResourceChange {
        self.fields = fields;
        self
    }

    /// Also after the changes `keys` (a key of its own is left out).
    #[must_use]
    pub fn after(mut self, keys: impl IntoIterator<Item = Key>) -> ResourceChange {
        self.depends_on
            .extend(keys.into_iter().filter(|k| *k != self.key));
        self.depends_on.sort();
        self.depends_on.dedup();
        self
    }
}

impl ResourceChange {
    /// Also after the changes `keys`, of any component, when this plan has
    /// them: a late reference, resolved once every component has planned
    /// ([`crate::component::resolve`]).
    #[must_use]
    pub fn needs(mut self, keys: impl IntoIterator<Item = Key>) -> ResourceChange {
        self.needs.extend(keys);
        self
    }
}

/// One component's part of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentPlan {
    pub changes: Vec<ResourceChange>,
    /// How many desired resources already match the spec.
    pub unchanged: usize,
    pub orphans: Vec<Orphan>,
    pub warnings: Vec<String>,
    /// The migration component's lint of the files its change applies.
    pub migration_lint: Option<awsdeploy_lint::Report>,
}

impl ComponentPlan {
    pub fn push(&mut self, change: ResourceChange) {
        self.changes.push(change);
    }

    /// Adds `other`'s changes, orphans, warnings and lint after this one's.
    pub fn merge(&mut self, other: ComponentPlan) {
        self.changes.extend(other.changes);
        self.unchanged += other.unchanged;
        self.orphans.extend(other.orphans);
        self.warnings.extend(other.warnings);
        self.migration_lint = self.migration_lint.take().or(other.migration_lint);
    }

    /// The key `key` when this plan changes its resource.
    pub fn planned(&self, key: &Key) -> Option<Key> {
        self.changes
            .iter()
            .any(|c| c.key == *key)
            .then(|| key.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// This field cannot change in place: the resource is replaced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
    /// When and how the change takes effect, where that is not "now, with
    /// no interruption" (e.g. "at the next maintenance window; reboots").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
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
            forces_replacement: false,
            note: None,
        }
    }

    /// A field set where there was none (a create shows its fields so).
    pub fn set(field: &str, value: impl Into<String>) -> Self {
        FieldChange::new(field, None::<String>, Some(value))
    }

    /// Adds when and how the change takes effect.
    #[must_use]
    pub fn noting(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Marks this field as one that forces replacement.
    #[must_use]
    pub fn forcing_replacement(mut self) -> Self {
        self.forces_replacement = true;
        self
    }
}

/// An owned resource the spec no longer describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Orphan {
    pub component: ComponentId,
    pub kind: ResourceKind,
    pub name: String,
    pub id: String,
}

impl Orphan {
    /// An orphan whose id is its name (RDS, ECR, Logs and IAM name things
    /// by what awsdeploy calls them).
    pub fn named(component: ComponentId, kind: ResourceKind, name: &str) -> Orphan {
        Orphan {
            component,
            kind,
            name: name.to_owned(),
            id: name.to_owned(),
        }
    }
}

/// Changes `up` will not make without an explicit flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the plan would {}", blocked.iter().map(|b| format!("{} {} {}", b.verb, b.kind.label(), b.name)).collect::<Vec<_>>().join(", "))]
pub struct GuardError {
    pub blocked: Vec<Blocked>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub verb: &'static str,
    pub kind: ResourceKind,
    pub name: String,
    /// The fields that force a replacement, or why a delete is refused.
    pub reason: String,
}

impl GuardError {
    pub fn hint(&self) -> String {
        if self.blocked.iter().any(|b| b.verb == "replace") {
            "replacing creates a new resource and deletes the old one; if that is what you want, \
             re-run `awsdeploy up --allow-replace` (take a backup or snapshot first when it holds data)"
                .to_owned()
        } else {
            "awsdeploy never deletes what holds data during `up`; remove it on purpose, with the AWS console or CLI, once its data is safe"
                .to_owned()
        }
    }
}

impl Plan {
    /// Refuses replacements unless `allow_replace`, and deletes of anything
    /// that holds data always (that is `down`'s job).
    pub fn check_guards(&self, allow_replace: bool) -> Result<(), GuardError> {
        let blocked: Vec<Blocked> = self
            .changes
            .iter()
            .filter_map(|change| match change.action {
                Action::Replace if !allow_replace => Some(Blocked {
                    verb: "replace",
                    kind: change.kind,
                    name: change.name.clone(),
                    reason: change
                        .fields
                        .iter()
                        .filter(|f| f.forces_replacement)
                        .map(|f| f.field.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
                Action::Delete if change.kind.holds_data() => Some(Blocked {
                    verb: "delete",
                    kind: change.kind,
                    name: change.name.clone(),
                    reason: "it holds data".to_owned(),
                }),
                _ => None,
            })
            .collect();
        if blocked.is_empty() {
            Ok(())
        } else {
            Err(GuardError { blocked })
        }
    }
}

impl Plan {
    /// The plan of `part` for `spec`'s app and env in `region`, made from
    /// what `live` showed (its fingerprint, and what was looked up).
    pub(crate) fn of(spec: &Spec, region: &str, live: &Live, part: ComponentPlan) -> Plan {
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
            allowed_account_ids: spec.app.allowed_account_ids.clone(),
            cost: None,
            migration_lint: part.migration_lint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: ResourceKind, action: Action, fields: Vec<FieldChange>) -> ResourceChange {
        ResourceChange::new(
            Key::Network("k".into()),
            kind,
            "shop-dev-thing",
            action,
            Vec::<Step>::new(),
        )
        .on(Some("id-1"))
        .with_fields(fields)
    }

    fn plan(changes: Vec<ResourceChange>) -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            app: "shop".into(),
            env: "dev".into(),
            region: "r".into(),
            fingerprint: String::new(),
            changes,
            unchanged: 0,
            orphans: vec![],
            warnings: vec![],
            lookups: crate::live::Lookups::default(),
            allowed_account_ids: vec![],
            cost: None,
            migration_lint: None,
        }
    }

    #[test]
    fn a_replace_is_refused_without_allow_replace_and_names_the_forcing_field() {
        let fields = vec![
            FieldChange::new("cidr", Some("10.0.0.0/20"), Some("10.0.16.0/20"))
                .forcing_replacement(),
            FieldChange::new("note", Some("a"), Some("b")),
        ];
        let plan = plan(vec![change(ResourceKind::Subnet, Action::Replace, fields)]);
        let err = plan.check_guards(false).unwrap_err();
        assert_eq!(err.blocked.len(), 1);
        assert_eq!(err.blocked[0].reason, "cidr");
        assert_eq!(
            err.to_string(),
            "the plan would replace subnet shop-dev-thing"
        );
        assert!(err.hint().contains("--allow-replace"));
        assert!(plan.check_guards(true).is_ok());
    }

    #[test]
    fn deleting_what_holds_no_data_is_allowed() {
        let plan = plan(vec![change(ResourceKind::Route, Action::Delete, vec![])]);
        assert!(plan.check_guards(false).is_ok());
    }

    #[test]
    fn updates_and_creates_pass_the_guards() {
        let plan = plan(vec![
            change(ResourceKind::Vpc, Action::Update, vec![]),
            change(ResourceKind::Subnet, Action::Create, vec![]),
        ]);
        assert!(plan.check_guards(false).is_ok());
    }

    #[test]
    fn no_network_kind_claims_to_hold_data() {
        for kind in [
            ResourceKind::Vpc,
            ResourceKind::Subnet,
            ResourceKind::NatGateway,
            ResourceKind::SecurityGroup,
        ] {
            assert!(!kind.holds_data(), "{kind:?}");
        }
    }
}
