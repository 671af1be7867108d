//! Elastic Load Balancing v2: the application load balancer, its target
//! group and listeners.
//!
//! Both are found by the names awsdeploy gives them (`DescribeLoadBalancers`
//! and `DescribeTargetGroups` by name), and ownership comes from their tags,
//! read for both in one `DescribeTags`.

use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, LoadBalancerAttribute, LoadBalancerSchemeEnum, Matcher,
    ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum, Tag, TargetGroupAttribute,
    TargetTypeEnum,
};
use awsdeploy_plan::Ref;
use awsdeploy_plan::execute::ResolvedIds;
use awsdeploy_plan::live::{LiveListener, LiveListenerAction, LiveLoadBalancer, LiveTargetGroup};
use awsdeploy_plan::names::{load_balancer_name, target_group_name};
use awsdeploy_plan::{ComponentId, ListenerConfig, LoadBalancerStep, TargetHealth};

use crate::error::{already_done, sdk};
use crate::tags::Owner;
use crate::wait;
use crate::{AwsError, StepContext};

pub mod traffic;

const IDLE_TIMEOUT: &str = "idle_timeout.timeout_seconds";
const DEREGISTRATION_DELAY: &str = "deregistration_delay.timeout_seconds";

/// The load balancer, target group and listeners.
#[derive(Debug, Default)]
pub struct Observed {
    pub load_balancer: Option<LiveLoadBalancer>,
    pub target_group: Option<LiveTargetGroup>,
    pub listeners: Vec<LiveListener>,
}

pub async fn observe(elb: &Client, owner: &Owner) -> Result<Observed, AwsError> {
    let lb_name = load_balancer_name(&owner.app, &owner.env);
    let tg_name = target_group_name(&owner.app, &owner.env);
    let (lb, tg) = tokio::try_join!(
        find_load_balancer(elb, &lb_name),
        find_target_group(elb, &tg_name)
    )?;
    let arns: Vec<String> = lb
        .iter()
        .filter_map(|l| l.load_balancer_arn())
        .chain(tg.iter().filter_map(|t| t.target_group_arn()))
        .map(str::to_owned)
        .collect();
    if arns.is_empty() {
        return Ok(Observed::default());
    }
    let lb_arn = lb
        .as_ref()
        .and_then(|l| l.load_balancer_arn())
        .map(str::to_owned);
    let tg_arn = tg
        .as_ref()
        .and_then(|t| t.target_group_arn())
        .map(str::to_owned);
    let tags = async {
        elb.describe_tags()
            .set_resource_arns(Some(arns.clone()))
            .send()
            .await
            .map_err(sdk("DescribeTags", lb_name.as_str()))
    };
    let lb_details = async {
        let Some(arn) = &lb_arn else {
            return Ok((None, Vec::new()));
        };
        let (attributes, listeners) = tokio::try_join!(
            async {
                elb.describe_load_balancer_attributes()
                    .load_balancer_arn(arn)
                    .send()
                    .await
                    .map_err(sdk("DescribeLoadBalancerAttributes", lb_name.as_str()))
            },
            async {
                elb.describe_listeners()
                    .load_balancer_arn(arn)
                    .send()
                    .await
                    .map_err(sdk("DescribeListeners", lb_name.as_str()))
            },
        )?;
        let idle = attributes
            .attributes()
            .iter()
            .find(|a| a.key() == Some(IDLE_TIMEOUT))
            .and_then(|a| a.value())
            .and_then(|v| v.parse().ok());
        Ok::<_, AwsError>((idle, listeners.listeners().to_vec()))
    };
    let tg_details = async {
        let Some(arn) = &tg_arn else { return Ok(None) };
        let out = elb
            .describe_target_group_attributes()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(sdk("DescribeTargetGroupAttributes", tg_name.as_str()))?;
        Ok::<_, AwsError>(
            out.attributes()
                .iter()
                .find(|a| a.key() == Some(DEREGISTRATION_DELAY))
                .and_then(|a| a.value())
                .and_then(|v| v.parse().ok()),
        )
    };
    let (tags, (idle, listeners), delay) = tokio::try_join!(tags, lb_details, tg_details)?;
    let is_ours = |arn: &str| {
        tags.tag_descriptions()
            .iter()
            .filter(|d| d.resource_arn() == Some(arn))
            .any(|d| owner.owns(d.tags().iter().map(|t| (t.key(), t.value()))))
    };
    let load_balancer = lb
        .map(|l| live_load_balancer(&l, is_ours(l.load_balancer_arn().unwrap_or_default()), idle));
    let target_group =
        tg.map(|t| live_target_group(&t, is_ours(t.target_group_arn().unwrap_or_default()), delay));
    let listeners = listeners.iter().map(live_listener).collect();
    Ok(Observed {
        load_balancer,
        target_group,
        listeners,
    })
}

