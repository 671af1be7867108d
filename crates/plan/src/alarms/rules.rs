//! The alarm table: which alarms a stack gets, on which metric, firing
//! when (AWS's "Recommended alarms" for an Application Load Balancer, an
//! ECS service and an RDS instance), with the spec's thresholds.

use awsdeploy_spec::{Alarms, Database, Service, Spec, Thresholds};

use super::{AlarmMetric, Dimension, DimensionValue, MetricRef};
use crate::Ref;
use crate::names::{SERVICE_NAME, cluster_name};

/// Memory (MiB) of the RDS instance classes awsdeploy knows, for the
/// connection and memory alarms: `db.{family}.{size}`; the general-purpose
/// and burstable families have 4 GiB per vCPU from `large` up (8 GiB at
/// `large`), the memory-optimised ones twice that.
fn class_memory_mib(class: &str) -> Option<u64> {
    let mut parts = class.strip_prefix("db.")?.split('.');
    let (family, size) = (parts.next()?, parts.next()?);
    let base: u64 = match size {
        "micro" => return Some(1024),
        "small" => return Some(2048),
        "medium" => return Some(4096),
        "large" => 8192,
        "xlarge" => 16384,
        other => 16384 * other.strip_suffix("xlarge")?.parse::<u64>().ok()?,
    };
    Some(if family.starts_with('r') || family.starts_with('x') {
        base * 2
    } else {
        base
    })
}

/// `MySQL`'s default `max_connections` on RDS: `{DBInstanceClassMemory /
/// 12582880}` (RDS user guide, "Maximum number of database connections").
/// `DBInstanceClassMemory` is the class's memory less what the operating
/// system and RDS's own processes keep (RDS user guide, "DB parameter
/// formulas"), which AWS does not publish per class: modelled as 5% of it,
/// at least 256 MiB, which comes within 3% of the values instances report
/// (66 on a micro, 150 small, 312 medium, 648 large), below them on the
/// small classes where the nominal figure was 30% too high: an alarm at a
/// share of it fires, where one on the nominal memory never could.
fn max_connections(class: &str) -> Option<u64> {
    class_memory_mib(class).map(|mib| {
        let available = mib - (mib / 20).max(256);
        available * 1024 * 1024 / 12_582_880
    })
}

fn metric(namespace: &str, name: &str, dimensions: &[&Dimension], stat: &str) -> MetricRef {
    MetricRef {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        dimensions: dimensions.iter().map(|d| (*d).clone()).collect(),
        stat: stat.to_owned(),
    }
}

fn text(name: &str, value: &str) -> Dimension {
    Dimension {
        name: name.to_owned(),
        value: DimensionValue::Text(value.to_owned()),
    }
}

/// How an alarm fires: `periods` of `period` seconds, all breaching.
pub(super) struct Rule<'a> {
    pub(super) component: &'a str,
    pub(super) slug: &'a str,
    pub(super) what: String,
    pub(super) metric: AlarmMetric,
    pub(super) period: i32,
    pub(super) periods: i32,
    pub(super) comparison: &'a str,
    pub(super) threshold: String,
    pub(super) missing: &'a str,
}

/// CloudWatch's recommended alarms for what the spec has: the load
/// balancer's and the service's (with `[service]`), the database's.
pub(super) fn rules(
    spec: &Spec,
    alarms: &Alarms,
    load_balancer: Option<Ref>,
    target_group: Option<Ref>,
) -> Vec<Rule<'static>> {
    let t = &alarms.thresholds;
    let mut out = Vec::new();
    if let (Some(service), Some(lb), Some(tg)) = (&spec.service, load_balancer, target_group) {
        let lb = Dimension {
            name: "LoadBalancer".to_owned(),
            value: DimensionValue::LoadBalancer(lb),
        };
        let tg = Dimension {
            name: "TargetGroup".to_owned(),
            value: DimensionValue::TargetGroup(tg),
        };
        load_balancer_rules(t, &lb, &tg, &mut out);
        service_rules(spec, service, t, &mut out);
    }
    if let Some(database) = &spec.database {
        database_rules(spec, database, t, &mut out);
    }
    out
}

