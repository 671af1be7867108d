//! The CI files awsdeploy prints (`awsdeploy ci buildspec`, `awsdeploy ci
//! github-actions`) and keeps in the pipeline's CodeBuild projects: one set
//! of shell steps, written as a CodeBuild buildspec or a GitHub Actions
//! workflow.
//!
//! The build: the spec's install, generate and build steps; the API image
//! built and pushed to the spec's ECR repository tagged with the commit
//! (skipped when that tag is already there: tags are immutable, and a retried
//! build must not fail on its own push). The deploy: awsdeploy built from
//! the pinned commit (`pipeline.awsdeploy_git`, `awsdeploy_rev`), then `awsdeploy up --image-tag <commit> --yes`, which
//! migrates, rolls the service out and releases the web build.

use awsdeploy_spec::{Pipeline, Spec};

use crate::registry::repository_name;
use crate::yaml::Yaml;

/// Which part of the work a file does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Build and push, then deploy: one CodeBuild project does it all.
    All,
    /// The pipeline's Build stage.
    Build,
    /// The pipeline's Deploy stage.
    Deploy,
}

/// The commit the image is tagged with: the pipeline passes the source's
/// commit as `COMMIT`; a build started by hand falls back to CodeBuild's
/// resolved source version.
const COMMIT_FROM_CODEBUILD: &str = "COMMIT=\"${COMMIT:-$CODEBUILD_RESOLVED_SOURCE_VERSION}\"";

/// What identifies the installed awsdeploy: the commit, or a hash of a
/// custom install command.
fn install_pin(pipeline: &Pipeline) -> String {
    pipeline.awsdeploy_rev.clone().unwrap_or_else(|| {
        awsdeploy_spec::artifact::sha256_hex(pipeline.awsdeploy_install.as_bytes())[..16].to_owned()
    })
}

/// The shell steps, by phase.
struct Steps {
    install: Vec<String>,
    generate: Vec<String>,
    build: Vec<String>,
    image: Vec<String>,
    install_awsdeploy: Vec<String>,
    deploy: Vec<String>,
}

fn steps(spec: &Spec, pipeline: &Pipeline) -> Steps {
    let repository = repository_name(spec).unwrap_or_default();
    let build = &pipeline.build;
    let image = vec![
        format!(
            "REPOSITORY_URI=$(aws ecr describe-repositories --repository-names {repository} --query 'repositories[0].repositoryUri' --output text)"
        ),
        "if aws ecr describe-images --repository-name ".to_owned()
            + &repository
            + " --image-ids imageTag=\"$COMMIT\" >/dev/null 2>&1; then echo \"$REPOSITORY_URI:$COMMIT is already pushed\"; else"
            + " aws ecr get-login-password | docker login --username AWS --password-stdin \"${REPOSITORY_URI%%/*}\""
            + " && docker build --file "
            + &build.dockerfile
            + " --tag \"$REPOSITORY_URI:$COMMIT\" "
            + &build.context
            + " && docker push \"$REPOSITORY_URI:$COMMIT\"; fi",
    ];
    let install = pipeline
        .awsdeploy_install
        .replace(
            "{git}",
            pipeline.awsdeploy_git.as_deref().unwrap_or_default(),
        )
        .replace(
            "{rev}",
            pipeline.awsdeploy_rev.as_deref().unwrap_or_default(),
        );
    let pin = install_pin(pipeline);
    Steps {
        install: build.install.clone(),
        generate: build.generate.clone(),
        build: build.build.clone(),
        image,
        // A binary kept from an earlier run (GitHub's cache) is used only
        // when it was installed from this very source.
        install_awsdeploy: vec![
            "export PATH=\"$HOME/.cargo/bin:$PATH\"".to_owned(),
            format!(
                "if command -v awsdeploy >/dev/null && grep -qx '{pin}' \"$HOME/.cargo/awsdeploy.pin\" 2>/dev/null; then echo 'awsdeploy {pin} is installed'; else {install} && echo '{pin}' > \"$HOME/.cargo/awsdeploy.pin\"; fi"
            ),
        ],
        deploy: vec![format!(
            "awsdeploy up --spec {} --env {} --image-tag \"$COMMIT\" --yes",
            pipeline.spec, spec.env
        )],
    }
}

