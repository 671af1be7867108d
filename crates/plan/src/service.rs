//! The service (`[service]`): the ECS cluster, the task definition and
//! the Fargate service, and its autoscaling. What stands in front of it
//! and runs before it are components of their own, found by key:
//! [`crate::load_balancer`] (its target group), [`crate::migration`] (run
//! before the service update), and the roles and log group it uses.
//!
//! - Cluster `{app}-{env}`; task definition family `{app}-{env}-api`
//!   rendered from the spec (a revision is registered only when the
//!   rendered definition differs from the newest live one), with the
//!   database's connection variables when the spec has `[database]`;
//!   service `api` in the private subnets without public IPs, behind the
//!   target group, with the circuit breaker and rollback on. Every service
//!   change waits for its rollout.
//! - Autoscaling when the spec asks ([`autoscaling`]); then the desired
//!   count is left to it.
//!
//! Everything is found by these names and must carry this app's and env's
//! tags.

use std::collections::BTreeMap;

use awsdeploy_spec::SecretRef;

use crate::component::PlanContext;
use crate::live::{LiveEcsService, LiveServiceTier};
use crate::names::{cluster_name, service_family as family, target_group_name};
use crate::{
    Action, ComponentId, ComponentPlan, ContainerDefinition, FieldChange, Key, Orphan, PlanError,
    Ref, ResourceChange, ResourceKind, SecretSource, TaskDefinition, names, network, registry,
};

mod autoscaling;
mod component;
mod cost;
mod fields;
pub mod rollback;
mod steps;
pub mod strategy;
mod teardown;
pub use component::Service;
use fields::definition_fields;
pub use names::SERVICE_NAME;
pub use steps::{
    DeploymentSettings, NewService, Pauses, ServiceLoadBalancer, ServiceNetwork, ServiceStep,
    Strategy, TrafficShift, WaitPoint,
};
pub(crate) use teardown::teardown;

pub const CONTAINER_NAME: &str = "api";
/// The awslogs stream prefix of the service's tasks.
pub const LOG_STREAM_PREFIX: &str = "api";

/// The X-Ray daemon's container (and its log stream's prefix), with
/// `service.tracing = "xray"`.
pub const XRAY_CONTAINER_NAME: &str = "xray-daemon";

/// Where the API sends its trace segments.
pub const XRAY_DAEMON_ADDRESS: (&str, &str) = ("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000");

/// The database's connection as it will be when the service's steps run:
/// `None` when the spec has no `[database]`, `Some(Err(id))` when it is
/// read at run time from instance `id` (one this plan creates or
/// replaces: its endpoint and master secret are never taken from what is
/// live now).
pub(crate) fn database_connection(
    cx: &PlanContext<'_>,
) -> Option<Result<crate::DatabaseConnection, String>> {
    cx.spec.database.as_ref()?;
    let identifier = names::database_identifier(cx.app(), cx.env());
    let live = cx
        .live
        .database
        .instance
        .as_ref()
        .filter(|_| !crate::database::changes_instance(cx))
        .and_then(crate::live::LiveDbInstance::connection);
    Some(live.ok_or(identifier))
}

/// Compares the service the spec asks for with what is live.
pub fn plan(cx: &PlanContext<'_>) -> Result<ComponentPlan, PlanError> {
    let mut out = ComponentPlan::default();
    let Some(service) = cx.spec.service.as_ref() else {
        orphans(&cx.live.service, &mut out);
        return Ok(out);
    };
    let cluster_ref = cluster(cx, &mut out)?;
    let Some((td_ref, new_revision, _)) = task_definition_change(cx, service, &mut out)? else {
        return Ok(out);
    };
    ecs_service(cx, service, &mut out, (&cluster_ref, &td_ref, new_revision))?;
    autoscaling::plan(cx, service, &mut out);
    Ok(out)
}

/// Whether the service is to run another image than it runs now. Only the
/// newest revision of the family is observed: a service on an older one
/// counts as a change (a migration that runs again is a no-op).
pub(crate) fn image_changes(cx: &PlanContext<'_>, image: &str) -> bool {
    let live = &cx.live.service;
    match (&live.service, &live.task_definition) {
        (Some(service), Some(newest)) => {
            service.task_definition_arn != newest.arn || newest.definition.container.image != image
        }
        _ => true,
    }
}

