//! The web app as a [`Component`]: its plan, teardown, policy and status.

use awsdeploy_spec::Spec;

use crate::component::{
    Component, PlanContext, PolicyContext, Purpose, Statement, StatusContext, TeardownContext,
};
use crate::cost::{Bill, CostContext};
use crate::live::Lookups;
use crate::status::{DomainStatus, Status, WebStatus};
use crate::{ComponentId, ComponentPlan, PlanError};

/// The Amplify app, branch, domain and releases (`[web]`).
pub struct Web;

impl Component for Web {
    fn id(&self) -> ComponentId {
        ComponentId::Web
    }

    fn sections(&self) -> &'static [&'static str] {
        &["web"]
    }

    fn lookups(&self, spec: &Spec, purpose: Purpose, lookups: &mut Lookups) {
        lookups.web_branch = spec.web.as_ref().map(|w| w.branch.clone());
        lookups.web_domain = super::custom_domain(spec).map(|d| d.root);
        // `down` of a removed `[web]` still finds the app, its domain and
        // the zone its records are in.
        lookups.rediscover.web = purpose == Purpose::Down && spec.web.is_none();
    }

    fn plan(&self, cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
        super::plan(
            cx.spec,
            &cx.live.web,
            cx.live.service.zone.as_ref(),
            cx.options.web_artifact.as_ref(),
        )
    }

    fn teardown(&self, cx: &TeardownContext<'_>) -> Result<ComponentPlan, PlanError> {
        Ok(super::teardown(&cx.live.web, cx.live.service.zone.as_ref()))
    }

    fn deleted_after(&self) -> &'static [ComponentId] {
        &[]
    }

    fn policy(&self, _cx: &PolicyContext<'_>) -> Vec<Statement> {
        // Amplify's ARNs end in the app id it chooses.
        vec![Statement::anywhere("Web", ACTIONS)]
    }

    fn arns(&self, cx: &PolicyContext<'_>) -> Vec<String> {
        vec![cx.arn("amplify", "apps/d0123/branches/main")]
    }

    fn status(&self, cx: &StatusContext<'_>, status: &mut Status) {
        let web = &cx.live.web;
        let (Some(app), Some(branch)) = (web.app.as_ref(), web.branch.as_ref()) else {
            return;
        };
        let web = WebStatus {
            branch: branch.name.clone(),
            url: format!("https://{}.{}", branch.name, app.default_domain),
            last_job: cx.extras.last_job.clone(),
            artifact_sha256: branch.artifact_sha256.clone(),
            domain: web.domain.as_ref().map(|d| DomainStatus {
                name: d.name.clone(),
                status: d.status.clone(),
            }),
        };
        if let Some(job) = &web.last_job
            && job.status == "FAILED"
        {
            status.problems.push(format!(
                "the last web job {} on {} failed",
                job.id, web.branch
            ));
        }
        status.web = Some(web);
    }

    fn cost(&self, cx: &CostContext<'_>, bill: &mut Bill<'_>) {
        // Manual deployments build nothing on Amplify.
        if cx.spec.web.is_none() {
            return;
        }
        bill.usage(
            "web hosting storage",
            "amplify.storage.gb_month",
            "per GB-month of the releases Amplify keeps",
        );
        bill.usage(
            "web data served",
            "amplify.served.gb",
            "per GB served to visitors from Amplify's CDN",
        );
    }
}

const ACTIONS: &[&str] = &[
    "amplify:CreateApp",
    "amplify:CreateBranch",
    "amplify:CreateDeployment",
    "amplify:CreateDomainAssociation",
    "amplify:DeleteApp",
    "amplify:GetApp",
    "amplify:GetBranch",
    "amplify:GetDomainAssociation",
    "amplify:ListDomainAssociations",
    "amplify:GetJob",
    "amplify:ListApps",
    "amplify:ListJobs",
    "amplify:StartDeployment",
    "amplify:StopJob",
    "amplify:TagResource",
    "amplify:UpdateBranch",
];
