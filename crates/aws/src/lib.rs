//! Every AWS SDK call awsdeploy makes.
//!
//! [`Aws::connect`] builds the SDK clients from the standard AWS chain
//! (credentials, profile, SSO, `AWS_ENDPOINT_URL`), [`Aws::observe`] reads
//! what is live for one app and environment into `awsdeploy_plan::Live`, and
//! [`Aws`] runs plan steps as the executor's
//! [`StepRunner`](awsdeploy_plan::execute::StepRunner).
//!
//! One module per component owns its SDK calls: [`network`] (EC2),
//! [`database`] (RDS), [`registry`] (ECR), [`logs`] (`CloudWatch` Logs),
//! [`iam`] (IAM), [`load_balancer`] (`ELBv2`), [`certificate`] (ACM),
//! [`dns`] (Route 53), [`service`] (ECS, Application Auto Scaling),
//! [`migration`] (the one-off ECS task and its `CloudWatch` log stream),
//! [`web`] (Amplify Hosting, and the release upload); [`account`] reads who
//! the credentials are and the secrets the spec names. Each observes its
//! part of what is live and runs its component's steps with one
//! [`StepContext`]; [`Aws`] routes a [`Step`] to its component by an
//! exhaustive `match`.
//! Ownership: everything awsdeploy creates carries the tags in [`tags`] and
//! is found again by them only.

mod account;
mod alarms;
pub mod certificate;
mod context;
pub mod database;
pub mod dns;
mod error;
pub mod iam;
pub mod load_balancer;
pub mod lock;
pub mod logs;
pub mod migration;
pub mod network;
#[cfg(test)]
mod permissions;
mod pipeline;
pub mod registry;
pub mod service;
mod status;
pub mod tags;
mod wait;
pub mod web;

use aws_config::{BehaviorVersion, Region};
use awsdeploy_plan::execute::{ResolvedIds, StepRunner};
use awsdeploy_plan::live::LiveServiceTier;
use awsdeploy_plan::live::Lookups;
use awsdeploy_plan::{Live, ResourceChange, Step};
use tracing::Instrument as _;

pub use context::{Clients, StepContext};
pub use error::AwsError;

/// Where long steps report progress: lines (a migration task's output, a
/// release job's states) and an upload's bytes sent of the total.
#[derive(Clone)]
pub struct Output {
    pub line: std::sync::Arc<dyn Fn(&str) + Send + Sync>,
    pub upload: std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Output")
    }
}

impl Default for Output {
    fn default() -> Output {
        Output {
            line: std::sync::Arc::new(|line| {
                tracing::info!(target: "awsdeploy_aws::wait", "{line}");
            }),
            upload: std::sync::Arc::new(|sent, total| {
                tracing::debug!(sent, total, "uploading");
            }),
        }
    }
}

/// Attempts per call, the first included.
const MAX_ATTEMPTS: u32 = 6;

/// Resolves the chain's credentials once, so that a machine without any
/// hears so first, not as the first AWS call that "could not be sent".
async fn check_credentials(config: &aws_config::SdkConfig) -> Result<(), AwsError> {
    use aws_credential_types::provider::ProvideCredentials as _;
    use aws_credential_types::provider::error::CredentialsError;
    let Some(provider) = config.credentials_provider() else {
        return Err(AwsError::NoCredentials {
            reason: "no credentials provider is configured".to_owned(),
        });
    };
    match provider.provide_credentials().await {
        Ok(_) => Ok(()),
        Err(CredentialsError::CredentialsNotLoaded(_)) => Err(AwsError::NoCredentials {
            reason:
                "none in the environment, the profile files, SSO or an instance or container role"
                    .to_owned(),
        }),
        Err(e) => Err(AwsError::NoCredentials {
            reason: std::error::Error::source(&e)
                .map_or_else(|| e.to_string(), |source| format!("{e}: {source}")),
        }),
    }
}

/// SDK clients for one app, environment and region.
#[derive(Debug, Clone)]
pub struct Aws {
    clients: Clients,
    /// Who the credentials are, read once.
    identity: std::sync::Arc<tokio::sync::OnceCell<account::Identity>>,
    region: String,
    owner: tags::Owner,
    output: Output,
    /// `app.allowed_account_ids`: empty allows any account.
    allowed_accounts: Vec<String>,
}

