//! The load balancer in front of the API: `{app}-{env}-alb`,
//! internet-facing, in the public subnets with the `lb` security group; one
//! target group (`{app}-{env}-api`, target type `ip`) with the spec's
//! health check. With a certificate: 443 HTTPS with an explicit TLS policy
//! (never the API's 2016 default), waiting for the certificate to be
//! issued, and 80 redirecting to 443. Without one: 80 forwarding, and the
//! plan warns. Planned when the spec has `[service]`.

use crate::component::PlanContext;
use crate::live::{LiveListener, LiveListenerAction};
use crate::names::{load_balancer_name, target_group_name};
use crate::network::{reference as net, subnets};
use crate::service::{existing_id, existing_ids, secs, sorted};
use crate::{Action, ComponentPlan, FieldChange, Key, ResourceChange, ResourceKind};
use crate::{ComponentId, Orphan, PlanError, Ref, network};

mod component;
mod steps;
pub(crate) mod traffic;
pub use component::LoadBalancer;
pub use steps::{ListenerConfig, LoadBalancerStep, TargetHealth};

/// AWS's limit on load balancer and target group names.
const ELB_NAME_MAX: usize = 32;

/// The target group, the load balancer and its listeners, when the spec
/// has `[service]`.
pub fn plan(cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let live = &cx.live.service;
    let Some(service) = cx.spec.service.as_ref() else {
        if let Some(lb) = &live.load_balancer {
            out.orphans.push(Orphan {
                component: ComponentId::LoadBalancer,
                kind: ResourceKind::LoadBalancer,
                name: lb.name.clone(),
                id: lb.arn.clone(),
            });
        }
        if let Some(tg) = &live.target_group {
            out.orphans.push(Orphan {
                component: ComponentId::LoadBalancer,
                kind: ResourceKind::TargetGroup,
                name: tg.name.clone(),
                id: tg.arn.clone(),
            });
        }
        return Ok(out);
    };
    let (app, env) = (cx.app(), cx.env());
    for name in [
        load_balancer_name(app, env),
        target_group_name(app, env),
        crate::names::alternate_target_group_name(app, env),
    ] {
        if name.len() > ELB_NAME_MAX {
            return Err(PlanError::Conflict {
                kind: ResourceKind::LoadBalancer,
                name,
                problem: format!("is longer than the {ELB_NAME_MAX} characters AWS allows"),
                hint: "shorten app.name or the environment's name".to_owned(),
            });
        }
    }
    let primary = target_group(
        cx,
        service,
        &mut out,
        target_group_name(app, env),
        live.target_group.as_ref(),
    )?;
    let load_balancer = load_balancer(cx, &mut out)?;
    let certificate = crate::certificate::for_listener(cx);
    listeners(cx, &mut out, &load_balancer, &primary, certificate.as_ref());
    if service.deploy.strategy.shifts_traffic() {
        let alternate = target_group(
            cx,
            service,
            &mut out,
            crate::names::alternate_target_group_name(app, env),
            live.alternate_target_group.as_ref(),
        )?;
        for rule in [traffic::Rule::Production, traffic::Rule::Test] {
            traffic::rule(cx, rule, &mut out, &primary, &alternate);
        }
        let ports: Vec<i32> = wanted_listeners(
            &cx.spec.load_balancer,
            certificate.as_ref(),
            &primary,
            traffic::test_port(cx),
        )
        .iter()
        .map(|(port, _)| *port)
        .collect();
        traffic::stale_rules(cx, &mut out, &ports);
    }
    Ok(out)
}