/// The repository paths the deploy stage needs from the build: everything
/// (the spec, the migrations, the web build).
const ARTIFACT_FILES: &str = "**/*";

/// A CodeBuild buildspec (version 0.2: one shell for every phase, so
/// variables carry from one command to the next).
pub fn buildspec(spec: &Spec, pipeline: &Pipeline, stage: Stage) -> String {
    let steps = steps(spec, pipeline);
    let mut phases = Vec::new();
    let build_stage = stage != Stage::Deploy;
    let deploy_stage = stage != Stage::Build;
    let mut install = Vec::new();
    if build_stage {
        install.extend(steps.install);
    }
    if deploy_stage {
        install.extend(steps.install_awsdeploy);
    }
    phases.push(("install", commands(install)));
    let mut pre_build = vec![COMMIT_FROM_CODEBUILD.to_owned()];
    if build_stage {
        pre_build.extend(steps.generate);
    }
    phases.push(("pre_build", commands(pre_build)));
    let mut build = Vec::new();
    if build_stage {
        build.extend(steps.build);
        build.extend(steps.image);
    }
    if deploy_stage {
        build.extend(steps.deploy);
    }
    phases.push(("build", commands(build)));
    let mut doc = vec![
        ("version", Yaml::Scalar("0.2".to_owned())),
        (
            "env",
            Yaml::map([
                ("shell", Yaml::str("bash")),
                (
                    "variables",
                    Yaml::map([("AWS_PAGER", Yaml::str("")), ("NO_COLOR", Yaml::str("1"))]),
                ),
            ]),
        ),
        ("phases", Yaml::map(phases)),
    ];
    if stage == Stage::Build {
        doc.push((
            "artifacts",
            Yaml::map([
                ("files", Yaml::strs([ARTIFACT_FILES])),
                // What the deploy does not read, and the bulk of a workspace.
                (
                    "exclude-paths",
                    Yaml::strs(["**/node_modules/**/*", ".git/**/*"]),
                ),
            ]),
        ));
    }
    Yaml::map(doc).render()
}

fn commands(lines: Vec<String>) -> Yaml {
    Yaml::map([("commands", Yaml::strs(lines))])
}

/// A GitHub Actions workflow that does what the pipeline does, with
/// credentials from GitHub's OIDC provider (no stored keys): the role
/// `[pipeline] github_oidc` names, in `account` (or the repository
/// variable `AWS_ACCOUNT_ID`).
pub fn github_actions(spec: &Spec, pipeline: &Pipeline, account: Option<&str>) -> String {
    let steps = steps(spec, pipeline);
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let account = account.unwrap_or("${{ vars.AWS_ACCOUNT_ID }}");
    let partition = spec
        .app
        .region
        .as_deref()
        .map_or("aws", crate::permissions::partition_of);
    let region = spec
        .app
        .region
        .clone()
        .unwrap_or_else(|| "${{ vars.AWS_REGION }}".to_owned());
    let role = |name: String| format!("arn:{partition}:iam::{account}:role/{name}");
    let web = spec.web.as_ref().and_then(|w| w.artifact.clone());
    let jobs = Jobs {
        build: build_job(
            &steps,
            &role(crate::names::github_build_role_name(app, env)),
            &region,
            web.as_deref(),
        ),
        deploy: deploy_job(
            &steps,
            pipeline,
            &role(crate::names::github_role_name(app, env)),
            &region,
            web.as_deref(),
        ),
    };
    Yaml::map([
        ("name", Yaml::str(format!("deploy {app} {env}"))),
        (
            "on",
            Yaml::map([(
                "push",
                Yaml::map([("branches", Yaml::strs([pipeline.branch.clone()]))]),
            )]),
        ),
        (
            "permissions",
            Yaml::map([
                ("id-token", Yaml::str("write")),
                ("contents", Yaml::str("read")),
            ]),
        ),
        // One deploy of an environment at a time; awsdeploy's own lock
        // refuses a second anyway, this queues it instead.
        (
            "concurrency",
            Yaml::map([
                ("group", Yaml::str(format!("awsdeploy-{app}-{env}"))),
                ("cancel-in-progress", Yaml::Scalar("false".to_owned())),
            ]),
        ),
        (
            "jobs",
            Yaml::map([("build", jobs.build), ("deploy", jobs.deploy)]),
        ),
    ])
    .render()
}