async fn find_load_balancer(
    elb: &Client,
    name: &str,
) -> Result<Option<aws_sdk_elasticloadbalancingv2::types::LoadBalancer>, AwsError> {
    match elb.describe_load_balancers().names(name).send().await {
        Ok(out) => Ok(out.load_balancers().first().cloned()),
        Err(e) => {
            let e = sdk("DescribeLoadBalancers", name)(e);
            if already_done(&e, &["LoadBalancerNotFound"]) {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

async fn find_target_group(
    elb: &Client,
    name: &str,
) -> Result<Option<aws_sdk_elasticloadbalancingv2::types::TargetGroup>, AwsError> {
    match elb.describe_target_groups().names(name).send().await {
        Ok(out) => Ok(out.target_groups().first().cloned()),
        Err(e) => {
            let e = sdk("DescribeTargetGroups", name)(e);
            if already_done(&e, &["TargetGroupNotFound"]) {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

fn live_load_balancer(
    l: &aws_sdk_elasticloadbalancingv2::types::LoadBalancer,
    owned: bool,
    idle: Option<i64>,
) -> LiveLoadBalancer {
    LiveLoadBalancer {
        arn: l.load_balancer_arn().unwrap_or_default().to_owned(),
        owned,
        name: l.load_balancer_name().unwrap_or_default().to_owned(),
        scheme: l
            .scheme()
            .map_or("internet-facing", LoadBalancerSchemeEnum::as_str)
            .to_owned(),
        dns_name: l.dns_name().unwrap_or_default().to_owned(),
        canonical_zone_id: l.canonical_hosted_zone_id().unwrap_or_default().to_owned(),
        subnet_ids: l
            .availability_zones()
            .iter()
            .filter_map(|z| z.subnet_id().map(str::to_owned))
            .collect(),
        security_group_ids: l.security_groups().to_vec(),
        idle_timeout_secs: idle,
    }
}

fn live_target_group(
    t: &aws_sdk_elasticloadbalancingv2::types::TargetGroup,
    owned: bool,
    deregistration_delay: Option<i32>,
) -> LiveTargetGroup {
    LiveTargetGroup {
        arn: t.target_group_arn().unwrap_or_default().to_owned(),
        owned,
        name: t.target_group_name().unwrap_or_default().to_owned(),
        port: t.port().unwrap_or_default(),
        vpc_id: t.vpc_id().unwrap_or_default().to_owned(),
        target_type: t
            .target_type()
            .map_or("instance", TargetTypeEnum::as_str)
            .to_owned(),
        health: TargetHealth {
            path: t.health_check_path().unwrap_or("/").to_owned(),
            interval_secs: t.health_check_interval_seconds().unwrap_or_default(),
            timeout_secs: t.health_check_timeout_seconds().unwrap_or_default(),
            healthy_threshold: t.healthy_threshold_count().unwrap_or_default(),
            unhealthy_threshold: t.unhealthy_threshold_count().unwrap_or_default(),
            // AWS's default when the attribute is not set.
            deregistration_delay_secs: deregistration_delay.unwrap_or(300),
        },
    }
}

fn live_listener(l: &aws_sdk_elasticloadbalancingv2::types::Listener) -> LiveListener {
    let protocol = l.protocol().map_or("", ProtocolEnum::as_str).to_owned();
    LiveListener {
        arn: l.listener_arn().unwrap_or_default().to_owned(),
        port: l.port().unwrap_or_default(),
        certificate_arn: l
            .certificates()
            .first()
            .and_then(|c| c.certificate_arn())
            .map(str::to_owned),
        // AWS (and emulators) show a policy on HTTP listeners too; it
        // means nothing there.
        ssl_policy: (protocol == "HTTPS")
            .then(|| l.ssl_policy().map(str::to_owned))
            .flatten(),
        protocol,
        action: live_action(l.default_actions()),
    }
}

fn live_action(actions: &[Action]) -> LiveListenerAction {
    let [action] = actions else {
        return LiveListenerAction::Other;
    };
    match action.r#type() {
        Some(ActionTypeEnum::Forward) => {
            let target = action.target_group_arn().map(str::to_owned).or_else(|| {
                action
                    .forward_config()
                    .and_then(|f| f.target_groups().first())
                    .and_then(|t| t.target_group_arn())
                    .map(str::to_owned)
            });
            target.map_or(LiveListenerAction::Other, |target_group_arn| {
                LiveListenerAction::Forward { target_group_arn }
            })
        }
        Some(ActionTypeEnum::Redirect) => {
            action
                .redirect_config()
                .map_or(LiveListenerAction::Other, |r| {
                    LiveListenerAction::Redirect {
                        protocol: r.protocol().unwrap_or("#{protocol}").to_owned(),
                        port: r.port().unwrap_or("#{port}").to_owned(),
                    }
                })
        }
        _ => LiveListenerAction::Other,
    }
}

fn tags(owner: &Owner, name: &str) -> Vec<Tag> {
    owner
        .tags(ComponentId::LoadBalancer, name)
        .into_iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect()
}

/// The listener's protocol, certificates, policy and default action.
struct Listener {
    protocol: ProtocolEnum,
    certificates: Option<Vec<Certificate>>,
    ssl_policy: Option<String>,
    action: Action,
}

fn listener(config: &ListenerConfig, ids: &ResolvedIds) -> Result<Listener, AwsError> {
    let forward = |target_group: &awsdeploy_plan::Ref| -> Result<Action, AwsError> {
        Ok(Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .target_group_arn(ids.resolve(target_group)?)
            .build())
    };
    Ok(match config {
        ListenerConfig::Https {
            certificate,
            tls_policy,
            target_group,
        } => Listener {
            protocol: ProtocolEnum::Https,
            certificates: Some(vec![
                Certificate::builder()
                    .certificate_arn(ids.resolve(certificate)?)
                    .build(),
            ]),
            ssl_policy: Some(tls_policy.clone()),
            action: forward(target_group)?,
        },
        ListenerConfig::RedirectToHttps => Listener {
            protocol: ProtocolEnum::Http,
            certificates: None,
            ssl_policy: None,
            action: Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(
                    RedirectActionConfig::builder()
                        .protocol("HTTPS")
                        .port("443")
                        .status_code(RedirectActionStatusCodeEnum::Http301)
                        .build(),
                )
                .build(),
        },
        ListenerConfig::Forward { target_group } => Listener {
            protocol: ProtocolEnum::Http,
            certificates: None,
            ssl_policy: None,
            action: forward(target_group)?,
        },
    })
}

async fn set_target_group(
    elb: &Client,
    arn: &str,
    name: &str,
    health: &TargetHealth,
) -> Result<(), AwsError> {
    elb.modify_target_group()
        .target_group_arn(arn)
        .health_check_path(&health.path)
        .health_check_interval_seconds(health.interval_secs)
        .health_check_timeout_seconds(health.timeout_secs)
        .healthy_threshold_count(health.healthy_threshold)
        .unhealthy_threshold_count(health.unhealthy_threshold)
        .send()
        .await
        .map_err(sdk("ModifyTargetGroup", name))?;
    elb.modify_target_group_attributes()
        .target_group_arn(arn)
        .attributes(
            TargetGroupAttribute::builder()
                .key(DEREGISTRATION_DELAY)
                .value(health.deregistration_delay_secs.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(sdk("ModifyTargetGroupAttributes", name))?;
    Ok(())
}

async fn set_idle_timeout(elb: &Client, arn: &str, name: &str, secs: i64) -> Result<(), AwsError> {
    elb.modify_load_balancer_attributes()
        .load_balancer_arn(arn)
        .attributes(
            LoadBalancerAttribute::builder()
                .key(IDLE_TIMEOUT)
                .value(secs.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(sdk("ModifyLoadBalancerAttributes", name))?;
    Ok(())
}

/// How long ELB may refuse a certificate ACM has just issued.
const CERTIFICATE_GRACE: Duration = Duration::from_secs(120);

/// `UnsupportedCertificate` (ELB's `CertificateNotFound` too) for a
/// certificate issued a moment ago: ACM's issuance reaches ELB with a delay.
fn certificate_not_yet_usable(error: &AwsError) -> bool {
    matches!(
        error.code(),
        Some("UnsupportedCertificate" | "CertificateNotFound")
    )
}

pub(crate) async fn run(
    step: &LoadBalancerStep,
    cx: &StepContext<'_>,
) -> Result<Option<String>, AwsError> {
    let StepContext { clients, .. } = *cx;
    let elb = &clients.elb;
    let name = cx.name();
    match step {
        LoadBalancerStep::DeleteLoadBalancer { load_balancer } => {
            delete_load_balancer(&cx.clients.elb, load_balancer).await
        }
        LoadBalancerStep::DeleteTargetGroup { target_group } => {
            let elb = &cx.clients.elb;
            let deleted = wait::retrying(
                |e| e.code() == Some("ResourceInUse"),
                Duration::from_secs(300),
                || async {
                    elb.delete_target_group()
                        .target_group_arn(target_group)
                        .send()
                        .await
                        .map(drop)
                        .map_err(sdk("DeleteTargetGroup", target_group.as_str()))
                },
            )
            .await;
            match deleted {
                Err(e) if e.is_not_found() => Ok(None),
                other => other.map(|()| None),
            }
        }
        LoadBalancerStep::CreateTargetGroup {
            name: tg_name,
            vpc,
            port,
            health,
        } => create_target_group(cx, tg_name, vpc, *port, health).await,
        LoadBalancerStep::ModifyTargetGroup {
            target_group,
            health,
        } => {
            set_target_group(elb, target_group, name, health).await?;
            Ok(None)
        }
        LoadBalancerStep::CreateLoadBalancer {
            name: lb_name,
            subnets,
            security_group,
            idle_timeout_secs,
        } => create_load_balancer(cx, lb_name, subnets, security_group, *idle_timeout_secs).await,
        LoadBalancerStep::ModifyLoadBalancer {
            load_balancer,
            subnets,
            security_group,
            idle_timeout_secs,
        } => {
            modify_load_balancer(
                cx,
                load_balancer,
                subnets.as_deref(),
                security_group.as_ref(),
                idle_timeout_secs.as_ref(),
            )
            .await
        }
        LoadBalancerStep::CreateListener {
            load_balancer,
            port,
            config,
        } => create_listener(cx, load_balancer, *port, config).await,
        LoadBalancerStep::ModifyListener {
            listener: arn,
            port,
            config,
        } => modify_listener(cx, arn, *port, config).await,
        LoadBalancerStep::CreateRule {
            listener,
            priority,
            target_groups,
        } => traffic::create_rule(cx, listener, *priority, target_groups).await,
        LoadBalancerStep::ModifyRule {
            rule,
            target_groups,
        } => traffic::modify_rule(cx, rule, target_groups).await,
        LoadBalancerStep::DeleteRule { rule } => traffic::delete_rule(cx, rule).await,
        LoadBalancerStep::DeleteListener { listener } => {
            match elb
                .delete_listener()
                .listener_arn(listener)
                .send()
                .await
                .map_err(sdk("DeleteListener", name))
            {
                Ok(_) => Ok(None),
                Err(e) if already_done(&e, &["ListenerNotFound"]) => Ok(None),
                Err(e) => Err(e),
            }
        }
    }
}

async fn create_target_group(
    cx: &StepContext<'_>,
    tg_name: &str,
    vpc: &Ref,
    port: i32,
    health: &TargetHealth,
) -> Result<Option<String>, AwsError> {
    let elb = &cx.clients.elb;
    let owner = cx.owner;
    let ids = cx.ids;

    let out = elb
        .create_target_group()
        .name(tg_name)
        .protocol(ProtocolEnum::Http)
        .port(port)
        .vpc_id(ids.resolve(vpc)?)
        .target_type(TargetTypeEnum::Ip)
        .health_check_protocol(ProtocolEnum::Http)
        .health_check_path(&health.path)
        .health_check_interval_seconds(health.interval_secs)
        .health_check_timeout_seconds(health.timeout_secs)
        .healthy_threshold_count(health.healthy_threshold)
        .unhealthy_threshold_count(health.unhealthy_threshold)
        .matcher(Matcher::builder().http_code("200-399").build())
        .set_tags(Some(tags(owner, tg_name)))
        .send()
        .await
        .map_err(sdk("CreateTargetGroup", tg_name))?;
    let arn = out
        .target_groups()
        .first()
        .and_then(|t| t.target_group_arn())
        .ok_or(AwsError::MissingField {
            operation: "CreateTargetGroup",
            resource: tg_name.to_owned(),
            field: "TargetGroupArn",
        })?
        .to_owned();
    set_target_group(elb, &arn, tg_name, health).await?;
    Ok(Some(arn))
}

async fn create_load_balancer(
    cx: &StepContext<'_>,
    lb_name: &str,
    subnets: &[Ref],
    security_group: &Ref,
    idle_timeout_secs: i64,
) -> Result<Option<String>, AwsError> {
    let elb = &cx.clients.elb;
    let owner = cx.owner;
    let ids = cx.ids;

    let subnets = subnets
        .iter()
        .map(|s| ids.resolve(s))
        .collect::<Result<Vec<_>, _>>()?;
    let out = elb
        .create_load_balancer()
        .name(lb_name)
        .r#type(aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::Application)
        .scheme(LoadBalancerSchemeEnum::InternetFacing)
        .set_subnets(Some(subnets))
        .security_groups(ids.resolve(security_group)?)
        .set_tags(Some(tags(owner, lb_name)))
        .send()
        .await
        .map_err(sdk("CreateLoadBalancer", lb_name))?;
    let arn = out
        .load_balancers()
        .first()
        .and_then(|l| l.load_balancer_arn())
        .ok_or(AwsError::MissingField {
            operation: "CreateLoadBalancer",
            resource: lb_name.to_owned(),
            field: "LoadBalancerArn",
        })?
        .to_owned();
    set_idle_timeout(elb, &arn, lb_name, idle_timeout_secs).await?;
    Ok(Some(arn))
}

async fn modify_load_balancer(
    cx: &StepContext<'_>,
    load_balancer: &str,
    subnets: Option<&[Ref]>,
    security_group: Option<&Ref>,
    idle_timeout_secs: Option<&i64>,
) -> Result<Option<String>, AwsError> {
    let elb = &cx.clients.elb;
    let name = cx.name();
    let ids = cx.ids;

    if let Some(subnets) = subnets {
        let subnets = subnets
            .iter()
            .map(|s| ids.resolve(s))
            .collect::<Result<Vec<_>, _>>()?;
        elb.set_subnets()
            .load_balancer_arn(load_balancer)
            .set_subnets(Some(subnets))
            .send()
            .await
            .map_err(sdk("SetSubnets", name))?;
    }
    if let Some(group) = security_group {
        elb.set_security_groups()
            .load_balancer_arn(load_balancer)
            .security_groups(ids.resolve(group)?)
            .send()
            .await
            .map_err(sdk("SetSecurityGroups", name))?;
    }
    if let Some(secs) = idle_timeout_secs {
        set_idle_timeout(elb, load_balancer, name, *secs).await?;
    }
    Ok(None)
}

async fn create_listener(
    cx: &StepContext<'_>,
    load_balancer: &Ref,
    port: i32,
    config: &ListenerConfig,
) -> Result<Option<String>, AwsError> {
    let elb = &cx.clients.elb;
    let name = cx.name();
    let ids = cx.ids;

    let l = listener(config, ids)?;
    let load_balancer = ids.resolve(load_balancer)?;
    let out = wait::retrying(certificate_not_yet_usable, CERTIFICATE_GRACE, || async {
        elb.create_listener()
            .load_balancer_arn(&load_balancer)
            .port(port)
            .protocol(l.protocol.clone())
            .set_certificates(l.certificates.clone())
            .set_ssl_policy(l.ssl_policy.clone())
            .set_default_actions(Some(vec![l.action.clone()]))
            .send()
            .await
            .map_err(sdk("CreateListener", name))
    })
    .await?;
    let arn = out
        .listeners()
        .first()
        .and_then(|l| l.listener_arn())
        .ok_or(AwsError::MissingField {
            operation: "CreateListener",
            resource: name.to_owned(),
            field: "ListenerArn",
        })?;
    Ok(Some(arn.to_owned()))
}

async fn modify_listener(
    cx: &StepContext<'_>,
    arn: &str,
    port: i32,
    config: &ListenerConfig,
) -> Result<Option<String>, AwsError> {
    let elb = &cx.clients.elb;
    let name = cx.name();
    let ids = cx.ids;

    let l = listener(config, ids)?;
    wait::retrying(certificate_not_yet_usable, CERTIFICATE_GRACE, || async {
        elb.modify_listener()
            .listener_arn(arn)
            .port(port)
            .protocol(l.protocol.clone())
            .set_certificates(l.certificates.clone())
            .set_ssl_policy(l.ssl_policy.clone())
            .set_default_actions(Some(vec![l.action.clone()]))
            .send()
            .await
            .map_err(sdk("ModifyListener", name))
    })
    .await?;
    Ok(None)
}

/// `down`: the load balancer, waited for until it is gone (its network
/// interfaces go with it, and the subnets only after them).
async fn delete_load_balancer(elb: &Client, arn: &str) -> Result<Option<String>, AwsError> {
    let deleted = elb
        .delete_load_balancer()
        .load_balancer_arn(arn)
        .send()
        .await
        .map(drop)
        .map_err(sdk("DeleteLoadBalancer", arn));
    match deleted {
        Err(e) if e.is_not_found() => return Ok(None),
        other => other?,
    }
    wait::until(
        &format!("the load balancer {arn} to be deleted"),
        Duration::from_secs(600),
        Duration::from_secs(2),
        || async {
            let out = elb
                .describe_load_balancers()
                .load_balancer_arns(arn)
                .send()
                .await
                .map_err(sdk("DescribeLoadBalancers", arn));
            Ok(match out {
                Err(e) if e.is_not_found() => wait::Check::Ready(()),
                Err(e) => return Err(e),
                Ok(out) if out.load_balancers().is_empty() => wait::Check::Ready(()),
                Ok(_) => wait::Check::Pending("still there".to_owned()),
            })
        },
    )
    .await?;
    Ok(None)
}
