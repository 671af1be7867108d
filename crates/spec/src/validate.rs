//! Checks a [`RawSpec`] (already merged for its environment and
//! interpolated) and turns it into a [`Spec`].
//!
//! Every check runs, so the user sees every problem at once; each diagnostic
//! carries the span of the value it is about. Defaults come from
//! [`crate::defaults`].

use std::collections::BTreeMap;
use std::time::Duration;

use ipnet::Ipv4Net;
use toml::Spanned;

mod alarms;
mod pipeline;
mod service;

use service::{load_balancer, service};

use crate::raw::{RawDatabase, RawMap, RawSpec};
use crate::{
    App, Database, Diagnostic, Dns, Migration, NatMode, Network, SecretRef, Spec, SpecDuration,
    Web, defaults,
};

/// Longest app name.
pub const APP_NAME_MAX: usize = 21;
pub const ENV_NAME_MAX: usize = 10;

/// Names awsdeploy derives from `{app}-{env}` with the AWS limit on each:
/// the app and env names must leave room for the longest suffix.
const DERIVED_NAMES: [(&str, &str, usize); 4] = [
    ("load balancer", "-alb", 32),
    ("target group", "-api", 32),
    ("RDS instance", "-db", 63),
    ("IAM role", "-task-execution", 64),
];

/// Fargate's valid (cpu, memory MiB range, memory step) combinations.
const FARGATE: [(u32, u32, u32, u32); 7] = [
    (256, 512, 2048, 512),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122_880, 8192),
];

const LOG_EXPORTS: [&str; 4] = ["error", "slowquery", "general", "audit"];

/// Collects problems while reading values with their defaults.
pub(crate) struct Checker {
    problems: Vec<Diagnostic>,
}

impl Checker {
    pub(crate) fn error(
        &mut self,
        message: impl Into<String>,
        span: Option<std::ops::Range<usize>>,
        hint: impl Into<String>,
    ) {
        self.problems
            .push(Diagnostic::error(message, span).with_hint(hint));
    }

    /// An integer in `min..=max`, or `default` when absent.
    pub(crate) fn int(
        &mut self,
        value: Option<&Spanned<i64>>,
        key: &str,
        what: &str,
        (min, max): (i64, i64),
        default: i64,
    ) -> i64 {
        let Some(value) = value else { return default };
        let n = *value.get_ref();
        if (min..=max).contains(&n) {
            n
        } else {
            self.error(
                format!("{key} = {n} is out of range"),
                Some(value.span()),
                format!("{key} is {what}: use {min} to {max}"),
            );
            default
        }
    }

    pub(crate) fn text(value: Option<&Spanned<String>>, default: &str) -> String {
        value.map_or_else(|| default.to_owned(), |v| v.get_ref().clone())
    }

    fn flag(value: Option<&Spanned<bool>>, default: bool) -> bool {
        value.map_or(default, |v| *v.get_ref())
    }

    /// A duration within `min..=max` seconds, or `default` seconds.
    pub(crate) fn duration(
        &mut self,
        value: Option<&Spanned<String>>,
        key: &str,
        (min, max): (u64, u64),
        default: u64,
    ) -> SpecDuration {
        let fallback = SpecDuration(Duration::from_secs(default));
        let Some(value) = value else { return fallback };
        match parse_duration(value.get_ref()) {
            Some(d) if (min..=max).contains(&d.as_secs()) => SpecDuration(d),
            Some(d) => {
                let (lo, hi) = (
                    SpecDuration(Duration::from_secs(min)),
                    SpecDuration(Duration::from_secs(max)),
                );
                self.error(
                    format!("{key} = \"{}\" is out of range", value.get_ref()),
                    Some(value.span()),
                    format!("use {lo} to {hi} (got {})", SpecDuration(d)),
                );
                fallback
            }
            None => {
                self.error(
                    format!("{key} = \"{}\" is not a duration", value.get_ref()),
                    Some(value.span()),
                    "write a number and a unit: \"90s\", \"15m\", \"1h30m\"",
                );
                fallback
            }
        }
    }

