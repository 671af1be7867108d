//! `[pipeline]`: the repository and branch that deploy, the build's image
//! and steps.

use toml::Spanned;

use super::Checker;
use crate::raw::{RawPipeline, RawPipelineBuild};
use crate::{GitProvider, Pipeline, PipelineBuild, Runner, defaults};

pub(super) fn pipeline(c: &mut Checker, raw: &RawPipeline) -> Pipeline {
    let runner = match raw.runner.as_ref().map(|r| r.get_ref().as_str()) {
        None | Some("codepipeline") => Runner::Codepipeline,
        Some("github-actions") => Runner::GithubActions,
        Some(other) => {
            c.error(
                format!("pipeline.runner `{other}` is not a pipeline awsdeploy knows"),
                raw.runner.as_ref().map(Spanned::span),
                "use \"codepipeline\" (CodePipeline and CodeBuild in the account) or \"github-actions\"",
            );
            Runner::Codepipeline
        }
    };
    let repository = repository(c, raw);
    let branch = Checker::text(raw.branch.as_ref(), defaults::PIPELINE_BRANCH);
    if branch.is_empty() || branch.chars().any(|ch| ch.is_whitespace() || ch == '*') {
        c.error(
            format!("pipeline.branch `{branch}` is not a branch name"),
            raw.branch.as_ref().map(Spanned::span),
            "name one branch, e.g. branch = \"main\": its pushes deploy this environment",
        );
    }
    let provider = match raw.provider.as_ref().map(|p| p.get_ref().as_str()) {
        None | Some("GitHub") => GitProvider::GitHub,
        Some("GitLab") => GitProvider::GitLab,
        Some("Bitbucket") => GitProvider::Bitbucket,
        Some(other) => {
            c.error(
                format!("pipeline.provider `{other}` is not a Git host CodeStar connects to"),
                raw.provider.as_ref().map(Spanned::span),
                "use GitHub, GitLab or Bitbucket",
            );
            GitProvider::GitHub
        }
    };
    let compute_type = Checker::text(raw.compute_type.as_ref(), defaults::PIPELINE_COMPUTE_TYPE);
    if !defaults::PIPELINE_COMPUTE_TYPES.contains(&compute_type.as_str()) {
        c.error(
            format!("pipeline.compute_type `{compute_type}` is not a CodeBuild compute type"),
            raw.compute_type.as_ref().map(Spanned::span),
            format!("use one of {}", defaults::PIPELINE_COMPUTE_TYPES.join(", ")),
        );
    }
    let github_oidc =
        runner == Runner::GithubActions || Checker::flag(raw.github_oidc.as_ref(), false);
    if github_oidc && provider != GitProvider::GitHub {
        c.error(
            "GitHub Actions and pipeline.github_oidc need provider = \"GitHub\": the role trusts GitHub's OIDC tokens",
            raw.github_oidc
                .as_ref()
                .map(Spanned::span)
                .or_else(|| raw.provider.as_ref().map(Spanned::span)),
            "set provider = \"GitHub\"; with another host use runner = \"codepipeline\" without github_oidc",
        );
    }
    let (awsdeploy_git, awsdeploy_rev, install) = install_source(c, raw);
    Pipeline {
        runner,
        repository,
        branch,
        provider,
        spec: Checker::text(raw.spec.as_ref(), defaults::PIPELINE_SPEC),
        build_image: Checker::text(raw.build_image.as_ref(), defaults::PIPELINE_BUILD_IMAGE),
        compute_type,
        buildspec: raw.buildspec.as_ref().map(|b| b.get_ref().clone()),
        awsdeploy_git,
        awsdeploy_rev,
        awsdeploy_install: install,
        github_oidc,
        artifact_retention_days: u32::try_from(c.int(
            raw.artifact_retention_days.as_ref(),
            "pipeline.artifact_retention_days",
            "days the artifact bucket keeps build artifacts",
            (1, 3650),
            i64::from(defaults::PIPELINE_ARTIFACT_RETENTION_DAYS),
        ))
        .unwrap_or(defaults::PIPELINE_ARTIFACT_RETENTION_DAYS),
        build: build(raw.build.as_ref()),
    }
}

