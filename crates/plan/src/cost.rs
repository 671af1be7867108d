//! What the env costs a month, before and after a plan, offline
//! (`docs/cost.md`).
//!
//! Each component prices what it makes ([`crate::Component::cost`]) into a
//! [`Bill`], from either side: what is live, or what the spec asks for.
//! [`estimate`] prices both and takes, for each resource, what the plan
//! leaves of it (`left`): the spec's where the plan changes it, what is
//! live where it does not (so a plan with no change costs exactly what is
//! live). Prices come from the region's table ([`table`]); a price it lacks
//! gives no figure; what depends on traffic is a unit price with what it
//! depends on, never a figure.

pub mod figures;
pub mod render;
pub mod table;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use awsdeploy_spec::Spec;

use crate::{Action, COMPONENTS, ComponentId, Live, ResourceKind};
pub use figures::{COST_FORMAT_VERSION, Charge, PlanCost, ResourceCost, UsagePrice};
use figures::{Monthly, cents};
use table::{Price, PriceTable};

/// One change of a plan, as pricing reads it: its component, kind, name
/// and action.
pub type Changed<'a> = (ComponentId, ResourceKind, &'a str, Action);

/// The hours AWS bills a month by (365 × 24 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Which state a component prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// What is live and owned.
    Live,
    /// What the spec asks for.
    Spec,
}

/// What a component prices from.
pub struct CostContext<'a> {
    pub spec: &'a Spec,
    /// What is live (empty when pricing the spec alone).
    pub live: &'a Live,
    pub side: Side,
    /// Today (`YYYY-MM-DD`, UTC): Extended Support's years start on dates.
    pub today: &'a str,
}

impl CostContext<'_> {
    pub fn app(&self) -> &str {
        &self.spec.app.name
    }

    pub fn env(&self) -> &str {
        &self.spec.env
    }
}

/// A resource whose charges a bill holds.
type Resource = (ComponentId, ResourceKind, String);

/// What one component's resources cost on one side: filled by
/// [`crate::Component::cost`].
pub struct Bill<'a> {
    table: &'a PriceTable,
    component: ComponentId,
    charges: BTreeMap<Resource, Vec<Charge>>,
    usage: Vec<UsagePrice>,
    /// Price ids the table lacks.
    missing: BTreeSet<String>,
    /// The newest publication date of the prices used.
    published: Option<String>,
}

impl<'a> Bill<'a> {
    fn new(table: &'a PriceTable, component: ComponentId) -> Bill<'a> {
        Bill {
            table,
            component,
            charges: BTreeMap::new(),
            usage: Vec::new(),
            missing: BTreeSet::new(),
            published: None,
        }
    }

    /// The price `id`, or none (recorded: the estimate says which are
    /// missing, never guesses).
    pub fn price(&mut self, id: &str) -> Option<&'a Price> {
        let price = self.table.prices.get(id);
        if price.is_none() {
            self.missing.insert(id.to_owned());
        }
        self.published_on(price);
        price
    }

    /// A price the table lacks in part (an instance class without its
    /// vCPUs): no figure, as for a missing price.
    pub fn lacks(&mut self, what: &str) {
        self.missing.insert(what.to_owned());
    }

    /// Keeps the newest publication date of the prices used.
    fn published_on(&mut self, price: Option<&Price>) {
        if let Some(p) = price {
            if self.published.as_ref().is_none_or(|d| *d < p.published) {
                self.published = Some(p.published.clone());
            }
        }
    }

    /// `resource` runs all month: `count` of `price` an hour.
    pub fn hourly(&mut self, resource: (ResourceKind, &str), item: &str, id: &str, count: f64) {
        self.per_month(resource, item, id, (count, count), "h");
    }

    /// `resource` runs all month, between `low` and `high` of `price`'s
    /// unit an hour (tasks an autoscaler adds).
    pub fn hourly_range(
        &mut self,
        resource: (ResourceKind, &str),
        item: &str,
        id: &str,
        (low, high): (f64, f64),
    ) {
        self.per_month(resource, item, id, (low, high), "h");
    }