/// A target group (the service's, or a strategy's second one, `found`
/// live): the health check is updated in place; port and target type
/// cannot change.
fn target_group(
    cx: &PlanContext<'_>,
    service: &awsdeploy_spec::Service,
    out: &mut ComponentPlan,
    tg_name: String,
    found: Option<&crate::live::LiveTargetGroup>,
) -> Result<Ref, PlanError> {
    let spec = cx.spec;
    let lb = &spec.load_balancer;
    let port = i32::from(service.port);
    let tg_key = Key::named(ComponentId::LoadBalancer, tg_name.clone());
    let interval = secs(lb.health_check_interval);
    let health = TargetHealth {
        path: service.health_check_path.clone(),
        interval_secs: interval,
        // ALB requires the timeout to be shorter than the interval.
        timeout_secs: (interval - 1).clamp(2, 5),
        healthy_threshold: i32::from(lb.healthy_threshold),
        unhealthy_threshold: i32::from(lb.unhealthy_threshold),
        deregistration_delay_secs: secs(lb.deregistration_delay),
    };
    Ok(match found {
        Some(tg) if !tg.owned => {
            return Err(PlanError::not_ours(ResourceKind::TargetGroup, &tg_name));
        }
        Some(tg) if tg.port != port || tg.target_type != "ip" => {
            return Err(PlanError::Conflict {
                kind: ResourceKind::TargetGroup,
                name: tg_name,
                problem: format!(
                    "sends to port {} ({} targets); the spec's service.port is {port}",
                    tg.port, tg.target_type
                ),
                hint: "a target group's port and target type cannot change; delete the target group (and the listeners using it), then run `awsdeploy up` again".to_owned(),
            });
        }
        Some(tg) => {
            let fields = health_fields(&tg.health, &health);
            if fields.is_empty() {
                out.unchanged += 1;
            } else {
                out.push(
                    ResourceChange::new(
                        tg_key.clone(),
                        ResourceKind::TargetGroup,
                        &tg_name,
                        Action::Update,
                        vec![LoadBalancerStep::ModifyTargetGroup {
                            target_group: tg.arn.clone(),
                            health: health.clone(),
                        }],
                    )
                    .on(Some(&tg.arn))
                    .with_fields(fields),
                );
            }
            Ref::Existing(tg.arn.clone())
        }
        None => {
            out.push(
                ResourceChange::new(
                    tg_key.clone(),
                    ResourceKind::TargetGroup,
                    &tg_name,
                    Action::Create,
                    vec![LoadBalancerStep::CreateTargetGroup {
                        name: tg_name.clone(),
                        vpc: net(cx, "vpc"),
                        port,
                        health: health.clone(),
                    }],
                )
                .with_fields(vec![
                    FieldChange::set("port", port.to_string()),
                    FieldChange::set("health_check", describe_health(&health)),
                ]),
            );
            Ref::Planned(tg_key.clone())
        }
    })
}

/// The internet-facing load balancer in the public subnets.
fn load_balancer(cx: &PlanContext<'_>, out: &mut ComponentPlan) -> Result<Ref, PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let lb = &spec.load_balancer;
    let azs = usize::from(spec.network.azs);
    let public = subnets(cx, "public");
    let lb_name = load_balancer_name(app, env);
    let lb_key = Key::named(ComponentId::LoadBalancer, lb_name.clone());
    let idle = i64::try_from(lb.idle_timeout.0.as_secs()).unwrap_or(i64::MAX);
    let lb_security_group = net(cx, "lb");
    Ok(match &live.load_balancer {
        Some(found) if !found.owned => {
            return Err(PlanError::not_ours(ResourceKind::LoadBalancer, &lb_name));
        }
        Some(found) if found.scheme != "internet-facing" => {
            return Err(PlanError::Conflict {
                kind: ResourceKind::LoadBalancer,
                name: lb_name,
                problem: format!("is {}, not internet-facing", found.scheme),
                hint: "a load balancer's scheme cannot change; delete it, then run `awsdeploy up` again".to_owned(),
            });
        }
        Some(found) => {
            let mut fields = Vec::new();
            let wanted_subnets = existing_ids(&public);
            let subnets = (wanted_subnets != Some(sorted(&found.subnet_ids))).then(|| {
                fields.push(FieldChange::new(
                    "subnets",
                    Some(found.subnet_ids.join(", ")),
                    Some(format!("the {azs} public subnets")),
                ));
                public.clone()
            });
            let wanted_group = existing_ids(std::slice::from_ref(&lb_security_group));
            let security_group =
                (wanted_group.as_ref() != Some(&found.security_group_ids)).then(|| {
                    fields.push(FieldChange::new(
                        "security_groups",
                        Some(found.security_group_ids.join(", ")),
                        Some(network::resource_name(spec, "lb")),
                    ));
                    lb_security_group.clone()
                });
            let idle_timeout_secs = (found.idle_timeout_secs != Some(idle)).then(|| {
                fields.push(FieldChange::new(
                    "idle_timeout",
                    found.idle_timeout_secs.map(|s| format!("{s}s")),
                    Some(format!("{idle}s")),
                ));
                idle
            });
            if fields.is_empty() {
                out.unchanged += 1;
            } else {
                out.push(
                    ResourceChange::new(
                        lb_key.clone(),
                        ResourceKind::LoadBalancer,
                        &lb_name,
                        Action::Update,
                        vec![LoadBalancerStep::ModifyLoadBalancer {
                            load_balancer: found.arn.clone(),
                            subnets,
                            security_group,
                            idle_timeout_secs,
                        }],
                    )
                    .on(Some(&found.arn))
                    .with_fields(fields),
                );
            }
            Ref::Existing(found.arn.clone())
        }
        None => {
            out.push(
                ResourceChange::new(
                    lb_key.clone(),
                    ResourceKind::LoadBalancer,
                    &lb_name,
                    Action::Create,
                    vec![LoadBalancerStep::CreateLoadBalancer {
                        name: lb_name.clone(),
                        subnets: public.clone(),
                        security_group: lb_security_group,
                        idle_timeout_secs: idle,
                    }],
                )
                .with_fields(vec![
                    FieldChange::set("scheme", "internet-facing"),
                    FieldChange::set("subnets", format!("the {azs} public subnets")),
                ]),
            );
            Ref::Planned(lb_key.clone())
        }
    })
}

