//! Amplify Hosting: the web app, its branch, and releases of the static
//! export through the manual-deployment API.
//!
//! A release: `CreateDeployment` (a job and a presigned upload URL), a PUT
//! of the zip to that URL (progress reported as bytes go out),
//! `StartDeployment`, then `GetJob` until the job ends or the deadline. On
//! SUCCEED the branch is tagged with the artifact's SHA-256, which is how
//! the next release of the same build knows there is nothing to do. On
//! FAILED every step's status and reason is in the error.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_amplify::types::{JobStatus, Platform, Stage, SubDomainSetting};
use aws_sdk_route53::types::RrType;
use awsdeploy_plan::Ref;
use awsdeploy_plan::live::{LiveAmplifyApp, LiveAmplifyBranch, LiveDomainAssociation, LiveWeb};
use awsdeploy_plan::names::web_app_name as app_name;
use awsdeploy_plan::web::ARTIFACT_TAG;
use awsdeploy_plan::{ComponentId, WebStep};
use awsdeploy_spec::artifact::Artifact;

use crate::error::{already_done, sdk};
use crate::tags::Owner;
use crate::wait::{self, Check};
use crate::{AwsError, Clients, Output, StepContext};

fn tags(owner: &Owner, name: &str) -> HashMap<String, String> {
    owner
        .tags(ComponentId::Web, name)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
}

/// The first app named `name` (`ListApps`, page by page).
async fn find_app(
    amplify: &aws_sdk_amplify::Client,
    name: &str,
) -> Result<Option<aws_sdk_amplify::types::App>, AwsError> {
    let mut token = None;
    loop {
        let out = amplify
            .list_apps()
            .set_next_token(token)
            .send()
            .await
            .map_err(sdk("ListApps", name))?;
        if let Some(app) = out.apps().iter().find(|a| a.name() == name) {
            return Ok(Some(app.clone()));
        }
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(None);
        }
    }
}

/// Whether `app` carries `owner`'s tags.
fn owns_app(owner: &Owner, app: &aws_sdk_amplify::types::App) -> bool {
    owner.owns(
        app.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))),
    )
}

