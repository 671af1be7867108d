//! The service's checks: its container, rollout, roles, logs, secrets,
//! scaling and load balancer.

use std::collections::BTreeMap;

use toml::Spanned;

use super::{Checker, FARGATE, parse_secret_ref};
use crate::{
    Autoscaling, CpuArchitecture, Deploy, LoadBalancer, PauseStage, SecretRef, Service,
    SpecDuration, Strategy, Tracing, defaults,
};

pub(super) fn service(c: &mut Checker, raw: &crate::raw::RawService) -> Service {
    let (cpu, memory) = task_size(c, raw);
    let port = c.int(
        raw.port.as_ref(),
        "service.port",
        "a TCP port",
        (1, 65535),
        i64::from(defaults::SERVICE_PORT),
    );
    let desired_count = c.int(
        raw.desired_count.as_ref(),
        "service.desired_count",
        "how many tasks run",
        (0, 1000),
        i64::from(defaults::SERVICE_DESIRED_COUNT),
    );
    let health_check_path = Checker::text(
        raw.health_check_path.as_ref(),
        defaults::SERVICE_HEALTH_CHECK_PATH,
    );
    if let Some(path) = &raw.health_check_path
        && !path.get_ref().starts_with('/')
    {
        c.error(
            format!(
                "service.health_check_path `{}` does not start with /",
                path.get_ref()
            ),
            Some(path.span()),
            format!("write it as an absolute path: \"/{}\"", path.get_ref()),
        );
    }
    let log_retention_days = log_retention_days(c, raw);
    let (min_healthy_percent, max_percent, health_check_grace_period, rollout_timeout) =
        rollout(c, raw);
    let task_role_policies = task_role_policies(c, raw);
    c.env_names(raw.env.as_ref(), "service.env");
    c.env_names(raw.secrets.as_ref(), "service.secrets");
    let secrets = secrets(c, raw);
    let autoscaling = raw.autoscaling.as_ref().map(|a| autoscaling(c, a));
    let deploy = deploy(c, raw.deploy.as_ref());
    Service {
        image_tag: raw.image_tag.as_ref().map(|t| t.get_ref().clone()),
        cpu,
        memory,
        desired_count: u32::try_from(desired_count).unwrap_or(defaults::SERVICE_DESIRED_COUNT),
        port: u16::try_from(port).unwrap_or(defaults::SERVICE_PORT),
        health_check_path,
        log_retention_days,
        min_healthy_percent: u32::try_from(min_healthy_percent)
            .unwrap_or(defaults::SERVICE_MIN_HEALTHY_PERCENT),
        max_percent: u32::try_from(max_percent).unwrap_or(defaults::SERVICE_MAX_PERCENT),
        health_check_grace_period,
        rollout_timeout,
        task_role_policies,
        env: Checker::map(raw.env.as_ref()),
        secrets,
        autoscaling,
        deploy,
        container_insights: Checker::flag(
            raw.container_insights.as_ref(),
            defaults::SERVICE_CONTAINER_INSIGHTS,
        ),
        tracing: tracing(c, raw.tracing.as_ref()),
        cpu_architecture: cpu_architecture(c, raw.cpu_architecture.as_ref()),
    }
}

fn cpu_architecture(c: &mut Checker, raw: Option<&Spanned<String>>) -> CpuArchitecture {
    match raw.map(|t| t.get_ref().as_str()) {
        None | Some("x86_64") => CpuArchitecture::X86_64,
        Some("arm64") => CpuArchitecture::Arm64,
        Some(other) => {
            c.error(
                format!("service.cpu_architecture = \"{other}\" is not a Fargate CPU architecture"),
                raw.map(Spanned::span),
                "use \"x86_64\" (the default) or \"arm64\" (Graviton; the image must be built for linux/arm64)",
            );
            CpuArchitecture::X86_64
        }
    }
}