    fn domain(&mut self, value: &Spanned<String>, key: &str) -> String {
        let name = value.get_ref().trim_end_matches('.').to_ascii_lowercase();
        if !is_domain_name(&name) {
            self.error(format!("{key} `{}` is not a domain name", value.get_ref()), Some(value.span()), "write a DNS name such as \"api.example.com\": labels of a-z, 0-9 and '-', separated by dots");
        }
        name
    }

    fn map(value: Option<&RawMap>) -> BTreeMap<String, String> {
        value
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.get_ref().clone()))
            .collect()
    }

    fn env_names(&mut self, value: Option<&RawMap>, key: &str) {
        for (name, v) in value.into_iter().flatten() {
            if !crate::interpolate::is_variable_name(name) {
                self.error(
                    format!("{key}: `{name}` is not an environment variable name"),
                    Some(v.span()),
                    "use letters, digits and _, not starting with a digit",
                );
            }
        }
    }
}

pub fn validate(raw: &RawSpec, env: &str) -> Result<Spec, Vec<Diagnostic>> {
    let mut c = Checker {
        problems: Vec::new(),
    };

    if let Err(message) = check_name(env, ENV_NAME_MAX) {
        c.problems.push(
            Diagnostic::error(format!("environment name `{env}` {message}"), None).with_hint(
                "pass -e/--env with a short lowercase name such as dev, staging or prod",
            ),
        );
    }

    let app = app(&mut c, raw.app.as_ref(), env);
    let network = network(&mut c, raw.network.as_ref());
    let database = raw.database.as_ref().map(|d| database(&mut c, d));
    let registry = raw
        .registry
        .as_ref()
        .map(|r| crate::registry::registry(&mut c, r));
    let service = raw.service.as_ref().map(|s| service(&mut c, s));
    let load_balancer = load_balancer(&mut c, raw.load_balancer.as_ref());
    let migration = raw.migration.as_ref().map(|m| migration(&mut c, m));
    let web = raw.web.as_ref().map(|w| web(&mut c, w));
    let dns = raw.dns.as_ref().and_then(|d| dns(&mut c, d));
    let alarms = raw.alarms.as_ref().map(|a| alarms::alarms(&mut c, a));
    if alarms.is_some() && service.is_none() && database.is_none() {
        c.error(
            "[alarms] has nothing to watch: its alarms are on the service (and its load balancer) and the database",
            None,
            "add [service] or [database], or remove [alarms]",
        );
    }

    let pipeline = raw.pipeline.as_ref().map(|p| pipeline::pipeline(&mut c, p));
    if pipeline.is_some()
        && service
            .as_ref()
            .is_some_and(|s| s.cpu_architecture.is_arm())
    {
        let span = raw
            .service
            .as_ref()
            .and_then(|s| s.cpu_architecture.as_ref())
            .map(Spanned::span);
        c.error(
            "service.cpu_architecture = \"arm64\" with [pipeline]: the pipeline builds the image on x86 runners, and an x86 image does not start on Graviton",
            span,
            "keep cpu_architecture = \"x86_64\" while [pipeline] builds the image, or remove [pipeline], build and push a linux/arm64 image yourself (`docker buildx build --platform linux/arm64`) and deploy it with `awsdeploy up --image-tag TAG`",
        );
    }
    if pipeline.is_some() && (service.is_none() || registry.is_none()) {
        c.error(
            "[pipeline] needs [service] and [registry]: its build pushes the API's image to the repository and its deploy stage rolls it out",
            None,
            "add [registry] and [service], or remove [pipeline]",
        );
    }

    if let Some(section) = &raw.migration {
        let missing: Vec<&str> = [
            ("[service]", service.is_some()),
            ("[database]", database.is_some()),
        ]
        .into_iter()
        .filter(|(_, present)| !present)
        .map(|(name, _)| name)
        .collect();
        if !missing.is_empty() {
            c.error(
                format!(
                    "[migration] needs {}: the migration runs as an ECS task beside the service, against the stack's database",
                    missing.join(" and ")
                ),
                section.command.as_ref().map(Spanned::span),
                "add the missing section, or remove [migration]",
            );
        }
    }

    network_fits(&mut c, raw, &network);

    match app {
        Some(app) if c.problems.is_empty() => Ok(Spec {
            app,
            env: env.to_owned(),
            network,
            database,
            registry,
            service,
            load_balancer,
            migration,
            web,
            dns,
            alarms,
            pipeline,
        }),
        _ => Err(c.problems),
    }
}

