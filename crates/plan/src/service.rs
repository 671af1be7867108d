//! The service tier: the load balancer in front of the API, its
//! certificate and DNS name, and the ECS Fargate service itself.
//!
//! - Load balancer (`{app}-{env}-alb`): internet-facing, in the public
//!   subnets, with the `lb` security group. One target group
//!   (`{app}-{env}-api`, target type `ip`) with the spec's health check.
//!   With a certificate: 443 HTTPS with an explicit TLS policy (never the
//!   API's 2016 default) and 80 redirecting to 443. Without one: 80
//!   forwarding, and the plan warns.
//! - Certificate: with `[dns]` and no `load_balancer.certificate_arn`, an
//!   ACM certificate for `dns.api`, validated by DNS records awsdeploy
//!   writes in the zone, waited for with a deadline.
//! - ECS: cluster `{app}-{env}`; task definition family `{app}-{env}-api`
//!   rendered from the spec (a revision is registered only when the
//!   rendered definition differs from the newest live one); service `api`
//!   in the private subnets without public IPs, behind the target group,
//!   with the circuit breaker and rollback on. Every service change waits
//!   for its rollout. Autoscaling when the spec asks; then the desired count
//!   is left to it.
//! - DNS: an alias A record `dns.api` → the load balancer. An existing
//!   record that points elsewhere is never overwritten.
//!
//! Everything is found by these names and must carry this app's and env's
//! tags (Route 53 records carry none: a record is ours when it aliases our
//! load balancer).

use std::collections::BTreeMap;

use awsdeploy_spec::{SecretRef, Spec};

use crate::live::{
    LiveEcsService, LiveListener, LiveListenerAction, LiveServiceTier, LiveZone, Lookups,
};
use crate::plan::{Action, Component, FieldChange, Orphan, ResourceChange, ResourceKind};
use crate::step::{
    ContainerDefinition, DeploymentSettings, ListenerConfig, Ref, SecretSource, ServiceNetwork,
    Step, TargetHealth, TaskDefinition,
};
use crate::{Live, PlanError, database, migration, network, support};

/// The ECS service's name in its cluster, and its container's name.
pub const SERVICE_NAME: &str = "api";
pub const CONTAINER_NAME: &str = "api";
/// The awslogs stream prefix of the service's tasks.
pub const LOG_STREAM_PREFIX: &str = "api";
/// How long `up` waits for a new certificate to be issued.
pub const CERTIFICATE_TIMEOUT_SECS: u64 = 30 * 60;
/// AWS's limit on load balancer and target group names.
const ELB_NAME_MAX: usize = 32;

pub fn load_balancer_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-alb")
}

pub fn target_group_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-api")
}

pub fn cluster_name(app: &str, env: &str) -> String {
    format!("{app}-{env}")
}

pub fn family(app: &str, env: &str) -> String {
    format!("{app}-{env}-api")
}

/// What observation must look up for `spec`'s DNS.
pub fn add_lookups(spec: &Spec, lookups: &mut Lookups) {
    if let Some(dns) = &spec.dns {
        lookups.zone = Some(dns.zone.clone());
        lookups.api_domain = Some(dns.api.clone());
    }
}

/// The service part of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServicePlan {
    pub changes: Vec<ResourceChange>,
    pub unchanged: usize,
    pub orphans: Vec<Orphan>,
    pub warnings: Vec<String>,
}

impl ServicePlan {
    #[allow(clippy::too_many_arguments)] // one change's parts, named
    pub(crate) fn push(
        &mut self,
        component: Component,
        kind: ResourceKind,
        key: &str,
        name: &str,
        action: Action,
        id: Option<&str>,
        fields: Vec<FieldChange>,
        steps: Vec<Step>,
        after: &[String],
    ) {
        let mut depends_on = ResourceChange::dependencies(key, &steps);
        depends_on.extend(after.iter().cloned());
        depends_on.sort();
        depends_on.dedup();
        self.changes.push(ResourceChange {
            key: key.to_owned(),
            component,
            kind,
            name: name.to_owned(),
            action,
            id: id.map(str::to_owned),
            fields,
            depends_on,
            steps,
        });
    }

    /// The key of the change to `key`'s resource if this plan makes one.
    pub(crate) fn planned(&self, key: &str) -> Option<String> {
        self.changes
            .iter()
            .any(|c| c.key == key)
            .then(|| key.to_owned())
    }
}

/// Everything the service plan reads from the rest of the plan.
pub struct Context<'a> {
    pub spec: &'a Spec,
    pub region: &'a str,
    pub live: &'a Live,
    /// Network names → refs (subnets, security groups, the VPC).
    pub network: &'a BTreeMap<String, Ref>,
    /// Keys of every change planned so far: the service waits for the
    /// database, log group and roles it uses when they change.
    pub planned: &'a [String],
    /// When the migration runs.
    pub policy: migration::Policy,
    /// The database instance is created or replaced by this plan: its
    /// endpoint and master secret are read when the steps run, never taken
    /// from what is live now.
    pub database_changing: bool,
}