/// `service.cpu` and `service.memory`: a Fargate task size.
fn task_size(c: &mut Checker, raw: &crate::raw::RawService) -> (u32, u32) {
    let cpu = c.int(
        raw.cpu.as_ref(),
        "service.cpu",
        "Fargate CPU units",
        (256, 16384),
        i64::from(defaults::SERVICE_CPU),
    );
    let memory = c.int(
        raw.memory.as_ref(),
        "service.memory",
        "memory in MiB",
        (512, 122_880),
        i64::from(defaults::SERVICE_MEMORY),
    );
    let (cpu, memory) = (
        u32::try_from(cpu).unwrap_or(defaults::SERVICE_CPU),
        u32::try_from(memory).unwrap_or(defaults::SERVICE_MEMORY),
    );
    match FARGATE.iter().find(|(c, ..)| *c == cpu) {
        None => {
            let span = raw.cpu.as_ref().map(Spanned::span);
            let valid: Vec<String> = FARGATE.iter().map(|(c, ..)| c.to_string()).collect();
            c.error(
                format!("service.cpu = {cpu} is not a Fargate CPU size"),
                span,
                format!("use one of: {}", valid.join(", ")),
            );
        }
        Some((_, lo, hi, step)) if memory < *lo || memory > *hi || (memory - lo) % step != 0 => {
            let span = raw.memory.as_ref().or(raw.cpu.as_ref()).map(Spanned::span);
            c.error(
                format!(
                    "service.memory = {memory} does not go with service.cpu = {cpu} on Fargate"
                ),
                span,
                format!("with cpu = {cpu}, memory is {lo} to {hi} in steps of {step}"),
            );
        }
        Some(_) => {}
    }
    (cpu, memory)
}

fn tracing(c: &mut Checker, raw: Option<&Spanned<String>>) -> Tracing {
    match raw.map(|t| t.get_ref().as_str()) {
        None | Some("off") => Tracing::Off,
        Some("xray") => Tracing::Xray,
        Some(other) => {
            c.error(
                format!("service.tracing = \"{other}\" is not a tracing mode"),
                raw.map(Spanned::span),
                "use \"xray\" (the X-Ray daemon beside the API) or \"off\"",
            );
            Tracing::Off
        }
    }
}

/// How the service rolls out: healthy percentages, grace period, deadline.
fn rollout(
    c: &mut Checker,
    raw: &crate::raw::RawService,
) -> (i64, i64, SpecDuration, SpecDuration) {
    let min_healthy_percent = c.int(
        raw.min_healthy_percent.as_ref(),
        "service.min_healthy_percent",
        "the share of tasks kept running during a rollout, percent",
        (0, 100),
        i64::from(defaults::SERVICE_MIN_HEALTHY_PERCENT),
    );
    let max_percent = c.int(
        raw.max_percent.as_ref(),
        "service.max_percent",
        "the most tasks running during a rollout, percent of desired_count",
        (100, 200),
        i64::from(defaults::SERVICE_MAX_PERCENT),
    );
    let health_check_grace_period = c.duration(
        raw.health_check_grace_period.as_ref(),
        "service.health_check_grace_period",
        (0, 7200),
        defaults::SERVICE_HEALTH_CHECK_GRACE_SECS,
    );
    let rollout_timeout = c.duration(
        raw.rollout_timeout.as_ref(),
        "service.rollout_timeout",
        (1, 6 * 3600),
        defaults::SERVICE_ROLLOUT_TIMEOUT_SECS,
    );
    (
        min_healthy_percent,
        max_percent,
        health_check_grace_period,
        rollout_timeout,
    )
}

/// `service.task_role_policies`: IAM policy ARNs.
fn task_role_policies(c: &mut Checker, raw: &crate::raw::RawService) -> Vec<String> {
    let mut task_role_policies = Vec::new();
    for arn in raw.task_role_policies.iter().flat_map(Spanned::get_ref) {
        if is_policy_arn(arn.get_ref()) {
            task_role_policies.push(arn.get_ref().clone());
        } else {
            c.error(
                format!(
                    "service.task_role_policies: `{}` is not an IAM policy ARN",
                    arn.get_ref()
                ),
                Some(arn.span()),
                "write arn:aws:iam::aws:policy/NAME (AWS managed) or arn:aws:iam::ACCOUNT:policy/NAME",
            );
        }
    }
    task_role_policies
}