fn app(c: &mut Checker, raw: Option<&crate::raw::RawApp>, env: &str) -> Option<App> {
    let Some(raw) = raw else {
        c.error(
            "the spec has no [app] table",
            None,
            "every spec starts with [app] and its name, e.g. [app] name = \"shop\"",
        );
        return None;
    };
    let Some(name) = &raw.name else {
        c.error(
            "app.name is missing",
            None,
            "add name = \"shop\" (lowercase letters, digits, '-') to [app]",
        );
        return None;
    };
    if let Err(message) = check_name(name.get_ref(), APP_NAME_MAX) {
        c.error(
            format!("app.name {message}"),
            Some(name.span()),
            "it prefixes every AWS resource name, e.g. name = \"shop\"",
        );
    } else if let Some(prefix) = ["sg-", "internal-"]
        .into_iter()
        .find(|p| format!("{}-", name.get_ref()).starts_with(p))
    {
        c.error(
            format!(
                "app.name `{}` makes names that start with `{prefix}`, which AWS refuses at the start of a {}",
                name.get_ref(),
                if prefix == "sg-" {
                    "security group's name"
                } else {
                    "load balancer's name"
                }
            ),
            Some(name.span()),
            "choose a name that does not start with sg- or internal-",
        );
    } else {
        for (what, suffix, limit) in DERIVED_NAMES {
            let derived = format!("{}-{env}{suffix}", name.get_ref());
            if derived.len() > limit {
                c.error(
                    format!("app.name and the env make the {what} name `{derived}` {} characters long; AWS allows {limit}", derived.len()),
                    Some(name.span()),
                    format!("shorten app.name (or the env name) by {} characters", derived.len() - limit),
                );
                break;
            }
        }
    }
    if let Some(region) = &raw.region
        && !is_region_shaped(region.get_ref())
    {
        c.error(
            format!(
                "app.region `{}` is not an AWS region name",
                region.get_ref()
            ),
            Some(region.span()),
            "use a region code such as \"eu-west-1\" or \"ap-northeast-1\"",
        );
    }
    let accounts = alarms::list(raw.allowed_account_ids.as_ref());
    for (account, span) in &accounts {
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            c.error(
                format!("app.allowed_account_ids `{account}` is not an AWS account id"),
                Some(span.clone()),
                "an account id is 12 digits, as `aws sts get-caller-identity` shows it: allowed_account_ids = [\"123456789012\"]",
            );
        }
    }
    Some(App {
        name: name.get_ref().clone(),
        region: raw.region.as_ref().map(|r| r.get_ref().clone()),
        allowed_account_ids: accounts.into_iter().map(|(a, _)| a).collect(),
    })
}

fn network(c: &mut Checker, raw: Option<&crate::raw::RawNetwork>) -> Network {
    let default_cidr: Ipv4Net = defaults::NETWORK_CIDR.parse().unwrap_or_default();
    let cidr = match raw.and_then(|n| n.cidr.as_ref()) {
        Some(value) => check_cidr(value).unwrap_or_else(|d| {
            c.problems.push(d);
            default_cidr
        }),
        None => default_cidr,
    };
    let azs = c.int(
        raw.and_then(|n| n.azs.as_ref()),
        "network.azs",
        "availability zones",
        (1, 6),
        i64::from(defaults::NETWORK_AZS),
    );
    let nat = match raw.and_then(|n| n.nat.as_ref()) {
        Some(value) => match value.get_ref().as_str() {
            "single" => NatMode::Single,
            "per-az" => NatMode::PerAz,
            "none" => NatMode::None,
            other => {
                c.error(
                    format!("network.nat `{other}` is not a NAT mode"),
                    Some(value.span()),
                    format!("use one of: {}", NatMode::NAMES.join(", ")),
                );
                defaults::NETWORK_NAT
            }
        },
        None => defaults::NETWORK_NAT,
    };
    Network {
        cidr,
        azs: u8::try_from(azs).unwrap_or(defaults::NETWORK_AZS),
        nat,
    }
}

