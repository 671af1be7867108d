//! A component, as one trait: everything awsdeploy does per component is a
//! method here, and [`crate::COMPONENTS`] is the one list every consumer
//! iterates (handed down from the crate's root, so that no component
//! module depends on the list that names it):
//! what observation looks up ([`crate::lookups`], `down`'s lookups), the
//! plan ([`crate::plan_with`]), the teardown ([`crate::teardown`]), the
//! least-privilege policy ([`crate::permissions::policy`]), `status`, the
//! monthly cost ([`crate::cost`]), and
//! the tests that hold each component to its docs page and e2e module. A
//! component that leaves out a plan, a teardown, its policy statements, the
//! ARNs its resources have, or its status section does not compile.
//!
//! Components refer to each other late: a component that points at
//! another's resource asks [`PlanContext::reference`] for it by key (the
//! key comes from [`crate::names`], not from the other module), and a
//! change that must wait for another's resource says so with
//! [`ResourceChange::needs`]. Once every component has planned,
//! [`resolve`] turns the needs that this plan changes into dependencies
//! and checks that every planned reference is planned.

use std::collections::{BTreeMap, BTreeSet};

use awsdeploy_spec::Spec;
use serde_json::Value;

use crate::cost::{Bill, CostContext};
use crate::live::Lookups;
use crate::status::{Extras, Status};
use crate::{ComponentId, ComponentPlan, Key, Live, Options, PlanError, Ref};

/// What every component does, besides its steps (which its step enum and
/// the AWS crate's runner own).
pub trait Component: Sync {
    /// Its id: the `awsdeploy:component` tag of what it makes, the prefix
    /// of its changes' keys, its docs page and its e2e module.
    fn id(&self) -> ComponentId;

    /// The spec sections it reads (for the docs' tables).
    fn sections(&self) -> &'static [&'static str];

    /// Adds what observation must look up for it. `Purpose::Down` looks up
    /// whatever it may have made, whether or not the spec still has its
    /// section.
    fn lookups(&self, spec: &Spec, purpose: Purpose, lookups: &mut Lookups);

    /// Live ids of its resources that other components refer to, by key.
    fn live_refs(&self, _cx: &PlanContext<'_>) -> Result<Vec<(Key, String)>, PlanError> {
        Ok(Vec::new())
    }

    /// Its changes: what the spec asks for against what is live.
    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError>;

    /// `down`: the deletes of everything it made.
    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError>;

    /// The components whose deletes must finish before its own.
    fn deleted_after(&self) -> &'static [ComponentId];

    /// The IAM statements awsdeploy needs to observe, make, change and
    /// delete what it makes.
    fn policy(&self, cx: &PolicyContext<'_>) -> Vec<Statement>;

    /// The ARNs (or ARN patterns) of everything it makes or reads by name,
    /// for the test that its statements cover each.
    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String>;

    /// Its section of `status`, and its problems.
    fn status(&self, cx: &StatusContext<'_>, status: &mut Status);

    /// What it makes costs a month, on `cx`'s side (live, or what the spec
    /// asks for): each resource's fixed charges, and the unit prices of
    /// what depends on traffic ([`crate::cost`], `docs/cost.md`).
    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>);
}

/// Why observation looks something up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `diff`, `up`, `status`: what the spec describes.
    Up,
    /// `down`: everything the stack may own.
    Down,
}

/// What a component plans from.
pub struct PlanContext<'a> {
    pub spec: &'a Spec,
    pub region: &'a str,
    pub live: &'a Live,
    pub options: &'a Options,
    /// Every component ([`crate::COMPONENTS`]).
    pub components: &'a [&'a dyn Component],
    /// Live ids by key, of what components refer to across.
    refs: BTreeMap<Key, String>,
}

impl<'a> PlanContext<'a> {
    /// The context of a plan, with every component's live refs read.
    pub fn new(
        components: &'a [&'a dyn Component],
        (spec, region): (&'a Spec, &'a str),
        live: &'a Live,
        options: &'a Options,
    ) -> Result<PlanContext<'a>, PlanError> {
        let mut cx = PlanContext {
            spec,
            region,
            live,
            options,
            components,
            refs: BTreeMap::new(),
        };
        let mut refs = BTreeMap::new();
        for component in components {
            refs.extend(component.live_refs(&cx)?);
        }
        cx.refs = refs;
        Ok(cx)
    }

    pub fn app(&self) -> &'a str {
        &self.spec.app.name
    }

    pub fn env(&self) -> &'a str {
        &self.spec.env
    }

    /// The resource `key`: its live id when it exists, else the change of
    /// this plan that makes it (checked by [`resolve`]).
    pub fn reference(&self, key: &Key) -> Ref {
        self.refs
            .get(key)
            .map_or_else(|| Ref::Planned(key.clone()), |id| Ref::Existing(id.clone()))
    }

    /// The network's live resources by name (subnets, security groups, the
    /// VPC), for components that hand them to their own planners.
    pub fn network_refs(&self) -> BTreeMap<String, Ref> {
        self.refs
            .iter()
            .filter_map(|(key, id)| match key {
                Key::Network(name) => Some((name.clone(), Ref::Existing(id.clone()))),
                _ => None,
            })
            .collect()
    }

    /// The ARN of the stack's IAM role `name`.
    pub fn role_arn(&self, name: &str) -> Result<String, PlanError> {
        let account = &self.live.account;
        Ok(format!(
            "arn:{}:iam::{}:role/{name}",
            account.partition(),
            account.account()?
        ))
    }
}