impl Context<'_> {
    /// The database's connection as it will be when the service's steps
    /// run: `None` when the spec has no `[database]`, `Some(Err(id))` when
    /// it is read at run time from instance `id`.
    pub(crate) fn database_connection(&self) -> Option<Result<crate::DatabaseConnection, String>> {
        self.spec.database.as_ref()?;
        let identifier = database::identifier(&self.spec.app.name, &self.spec.env);
        let live = self
            .live
            .database
            .instance
            .as_ref()
            .filter(|_| !self.database_changing)
            .and_then(crate::live::LiveDbInstance::connection);
        Some(live.ok_or(identifier))
    }
}

/// Compares the service tier the spec asks for with what is live.
pub fn plan(cx: &Context<'_>) -> Result<ServicePlan, PlanError> {
    let spec = cx.spec;
    let mut out = ServicePlan::default();
    let Some(service) = spec.service.as_ref() else {
        orphans(&cx.live.service, &mut out);
        return Ok(out);
    };
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    for name in [load_balancer_name(app, env), target_group_name(app, env)] {
        if name.len() > ELB_NAME_MAX {
            return Err(PlanError::Conflict {
                kind: ResourceKind::LoadBalancer,
                name,
                problem: format!("is longer than the {ELB_NAME_MAX} characters AWS allows"),
                hint: "shorten app.name or the environment's name".to_owned(),
            });
        }
    }
    let target_group = target_group(cx, service, &mut out)?;
    let load_balancer = load_balancer(cx, &mut out)?;
    let (zone, certificate) = certificate(cx, &mut out)?;
    let listener_keys = listeners(
        cx,
        &mut out,
        &load_balancer,
        &target_group,
        certificate.as_ref(),
    );
    dns_record(cx, &mut out, zone, &load_balancer)?;
    let cluster_ref = cluster(cx, &mut out)?;
    let Some((td_ref, new_revision, image)) = task_definition_change(cx, &mut out)? else {
        return Ok(out);
    };
    // The service update waits for its listeners and for the migration.
    let mut after = listener_keys;
    after.extend(migration::plan(
        cx,
        &mut out,
        &image,
        image_changes(cx, &image),
    )?);
    ecs_service(
        cx,
        service,
        &mut out,
        (&cluster_ref, &td_ref, new_revision),
        &target_group,
        &after,
    )?;
    autoscaling(cx, service, &mut out);
    Ok(out)
}

/// Whether the service is to run another image than it runs now. Only the
/// newest revision of the family is observed: a service on an older one
/// counts as a change (a migration that runs again is a no-op).
fn image_changes(cx: &Context<'_>, image: &str) -> bool {
    let live = &cx.live.service;
    match (&live.service, &live.task_definition) {
        (Some(service), Some(newest)) => {
            service.task_definition_arn != newest.arn || newest.definition.container.image != image
        }
        _ => true,
    }
}

/// A network resource by its name's suffix: what exists, or the network
/// plan's change that creates it.
fn net(cx: &Context<'_>, suffix: &str) -> Ref {
    let name = network::resource_name(cx.spec, suffix);
    cx.network.get(&name).cloned().unwrap_or(Ref::Planned(name))
}

/// The hosted zone `dns.zone` names, when the spec has `[dns]`; it must
/// exist (it is the team's, never awsdeploy's).
fn zone<'a>(cx: &Context<'a>) -> Result<Option<&'a LiveZone>, PlanError> {
    let Some(dns) = &cx.spec.dns else {
        return Ok(None);
    };
    Ok(Some(cx.live.service.zone.as_ref().ok_or_else(|| PlanError::Conflict {
            kind: ResourceKind::DnsRecord,
            name: dns.zone.clone(),
            problem: "no Route 53 hosted zone has this name".to_owned(),
            hint: format!(
                "create the zone (`aws route53 create-hosted-zone --name {} --caller-reference $(date +%s)`) and delegate the domain to it, or fix dns.zone",
                dns.zone
            ),
    })?))
}

/// Where the service's (and the migration's) tasks run: the private
/// subnets and the service's security group.
pub(crate) fn private_network(cx: &Context<'_>) -> ServiceNetwork {
    ServiceNetwork {
        subnets: subnets(cx, "private"),
        security_group: net(cx, "service"),
    }
}

/// The ARN of the stack's IAM role `name`.
pub(crate) fn role_arn(cx: &Context<'_>, name: &str) -> Result<String, PlanError> {
    let support = &cx.live.support;
    Ok(format!(
        "arn:{}:iam::{}:role/{name}",
        support.partition(),
        support.account()?
    ))
}

/// The public or private subnets, one per zone.
fn subnets(cx: &Context<'_>, tier: &str) -> Vec<Ref> {
    (1..=cx.spec.network.azs)
        .map(|i| net(cx, &format!("{tier}-{i}")))
        .collect()
}

/// Keys of the changes to what the service's tasks use (the database, the
/// log group, the roles): registering and deploying wait for them.
pub(crate) fn support_keys(cx: &Context<'_>) -> Vec<String> {
    cx.planned
        .iter()
        .filter(|k| {
            k.starts_with("iam/") || k.starts_with("logs/") || k.starts_with("db-instance/")
        })
        .cloned()
        .collect()
}

fn secs(d: awsdeploy_spec::SpecDuration) -> i32 {
    i32::try_from(d.0.as_secs()).unwrap_or(i32::MAX)
}