/// Where the service's (and the migration's) tasks run: the private
/// subnets and the service's security group.
pub(crate) fn private_network(cx: &PlanContext<'_>) -> ServiceNetwork {
    ServiceNetwork {
        subnets: network::subnets(cx, "private"),
        security_group: network::reference(cx, "service"),
    }
}

/// What the service's tasks use (the database, the log group, the roles,
/// the private subnets' way out): registering and deploying wait for their
/// changes, when the plan has them.
pub(crate) fn task_needs(cx: &PlanContext<'_>) -> Result<Vec<Key>, PlanError> {
    let (app, env) = (cx.app(), cx.env());
    let desired = network::desired(cx.spec, &cx.live.network.availability_zones)?;
    Ok([
        Key::named(ComponentId::Iam, names::execution_role_name(app, env)),
        Key::named(ComponentId::Iam, names::task_role_name(app, env)),
        Key::named(ComponentId::Logs, names::log_group_name(app, env)),
        crate::database::instance_key(app, env),
    ]
    .into_iter()
    .chain(network::egress_keys(&desired))
    .collect())
}

pub(crate) fn secs(d: awsdeploy_spec::SpecDuration) -> i32 {
    i32::try_from(d.0.as_secs()).unwrap_or(i32::MAX)
}

/// The ECS cluster.
fn cluster(cx: &PlanContext<'_>, out: &mut ComponentPlan) -> Result<Ref, PlanError> {
    let spec = cx.spec;
    let live = &cx.live.service;
    let env = spec.env.as_str();
    let app = spec.app.name.as_str();
    let cluster = cluster_name(app, env);
    let cluster_key = Key::named(ComponentId::Service, cluster.clone());
    let insights = spec.service.as_ref().is_some_and(|s| s.container_insights);
    let on_off = |on: bool| if on { "on" } else { "off" };
    Ok(match &live.cluster {
        Some(found) if !found.owned => {
            return Err(PlanError::not_ours(ResourceKind::Cluster, &cluster));
        }
        Some(found) if found.container_insights == insights => {
            out.unchanged += 1;
            Ref::Existing(cluster.clone())
        }
        Some(found) => {
            out.push(
                ResourceChange::new(
                    cluster_key.clone(),
                    ResourceKind::Cluster,
                    &cluster,
                    Action::Update,
                    vec![ServiceStep::SetContainerInsights {
                        name: cluster.clone(),
                        enabled: insights,
                    }],
                )
                .on(Some(&cluster))
                .with_fields(vec![FieldChange::new(
                    "container_insights",
                    Some(on_off(found.container_insights)),
                    Some(on_off(insights)),
                )]),
            );
            Ref::Existing(cluster.clone())
        }
        None => {
            let mut fields = vec![FieldChange::set("launch type", "FARGATE")];
            if insights {
                fields.push(FieldChange::set("container_insights", "on"));
            }
            out.push(
                ResourceChange::new(
                    cluster_key.clone(),
                    ResourceKind::Cluster,
                    &cluster,
                    Action::Create,
                    vec![ServiceStep::CreateCluster {
                        name: cluster.clone(),
                        container_insights: insights,
                    }],
                )
                .with_fields(fields),
            );
            Ref::Planned(cluster_key.clone())
        }
    })
}

/// The task definition: a new revision only when the rendered one differs
/// from the newest live one. `None` when there is no image to run yet.
fn task_definition_change(
    cx: &PlanContext<'_>,
    service: &awsdeploy_spec::Service,
    out: &mut ComponentPlan,
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
    let definition = task_definition(cx, service, &family, image.clone())?;
    let td_key = Key::named(ComponentId::Service, family.clone());
    let after_support = task_needs(cx)?;
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
                ResourceChange::new(
                    td_key.clone(),
                    ResourceKind::TaskDefinition,
                    &family,
                    if found.is_some() {
                        Action::Update
                    } else {
                        Action::Create
                    },
                    vec![ServiceStep::RegisterTaskDefinition {
                        definition: definition.clone(),
                    }],
                )
                .on(found.as_ref().map(|f| f.arn.as_str()))
                .with_fields(fields)
                .needs(after_support),
            );
            (Ref::Planned(td_key.clone()), true, image)
        }
    }))
}

