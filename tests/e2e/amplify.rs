//! The testkit's Amplify service, through the real aws-sdk-amplify client:
//! the manual-deploy flow, its failures, tags, domains and typed errors.

use std::io::Write as _;

use aws_sdk_amplify::error::ProvideErrorMetadata as _;
use aws_sdk_amplify::types::{JobStatus, Platform, Stage, SubDomainSetting};
use awsdeploy_testkit::{JobOutcome, Lifecycle, http};

use crate::harness::World;

/// A zip holding `files`, made with the zip crate.
fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

struct Site {
    amplify: aws_sdk_amplify::Client,
    app_id: String,
}

fn site(world: &World) -> Site {
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    let app = world
        .block_on(
            amplify
                .create_app()
                .name("shop-dev-web")
                .platform(Platform::Web)
                .tags("awsdeploy:app", "shop")
                .send(),
        )
        .unwrap();
    let app_id = app.app().unwrap().app_id().to_owned();
    world
        .block_on(
            amplify
                .create_branch()
                .app_id(&app_id)
                .branch_name("main")
                .stage(Stage::Production)
                .environment_variables("NEXT_PUBLIC_API_URL", "https://api.example.com")
                .send(),
        )
        .unwrap();
    Site { amplify, app_id }
}

impl Site {
    /// `CreateDeployment`, the upload of `artifact` (if any), and
    /// `StartDeployment`; returns the job id.
    fn deploy(&self, world: &World, artifact: Option<&[u8]>) -> String {
        let created = world
            .block_on(
                self.amplify
                    .create_deployment()
                    .app_id(&self.app_id)
                    .branch_name("main")
                    .send(),
            )
            .unwrap();
        let job = created.job_id().unwrap().to_owned();
        if let Some(bytes) = artifact {
            assert_eq!(http::put(created.zip_upload_url(), bytes).unwrap(), 200);
        }
        let started = world
            .block_on(
                self.amplify
                    .start_deployment()
                    .app_id(&self.app_id)
                    .branch_name("main")
                    .job_id(&job)
                    .send(),
            )
            .unwrap();
        assert_eq!(
            started
                .job_summary()
                .map(aws_sdk_amplify::types::JobSummary::status),
            Some(&JobStatus::Pending)
        );
        job
    }

    fn job(&self, world: &World, job: &str) -> aws_sdk_amplify::types::Job {
        world
            .block_on(
                self.amplify
                    .get_job()
                    .app_id(&self.app_id)
                    .branch_name("main")
                    .job_id(job)
                    .send(),
            )
            .unwrap()
            .job()
            .unwrap()
            .clone()
    }

    fn statuses(&self, world: &World, job: &str, polls: usize) -> Vec<JobStatus> {
        (0..polls)
            .map(|_| self.job(world, job).summary().unwrap().status().clone())
            .collect()
    }
}

#[test]
fn a_manual_deployment_goes_pending_running_succeed() {
    let world = World::new();
    world.sim.simulate(Lifecycle::AmplifyJob {
        polls: 2,
        outcome: JobOutcome::Succeeds,
    });
    let site = site(&world);
    let job = site.deploy(
        &world,
        Some(&zip(&[
            ("index.html", "<h1>shop</h1>"),
            ("_next/app.js", "1"),
        ])),
    );
    assert_eq!(
        site.statuses(&world, &job, 5),
        [
            JobStatus::Pending,
            JobStatus::Running,
            JobStatus::Running,
            JobStatus::Succeed,
            JobStatus::Succeed
        ]
    );
    let branch = world
        .block_on(
            site.amplify
                .get_branch()
                .app_id(&site.app_id)
                .branch_name("main")
                .send(),
        )
        .unwrap();
    let branch = branch.branch().unwrap();
    assert_eq!(branch.active_job_id(), job);
    assert_eq!(
        branch.environment_variables().get("NEXT_PUBLIC_API_URL"),
        Some(&"https://api.example.com".to_owned())
    );
    let jobs = world
        .block_on(
            site.amplify
                .list_jobs()
                .app_id(&site.app_id)
                .branch_name("main")
                .send(),
        )
        .unwrap();
    assert_eq!(jobs.job_summaries().len(), 1);
    for operation in [
        "CreateApp",
        "CreateBranch",
        "CreateDeployment",
        "StartDeployment",
        "GetBranch",
        "ListJobs",
    ] {
        assert_eq!(world.sim.count("amplify", operation), 1, "{operation}");
    }
    assert_eq!(world.sim.count("amplify", "GetJob"), 5);
    assert_eq!(
        world.sim.count("s3", "PutObject"),
        1,
        "the upload is counted as S3's"
    );
}