/// What the network must give the sections that use it.
fn network_fits(c: &mut Checker, raw: &RawSpec, network: &Network) {
    let raw_network = raw.network.as_ref();
    if network.azs < 2 {
        let needs: Vec<&str> = [
            (
                "[service] (an application load balancer spans two AZs)",
                raw.service.is_some(),
            ),
            (
                "[database] (an RDS subnet group spans two AZs)",
                raw.database.is_some(),
            ),
        ]
        .into_iter()
        .filter_map(|(what, present)| present.then_some(what))
        .collect();
        if !needs.is_empty() {
            c.error(
                format!("network.azs = 1 is too few for {}", needs.join(" and ")),
                raw_network.and_then(|n| n.azs.as_ref()).map(Spanned::span),
                "set network.azs = 2 (or more)",
            );
        }
    }
    if network.nat == NatMode::None {
        let needs: Vec<&str> = [
            ("[service]", raw.service.is_some()),
            ("[migration]", raw.migration.is_some()),
        ]
        .into_iter()
        .filter_map(|(what, present)| present.then_some(what))
        .collect();
        if !needs.is_empty() {
            c.error(
                format!(
                    "network.nat = \"none\" leaves {} without a way out: their tasks run in the private subnets and reach ECR (the image), CloudWatch Logs and Secrets Manager through a NAT gateway, so without one they never start",
                    needs.join(" and ")
                ),
                raw_network.and_then(|n| n.nat.as_ref()).map(Spanned::span),
                "use nat = \"single\" (one NAT gateway, the cheapest that works) or \"per-az\"",
            );
        }
    }
}

fn database(c: &mut Checker, raw: &RawDatabase) -> Database {
    let engine_version = Checker::text(
        raw.engine_version.as_ref(),
        defaults::DATABASE_ENGINE_VERSION,
    );
    if let Some(v) = &raw.engine_version
        && !v
            .get_ref()
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
    {
        c.error(
            format!(
                "database.engine_version `{}` is not a MySQL version",
                v.get_ref()
            ),
            Some(v.span()),
            "write a version such as \"8.0\" or \"8.0.39\"",
        );
    }
    let instance_class = Checker::text(
        raw.instance_class.as_ref(),
        defaults::DATABASE_INSTANCE_CLASS,
    );
    if let Some(v) = &raw.instance_class {
        let parts: Vec<&str> = v.get_ref().split('.').collect();
        let shaped = parts.len() == 3
            && parts[0] == "db"
            && parts[1..].iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if !shaped {
            c.error(
                format!(
                    "database.instance_class `{}` is not an RDS instance class",
                    v.get_ref()
                ),
                Some(v.span()),
                "write db.<family>.<size>, e.g. \"db.t4g.micro\" or \"db.r6g.large\"",
            );
        }
    }
    let mut log_exports = Vec::new();
    for export in raw.log_exports.iter().flat_map(Spanned::get_ref) {
        if export.get_ref() == "error" {
            log_exports.push(export.get_ref().clone());
        } else if LOG_EXPORTS.contains(&export.get_ref().as_str()) {
            c.error(
                format!(
                    "database.log_exports: `{}` needs {}, which awsdeploy does not manage yet; with RDS's defaults the export stays empty",
                    export.get_ref(),
                    if export.get_ref() == "audit" {
                        "an option group with the MARIADB_AUDIT_PLUGIN option"
                    } else {
                        "a DB parameter group that turns the log on (with log_output = FILE)"
                    }
                ),
                Some(export.span()),
                "export only the error log: log_exports = [\"error\"]",
            );
        } else {
            c.error(
                format!(
                    "database.log_exports: `{}` is not a MySQL log",
                    export.get_ref()
                ),
                Some(export.span()),
                format!("use any of: {}", LOG_EXPORTS.join(", ")),
            );
        }
    }
    Database {
        engine_version,
        instance_class,
        storage_gb: u32::try_from(c.int(
            raw.storage_gb.as_ref(),
            "database.storage_gb",
            "the allocated storage in GB",
            (20, 65536),
            i64::from(defaults::DATABASE_STORAGE_GB),
        ))
        .unwrap_or(defaults::DATABASE_STORAGE_GB),
        multi_az: Checker::flag(raw.multi_az.as_ref(), defaults::DATABASE_MULTI_AZ),
        deletion_protection: Checker::flag(
            raw.deletion_protection.as_ref(),
            defaults::DATABASE_DELETION_PROTECTION,
        ),
        backup_retention_days: u8::try_from(c.int(
            raw.backup_retention_days.as_ref(),
            "database.backup_retention_days",
            "days of automated backups (0 turns them off)",
            (0, 35),
            i64::from(defaults::DATABASE_BACKUP_RETENTION_DAYS),
        ))
        .unwrap_or(defaults::DATABASE_BACKUP_RETENTION_DAYS),
        log_exports,
    }
}

