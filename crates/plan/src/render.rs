//! Plans for people: grouped by component, `+ ~ -` marks, a summary line.

use std::fmt::Write as _;

use crate::plan::{Action, Plan};

/// Whether to colour the output (the caller decides: a terminal, and
/// `NO_COLOR` unset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Always,
    Never,
}

struct Paint(Colour);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        match self.0 {
            Colour::Always => format!("\x1b[{code}m{text}\x1b[0m"),
            Colour::Never => text.to_owned(),
        }
    }
}

fn mark(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("+", "32"),
        Action::Update => ("~", "33"),
        Action::Replace => ("-/+", "35"),
        Action::Delete => ("-", "31"),
        Action::Run => (">", "36"),
    }
}

/// The plan's changes with each component's together, components in the
/// order they first appear (the plan's own order is the executor's, where
/// the service's changes come on both sides of the migration's).
fn grouped(plan: &Plan) -> Vec<&crate::ResourceChange> {
    let mut components: Vec<crate::ComponentId> = Vec::new();
    for change in &plan.changes {
        if !components.contains(&change.component) {
            components.push(change.component);
        }
    }
    components
        .iter()
        .flat_map(|component| {
            plan.changes
                .iter()
                .filter(move |c| c.component == *component)
        })
        .collect()
}

/// The plan as text.
pub fn text(plan: &Plan, colour: Colour) -> String {
    let paint = Paint(colour);
    let mut out = format!(
        "Plan for {} (env {}) in {}\n",
        plan.app, plan.env, plan.region
    );
    let mut component = None;
    for change in grouped(plan) {
        if component != Some(change.component) {
            component = Some(change.component);
            let _ = writeln!(out, "\n{}", paint.wrap("1", change.component.as_str()));
        }
        let (symbol, code) = mark(change.action);
        let id = change
            .id
            .as_deref()
            .map(|id| format!(" ({id})"))
            .unwrap_or_default();
        let cost = change_cost(plan, change);
        let _ = writeln!(
            out,
            "  {} {:<16} {}{id}{cost}",
            paint.wrap(code, &format!("{symbol:>3}")),
            change.kind.label(),
            change.name
        );
        for field in &change.fields {
            let line = match (&field.old, &field.new) {
                (None, Some(new)) if matches!(change.action, Action::Create | Action::Run) => {
                    format!("{}: {new}", field.field)
                }
                (None, Some(new)) => format!("+ {}: {new}", field.field),
                (Some(old), None) => format!("- {}: {old}", field.field),
                (Some(old), Some(new)) => format!("{}: {old} → {new}", field.field),
                (None, None) => field.field.clone(),
            };
            let forces = if field.forces_replacement {
                " (forces replacement)"
            } else {
                ""
            };
            let note = field
                .note
                .as_ref()
                .map(|note| format!(" ({note})"))
                .unwrap_or_default();
            let _ = writeln!(out, "        {line}{forces}{note}");
        }
        if change.component == crate::ComponentId::Migration {
            migration_lint(&mut out, plan, &paint);
        }
    }
    orphans(&mut out, plan, &paint);
    warnings(&mut out, plan, &paint);
    out.push('\n');
    if plan.is_empty() {
        let _ = writeln!(
            out,
            "No changes. Live matches the spec ({} resources checked).",
            plan.unchanged
        );
    } else {
        let _ = writeln!(out, "{}", summary(plan));
    }
    if let Some(cost) = &plan.cost {
        cost_lines(&mut out, plan, cost);
    }
    out
}

/// What a change adds to the monthly cost, when it changes it (`  +$45.26/mo`).
fn change_cost(plan: &Plan, change: &crate::ResourceChange) -> String {
    plan.cost
        .as_ref()
        .and_then(|c| c.of(change.kind, &change.name))
        .filter(|r| r.before != r.after)
        .map(|r| format!("  {}/mo", r.after.minus(r.before).signed()))
        .unwrap_or_default()
}