/// The target group: the health check is updated in place; port and
/// target type cannot change.
fn target_group(
    cx: &Context<'_>,
    service: &awsdeploy_spec::Service,
    out: &mut ServicePlan,
) -> Result<Ref, PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let lb = &spec.load_balancer;
    let port = i32::from(service.port);
    let tg_name = target_group_name(app, env);
    let tg_key = format!("load_balancer/{tg_name}");
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
    Ok(match &live.target_group {
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
                    Component::LoadBalancer,
                    ResourceKind::TargetGroup,
                    &tg_key,
                    &tg_name,
                    Action::Update,
                    Some(&tg.arn),
                    fields,
                    vec![Step::ModifyTargetGroup {
                        target_group: tg.arn.clone(),
                        health: health.clone(),
                    }],
                    &[],
                );
            }
            Ref::Existing(tg.arn.clone())
        }
        None => {
            out.push(
                Component::LoadBalancer,
                ResourceKind::TargetGroup,
                &tg_key,
                &tg_name,
                Action::Create,
                None,
                vec![
                    FieldChange::set("port", port.to_string()),
                    FieldChange::set("health_check", describe_health(&health)),
                ],
                vec![Step::CreateTargetGroup {
                    name: tg_name.clone(),
                    vpc: net(cx, "vpc"),
                    port,
                    health: health.clone(),
                }],
                &[],
            );
            Ref::Planned(tg_key.clone())
        }
    })
}

/// The internet-facing load balancer in the public subnets.
fn load_balancer(cx: &Context<'_>, out: &mut ServicePlan) -> Result<Ref, PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let lb = &spec.load_balancer;
    let azs = usize::from(spec.network.azs);
    let public = subnets(cx, "public");
    let lb_name = load_balancer_name(app, env);
    let lb_key = format!("load_balancer/{lb_name}");
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
                    Component::LoadBalancer,
                    ResourceKind::LoadBalancer,
                    &lb_key,
                    &lb_name,
                    Action::Update,
                    Some(&found.arn),
                    fields,
                    vec![Step::ModifyLoadBalancer {
                        load_balancer: found.arn.clone(),
                        subnets,
                        security_group,
                        idle_timeout_secs,
                    }],
                    &[],
                );
            }
            Ref::Existing(found.arn.clone())
        }
        None => {
            out.push(
                Component::LoadBalancer,
                ResourceKind::LoadBalancer,
                &lb_key,
                &lb_name,
                Action::Create,
                None,
                vec![
                    FieldChange::set("scheme", "internet-facing"),
                    FieldChange::set("subnets", format!("the {azs} public subnets")),
                ],
                vec![Step::CreateLoadBalancer {
                    name: lb_name.clone(),
                    subnets: public.clone(),
                    security_group: lb_security_group,
                    idle_timeout_secs: idle,
                }],
                &[],
            );
            Ref::Planned(lb_key.clone())
        }
    })
}

/// The hosted zone `dns.zone` names, and the certificate the HTTPS
/// listener uses: the spec's, or one awsdeploy requests and validates;
/// none (and a warning) without either.
fn certificate<'a>(
    cx: &Context<'a>,
    out: &mut ServicePlan,
) -> Result<(Option<&'a LiveZone>, Option<Ref>), PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let lb = &spec.load_balancer;
    let lb_name = load_balancer_name(app, env);
    let zone = zone(cx)?;
    let certificate: Option<Ref> = match (&lb.certificate_arn, &spec.dns, zone) {
        (Some(arn), _, _) => Some(Ref::Existing(arn.clone())),
        (None, Some(dns), Some(zone)) => {
            let key = format!("certificate/{}", dns.api);
            let wait = Step::WaitForCertificate {
                certificate: Ref::Planned(key.clone()),
                domain: dns.api.clone(),
                timeout_secs: CERTIFICATE_TIMEOUT_SECS,
            };
            match &live.certificate {
                Some(cert) if cert.status == "ISSUED" => {
                    out.unchanged += 1;
                    Some(Ref::Existing(cert.arn.clone()))
                }
                Some(cert) if cert.status == "PENDING_VALIDATION" => {
                    let existing = Ref::Existing(cert.arn.clone());
                    out.push(
                        Component::Certificate,
                        ResourceKind::Certificate,
                        &key,
                        &dns.api,
                        Action::Update,
                        Some(&cert.arn),
                        vec![FieldChange::new(
                            "status",
                            Some("pending validation"),
                            Some("issued"),
                        )],
                        vec![
                            Step::WriteValidationRecords {
                                certificate: existing.clone(),
                                zone_id: zone.id.clone(),
                            },
                            Step::WaitForCertificate {
                                certificate: existing.clone(),
                                domain: dns.api.clone(),
                                timeout_secs: CERTIFICATE_TIMEOUT_SECS,
                            },
                        ],
                        &[],
                    );
                    Some(existing)
                }
                found => {
                    let mut fields = vec![
                        FieldChange::set("domain", dns.api.clone()),
                        FieldChange::set("validation", format!("DNS, in {}", dns.zone)),
                    ];
                    if let Some(old) = found {
                        fields.push(
                            FieldChange::set("replaces", format!("{} ({})", old.arn, old.status))
                                .noting("the old certificate is left in ACM"),
                        );
                    }
                    out.push(
                        Component::Certificate,
                        ResourceKind::Certificate,
                        &key,
                        &dns.api,
                        Action::Create,
                        None,
                        fields,
                        vec![
                            Step::RequestCertificate {
                                domain: dns.api.clone(),
                            },
                            Step::WriteValidationRecords {
                                certificate: Ref::Planned(key.clone()),
                                zone_id: zone.id.clone(),
                            },
                            wait,
                        ],
                        &[],
                    );
                    Some(Ref::Planned(key))
                }
            }
        }
        _ => {
            out.warnings.push(format!(
                "the load balancer {lb_name} serves plain HTTP on port 80: set [dns] (zone and api name) to get a certificate, or load_balancer.certificate_arn"
            ));
            None
        }
    };
    Ok((zone, certificate))
}