fn migration(c: &mut Checker, raw: &crate::raw::RawMigration) -> Migration {
    let command: Vec<String> = raw
        .command
        .iter()
        .flat_map(Spanned::get_ref)
        .map(|s| s.get_ref().clone())
        .collect();
    if command.is_empty() {
        let span = raw.command.as_ref().map(Spanned::span);
        c.error("migration.command is missing or empty", span, "give the golang-migrate command, run in the image, e.g. [\"sh\", \"-c\", \"migrate -path /migrations -database \\\"$DATABASE_URL\\\" up\"]");
    }
    // ECS runs the command as is: nothing expands `$VAR` without a shell.
    let shell = command
        .first()
        .is_some_and(|c| ["sh", "bash", "/bin/sh", "/bin/bash"].contains(&c.as_str()));
    if !shell
        && let Some(arg) = raw
            .command
            .iter()
            .flat_map(Spanned::get_ref)
            .find(|a| has_variable(a.get_ref()))
    {
        c.error(
            format!(
                "migration.command passes `{}` literally: ECS runs the command without a shell, so variables are not expanded",
                arg.get_ref()
            ),
            Some(arg.span()),
            "wrap it in a shell: command = [\"sh\", \"-c\", \"migrate -path /migrations -database \\\"$DATABASE_URL\\\" up\"]",
        );
    }
    Migration {
        command,
        image: raw.image.as_ref().map(|i| i.get_ref().clone()),
        path: raw.path.as_ref().map(|p| p.get_ref().clone()),
        timeout: c.duration(
            raw.timeout.as_ref(),
            "migration.timeout",
            (1, 24 * 3600),
            defaults::MIGRATION_TIMEOUT_SECS,
        ),
    }
}