/// The listeners by port: 443 HTTPS and 80 → 443 with a certificate, 80
/// forwarding without; and the test listener (`test_port`), forwarding as
/// the production one does.
fn wanted_listeners(
    lb: &awsdeploy_spec::LoadBalancer,
    certificate: Option<&Ref>,
    target_group: &Ref,
    test_port: Option<i32>,
) -> Vec<(i32, ListenerConfig)> {
    let mut wanted = production_listeners(lb, certificate, target_group);
    if let Some(port) = test_port {
        let forwarding = wanted
            .iter()
            .find(|(_, c)| !matches!(c, ListenerConfig::RedirectToHttps))
            .map(|(_, c)| c.clone());
        wanted.extend(forwarding.map(|config| (port, config)));
    }
    wanted
}

fn production_listeners(
    lb: &awsdeploy_spec::LoadBalancer,
    certificate: Option<&Ref>,
    target_group: &Ref,
) -> Vec<(i32, ListenerConfig)> {
    match certificate {
        Some(cert) => vec![
            (
                443,
                ListenerConfig::Https {
                    certificate: cert.clone(),
                    tls_policy: lb.tls_policy.clone(),
                    target_group: target_group.clone(),
                },
            ),
            (80, ListenerConfig::RedirectToHttps),
        ],
        None => vec![(
            80,
            ListenerConfig::Forward {
                target_group: target_group.clone(),
            },
        )],
    }
}