fn build(raw: Option<&RawPipelineBuild>) -> PipelineBuild {
    let empty = RawPipelineBuild::default();
    let raw = raw.unwrap_or(&empty);
    let list = |value: &Option<Spanned<Vec<Spanned<String>>>>, default: &[&str]| match value {
        Some(list) => list.get_ref().iter().map(|v| v.get_ref().clone()).collect(),
        None => default.iter().map(|s| (*s).to_owned()).collect(),
    };
    PipelineBuild {
        install: list(&raw.install, &defaults::PIPELINE_INSTALL),
        generate: list(&raw.generate, &defaults::PIPELINE_GENERATE),
        build: list(&raw.build, &defaults::PIPELINE_BUILD),
        dockerfile: Checker::text(raw.dockerfile.as_ref(), defaults::PIPELINE_DOCKERFILE),
        context: Checker::text(raw.context.as_ref(), defaults::PIPELINE_CONTEXT),
    }
}

/// `pipeline.repository`: required, `owner/name`.
fn repository(c: &mut Checker, raw: &RawPipeline) -> String {
    match &raw.repository {
        None => {
            c.error(
                "pipeline.repository is missing",
                None,
                "name the repository the pipeline builds, as owner/name: repository = \"acme/shop\"",
            );
            String::new()
        }
        Some(value) => {
            let text = value.get_ref();
            let valid = text.split_once('/').is_some_and(|(owner, name)| {
                let part = |p: &str| {
                    !p.is_empty()
                        && p.chars()
                            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
                };
                part(owner) && part(name)
            });
            if !valid {
                c.error(
                    format!("pipeline.repository `{text}` is not owner/name"),
                    Some(value.span()),
                    "write the repository as its host shows it, without the URL: repository = \"acme/shop\"",
                );
            }
            text.clone()
        }
    }
}

/// Where the deploy stage gets awsdeploy: a commit of a Git repository
/// (`awsdeploy_git`, `awsdeploy_rev`) or a command of the spec's own
/// (`awsdeploy_install`). awsdeploy is on no registry: a `cargo install
/// awsdeploy` by name would fail, or run whoever published that name with
/// the deploy role.
fn install_source(c: &mut Checker, raw: &RawPipeline) -> (Option<String>, Option<String>, String) {
    let git = raw.awsdeploy_git.as_ref();
    let rev = raw.awsdeploy_rev.as_ref();
    if let Some(git) = git
        && !git.get_ref().starts_with("https://")
    {
        c.error(
            format!("pipeline.awsdeploy_git `{}` is not an https:// URL", git.get_ref()),
            Some(git.span()),
            "name the repository CI can clone without keys, e.g. awsdeploy_git = \"https://github.com/acme/awsdeploy\"",
        );
    }
    if let Some(rev) = rev
        && !(rev.get_ref().len() == 40 && rev.get_ref().bytes().all(|b| b.is_ascii_hexdigit()))
    {
        c.error(
            format!("pipeline.awsdeploy_rev `{}` is not a commit id", rev.get_ref()),
            Some(rev.span()),
            "give the full 40-hex commit (`git rev-parse HEAD` in awsdeploy's checkout): a branch or tag can move, a commit cannot",
        );
    }
    let install = if let Some(custom) = raw.awsdeploy_install.as_ref() {
        let text = custom.get_ref();
        let by_name = text.split(['&', ';', '|']).any(|command| {
            let words: Vec<&str> = command.split_whitespace().collect();
            words.windows(2).any(|w| w == ["install", "awsdeploy"])
                && !words.iter().any(|w| matches!(*w, "--git" | "--path"))
        });
        if by_name {
            c.error(
                    "pipeline.awsdeploy_install installs awsdeploy by name from crates.io, where nobody here publishes it",
                    Some(custom.span()),
                    "build a pinned commit instead: `cargo install --git {git} --rev {rev} --locked awsdeploy`, or download a release binary and check its SHA-256",
                );
        }
        if (text.contains("{git}") && git.is_none()) || (text.contains("{rev}") && rev.is_none()) {
            c.error(
                "pipeline.awsdeploy_install uses {git} or {rev}, which the spec does not set",
                Some(custom.span()),
                "set pipeline.awsdeploy_git and pipeline.awsdeploy_rev",
            );
        }
        text.clone()
    } else {
        if git.is_none() || rev.is_none() {
            c.error(
                    "the pipeline has no way to install awsdeploy: it is not published on crates.io",
                    raw.repository.as_ref().map(Spanned::span),
                    "set pipeline.awsdeploy_git = \"https://…\" (awsdeploy's repository) and pipeline.awsdeploy_rev = \"<40-hex commit>\" (the commit you run, `git rev-parse HEAD`), or pipeline.awsdeploy_install with a command that installs a pinned binary",
                );
        }
        defaults::PIPELINE_AWSDEPLOY_INSTALL.to_owned()
    };
    (
        git.map(|g| g.get_ref().clone()),
        rev.map(|r| r.get_ref().clone()),
        install,
    )
}