    /// `quantity` of `price`'s unit a month.
    pub fn monthly(&mut self, resource: (ResourceKind, &str), item: &str, id: &str, quantity: f64) {
        self.per_month(resource, item, id, (quantity, quantity), "");
    }

    fn per_month(
        &mut self,
        (kind, name): (ResourceKind, &str),
        item: &str,
        id: &str,
        (low, high): (f64, f64),
        per: &str,
    ) {
        let Some(price) = self.price(id) else {
            return;
        };
        let hours = if per == "h" { HOURS_PER_MONTH } else { 1.0 };
        let amount = |q: f64| cents(q * hours * price.usd());
        let quantity = if (low - high).abs() < f64::EPSILON {
            format!("{}", Quantity(low))
        } else {
            format!("{}–{}", Quantity(low), Quantity(high))
        };
        let hours = if per == "h" {
            format!(" × {HOURS_PER_MONTH} h")
        } else {
            String::new()
        };
        self.charges
            .entry((self.component, kind, name.to_owned()))
            .or_default()
            .push(Charge {
                item: format!("{item}: {quantity}{hours} × {}", price.per_unit()),
                usage_type: price.usage_type.clone(),
                monthly: Monthly::of(amount(low), amount(high)),
            });
    }

    /// What depends on traffic: shown as its unit price, or as not in the
    /// table (which leaves the fixed figures standing).
    pub fn usage(&mut self, item: &str, id: &str, assumption: &str) {
        let price = self.table.prices.get(id);
        self.published_on(price);
        self.usage.push(UsagePrice {
            component: self.component.as_str().to_owned(),
            item: item.to_owned(),
            price: price.map_or_else(
                || format!("not in the price table (`{}`)", table::REFRESH),
                Price::per_unit,
            ),
            usage_type: price.map(|p| p.usage_type.clone()).unwrap_or_default(),
            assumption: assumption.to_owned(),
        });
    }
}

/// A number as people write it: `2`, `0.25`.
struct Quantity(f64);

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:.4}", self.0);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        f.write_str(text)
    }
}

/// Everything every component charges on one side.
struct Priced {
    charges: BTreeMap<Resource, Vec<Charge>>,
    usage: Vec<UsagePrice>,
    missing: BTreeSet<String>,
    published: Option<String>,
}

fn price_side(table: &PriceTable, cx: &CostContext<'_>) -> Priced {
    let mut priced = Priced {
        charges: BTreeMap::new(),
        usage: Vec::new(),
        missing: BTreeSet::new(),
        published: None,
    };
    for component in COMPONENTS {
        let mut bill = Bill::new(table, component.id());
        component.cost(cx, &mut bill);
        priced.charges.extend(bill.charges);
        priced.usage.extend(bill.usage);
        priced.missing.extend(bill.missing);
        priced.published = priced.published.max(bill.published);
    }
    priced
}

fn total(charges: &[Charge]) -> Monthly {
    charges
        .iter()
        .fold(Monthly::default(), |sum, c| sum.plus(c.monthly))
}

/// Why a region cannot be priced.
fn no_table(region: &str) -> String {
    format!(
        "awsdeploy has no prices for {region} (it has {}); add them with `{} {region}` in awsdeploy's repository and rebuild",
        PriceTable::regions().join(", "),
        table::REFRESH
    )
}