impl Aws {
    /// Loads the AWS configuration. `region` (the spec's `app.region`) wins
    /// over the chain's region; with neither, this is an error.
    pub async fn connect(region: Option<&str>, app: &str, env: &str) -> Result<Aws, AwsError> {
        // Adaptive retry (a client-side rate limit once AWS throttles) and
        // more attempts than the standard 3: one run makes hundreds of calls.
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
            aws_config::retry::RetryConfig::adaptive().with_max_attempts(MAX_ATTEMPTS),
        );
        if let Some(region) = region {
            loader = loader.region(Region::new(region.to_owned()));
        }
        let config = loader.load().await;
        let region = config
            .region()
            .map(ToString::to_string)
            .ok_or(AwsError::NoRegion)?;
        check_credentials(&config).await?;
        Ok(Aws {
            clients: Clients::new(&config),
            identity: std::sync::Arc::default(),
            region,
            owner: tags::Owner {
                app: app.to_owned(),
                env: env.to_owned(),
            },
            output: Output::default(),
            allowed_accounts: Vec::new(),
        })
    }

    /// Only these accounts may be changed (`app.allowed_account_ids`);
    /// [`Aws::lock`], which every changing command takes first, refuses
    /// credentials of any other.
    #[must_use]
    pub fn allowing_accounts(mut self, accounts: &[String]) -> Aws {
        self.allowed_accounts = accounts.to_vec();
        self
    }

    /// Where long steps report as they go (a migration task's log lines, a
    /// web release's upload and job); by default `tracing` at info.
    #[must_use]
    pub fn with_output(mut self, output: Output) -> Aws {
        self.output = output;
        self
    }

    /// Starts the migration task (registering its revision if needed);
    /// returns the task's ARN.
    pub async fn start_migration(
        &self,
        task: &awsdeploy_plan::MigrationTask,
        ids: &ResolvedIds,
    ) -> Result<String, AwsError> {
        Box::pin(migration::start(&self.clients, &self.owner, task, ids)).await
    }

    /// Waits for the migration task, streaming its log lines; Ok when it
    /// exits 0.
    pub async fn wait_for_migration(
        &self,
        wait: &awsdeploy_plan::MigrationWait,
        ids: &ResolvedIds,
    ) -> Result<(), AwsError> {
        Box::pin(migration::wait(&self.clients, &self.output, wait, ids)).await
    }

    /// The web app and `branch` as they are live (2 calls: the app by
    /// name, the branch).
    pub async fn observe_web(
        &self,
        branch: &str,
    ) -> Result<awsdeploy_plan::live::LiveWeb, AwsError> {
        web::observe(&self.clients.amplify, &self.owner, Some(branch), None).await
    }

    /// Releases `artifact` to `branch` of the app `app_id`; returns the URL.
    pub async fn release_web(
        &self,
        app_id: &str,
        branch: &str,
        artifact: &awsdeploy_spec::artifact::Artifact,
        timeout: std::time::Duration,
    ) -> Result<String, AwsError> {
        Box::pin(web::release(
            &self.clients,
            &self.output,
            app_id,
            branch,
            artifact,
            timeout,
        ))
        .await
    }

    /// The migration's task definition as it would run: the database's
    /// variables added; `Some(arn)` when the newest revision already is it.
    pub async fn resolve_migration(
        &self,
        task: &awsdeploy_plan::MigrationTask,
    ) -> Result<(awsdeploy_plan::TaskDefinition, Option<String>), AwsError> {
        migration::resolve(&self.clients, task).await
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// What `awsdeploy status` reads beyond `live` (reads only).
    pub async fn status_extras(
        &self,
        live: &Live,
    ) -> Result<awsdeploy_plan::status::Extras, AwsError> {
        Box::pin(status::extras(&self.clients, &self.owner, live)).await
    }

    /// The stack's log lines `query` asks for, oldest first.
    pub async fn log_lines(&self, query: &logs::LogQuery) -> Result<Vec<logs::LogLine>, AwsError> {
        let group = awsdeploy_plan::names::log_group_name(&self.owner.app, &self.owner.env);
        logs::lines(&self.clients.logs, &group, query).await
    }

    /// ARNs of the active revisions of task definition `family`.
    pub async fn active_revisions(&self, family: &str) -> Result<Vec<String>, AwsError> {
        service::rollback::active_revisions(&self.clients, family).await
    }

    /// The revision `arn` as a rollback target: its image, and whether the
    /// image is still in `repository` (`name`, `uri`) when it comes from it.
    pub async fn rollback_target(
        &self,
        arn: &str,
        repository: Option<(&str, &str)>,
    ) -> Result<awsdeploy_plan::service::rollback::Target, AwsError> {
        service::rollback::target(&self.clients, arn, repository).await
    }

    /// The service's deployment that has not ended (going or rolling
    /// back), when its strategy shifts traffic.
    pub async fn deployment_going(
        &self,
    ) -> Result<Option<awsdeploy_plan::status::ShiftStatus>, AwsError> {
        service::deployments::going(&self.clients, &self.owner).await
    }

    /// Rolls back deployment `arn` (`StopServiceDeployment`, or
    /// `ContinueServiceDeployment` with ROLLBACK when it waits at the pause
    /// `hook`), then waits until ECS has; the revision that serves then.
    pub async fn stop_deployment(
        &self,
        arn: &str,
        hook: Option<&str>,
        timeout_secs: u64,
    ) -> Result<String, AwsError> {
        service::deployments::stop(&self.clients, arn, hook, timeout_secs).await
    }

    /// `ContinueServiceDeployment` (CONTINUE) of deployment `arn` waiting
    /// at the pause `hook`, then the wait as after `up`; the revision it
    /// deploys.
    pub async fn continue_deployment(
        &self,
        (arn, pause): (&str, &awsdeploy_plan::status::Paused),
        timeout_secs: u64,
        until: awsdeploy_plan::WaitPoint,
    ) -> Result<String, AwsError> {
        service::deployments::resume(&self.clients, (arn, pause), timeout_secs, until).await
    }

    /// Takes the environment's deploy lock for `command`, waiting up to
    /// `timeout` for the run that holds it; `on_wait` hears who that is.
    pub async fn lock(
        &self,
        command: &str,
        timeout: std::time::Duration,
        on_wait: &(dyn Fn(&lock::Holder) + Sync),
    ) -> Result<lock::Lock, AwsError> {
        let identity = account::identity(&self.clients, &self.identity).await?;
        if !self.allowed_accounts.is_empty() && !self.allowed_accounts.contains(&identity.account) {
            return Err(AwsError::WrongAccount {
                account: identity.account,
                allowed: self.allowed_accounts.clone(),
                env: self.owner.env.clone(),
            });
        }
        let who = identity.arn;
        Box::pin(lock::acquire(
            &self.clients,
            &self.owner,
            &who,
            command,
            timeout,
            on_wait,
        ))
        .await
    }

    /// Who holds the environment's deploy lock, if anyone (one read).
    pub async fn lock_holder(&self) -> Result<Option<lock::Holder>, AwsError> {
        lock::read(
            &self.clients.dynamodb,
            &lock::table_name(&self.owner.app, &self.owner.env),
        )
        .await
    }

    /// Deletes the deploy lock's table: `down`'s last step.
    pub async fn delete_lock_table(&self) -> Result<(), AwsError> {
        lock::delete_table(&self.clients, &self.owner).await
    }

    /// Breaks the deploy lock `id`; refused unless it is the one held.
    pub async fn unlock(&self, id: &str) -> Result<lock::Holder, AwsError> {
        lock::unlock(&self.clients, &self.owner, id).await
    }

    /// Everything live that belongs to this app and environment, and what
    /// `lookups` names, observed concurrently.
    pub async fn observe(&self, lookups: &Lookups) -> Result<Live, AwsError> {
        let database_name =
            awsdeploy_plan::names::database_identifier(&self.owner.app, &self.owner.env);
        // Boxed: SDK futures are large, and this one holds them all.
        let (network, database, account, service, web, alarms, pipeline) = Box::pin(async {
            tokio::try_join!(
                network::observe(&self.clients.ec2, &self.owner),
                database::observe(&self.clients.rds, &self.owner, &database_name),
                account::observe(&self.clients, &self.identity, &self.owner, lookups),
                self.observe_service_tier(lookups),
                web::observe(
                    &self.clients.amplify,
                    &self.owner,
                    lookups
                        .web_branch
                        .as_deref()
                        .or(lookups.rediscover.web.then_some("")),
                    lookups.web_domain.as_deref(),
                ),
                alarms::observe(&self.clients, &self.owner, lookups.alarms),
                pipeline::observe(&self.clients, &self.owner, lookups, async {
                    Ok(account::identity(&self.clients, &self.identity)
                        .await?
                        .account)
                }),
            )
        })
        .await?;
        let mut live = Live {
            network,
            database,
            account,
            service,
            web,
            alarms,
            pipeline,
        };
        if lookups.rediscover.web && live.service.zone.is_none() {
            let domain = live.web.domain.as_ref().map(|d| d.name.clone());
            if let Some(domain) = domain {
                live.service.zone =
                    Box::pin(dns::closest_zone(&self.clients.route53, &domain, true)).await?;
            }
        }
        Ok(live)
    }

    /// The load balancer, certificate, DNS and ECS parts, when the spec has
    /// a service.
    async fn observe_service_tier(&self, lookups: &Lookups) -> Result<LiveServiceTier, AwsError> {
        if !lookups.service {
            // The zone alone: the web app's custom domain writes there too.
            let zone = match &lookups.zone {
                Some(zone) => dns::observe(&self.clients.route53, zone, None).await?.0,
                None => None,
            };
            return Ok(LiveServiceTier {
                zone,
                ..LiveServiceTier::default()
            });
        }
        let api = lookups.api_domain.as_deref();
        let certificate = async {
            match api {
                Some(domain) => certificate::observe(&self.clients.acm, &self.owner, domain).await,
                None => Ok(None),
            }
        };
        let zone = async {
            match &lookups.zone {
                Some(zone) => dns::observe(&self.clients.route53, zone, api).await,
                None => Ok((None, None)),
            }
        };
        let (balancer, certificate, (zone, api_record), ecs) = tokio::try_join!(
            load_balancer::observe(&self.clients.elb, &self.owner),
            certificate,
            zone,
            service::observe(&self.clients, &self.owner),
        )?;
        let traffic = async {
            if !lookups.traffic_shift {
                return Ok((None, None));
            }
            let shift = load_balancer::traffic::observe(
                &self.clients.elb,
                &self.owner,
                &balancer.listeners,
            );
            let name =
                awsdeploy_plan::names::infrastructure_role_name(&self.owner.app, &self.owner.env);
            let found = iam::observe_role(&self.clients.iam, &self.owner, &name);
            let (shift, found) = tokio::try_join!(shift, found)?;
            Ok::<_, AwsError>((Some(shift), found.map(|(role, _)| role)))
        };
        let (shift, infrastructure_role) = Box::pin(traffic).await?;
        let shift = shift.unwrap_or(load_balancer::traffic::Traffic {
            alternate_target_group: None,
            production_rule: None,
            test_rule: None,
            stale_rules: Vec::new(),
        });
        let mut tier = LiveServiceTier {
            alternate_target_group: shift.alternate_target_group,
            production_rule: shift.production_rule,
            test_rule: shift.test_rule,
            stale_rules: shift.stale_rules,
            infrastructure_role,
            load_balancer: balancer.load_balancer,
            target_group: balancer.target_group,
            listeners: balancer.listeners,
            certificate,
            zone,
            api_record,
            cluster: ecs.cluster,
            task_definition: ecs.task_definition,
            service: ecs.service,
            autoscaling: ecs.autoscaling,
        };
        if lookups.rediscover.api {
            Box::pin(self.api_from_listener(&mut tier)).await?;
        }
        Ok(tier)
    }

    /// `down` without `[dns]`: the API's name is the domain of the
    /// certificate our load balancer's HTTPS listener serves; its zone,
    /// the closest public zone of one of its parents; then the
    /// certificate and the record as the spec would have named them.
    async fn api_from_listener(&self, tier: &mut LiveServiceTier) -> Result<(), AwsError> {
        let Some(arn) = tier
            .load_balancer
            .as_ref()
            .filter(|lb| lb.owned)
            .and_then(|_| {
                tier.listeners
                    .iter()
                    .find_map(|l| l.certificate_arn.clone())
            })
        else {
            return Ok(());
        };
        let Some(domain) = certificate::domain(&self.clients.acm, &arn).await? else {
            return Ok(());
        };
        tier.certificate = certificate::observe(&self.clients.acm, &self.owner, &domain).await?;
        if let Some(zone) = dns::closest_zone(&self.clients.route53, &domain, false).await? {
            let (found, record) =
                dns::observe(&self.clients.route53, &zone.name, Some(&domain)).await?;
            tier.zone = found;
            tier.api_record = record;
        }
        Ok(())
    }
}

