//! ECS and Application Auto Scaling: the cluster, the task definition, the
//! service and its rollouts, and the service's scaling.
//!
//! The cluster, the newest revision of the family and the service are read
//! concurrently by name, with their tags. A rollout is waited for by
//! `DescribeServices` until the deployment of the expected revision is
//! COMPLETED with every task running. "Services stable" alone is not
//! enough: after a circuit-breaker rollback the service is stable again, on
//! the old revision, so the deployment's own state and revision decide.

pub mod deployments;
pub(crate) mod rollback;
mod rollout;
mod strategy;
mod teardown;

use rollout::rollout;

use std::collections::BTreeMap;

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ClusterField, ClusterSettingName, Compatibility,
    ContainerDefinition, CpuArchitecture, DeploymentCircuitBreaker, DeploymentConfiguration,
    KeyValuePair, LaunchType, LoadBalancer, LogConfiguration, LogDriver, NetworkConfiguration,
    NetworkMode, OsFamily, PortMapping, PropagateTags, RuntimePlatform, Secret, ServiceField, Tag,
    TaskDefinitionField, TransportProtocol,
};
use awsdeploy_plan::execute::ResolvedIds;
use awsdeploy_plan::live::{LiveAutoscaling, LiveCluster, LiveEcsService, LiveTaskDefinition};
use awsdeploy_plan::names::{SERVICE_NAME, cluster_name, service_family as family};
use awsdeploy_plan::{
    ComponentId, DeploymentSettings, NewService, SIDECAR_MEMORY_MIB, SecretSource, ServiceNetwork,
    ServiceStep, TaskDefinition,
};

use crate::error::{already_done, built, sdk};
use crate::tags::Owner;
use crate::{AwsError, Clients, StepContext};

/// awsdeploy's target-tracking policy on the service.
const SCALING_POLICY: &str = "awsdeploy-cpu";

/// What the ECS side of the service tier looks like.
#[derive(Debug, Default)]
pub struct Observed {
    pub cluster: Option<LiveCluster>,
    pub task_definition: Option<LiveTaskDefinition>,
    pub service: Option<LiveEcsService>,
    pub autoscaling: Option<LiveAutoscaling>,
}

fn resource_id(cluster: &str, service: &str) -> String {
    format!("service/{cluster}/{service}")
}