/// The cost line, after the resources whose cost changes with no change
/// of their own shown above (the service's tasks when only autoscaling
/// changes).
fn cost_lines(out: &mut String, plan: &Plan, cost: &crate::cost::PlanCost) {
    let shown = |r: &crate::cost::ResourceCost| {
        plan.changes
            .iter()
            .any(|c| c.kind == r.kind && c.name == r.name)
    };
    for r in cost
        .resources
        .iter()
        .filter(|r| r.before != r.after && !shown(r))
    {
        let _ = writeln!(
            out,
            "  {} {}: {} → {}/mo ({}/mo)",
            r.kind.label(),
            r.name,
            r.before,
            r.after,
            r.after.minus(r.before).signed()
        );
    }
    let _ = writeln!(out, "{}", cost.summary());
    for r in &cost.later {
        let _ = writeln!(
            out,
            "  not in this plan yet: {} {} {}/mo",
            r.kind.label(),
            r.name,
            r.after.signed()
        );
    }
}

/// Owned resources the spec no longer describes, and what to do.
fn orphans(out: &mut String, plan: &Plan, paint: &Paint) {
    if !plan.orphans.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint.wrap(
                "1",
                "not in the spec (kept; awsdeploy never deletes them on its own)"
            )
        );
        for orphan in &plan.orphans {
            let id = if orphan.id == orphan.name {
                String::new()
            } else {
                format!(" ({})", orphan.id)
            };
            let data = if orphan.kind.holds_data() {
                "  holds data"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {} {:<16} {}{id}{data}",
                paint.wrap("2", "  ?"),
                orphan.kind.label(),
                orphan.name,
            );
        }
        let _ = writeln!(
            out,
            "  hint: delete them in the AWS console or with the AWS CLI if they are no longer needed{}",
            if plan.orphans.iter().any(|o| o.kind.holds_data()) {
                "; take a final snapshot of what holds data first"
            } else {
                ""
            }
        );
    }
}

/// The migration lint under the migration's change: what was linted, then
/// each finding (an allowed one with its reason).
fn migration_lint(out: &mut String, plan: &Plan, paint: &Paint) {
    let Some(report) = &plan.migration_lint else {
        return;
    };
    let since = match report.since {
        None | Some(0) => " (no migration has run on the database: every file is new)".to_owned(),
        Some(v) => format!(" (after version {v})"),
    };
    let _ = writeln!(out, "        lint: {}{since}", report.summary());
    for finding in &report.findings {
        let code = match (finding.severity, &finding.allowed) {
            (_, Some(_)) => "2",
            (awsdeploy_lint::Severity::Error, None) => "31",
            (awsdeploy_lint::Severity::Warning, None) => "33",
        };
        for (i, line) in finding.to_string().lines().enumerate() {
            let line = if i == 0 {
                paint.wrap(code, line)
            } else {
                line.to_owned()
            };
            let _ = writeln!(out, "          {line}");
        }
    }
}

/// What the user should know about the result, one line each.
fn warnings(out: &mut String, plan: &Plan, paint: &Paint) {
    if !plan.warnings.is_empty() {
        let _ = writeln!(out);
        for warning in &plan.warnings {
            let _ = writeln!(out, "{} {warning}", paint.wrap("33", "warning:"));
        }
    }
}

/// `Plan: 3 to add, 1 to change, 0 to replace, 0 to delete.` (and `, 1 to
/// run` when a migration runs)
pub fn summary(plan: &Plan) -> String {
    let runs = match plan.count(Action::Run) {
        0 => String::new(),
        n => format!(", {n} to run"),
    };
    format!(
        "Plan: {} to add, {} to change, {} to replace, {} to delete{runs}.",
        plan.count(Action::Create),
        plan.count(Action::Update),
        plan.count(Action::Replace),
        plan.count(Action::Delete)
    )
}

#[cfg(test)]
mod tests;