/// The workflow's two jobs. The build runs the team's own build (npm
/// install scripts, Dockerfile steps: third-party code) with a role that
/// can only push the image; the deploy runs awsdeploy, and nothing of the
/// build, with the deploy role.
struct Jobs {
    build: Yaml,
    deploy: Yaml,
}

/// A job on GitHub's ubuntu runner. No `environment:`: a job in a GitHub
/// environment gets the token subject `repo:…:environment:NAME`, which the
/// roles (trusting `repo:…:ref:refs/heads/BRANCH`) refuse.
fn job(needs: Option<&str>, steps: Vec<Yaml>) -> Yaml {
    let mut entries = vec![("runs-on", Yaml::str("ubuntu-latest"))];
    if let Some(needs) = needs {
        entries.push(("needs", Yaml::str(needs)));
    }
    entries.push((
        "env",
        Yaml::map([
            ("COMMIT", Yaml::str("${{ github.sha }}")),
            ("AWS_PAGER", Yaml::str("")),
        ]),
    ));
    entries.push(("steps", Yaml::List(steps)));
    Yaml::map(entries)
}

fn run(name: &str, lines: &[String]) -> Yaml {
    Yaml::map([
        ("name", Yaml::str(name)),
        ("run", Yaml::str(lines.join("\n") + "\n")),
    ])
}

/// Checkout, then credentials for `role`.
fn start(role: &str, region: &str) -> Vec<Yaml> {
    vec![
        Yaml::map([("uses", Yaml::str("actions/checkout@v4"))]),
        Yaml::map([
            (
                "uses",
                Yaml::str("aws-actions/configure-aws-credentials@v4"),
            ),
            (
                "with",
                Yaml::map([
                    ("role-to-assume", Yaml::str(role)),
                    ("aws-region", Yaml::str(region)),
                ]),
            ),
        ]),
    ]
}

/// The artifact that carries the web build from the build job to the
/// deploy job.
const WEB_ARTIFACT: &str = "web-build";

fn build_job(steps: &Steps, role: &str, region: &str, web: Option<&str>) -> Yaml {
    let mut out = start(role, region);
    out.extend([
        run("Install", &steps.install),
        run("Generate", &steps.generate),
        run("Build", &steps.build),
        run("Push the API image", &steps.image),
    ]);
    if let Some(path) = web {
        out.push(Yaml::map([
            ("uses", Yaml::str("actions/upload-artifact@v4")),
            (
                "with",
                Yaml::map([
                    ("name", Yaml::str(WEB_ARTIFACT)),
                    ("path", Yaml::str(path)),
                    ("if-no-files-found", Yaml::str("error")),
                ]),
            ),
        ]));
    }
    job(None, out)
}

