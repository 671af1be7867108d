//! Every AWS SDK call awsdeploy makes.
//!
//! [`Aws::connect`] builds the SDK clients from the standard AWS chain
//! (credentials, profile, SSO, `AWS_ENDPOINT_URL`), [`Aws::observe`] reads
//! what is live for one app and environment into `awsdeploy_plan::Live`, and
//! [`Aws`] runs plan steps as the executor's
//! [`StepRunner`](awsdeploy_plan::execute::StepRunner).
//!
//! One module per component owns its SDK calls: [`network`] (EC2),
//! [`database`] (RDS), [`support`] (ECR, `CloudWatch` Logs, IAM, STS,
//! Secrets Manager).
//! Ownership: everything awsdeploy creates carries the tags in [`tags`] and
//! is found again by them only.

pub mod database;
mod error;
pub mod network;
pub mod support;
pub mod tags;
mod wait;

use aws_config::{BehaviorVersion, Region};
use awsdeploy_plan::execute::{ResolvedIds, StepRunner};
use awsdeploy_plan::live::Lookups;
use awsdeploy_plan::{Component, Live, ResourceChange, Step};

pub use error::AwsError;

/// SDK clients for one app, environment and region.
#[derive(Debug, Clone)]
pub struct Aws {
    ec2: aws_sdk_ec2::Client,
    rds: aws_sdk_rds::Client,
    support: support::Clients,
    region: String,
    owner: tags::Owner,
}

impl Aws {
    /// Loads the AWS configuration. `region` (the spec's `app.region`) wins
    /// over the chain's region; with neither, this is an error.
    pub async fn connect(region: Option<&str>, app: &str, env: &str) -> Result<Aws, AwsError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = region {
            loader = loader.region(Region::new(region.to_owned()));
        }
        let config = loader.load().await;
        let region = config
            .region()
            .map(ToString::to_string)
            .ok_or(AwsError::NoRegion)?;
        Ok(Aws {
            ec2: aws_sdk_ec2::Client::new(&config),
            rds: aws_sdk_rds::Client::new(&config),
            support: support::Clients {
                ecr: aws_sdk_ecr::Client::new(&config),
                logs: aws_sdk_cloudwatchlogs::Client::new(&config),
                iam: aws_sdk_iam::Client::new(&config),
                secrets: aws_sdk_secretsmanager::Client::new(&config),
                sts: aws_sdk_sts::Client::new(&config),
            },
            region,
            owner: tags::Owner {
                app: app.to_owned(),
                env: env.to_owned(),
            },
        })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Everything live that belongs to this app and environment, and what
    /// `lookups` names, observed concurrently.
    pub async fn observe(&self, lookups: &Lookups) -> Result<Live, AwsError> {
        let database_name = awsdeploy_plan::database::identifier(&self.owner.app, &self.owner.env);
        // Boxed: SDK futures are large, and this one holds them all.
        let (network, database, support) = Box::pin(async {
            tokio::try_join!(
                network::observe(&self.ec2, &self.owner),
                database::observe(&self.rds, &self.owner, &database_name),
                support::observe(&self.support, &self.owner, lookups),
            )
        })
        .await?;
        Ok(Live {
            network,
            database,
            support,
        })
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
        match step.component() {
            Component::Network => {
                Box::pin(network::run_step(&self.ec2, &self.owner, change, step, ids)).await
            }
            Component::Database => {
                Box::pin(database::run_step(
                    &self.rds,
                    &self.owner,
                    change,
                    step,
                    ids,
                ))
                .await
            }
            Component::Registry | Component::Logs | Component::Iam => {
                Box::pin(support::run_step(&self.support, &self.owner, change, step)).await
            }
        }
    }
}