pub async fn observe(clients: &Clients, owner: &Owner) -> Result<Observed, AwsError> {
    let ecs = &clients.ecs;
    let cluster = cluster_name(&owner.app, &owner.env);
    let family = family(&owner.app, &owner.env);
    let clusters = async {
        let out = ecs
            .describe_clusters()
            .clusters(&cluster)
            .include(ClusterField::Tags)
            .include(ClusterField::Settings)
            .send()
            .await
            .map_err(sdk("DescribeClusters", cluster.as_str()))?;
        Ok::<_, AwsError>(
            out.clusters()
                .iter()
                .find(|c| c.status() == Some("ACTIVE"))
                .map(|c| LiveCluster {
                    arn: c.cluster_arn().unwrap_or_default().to_owned(),
                    name: c.cluster_name().unwrap_or_default().to_owned(),
                    owned: owner.owns(c.tags().iter().map(|t| (t.key(), t.value()))),
                    container_insights: c.settings().iter().any(|s| {
                        s.name() == Some(&ClusterSettingName::ContainerInsights)
                            && matches!(s.value(), Some("enabled" | "enhanced"))
                    }),
                }),
        )
    };
    let services = async {
        let out = ecs
            .describe_services()
            .cluster(&cluster)
            .services(SERVICE_NAME)
            .include(ServiceField::Tags)
            .send()
            .await
            .map_err(sdk("DescribeServices", SERVICE_NAME));
        match out {
            Ok(out) => Ok(out
                .services()
                .iter()
                .find(|s| s.status() == Some("ACTIVE"))
                .map(|s| live_service(s, owner))),
            Err(e) if already_done(&e, &["ClusterNotFoundException"]) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let definition = async {
        let out = ecs
            .describe_task_definition()
            .task_definition(&family)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .map_err(sdk("DescribeTaskDefinition", family.as_str()));
        match out {
            Ok(out) => {
                Ok(out
                    .task_definition()
                    .filter(|td| active(td))
                    .map(|td| LiveTaskDefinition {
                        arn: td.task_definition_arn().unwrap_or_default().to_owned(),
                        owned: owner.owns(out.tags().iter().map(|t| (t.key(), t.value()))),
                        definition: normalised(td),
                    }))
            }
            // ECS answers a family with no active revision so.
            Err(e) if already_done(&e, &["ClientException"]) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let resource = resource_id(&cluster, SERVICE_NAME);
    let scaling = observe_scaling(&clients.autoscaling, &resource);
    let (cluster, service, task_definition, autoscaling) =
        tokio::try_join!(clusters, services, definition, scaling)?;
    Ok(Observed {
        cluster,
        task_definition,
        service,
        autoscaling,
    })
}

async fn observe_scaling(
    autoscaling: &aws_sdk_applicationautoscaling::Client,
    resource: &str,
) -> Result<Option<LiveAutoscaling>, AwsError> {
    let out = autoscaling
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_ids(resource)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .map_err(sdk("DescribeScalableTargets", resource))?;
    let Some(target) = out.scalable_targets().first() else {
        return Ok(None);
    };
    let policies = autoscaling
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource)
        .policy_names(SCALING_POLICY)
        .send()
        .await
        .map_err(sdk("DescribeScalingPolicies", resource))?;
    #[allow(clippy::cast_possible_truncation)] // a percentage
    let target_cpu = policies
        .scaling_policies()
        .first()
        .and_then(|p| p.target_tracking_scaling_policy_configuration())
        .map(|c| c.target_value().round() as i32);
    Ok(Some(LiveAutoscaling {
        min: target.min_capacity(),
        max: target.max_capacity(),
        target_cpu,
    }))
}

fn live_service(s: &aws_sdk_ecs::types::Service, owner: &Owner) -> LiveEcsService {
    let vpc = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    let balancer = s.load_balancers().first();
    let config = s.deployment_configuration();
    let breaker = config.and_then(|c| c.deployment_circuit_breaker());
    LiveEcsService {
        arn: s.service_arn().unwrap_or_default().to_owned(),
        name: s.service_name().unwrap_or_default().to_owned(),
        owned: owner.owns(s.tags().iter().map(|t| (t.key(), t.value()))),
        task_definition_arn: s.task_definition().unwrap_or_default().to_owned(),
        desired_count: s.desired_count(),
        subnet_ids: vpc.map(|v| v.subnets().to_vec()).unwrap_or_default(),
        security_group_ids: vpc
            .map(|v| v.security_groups().to_vec())
            .unwrap_or_default(),
        public_ip: vpc.and_then(|v| v.assign_public_ip()) == Some(&AssignPublicIp::Enabled),
        target_group_arn: balancer
            .and_then(|b| b.target_group_arn())
            .map(str::to_owned),
        container_port: balancer.and_then(LoadBalancer::container_port),
        deployment: DeploymentSettings {
            min_healthy_percent: config
                .and_then(DeploymentConfiguration::minimum_healthy_percent)
                .unwrap_or(100),
            max_percent: config
                .and_then(DeploymentConfiguration::maximum_percent)
                .unwrap_or(200),
            circuit_breaker: breaker.is_some_and(DeploymentCircuitBreaker::enable),
            rollback: breaker.is_some_and(DeploymentCircuitBreaker::rollback),
            health_check_grace_period_secs: s.health_check_grace_period_seconds().unwrap_or(0),
            alarms: config
                .and_then(DeploymentConfiguration::alarms)
                .filter(|a| a.enable() && a.rollback())
                .map(|a| a.alarm_names().to_vec())
                .unwrap_or_default(),
            strategy: strategy::observed(config),
            pauses: strategy::observed_pauses(config),
        },
        traffic_shift: balancer.and_then(strategy::live_traffic_shift),
    }
}

/// A live task definition in the form awsdeploy renders (its first
/// container; fields awsdeploy does not set are left out).
pub(crate) fn normalised(td: &aws_sdk_ecs::types::TaskDefinition) -> TaskDefinition {
    let containers = td.container_definitions();
    TaskDefinition {
        family: td.family().unwrap_or_default().to_owned(),
        cpu: td.cpu().unwrap_or_default().to_owned(),
        memory: td.memory().unwrap_or_default().to_owned(),
        execution_role_arn: td.execution_role_arn().unwrap_or_default().to_owned(),
        task_role_arn: td.task_role_arn().unwrap_or_default().to_owned(),
        container: normalised_container(
            &containers
                .first()
                .cloned()
                .unwrap_or_else(|| ContainerDefinition::builder().build()),
        ),
        sidecars: containers
            .iter()
            .skip(1)
            .map(normalised_container)
            .collect(),
        cpu_architecture: td
            .runtime_platform()
            .and_then(|p| p.cpu_architecture())
            .map_or_else(
                || awsdeploy_plan::X86_64.to_owned(),
                |a| a.as_str().to_owned(),
            ),
    }
}

/// One live container, in the form awsdeploy renders.
fn normalised_container(c: &ContainerDefinition) -> awsdeploy_plan::ContainerDefinition {
    let options = c
        .log_configuration()
        .and_then(|l| l.options())
        .cloned()
        .unwrap_or_default();
    let option = |key: &str| options.get(key).cloned().unwrap_or_default();
    awsdeploy_plan::ContainerDefinition {
        name: c.name().unwrap_or_default().to_owned(),
        image: c.image().unwrap_or_default().to_owned(),
        port: c
            .port_mappings()
            .first()
            .and_then(PortMapping::container_port),
        entry_point: Some(c.entry_point().to_vec()).filter(|e| !e.is_empty()),
        command: Some(c.command().to_vec()).filter(|c| !c.is_empty()),
        environment: c
            .environment()
            .iter()
            .filter_map(|kv| Some((kv.name()?.to_owned(), kv.value()?.to_owned())))
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|s| {
                (
                    s.name().to_owned(),
                    SecretSource::Arn(s.value_from().to_owned()),
                )
            })
            .collect(),
        database_from: None,
        log_group: option("awslogs-group"),
        log_region: option("awslogs-region"),
        log_stream_prefix: option("awslogs-stream-prefix"),
    }
}

fn tags(owner: &Owner, name: &str) -> Vec<Tag> {
    component_tags(owner, ComponentId::Service, name)
}

pub(crate) fn component_tags(owner: &Owner, component: ComponentId, name: &str) -> Vec<Tag> {
    owner
        .tags(component, name)
        .into_iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect()
}

/// The API's container with what only the run can know: the connection
/// of a database this run made or replaced, read now, and every secret's
/// ARN.
async fn resolved_container(
    clients: &Clients,
    definition: &TaskDefinition,
) -> Result<(awsdeploy_plan::ContainerDefinition, Vec<Secret>), AwsError> {
    // Instances made or replaced in this run: read now.
    let mut connections = BTreeMap::new();
    let instances = definition
        .container
        .secrets
        .values()
        .filter_map(|s| match s {
            SecretSource::DatabaseMaster { instance, .. } => Some(instance),
            SecretSource::Arn(_) => None,
        });
    for instance in instances.chain(&definition.container.database_from) {
        if !connections.contains_key(instance) {
            let found = crate::database::connection(&clients.rds, instance).await?;
            connections.insert(instance.clone(), found);
        }
    }
    let mut c = definition.container.clone();
    if let Some(instance) = c.database_from.take() {
        connections[&instance].add_to(&mut c);
    }
    let mut secrets = Vec::new();
    for (name, source) in &c.secrets {
        let value_from = match source {
            SecretSource::Arn(arn) => arn.clone(),
            SecretSource::DatabaseMaster { instance, key } => {
                format!("{}:{key}::", connections[instance].secret_arn)
            }
        };
        secrets.push(
            Secret::builder()
                .name(name)
                .value_from(value_from)
                .build()
                .map_err(built("RegisterTaskDefinition"))?,
        );
    }
    Ok((c, secrets))
}

/// Registers `definition` as a new revision of its family, tagged as
/// `component`'s; returns its ARN.
pub(crate) async fn register(
    clients: &Clients,
    owner: &Owner,
    component: ComponentId,
    definition: &TaskDefinition,
) -> Result<String, AwsError> {
    let (c, secrets) = resolved_container(clients, definition).await?;
    // The task's memory as the container's limit too (the same on
    // Fargate, and moto cannot run a task without it), less what the
    // sidecars are given: Fargate refuses containers whose memory adds up
    // to more than the task's.
    let sidecar_memory = SIDECAR_MEMORY_MIB * i32::try_from(definition.sidecars.len()).unwrap_or(0);
    let memory = definition
        .memory
        .parse::<i32>()
        .ok()
        .map(|m| m - sidecar_memory);
    let mut container = ContainerDefinition::builder()
        .name(&c.name)
        .image(&c.image)
        .essential(true)
        .set_memory(memory)
        .set_entry_point(c.entry_point.clone())
        .set_command(c.command.clone())
        .set_environment(Some(
            c.environment
                .iter()
                .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
                .collect(),
        ))
        .set_secrets(Some(secrets))
        .log_configuration(awslogs(&c)?);
    if let Some(port) = c.port {
        container = container.port_mappings(
            PortMapping::builder()
                .container_port(port)
                .protocol(TransportProtocol::Tcp)
                .build(),
        );
    }
    let out = clients
        .ecs
        .register_task_definition()
        .family(&definition.family)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu(&definition.cpu)
        .memory(&definition.memory)
        .execution_role_arn(&definition.execution_role_arn)
        .task_role_arn(&definition.task_role_arn)
        .runtime_platform(
            RuntimePlatform::builder()
                .cpu_architecture(CpuArchitecture::from(definition.cpu_architecture.as_str()))
                .operating_system_family(OsFamily::Linux)
                .build(),
        )
        .set_container_definitions(Some(
            std::iter::once(Ok(container.build()))
                .chain(definition.sidecars.iter().map(sidecar))
                .collect::<Result<Vec<_>, AwsError>>()?,
        ))
        .set_tags(Some(component_tags(owner, component, &definition.family)))
        .send()
        .await
        .map_err(sdk("RegisterTaskDefinition", definition.family.as_str()))?;
    out.task_definition()
        .and_then(|t| t.task_definition_arn())
        .map(str::to_owned)
        .ok_or(AwsError::MissingField {
            operation: "RegisterTaskDefinition",
            resource: definition.family.clone(),
            field: "taskDefinitionArn",
        })
}

/// The container's `awslogs` configuration: the stack's group, its own
/// stream prefix.
fn awslogs(c: &awsdeploy_plan::ContainerDefinition) -> Result<LogConfiguration, AwsError> {
    LogConfiguration::builder()
        .log_driver(LogDriver::Awslogs)
        .options("awslogs-group", &c.log_group)
        .options("awslogs-region", &c.log_region)
        .options("awslogs-stream-prefix", &c.log_stream_prefix)
        .build()
        .map_err(built("RegisterTaskDefinition"))
}

/// A sidecar container: not essential, [`SIDECAR_MEMORY_MIB`] of the
/// task's memory, its own log stream.
fn sidecar(c: &awsdeploy_plan::ContainerDefinition) -> Result<ContainerDefinition, AwsError> {
    Ok(ContainerDefinition::builder()
        .name(&c.name)
        .image(&c.image)
        .essential(false)
        .memory(SIDECAR_MEMORY_MIB)
        .log_configuration(awslogs(c)?)
        .build())
}

pub(crate) fn network(
    network: &ServiceNetwork,
    ids: &ResolvedIds,
) -> Result<NetworkConfiguration, AwsError> {
    let subnets = network
        .subnets
        .iter()
        .map(|s| ids.resolve(s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .set_subnets(Some(subnets))
                .security_groups(ids.resolve(&network.security_group)?)
                .assign_public_ip(AssignPublicIp::Disabled)
                .build()
                .map_err(built("CreateService"))?,
        )
        .build())
}

/// The deployment configuration: the circuit breaker, and the deployment
/// alarms, sent even when there are none (enable off) so that an update
/// clears alarms the spec no longer names.
fn deployment(settings: &DeploymentSettings) -> Result<DeploymentConfiguration, AwsError> {
    let alarmed = !settings.alarms.is_empty();
    let alarms = aws_sdk_ecs::types::DeploymentAlarms::builder()
        .set_alarm_names(Some(settings.alarms.clone()))
        .enable(alarmed)
        .rollback(alarmed)
        .build()
        .map_err(built("UpdateService"))?;
    Ok(
        strategy::configure(DeploymentConfiguration::builder(), settings)
            .deployment_circuit_breaker(
                DeploymentCircuitBreaker::builder()
                    .enable(settings.circuit_breaker)
                    .rollback(settings.rollback)
                    .build(),
            )
            .minimum_healthy_percent(settings.min_healthy_percent)
            .maximum_percent(settings.max_percent)
            .alarms(alarms)
            .build(),
    )
}

async fn set_container_insights(
    ecs: &aws_sdk_ecs::Client,
    name: &str,
    enabled: bool,
) -> Result<Option<String>, AwsError> {
    ecs.update_cluster()
        .cluster(name)
        .settings(insights_setting(enabled))
        .send()
        .await
        .map_err(sdk("UpdateCluster", name))?;
    Ok(None)
}

/// Container Insights on or off (`CloudWatch`'s per-task metrics, billed as
/// custom metrics).
fn insights_setting(enabled: bool) -> aws_sdk_ecs::types::ClusterSetting {
    aws_sdk_ecs::types::ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(if enabled { "enabled" } else { "disabled" })
        .build()
}

/// Whether a revision can run. ECS describes a family by its newest
/// ACTIVE revision; moto answers the newest whatever its status, so a
/// family whose revisions were all deregistered (`down`) counts as none.
pub(crate) fn active(definition: &aws_sdk_ecs::types::TaskDefinition) -> bool {
    definition.status() != Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Inactive)
}

pub(crate) async fn run(
    step: &ServiceStep,
    cx: &StepContext<'_>,
) -> Result<Option<String>, AwsError> {
    let StepContext { clients, owner, .. } = *cx;
    let ecs = &clients.ecs;
    match step {
        ServiceStep::DeleteService { cluster, service } => {
            teardown::delete_service(ecs, cluster, service).await
        }
        ServiceStep::DeregisterTaskDefinitions { families } => {
            teardown::deregister_task_definitions(ecs, families).await
        }
        ServiceStep::DeleteCluster { name } => teardown::delete_cluster(ecs, name).await,
        ServiceStep::SetContainerInsights { name, enabled } => {
            set_container_insights(ecs, name, *enabled).await
        }
        ServiceStep::CreateCluster {
            name,
            container_insights,
        } => {
            // No capacity providers: in a new account the ECS service-linked
            // role does not exist yet, and a cluster with capacity providers
            // fails until it does ("Unable to assume the service linked
            // role"); a cluster without them creates the role. The service
            // and the migration task say `launchType` FARGATE themselves.
            ecs.create_cluster()
                .cluster_name(name)
                .settings(insights_setting(*container_insights))
                .set_tags(Some(tags(owner, name)))
                .send()
                .await
                .map_err(sdk("CreateCluster", name.as_str()))?;
            Ok(Some(name.clone()))
        }
        ServiceStep::RegisterTaskDefinition { definition } => Ok(Some(
            register(clients, owner, ComponentId::Service, definition).await?,
        )),
        ServiceStep::CreateService(new) => create_service(cx, new).await,
        ServiceStep::UpdateService { .. } => update_service(cx, step).await,
        ServiceStep::WaitForRollout { .. } => wait(cx, step).await,
        ServiceStep::ConfigureAutoscaling {
            cluster,
            service,
            min,
            max,
            target_cpu,
        } => configure_autoscaling(cx, cluster, service, *min, *max, *target_cpu).await,
        ServiceStep::RemoveAutoscaling { cluster, service } => {
            let resource = resource_id(cluster, service);
            match clients
                .autoscaling
                .deregister_scalable_target()
                .service_namespace(ServiceNamespace::Ecs)
                .resource_id(&resource)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .send()
                .await
                .map_err(sdk("DeregisterScalableTarget", resource.as_str()))
            {
                Ok(_) => Ok(None),
                Err(e) if already_done(&e, &["ObjectNotFoundException"]) => Ok(None),
                Err(e) => Err(e),
            }
        }
    }
}

async fn create_service(
    cx: &StepContext<'_>,
    new: &NewService,
) -> Result<Option<String>, AwsError> {
    let ecs = &cx.clients.ecs;
    let owner = cx.owner;
    let ids = cx.ids;
    let NewService {
        cluster,
        name,
        task_definition,
        desired_count,
        network: net,
        target_group,
        container_name,
        container_port,
        deployment: settings,
        traffic_shift,
    } = new;

    let cluster = ids.resolve(cluster)?;
    let request = ecs
        .create_service()
        .cluster(&cluster)
        .service_name(name)
        .task_definition(ids.resolve(task_definition)?)
        .desired_count(*desired_count)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network(net, ids)?)
        .load_balancers(strategy::load_balancer(
            &ids.resolve(target_group)?,
            container_name,
            *container_port,
            traffic_shift.as_ref(),
            ids,
        )?)
        .deployment_configuration(deployment(settings)?)
        .health_check_grace_period_seconds(settings.health_check_grace_period_secs)
        .enable_ecs_managed_tags(true)
        .propagate_tags(PropagateTags::Service)
        .set_tags(Some(tags(owner, name)));
    let out = crate::wait::retrying(
        strategy::role_not_yet_assumable,
        crate::wait::ROLE_PROPAGATION,
        || {
            let request = request.clone();
            async move { request.send().await.map_err(sdk("CreateService", name)) }
        },
    )
    .await?;
    Ok(out
        .service()
        .and_then(|s| s.service_arn())
        .map(str::to_owned))
}