/// 443 HTTPS and 80 → 443 with a certificate; 80 forwarding without.
fn listeners(
    cx: &PlanContext<'_>,
    out: &mut ComponentPlan,
    load_balancer: &Ref,
    target_group: &Ref,
    certificate: Option<&Ref>,
) {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let lb_name = load_balancer_name(app, env);
    let listeners_wanted = wanted_listeners(
        &spec.load_balancer,
        certificate,
        target_group,
        traffic::test_port(cx),
    );
    // An HTTPS listener waits for its certificate to be issued: ELB refuses
    // one that is not (`UnsupportedCertificate`), also one pending from an
    // interrupted run, which the plan refers to by its ARN.
    let certificate_changes: Vec<Key> = spec
        .dns
        .iter()
        .map(|dns| Key::named(ComponentId::Certificate, dns.api.clone()))
        .collect();
    for (port, config) in &listeners_wanted {
        let key = Key::listener(&lb_name, *port);
        let after: &[Key] = match config {
            ListenerConfig::Https { .. } => &certificate_changes,
            ListenerConfig::RedirectToHttps | ListenerConfig::Forward { .. } => &[],
        };
        let name = format!("{lb_name}:{port}");
        let found = live.listeners.iter().find(|l| l.port == *port);
        match found {
            Some(listener) if listener_matches(listener, config) => out.unchanged += 1,
            Some(listener) => {
                out.push(
                    ResourceChange::new(
                        key.clone(),
                        ResourceKind::Listener,
                        &name,
                        Action::Update,
                        vec![LoadBalancerStep::ModifyListener {
                            listener: listener.arn.clone(),
                            port: *port,
                            config: config.clone(),
                        }],
                    )
                    .on(Some(&listener.arn))
                    .with_fields(vec![FieldChange::new(
                        "listener",
                        Some(describe_live_listener(listener)),
                        Some(describe_listener(config)),
                    )])
                    .needs(after.iter().cloned()),
                );
            }
            None => {
                out.push(
                    ResourceChange::new(
                        key.clone(),
                        ResourceKind::Listener,
                        &name,
                        Action::Create,
                        vec![LoadBalancerStep::CreateListener {
                            load_balancer: load_balancer.clone(),
                            port: *port,
                            config: config.clone(),
                        }],
                    )
                    .with_fields(vec![FieldChange::set(
                        "listener",
                        describe_listener(config),
                    )])
                    .needs(after.iter().cloned()),
                );
            }
        }
    }
    unwanted_listeners(cx, out, &listeners_wanted);
}

/// The live listeners the spec no longer wants, deleted. One carrying a
/// rule the service still names stays until a later `up`: the deployment
/// that lets go of the rule may roll back to a revision that names it,
/// until it has completed.
fn unwanted_listeners(
    cx: &PlanContext<'_>,
    out: &mut ComponentPlan,
    listeners_wanted: &[(i32, ListenerConfig)],
) {
    let live = &cx.live.service;
    let lb_name = load_balancer_name(cx.app(), cx.env());
    for listener in &live.listeners {
        if listeners_wanted.iter().any(|(p, _)| *p == listener.port) {
            continue;
        }
        let port = listener.port;
        if traffic::carries_named_rule(cx, &listener.arn) {
            out.warnings.push(format!(
                "the listener {lb_name}:{port} goes with the next `up`: the service lets go of its rule first, and a rollback of that deployment would need it"
            ));
            continue;
        }
        out.push(
            ResourceChange::new(
                Key::listener(&lb_name, port),
                ResourceKind::Listener,
                &format!("{lb_name}:{port}"),
                Action::Delete,
                vec![LoadBalancerStep::DeleteListener {
                    listener: listener.arn.clone(),
                }],
            )
            .on(Some(&listener.arn))
            .with_fields(vec![FieldChange::new(
                "listener",
                Some(describe_live_listener(listener)),
                None::<String>,
            )]),
        );
    }
}

fn describe_health(h: &TargetHealth) -> String {
    format!(
        "GET {} every {}s, healthy after {}, unhealthy after {}, deregistration delay {}s",
        h.path,
        h.interval_secs,
        h.healthy_threshold,
        h.unhealthy_threshold,
        h.deregistration_delay_secs
    )
}

fn health_fields(old: &TargetHealth, new: &TargetHealth) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            fields.push(FieldChange::new(name, Some(a), Some(b)));
        }
    };
    field("health_check_path", old.path.clone(), new.path.clone());
    field(
        "health_check_interval",
        format!("{}s", old.interval_secs),
        format!("{}s", new.interval_secs),
    );
    field(
        "health_check_timeout",
        format!("{}s", old.timeout_secs),
        format!("{}s", new.timeout_secs),
    );
    field(
        "healthy_threshold",
        old.healthy_threshold.to_string(),
        new.healthy_threshold.to_string(),
    );
    field(
        "unhealthy_threshold",
        old.unhealthy_threshold.to_string(),
        new.unhealthy_threshold.to_string(),
    );
    field(
        "deregistration_delay",
        format!("{}s", old.deregistration_delay_secs),
        format!("{}s", new.deregistration_delay_secs),
    );
    fields
}

