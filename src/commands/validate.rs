//! `awsdeploy validate`: the spec checked offline, its summary or the
//! resolved spec, and its warnings.

use std::fmt::Write as _;
use std::path::Path;

use awsdeploy_spec::Spec;

use super::{CliError, load_artifact, relative_to_spec};
use crate::cli::Settings;
use crate::exit::Exit;
use crate::output::{self, Format};

/// `validate`'s look at web.artifact: checked when it is there (a server
/// build or a missing index.html is an error), a warning when it is not
/// built yet.
pub(super) fn check_artifact(settings: &Settings, spec: &Spec) -> Result<(), CliError> {
    let Some(artifact) = spec.web.as_ref().and_then(|w| w.artifact.as_deref()) else {
        return Ok(());
    };
    let path = relative_to_spec(settings, Path::new(artifact));
    if path.exists() {
        load_artifact(&path)?;
    } else {
        output::progress(&format!(
            "warning: web.artifact {} does not exist (yet)\nhint: build the static export first (e.g. `next build` with output: 'export'); `up` and web-release refuse a missing artifact",
            path.display()
        ));
    }
    Ok(())
}

pub(super) fn validate(settings: &Settings, spec: &Spec, show: bool) -> Exit {
    let warnings = spec.warnings();
    if settings.format == Format::Text {
        for warning in &warnings {
            output::progress(&format!("warning: {warning}"));
        }
    }
    match settings.format {
        Format::Json => {
            output::json(&serde_json::json!({ "valid": true, "warnings": warnings, "spec": spec }));
        }
        Format::Text if show => output::data(&spec.to_toml()),
        Format::Text => {
            let network = &spec.network;
            let mut summary = format!(
                "{} is valid.\n\napp        {}\nenv        {}\nregion     {}\nnetwork    {} over {} AZs, NAT {}\n",
                settings.spec.display(),
                spec.app.name,
                spec.env,
                spec.app
                    .region
                    .as_deref()
                    .unwrap_or("(from the AWS chain: AWS_REGION or the profile)"),
                network.cidr,
                network.azs,
                network.nat.as_str(),
            );
            let mut line = |label: &str, text: String| {
                let _ = writeln!(summary, "{label:<10} {text}");
            };
            if let Some(db) = &spec.database {
                line(
                    "database",
                    format!(
                        "MySQL {} on {}, {} GB, multi-AZ {}",
                        db.engine_version, db.instance_class, db.storage_gb, db.multi_az
                    ),
                );
            }
            if let Some(registry) = &spec.registry {
                line(
                    "registry",
                    format!(
                        "{}, keeps {} images",
                        registry.repository, registry.keep_images
                    ),
                );
            }
            if let Some(service) = &spec.service {
                line(
                    "service",
                    format!(
                        "{} x {} CPU / {} MiB on port {}",
                        service.desired_count, service.cpu, service.memory, service.port
                    ),
                );
            }
            if let Some(migration) = &spec.migration {
                line(
                    "migration",
                    format!(
                        "`{}` (timeout {})",
                        migration.command.join(" "),
                        migration.timeout
                    ),
                );
            }
            if let Some(web) = &spec.web {
                line(
                    "web",
                    format!(
                        "branch {}{}",
                        web.branch,
                        web.artifact
                            .as_deref()
                            .map(|a| format!(", artifact {a}"))
                            .unwrap_or_default()
                    ),
                );
            }
            if let Some(dns) = &spec.dns {
                line("dns", format!("{} in {}", dns.api, dns.zone));
            }
            summary.push_str("\n`validate --show` prints the whole resolved spec.\n");
            output::data(&summary);
        }
    }
    Exit::Success
}