/// `arn:<partition>:iam::<aws | 12 digits>:policy/<path and name>`.
fn is_policy_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if partition.starts_with("aws")
            && (*account == "aws" || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
            && resource.strip_prefix("policy/").is_some_and(|name| !name.is_empty()))
}

/// `service.log_retention_days`: one of the retentions CloudWatch Logs offers.
fn log_retention_days(c: &mut Checker, raw: &crate::raw::RawService) -> u32 {
    let days = c.int(
        raw.log_retention_days.as_ref(),
        "service.log_retention_days",
        "days of logs kept",
        (1, 3653),
        i64::from(defaults::SERVICE_LOG_RETENTION_DAYS),
    );
    let days = u32::try_from(days).unwrap_or(defaults::SERVICE_LOG_RETENTION_DAYS);
    if let Some(raw_days) = &raw.log_retention_days
        && !defaults::LOG_RETENTION_DAYS.contains(&days)
    {
        let nearest = defaults::LOG_RETENTION_DAYS
            .iter()
            .min_by_key(|d| d.abs_diff(days))
            .copied()
            .unwrap_or(defaults::SERVICE_LOG_RETENTION_DAYS);
        c.error(
            format!(
                "service.log_retention_days = {days} is not a retention CloudWatch Logs offers"
            ),
            Some(raw_days.span()),
            format!(
                "use one of {} (the nearest is {nearest})",
                defaults::LOG_RETENTION_DAYS
                    .map(|d| d.to_string())
                    .join(", ")
            ),
        );
    }
    days
}

/// `service.secrets`: each a reference, none also in `service.env`.
fn secrets(c: &mut Checker, raw: &crate::raw::RawService) -> BTreeMap<String, SecretRef> {
    let mut secrets = BTreeMap::new();
    for (name, value) in raw.secrets.iter().flatten() {
        match parse_secret_ref(value.get_ref()) {
            Some(secret) => {
                secrets.insert(name.clone(), secret);
            }
            None => c.error(
                format!("service.secrets.{name} = \"{}\" is not a secret reference", value.get_ref()),
                Some(value.span()),
                "use \"database:password\", \"database:username\" or \"secret:<name>[:<json-key>]\"",
            ),
        }
    }
    for (name, value) in raw.env.iter().flatten() {
        if raw.secrets.as_ref().is_some_and(|s| s.contains_key(name)) {
            c.error(
                format!("service.env.{name} is also in service.secrets"),
                Some(value.span()),
                "a variable comes from env or from secrets, not both",
            );
        }
    }
    secrets
}

fn autoscaling(c: &mut Checker, a: &crate::raw::RawAutoscaling) -> Autoscaling {
    let min = c.int(
        a.min.as_ref(),
        "service.autoscaling.min",
        "the fewest tasks",
        (0, 1000),
        1,
    );
    let max = c.int(
        a.max.as_ref(),
        "service.autoscaling.max",
        "the most tasks",
        (1, 1000),
        min.max(1),
    );
    if min > max {
        c.error(
            format!("service.autoscaling.min = {min} is above max = {max}"),
            a.min.as_ref().map(Spanned::span),
            "min must be at most max",
        );
    }
    let target = c.int(
        a.target_cpu.as_ref(),
        "service.autoscaling.target_cpu",
        "the average CPU percent to hold",
        (10, 90),
        i64::from(defaults::AUTOSCALING_TARGET_CPU),
    );
    Autoscaling {
        min: u32::try_from(min).unwrap_or(1),
        max: u32::try_from(max).unwrap_or(1),
        target_cpu: u32::try_from(target).unwrap_or(defaults::AUTOSCALING_TARGET_CPU),
    }
}