/// The ECS service as the spec wants it.
struct DesiredService {
    key: Key,
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
    /// A strategy's `advancedConfiguration`.
    traffic_shift: Option<TrafficShift>,
    rollout_timeout_secs: u64,
    /// Keys of the changes the service's tasks need first.
    after: Vec<Key>,
}

impl DesiredService {
    fn wait(&self, task_definition: Ref) -> ServiceStep {
        ServiceStep::WaitForRollout {
            cluster: self.cluster.clone(),
            service: SERVICE_NAME.to_owned(),
            task_definition,
            timeout_secs: self.rollout_timeout_secs,
            shifts_traffic: self.traffic_shift.is_some(),
            wait_until: WaitPoint::Completed,
        }
    }
}

/// The ECS service, and the wait for its rollout after every change.
fn ecs_service(
    cx: &PlanContext<'_>,
    service: &awsdeploy_spec::Service,
    out: &mut ComponentPlan,
    (cluster_ref, td_ref, new_revision): (&Ref, &Ref, bool),
) -> Result<(), PlanError> {
    let spec = cx.spec;
    let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
    let cluster = cluster_name(app, env);
    // The service starts tasks that need these: wait for their changes:
    // the listeners, the migration, the target group, the deployment's
    // rollback alarms, and what its tasks use.
    let lb_name = names::load_balancer_name(app, env);
    let target_group = Key::named(ComponentId::LoadBalancer, target_group_name(app, env));
    let mut after: Vec<Key> = vec![
        Key::listener(&lb_name, 443),
        Key::listener(&lb_name, 80),
        Key::named(ComponentId::Migration, names::migration_family(app, env)),
        target_group.clone(),
    ];
    after.extend(task_needs(cx)?);
    after.extend(
        crate::alarms::deployment_alarms(spec)
            .into_iter()
            .map(|name| Key::named(ComponentId::Alarms, name)),
    );
    let strategy = Strategy::from_spec(&service.deploy);
    after.extend(strategy::needs(cx, &strategy));
    strategy::infrastructure_role(cx, &strategy, out)?;
    let traffic_shift = strategy::traffic_shift(cx, &strategy)?;
    let target_group = cx.reference(&target_group);
    let desired = DesiredService {
        key: Key::ecs_service(&cluster, SERVICE_NAME),
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
            alarms: crate::alarms::deployment_alarms(spec),
            strategy: strategy.clone(),
            pauses: crate::Pauses::from_spec(&service.deploy),
        },
        traffic_shift,
        rollout_timeout_secs: rollout_timeout_secs(spec, service),
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

/// How long the wait for a deployment of the service may take: its
/// `rollout_timeout`; ECS bakes a deployment its alarms watch before it
/// completes, and a strategy's steps and bake come on top.
pub fn rollout_timeout_secs(spec: &awsdeploy_spec::Spec, service: &awsdeploy_spec::Service) -> u64 {
    service.rollout_timeout.0.as_secs()
        + crate::alarms::deployment_bake_secs(spec)
        + strategy::extra_secs(&Strategy::from_spec(&service.deploy))
}

fn create_service(out: &mut ComponentPlan, d: &DesiredService, cluster: &Ref) {
    out.push(
        ResourceChange::new(
            d.key.clone(),
            ResourceKind::EcsService,
            SERVICE_NAME,
            Action::Create,
            vec![
                ServiceStep::CreateService(NewService {
                    cluster: cluster.clone(),
                    name: SERVICE_NAME.to_owned(),
                    task_definition: d.task_definition.clone(),
                    desired_count: d.desired_count,
                    network: d.network.clone(),
                    target_group: d.target_group.clone(),
                    container_name: CONTAINER_NAME.to_owned(),
                    container_port: d.port,
                    deployment: d.deployment.clone(),
                    traffic_shift: d.traffic_shift.clone(),
                }),
                d.wait(d.task_definition.clone()),
            ],
        )
        .with_fields(vec![
            FieldChange::set(
                "task_definition",
                describe_revision(&d.task_definition, &d.family),
            ),
            FieldChange::set("desired_count", d.desired_count.to_string()),
            FieldChange::set("subnets", d.network_label.clone()),
            FieldChange::set("circuit_breaker", "on, with rollback"),
            FieldChange::set("strategy", d.deployment.strategy.describe()),
        ])
        .needs(d.after.iter().cloned()),
    );
}

fn update_service(
    out: &mut ComponentPlan,
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
    strategy::check_switch(found, &d.deployment.strategy)?;
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
    let deployment = fields::deployment_change(&found.deployment, &d.deployment, &mut fields);
    let load_balancer = load_balancer_change(d, found, &mut fields);
    if fields.is_empty() {
        out.unchanged += 1;
        return Ok(());
    }
    let rollout_of = task_definition
        .clone()
        .unwrap_or_else(|| Ref::Existing(found.task_definition_arn.clone()));
    out.push(
        ResourceChange::new(
            d.key.clone(),
            ResourceKind::EcsService,
            SERVICE_NAME,
            Action::Update,
            vec![
                ServiceStep::UpdateService {
                    cluster: d.cluster.clone(),
                    name: SERVICE_NAME.to_owned(),
                    task_definition,
                    desired_count,
                    network,
                    deployment,
                    load_balancer,
                },
                d.wait(rollout_of),
            ],
        )
        .on(Some(&found.arn))
        .with_fields(fields)
        .needs(d.after.iter().cloned()),
    );
    Ok(())
}

/// The service's `loadBalancers` again when the strategy's traffic shift
/// settings differ from the live ones (this starts a deployment).
fn load_balancer_change(
    d: &DesiredService,
    found: &LiveEcsService,
    fields: &mut Vec<FieldChange>,
) -> Option<ServiceLoadBalancer> {
    (!strategy::matches(found.traffic_shift.as_ref(), d.traffic_shift.as_ref())).then(|| {
        let describe = |test: bool| {
            format!(
                "second target group, production rule{}, infrastructure role",
                if test { ", test rule" } else { "" }
            )
        };
        fields.push(FieldChange::new(
            "traffic_shift",
            found
                .traffic_shift
                .as_ref()
                .map(|t| describe(t.test_rule_arn.is_some())),
            d.traffic_shift
                .as_ref()
                .map(|t| describe(t.test_rule.is_some())),
        ));
        ServiceLoadBalancer {
            target_group: found
                .target_group_arn
                .clone()
                .or_else(|| existing_id(&d.target_group))
                .unwrap_or_default(),
            container_name: CONTAINER_NAME.to_owned(),
            container_port: d.port,
            traffic_shift: d.traffic_shift.clone(),
        }
    })
}

/// The service and its cluster while the spec has no `[service]`: shown,
/// never deleted by `up` (the load balancer's are its own component's).
fn orphans(live: &LiveServiceTier, out: &mut ComponentPlan) {
    if let Some(service) = &live.service {
        out.orphans.push(Orphan {
            component: ComponentId::Service,
            kind: ResourceKind::EcsService,
            name: service.name.clone(),
            id: service.arn.clone(),
        });
    }
    if let Some(cluster) = &live.cluster {
        out.orphans.push(Orphan::named(
            ComponentId::Service,
            ResourceKind::Cluster,
            &cluster.name,
        ));
    }
}

/// The id of a ref that exists.
pub(crate) fn existing_id(reference: &Ref) -> Option<String> {
    match reference {
        Ref::Existing(id) => Some(id.clone()),
        Ref::Planned(_) => None,
    }
}

/// The ids of refs that all exist, sorted; `None` if any is planned.
pub(crate) fn existing_ids(refs: &[Ref]) -> Option<Vec<String>> {
    let mut ids: Vec<String> = refs.iter().map(existing_id).collect::<Option<_>>()?;
    ids.sort();
    Some(ids)
}

pub(crate) fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

/// Where each of `service.secrets` comes from: the database's master
/// secret (its ARN, or read at run time when this plan makes the
/// instance), or a Secrets Manager secret that must exist.
fn secret_sources(
    cx: &PlanContext<'_>,
    service: &awsdeploy_spec::Service,
    family: &str,
    connection: Option<&Result<crate::DatabaseConnection, String>>,
) -> Result<BTreeMap<String, SecretSource>, PlanError> {
    let spec = cx.spec;
    let (app, env) = (cx.app(), cx.env());
    let account = &cx.live.account;
    let mut secrets = BTreeMap::new();
    let master = match connection {
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
                        instance: names::database_identifier(app, env),
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
                let Some(Some(arn)) = account.secrets.get(name) else {
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
    Ok(secrets)
}

/// The task definition the spec asks for.
fn task_definition(
    cx: &PlanContext<'_>,
    service: &awsdeploy_spec::Service,
    family: &str,
    image: String,
) -> Result<TaskDefinition, PlanError> {
    let (app, env) = (cx.app(), cx.env());
    let connection = database_connection(cx);
    let secrets = secret_sources(cx, service, family, connection.as_ref())?;
    let mut container = ContainerDefinition {
        entry_point: None,
        name: CONTAINER_NAME.to_owned(),
        image,
        port: Some(i32::from(service.port)),
        command: None,
        environment: service.env.clone(),
        secrets,
        database_from: None,
        log_group: names::log_group_name(app, env),
        log_region: cx.region.to_owned(),
        log_stream_prefix: LOG_STREAM_PREFIX.to_owned(),
    };
    match connection {
        Some(Ok(known)) => known.add_to(&mut container),
        Some(Err(instance)) => container.database_from = Some(instance),
        None => {}
    }
    let mut sidecars = Vec::new();
    if service.tracing == awsdeploy_spec::Tracing::Xray {
        // The daemon listens on UDP 2000; the task's containers share
        // localhost (awsvpc). The X-Ray SDKs read this variable.
        container
            .environment
            .entry(XRAY_DAEMON_ADDRESS.0.to_owned())
            .or_insert_with(|| XRAY_DAEMON_ADDRESS.1.to_owned());
        sidecars.push(ContainerDefinition {
            entry_point: None,
            name: XRAY_CONTAINER_NAME.to_owned(),
            image: crate::task_definition::XRAY_DAEMON_IMAGE.to_owned(),
            port: None,
            command: None,
            environment: BTreeMap::new(),
            secrets: BTreeMap::new(),
            database_from: None,
            log_group: container.log_group.clone(),
            log_region: container.log_region.clone(),
            log_stream_prefix: XRAY_CONTAINER_NAME.to_owned(),
        });
    }
    Ok(TaskDefinition {
        family: family.to_owned(),
        cpu: service.cpu.to_string(),
        memory: service.memory.to_string(),
        execution_role_arn: cx.role_arn(&names::execution_role_name(app, env))?,
        task_role_arn: cx.role_arn(&names::task_role_name(app, env))?,
        container,
        sidecars,
        cpu_architecture: service.cpu_architecture.ecs_name().to_owned(),
    })
}

/// The image to run: the spec's tag in the stack's repository; without a
/// tag, the image the live task definition runs. `Ok(Err(why))` when there
/// is no image to run yet: the first `up` makes the repository, CI pushes,
/// and the next `up --image-tag` deploys.
pub(crate) fn image(
    cx: &PlanContext<'_>,
    family: &str,
) -> Result<Result<String, String>, PlanError> {
    let spec = cx.spec;
    let tag = spec.service.as_ref().and_then(|s| s.image_tag.as_ref());
    let live_image = cx
        .live
        .service
        .task_definition
        .as_ref()
        .map(|t| t.definition.container.image.clone());
    let Some(repository) = registry::repository_name(spec) else {
        return Err(PlanError::Conflict {
            kind: ResourceKind::TaskDefinition,
            name: family.to_owned(),
            problem: "the service needs an image repository, and the spec has no [registry]"
                .to_owned(),
            hint: "add a [registry] section (`keep_images = 30` is enough); awsdeploy makes the ECR repository the image is pushed to".to_owned(),
        });
    };
    let account = &cx.live.account;
    let uri = match &account.repository {
        Some(live) => live.uri.clone(),
        None => format!(
            "{}.dkr.ecr.{}.{}/{repository}",
            account.account()?,
            cx.region,
            account.dns_suffix()
        ),
    };
    Ok(match (tag, live_image) {
        (Some(tag), _) if account.repository.is_some() => Ok(format!("{uri}:{tag}")),
        (Some(tag), _) => Err(format!(
            "the service is not deployed yet: this run creates the repository {repository}; push the image to it ({uri}:{tag}), then run `awsdeploy up --image-tag {tag}`"
        )),
        (None, Some(image)) => Ok(image),
        (None, None) => Err(format!(
            "the service is not deployed yet: no image tag was given; push the API image to {uri} and run `awsdeploy up --image-tag TAG` (or set service.image_tag, e.g. \"${{IMAGE_TAG}}\")"
        )),
    })
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

#[cfg(test)]
mod tests;