/// The load balancer's: 5XX counts and rate, latency, unhealthy hosts.
fn load_balancer_rules(
    t: &Thresholds,
    lb: &Dimension,
    tg: &Dimension,
    out: &mut Vec<Rule<'static>>,
) {
    let elb = "AWS/ApplicationELB";
    out.push(Rule {
        component: "load-balancer",
        slug: "target-5xx",
        what: format!(
            "the API answered more than {} 5XX a minute, 3 minutes running",
            t.target_5xx_count
        ),
        metric: AlarmMetric::Metric(metric(elb, "HTTPCode_Target_5XX_Count", &[lb], "Sum")),
        period: 60,
        periods: 3,
        comparison: "GreaterThanThreshold",
        threshold: t.target_5xx_count.to_string(),
        missing: "notBreaching",
    });
    out.push(Rule {
        component: "load-balancer",
        slug: "target-5xx-rate",
        what: format!(
            "more than {}% of requests got a 5XX from the API, 3 minutes running",
            t.target_5xx_percent
        ),
        metric: AlarmMetric::Math {
            expression: "IF(m2 > 0, 100 * m1 / m2, 0)".to_owned(),
            metrics: vec![
                metric(elb, "HTTPCode_Target_5XX_Count", &[lb], "Sum"),
                metric(elb, "RequestCount", &[lb], "Sum"),
            ],
        },
        period: 60,
        periods: 3,
        comparison: "GreaterThanThreshold",
        threshold: t.target_5xx_percent.to_string(),
        missing: "notBreaching",
    });
    out.push(Rule {
        component: "load-balancer",
        slug: "elb-5xx",
        what: format!(
            "the load balancer answered more than {} 5XX a minute itself (no healthy target?), 3 minutes running",
            t.elb_5xx_count
        ),
        metric: AlarmMetric::Metric(metric(elb, "HTTPCode_ELB_5XX_Count", &[lb], "Sum")),
        period: 60,
        periods: 3,
        comparison: "GreaterThanThreshold",
        threshold: t.elb_5xx_count.to_string(),
        missing: "notBreaching",
    });
    out.push(Rule {
        component: "load-balancer",
        slug: "p99-latency",
        what: format!(
            "p99 response time above {} ms, 5 minutes running",
            t.response_time_p99_ms
        ),
        metric: AlarmMetric::Metric(metric(elb, "TargetResponseTime", &[lb], "p99")),
        period: 60,
        periods: 5,
        comparison: "GreaterThanThreshold",
        threshold: seconds(t.response_time_p99_ms),
        missing: "notBreaching",
    });
    out.push(Rule {
        component: "load-balancer",
        slug: "unhealthy-hosts",
        what: format!("a target unhealthy for {} minutes", t.unhealthy_minutes),
        metric: AlarmMetric::Metric(metric(elb, "UnHealthyHostCount", &[tg, lb], "Maximum")),
        period: 60,
        periods: i32::try_from(t.unhealthy_minutes).unwrap_or(3),
        comparison: "GreaterThanThreshold",
        threshold: "0".to_owned(),
        missing: "notBreaching",
    });
}

/// The service's: CPU, memory, and (with Container Insights) running tasks.
fn service_rules(spec: &Spec, service: &Service, t: &Thresholds, out: &mut Vec<Rule<'static>>) {
    let cluster = text("ClusterName", &cluster_name(&spec.app.name, &spec.env));
    let name = text("ServiceName", SERVICE_NAME);
    for (slug, metric_name, percent) in [
        ("cpu", "CPUUtilization", t.service_cpu_percent),
        ("memory", "MemoryUtilization", t.service_memory_percent),
    ] {
        out.push(Rule {
            component: "service",
            slug,
            what: format!("the API's average {slug} above {percent}%, 5 minutes running"),
            metric: AlarmMetric::Metric(metric(
                "AWS/ECS",
                metric_name,
                &[&cluster, &name],
                "Average",
            )),
            period: 60,
            periods: 5,
            comparison: "GreaterThanThreshold",
            threshold: percent.to_string(),
            // No datapoint: the service runs no task, which is not high
            // use (the running-tasks alarm's business, with Container
            // Insights).
            missing: "notBreaching",
        });
    }
    if service.container_insights {
        out.push(Rule {
            component: "service",
            slug: "running-tasks",
            what: "fewer tasks running than desired, 5 minutes running".to_owned(),
            metric: AlarmMetric::Math {
                expression: "m2 - m1".to_owned(),
                metrics: vec![
                    metric(
                        "ECS/ContainerInsights",
                        "RunningTaskCount",
                        &[&cluster, &name],
                        "Average",
                    ),
                    metric(
                        "ECS/ContainerInsights",
                        "DesiredTaskCount",
                        &[&cluster, &name],
                        "Average",
                    ),
                ],
            },
            period: 60,
            periods: 5,
            comparison: "GreaterThanThreshold",
            threshold: "0".to_owned(),
            missing: "breaching",
        });
    }
}

