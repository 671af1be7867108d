//! Making the plan: every component plans against one context, the late
//! references are resolved, and the cost is priced.

use awsdeploy_spec::Spec;

use crate::component::{PlanContext, resolve};
use crate::plan::{ComponentPlan, Plan};
use crate::{COMPONENTS, Live, Options, PlanError};

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
    let cx = PlanContext::new(COMPONENTS, (spec, region), live, options)?;
    let mut all = ComponentPlan::default();
    for component in COMPONENTS {
        all.merge(component.plan(&cx)?);
    }
    resolve(&mut all)?;
    all.warnings = spec.warnings().into_iter().chain(all.warnings).collect();
    let cost = options
        .price_on
        .as_deref()
        .map(|today| crate::cost::estimate((spec, region), live, &changed(&all), today));
    let mut plan = Plan::of(spec, region, live, all);
    plan.cost = cost;
    Ok(plan)
}

/// What the plan changes, as pricing reads it.
fn changed(plan: &ComponentPlan) -> Vec<crate::cost::Changed<'_>> {
    plan.changes
        .iter()
        .map(|c| (c.component, c.kind, c.name.as_str(), c.action))
        .collect()
}