#[test]
fn a_job_fails_with_the_reason_of_its_step() {
    let world = World::new();
    let site = site(&world);
    // Not a zip at all.
    let job = site.deploy(&world, Some(b"<h1>not a zip</h1>"));
    site.statuses(&world, &job, 2);
    let failed = site.job(&world, &job);
    assert_eq!(failed.summary().unwrap().status(), &JobStatus::Failed);
    assert!(
        failed.steps()[0]
            .status_reason()
            .unwrap()
            .contains("not a valid zip"),
        "{:?}",
        failed.steps()
    );

    // Nothing uploaded.
    let job = site.deploy(&world, None);
    site.statuses(&world, &job, 2);
    assert!(
        site.job(&world, &job).steps()[0]
            .status_reason()
            .unwrap()
            .contains("No artifact")
    );

    // A failure the test asks for.
    world.sim.simulate(Lifecycle::AmplifyJob {
        polls: 1,
        outcome: JobOutcome::Fails {
            step: "DEPLOY".to_owned(),
            reason: "Deployment failed: internal error".to_owned(),
        },
    });
    let job = site.deploy(&world, Some(&zip(&[("index.html", "ok")])));
    assert_eq!(
        site.statuses(&world, &job, 2),
        [JobStatus::Running, JobStatus::Failed]
    );
    let failed = site.job(&world, &job);
    let step = &failed.steps()[0];
    assert_eq!(
        (step.step_name(), step.status_reason()),
        ("DEPLOY", Some("Deployment failed: internal error"))
    );
}

#[test]
fn an_upload_after_the_start_is_refused_and_a_job_can_be_stopped() {
    let world = World::new();
    let site = site(&world);
    let created = world
        .block_on(
            site.amplify
                .create_deployment()
                .app_id(&site.app_id)
                .branch_name("main")
                .send(),
        )
        .unwrap();
    let job = created.job_id().unwrap().to_owned();
    let artifact = zip(&[("index.html", "ok")]);
    assert_eq!(http::put(created.zip_upload_url(), &artifact).unwrap(), 200);
    world
        .block_on(
            site.amplify
                .start_deployment()
                .app_id(&site.app_id)
                .branch_name("main")
                .job_id(&job)
                .send(),
        )
        .unwrap();
    assert_eq!(http::put(created.zip_upload_url(), &artifact).unwrap(), 403);
    let again = world.block_on(
        site.amplify
            .start_deployment()
            .app_id(&site.app_id)
            .branch_name("main")
            .job_id(&job)
            .send(),
    );
    let error = again.unwrap_err().into_service_error();
    assert!(error.is_bad_request_exception(), "{error:?}");
    let stopped = world
        .block_on(
            site.amplify
                .stop_job()
                .app_id(&site.app_id)
                .branch_name("main")
                .job_id(&job)
                .send(),
        )
        .unwrap();
    assert_eq!(
        stopped
            .job_summary()
            .map(aws_sdk_amplify::types::JobSummary::status),
        Some(&JobStatus::Cancelled)
    );
}

#[test]
fn file_map_deployments_get_an_upload_url_per_file() {
    let world = World::new();
    let site = site(&world);
    let created = world
        .block_on(
            site.amplify
                .create_deployment()
                .app_id(&site.app_id)
                .branch_name("main")
                .file_map("index.html", "d41d8cd98f00b204e9800998ecf8427e")
                .file_map("about/index.html", "0cc175b9c0f1b6a831c399e269772661")
                .send(),
        )
        .unwrap();
    let urls = created.file_upload_urls();
    assert_eq!(urls.len(), 2);
    assert_eq!(http::put(&urls["index.html"], b"<h1>").unwrap(), 200);
    let job = created.job_id().unwrap();
    world
        .block_on(
            site.amplify
                .start_deployment()
                .app_id(&site.app_id)
                .branch_name("main")
                .job_id(job)
                .send(),
        )
        .unwrap();
    site.statuses(&world, job, 2);
    assert!(
        site.job(&world, job).steps()[0]
            .status_reason()
            .unwrap()
            .contains("about/index.html"),
        "the file not uploaded is named"
    );
}

