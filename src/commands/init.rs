//! `awsdeploy init`: a first spec for the project in the spec file's folder.

use std::path::Path;

use awsdeploy_spec::init;

use super::CliError;
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output;

pub(super) fn init(settings: &Settings, name: Option<&str>) -> Result<Exit, CliError> {
    let path = &settings.spec;
    if path.exists() {
        return Err(CliError::new(
            format!("{} already exists; nothing was written", path.display()),
            Some(format!(
                "check it with `awsdeploy validate -f {}`, or move it aside to start again",
                path.display()
            )),
        ));
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut project = init::scan(folder);
    if let Some(name) = name {
        name.clone_into(&mut project.app);
    }
    let text = init::template(&project);
    // What is written must load: a bad --name is refused with the spec's
    // own diagnostics, and nothing is written.
    let spec = awsdeploy_spec::Spec::parse(&text, &path.display().to_string(), &settings.env)?;
    std::fs::write(path, text).map_err(|e| {
        CliError::new(
            format!("cannot write {}: {e}", path.display()),
            Some("run it in the project's folder, or name another file with -f".to_owned()),
        )
    })?;
    let mut lines = vec![format!("Wrote {} for app {}.", path.display(), project.app)];
    match &project.migrations {
        Some(dir) => {
            lines.push(format!("  migrations: {} ([migration])", dir.display()));
            lines.extend(lint_line(settings, &spec));
        }
        None => lines.push("  no golang-migrate folder found: [migration] is commented".to_owned()),
    }
    match &project.web_app {
        Some(dir) => lines.push(format!(
            "  web app: {} (Next.js, output: 'export'), released from {}",
            dir.display(),
            dir.join("out").display()
        )),
        None => lines.push("  no static Next.js app found: [web] is commented".to_owned()),
    }
    lines.push(format!(
        "Next: `awsdeploy validate -f {0}`, then `awsdeploy diff -f {0}` to see what `up` would make.",
        path.display()
    ));
    output::progress(&lines.join("\n"));
    Ok(Exit::Success)
}

/// What the migration lint says of the newest file in the folder `init`
/// found, so a first `up` that would refuse it is no surprise.
fn lint_line(settings: &Settings, spec: &awsdeploy_spec::Spec) -> Option<String> {
    let sources = super::migration_sources(settings, spec).ok()??;
    let (report, _) = super::migrate::lint_offline(spec, &sources, None);
    Some(format!(
        "  migration lint: {} (`awsdeploy migrate --lint -f {}`)",
        report.summary(),
        settings.spec.display()
    ))
}
