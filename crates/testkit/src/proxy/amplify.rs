//! Amplify Hosting, which moto lacks: apps, branches, manual deployments
//! and their jobs, tags and domain associations, in the REST-JSON shapes of
//! the Amplify API reference.
//!
//! A manual deployment goes as on AWS: `CreateDeployment` hands out an
//! upload URL (here it points back at the proxy, where AWS's is a presigned
//! S3 URL, so the upload is counted as `s3 PutObject`); the client uploads a
//! zip there; `StartDeployment` starts the job; each `GetJob` is one tick of
//! simulated time, PENDING → RUNNING → SUCCEED (or FAILED with a step's
//! reason, when the test asks). A job whose upload is missing or is not a
//! valid zip fails, as on AWS. The failure wording is the simulation's own.
//! Domain associations go CREATING → `PENDING_VERIFICATION` →
//! `PENDING_DEPLOYMENT` → AVAILABLE, one state per `GetDomainAssociation`;
//! DNS verification itself is not simulated.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::message::{Request, Response, percent_decode};
use super::{JobOutcome, advance};

mod jobs;
mod routes;

use routes::Route;
pub(super) use routes::operation;

type Answer = Result<Value, Response>;

/// Where upload URLs point, under the proxy's own prefix.
pub(super) const UPLOAD_PREFIX: &str = "/_awsdeploy/amplify-upload/";

const ACCOUNT: &str = "123456789012";

/// How jobs started from now on go.
#[derive(Debug, Clone)]
pub(super) struct JobPlan {
    pub polls: usize,
    pub outcome: JobOutcome,
}

#[derive(Debug)]
pub(super) struct Amplify {
    pub job: JobPlan,
    /// [`super::Strictness::amplify`].
    pub strict: bool,
    /// How long jobs take in real time, when they do.
    pub wall_clock: Option<Duration>,
    apps: BTreeMap<String, App>,
    apps_created: u64,
}

impl Default for Amplify {
    fn default() -> Amplify {
        Amplify {
            job: JobPlan {
                polls: 1,
                outcome: JobOutcome::Succeeds,
            },
            strict: false,
            wall_clock: None,
            apps: BTreeMap::new(),
            apps_created: 0,
        }
    }
}

#[derive(Debug)]
struct App {
    json: Value,
    tags: BTreeMap<String, String>,
    branches: BTreeMap<String, Branch>,
    domains: BTreeMap<String, Domain>,
}

#[derive(Debug)]
struct Branch {
    json: Value,
    tags: BTreeMap<String, String>,
    /// Job `n` is `jobs[n - 1]`.
    jobs: Vec<Job>,
}

#[derive(Debug)]
struct Job {
    born: Instant,
    wall_clock: Option<Duration>,
    id: String,
    arn: String,
    status: &'static str,
    plan: JobPlan,
    seen: usize,
    /// Files the deployment expects (`fileMap`), or empty for one zip.
    file_map: BTreeMap<String, String>,
    uploads: BTreeMap<String, Vec<u8>>,
    start_time: f64,
    end_time: Option<f64>,
    failure: Option<(String, String)>,
}

#[derive(Debug)]
struct Domain {
    json: Value,
    seen: usize,
}

const DOMAIN_STATES: [&str; 4] = [
    "CREATING",
    "PENDING_VERIFICATION",
    "PENDING_DEPLOYMENT",
    "AVAILABLE",
];

/// As AWS goes: the certificate is requested before its verification
/// record exists (Amplify user guide, "Understanding DNS verification").
const STRICT_DOMAIN_STATES: [&str; 5] = [
    "CREATING",
    "REQUESTING_CERTIFICATE",
    "PENDING_VERIFICATION",
    "PENDING_DEPLOYMENT",
    "AVAILABLE",
];

/// The zip's key in a job's uploads.
const ZIP: &str = "";

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// An Amplify API call, parsed from its method and path.
fn error(status: u16, code: &str, message: &str) -> Response {
    Response::new(
        status,
        &[
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", "simulated"),
        ],
        json!({ "message": message }).to_string(),
    )
}

