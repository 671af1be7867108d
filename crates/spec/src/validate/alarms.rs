//! `[alarms]`: where notifications go, and each alarm's threshold.

use toml::Spanned;

use super::Checker;
use crate::raw::{RawAlarms, RawThresholds};
use crate::{Alarms, Thresholds, defaults};

pub(super) fn alarms(c: &mut Checker, raw: &RawAlarms) -> Alarms {
    let email = list(raw.email.as_ref());
    for (address, span) in &email {
        let valid = address.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.ends_with('.')
        });
        if !valid || address.chars().any(char::is_whitespace) {
            c.error(
                format!("alarms.email `{address}` is not an email address"),
                Some(span.clone()),
                "write one address per string: email = [\"oncall@example.com\"]",
            );
        }
    }
    let https = list(raw.https.as_ref());
    for (url, span) in &https {
        if !url.starts_with("https://") || url.len() <= "https://".len() {
            c.error(
                format!("alarms.https `{url}` is not an https:// URL"),
                Some(span.clone()),
                "SNS posts to HTTPS endpoints only here: https = [\"https://hooks.example.com/aws\"]",
            );
        }
    }
    Alarms {
        email: email.into_iter().map(|(a, _)| a).collect(),
        https: https.into_iter().map(|(u, _)| u).collect(),
        rollback: Checker::flag(raw.rollback.as_ref(), defaults::ALARMS_ROLLBACK),
        dashboard: Checker::flag(raw.dashboard.as_ref(), defaults::ALARMS_DASHBOARD),
        thresholds: thresholds(c, raw.thresholds.as_ref()),
    }
}

pub(super) fn list(
    raw: Option<&Spanned<Vec<Spanned<String>>>>,
) -> Vec<(String, std::ops::Range<usize>)> {
    raw.map(|l| {
        l.get_ref()
            .iter()
            .map(|v| (v.get_ref().clone(), v.span()))
            .collect()
    })
    .unwrap_or_default()
}

fn thresholds(c: &mut Checker, raw: Option<&RawThresholds>) -> Thresholds {
    let d = defaults::THRESHOLDS;
    let empty = RawThresholds::default();
    let raw = raw.unwrap_or(&empty);
    let mut int = |value: &Option<Spanned<i64>>, key: &str, what: &str, range, default: u32| {
        u32::try_from(c.int(
            value.as_ref(),
            &format!("alarms.thresholds.{key}"),
            what,
            range,
            i64::from(default),
        ))
        .unwrap_or(default)
    };
    Thresholds {
        target_5xx_count: int(
            &raw.target_5xx_count,
            "target_5xx_count",
            "5XX responses per minute",
            (1, 1_000_000),
            d.target_5xx_count,
        ),
        target_5xx_percent: int(
            &raw.target_5xx_percent,
            "target_5xx_percent",
            "a percentage of requests",
            (1, 100),
            d.target_5xx_percent,
        ),
        elb_5xx_count: int(
            &raw.elb_5xx_count,
            "elb_5xx_count",
            "5XX responses per minute",
            (1, 1_000_000),
            d.elb_5xx_count,
        ),
        response_time_p99_ms: int(
            &raw.response_time_p99_ms,
            "response_time_p99_ms",
            "milliseconds",
            (10, 600_000),
            d.response_time_p99_ms,
        ),
        unhealthy_minutes: int(
            &raw.unhealthy_minutes,
            "unhealthy_minutes",
            "minutes",
            (1, 60),
            d.unhealthy_minutes,
        ),
        service_cpu_percent: int(
            &raw.service_cpu_percent,
            "service_cpu_percent",
            "a percentage",
            (1, 100),
            d.service_cpu_percent,
        ),
        service_memory_percent: int(
            &raw.service_memory_percent,
            "service_memory_percent",
            "a percentage",
            (1, 100),
            d.service_memory_percent,
        ),
        database_cpu_percent: int(
            &raw.database_cpu_percent,
            "database_cpu_percent",
            "a percentage",
            (1, 100),
            d.database_cpu_percent,
        ),
        database_free_storage_percent: int(
            &raw.database_free_storage_percent,
            "database_free_storage_percent",
            "a percentage of the allocated storage",
            (1, 99),
            d.database_free_storage_percent,
        ),
        database_freeable_memory_mib: int(
            &raw.database_freeable_memory_mib,
            "database_freeable_memory_mib",
            "MiB",
            (1, 1_048_576),
            d.database_freeable_memory_mib,
        ),
        database_connections_percent: int(
            &raw.database_connections_percent,
            "database_connections_percent",
            "a percentage of max_connections",
            (1, 100),
            d.database_connections_percent,
        ),
    }
}