/// The listeners by port: 443 HTTPS and 80 → 443 with a certificate, 80
/// forwarding without.
fn wanted_listeners(
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
/// Returns the keys of the listener changes.
fn listeners(
    cx: &Context<'_>,
    out: &mut ServicePlan,
    load_balancer: &Ref,
    target_group: &Ref,
    certificate: Option<&Ref>,
) -> Vec<String> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let lb_name = load_balancer_name(app, env);
    let lb_key = format!("load_balancer/{lb_name}");
    let listeners_wanted = wanted_listeners(&spec.load_balancer, certificate, target_group);
    // An HTTPS listener waits for its certificate to be issued: ELB refuses
    // one that is not (`UnsupportedCertificate`), also one pending from an
    // interrupted run, which the plan refers to by its ARN.
    let certificate_changes: Vec<String> = out
        .changes
        .iter()
        .filter(|c| c.kind == ResourceKind::Certificate)
        .map(|c| c.key.clone())
        .collect();
    let mut listener_keys = Vec::new();
    for (port, config) in &listeners_wanted {
        let key = format!("{lb_key}:{port}");
        let after: &[String] = match config {
            ListenerConfig::Https { .. } => &certificate_changes,
            ListenerConfig::RedirectToHttps | ListenerConfig::Forward { .. } => &[],
        };
        let name = format!("{lb_name}:{port}");
        let found = live.listeners.iter().find(|l| l.port == *port);
        match found {
            Some(listener) if listener_matches(listener, config) => out.unchanged += 1,
            Some(listener) => {
                out.push(
                    Component::LoadBalancer,
                    ResourceKind::Listener,
                    &key,
                    &name,
                    Action::Update,
                    Some(&listener.arn),
                    vec![FieldChange::new(
                        "listener",
                        Some(describe_live_listener(listener)),
                        Some(describe_listener(config)),
                    )],
                    vec![Step::ModifyListener {
                        listener: listener.arn.clone(),
                        port: *port,
                        config: config.clone(),
                    }],
                    after,
                );
                listener_keys.push(key);
            }
            None => {
                out.push(
                    Component::LoadBalancer,
                    ResourceKind::Listener,
                    &key,
                    &name,
                    Action::Create,
                    None,
                    vec![FieldChange::set("listener", describe_listener(config))],
                    vec![Step::CreateListener {
                        load_balancer: load_balancer.clone(),
                        port: *port,
                        config: config.clone(),
                    }],
                    after,
                );
                listener_keys.push(key);
            }
        }
    }
    for listener in &live.listeners {
        if !listeners_wanted.iter().any(|(p, _)| *p == listener.port) {
            let port = listener.port;
            out.push(
                Component::LoadBalancer,
                ResourceKind::Listener,
                &format!("{lb_key}:{port}"),
                &format!("{lb_name}:{port}"),
                Action::Delete,
                Some(&listener.arn),
                vec![FieldChange::new(
                    "listener",
                    Some(describe_live_listener(listener)),
                    None::<String>,
                )],
                vec![Step::DeleteListener {
                    listener: listener.arn.clone(),
                }],
                &[],
            );
        }
    }
    listener_keys
}

/// The API's alias record; one pointing elsewhere is never overwritten.
fn dns_record(
    cx: &Context<'_>,
    out: &mut ServicePlan,
    zone: Option<&LiveZone>,
    load_balancer: &Ref,
) -> Result<(), PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let lb_name = load_balancer_name(app, env);
    if let (Some(dns), Some(zone)) = (&spec.dns, zone) {
        let key = format!("dns/{}", dns.api);
        let ours = live
            .load_balancer
            .as_ref()
            .map(|lb| lb.dns_name.trim_end_matches('.').to_ascii_lowercase());
        let step = Step::UpsertAlias {
            zone_id: zone.id.clone(),
            name: dns.api.clone(),
            load_balancer: load_balancer.clone(),
        };
        match &live.api_record {
            Some(record)
                if record.alias_dns_name.is_some()
                    && record.alias_dns_name.as_ref() == ours.as_ref() =>
            {
                out.unchanged += 1;
            }
            Some(record) => {
                let target = record
                    .alias_dns_name
                    .clone()
                    .unwrap_or_else(|| record.values.join(", "));
                return Err(PlanError::Conflict {
                    kind: ResourceKind::DnsRecord,
                    name: dns.api.clone(),
                    problem: format!(
                        "already points at {target}, not at this stack's load balancer"
                    ),
                    hint: format!(
                        "awsdeploy never overwrites a record it did not write; delete the A record {} in {} (or pick another dns.api), then run `awsdeploy up` again",
                        dns.api, dns.zone
                    ),
                });
            }
            None => out.push(
                Component::Dns,
                ResourceKind::DnsRecord,
                &key,
                &dns.api,
                Action::Create,
                None,
                vec![FieldChange::set("alias", lb_name.clone())],
                vec![step],
                &[],
            ),
        }
    }
    Ok(())
}