/// The wait after a service change: the rollout, or the service
/// deployment of a strategy that shifts traffic.
async fn wait(cx: &StepContext<'_>, step: &ServiceStep) -> Result<Option<String>, AwsError> {
    let ServiceStep::WaitForRollout {
        cluster,
        service,
        task_definition,
        timeout_secs,
        shifts_traffic,
        wait_until,
    } = step
    else {
        return Ok(None);
    };
    let clients = cx.clients;
    let expected = cx.ids.resolve(task_definition)?;
    if !*shifts_traffic {
        return rollout(cx, step, cluster, service, &expected, *timeout_secs).await;
    }
    let followed = deployments::follow(
        clients,
        (cluster, service),
        (&expected, None),
        *timeout_secs,
        *wait_until,
    )
    .await;
    match followed {
        Ok(()) => Ok(None),
        Err(e @ AwsError::Timeout { .. }) => Err(AwsError::Rollout(format!(
            "{e}. {}",
            awsdeploy_plan::ComponentStep::how_to_follow(step).unwrap_or_default()
        ))),
        Err(e) => Err(e),
    }
}

async fn update_service(
    cx: &StepContext<'_>,
    step: &ServiceStep,
) -> Result<Option<String>, AwsError> {
    let ServiceStep::UpdateService {
        cluster,
        name,
        task_definition,
        desired_count,
        network: net,
        deployment: settings,
        load_balancer,
    } = step
    else {
        return Ok(None);
    };
    let ecs = &cx.clients.ecs;
    let ids = cx.ids;
    let load_balancer = load_balancer
        .as_ref()
        .map(|l| {
            strategy::load_balancer(
                &l.target_group,
                &l.container_name,
                l.container_port,
                l.traffic_shift.as_ref(),
                ids,
            )
        })
        .transpose()?;

    let task_definition = task_definition
        .as_ref()
        .map(|t| ids.resolve(t))
        .transpose()?;
    let net = net.as_ref().map(|n| network(n, ids)).transpose()?;
    let request = ecs
        .update_service()
        .cluster(cluster)
        .service(name)
        .set_task_definition(task_definition)
        .set_desired_count(*desired_count)
        .set_network_configuration(net)
        .set_load_balancers(load_balancer.map(|l| vec![l]))
        .set_deployment_configuration(settings.as_ref().map(deployment).transpose()?)
        .set_health_check_grace_period_seconds(
            settings.as_ref().map(|s| s.health_check_grace_period_secs),
        );
    crate::wait::retrying(
        strategy::role_not_yet_assumable,
        crate::wait::ROLE_PROPAGATION,
        || {
            let request = request.clone();
            async move { request.send().await.map_err(sdk("UpdateService", name)) }
        },
    )
    .await?;
    Ok(None)
}

async fn configure_autoscaling(
    cx: &StepContext<'_>,
    cluster: &str,
    service: &str,
    min: i32,
    max: i32,
    target_cpu: i32,
) -> Result<Option<String>, AwsError> {
    let clients = cx.clients;

    let resource = resource_id(cluster, service);
    clients
        .autoscaling
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(&resource)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(min)
        .max_capacity(max)
        .send()
        .await
        .map_err(sdk("RegisterScalableTarget", resource.as_str()))?;
    clients
        .autoscaling
        .put_scaling_policy()
        .policy_name(SCALING_POLICY)
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(&resource)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(f64::from(target_cpu))
                .predefined_metric_specification(
                    PredefinedMetricSpecification::builder()
                        .predefined_metric_type(MetricType::EcsServiceAverageCpuUtilization)
                        .build()
                        .map_err(built("PutScalingPolicy"))?,
                )
                .scale_in_cooldown(300)
                .scale_out_cooldown(60)
                .build()
                .map_err(built("PutScalingPolicy"))?,
        )
        .send()
        .await
        .map_err(sdk("PutScalingPolicy", resource.as_str()))?;
    Ok(None)
}