fn bad_request(message: &str) -> Response {
    error(400, "BadRequestException", message)
}

fn not_found(message: &str) -> Response {
    error(404, "NotFoundException", message)
}

/// Keys of `request` that `allowed` names, copied into `into`.
fn copy_fields(into: &mut Value, request: &Value, allowed: &[&str]) {
    for key in allowed {
        if let Some(value) = request.get(*key) {
            into[*key] = value.clone();
        }
    }
}

fn string_map(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

fn check_enum(value: &Value, field: &str, allowed: &[&str]) -> Result<(), Response> {
    match value.get(field).and_then(Value::as_str) {
        Some(v) if !allowed.contains(&v) => Err(bad_request(&format!(
            "1 validation error detected: Value '{v}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    }
}

const APP_FIELDS: [&str; 8] = [
    "name",
    "description",
    "platform",
    "environmentVariables",
    "enableBranchAutoBuild",
    "enableBranchAutoDeletion",
    "iamServiceRoleArn",
    "customRules",
];

const BRANCH_FIELDS: [&str; 7] = [
    "description",
    "stage",
    "framework",
    "environmentVariables",
    "enableAutoBuild",
    "enableNotification",
    "displayName",
];

const PLATFORMS: [&str; 3] = ["WEB", "WEB_DYNAMIC", "WEB_COMPUTE"];
const STAGES: [&str; 5] = [
    "PRODUCTION",
    "BETA",
    "DEVELOPMENT",
    "EXPERIMENTAL",
    "PULL_REQUEST",
];

impl Amplify {
    /// Answers one Amplify API call. `endpoint` is the proxy's, for upload
    /// URLs.
    /// `dns_record_exists` tells whether a record is in a Route 53 zone
    /// (for domain verification).
    pub fn handle(
        &mut self,
        request: &Request,
        endpoint: &str,
        dns_record_exists: &dyn Fn(&str) -> bool,
    ) -> Response {
        let body = request.json();
        let region = request.region();
        let answer = match Route::parse(request.method(), request.path()) {
            Route::CreateApp => self.create_app(&body, &region),
            Route::ListApps => Ok(json!({
                "apps": self.apps.values().map(App::render).collect::<Vec<_>>()
            })),
            Route::GetApp(id) => self.app(&id).map(|app| json!({ "app": app.render() })),
            Route::UpdateApp(id) => self.update_app(&id, &body),
            Route::DeleteApp(id) => match self.apps.remove(&id) {
                Some(app) => Ok(json!({ "app": app.render() })),
                None => Err(app_not_found(&id)),
            },
            Route::CreateBranch(id) => self.create_branch(&id, &body),
            Route::ListBranches(id) => self.app(&id).map(|app| {
                json!({ "branches": app.branches.values().map(Branch::render).collect::<Vec<_>>() })
            }),
            Route::GetBranch(id, name) => self
                .branch(&id, &name)
                .map(|b| json!({ "branch": b.render() })),
            Route::UpdateBranch(id, name) => self.update_branch(&id, &name, &body),
            Route::DeleteBranch(id, name) => self.app_mut(&id).and_then(|app| {
                app.branches
                    .remove(&name)
                    .map(|b| json!({ "branch": b.render() }))
                    .ok_or_else(|| branch_not_found(&name))
            }),
            Route::CreateDeployment(id, name) => {
                self.create_deployment(&id, &name, &body, endpoint)
            }
            Route::StartDeployment(id, name) => self.start_deployment(&id, &name, &body),
            Route::ListJobs(id, name) => self.branch(&id, &name).map(|b| {
                let strict = self.strict;
                json!({ "jobSummaries": b.jobs.iter().rev().map(|j| j.summary_as(strict)).collect::<Vec<_>>() })
            }),
            Route::GetJob(id, name, job) => self.get_job(&id, &name, &job),
            Route::StopJob(id, name, job) => self.stop_job(&id, &name, &job),
            Route::CreateDomainAssociation(id) => self.create_domain(&id, &body),
            Route::ListDomainAssociations(id) => self.app_mut(&id).map(|app| {
                json!({ "domainAssociations": app.domains.values().map(|d| d.json.clone()).collect::<Vec<_>>() })
            }),
            Route::GetDomainAssociation(id, domain) => {
                self.get_domain(&id, &domain, dns_record_exists)
            }
            Route::TagResource(arn) => self
                .tags_mut(&arn)
                .map(|tags| tags.extend(string_map(&body["tags"])))
                .map(|()| json!({})),
            Route::UntagResource(arn) => {
                let keys = request.query("tagKeys");
                self.tags_mut(&arn)
                    .map(|tags| tags.retain(|k, _| !keys.contains(k)))
                    .map(|()| json!({}))
            }
            Route::ListTagsForResource(arn) => self
                .tags_mut(&arn)
                .map(|tags| json!({ "tags": tags.clone() })),
            Route::Unknown => Err(bad_request(&format!(
                "{} {} is not part of the awsdeploy Amplify simulation",
                request.method(),
                request.path()
            ))),
        };
        match answer {
            Ok(body) => Response::json(200, "application/json", &body),
            Err(response) => response,
        }
    }

    fn app(&self, id: &str) -> Result<&App, Response> {
        self.apps.get(id).ok_or_else(|| app_not_found(id))
    }

    fn app_mut(&mut self, id: &str) -> Result<&mut App, Response> {
        self.apps.get_mut(id).ok_or_else(|| app_not_found(id))
    }

    fn branch(&self, id: &str, name: &str) -> Result<&Branch, Response> {
        self.app(id)?
            .branches
            .get(name)
            .ok_or_else(|| branch_not_found(name))
    }

    fn branch_mut(&mut self, id: &str, name: &str) -> Result<&mut Branch, Response> {
        self.app_mut(id)?
            .branches
            .get_mut(name)
            .ok_or_else(|| branch_not_found(name))
    }

    fn job_mut(&mut self, id: &str, name: &str, job: &str) -> Result<&mut Job, Response> {
        self.branch_mut(id, name)?
            .jobs
            .iter_mut()
            .find(|j| j.id == job)
            .ok_or_else(|| not_found(&format!("Job {job} not found.")))
    }

    fn create_app(&mut self, body: &Value, region: &str) -> Answer {
        let name = body["name"].as_str().unwrap_or("");
        if name.is_empty() || name.len() > 255 {
            return Err(bad_request(
                "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length between 1 and 255",
            ));
        }
        check_enum(body, "platform", &PLATFORMS)?;
        if body.get("repository").is_some() {
            return Err(bad_request(
                "apps connected to a repository are not part of the awsdeploy Amplify simulation; create the app without one for manual deployments",
            ));
        }
        self.apps_created += 1;
        let id = format!("d{:013x}", 0x1a2b_3c4d_0000 + self.apps_created);
        let time = now();
        let mut json = json!({
            "appId": id,
            "appArn": format!("arn:aws:amplify:{region}:{ACCOUNT}:apps/{id}"),
            "name": name,
            "description": "",
            "repository": "",
            "platform": "WEB",
            "createTime": time,
            "updateTime": time,
            "environmentVariables": {},
            "defaultDomain": format!("{id}.amplifyapp.com"),
            "enableBranchAutoBuild": false,
            "enableBranchAutoDeletion": false,
            "enableBasicAuth": false,
            "customRules": [],
        });
        copy_fields(&mut json, body, &APP_FIELDS);
        let app = App {
            json,
            tags: string_map(&body["tags"]),
            branches: BTreeMap::new(),
            domains: BTreeMap::new(),
        };
        let rendered = app.render();
        self.apps.insert(id, app);
        Ok(json!({ "app": rendered }))
    }

    fn update_app(&mut self, id: &str, body: &Value) -> Answer {
        check_enum(body, "platform", &PLATFORMS)?;
        let app = self.app_mut(id)?;
        copy_fields(&mut app.json, body, &APP_FIELDS);
        app.json["updateTime"] = json!(now());
        Ok(json!({ "app": app.render() }))
    }

    fn create_branch(&mut self, id: &str, body: &Value) -> Answer {
        check_enum(body, "stage", &STAGES)?;
        let name = body["branchName"].as_str().unwrap_or("").to_owned();
        if name.is_empty() || name.len() > 255 {
            return Err(bad_request(
                "1 validation error detected: Value at 'branchName' failed to satisfy constraint: Member must have length between 1 and 255",
            ));
        }
        let app = self.app_mut(id)?;
        if app.branches.contains_key(&name) {
            return Err(bad_request(&format!("Branch {name} already exists.")));
        }
        let time = now();
        let mut json = json!({
            "branchArn": format!("{}/branches/{}", app.json["appArn"].as_str().unwrap_or(""), name),
            "branchName": name,
            "description": "",
            "stage": "NONE",
            "displayName": name.replace('/', "-"),
            "enableNotification": false,
            "createTime": time,
            "updateTime": time,
            "environmentVariables": {},
            "enableAutoBuild": true,
            "customDomains": [],
            "framework": "",
            "activeJobId": "",
            "totalNumberOfJobs": "0",
            "enableBasicAuth": false,
            "enablePerformanceMode": false,
            "ttl": "5",
            "enablePullRequestPreview": false,
        });
        copy_fields(&mut json, body, &BRANCH_FIELDS);
        let branch = Branch {
            json,
            tags: string_map(&body["tags"]),
            jobs: Vec::new(),
        };
        let rendered = branch.render();
        app.branches.insert(name, branch);
        Ok(json!({ "branch": rendered }))
    }

    fn update_branch(&mut self, id: &str, name: &str, body: &Value) -> Answer {
        check_enum(body, "stage", &STAGES)?;
        let branch = self.branch_mut(id, name)?;
        copy_fields(&mut branch.json, body, &BRANCH_FIELDS);
        branch.json["updateTime"] = json!(now());
        Ok(json!({ "branch": branch.render() }))
    }

    fn create_deployment(&mut self, id: &str, name: &str, body: &Value, endpoint: &str) -> Answer {
        let plan = self.job.clone();
        let (strict, wall_clock) = (self.strict, self.wall_clock);
        let branch = self.branch_mut(id, name)?;
        // On AWS a deployment created and never started holds the branch
        // too, until it is stopped.
        if branch
            .jobs
            .iter()
            .any(|j| matches!(j.status, "PENDING" | "RUNNING") || (strict && j.status == "CREATED"))
        {
            return Err(bad_request(&format!(
                "A job is already running on branch {name}; wait for it or stop it."
            )));
        }
        let job_id = (branch.jobs.len() + 1).to_string();
        let file_map = string_map(&body["fileMap"]);
        let base = format!(
            "{endpoint}{UPLOAD_PREFIX}{id}/{}/{job_id}",
            encode_segment(name)
        );
        let file_urls: Map<String, Value> = file_map
            .keys()
            .map(|file| {
                (
                    file.clone(),
                    json!(format!("{base}/files/{}", encode_segment(file))),
                )
            })
            .collect();
        branch.jobs.push(Job {
            born: Instant::now(),
            wall_clock,
            arn: format!(
                "{}/jobs/{job_id}",
                branch.json["branchArn"].as_str().unwrap_or("")
            ),
            id: job_id.clone(),
            status: "CREATED",
            plan,
            seen: 0,
            file_map,
            uploads: BTreeMap::new(),
            start_time: now(),
            end_time: None,
            failure: None,
        });
        branch.json["totalNumberOfJobs"] = json!(branch.jobs.len().to_string());
        Ok(
            json!({ "jobId": job_id, "fileUploadUrls": file_urls, "zipUploadUrl": format!("{base}/zip") }),
        )
    }

    fn start_deployment(&mut self, id: &str, name: &str, body: &Value) -> Answer {
        let Some(job_id) = body["jobId"].as_str() else {
            return Err(bad_request(
                "StartDeployment needs the jobId from CreateDeployment; deployments from a sourceUrl are not part of the awsdeploy Amplify simulation",
            ));
        };
        let job = self.job_mut(id, name, job_id)?;
        if job.status != "CREATED" {
            return Err(bad_request(&format!(
                "Job {job_id} has already been started (status {}).",
                job.status
            )));
        }
        job.status = "PENDING";
        job.born = Instant::now();
        job.start_time = now();
        job.failure = job
            .artifact_problem()
            .map(|reason| ("DEPLOY".to_owned(), reason));
        Ok(json!({ "jobSummary": job.summary() }))
    }

    fn get_job(&mut self, id: &str, name: &str, job_id: &str) -> Answer {
        let job = self.job_mut(id, name, job_id)?;
        job.tick();
        let answer = json!({ "job": { "summary": job.summary(), "steps": job.steps() } });
        if job.status == "SUCCEED" {
            let branch = self.branch_mut(id, name)?;
            branch.json["activeJobId"] = json!(job_id);
        }
        Ok(answer)
    }

    fn stop_job(&mut self, id: &str, name: &str, job_id: &str) -> Answer {
        let job = self.job_mut(id, name, job_id)?;
        if !matches!(job.status, "CREATED" | "PENDING" | "RUNNING") {
            return Err(bad_request(&format!(
                "Job {job_id} cannot be stopped: it is {}.",
                job.status
            )));
        }
        job.status = "CANCELLED";
        job.end_time = Some(now());
        Ok(json!({ "jobSummary": job.summary() }))
    }

    fn create_domain(&mut self, id: &str, body: &Value) -> Answer {
        let Some(domain) = body["domainName"].as_str().map(str::to_owned) else {
            return Err(bad_request("domainName is required."));
        };
        let app = self.app_mut(id)?;
        if app.domains.contains_key(&domain) {
            return Err(bad_request(&format!(
                "Domain {domain} is already associated with this app."
            )));
        }
        let mut sub_domains = Vec::new();
        for setting in body["subDomainSettings"].as_array().into_iter().flatten() {
            let branch = setting["branchName"].as_str().unwrap_or("");
            if !app.branches.contains_key(branch) {
                return Err(branch_not_found(branch));
            }
            sub_domains.push(json!({
                "subDomainSetting": setting,
                "verified": false,
                "dnsRecord": format!(
                    "{} CNAME d1example{}.cloudfront.net",
                    setting["prefix"].as_str().unwrap_or(""),
                    app.domains.len()
                ),
            }));
        }
        let mut json = json!({
            "domainAssociationArn": format!("{}/domains/{domain}", app.json["appArn"].as_str().unwrap_or("")),
            "domainName": domain,
            "enableAutoSubDomain": body["enableAutoSubDomain"].as_bool().unwrap_or(false),
            "domainStatus": DOMAIN_STATES[0],
            "statusReason": "",
            "certificateVerificationDNSRecord": format!("_c0ffee.{domain}. CNAME _d00d.acm-validations.aws."),
            "subDomains": sub_domains,
        });
        if self.strict
            && let Some(json) = json.as_object_mut()
        {
            json.remove("certificateVerificationDNSRecord");
        }
        let app = self.app_mut(id)?;
        app.domains.insert(
            domain,
            Domain {
                json: json.clone(),
                seen: 0,
            },
        );
        Ok(json!({ "domainAssociation": json }))
    }

    fn get_domain(
        &mut self,
        id: &str,
        domain: &str,
        dns_record_exists: &dyn Fn(&str) -> bool,
    ) -> Answer {
        let strict = self.strict;
        let found = self.app_mut(id)?.domains.get_mut(domain);
        let Some(association) = found else {
            return Err(not_found(&format!(
                "Domain association {domain} not found."
            )));
        };
        let states: &[&str] = if strict {
            &STRICT_DOMAIN_STATES
        } else {
            &DOMAIN_STATES
        };
        let current = states[association.seen.min(states.len() - 1)];
        let record = format!("_c0ffee.{domain}. CNAME _d00d.acm-validations.aws.");
        // Verification waits for the record in the zone.
        let verified = !strict
            || current != "PENDING_VERIFICATION"
            || dns_record_exists(&format!("_c0ffee.{domain}"));
        if verified {
            association.seen += 1;
        }
        let state = states[association.seen.min(states.len() - 1)];
        association.json["domainStatus"] = json!(state);
        if strict && association.seen >= 2 {
            association.json["certificateVerificationDNSRecord"] = json!(record);
        }
        if state == "AVAILABLE" {
            for sub in association.json["subDomains"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                sub["verified"] = json!(true);
            }
        }
        Ok(json!({ "domainAssociation": association.json }))
    }

    fn tags_mut(&mut self, arn: &str) -> Result<&mut BTreeMap<String, String>, Response> {
        for app in self.apps.values_mut() {
            if app.json["appArn"] == arn {
                return Ok(&mut app.tags);
            }
            for branch in app.branches.values_mut() {
                if branch.json["branchArn"] == arn {
                    return Ok(&mut branch.tags);
                }
            }
        }
        Err(error(
            404,
            "ResourceNotFoundException",
            &format!("Resource {arn} not found."),
        ))
    }

    /// An upload to a URL `CreateDeployment` handed out (`path` is after
    /// [`UPLOAD_PREFIX`]), answered as S3 answers a presigned PUT.
    pub fn upload(&mut self, path: &str, body: Vec<u8>) -> Response {
        let parts: Vec<String> = path.split('/').map(percent_decode).collect();
        let (key, app, branch, job) = match parts.as_slice() {
            [app, branch, job, zip] if zip == "zip" => (ZIP.to_owned(), app, branch, job),
            [app, branch, job, files, file] if files == "files" => (file.clone(), app, branch, job),
            _ => {
                return s3_error(
                    404,
                    "NoSuchKey",
                    "The upload URL is not one Amplify handed out.",
                );
            }
        };
        match self.job_mut(app, branch, job) {
            Ok(job) if job.status == "CREATED" => {
                job.uploads.insert(key, body);
                Response::new(200, &[("ETag", "\"simulated\"")], Vec::new())
            }
            _ => s3_error(
                403,
                "AccessDenied",
                "The upload URL has expired or its deployment has started.",
            ),
        }
    }
}

fn s3_error(status: u16, code: &str, message: &str) -> Response {
    Response::new(
        status,
        &[("Content-Type", "application/xml")],
        format!("<Error><Code>{code}</Code><Message>{message}</Message></Error>"),
    )
}

fn app_not_found(id: &str) -> Response {
    not_found(&format!("App {id} not found."))
}

fn branch_not_found(name: &str) -> Response {
    not_found(&format!("Branch {name} not found."))
}

/// Percent-encodes a path segment.
fn encode_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl super::simulated::Simulated for Amplify {
    /// The Amplify API, and uploads to the URLs it hands out.
    fn claims(&self, call: &super::simulated::Call<'_>) -> bool {
        call.service() == "amplify" || call.request.path().starts_with(UPLOAD_PREFIX)
    }

    fn serve(&mut self, call: &super::simulated::Call<'_>) -> Option<std::io::Result<Response>> {
        let request = call.request;
        if let Some(path) = request.path().strip_prefix(UPLOAD_PREFIX) {
            return Some(Ok(self.upload(path, request.body.clone())));
        }
        self.strict = call.rules.amplify;
        let exists = |name: &str| call.upstream.dns_record_exists(name);
        Some(Ok(self.handle(
            request,
            &format!("http://{}", call.own),
            &exists,
        )))
    }
}
