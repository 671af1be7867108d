//! The figures of an estimate, as plans carry them (the plan's `cost`
//! field, `docs/plan-format.md`) and `awsdeploy cost` prints them.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ComponentId, ResourceKind};

/// Version of the plan's `cost` field; bumped on any incompatible change.
pub const COST_FORMAT_VERSION: u32 = 1;

/// A monthly amount in cents, and the amount at autoscaling's maximum
/// where it differs (`max_cents`). In a difference both are differences:
/// at the minimum and at the maximum, either may be the larger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Monthly {
    pub cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cents: Option<i64>,
}

impl Monthly {
    pub(crate) fn of(low: i64, high: i64) -> Monthly {
        Monthly {
            cents: low,
            max_cents: (high != low).then_some(high),
        }
    }

    pub fn max(self) -> i64 {
        self.max_cents.unwrap_or(self.cents)
    }

    #[must_use]
    pub fn plus(self, other: Monthly) -> Monthly {
        Monthly::of(self.cents + other.cents, self.max() + other.max())
    }

    #[must_use]
    pub fn minus(self, other: Monthly) -> Monthly {
        Monthly::of(self.cents - other.cents, self.max() - other.max())
    }

    /// `$45.26` or `$22.49–$67.47`.
    pub fn dollars(self) -> String {
        match self.max_cents {
            None => dollars(self.cents),
            Some(max) => format!("{}–{}", dollars(self.cents), dollars(max)),
        }
    }

    /// `+$44.72` / `-$3.65` / `+$0.00`; a difference at autoscaling's
    /// minimum and maximum: `+$22.49–$67.47` (both up), `-$4.50–$13.50`
    /// (both down), `+$11.25 to -$101.21` (one each way).
    pub fn signed(self) -> String {
        let sign = |c: i64| if c < 0 { "-" } else { "+" };
        let low = format!("{}{}", sign(self.cents), dollars(self.cents.abs()));
        match self.max_cents {
            None => low,
            Some(max) if sign(max) == sign(self.cents) => {
                format!("{low}–{}", dollars(max.abs()))
            }
            Some(max) => format!("{low} to {}{}", sign(max), dollars(max.abs())),
        }
    }
}

impl fmt::Display for Monthly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dollars())
    }
}

fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.abs();
    format!("{sign}${}.{:02}", cents / 100, cents % 100)
}

/// Rounds USD to cents.
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn cents(usd: f64) -> i64 {
    (usd * 100.0).round() as i64
}

/// One line of a bill: a resource's fixed monthly charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Charge {
    /// What is charged and how (`NAT gateway: 730 h × $0.062/h`).
    pub item: String,
    /// The Price List's usage type it is billed as.
    pub usage_type: String,
    pub monthly: Monthly,
}

/// What depends on traffic: its unit price and what is assumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UsagePrice {
    /// The component's name (`lock` for the deploy lock's table).
    pub component: String,
    /// What is charged (`NAT gateway data processed`).
    pub item: String,
    /// `$0.062/GB`.
    pub price: String,
    pub usage_type: String,
    /// What the figure would depend on, or what is assumed.
    pub assumption: String,
}

/// One resource's monthly cost, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceCost {
    pub component: ComponentId,
    pub kind: ResourceKind,
    pub name: String,
    pub before: Monthly,
    pub after: Monthly,
    /// Its charges after the plan (before it, for what the plan deletes).
    pub charges: Vec<Charge>,
}

/// The plan's `cost` field: the env's monthly cost before and after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanCost {
    /// [`COST_FORMAT_VERSION`].
    pub version: u32,
    pub currency: String,
    pub region: String,
    /// The newest publication date of the prices used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices_published: Option<String>,
    /// Why there is no figure (no table for the region, a price it lacks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    pub before: Monthly,
    pub after: Monthly,
    pub difference: Monthly,
    /// Every priced resource, in the components' order.
    pub resources: Vec<ResourceCost>,
    /// What the spec asks for that this plan does not make yet (the
    /// service before its first image), at what it will add (`after`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub later: Vec<ResourceCost>,
    /// What depends on traffic, after the plan.
    pub usage: Vec<UsagePrice>,
}

impl PlanCost {
    /// The resource `kind` `name`'s cost, when priced.
    pub fn of(&self, kind: ResourceKind, name: &str) -> Option<&ResourceCost> {
        self.resources
            .iter()
            .find(|r| r.kind == kind && r.name == name)
    }

    /// `Cost: $141.80/mo → $186.52/mo (+$44.72/mo), usage extra`.
    pub fn summary(&self) -> String {
        if let Some(why) = &self.unavailable {
            return format!("Cost: not estimated: {why}");
        }
        let usage = if self.usage.is_empty() {
            ""
        } else {
            ", usage extra"
        };
        format!(
            "Cost: {}/mo → {}/mo ({}/mo){usage}",
            self.before,
            self.after,
            self.difference.signed()
        )
    }

    pub(crate) fn unavailable(region: &str, why: String) -> PlanCost {
        PlanCost {
            version: COST_FORMAT_VERSION,
            currency: "USD".to_owned(),
            region: region.to_owned(),
            prices_published: None,
            unavailable: Some(why),
            before: Monthly::default(),
            after: Monthly::default(),
            difference: Monthly::default(),
            resources: Vec::new(),
            later: Vec::new(),
            usage: Vec::new(),
        }
    }
}