/// Whether `arg` names a shell variable (`$NAME` or `${NAME}`).
fn has_variable(arg: &str) -> bool {
    arg.match_indices('$').any(|(i, _)| {
        let rest = &arg[i + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    })
}

fn web(c: &mut Checker, raw: &crate::raw::RawWeb) -> Web {
    let platform = Checker::text(raw.platform.as_ref(), defaults::WEB_PLATFORM);
    if let Some(p) = &raw.platform
        && p.get_ref() != "static"
    {
        c.error(
            format!("web.platform `{}` is not supported", p.get_ref()),
            Some(p.span()),
            "Amplify manual deployments serve static sites only: build a Next.js static export (output: 'export') and use platform = \"static\"",
        );
    }
    c.env_names(raw.env.as_ref(), "web.env");
    Web {
        branch: Checker::text(raw.branch.as_ref(), defaults::WEB_BRANCH),
        artifact: raw.artifact.as_ref().map(|a| a.get_ref().clone()),
        platform,
        env: Checker::map(raw.env.as_ref()),
        domain: raw.domain.as_ref().map(|d| c.domain(d, "web.domain")),
        timeout: c.duration(
            raw.timeout.as_ref(),
            "web.timeout",
            (1, 2 * 3600),
            defaults::WEB_TIMEOUT_SECS,
        ),
    }
}

fn dns(c: &mut Checker, raw: &crate::raw::RawDns) -> Option<Dns> {
    let (Some(zone), Some(api)) = (&raw.zone, &raw.api) else {
        c.error("[dns] needs both zone and api", None, "zone = \"example.com\" (the Route 53 hosted zone) and api = \"api.example.com\" (a name in it)");
        return None;
    };
    let zone_name = c.domain(zone, "dns.zone");
    let api_name = c.domain(api, "dns.api");
    if is_domain_name(&zone_name)
        && is_domain_name(&api_name)
        && !api_name.ends_with(&format!(".{zone_name}"))
        && api_name != zone_name
    {
        c.error(
            format!("dns.api `{api_name}` is not in the zone `{zone_name}`"),
            Some(api.span()),
            format!("use a name under {zone_name}, e.g. \"api.{zone_name}\""),
        );
    }
    Some(Dns {
        zone: zone_name,
        api: api_name,
    })
}

fn check_name(name: &str, max: usize) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !first_ok || !rest_ok {
        return Err(format!(
            "must start with a lowercase letter and hold only a-z, 0-9 and '-' (got `{name}`)"
        ));
    }
    if name.len() < 2 || name.len() > max {
        return Err(format!(
            "must be 2 to {max} characters long (`{name}` has {})",
            name.len()
        ));
    }
    if name.ends_with('-') || name.contains("--") {
        return Err(format!(
            "must not end with '-' or hold \"--\" (got `{name}`)"
        ));
    }
    Ok(())
}

fn is_region_shaped(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn is_domain_name(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_lowercase()))
}

/// `"90s"`, `"15m"`, `"1h30m"`, `"2h"`: numbers each followed by h, m or s.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut seen_unit = false;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
        seen_unit = true;
    }
    (seen_unit && number.is_empty()).then(|| Duration::from_secs(total))
}

fn parse_secret_ref(text: &str) -> Option<SecretRef> {
    match text {
        "database:password" => Some(SecretRef::DatabasePassword),
        "database:username" => Some(SecretRef::DatabaseUsername),
        _ => {
            let rest = text.strip_prefix("secret:")?;
            let (name, json_key) = match rest.split_once(':') {
                Some((name, key)) if !key.is_empty() => (name, Some(key.to_owned())),
                Some(_) => return None,
                None => (rest, None),
            };
            let valid = !name.is_empty()
                && name.len() <= 512
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
            valid.then(|| SecretRef::Secret {
                name: name.to_owned(),
                json_key,
            })
        }
    }
}

fn check_cidr(value: &Spanned<String>) -> Result<Ipv4Net, Diagnostic> {
    let span = Some(value.span());
    let text = value.get_ref();
    let net: Ipv4Net = text.parse().map_err(|_| {
        Diagnostic::error(
            format!("network.cidr `{text}` is not an IPv4 CIDR block"),
            span.clone(),
        )
        .with_hint("write it as address/prefix, e.g. \"10.20.0.0/16\"")
    })?;
    if !(16..=24).contains(&net.prefix_len()) {
        return Err(Diagnostic::error(format!("network.cidr `{text}` is a /{} network; a VPC needs /16 to /24", net.prefix_len()), span).with_hint(
            "AWS allows VPC blocks from /16 (65,536 addresses) to /28; awsdeploy needs /24 or larger to carve a subnet per tier and AZ",
        ));
    }
    if net.network() != net.addr() {
        return Err(
            Diagnostic::error(format!("network.cidr `{text}` has host bits set"), span).with_hint(
                format!("the network address of that block is \"{}\"", net.trunc()),
            ),
        );
    }
    Ok(net)
}

#[cfg(test)]
mod tests;