fn deploy_job(
    steps: &Steps,
    pipeline: &Pipeline,
    role: &str,
    region: &str,
    web: Option<&str>,
) -> Yaml {
    let mut out = start(role, region);
    if let Some(path) = web {
        out.push(Yaml::map([
            ("uses", Yaml::str("actions/download-artifact@v4")),
            (
                "with",
                Yaml::map([("name", Yaml::str(WEB_ARTIFACT)), ("path", Yaml::str(path))]),
            ),
        ]));
    }
    out.extend([
        // `cargo install` compiles for minutes: keep the binary between
        // runs, with the pin it was installed from.
        Yaml::map([
            ("uses", Yaml::str("actions/cache@v4")),
            (
                "with",
                Yaml::map([
                    (
                        "path",
                        Yaml::str("~/.cargo/bin/awsdeploy\n~/.cargo/awsdeploy.pin"),
                    ),
                    (
                        "key",
                        Yaml::str(format!("awsdeploy-{}", install_pin(pipeline))),
                    ),
                ]),
            ),
        ]),
        run("Install awsdeploy", &steps.install_awsdeploy),
        run("Deploy", &steps.deploy),
    ]);
    job(Some("build"), out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use yaml_rust2::{Yaml as Parsed, YamlLoader};

    fn spec(pipeline: &str) -> Spec {
        Spec::parse(
            &format!(
                "[app]\nname = \"shop\"\nregion = \"eu-west-1\"\n[registry]\n[service]\n[pipeline]\nrepository = \"acme/shop\"\nbranch = \"release\"\nawsdeploy_git = \"https://github.com/acme/awsdeploy\"\nawsdeploy_rev = \"4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c\"\n{pipeline}"
            ),
            "t.toml",
            "prod",
        )
        .unwrap()
    }

    fn parse(text: &str) -> Parsed {
        YamlLoader::load_from_str(text)
            .unwrap_or_else(|e| panic!("{e}\n{text}"))
            .remove(0)
    }

    /// Every command of a phase, each checked by `bash -n`.
    fn commands(doc: &Parsed, phase: &str) -> Vec<String> {
        let lines: Vec<String> = doc["phases"][phase]["commands"]
            .as_vec()
            .unwrap_or_else(|| panic!("phase {phase}"))
            .iter()
            .map(|c| c.as_str().expect("a command is a string").to_owned())
            .collect();
        for line in &lines {
            bash_parses(line);
        }
        lines
    }

    fn bash_parses(script: &str) {
        let status = std::process::Command::new("bash")
            .args(["-n", "-c", script])
            .status()
            .expect("bash");
        assert!(status.success(), "bash cannot parse: {script}");
    }

    #[test]
    fn the_buildspec_pushes_the_commit_and_deploys_it() {
        let spec = spec("[pipeline.build]\ngenerate = [\"make proto\"]\n");
        let pipeline = spec.pipeline.as_ref().unwrap();
        let doc = parse(&buildspec(&spec, pipeline, Stage::All));
        assert_eq!(doc["version"].as_f64(), Some(0.2));
        assert_eq!(doc["env"]["shell"].as_str(), Some("bash"));
        let install = commands(&doc, "install");
        assert_eq!(
            install[..2],
            ["corepack enable", "pnpm install --frozen-lockfile"]
        );
        // awsdeploy from the pinned commit, never by name from a registry;
        // a kept binary only when its pin is this commit.
        let awsdeploy = install.last().unwrap();
        assert!(
            awsdeploy.contains("cargo install --git https://github.com/acme/awsdeploy --rev 4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c --locked awsdeploy")
                && awsdeploy.contains("grep -qx '4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c'")
                && !awsdeploy.contains("cargo install awsdeploy"),
            "{awsdeploy}"
        );
        let pre_build = commands(&doc, "pre_build");
        assert!(pre_build[0].starts_with("COMMIT="), "{pre_build:?}");
        assert!(pre_build.contains(&"make proto".to_owned()));
        let build = commands(&doc, "build");
        assert_eq!(build[0], "pnpm turbo build");
        assert!(
            build
                .iter()
                .any(|c| c.contains("docker push \"$REPOSITORY_URI:$COMMIT\"")
                    && c.contains("--repository-name shop/prod/api")
                    && c.contains("--tag \"$REPOSITORY_URI:$COMMIT\"")),
            "{build:?}"
        );
        assert_eq!(
            build.last().unwrap(),
            "awsdeploy up --spec awsdeploy.toml --env prod --image-tag \"$COMMIT\" --yes"
        );
    }

    #[test]
    fn the_pipeline_stages_split_the_work() {
        let spec = spec("");
        let pipeline = spec.pipeline.as_ref().unwrap();
        let build = parse(&buildspec(&spec, pipeline, Stage::Build));
        let all: Vec<String> = ["install", "pre_build", "build"]
            .iter()
            .flat_map(|p| commands(&build, p))
            .collect();
        assert!(all.iter().any(|c| c.contains("docker push")));
        assert!(!all.iter().any(|c| c.contains("awsdeploy")), "{all:?}");
        assert_eq!(build["artifacts"]["files"][0].as_str(), Some("**/*"));

        let deploy = parse(&buildspec(&spec, pipeline, Stage::Deploy));
        let all: Vec<String> = ["install", "pre_build", "build"]
            .iter()
            .flat_map(|p| commands(&deploy, p))
            .collect();
        assert!(
            !all.iter()
                .any(|c| c.contains("docker") || c.contains("pnpm")),
            "{all:?}"
        );
        assert!(all.iter().any(|c| c.starts_with("awsdeploy up ")));
    }

    #[test]
    fn the_workflow_builds_with_a_push_role_and_deploys_with_the_deploy_role() {
        let spec = spec("runner = \"github-actions\"\n");
        let pipeline = spec.pipeline.as_ref().unwrap();
        let doc = parse(&github_actions(&spec, pipeline, Some("123456789012")));
        assert_eq!(doc["on"]["push"]["branches"][0].as_str(), Some("release"));
        assert_eq!(doc["permissions"]["id-token"].as_str(), Some("write"));
        assert!(
            !doc.as_hash()
                .unwrap()
                .keys()
                .any(|k| k.as_str() == Some("secrets")),
            "no stored keys"
        );
        let job = |name: &str| {
            let job = &doc["jobs"][name];
            assert_eq!(job["env"]["COMMIT"].as_str(), Some("${{ github.sha }}"));
            assert!(
                job["environment"].is_badvalue(),
                "a GitHub environment changes the token's subject, which the roles trust"
            );
            let steps = job["steps"].as_vec().unwrap().clone();
            let credentials = steps
                .iter()
                .find(|s| s["uses"].as_str() == Some("aws-actions/configure-aws-credentials@v4"))
                .expect("the credentials step");
            assert_eq!(
                credentials["with"]["aws-region"].as_str(),
                Some("eu-west-1")
            );
            let role = credentials["with"]["role-to-assume"]
                .as_str()
                .unwrap()
                .to_owned();
            let scripts: Vec<String> = steps
                .iter()
                .filter_map(|s| s["run"].as_str().map(str::to_owned))
                .collect();
            for script in &scripts {
                bash_parses(script);
            }
            (role, scripts.join("\n"))
        };
        // The build: the team's build and the push, with the push-only role.
        let (role, build) = job("build");
        assert_eq!(
            role,
            "arn:aws:iam::123456789012:role/shop-prod-github-build"
        );
        assert!(
            build.contains("docker push \"$REPOSITORY_URI:$COMMIT\""),
            "{build}"
        );
        assert!(!build.contains("awsdeploy"), "{build}");
        // The deploy: awsdeploy, after the build, and nothing of the build.
        assert_eq!(doc["jobs"]["deploy"]["needs"].as_str(), Some("build"));
        let (role, deploy) = job("deploy");
        assert_eq!(
            role,
            "arn:aws:iam::123456789012:role/shop-prod-github-deploy"
        );
        assert!(deploy.contains(
            "awsdeploy up --spec awsdeploy.toml --env prod --image-tag \"$COMMIT\" --yes"
        ));
        assert!(
            !deploy.contains("pnpm") && !deploy.contains("docker"),
            "{deploy}"
        );
        assert!(!format!("{build}{deploy}").contains("AWS_SECRET_ACCESS_KEY"));
    }

    #[test]
    fn without_an_account_the_role_comes_from_a_repository_variable() {
        let spec = spec("");
        let text = github_actions(&spec, spec.pipeline.as_ref().unwrap(), None);
        let doc = parse(&text);
        let steps = doc["jobs"]["deploy"]["steps"].as_vec().unwrap();
        assert_eq!(
            steps[1]["with"]["role-to-assume"].as_str(),
            Some("arn:aws:iam::${{ vars.AWS_ACCOUNT_ID }}:role/shop-prod-github-deploy")
        );
    }
}