/// The ECS cluster.
fn cluster(cx: &Context<'_>, out: &mut ServicePlan) -> Result<Ref, PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let cluster = cluster_name(app, env);
    let cluster_key = format!("service/{cluster}");
    Ok(match &live.cluster {
        Some(found) if !found.owned => {
            return Err(PlanError::not_ours(ResourceKind::Cluster, &cluster));
        }
        Some(_) => {
            out.unchanged += 1;
            Ref::Existing(cluster.clone())
        }
        None => {
            out.push(
                Component::Service,
                ResourceKind::Cluster,
                &cluster_key,
                &cluster,
                Action::Create,
                None,
                vec![FieldChange::set("launch type", "FARGATE")],
                vec![Step::CreateCluster {
                    name: cluster.clone(),
                }],
                &[],
            );
            Ref::Planned(cluster_key.clone())
        }
    })
}

/// The task definition: a new revision only when the rendered one differs
/// from the newest live one. `None` when there is no image to run yet.
fn task_definition_change(
    cx: &Context<'_>,
    out: &mut ServicePlan,
) -> Result<Option<(Ref, bool, String)>, PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let family = family(app, env);
    let image = match image(cx, &family)? {
        Ok(image) => image,
        Err(why) => {
            out.warnings.push(why);
            return Ok(None);
        }
    };
    let definition = task_definition(cx, &family, image.clone())?;
    let td_key = format!("service/{family}");
    let after_support = support_keys(cx);
    Ok(Some(match &live.task_definition {
        Some(found) if !found.owned => {
            return Err(PlanError::not_ours(ResourceKind::TaskDefinition, &family));
        }
        Some(found) if found.definition == definition => {
            out.unchanged += 1;
            (Ref::Existing(found.arn.clone()), false, image)
        }
        found => {
            let fields = match found {
                Some(found) => definition_fields(&found.definition, &definition),
                None => vec![FieldChange::set(
                    "image",
                    definition.container.image.clone(),
                )],
            };
            out.push(
                Component::Service,
                ResourceKind::TaskDefinition,
                &td_key,
                &family,
                if found.is_some() {
                    Action::Update
                } else {
                    Action::Create
                },
                found.as_ref().map(|f| f.arn.as_str()),
                fields,
                vec![Step::RegisterTaskDefinition {
                    definition: definition.clone(),
                }],
                &after_support,
            );
            (Ref::Planned(td_key.clone()), true, image)
        }
    }))
}

/// The ECS service as the spec wants it.
struct DesiredService {
    key: String,
    cluster: String,
    family: String,
    task_definition: Ref,
    /// A revision this plan registers.
    new_revision: bool,
    desired_count: i32,
    /// Autoscaling owns the desired count once the service exists.
    autoscaled: bool,
    network: ServiceNetwork,
    /// "the N private subnets, no public IP", for the plan.
    network_label: String,
    target_group: Ref,
    port: i32,
    deployment: DeploymentSettings,
    rollout_timeout_secs: u64,
    /// Keys of the changes the service's tasks need first.
    after: Vec<String>,
}

impl DesiredService {
    fn wait(&self, task_definition: Ref) -> Step {
        Step::WaitForRollout {
            cluster: self.cluster.clone(),
            service: SERVICE_NAME.to_owned(),
            task_definition,
            timeout_secs: self.rollout_timeout_secs,
        }
    }
}

/// The ECS service, and the wait for its rollout after every change.
fn ecs_service(
    cx: &Context<'_>,
    service: &awsdeploy_spec::Service,
    out: &mut ServicePlan,
    (cluster_ref, td_ref, new_revision): (&Ref, &Ref, bool),
    target_group: &Ref,
    first: &[String],
) -> Result<(), PlanError> {
    let spec = cx.spec;
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let cluster = cluster_name(app, env);
    // The service starts tasks that need these: wait for their changes
    // (`first`: the listeners and the migration).
    let mut after: Vec<String> = first.to_vec();
    after.extend(support_keys(cx));
    after.extend(out.planned(&format!("load_balancer/{}", target_group_name(app, env))));
    let desired = DesiredService {
        key: format!("service/{cluster}/{SERVICE_NAME}"),
        cluster,
        family: family(app, env),
        task_definition: td_ref.clone(),
        new_revision,
        desired_count: i32::try_from(match &service.autoscaling {
            Some(scaling) => service.desired_count.clamp(scaling.min, scaling.max),
            None => service.desired_count,
        })
        .unwrap_or(i32::MAX),
        autoscaled: service.autoscaling.is_some(),
        network: private_network(cx),
        network_label: format!("the {} private subnets, no public IP", spec.network.azs),
        target_group: target_group.clone(),
        port: i32::from(service.port),
        deployment: DeploymentSettings {
            min_healthy_percent: i32::try_from(service.min_healthy_percent).unwrap_or(100),
            max_percent: i32::try_from(service.max_percent).unwrap_or(200),
            circuit_breaker: true,
            rollback: true,
            health_check_grace_period_secs: secs(service.health_check_grace_period),
        },
        rollout_timeout_secs: service.rollout_timeout.0.as_secs(),
        after,
    };
    match &cx.live.service.service {
        Some(found) if !found.owned => {
            Err(PlanError::not_ours(ResourceKind::EcsService, SERVICE_NAME))
        }
        None => {
            create_service(out, &desired, cluster_ref);
            Ok(())
        }
        Some(found) => update_service(out, &desired, found),
    }
}