/// The env's monthly cost before and after `changes` (a plan's).
pub fn estimate(
    (spec, region): (&Spec, &str),
    live: &Live,
    changes: &[Changed<'_>],
    today: &str,
) -> PlanCost {
    estimate_with((spec, region), live, Some(changes), today)
}

/// What the spec's env costs a month, priced from the spec alone (`awsdeploy
/// cost`): everything it describes, as if made.
pub fn of_spec(spec: &Spec, region: &str, today: &str) -> PlanCost {
    estimate_with((spec, region), &Live::default(), None, today)
}

fn estimate_with(
    (spec, region): (&Spec, &str),
    live: &Live,
    changes: Option<&[Changed<'_>]>,
    today: &str,
) -> PlanCost {
    let Some(table) = PriceTable::of(region) else {
        return PlanCost::unavailable(region, no_table(region));
    };
    let side = |side| CostContext {
        spec,
        live,
        side,
        today,
    };
    let before = price_side(&table, &side(Side::Live));
    let wanted = price_side(&table, &side(Side::Spec));
    let missing: BTreeSet<&String> = before.missing.iter().chain(&wanted.missing).collect();
    if !missing.is_empty() {
        let missing: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        return PlanCost::unavailable(
            region,
            format!(
                "the {region} price table lacks {}; refresh it with `{} {region}`",
                missing.join(", "),
                table::REFRESH
            ),
        );
    }
    let resources: BTreeSet<&Resource> =
        before.charges.keys().chain(wanted.charges.keys()).collect();
    let (mut costs, mut later) = (Vec::new(), Vec::new());
    for resource in resources {
        let (component, kind, name) = resource;
        let was = before.charges.get(resource);
        let spec = wanted.charges.get(resource);
        let will = left(changes, resource, was, spec);
        let cost = |after: Option<&Vec<Charge>>| ResourceCost {
            component: *component,
            kind: *kind,
            name: name.clone(),
            before: was.map(|c| total(c)).unwrap_or_default(),
            after: after.map(|c| total(c)).unwrap_or_default(),
            charges: after.or(was).cloned().unwrap_or_default(),
        };
        match (was, will) {
            (None, None) => later.extend(spec.map(|s| cost(Some(s)))),
            _ => costs.push(cost(will)),
        }
    }
    let order = |c: &ResourceCost| ComponentId::ALL.iter().position(|id| *id == c.component);
    costs.sort_by_key(|c| order(c));
    later.sort_by_key(|c| order(c));
    let sum = |f: fn(&ResourceCost) -> Monthly| {
        costs
            .iter()
            .fold(Monthly::default(), |sum, c| sum.plus(f(c)))
    };
    let (was, will) = (sum(|c| c.before), sum(|c| c.after));
    PlanCost {
        version: COST_FORMAT_VERSION,
        currency: table.currency.clone(),
        region: region.to_owned(),
        prices_published: before.published.max(wanted.published),
        unavailable: None,
        before: was,
        after: will,
        difference: will.minus(was),
        resources: costs,
        later,
        usage: wanted.usage.into_iter().chain(lock(&table)).collect(),
    }
}

/// What the plan leaves of `resource`, which costs `was` now and `wanted`
/// as the spec describes it: nothing once deleted (the spec's, when what
/// is deleted is a duplicate of what it keeps); the spec's where the
/// plan changes it (or, for what is live, anything of its component:
/// autoscaling's bounds change the tasks' cost); what is live where the
/// plan leaves it be; nothing where the plan does not make it (a service
/// waiting for its first image). Without a plan, what the spec describes.
fn left<'c>(
    changes: Option<&[Changed<'_>]>,
    (component, kind, name): &Resource,
    was: Option<&'c Vec<Charge>>,
    wanted: Option<&'c Vec<Charge>>,
) -> Option<&'c Vec<Charge>> {
    let Some(changes) = changes else {
        return wanted;
    };
    let acting = |c: &&Changed<'_>| c.3 != Action::Run;
    let own: Vec<&Changed<'_>> = changes
        .iter()
        .filter(|c| c.1 == *kind && c.2 == name.as_str())
        .filter(acting)
        .collect();
    let component_changes = || changes.iter().filter(acting).any(|c| c.0 == *component);
    if own.iter().any(|c| c.3 == Action::Delete) {
        // A duplicate deleted under the name of what stays: what stays.
        wanted
    } else if !own.is_empty() || (was.is_some() && component_changes()) {
        wanted.or(was)
    } else {
        was
    }
}

/// The deploy lock's table: every stack has one (`docs/lock.md`).
fn lock(table: &PriceTable) -> Option<UsagePrice> {
    let price = table.prices.get("dynamodb.ondemand.write")?;
    Some(UsagePrice {
        component: "lock".to_owned(),
        item: "deploy lock table".to_owned(),
        price: price.per_unit(),
        usage_type: price.usage_type.clone(),
        assumption: "on demand, a few requests per command: well under a cent a month".to_owned(),
    })
}

#[cfg(test)]
mod tests;