fn listener_matches(live: &LiveListener, wanted: &ListenerConfig) -> bool {
    match (wanted, &live.action) {
        (
            ListenerConfig::Https {
                certificate,
                tls_policy,
                target_group,
            },
            LiveListenerAction::Forward { target_group_arn },
        ) => {
            live.protocol == "HTTPS"
                && existing_id(certificate).as_deref() == live.certificate_arn.as_deref()
                && live.ssl_policy.as_deref() == Some(tls_policy.as_str())
                && existing_id(target_group).as_deref() == Some(target_group_arn.as_str())
        }
        (ListenerConfig::RedirectToHttps, LiveListenerAction::Redirect { protocol, port }) => {
            live.protocol == "HTTP" && protocol == "HTTPS" && port == "443"
        }
        (
            ListenerConfig::Forward { target_group },
            LiveListenerAction::Forward { target_group_arn },
        ) => {
            live.protocol == "HTTP"
                && existing_id(target_group).as_deref() == Some(target_group_arn.as_str())
        }
        _ => false,
    }
}

fn describe_listener(config: &ListenerConfig) -> String {
    match config {
        ListenerConfig::Https { tls_policy, .. } => {
            format!("HTTPS ({tls_policy}) → the service")
        }
        ListenerConfig::RedirectToHttps => "HTTP → redirect to HTTPS".to_owned(),
        ListenerConfig::Forward { .. } => "HTTP → the service".to_owned(),
    }
}

fn describe_live_listener(live: &LiveListener) -> String {
    let action = match &live.action {
        LiveListenerAction::Forward { .. } => "forward".to_owned(),
        LiveListenerAction::Redirect { protocol, port } => format!("redirect to {protocol}:{port}"),
        LiveListenerAction::Other => "other actions".to_owned(),
    };
    match (&live.protocol[..], &live.ssl_policy) {
        ("HTTPS", Some(policy)) => format!("HTTPS ({policy}) → {action}"),
        (protocol, _) => format!("{protocol} → {action}"),
    }
}

/// `down`: the listeners, then the load balancer, then the target group.
pub(crate) fn teardown(live: &crate::live::LiveServiceTier) -> ComponentPlan {
    let mut out = ComponentPlan::default();
    let groups = || {
        [&live.target_group, &live.alternate_target_group]
            .into_iter()
            .filter_map(|tg| tg.as_ref().filter(|tg| tg.owned))
    };
    let Some(lb) = live.load_balancer.as_ref().filter(|lb| lb.owned) else {
        for tg in groups() {
            out.push(delete_target_group(tg, Vec::new()));
        }
        return out;
    };
    let mut listeners = Vec::new();
    for listener in &live.listeners {
        let key = Key::listener(&lb.name, listener.port);
        listeners.push(key.clone());
        out.push(
            ResourceChange::new(
                key,
                ResourceKind::Listener,
                &format!("{}:{}", lb.name, listener.port),
                Action::Delete,
                vec![LoadBalancerStep::DeleteListener {
                    listener: listener.arn.clone(),
                }],
            )
            .on(Some(&listener.arn)),
        );
    }
    let lb_key = Key::named(ComponentId::LoadBalancer, lb.name.clone());
    out.push(
        ResourceChange::new(
            lb_key.clone(),
            ResourceKind::LoadBalancer,
            &lb.name,
            Action::Delete,
            vec![LoadBalancerStep::DeleteLoadBalancer {
                load_balancer: lb.arn.clone(),
            }],
        )
        .on(Some(&lb.arn))
        .after(listeners),
    );
    // A listener's rules go with it.
    for tg in groups() {
        out.push(delete_target_group(tg, vec![lb_key.clone()]));
    }
    out
}

fn delete_target_group(tg: &crate::live::LiveTargetGroup, after: Vec<Key>) -> ResourceChange {
    ResourceChange::new(
        Key::named(ComponentId::LoadBalancer, tg.name.clone()),
        ResourceKind::TargetGroup,
        &tg.name,
        Action::Delete,
        vec![LoadBalancerStep::DeleteTargetGroup {
            target_group: tg.arn.clone(),
        }],
    )
    .on(Some(&tg.arn))
    .after(after)
}
