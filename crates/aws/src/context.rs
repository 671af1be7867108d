//! What every component's calls run with: the SDK clients, whose resources
//! they are, where long steps report, and for a step, its change and the ids
//! made so far.

use awsdeploy_plan::ResourceChange;
use awsdeploy_plan::execute::ResolvedIds;

use crate::Output;
use crate::tags::Owner;

/// One SDK client per service awsdeploy calls, from one configuration.
#[derive(Debug, Clone)]
pub struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// `CloudWatch` metrics (RPC v2 CBOR on the wire).
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// The alarms' topic.
    pub sns: aws_sdk_sns::Client,
    /// The deploy lock's table.
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub iam: aws_sdk_iam::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub sts: aws_sdk_sts::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub acm: aws_sdk_acm::Client,
    pub route53: aws_sdk_route53::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub autoscaling: aws_sdk_applicationautoscaling::Client,
    pub amplify: aws_sdk_amplify::Client,
    /// The pipeline's artifact bucket (path-style addressing when
    /// `AWS_ENDPOINT_URL` points at an emulator).
    pub s3: aws_sdk_s3::Client,
    pub codebuild: aws_sdk_codebuild::Client,
    pub codepipeline: aws_sdk_codepipeline::Client,
    /// CodeStar connections to the Git host.
    pub connections: aws_sdk_codestarconnections::Client,
    /// For the web release's upload to the URL Amplify gives.
    pub http: reqwest::Client,
}

impl Clients {
    pub fn new(config: &aws_config::SdkConfig) -> Clients {
        Clients {
            ec2: aws_sdk_ec2::Client::new(config),
            rds: aws_sdk_rds::Client::new(config),
            ecr: aws_sdk_ecr::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            sts: aws_sdk_sts::Client::new(config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(config),
            acm: aws_sdk_acm::Client::new(config),
            route53: aws_sdk_route53::Client::new(config),
            ecs: aws_sdk_ecs::Client::new(config),
            autoscaling: aws_sdk_applicationautoscaling::Client::new(config),
            amplify: aws_sdk_amplify::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(config)
                    .force_path_style(config.endpoint_url().is_some())
                    .build(),
            ),
            codebuild: aws_sdk_codebuild::Client::new(config),
            codepipeline: aws_sdk_codepipeline::Client::new(config),
            connections: aws_sdk_codestarconnections::Client::new(config),
            http: reqwest::Client::new(),
        }
    }
}

/// What a component's step runner gets: the same for every component.
#[derive(Clone, Copy)]
pub struct StepContext<'a> {
    pub clients: &'a Clients,
    pub owner: &'a Owner,
    pub output: &'a Output,
    /// The change the step belongs to: its name tags what it creates.
    pub change: &'a ResourceChange,
    /// Ids of what this run has created, for [`Ref::Planned`].
    ///
    /// [`Ref::Planned`]: awsdeploy_plan::Ref::Planned
    pub ids: &'a ResolvedIds,
}

impl StepContext<'_> {
    /// The change's name: what its resource is called and tagged.
    pub fn name(&self) -> &str {
        &self.change.name
    }

    /// The ownership tags and `Name` for what the step creates.
    pub fn tags(&self) -> [(&'static str, String); 4] {
        self.owner.tags(self.change.component, &self.change.name)
    }

    /// The AWS id `reference` stands for.
    pub fn resolve(&self, reference: &awsdeploy_plan::Ref) -> Result<String, crate::AwsError> {
        Ok(self.ids.resolve(reference)?)
    }
}
