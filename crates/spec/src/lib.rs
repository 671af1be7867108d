//! The awsdeploy spec: the TOML file a team writes to describe its stack.
//!
//! [`Spec::load`] reads a file, [`Spec::parse`] a string; both return a
//! validated [`Spec`] or a [`SpecError`] whose diagnostics point at
//! `file:line:column` with the offending text underlined and a hint. Every
//! problem the validator can find is reported at once. Defaults for optional
//! keys live in [`defaults`], and nowhere else.
//!
//! Loading runs in this order:
//! 1. parse TOML into spanned raw types (syntax, unknown keys, types);
//! 2. pick the environment: merge `[env.<name>]` over the base, key by key;
//! 3. interpolate `${VAR}` / `${VAR:-default}` in string values;
//! 4. validate every value and build the [`Spec`].
//!
//! This crate does no I/O beyond reading the spec file (and, in
//! [`Spec::parse`], the process environment) and knows nothing of AWS SDKs or
//! the command line.

mod diagnostic;
mod interpolate;
mod raw;
mod validate;

use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Severity};
pub use ipnet::Ipv4Net;

/// A validated spec, for one environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Spec {
    pub app: App,
    /// The environment this spec was resolved for (`-e/--env`).
    pub env: String,
    pub network: Network,
    pub service: Service,
}

/// `[app]`: what the product is called and where it runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct App {
    /// `[a-z][a-z0-9-]`, 2 to 21 characters: prefixes every resource name.
    pub name: String,
    /// The AWS region; `None` means the standard AWS chain decides
    /// (`AWS_REGION`, the profile's region).
    pub region: Option<String>,
}

/// `[network]`: the VPC and its subnets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Network {
    /// The VPC's IPv4 block, a /16 to /24 network.
    pub cidr: Ipv4Net,
    /// Availability zones: one public and one private subnet in each (1..=6).
    pub azs: u8,
    pub nat: NatMode,
}

/// How private subnets reach the internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NatMode {
    /// One NAT gateway in the first AZ, shared by every private subnet.
    Single,
    /// One NAT gateway per AZ: no cross-AZ dependency, one gateway's cost per AZ.
    PerAz,
    /// No NAT gateway: private subnets have no route to the internet.
    None,
}

impl NatMode {
    pub const NAMES: [&'static str; 3] = ["single", "per-az", "none"];

    pub fn as_str(self) -> &'static str {
        match self {
            NatMode::Single => "single",
            NatMode::PerAz => "per-az",
            NatMode::None => "none",
        }
    }
}

/// `[service]`: the API service. The network needs its container port for
/// the service security group; the rest of the section arrives with the
/// service tier.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Service {
    /// The port the API container listens on.
    pub port: u16,
}

/// Defaults for every optional key, in one place.
pub mod defaults {
    use super::NatMode;

    /// The environment used when `-e/--env` is not given.
    pub const ENV: &str = "dev";
    pub const NETWORK_CIDR: &str = "10.0.0.0/16";
    pub const NETWORK_AZS: u8 = 2;
    pub const NETWORK_NAT: NatMode = NatMode::Single;
    pub const SERVICE_PORT: u16 = 8080;
}

/// Why a spec could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("spec file {path} not found")]
    NotFound {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read spec file {path}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a valid spec; `rendered` holds every
    /// diagnostic with its location, ready to print.
    #[error("{rendered}")]
    Invalid {
        diagnostics: Vec<Diagnostic>,
        rendered: String,
    },
}

impl SpecError {
    /// What the user should do next, when the error itself does not say.
    pub fn hint(&self) -> Option<String> {
        match self {
            SpecError::NotFound { .. } => Some(
                "pass the spec with -f/--spec FILE, or run from the folder holding awsdeploy.toml \
                 (config/example.toml in the awsdeploy repository is a starting point)"
                    .to_owned(),
            ),
            SpecError::Unreadable { .. } | SpecError::Invalid { .. } => None,
        }
    }
}

impl Spec {
    /// The resolved spec as TOML: the environment's overlay merged, variables
    /// interpolated and defaults filled in; what `up` will apply.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot render the spec: {e}\n"))
    }

    /// Reads and validates the spec at `path` for environment `env`.
    pub fn load(path: &Path, env: &str) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                SpecError::NotFound {
                    path: path.to_owned(),
                    source,
                }
            } else {
                SpecError::Unreadable {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        Spec::parse(&text, &path.display().to_string(), env)
    }

    /// Validates spec text for `env`, interpolating `${VAR}` from the process
    /// environment; `origin` names the text in diagnostics (usually the path).
    pub fn parse(text: &str, origin: &str, env: &str) -> Result<Spec, SpecError> {
        Spec::parse_with_vars(text, origin, env, &|name| std::env::var(name).ok())
    }

    /// [`Spec::parse`] with `${VAR}` looked up in `vars`.
    pub fn parse_with_vars(
        text: &str,
        origin: &str,
        env: &str,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Spec, SpecError> {
        let result = raw::parse(text)
            .and_then(|raw| raw.for_env(env).map_err(|d| vec![d]))
            .and_then(|mut raw| {
                let problems: Vec<Diagnostic> = raw
                    .strings_mut()
                    .into_iter()
                    .filter_map(|(key, value)| interpolate::interpolate(key, value, vars).err())
                    .collect();
                if problems.is_empty() {
                    Ok(raw)
                } else {
                    Err(problems)
                }
            })
            .and_then(|raw| validate::validate(raw, env));
        result.map_err(|diagnostics| {
            let rendered = diagnostic::render_all(&diagnostics, origin, text);
            SpecError::Invalid {
                diagnostics,
                rendered,
            }
        })
    }
}