/// `[service.deploy]`: the strategy and its knobs. A knob of another
/// strategy than the one chosen is an error: it would do nothing.
fn deploy(c: &mut Checker, raw: Option<&crate::raw::RawDeploy>) -> Deploy {
    let empty = crate::raw::RawDeploy::default();
    let raw = raw.unwrap_or(&empty);
    let strategy = match raw.strategy.as_ref().map(|s| s.get_ref().as_str()) {
        None | Some("rolling") => Strategy::Rolling,
        Some("blue_green") => Strategy::BlueGreen,
        Some("canary") => Strategy::Canary,
        Some("linear") => Strategy::Linear,
        Some(other) => {
            c.error(
                format!("service.deploy.strategy = \"{other}\" is not a deployment strategy"),
                raw.strategy.as_ref().map(Spanned::span),
                "use \"rolling\" (the default), \"blue_green\", \"canary\" or \"linear\"",
            );
            Strategy::Rolling
        }
    };
    let day = 24 * 60 * 60;
    let minutes = |c: &mut Checker, value: Option<&Spanned<String>>, key: &str, default| {
        let d = c.duration(value, key, (0, day), default);
        if let Some(value) = value
            && d.0.as_secs() % 60 != 0
        {
            c.error(
                format!(
                    "{key} = \"{}\" is not a whole number of minutes",
                    value.get_ref()
                ),
                Some(value.span()),
                "ECS bakes in whole minutes: write \"5m\", \"90m\", \"0m\"",
            );
        }
        d
    };
    let bake_time = minutes(
        c,
        raw.bake_time.as_ref(),
        "service.deploy.bake_time",
        defaults::DEPLOY_BAKE_SECS,
    );
    let canary_bake_time = minutes(
        c,
        raw.canary_bake_time.as_ref(),
        "service.deploy.canary_bake_time",
        defaults::DEPLOY_CANARY_BAKE_SECS,
    );
    let linear_step_bake_time = minutes(
        c,
        raw.linear_step_bake_time.as_ref(),
        "service.deploy.linear_step_bake_time",
        defaults::DEPLOY_LINEAR_STEP_BAKE_SECS,
    );
    let canary_percent = c.int(
        raw.canary_percent.as_ref(),
        "service.deploy.canary_percent",
        "the share of production traffic the canary takes, whole percent",
        (1, 99),
        i64::from(defaults::DEPLOY_CANARY_PERCENT),
    );
    let linear_step_percent = c.int(
        raw.linear_step_percent.as_ref(),
        "service.deploy.linear_step_percent",
        "the share of production traffic moved at each step, whole percent",
        (3, 99),
        i64::from(defaults::DEPLOY_LINEAR_STEP_PERCENT),
    );
    misplaced_knobs(c, raw, strategy);
    let (test_port, test_cidrs) = test_listener(c, raw, strategy);
    let (pause_at, pause_timeout) = pauses(c, raw, strategy);
    Deploy {
        strategy,
        bake_time,
        canary_percent: u32::try_from(canary_percent).unwrap_or(defaults::DEPLOY_CANARY_PERCENT),
        canary_bake_time,
        linear_step_percent: u32::try_from(linear_step_percent)
            .unwrap_or(defaults::DEPLOY_LINEAR_STEP_PERCENT),
        linear_step_bake_time,
        test_port,
        test_cidrs,
        pause_at,
        pause_timeout,
    }
}