fn create_service(out: &mut ServicePlan, d: &DesiredService, cluster: &Ref) {
    out.push(
        Component::Service,
        ResourceKind::EcsService,
        &d.key,
        SERVICE_NAME,
        Action::Create,
        None,
        vec![
            FieldChange::set(
                "task_definition",
                describe_revision(&d.task_definition, &d.family),
            ),
            FieldChange::set("desired_count", d.desired_count.to_string()),
            FieldChange::set("subnets", d.network_label.clone()),
            FieldChange::set("circuit_breaker", "on, with rollback"),
        ],
        vec![
            Step::CreateService {
                cluster: cluster.clone(),
                name: SERVICE_NAME.to_owned(),
                task_definition: d.task_definition.clone(),
                desired_count: d.desired_count,
                network: d.network.clone(),
                target_group: d.target_group.clone(),
                container_name: CONTAINER_NAME.to_owned(),
                container_port: d.port,
                deployment: d.deployment.clone(),
            },
            d.wait(d.task_definition.clone()),
        ],
        &d.after,
    );
}

fn update_service(
    out: &mut ServicePlan,
    d: &DesiredService,
    found: &LiveEcsService,
) -> Result<(), PlanError> {
    let target_group = existing_id(&d.target_group);
    if target_group.is_some() && found.target_group_arn != target_group
        || found.container_port.is_some_and(|p| p != d.port)
    {
        return Err(PlanError::Conflict {
            kind: ResourceKind::EcsService,
            name: SERVICE_NAME.to_owned(),
            problem: "is attached to another target group or container port".to_owned(),
            hint: "an ECS service's load balancer settings are set at creation; delete the service (`aws ecs delete-service --force`), then run `awsdeploy up` again".to_owned(),
        });
    }
    let mut fields = Vec::new();
    let task_definition = (d.new_revision
        || Some(&found.task_definition_arn) != existing_id(&d.task_definition).as_ref())
    .then(|| {
        fields.push(FieldChange::new(
            "task_definition",
            Some(revision_label(&found.task_definition_arn)),
            Some(describe_revision(&d.task_definition, &d.family)),
        ));
        d.task_definition.clone()
    });
    let desired_count = (!d.autoscaled && found.desired_count != d.desired_count).then(|| {
        fields.push(FieldChange::new(
            "desired_count",
            Some(found.desired_count.to_string()),
            Some(d.desired_count.to_string()),
        ));
        d.desired_count
    });
    let wanted_group = existing_ids(std::slice::from_ref(&d.network.security_group));
    let network = (existing_ids(&d.network.subnets) != Some(sorted(&found.subnet_ids))
        || wanted_group != Some(sorted(&found.security_group_ids))
        || found.public_ip)
        .then(|| {
            fields.push(FieldChange::new(
                "network",
                Some(format!(
                    "{} subnets{}",
                    found.subnet_ids.len(),
                    if found.public_ip { ", public IP" } else { "" }
                )),
                Some(d.network_label.clone()),
            ));
            d.network.clone()
        });
    let deployment = (found.deployment != d.deployment).then(|| {
        fields.push(FieldChange::new(
            "deployment",
            Some(describe_deployment(&found.deployment)),
            Some(describe_deployment(&d.deployment)),
        ));
        d.deployment.clone()
    });
    if fields.is_empty() {
        out.unchanged += 1;
        return Ok(());
    }
    let rollout_of = task_definition
        .clone()
        .unwrap_or_else(|| Ref::Existing(found.task_definition_arn.clone()));
    out.push(
        Component::Service,
        ResourceKind::EcsService,
        &d.key,
        SERVICE_NAME,
        Action::Update,
        Some(&found.arn),
        fields,
        vec![
            Step::UpdateService {
                cluster: d.cluster.clone(),
                name: SERVICE_NAME.to_owned(),
                task_definition,
                desired_count,
                network,
                deployment,
            },
            d.wait(rollout_of),
        ],
        &d.after,
    );
    Ok(())
}