/// The stack's app (found by name, owned by its tags) and `branch`.
pub async fn observe(
    amplify: &aws_sdk_amplify::Client,
    owner: &Owner,
    branch: Option<&str>,
    domain: Option<&str>,
) -> Result<LiveWeb, AwsError> {
    let Some(branch) = branch else {
        return Ok(LiveWeb::default());
    };
    // `down` without `[web]` (no branch named): the app, and its domain
    // from the app itself.
    let from_app = branch.is_empty();
    let name = app_name(&owner.app, &owner.env);
    let Some(app) = find_app(amplify, &name).await? else {
        return Ok(LiveWeb::default());
    };
    let live_app = LiveAmplifyApp {
        id: app.app_id().to_owned(),
        arn: app.app_arn().to_owned(),
        name: app.name().to_owned(),
        owned: owns_app(owner, &app),
        platform: app.platform().as_str().to_owned(),
        repository: Some(app.repository().to_owned()).filter(|r| !r.is_empty()),
        default_domain: app.default_domain().to_owned(),
    };
    let branch = if from_app {
        None
    } else {
        observe_branch(amplify, app.app_id(), branch).await?
    };
    let domain = match domain {
        Some(domain) => Some(domain.to_owned()),
        None if from_app => first_domain(amplify, app.app_id()).await?,
        None => None,
    };
    let domain = match domain.as_deref() {
        Some(domain) => match amplify
            .get_domain_association()
            .app_id(app.app_id())
            .domain_name(domain)
            .send()
            .await
            .map_err(sdk("GetDomainAssociation", domain))
        {
            Ok(out) => out.domain_association().map(|d| LiveDomainAssociation {
                name: d.domain_name().to_owned(),
                status: d.domain_status().as_str().to_owned(),
                sub_domains: d
                    .sub_domains()
                    .iter()
                    .filter_map(|s| s.sub_domain_setting())
                    .map(|s| (s.prefix().to_owned(), s.branch_name().to_owned()))
                    .collect(),
            }),
            Err(e) if already_done(&e, &["NotFoundException"]) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(LiveWeb {
        app: Some(live_app),
        branch,
        domain,
    })
}

/// Amplify's domain states before the verification record exists.
const DOMAIN_STATES_BEFORE_RECORDS: [&str; 4] = [
    "CREATING",
    "REQUESTING_CERTIFICATE",
    "UPDATING",
    "IMPORTING_CUSTOM_CERTIFICATE",
];

/// How long a new association may take to show its records.
const DOMAIN_RECORDS_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// The association's records as (name, value) CNAMEs, once Amplify has
/// them: it requests the certificate first and shows the verification
/// record only from `PENDING_VERIFICATION` on (Amplify user guide,
/// "Understanding DNS verification"). Amplify writes them as
/// `name CNAME value`, the sub-domain's name relative to the domain.
async fn domain_records(
    amplify: &aws_sdk_amplify::Client,
    app_id: &str,
    domain: &str,
) -> Result<Vec<(String, String)>, AwsError> {
    let what = format!("the domain association {domain} to show its DNS records");
    let intervals = wait::backoff(Duration::from_secs(1), Duration::from_secs(15));
    let association = wait::until_with(&what, DOMAIN_RECORDS_DEADLINE, intervals, || async {
        let out = amplify
            .get_domain_association()
            .app_id(app_id)
            .domain_name(domain)
            .send()
            .await
            .map_err(sdk("GetDomainAssociation", domain))?;
        let Some(association) = out.domain_association().cloned() else {
            return Ok(Check::Pending("not visible yet".to_owned()));
        };
        let status = association.domain_status().as_str().to_owned();
        Ok(if status == "FAILED" {
            Check::Failed(format!("FAILED: {}", association.status_reason()))
        } else if DOMAIN_STATES_BEFORE_RECORDS.contains(&status.as_str()) {
            Check::Pending(status)
        } else {
            Check::Ready(association)
        })
    })
    .await?;
    let parse = |record: &str, relative: bool| {
        let parts: Vec<&str> = record.split_whitespace().collect();
        let (name, value) = match parts.as_slice() {
            [name, "CNAME", value] => (*name, *value),
            ["CNAME", value] => ("", *value),
            _ => return None,
        };
        let name = name.trim_end_matches('.');
        let name = match (relative, name) {
            (true, "") => domain.to_owned(),
            (true, prefix) if !prefix.ends_with(domain) => format!("{prefix}.{domain}"),
            _ => name.to_owned(),
        };
        Some((name, value.trim_end_matches('.').to_owned()))
    };
    let mut records: Vec<(String, String)> = association
        .certificate_verification_dns_record()
        .and_then(|r| parse(r, false))
        .into_iter()
        .collect();
    records.extend(
        association
            .sub_domains()
            .iter()
            .map(aws_sdk_amplify::types::SubDomain::dns_record)
            .filter_map(|r| parse(r, true)),
    );
    Ok(records)
}

pub(crate) async fn run(step: &WebStep, cx: &StepContext<'_>) -> Result<Option<String>, AwsError> {
    let StepContext {
        clients,
        owner,
        ids,
        ..
    } = *cx;
    let amplify = &clients.amplify;
    match step {
        WebStep::DeleteAmplifyApp {
            app_id,
            domain,
            zone_id,
        } => delete_app(cx, app_id, domain.as_deref(), zone_id.as_deref()).await,
        // Amplify has no client token and app names are not unique: sent
        // once, and after a lost answer the app is looked for by name.
        WebStep::CreateAmplifyApp { name } => create_amplify_app(cx, name).await,
        WebStep::CreateAmplifyBranch { app, branch, env } => {
            let out = amplify
                .create_branch()
                .app_id(ids.resolve(app)?)
                .branch_name(branch)
                .stage(Stage::Production)
                .enable_auto_build(false)
                .set_environment_variables(Some(env.clone().into_iter().collect()))
                .set_tags(Some(tags(owner, branch)))
                .send()
                .await
                .map_err(sdk("CreateBranch", branch.as_str()))?;
            Ok(out.branch().map(|b| b.branch_arn().to_owned()))
        }
        WebStep::UpdateAmplifyBranch { app, branch, env } => {
            amplify
                .update_branch()
                .app_id(ids.resolve(app)?)
                .branch_name(branch)
                .set_environment_variables(Some(env.clone().into_iter().collect()))
                .send()
                .await
                .map_err(sdk("UpdateBranch", branch.as_str()))?;
            Ok(None)
        }
        WebStep::CreateDomainAssociation {
            app,
            domain,
            prefix,
            branch,
        } => create_domain_association(cx, app, domain, prefix, branch).await,
        WebStep::WriteDomainRecords {
            app,
            domain,
            zone_id,
        } => write_domain_records(cx, app, domain, zone_id.as_deref()).await,
        WebStep::ReleaseWeb {
            app,
            branch,
            artifact,
            sha256,
            timeout_secs,
        } => release_web(cx, app, branch, artifact, sha256, *timeout_secs).await,
    }
}

async fn create_amplify_app(cx: &StepContext<'_>, name: &str) -> Result<Option<String>, AwsError> {
    let amplify = &cx.clients.amplify;
    let owner = cx.owner;

    let create = || async {
        let out = amplify
            .create_app()
            .name(name)
            .platform(Platform::Web)
            .description("awsdeploy: the web app, released by manual deployments")
            .set_tags(Some(tags(owner, name)))
            .customize()
            .config_override(
                aws_sdk_amplify::config::Builder::default()
                    .retry_config(aws_sdk_amplify::config::retry::RetryConfig::disabled()),
            )
            .send()
            .await
            .map_err(sdk("CreateApp", name))?;
        out.app()
            .map(|a| a.app_id().to_owned())
            .ok_or(AwsError::MissingField {
                operation: "CreateApp",
                resource: name.to_owned(),
                field: "app.appId",
            })
    };
    let find = || async {
        Ok(find_app(amplify, name)
            .await?
            .filter(|app| owns_app(owner, app))
            .map(|app| app.app_id().to_owned()))
    };
    Ok(Some(wait::create_once(name, create, find).await?))
}

async fn create_domain_association(
    cx: &StepContext<'_>,
    app: &Ref,
    domain: &str,
    prefix: &str,
    branch: &str,
) -> Result<Option<String>, AwsError> {
    let amplify = &cx.clients.amplify;
    let ids = cx.ids;

    amplify
        .create_domain_association()
        .app_id(ids.resolve(app)?)
        .domain_name(domain)
        .sub_domain_settings(
            SubDomainSetting::builder()
                .prefix(prefix)
                .branch_name(branch)
                .build()
                .map_err(crate::error::built("CreateDomainAssociation"))?,
        )
        .send()
        .await
        .map_err(sdk("CreateDomainAssociation", domain))?;
    Ok(None)
}

async fn write_domain_records(
    cx: &StepContext<'_>,
    app: &Ref,
    domain: &str,
    zone_id: Option<&str>,
) -> Result<Option<String>, AwsError> {
    let amplify = &cx.clients.amplify;
    let ids = cx.ids;
    let output = cx.output;
    let clients = cx.clients;

    let records = domain_records(amplify, &ids.resolve(app)?, domain).await?;
    match zone_id {
        Some(zone_id) => {
            // The apex cannot be a CNAME; Amplify's apex record is
            // for the user to make (an alias to its CloudFront).
            let (apex, cnames): (Vec<_>, Vec<_>) =
                records.into_iter().partition(|(name, _)| name == domain);
            let cnames: Vec<_> = cnames
                .into_iter()
                .map(|(name, value)| (name, RrType::Cname, value))
                .collect();
            crate::dns::upsert_records(&clients.route53, zone_id, &cnames, domain).await?;
            for (name, value) in apex {
                (output.line)(&format!(
                    "web: {name} is the zone's apex: point it at {value} yourself (an ALIAS/ANAME record)"
                ));
            }
        }
        None => {
            for (name, value) in records {
                (output.line)(&format!(
                    "web: create this DNS record for {domain}: {name} CNAME {value}"
                ));
            }
        }
    }
    Ok(None)
}

async fn release_web(
    cx: &StepContext<'_>,
    app: &Ref,
    branch: &str,
    artifact: &str,
    sha256: &str,
    timeout_secs: u64,
) -> Result<Option<String>, AwsError> {
    let ids = cx.ids;
    let output = cx.output;
    let clients = cx.clients;

    let artifact = awsdeploy_spec::artifact::load(std::path::Path::new(artifact))
        .map_err(|e| AwsError::WebRelease(format!("{e}; {}", e.hint)))?;
    if artifact.sha256 != *sha256 {
        return Err(AwsError::WebRelease(format!(
            "{} changed since the plan was made (SHA-256 {} now, {sha256} planned); plan again with `awsdeploy diff`",
            artifact.path.display(),
            artifact.sha256
        )));
    }
    let url = release(
        clients,
        output,
        &ids.resolve(app)?,
        branch,
        &artifact,
        Duration::from_secs(timeout_secs),
    )
    .await?;
    (output.line)(&format!("web: released to {url}"));
    Ok(None)
}

/// Releases `artifact` to `branch` of the app `app_id`; returns the URL it
/// serves at.
pub async fn release(
    clients: &Clients,
    output: &Output,
    app_id: &str,
    branch: &str,
    artifact: &Artifact,
    timeout: Duration,
) -> Result<String, AwsError> {
    let amplify = &clients.amplify;
    clear_branch(amplify, output, app_id, branch, timeout).await?;
    let created = amplify
        .create_deployment()
        .app_id(app_id)
        .branch_name(branch)
        .send()
        .await
        .map_err(sdk("CreateDeployment", branch))?;
    let job_id = created.job_id().unwrap_or_default().to_owned();
    upload(clients, output, created.zip_upload_url(), &artifact.zip).await?;
    amplify
        .start_deployment()
        .app_id(app_id)
        .branch_name(branch)
        .job_id(&job_id)
        .send()
        .await
        .map_err(sdk("StartDeployment", branch))?;
    (output.line)(&format!(
        "web: job {job_id} started on {branch} ({} files, {} bytes)",
        artifact.files,
        artifact.zip.len()
    ));
    let job = follow(amplify, output, (app_id, branch, &job_id), timeout).await?;
    let summary = job.summary();
    if summary.map(aws_sdk_amplify::types::JobSummary::status) != Some(&JobStatus::Succeed) {
        let steps: Vec<String> = job
            .steps()
            .iter()
            .map(|s| {
                format!(
                    "\n  {}: {}{}",
                    s.step_name(),
                    s.status().as_str(),
                    s.status_reason()
                        .filter(|r| !r.is_empty())
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        return Err(AwsError::WebRelease(format!(
            "the Amplify job {job_id} on {branch} ended {}; the branch serves what it served before. Its steps:{}",
            summary.map_or("without a status", |s| s.status().as_str()),
            steps.concat()
        )));
    }
    // The job's ARN is the branch's with /jobs/{id}: tag the branch.
    let job_arn = summary
        .map(aws_sdk_amplify::types::JobSummary::job_arn)
        .unwrap_or_default();
    let branch_arn = job_arn.rsplit_once("/jobs/").map_or(job_arn, |(b, _)| b);
    amplify
        .tag_resource()
        .resource_arn(branch_arn)
        .tags(ARTIFACT_TAG, &artifact.sha256)
        .send()
        .await
        .map_err(sdk("TagResource", branch_arn))?;
    let app = amplify
        .get_app()
        .app_id(app_id)
        .send()
        .await
        .map_err(sdk("GetApp", app_id))?;
    let domain = app
        .app()
        .map(aws_sdk_amplify::types::App::default_domain)
        .unwrap_or_default();
    Ok(format!("https://{}.{domain}", branch.replace('/', "-")))
}

/// Makes the branch free for a new deployment, which Amplify refuses while
/// another job is open ("A job is already running on branch"): an earlier
/// run interrupted mid-release leaves one. A job still `PENDING` (created
/// and never started, or not begun) is stopped: this release supersedes
/// it. One that is provisioning or running is waited for.
async fn clear_branch(
    amplify: &aws_sdk_amplify::Client,
    output: &Output,
    app_id: &str,
    branch: &str,
    timeout: Duration,
) -> Result<(), AwsError> {
    let out = amplify
        .list_jobs()
        .app_id(app_id)
        .branch_name(branch)
        .max_results(10)
        .send()
        .await
        .map_err(sdk("ListJobs", branch))?;
    for job in out.job_summaries() {
        let job_id = job.job_id();
        match job.status() {
            JobStatus::Pending => {
                (output.line)(&format!(
                    "web: stopping job {job_id} on {branch}, left pending by an earlier run"
                ));
                match amplify
                    .stop_job()
                    .app_id(app_id)
                    .branch_name(branch)
                    .job_id(job_id)
                    .send()
                    .await
                    .map_err(sdk("StopJob", job_id))
                {
                    // It ended meanwhile.
                    Err(e) if already_done(&e, &["BadRequestException", "NotFoundException"]) => {}
                    other => {
                        other?;
                    }
                }
            }
            JobStatus::Provisioning | JobStatus::Running | JobStatus::Cancelling => {
                (output.line)(&format!(
                    "web: job {job_id} on {branch} is still {}; waiting for it to end",
                    job.status().as_str()
                ));
                follow(amplify, output, (app_id, branch, job_id), timeout).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Polls `GetJob` until the job ends (any end) or `timeout`, reporting each
/// status change.
async fn follow(
    amplify: &aws_sdk_amplify::Client,
    output: &Output,
    (app_id, branch, job_id): (&str, &str, &str),
    timeout: Duration,
) -> Result<aws_sdk_amplify::types::Job, AwsError> {
    let last = std::sync::Mutex::new(String::new());
    wait::until_with(
        &format!("the Amplify job {job_id} on {branch}"),
        timeout,
        wait::watched(),
        || {
            let last = &last;
            async move {
                let out = amplify
                    .get_job()
                    .app_id(app_id)
                    .branch_name(branch)
                    .job_id(job_id)
                    .send()
                    .await
                    .map_err(sdk("GetJob", job_id))?;
                let Some(job) = out.job().cloned() else {
                    return Ok(Check::Failed("gone".to_owned()));
                };
                let status = job
                    .summary()
                    .map_or("PENDING", |s| s.status().as_str())
                    .to_owned();
                let mut seen = last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if *seen != status {
                    (output.line)(&format!("web: job {job_id}: {status}"));
                    seen.clone_from(&status);
                }
                Ok(match job.summary().map(aws_sdk_amplify::types::JobSummary::status) {
                    Some(JobStatus::Succeed | JobStatus::Failed | JobStatus::Cancelled) => {
                        Check::Ready(job)
                    }
                    _ => Check::Pending(status),
                })
            }
        },
    )
    .await
    .map_err(|e| match e {
        AwsError::Timeout { waited, .. } => AwsError::WebRelease(format!(
            "the Amplify job {job_id} on {branch} had not ended after {}s (web.timeout); Amplify goes on with it: follow it with `aws amplify get-job --app-id {app_id} --branch-name {branch} --job-id {job_id}`",
            waited.as_secs()
        )),
        other => other,
    })
}

/// PUTs `zip` to the presigned `url`, reporting bytes as they go out.
async fn upload(clients: &Clients, output: &Output, url: &str, zip: &[u8]) -> Result<(), AwsError> {
    const CHUNK: usize = 64 * 1024;
    let total = zip.len() as u64;
    let chunks: Vec<Vec<u8>> = zip.chunks(CHUNK).map(<[u8]>::to_vec).collect();
    let progress = output.upload.clone();
    let mut sent = 0_u64;
    progress(0, total);
    let stream = futures_util::stream::iter(chunks.into_iter().map(move |chunk| {
        sent += chunk.len() as u64;
        progress(sent, total);
        Ok::<_, std::io::Error>(chunk)
    }));
    let response = clients
        .http
        .put(url)
        .header("Content-Type", "application/zip")
        .header("Content-Length", total)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .map_err(|e| AwsError::WebRelease(format!("uploading the artifact failed: {e}")))?;
    if !response.status().is_success() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        return Err(AwsError::WebRelease(format!(
            "uploading the artifact failed: HTTP {status}: {}",
            body.chars().take(300).collect::<String>()
        )));
    }
    Ok(())
}

/// `down`: the custom domain's records awsdeploy wrote in the zone, then
/// the app (its branches and domain association go with it).
async fn delete_app(
    cx: &StepContext<'_>,
    app_id: &str,
    domain: Option<&str>,
    zone_id: Option<&str>,
) -> Result<Option<String>, AwsError> {
    let amplify = &cx.clients.amplify;
    if let (Some(domain), Some(zone_id)) = (domain, zone_id) {
        match domain_records(amplify, app_id, domain).await {
            Ok(records) => {
                let cnames: Vec<_> = records
                    .into_iter()
                    .filter(|(name, _)| name != domain)
                    .map(|(name, value)| (name, RrType::Cname, value))
                    .collect();
                crate::dns::delete_records(&cx.clients.route53, zone_id, &cnames).await?;
            }
            // The association cannot show its records (failed, or gone):
            // nothing awsdeploy can match in the zone.
            Err(e) => (cx.output.line)(&format!(
                "web: the records of {domain} were not read ({e}); delete them from the zone if they remain"
            )),
        }
    }
    let deleted = amplify
        .delete_app()
        .app_id(app_id)
        .send()
        .await
        .map(drop)
        .map_err(sdk("DeleteApp", app_id));
    match deleted {
        Err(e) if e.is_not_found() => Ok(None),
        other => other.map(|()| None),
    }
}

/// The branch `branch` of app `app_id`, if it exists.
async fn observe_branch(
    amplify: &aws_sdk_amplify::Client,
    app_id: &str,
    branch: &str,
) -> Result<Option<LiveAmplifyBranch>, AwsError> {
    Ok(
        match amplify
            .get_branch()
            .app_id(app_id)
            .branch_name(branch)
            .send()
            .await
            .map_err(sdk("GetBranch", branch))
        {
            Ok(out) => out.branch().map(|b| LiveAmplifyBranch {
                name: b.branch_name().to_owned(),
                arn: b.branch_arn().to_owned(),
                env: b
                    .environment_variables()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                artifact_sha256: b.tags().and_then(|t| t.get(ARTIFACT_TAG)).cloned(),
            }),
            Err(e) if already_done(&e, &["NotFoundException"]) => None,
            Err(e) => return Err(e),
        },
    )
}

/// The first custom domain associated with app `app_id`, if any.
async fn first_domain(
    amplify: &aws_sdk_amplify::Client,
    app_id: &str,
) -> Result<Option<String>, AwsError> {
    let out = amplify
        .list_domain_associations()
        .app_id(app_id)
        .send()
        .await
        .map_err(sdk("ListDomainAssociations", app_id))?;
    Ok(out
        .domain_associations()
        .first()
        .map(|d| d.domain_name().to_owned()))
}