/// The database's: CPU, free storage, freeable memory, connections.
fn database_rules(spec: &Spec, database: &Database, t: &Thresholds, out: &mut Vec<Rule<'static>>) {
    let id = text(
        "DBInstanceIdentifier",
        &crate::names::database_identifier(&spec.app.name, &spec.env),
    );
    let rds = "AWS/RDS";
    out.push(Rule {
        component: "database",
        slug: "cpu",
        what: format!(
            "the database's CPU above {}%, 5 minutes running",
            t.database_cpu_percent
        ),
        metric: AlarmMetric::Metric(metric(rds, "CPUUtilization", &[&id], "Average")),
        period: 60,
        periods: 5,
        comparison: "GreaterThanThreshold",
        threshold: t.database_cpu_percent.to_string(),
        // No datapoint while the instance is being made or is stopped:
        // the alarm keeps its state.
        missing: "missing",
    });
    let allocated = u64::from(database.storage_gb) * 1024 * 1024 * 1024;
    out.push(Rule {
        component: "database",
        slug: "free-storage",
        what: format!(
            "free storage below {}% of the {} GiB allocated",
            t.database_free_storage_percent, database.storage_gb
        ),
        metric: AlarmMetric::Metric(metric(rds, "FreeStorageSpace", &[&id], "Minimum")),
        period: 300,
        periods: 1,
        comparison: "LessThanThreshold",
        threshold: (allocated * u64::from(t.database_free_storage_percent) / 100).to_string(),
        missing: "missing",
    });
    out.push(Rule {
        component: "database",
        slug: "freeable-memory",
        what: format!(
            "freeable memory below {} MiB, 5 minutes running",
            t.database_freeable_memory_mib
        ),
        metric: AlarmMetric::Metric(metric(rds, "FreeableMemory", &[&id], "Average")),
        period: 60,
        periods: 5,
        comparison: "LessThanThreshold",
        threshold: (u64::from(t.database_freeable_memory_mib) * 1024 * 1024).to_string(),
        missing: "missing",
    });
    if let Some(max) = max_connections(&database.instance_class) {
        let limit = max * u64::from(t.database_connections_percent) / 100;
        out.push(Rule {
            component: "database",
            slug: "connections",
            what: format!(
                "more than {limit} connections ({}% of {}'s {max}), 5 minutes running",
                t.database_connections_percent, database.instance_class
            ),
            metric: AlarmMetric::Metric(metric(rds, "DatabaseConnections", &[&id], "Maximum")),
            period: 60,
            periods: 5,
            comparison: "GreaterThanThreshold",
            threshold: limit.to_string(),
            missing: "notBreaching",
        });
    }
}

/// Milliseconds as `CloudWatch` prints seconds (`2`, `0.5`).
fn seconds(ms: u32) -> String {
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{}", f64::from(ms) / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_connections_follow_the_class_memory() {
        // What instances report: 66 on a micro, 150 small, 648 large.
        assert_eq!(max_connections("db.t4g.micro"), Some(64));
        assert!(max_connections("db.t4g.small").unwrap() <= 150);
        assert!(max_connections("db.m7g.large").unwrap() <= 648);
        // The default 80% of a micro's fires below what it allows.
        assert!(max_connections("db.t4g.micro").unwrap() * 80 / 100 < 66);
        assert_eq!(class_memory_mib("db.r6g.large"), Some(16384));
        assert_eq!(class_memory_mib("db.m7g.2xlarge"), Some(32768));
        assert_eq!(class_memory_mib("db.weird"), None);
        assert_eq!(seconds(2000), "2");
        assert_eq!(seconds(1500), "1.5");
    }
}