/// Target tracking on CPU when the spec asks; removed when it no longer
/// does.
fn autoscaling(cx: &Context<'_>, service: &awsdeploy_spec::Service, out: &mut ServicePlan) {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let cluster = cluster_name(app, env);
    let service_key = format!("service/{cluster}/{SERVICE_NAME}");
    let scaling_key = format!("{service_key}:autoscaling");
    let scaling_name = format!("{cluster}/{SERVICE_NAME}");
    let after_service: Vec<String> = out.planned(&service_key).into_iter().collect();
    match (&service.autoscaling, &live.autoscaling) {
        (Some(wanted), found) => {
            let (min, max, target) = (
                i32::try_from(wanted.min).unwrap_or(1),
                i32::try_from(wanted.max).unwrap_or(1),
                i32::try_from(wanted.target_cpu).unwrap_or(60),
            );
            let now = format!("{min}..{max} tasks, CPU {target}%");
            let same = found
                .as_ref()
                .is_some_and(|f| f.min == min && f.max == max && f.target_cpu == Some(target));
            if same {
                out.unchanged += 1;
            } else {
                out.push(
                    Component::Service,
                    ResourceKind::ScalingTarget,
                    &scaling_key,
                    &scaling_name,
                    if found.is_some() {
                        Action::Update
                    } else {
                        Action::Create
                    },
                    found.as_ref().map(|_| scaling_name.as_str()),
                    vec![FieldChange::new(
                        "scaling",
                        found.as_ref().map(|f| {
                            format!(
                                "{}..{} tasks, CPU {}",
                                f.min,
                                f.max,
                                f.target_cpu
                                    .map_or("no policy".to_owned(), |t| format!("{t}%"))
                            )
                        }),
                        Some(now),
                    )],
                    vec![Step::ConfigureAutoscaling {
                        cluster: cluster.clone(),
                        service: SERVICE_NAME.to_owned(),
                        min,
                        max,
                        target_cpu: target,
                    }],
                    &after_service,
                );
            }
        }
        (None, Some(found)) => out.push(
            Component::Service,
            ResourceKind::ScalingTarget,
            &scaling_key,
            &scaling_name,
            Action::Delete,
            Some(&scaling_name),
            vec![
                FieldChange::new(
                    "scaling",
                    Some(format!("{}..{} tasks", found.min, found.max)),
                    None::<String>,
                )
                .noting("the desired count goes back to service.desired_count"),
            ],
            vec![Step::RemoveAutoscaling {
                cluster: cluster.clone(),
                service: SERVICE_NAME.to_owned(),
            }],
            &[],
        ),
        (None, None) => {}
    }
}

/// Owned service-tier resources while the spec has no `[service]`: shown,
/// never deleted by `up`.
fn orphans(live: &LiveServiceTier, out: &mut ServicePlan) {
    if let Some(service) = &live.service {
        out.orphans.push(Orphan {
            component: Component::Service,
            kind: ResourceKind::EcsService,
            name: service.name.clone(),
            id: service.arn.clone(),
        });
    }
    if let Some(cluster) = &live.cluster {
        out.orphans.push(Orphan::named(
            Component::Service,
            ResourceKind::Cluster,
            &cluster.name,
        ));
    }
    if let Some(lb) = &live.load_balancer {
        out.orphans.push(Orphan {
            component: Component::LoadBalancer,
            kind: ResourceKind::LoadBalancer,
            name: lb.name.clone(),
            id: lb.arn.clone(),
        });
    }
    if let Some(tg) = &live.target_group {
        out.orphans.push(Orphan {
            component: Component::LoadBalancer,
            kind: ResourceKind::TargetGroup,
            name: tg.name.clone(),
            id: tg.arn.clone(),
        });
    }
}

/// The task definition the spec asks for.
fn task_definition(
    cx: &Context<'_>,
    family: &str,
    image: String,
) -> Result<TaskDefinition, PlanError> {
    let spec = cx.spec;
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let Some(service) = spec.service.as_ref() else {
        unreachable!("only called with [service]")
    };
    let support = &cx.live.support;
    let mut secrets = BTreeMap::new();
    let connection = cx.database_connection();
    let master = match &connection {
        Some(Ok(known)) => Some(known.secret_arn.clone()),
        Some(Err(_)) | None => None,
    };
    for (variable, reference) in &service.secrets {
        let source = match reference {
            SecretRef::DatabasePassword | SecretRef::DatabaseUsername => {
                let key = if *reference == SecretRef::DatabasePassword {
                    "password"
                } else {
                    "username"
                };
                match &master {
                    Some(arn) => SecretSource::Arn(format!("{arn}:{key}::")),
                    None if spec.database.is_some() => SecretSource::DatabaseMaster {
                        instance: database::identifier(app, env),
                        key: key.to_owned(),
                    },
                    None => {
                        return Err(PlanError::Conflict {
                            kind: ResourceKind::TaskDefinition,
                            name: family.to_owned(),
                            problem: format!(
                                "service.secrets.{variable} = \"{reference}\" but the spec has no [database]"
                            ),
                            hint:
                                "add [database], or take the value from a secret: \"secret:<name>\""
                                    .to_owned(),
                        });
                    }
                }
            }
            SecretRef::Secret { name, json_key } => {
                let Some(Some(arn)) = support.secrets.get(name) else {
                    return Err(PlanError::MissingSecret {
                        name: name.clone(),
                        variable: variable.clone(),
                    });
                };
                SecretSource::Arn(match json_key {
                    Some(key) => format!("{arn}:{key}::"),
                    None => arn.clone(),
                })
            }
        };
        secrets.insert(variable.clone(), source);
    }
    let mut container = ContainerDefinition {
        name: CONTAINER_NAME.to_owned(),
        image,
        port: Some(i32::from(service.port)),
        command: None,
        environment: service.env.clone(),
        secrets,
        database_from: None,
        log_group: support::log_group_name(app, env),
        log_region: cx.region.to_owned(),
        log_stream_prefix: LOG_STREAM_PREFIX.to_owned(),
    };
    match connection {
        Some(Ok(known)) => known.add_to(&mut container),
        Some(Err(instance)) => container.database_from = Some(instance),
        None => {}
    }
    Ok(TaskDefinition {
        family: family.to_owned(),
        cpu: service.cpu.to_string(),
        memory: service.memory.to_string(),
        execution_role_arn: role_arn(cx, &support::execution_role_name(app, env))?,
        task_role_arn: role_arn(cx, &support::task_role_name(app, env))?,
        container,
    })
}