/// What a component's teardown reads.
pub struct TeardownContext<'a> {
    pub app: &'a str,
    pub env: &'a str,
    pub live: &'a Live,
    /// The database, the repository with its images, the log groups and
    /// the artifact bucket go too.
    pub delete_data: bool,
}

/// What `status` reads for a component.
pub struct StatusContext<'a> {
    pub region: &'a str,
    pub live: &'a Live,
    pub extras: &'a Extras,
}

/// What a component's policy statements are made for.
pub struct PolicyContext<'a> {
    pub app: &'a str,
    pub env: &'a str,
    /// The spec's region, or `*`.
    pub region: &'a str,
    pub partition: &'a str,
    /// Also what CI's image push needs.
    pub push: bool,
    /// Also what only an administrator does: the permissions boundary and
    /// the roles that hold the deploy policy (the first `up`, `down`).
    pub admin: bool,
    /// The managed policies the spec attaches to the task role: the only
    /// ones the deploy policy may attach (`iam:PolicyARN`).
    pub attachable: &'a [String],
}

impl PolicyContext<'_> {
    /// `arn:{partition}:{service}:{region}:*:{resource}`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:*:{resource}",
            self.partition, self.region
        )
    }

    /// An ARN without a region (IAM, `CloudWatch` dashboards).
    pub fn global(&self, service: &str, resource: &str) -> String {
        format!("arn:{}:{service}::*:{resource}", self.partition)
    }

    /// A log group's ARNs: the group, and its streams.
    pub fn log_group(&self, name: &str) -> Vec<String> {
        vec![
            self.arn("logs", &format!("log-group:{name}")),
            self.arn("logs", &format!("log-group:{name}:*")),
        ]
    }
}

/// One statement of the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: &'static str,
    pub actions: Vec<&'static str>,
    pub resources: Vec<String>,
    pub condition: Option<Value>,
}

impl Statement {
    /// `actions` allowed on `resources`.
    pub fn new(sid: &'static str, actions: &[&'static str], resources: Vec<String>) -> Statement {
        Statement {
            sid,
            actions: actions.to_vec(),
            resources,
            condition: None,
        }
    }

    /// `actions` allowed on any resource: where AWS chooses the ids, or
    /// authorizes the action on no resource.
    pub fn anywhere(sid: &'static str, actions: &[&'static str]) -> Statement {
        Statement::new(sid, actions, vec!["*".to_owned()])
    }

    /// Only under `condition`.
    #[must_use]
    pub fn when(mut self, condition: Value) -> Statement {
        self.condition = Some(condition);
        self
    }

    /// Whether one of its resources matches `arn` as IAM matches them (`*`
    /// any run of characters, `?` one).
    pub fn covers(&self, arn: &str) -> bool {
        self.resources
            .iter()
            .any(|pattern| glob_matches(pattern, arn))
    }
}

/// IAM's resource matching: `*` is any run of characters (including none
/// and `/` or `:`), `?` exactly one; everything else matches itself.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The changes' late references, once every component has planned: each
/// change's needs that this plan changes become its dependencies, and
/// every planned reference must be to a change of this plan.
pub fn resolve(plan: &mut ComponentPlan) -> Result<(), PlanError> {
    resolve_needs(plan);
    let planned: BTreeSet<&Key> = plan.changes.iter().map(|c| &c.key).collect();
    for change in &plan.changes {
        let dangling = change
            .steps
            .iter()
            .flat_map(crate::Step::refs)
            .filter_map(Ref::planned_key)
            .find(|k| !planned.contains(k));
        if let Some(key) = dangling {
            return Err(PlanError::Conflict {
                kind: change.kind,
                name: change.name.clone(),
                problem: format!("refers to {key}, which is neither live nor planned"),
                hint:
                    "this is a defect of awsdeploy: report it with the spec and `awsdeploy diff -v`"
                        .to_owned(),
            });
        }
    }
    Ok(())
}

/// Each change's needs that `plan` changes, made its dependencies.
pub(crate) fn resolve_needs(plan: &mut ComponentPlan) {
    let planned: BTreeSet<Key> = plan.changes.iter().map(|c| c.key.clone()).collect();
    for change in &mut plan.changes {
        let needs: Vec<Key> = std::mem::take(&mut change.needs)
            .into_iter()
            .filter(|k| planned.contains(k))
            .collect();
        *change = change.clone().after(needs);
    }
}

#[cfg(test)]
mod tests;