#[test]
fn apps_tags_and_errors_follow_the_api_reference() {
    let world = World::new();
    let site = site(&world);
    let amplify = &site.amplify;
    let app = world
        .block_on(amplify.get_app().app_id(&site.app_id).send())
        .unwrap();
    let app = app.app().unwrap();
    assert_eq!(app.platform(), &Platform::Web);
    assert_eq!(
        app.default_domain(),
        format!("{}.amplifyapp.com", site.app_id)
    );
    let arn = app.app_arn().to_owned();

    world
        .block_on(
            amplify
                .tag_resource()
                .resource_arn(&arn)
                .tags("awsdeploy:env", "dev")
                .tags("team", "web")
                .send(),
        )
        .unwrap();
    world
        .block_on(
            amplify
                .untag_resource()
                .resource_arn(&arn)
                .tag_keys("team")
                .send(),
        )
        .unwrap();
    let tags = world
        .block_on(amplify.list_tags_for_resource().resource_arn(&arn).send())
        .unwrap();
    let mut keys: Vec<&String> = tags.tags().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["awsdeploy:app", "awsdeploy:env"]);

    let updated = world
        .block_on(
            amplify
                .update_app()
                .app_id(&site.app_id)
                .environment_variables("A", "1")
                .send(),
        )
        .unwrap();
    assert_eq!(
        updated.app().unwrap().environment_variables().get("A"),
        Some(&"1".to_owned())
    );
    let listed = world.block_on(amplify.list_apps().send()).unwrap();
    assert_eq!(listed.apps().len(), 1);
    let branches = world
        .block_on(amplify.list_branches().app_id(&site.app_id).send())
        .unwrap();
    assert_eq!(branches.branches()[0].branch_name(), "main");

    let missing = world
        .block_on(amplify.get_app().app_id("dnothere").send())
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_not_found_exception(), "{missing:?}");
    let duplicate = world
        .block_on(
            amplify
                .create_branch()
                .app_id(&site.app_id)
                .branch_name("main")
                .send(),
        )
        .unwrap_err()
        .into_service_error();
    assert!(duplicate.is_bad_request_exception(), "{duplicate:?}");
    assert!(duplicate.message().unwrap().contains("already exists"));

    world
        .block_on(amplify.delete_app().app_id(&site.app_id).send())
        .unwrap();
    let gone = world
        .block_on(amplify.get_app().app_id(&site.app_id).send())
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_not_found_exception());
}

#[test]
fn a_domain_association_goes_from_creating_to_available() {
    // The lenient lifecycle (the record from the start, no DNS check);
    // tests/e2e/strict.rs has AWS's.
    let world = World::with(awsdeploy_testkit::Strictness {
        amplify: false,
        ..awsdeploy_testkit::Strictness::aws()
    });
    let site = site(&world);
    let amplify = &site.amplify;
    let created = world
        .block_on(
            amplify
                .create_domain_association()
                .app_id(&site.app_id)
                .domain_name("shop.example.com")
                .sub_domain_settings(
                    SubDomainSetting::builder()
                        .prefix("www")
                        .branch_name("main")
                        .build()
                        .unwrap(),
                )
                .send(),
        )
        .unwrap();
    let association = created.domain_association().unwrap();
    assert_eq!(association.domain_status().as_str(), "CREATING");
    assert!(
        association
            .certificate_verification_dns_record()
            .unwrap()
            .contains("shop.example.com")
    );
    let states: Vec<String> = (0..3)
        .map(|_| {
            world
                .block_on(
                    amplify
                        .get_domain_association()
                        .app_id(&site.app_id)
                        .domain_name("shop.example.com")
                        .send(),
                )
                .unwrap()
                .domain_association()
                .unwrap()
                .domain_status()
                .as_str()
                .to_owned()
        })
        .collect();
    assert_eq!(
        states,
        ["PENDING_VERIFICATION", "PENDING_DEPLOYMENT", "AVAILABLE"]
    );
}

#[test]
fn amplify_calls_get_faults_and_latency_like_any_other() {
    use awsdeploy_testkit::{Fault, FaultKind, Trigger};
    let world = World::new();
    world.sim.inject(Fault {
        service: "amplify".to_owned(),
        operation: "ListApps".to_owned(),
        trigger: Trigger::Times(1),
        kind: FaultKind::Throttle,
    });
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    world
        .block_on(amplify.list_apps().send())
        .expect("the SDK retries a throttled call");
    assert_eq!(world.sim.count("amplify", "ListApps"), 2);
}