/// The image to run: the spec's tag in the stack's repository; without a
/// tag, the image the live task definition runs. `Ok(Err(why))` when there
/// is no image to run yet: the first `up` makes the repository, CI pushes,
/// and the next `up --image-tag` deploys.
fn image(cx: &Context<'_>, family: &str) -> Result<Result<String, String>, PlanError> {
    let spec = cx.spec;
    let tag = spec.service.as_ref().and_then(|s| s.image_tag.as_ref());
    let live_image = cx
        .live
        .service
        .task_definition
        .as_ref()
        .map(|t| t.definition.container.image.clone());
    let Some(repository) = support::repository_name(spec) else {
        return Err(PlanError::Conflict {
            kind: ResourceKind::TaskDefinition,
            name: family.to_owned(),
            problem: "the service needs an image repository, and the spec has no [registry]"
                .to_owned(),
            hint: "add a [registry] section (`keep_images = 30` is enough); awsdeploy makes the ECR repository the image is pushed to".to_owned(),
        });
    };
    let support = &cx.live.support;
    let uri = match &support.repository {
        Some(live) => live.uri.clone(),
        None => format!(
            "{}.dkr.ecr.{}.{}/{repository}",
            support.account()?,
            cx.region,
            support.dns_suffix()
        ),
    };
    Ok(match (tag, live_image) {
        (Some(tag), _) if support.repository.is_some() => Ok(format!("{uri}:{tag}")),
        (Some(tag), _) => Err(format!(
            "the service is not deployed yet: this run creates the repository {repository}; push the image to it ({uri}:{tag}), then run `awsdeploy up --image-tag {tag}`"
        )),
        (None, Some(image)) => Ok(image),
        (None, None) => Err(format!(
            "the service is not deployed yet: no image tag was given; push the API image to {uri} and run `awsdeploy up --image-tag TAG` (or set service.image_tag, e.g. \"${{IMAGE_TAG}}\")"
        )),
    })
}

/// The id of a ref that exists.
fn existing_id(reference: &Ref) -> Option<String> {
    match reference {
        Ref::Existing(id) => Some(id.clone()),
        Ref::Planned(_) => None,
    }
}

/// The ids of refs that all exist, sorted; `None` if any is planned.
fn existing_ids(refs: &[Ref]) -> Option<Vec<String>> {
    let mut ids: Vec<String> = refs.iter().map(existing_id).collect::<Option<_>>()?;
    ids.sort();
    Some(ids)
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

/// `family:revision` from a task definition ARN.
pub fn revision_label(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_owned()
}

fn describe_revision(reference: &Ref, family: &str) -> String {
    match reference {
        Ref::Existing(arn) => revision_label(arn),
        Ref::Planned(_) => format!("{family}:(new revision)"),
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

fn describe_deployment(d: &DeploymentSettings) -> String {
    format!(
        "{}..{}% healthy, circuit breaker {}{}, grace {}s",
        d.min_healthy_percent,
        d.max_percent,
        if d.circuit_breaker { "on" } else { "off" },
        if d.rollback { " with rollback" } else { "" },
        d.health_check_grace_period_secs
    )
}

/// Field-level differences between two task definitions, for the plan.
fn definition_fields(old: &TaskDefinition, new: &TaskDefinition) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    let (a, b) = (&old.container, &new.container);
    let mut field = |name: &str, x: String, y: String| {
        if x != y {
            fields.push(FieldChange::new(name, Some(x), Some(y)));
        }
    };
    field("image", a.image.clone(), b.image.clone());
    field("cpu", old.cpu.clone(), new.cpu.clone());
    field("memory", old.memory.clone(), new.memory.clone());
    field(
        "port",
        a.port.map(|p| p.to_string()).unwrap_or_default(),
        b.port.map(|p| p.to_string()).unwrap_or_default(),
    );
    // Environment values are shown; secrets by name only.
    let env = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    field("env", env(&a.environment), env(&b.environment));
    field(
        "roles",
        format!("{} {}", old.execution_role_arn, old.task_role_arn),
        format!("{} {}", new.execution_role_arn, new.task_role_arn),
    );
    field(
        "logs",
        format!("{} {} {}", a.log_group, a.log_region, a.log_stream_prefix),
        format!("{} {} {}", b.log_group, b.log_region, b.log_stream_prefix),
    );
    field(
        "command",
        a.command.as_ref().map(|c| c.join(" ")).unwrap_or_default(),
        b.command.as_ref().map(|c| c.join(" ")).unwrap_or_default(),
    );
    let names =
        |m: &BTreeMap<String, SecretSource>| m.keys().cloned().collect::<Vec<_>>().join(" ");
    if a.secrets != b.secrets {
        fields.push(FieldChange::new(
            "secrets",
            Some(names(&a.secrets)),
            Some(names(&b.secrets)),
        ));
    }
    if fields.is_empty() {
        fields.push(FieldChange::new(
            "definition",
            Some("differs"),
            Some("as the spec"),
        ));
    }
    fields
}

#[cfg(test)]
mod tests;
