//! Checks a [`RawSpec`] and turns it into a [`Spec`].
//!
//! Every check runs, so the user sees every problem at once; each diagnostic
//! carries the span of the value it is about.

use std::ops::Range;

use ipnet::Ipv4Net;
use toml::Spanned;

use crate::raw::RawSpec;
use crate::{App, Diagnostic, NatMode, Network, Service, Spec, defaults};

/// Longest app name: every derived AWS name (`{app}-{env}-{component}`) must
/// stay within AWS's shortest limit (32 characters for load balancers).
pub const APP_NAME_MAX: usize = 21;
pub const ENV_NAME_MAX: usize = 10;

pub fn validate(raw: RawSpec, env: &str) -> Result<Spec, Vec<Diagnostic>> {
    let mut problems = Vec::new();

    if let Err(message) = check_name(env, ENV_NAME_MAX) {
        problems.push(
            Diagnostic::error(format!("environment name `{env}` {message}"), None).with_hint(
                "pass -e/--env with a short lowercase name such as dev, staging or prod",
            ),
        );
    }

    let app = raw.app.into_inner();
    if let Err(message) = check_name(app.name.get_ref(), APP_NAME_MAX) {
        problems.push(
            Diagnostic::error(format!("app.name {message}"), Some(app.name.span()))
                .with_hint("it prefixes every AWS resource name, e.g. name = \"shop\""),
        );
    }
    if let Some(region) = &app.region
        && !is_region_shaped(region.get_ref())
    {
        problems.push(
            Diagnostic::error(
                format!(
                    "app.region `{}` is not an AWS region name",
                    region.get_ref()
                ),
                Some(region.span()),
            )
            .with_hint("use a region code such as \"eu-west-1\" or \"ap-northeast-1\""),
        );
    }

    let cidr = match &raw.network.cidr {
        Some(value) => check_cidr(value).map_err(|d| problems.push(d)).ok(),
        None => defaults::NETWORK_CIDR.parse().ok(),
    };

    let azs = match &raw.network.azs {
        Some(value) => in_range(value, 1, 6, "network.azs", "availability zones")
            .map_err(|d| problems.push(d))
            .ok(),
        None => Some(i64::from(defaults::NETWORK_AZS)),
    };

    let nat = match &raw.network.nat {
        Some(value) => match value.get_ref().as_str() {
            "single" => Some(NatMode::Single),
            "per-az" => Some(NatMode::PerAz),
            "none" => Some(NatMode::None),
            other => {
                problems.push(
                    Diagnostic::error(
                        format!("network.nat `{other}` is not a NAT mode"),
                        Some(value.span()),
                    )
                    .with_hint(format!("use one of: {}", NatMode::NAMES.join(", "))),
                );
                None
            }
        },
        None => Some(defaults::NETWORK_NAT),
    };

    let port = match &raw.service.port {
        Some(value) => in_range(value, 1, 65535, "service.port", "a TCP port")
            .map_err(|d| problems.push(d))
            .ok(),
        None => Some(i64::from(defaults::SERVICE_PORT)),
    };

    match (cidr, azs, nat, port) {
        (Some(cidr), Some(azs), Some(nat), Some(port)) if problems.is_empty() => Ok(Spec {
            app: App {
                name: app.name.into_inner(),
                region: app.region.map(Spanned::into_inner),
            },
            env: env.to_owned(),
            network: Network {
                cidr,
                azs: u8::try_from(azs).unwrap_or(defaults::NETWORK_AZS),
                nat,
            },
            service: Service {
                port: u16::try_from(port).unwrap_or(defaults::SERVICE_PORT),
            },
        }),
        _ => Err(problems),
    }
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
        return Err(Diagnostic::error(
            format!("network.cidr `{text}` is a /{} network; a VPC needs /16 to /24", net.prefix_len()),
            span,
        )
        .with_hint("AWS allows VPC blocks from /16 (65,536 addresses) to /28; awsdeploy needs /24 or larger to carve a subnet per tier and AZ"));
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

fn in_range(
    value: &Spanned<i64>,
    min: i64,
    max: i64,
    key: &str,
    what: &str,
) -> Result<i64, Diagnostic> {
    let n = *value.get_ref();
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        let span: Range<usize> = value.span();
        Err(
            Diagnostic::error(format!("{key} = {n} is out of range"), Some(span))
                .with_hint(format!("{key} is {what}: use {min} to {max}")),
        )
    }
}