/// `service.deploy.pause_at` and `pause_timeout`: where ECS pauses a
/// deployment of a strategy that shifts traffic, and for how long.
fn pauses(
    c: &mut Checker,
    raw: &crate::raw::RawDeploy,
    strategy: Strategy,
) -> (Vec<PauseStage>, SpecDuration) {
    let timeout = c.duration(
        raw.pause_timeout.as_ref(),
        "service.deploy.pause_timeout",
        (60, 20_160 * 60),
        defaults::DEPLOY_PAUSE_TIMEOUT_SECS,
    );
    if let Some(value) = &raw.pause_timeout {
        if timeout.0.as_secs() % 60 != 0 {
            c.error(
                format!(
                    "service.deploy.pause_timeout = \"{}\" is not a whole number of minutes",
                    value.get_ref()
                ),
                Some(value.span()),
                "ECS counts a pause in whole minutes: write \"30m\", \"24h\"",
            );
        }
        if raw.pause_at.as_ref().is_none_or(|l| l.get_ref().is_empty()) {
            c.error(
                "service.deploy.pause_timeout without pause_at".to_owned(),
                Some(value.span()),
                "list the stages to pause at in service.deploy.pause_at, or remove pause_timeout",
            );
        }
    }
    let Some(listed) = &raw.pause_at else {
        return (Vec::new(), timeout);
    };
    if !strategy.shifts_traffic() {
        c.error(
            format!(
                "service.deploy.pause_at does nothing with strategy = \"{}\"",
                strategy.spec_name()
            ),
            Some(listed.span()),
            "ECS pauses only blue/green, canary and linear deployments: remove it, or set service.deploy.strategy = \"blue_green\", \"canary\" or \"linear\"",
        );
        return (Vec::new(), timeout);
    }
    let mut stages = Vec::new();
    for stage in listed.get_ref() {
        if let Some(found) = PauseStage::ALL
            .iter()
            .find(|s| s.spec_name() == stage.get_ref())
        {
            stages.push(*found);
        } else {
            let names: Vec<&str> = PauseStage::ALL.iter().map(|s| s.spec_name()).collect();
            c.error(
                format!(
                    "service.deploy.pause_at: `{}` is not a stage ECS can pause at",
                    stage.get_ref()
                ),
                Some(stage.span()),
                format!("use one of {}", names.join(", ")),
            );
        }
    }
    stages.sort();
    stages.dedup();
    (stages, timeout)
}

/// `service.deploy.test_port` and `test_cidrs`: the test listener, for a
/// strategy that shifts traffic.
fn test_listener(
    c: &mut Checker,
    raw: &crate::raw::RawDeploy,
    strategy: Strategy,
) -> (Option<u16>, Vec<String>) {
    let cidrs_span = raw.test_cidrs.as_ref().map(Spanned::span);
    let Some(port) = &raw.test_port else {
        if cidrs_span.is_some() {
            c.error(
                "service.deploy.test_cidrs without test_port".to_owned(),
                cidrs_span,
                "set service.deploy.test_port (e.g. 8443), or remove test_cidrs",
            );
        }
        return (None, Vec::new());
    };
    if !strategy.shifts_traffic() {
        c.error(
            format!(
                "service.deploy.test_port does nothing with strategy = \"{}\"",
                strategy.spec_name()
            ),
            Some(port.span()),
            "a rolling deployment has no test traffic: remove it, or set service.deploy.strategy = \"blue_green\", \"canary\" or \"linear\"",
        );
        return (None, Vec::new());
    }
    let value = *port.get_ref();
    if !(1..=65535).contains(&value) || value == 80 || value == 443 {
        c.error(
            format!("service.deploy.test_port = {value} is not a free listener port"),
            Some(port.span()),
            "pick a TCP port other than 80 and 443 (the production listeners'), e.g. 8443",
        );
        return (None, Vec::new());
    }
    let mut cidrs = Vec::new();
    for cidr in raw.test_cidrs.iter().flat_map(Spanned::get_ref) {
        let text = cidr.get_ref();
        match text.parse::<ipnet::Ipv4Net>() {
            Ok(net) if net.trunc() == net => cidrs.push(net.to_string()),
            Ok(net) => c.error(
                format!("service.deploy.test_cidrs: `{text}` has host bits set"),
                Some(cidr.span()),
                format!("write the network: \"{}\"", net.trunc()),
            ),
            Err(_) => c.error(
                format!("service.deploy.test_cidrs: `{text}` is not an IPv4 CIDR block"),
                Some(cidr.span()),
                "write a block such as \"203.0.113.0/24\" (a single address is /32)",
            ),
        }
    }
    if raw.test_cidrs.is_none() {
        cidrs.push("0.0.0.0/0".to_owned());
    } else if cidrs.is_empty() && raw.test_cidrs.iter().all(|l| l.get_ref().is_empty()) {
        c.error(
            "service.deploy.test_cidrs is empty: nothing could reach the test listener".to_owned(),
            cidrs_span,
            "list the blocks your checks run from, or remove test_cidrs to allow anywhere",
        );
    }
    cidrs.sort();
    cidrs.dedup();
    (u16::try_from(value).ok(), cidrs)
}

