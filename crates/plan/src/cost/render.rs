//! `awsdeploy cost`'s breakdown: each component's resources and charges,
//! the total, and what depends on traffic.

use std::fmt::Write as _;

use awsdeploy_spec::Spec;

use super::{Monthly, PlanCost};
use crate::ComponentId;

/// The estimate of `spec`'s env as text.
pub fn breakdown(spec: &Spec, cost: &PlanCost) -> String {
    let published = cost
        .prices_published
        .as_deref()
        .map(|d| format!(", AWS Price List of {}", &d[..d.len().min(10)]))
        .unwrap_or_default();
    let mut out = format!(
        "Monthly cost of {} (env {}) in {}: on-demand {}{published}\n",
        spec.app.name, spec.env, cost.region, cost.currency
    );
    for component in ComponentId::ALL {
        let resources: Vec<_> = cost
            .resources
            .iter()
            .filter(|r| r.component == *component)
            .collect();
        if resources.is_empty() {
            continue;
        }
        let total = resources
            .iter()
            .fold(Monthly::default(), |sum, r| sum.plus(r.after));
        let _ = writeln!(out, "\n{:<62} {:>16}", component.as_str(), total.dollars());
        for resource in resources {
            let _ = writeln!(out, "  {} {}", resource.kind.label(), resource.name);
            for charge in &resource.charges {
                let _ = writeln!(
                    out,
                    "    {:<58} {:>16}",
                    charge.item,
                    charge.monthly.dollars()
                );
            }
        }
    }
    let ceiling = cost
        .after
        .max_cents
        .map(|_| " (the range: autoscaling's minimum to maximum tasks)")
        .unwrap_or_default();
    let _ = writeln!(out, "\nTotal: {}/mo{ceiling}", cost.after);
    if !cost.usage.is_empty() {
        let _ = writeln!(out, "\nUsage extra (depends on traffic; not in the total):");
        for usage in &cost.usage {
            let _ = writeln!(
                out,
                "  {:<14} {}: {}\n  {:<14}   {}",
                usage.component, usage.item, usage.price, "", usage.assumption
            );
        }
    }
    let _ = writeln!(
        out,
        "\nNot counted: IAM, ACM certificates and alias queries are free; the hosted zone is yours; free tiers are not subtracted."
    );
    out
}
