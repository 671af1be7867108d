//! The one decision every resource goes through, written once: absent →
//! create; present without this app's and env's tags → the "not ours"
//! error (awsdeploy never adopts what it did not make); present and as the
//! spec asks → unchanged; else → update in place, field by field.

use crate::{
    Action, ComponentPlan, FieldChange, Key, PlanError, ResourceChange, ResourceKind, Step,
};

/// One resource the spec asks for.
pub(crate) struct Desired<'a> {
    pub key: Key,
    pub kind: ResourceKind,
    pub name: &'a str,
    /// Changes of its own component its change waits for.
    pub after: Vec<Key>,
}

/// What [`Desired::reconcile`] planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reconciled {
    Created,
    Unchanged,
    Updated,
}

/// A resource's change: its steps and what it shows.
pub(crate) struct Change<S> {
    pub steps: Vec<S>,
    pub fields: Vec<FieldChange>,
}

impl<S> Change<S> {
    pub fn new(steps: Vec<S>, fields: Vec<FieldChange>) -> Change<S> {
        Change { steps, fields }
    }
}

impl Desired<'_> {
    /// `name`, a `kind` with the key `key`.
    pub(crate) fn new(key: Key, kind: ResourceKind, name: &str) -> Desired<'_> {
        Desired {
            key,
            kind,
            name,
            after: Vec::new(),
        }
    }

    /// Its change waits for `keys` (when it has one).
    #[must_use]
    pub(crate) fn after(mut self, keys: impl IntoIterator<Item = Key>) -> Self {
        self.after.extend(keys);
        self
    }

    /// The resource against `live` (the live one and whether it carries
    /// this app's and env's tags): `create` when absent; when present,
    /// `update` says what differs (no fields: unchanged) and the live id
    /// the update acts on.
    pub(crate) fn reconcile<L, S: Into<Step>>(
        self,
        out: &mut ComponentPlan,
        live: Option<(&L, bool)>,
        create: impl FnOnce() -> Change<S>,
        update: impl FnOnce(&L) -> (Change<S>, Option<String>),
    ) -> Result<Reconciled, PlanError> {
        let Some((found, owned)) = live else {
            let change = create();
            out.push(
                ResourceChange::new(self.key, self.kind, self.name, Action::Create, change.steps)
                    .with_fields(change.fields)
                    .after(self.after),
            );
            return Ok(Reconciled::Created);
        };
        if !owned {
            return Err(PlanError::not_ours(self.kind, self.name));
        }
        let (change, id) = update(found);
        if change.fields.is_empty() {
            out.unchanged += 1;
            return Ok(Reconciled::Unchanged);
        }
        out.push(
            ResourceChange::new(self.key, self.kind, self.name, Action::Update, change.steps)
                .on(id.as_deref())
                .with_fields(change.fields)
                .after(self.after),
        );
        Ok(Reconciled::Updated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ComponentId, LogsStep};

    fn desired() -> Desired<'static> {
        Desired::new(
            Key::named(ComponentId::Logs, "g"),
            ResourceKind::LogGroup,
            "g",
        )
    }

    fn step() -> LogsStep {
        LogsStep::SetLogRetention {
            name: "g".to_owned(),
            retention_days: 1,
        }
    }

    fn run(live: Option<(&i32, bool)>) -> (Result<Reconciled, PlanError>, ComponentPlan) {
        let mut out = ComponentPlan::default();
        let result = desired().reconcile(
            &mut out,
            live,
            || Change::new(vec![step()], vec![FieldChange::set("retention_days", "1")]),
            |days: &i32| {
                let fields = if *days == 1 {
                    Vec::new()
                } else {
                    vec![FieldChange::new(
                        "retention_days",
                        Some(days.to_string()),
                        Some("1"),
                    )]
                };
                (Change::new(vec![step()], fields), Some("g".to_owned()))
            },
        );
        (result, out)
    }

    #[test]
    fn absent_is_created_foreign_refused_same_unchanged_and_different_updated() {
        let (result, out) = run(None);
        assert_eq!(result.unwrap(), Reconciled::Created);
        assert_eq!(out.changes[0].action, Action::Create);

        let (result, out) = run(Some((&1, false)));
        assert!(result.unwrap_err().to_string().contains("does not carry"));
        assert!(out.changes.is_empty());

        let (result, out) = run(Some((&1, true)));
        assert_eq!(result.unwrap(), Reconciled::Unchanged);
        assert_eq!(out.unchanged, 1);

        let (result, out) = run(Some((&7, true)));
        assert_eq!(result.unwrap(), Reconciled::Updated);
        assert_eq!(out.changes[0].action, Action::Update);
        assert_eq!(out.changes[0].id.as_deref(), Some("g"));
    }
}