/// A knob of another strategy than the one chosen is an error: it would
/// do nothing.
fn misplaced_knobs(c: &mut Checker, raw: &crate::raw::RawDeploy, strategy: Strategy) {
    let text = |v: &Option<Spanned<String>>| v.as_ref().map(Spanned::span);
    let int = |v: &Option<Spanned<i64>>| v.as_ref().map(Spanned::span);
    let misplaced = [
        ("bake_time", text(&raw.bake_time), Strategy::Rolling),
        ("canary_percent", int(&raw.canary_percent), Strategy::Canary),
        (
            "canary_bake_time",
            text(&raw.canary_bake_time),
            Strategy::Canary,
        ),
        (
            "linear_step_percent",
            int(&raw.linear_step_percent),
            Strategy::Linear,
        ),
        (
            "linear_step_bake_time",
            text(&raw.linear_step_bake_time),
            Strategy::Linear,
        ),
    ];
    for (key, span, owner) in misplaced {
        let given = span.is_some();
        // `bake_time` belongs to every strategy but rolling.
        let applies = if owner == Strategy::Rolling {
            strategy.shifts_traffic()
        } else {
            strategy == owner
        };
        if given && !applies {
            let wanted = if owner == Strategy::Rolling {
                "\"blue_green\", \"canary\" or \"linear\"".to_owned()
            } else {
                format!("\"{}\"", owner.spec_name())
            };
            c.error(
                format!(
                    "service.deploy.{key} does nothing with strategy = \"{}\"",
                    strategy.spec_name()
                ),
                span,
                format!("remove it, or set service.deploy.strategy = {wanted}"),
            );
        }
    }
}

pub(super) fn load_balancer(
    c: &mut Checker,
    raw: Option<&crate::raw::RawLoadBalancer>,
) -> LoadBalancer {
    if let Some(arn) = raw.and_then(|l| l.certificate_arn.as_ref())
        && !(arn.get_ref().starts_with("arn:aws") && arn.get_ref().contains(":acm:"))
    {
        c.error(format!("load_balancer.certificate_arn `{}` is not an ACM certificate ARN", arn.get_ref()), Some(arn.span()), "copy the ARN from ACM: arn:aws:acm:<region>:<account>:certificate/<id>; or set [dns] and let awsdeploy request one");
    }
    LoadBalancer {
        certificate_arn: raw
            .and_then(|l| l.certificate_arn.as_ref())
            .map(|a| a.get_ref().clone()),
        tls_policy: Checker::text(
            raw.and_then(|l| l.tls_policy.as_ref()),
            defaults::LB_TLS_POLICY,
        ),
        idle_timeout: c.duration(
            raw.and_then(|l| l.idle_timeout.as_ref()),
            "load_balancer.idle_timeout",
            (1, 4000),
            defaults::LB_IDLE_TIMEOUT_SECS,
        ),
        health_check_interval: c.duration(
            raw.and_then(|l| l.health_check_interval.as_ref()),
            "load_balancer.health_check_interval",
            (5, 300),
            defaults::LB_HEALTH_CHECK_INTERVAL_SECS,
        ),
        healthy_threshold: u8::try_from(c.int(
            raw.and_then(|l| l.healthy_threshold.as_ref()),
            "load_balancer.healthy_threshold",
            "consecutive passes before a target is healthy",
            (2, 10),
            i64::from(defaults::LB_HEALTHY_THRESHOLD),
        ))
        .unwrap_or(defaults::LB_HEALTHY_THRESHOLD),
        unhealthy_threshold: u8::try_from(c.int(
            raw.and_then(|l| l.unhealthy_threshold.as_ref()),
            "load_balancer.unhealthy_threshold",
            "consecutive failures before a target is unhealthy",
            (2, 10),
            i64::from(defaults::LB_UNHEALTHY_THRESHOLD),
        ))
        .unwrap_or(defaults::LB_UNHEALTHY_THRESHOLD),
        deregistration_delay: c.duration(
            raw.and_then(|l| l.deregistration_delay.as_ref()),
            "load_balancer.deregistration_delay",
            (0, 3600),
            defaults::LB_DEREGISTRATION_DELAY_SECS,
        ),
    }
}
