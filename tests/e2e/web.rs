//! Web releases end to end: the Amplify app and branch from `up`, and
//! `awsdeploy web-release` of a folder and of a zip against the testkit's
//! Amplify service (uploads counted as `s3 PutObject`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use awsdeploy_testkit::{JobOutcome, Lifecycle};

use crate::harness::{World, create_zone};

const APP: &str = "web";

fn site(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = dir.join(name);
    for (file, text) in files {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    root
}

fn web_spec(world: &World, artifact: &Path) -> String {
    let path = world.network_spec(
        APP,
        &format!(
            "azs = 1\nnat = \"none\"\n\n[web]\nbranch = \"main\"\nartifact = \"{}\"\nenv = {{ NEXT_PUBLIC_FLAG = \"on\" }}\n",
            artifact.display()
        ),
    );
    path.to_str().unwrap().to_owned()
}

fn uploads(world: &World) -> usize {
    world.sim.count("s3", "PutObject")
}

fn branch(world: &World) -> aws_sdk_amplify::types::Branch {
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    let apps = world.block_on(amplify.list_apps().send()).unwrap();
    let app = apps
        .apps()
        .iter()
        .find(|a| a.name() == format!("{APP}-dev-web"))
        .expect("up made the app");
    assert_eq!(app.platform(), &aws_sdk_amplify::types::Platform::Web);
    let out = world
        .block_on(
            amplify
                .get_branch()
                .app_id(app.app_id())
                .branch_name("main")
                .send(),
        )
        .unwrap();
    out.branch().unwrap().clone()
}

#[test]
fn up_releases_the_folder_then_the_same_build_uploads_nothing_and_force_uploads() {
    let world = World::new();
    let folder = site(
        world.dir.path(),
        "out",
        &[("index.html", "<h1>v1</h1>"), ("_next/static/app.js", "1")],
    );
    let spec = web_spec(&world, &folder);

    // `up` makes the app and branch, then releases the artifact.
    let up = world.run(&["up", "-f", &spec, "--yes"]);
    up.assert_code(0);
    assert_eq!(uploads(&world), 1, "{}", up.stderr);
    assert!(up.stderr.contains("SUCCEED"), "{}", up.stderr);
    let live = branch(&world);
    assert_eq!(
        live.environment_variables()
            .get("NEXT_PUBLIC_FLAG")
            .map(String::as_str),
        Some("on")
    );
    let tagged = live.tags().unwrap()["awsdeploy:artifact-sha256"].clone();
    assert_eq!(tagged.len(), 64);

    // The same build: nothing to plan, nothing to upload.
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);
    let again = world.run(&["web-release", "-f", &spec, "--output", "json"]);
    again.assert_code(0);
    assert!(
        again.stderr.contains("already serves this artifact"),
        "{}",
        again.stderr
    );
    assert_eq!(again.json()["web_release"]["uploaded"], false);
    assert_eq!(uploads(&world), 1);

    // --force uploads again.
    let forced = world.run(&["web-release", "-f", &spec, "--force"]);
    forced.assert_code(0);
    assert_eq!(uploads(&world), 2);
    assert!(
        forced
            .stderr
            .contains("Released: main serves https://main."),
        "{}",
        forced.stderr
    );

    // A zip of another build is released, and recorded.
    let zip_path = world.dir.path().join("site.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    zip.start_file("index.html", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"<h1>v2</h1>").unwrap();
    zip.finish().unwrap();
    let from_zip = world.run(&[
        "web-release",
        "-f",
        &spec,
        "--artifact",
        zip_path.to_str().unwrap(),
    ]);
    from_zip.assert_code(0);
    assert_eq!(uploads(&world), 3);
    let retagged = branch(&world).tags().unwrap()["awsdeploy:artifact-sha256"].clone();
    assert_ne!(retagged, tagged);
    // The spec's folder is now a change again: `diff` plans its release.
    let diff = world.run(&["diff", "-f", &spec]);
    assert!(diff.stdout.contains("web release"), "{}", diff.stdout);
}

#[test]
fn server_builds_and_folders_without_index_are_refused_before_any_aws_call() {
    let world = World::new();
    let ssr = site(
        world.dir.path(),
        "ssr",
        &[(".next/server/app/page.js", ""), (".next/BUILD_ID", "x")],
    );
    let bare = site(world.dir.path(), "bare", &[("app.js", "")]);
    let compute = site(
        world.dir.path(),
        "compute",
        &[
            ("index.html", ""),
            (".amplify-hosting/compute/default/server.js", ""),
        ],
    );
    for (folder, expected) in [
        (&ssr, "not a static export"),
        (&bare, "has no index.html at its root"),
        (&compute, "Amplify compute (SSR) bundle"),
    ] {
        let spec = web_spec(&world, folder);
        for args in [
            vec!["validate", "-f", &spec],
            vec!["web-release", "-f", &spec],
            vec!["up", "-f", &spec, "--yes"],
        ] {
            let run = world.run(&args);
            run.assert_code(1);
            assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
            assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
        }
    }
    assert!(
        world
            .run(&["web-release", "-f", &web_spec(&world, &ssr)])
            .stderr
            .contains("output: 'export'")
    );
    assert_eq!(world.sim.total_calls(), 0);
}

#[test]
fn a_failed_job_exits_1_with_each_steps_reason() {
    let world = World::new();
    let folder = site(world.dir.path(), "out", &[("index.html", "<h1>v1</h1>")]);
    let spec = web_spec(&world, &folder);
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    world.sim.simulate(Lifecycle::AmplifyJob {
        polls: 1,
        outcome: JobOutcome::Fails {
            step: "DEPLOY".to_owned(),
            reason: "Access denied to the artifact bucket".to_owned(),
        },
    });
    let failed = world.run(&["web-release", "-f", &spec, "--force"]);
    failed.assert_code(1);
    assert!(
        failed.stderr.contains("ended FAILED")
            && failed
                .stderr
                .contains("DEPLOY: FAILED: Access denied to the artifact bucket"),
        "{}",
        failed.stderr
    );
}

#[test]
fn a_custom_domain_is_associated_and_its_records_written_in_the_zone() {
    let world = World::new();
    let route53 = aws_sdk_route53::Client::new(&world.config);
    let zone_id = create_zone(&world, "example.com");
    let folder = site(world.dir.path(), "out", &[("index.html", "<h1>v1</h1>")]);
    let spec = world.network_spec(
        APP,
        &format!(
            "azs = 1\nnat = \"none\"\n\n[web]\nartifact = \"{}\"\ndomain = \"shop.example.com\"\n\n[dns]\nzone = \"example.com\"\napi = \"api.example.com\"\n",
            folder.display()
        ),
    );
    let spec = spec.to_str().unwrap();
    let up = world.run(&["up", "-f", spec, "--yes"]);
    up.assert_code(0);
    assert_eq!(world.sim.count("amplify", "CreateDomainAssociation"), 1);
    let records = world
        .block_on(
            route53
                .list_resource_record_sets()
                .hosted_zone_id(&zone_id)
                .send(),
        )
        .unwrap();
    let cnames: Vec<(String, String)> = records
        .resource_record_sets()
        .iter()
        .filter(|r| r.r#type() == &aws_sdk_route53::types::RrType::Cname)
        .map(|r| {
            (
                r.name().trim_end_matches('.').to_owned(),
                r.resource_records()[0].value().to_owned(),
            )
        })
        .collect();
    assert!(
        cnames
            .iter()
            .any(|(name, value)| name == "shop.example.com" && value.ends_with(".cloudfront.net")),
        "{cnames:?}"
    );
    assert!(
        cnames.iter().any(|(name, _)| name.starts_with("_c0ffee.")),
        "the certificate's verification record: {cnames:?}"
    );
    // The branch gets the API's URL from [dns].
    assert_eq!(
        branch(&world)
            .environment_variables()
            .get("API_URL")
            .map(String::as_str),
        Some("https://api.example.com")
    );
    world
        .run(&["diff", "-f", spec, "--detailed-exitcode"])
        .assert_code(0);
}

#[test]
fn a_job_left_open_by_an_interrupted_release_is_stopped_and_the_release_goes_on() {
    let world = World::new();
    let folder = site(world.dir.path(), "out", &[("index.html", "<h1>v1</h1>")]);
    let spec = web_spec(&world, &folder);
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    // An earlier run made a deployment and was killed before starting it.
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    let apps = world.block_on(amplify.list_apps().send()).unwrap();
    let app_id = apps.apps()[0].app_id().to_owned();
    let abandoned = world
        .block_on(
            amplify
                .create_deployment()
                .app_id(&app_id)
                .branch_name("main")
                .send(),
        )
        .unwrap();
    let abandoned = abandoned.job_id().unwrap().to_owned();
    site(world.dir.path(), "out", &[("index.html", "<h1>v2</h1>")]);
    let up = world.run(&["up", "-f", &spec, "--yes"]);
    up.assert_code(0);
    assert!(
        up.stderr
            .contains(&format!("stopping job {abandoned} on main, left pending")),
        "{}",
        up.stderr
    );
    assert_eq!(world.sim.count("amplify", "StopJob"), 1);
    let job = world
        .block_on(
            amplify
                .get_job()
                .app_id(&app_id)
                .branch_name("main")
                .job_id(&abandoned)
                .send(),
        )
        .unwrap();
    assert_eq!(
        job.job().unwrap().summary().unwrap().status(),
        &aws_sdk_amplify::types::JobStatus::Cancelled
    );
}

#[test]
fn an_app_whose_create_answer_is_lost_is_adopted_not_made_twice() {
    let world = World::new();
    let folder = site(world.dir.path(), "out", &[("index.html", "<h1>v1</h1>")]);
    let spec = web_spec(&world, &folder);
    world.sim.inject(awsdeploy_testkit::Fault {
        service: "amplify".into(),
        operation: "CreateApp".into(),
        trigger: awsdeploy_testkit::Trigger::Times(1),
        kind: awsdeploy_testkit::FaultKind::LostAnswer(503),
    });
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    assert_eq!(world.sim.count("amplify", "CreateApp"), 1);
    let amplify = aws_sdk_amplify::Client::new(&world.config);
    let apps = world.block_on(amplify.list_apps().send()).unwrap();
    assert_eq!(apps.apps().len(), 1, "{:?}", apps.apps());
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);
}