impl StepRunner for Aws {
    type Error = AwsError;

    async fn run_step(
        &self,
        change: &ResourceChange,
        step: &Step,
        ids: &ResolvedIds,
    ) -> Result<Option<String>, AwsError> {
        let cx = StepContext {
            clients: &self.clients,
            owner: &self.owner,
            output: &self.output,
            change,
            ids,
        };
        let span = tracing::info_span!("step", name = %change.name, key = %change.key);
        // Boxed: SDK futures are large.
        Box::pin(
            async {
                match step {
                    Step::Network(step) => network::run(step, &cx).await,
                    Step::Database(step) => database::run(step, &cx).await,
                    Step::Registry(step) => registry::run(step, &cx).await,
                    Step::Logs(step) => logs::run(step, &cx).await,
                    Step::Iam(step) => iam::run(step, &cx).await,
                    Step::LoadBalancer(step) => load_balancer::run(step, &cx).await,
                    Step::Certificate(step) => certificate::run(step, &cx).await,
                    Step::Dns(step) => dns::run(step, &cx).await,
                    Step::Service(step) => service::run(step, &cx).await,
                    Step::Migration(step) => migration::run(step, &cx).await,
                    Step::Web(step) => web::run(step, &cx).await,
                    Step::Alarms(step) => alarms::run(step, &cx).await,
                    Step::Pipeline(step) => pipeline::run(step, &cx).await,
                }
            }
            .instrument(span),
        )
        .await
    }
}
