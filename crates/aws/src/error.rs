//! Errors from AWS calls, keeping the service's code, message and request id.

use std::error::Error as StdError;
use std::time::Duration;

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::RequestId;
use awsdeploy_plan::execute::UnresolvedRef;

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("no AWS region: set app.region in the spec, or AWS_REGION / a profile's region")]
    NoRegion,
    /// The standard chain found no credentials (or could not load them).
    #[error("no AWS credentials found: {reason}")]
    NoCredentials { reason: String },
    /// AWS answered with an error.
    #[error("{operation} for {resource} failed: {code}: {message}{}", request_id.as_deref().map(|id| format!(" (request id {id})")).unwrap_or_default())]
    Service {
        /// The SDK's service id, as its endpoint variable names it
        /// (`AWS_ENDPOINT_URL_<service>`): `ECS`, `ROUTE_53`.
        service: &'static str,
        operation: &'static str,
        resource: String,
        code: String,
        message: String,
        request_id: Option<Box<str>>,
        /// The HTTP status of AWS's answer.
        status: u16,
    },
    /// No answer: credentials, network, endpoint, timeout.
    #[error("{operation} for {resource} could not be sent or got no answer")]
    Transport {
        service: &'static str,
        operation: &'static str,
        resource: String,
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    #[error("{operation} for {resource}: the response has no {field}")]
    MissingField {
        operation: &'static str,
        resource: String,
        field: &'static str,
    },
    #[error("gave up after {}s waiting for {what}; last seen: {last_seen}", waited.as_secs())]
    Timeout {
        what: String,
        waited: Duration,
        last_seen: String,
    },
    #[error("waiting for {what}: it is {state}")]
    WaitFailed { what: String, state: String },
    #[error(transparent)]
    Unresolved(#[from] UnresolvedRef),
    /// A request awsdeploy built lacks a required field: a bug.
    #[error("cannot build the {operation} request: {message}")]
    Request {
        operation: &'static str,
        message: String,
    },
    /// A rollout that failed or was rolled back.
    #[error("{0}")]
    Rollout(String),
    /// The migration task failed: its container's exit code when it has
    /// one (`awsdeploy migrate` exits with it).
    #[error("{message}")]
    Migration {
        exit_code: Option<i32>,
        message: String,
    },
    /// A web release that failed (upload, job, deadline).
    #[error("{0}")]
    WebRelease(String),
    /// Another run holds the environment's deploy lock.
    #[error("the {env} environment is locked by {holder}; nothing was changed")]
    Locked {
        holder: Box<crate::lock::Holder>,
        env: String,
    },
    /// The credentials are of an account the env does not allow.
    #[error("the credentials are for AWS account {account}, but the {env} environment may only change {}", allowed.join(", "))]
    WrongAccount {
        account: String,
        allowed: Vec<String>,
        env: String,
    },
    /// `unlock` of a lock that is not the one held.
    #[error("no deploy lock {id} is held on the {env} environment")]
    NotLocked { id: String, env: String },
}

/// Throttling and server-side error codes across the services awsdeploy
/// calls (the SDKs' own retry classifier lists the same families).
const TRANSIENT_CODES: [&str; 16] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "PriorRequestNotComplete",
    "SlowDown",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
];

impl AwsError {
    /// Whether AWS said a resource does not exist (`InvalidVpcID.NotFound`,
    /// `NatGatewayNotFound`, `DBInstanceNotFound`, ...): for a resource
    /// made a moment ago, "not yet" (EC2 is eventually consistent).
    pub fn is_not_found(&self) -> bool {
        self.code().is_some_and(|code| code.contains("NotFound"))
    }

    /// Whether trying again later may well succeed: throttling, AWS's own
    /// 5xx errors, or no answer at all. A wait treats it as "not yet".
    pub fn is_transient(&self) -> bool {
        match self {
            AwsError::Transport { .. } => true,
            // 501: the endpoint does not implement the call (an emulator
            // without the service); asking again does not change that.
            AwsError::Service { status: 501, .. } => false,
            AwsError::Service { code, status, .. } => {
                *status >= 500 || TRANSIENT_CODES.contains(&code.as_str())
            }
            _ => false,
        }
    }

    /// The AWS error code, if AWS answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// What the user should do next.
    pub fn hint(&self) -> Option<String> {
        self.hint_with(&endpoint_set)
    }

    /// [`AwsError::hint`], with `endpoint_set` telling whether an endpoint
    /// variable sends a service's calls away from AWS.
    fn hint_with(&self, endpoint_set: &dyn Fn(&str) -> bool) -> Option<String> {
        match self {
            AwsError::Locked { holder, env } => Some(format!(
                "wait for that run to finish (or give --lock-timeout, e.g. `--lock-timeout 10m`); if it died, its lock expires by itself within minutes, or break it now with `awsdeploy unlock {} -e {env}`",
                holder.id
            )),
            AwsError::NoCredentials { .. } => Some(
                "configure some: `aws configure` (access keys), `AWS_PROFILE=NAME` for a profile in ~/.aws/config, `aws sso login --profile NAME` for SSO; in CI, the runner's role or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".to_owned(),
            ),
            AwsError::WrongAccount { env, .. } => Some(format!(
                "nothing was changed; use credentials for the right account (`AWS_PROFILE=NAME`, then `aws sts get-caller-identity` to check), or fix app.allowed_account_ids for {env} in the spec"
            )),
            AwsError::NotLocked { env, .. } => Some(format!(
                "`awsdeploy diff -e {env}` shows the lock held now, if any, and its id"
            )),
            AwsError::Service {
                service,
                status: 501,
                ..
            } if endpoint_set(service) => Some(format!(
                "the endpoint does not serve {service} (HTTP 501, not implemented): an emulator without it, or an edition that lacks it; send {service}'s calls to one that serves it with AWS_ENDPOINT_URL_{service}=URL (AWS_ENDPOINT_URL applies to every service)"
            )),
            AwsError::Transport {
                service, source, ..
            } if refused(source.as_ref()) => Some(format!(
                "nothing listens at the endpoint for {service} (connection refused): check AWS_ENDPOINT_URL_{service} or AWS_ENDPOINT_URL, and that the emulator there is running"
            )),
            other => other.static_hint().map(str::to_owned),
        }
    }

    fn static_hint(&self) -> Option<&'static str> {
        match self {
            AwsError::Transport { .. } => Some(
                "check credentials (AWS_PROFILE, `aws sso login`, AWS_ACCESS_KEY_ID) and, for an emulator, AWS_ENDPOINT_URL",
            ),
            AwsError::Service { code, .. }
                if matches!(
                    code.as_str(),
                    "UnauthorizedOperation"
                        | "AuthFailure"
                        | "AccessDenied"
                        | "AccessDeniedException"
                        | "ExpiredToken"
                        | "InvalidClientTokenId"
                ) =>
            {
                Some(
                    "the credentials in use lack this permission or have expired: check `aws sts get-caller-identity` and the IAM policy",
                )
            }
            AwsError::Service { .. } if self.is_transient() => Some(
                "AWS throttled the calls or failed on its side, past awsdeploy's retries: run the command again in a minute; it continues from what is live",
            ),
            AwsError::Service { code, .. } if code.contains("LimitExceeded") => Some(
                "an account quota was reached: raise it in Service Quotas or free some resources",
            ),
            _ => None,
        }
    }
}

/// Turns an SDK error into an [`AwsError`] naming the operation and resource.
pub(crate) fn sdk<E>(
    operation: &'static str,
    resource: impl Into<String>,
) -> impl FnOnce(SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + RequestId + StdError + Send + Sync + 'static,
{
    move |error| {
        let resource = resource.into();
        let service_id = service_id::<E>();
        match error.as_service_error() {
            Some(service) => AwsError::Service {
                service: service_id,
                operation,
                resource,
                code: service.code().unwrap_or("Unknown").to_owned(),
                message: service.message().unwrap_or_default().to_owned(),
                request_id: service.request_id().map(Box::from),
                status: error.raw_response().map_or(0, |r| r.status().as_u16()),
            },
            None => AwsError::Transport {
                service: service_id,
                operation,
                resource,
                source: Box::new(error),
            },
        }
    }
}

/// Turns a request builder's error into an [`AwsError`].
pub(crate) fn built(
    operation: &'static str,
) -> impl FnOnce(aws_sdk_ecs::error::BuildError) -> AwsError {
    move |error| AwsError::Request {
        operation,
        message: error.to_string(),
    }
}

/// Whether `error` is one of the codes that mean "the desired state is
/// already there" (or, for a read, "there is nothing").
pub(crate) fn already_done(error: &AwsError, codes: &[&str]) -> bool {
    error.code().is_some_and(|code| codes.contains(&code))
}

/// The SDK's service id of the crate `E` comes from, as the endpoint
/// variables spell it (`AWS_ENDPOINT_URL_` + the id in capitals, spaces as
/// underscores: the SDKs' "Service-specific endpoints" rule).
fn service_id<E>() -> &'static str {
    let name = std::any::type_name::<E>();
    crate_service_id(name.split("::").next().unwrap_or(""))
}

/// [`service_id`] of the crate `aws_sdk_<name>`.
fn crate_service_id(krate: &str) -> &'static str {
    match krate.strip_prefix("aws_sdk_").unwrap_or("") {
        "acm" => "ACM",
        "amplify" => "AMPLIFY",
        "applicationautoscaling" => "APPLICATION_AUTO_SCALING",
        "cloudwatch" => "CLOUDWATCH",
        "cloudwatchlogs" => "CLOUDWATCH_LOGS",
        "codebuild" => "CODEBUILD",
        "codepipeline" => "CODEPIPELINE",
        "codestarconnections" => "CODESTAR_CONNECTIONS",
        "dynamodb" => "DYNAMODB",
        "ec2" => "EC2",
        "ecr" => "ECR",
        "ecs" => "ECS",
        "elasticloadbalancingv2" => "ELASTIC_LOAD_BALANCING_V2",
        "iam" => "IAM",
        "rds" => "RDS",
        "route53" => "ROUTE_53",
        "s3" => "S3",
        "secretsmanager" => "SECRETS_MANAGER",
        "sns" => "SNS",
        "sts" => "STS",
        _ => "SERVICE",
    }
}

/// Whether an endpoint variable sends `service`'s calls somewhere other
/// than AWS (where a 501 means "not served here"; AWS's own, S3's
/// `NotImplemented` for a header, is not that).
fn endpoint_set(service: &str) -> bool {
    [
        "AWS_ENDPOINT_URL".to_owned(),
        format!("AWS_ENDPOINT_URL_{service}"),
    ]
    .iter()
    .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}

/// Whether `error`'s chain holds a refused connection.
fn refused(error: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if error
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused)
            || error.to_string().contains("Connection refused")
        {
            return true;
        }
        next = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every SDK crate `crates/aws` depends on has its endpoint variable's
    /// name, as the SDK reads it.
    #[test]
    fn every_sdk_crate_names_its_endpoint_variable() {
        let manifest = include_str!("../Cargo.toml");
        let crates: Vec<&str> = manifest
            .lines()
            .filter_map(|line| line.trim().strip_prefix("aws-sdk-"))
            .filter_map(|rest| rest.split(['.', ' ', '=']).next())
            .collect();
        assert!(crates.len() >= 20, "{crates:?}");
        for krate in crates {
            let id = crate_service_id(&format!("aws_sdk_{krate}"));
            assert_ne!(id, "SERVICE", "aws-sdk-{krate} has no endpoint variable");
        }
        assert_eq!(
            service_id::<aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsError>(),
            "EC2"
        );
        assert_eq!(
            service_id::<aws_sdk_route53::operation::list_hosted_zones::ListHostedZonesError>(),
            "ROUTE_53"
        );
    }

    /// The compose file's `SERVICES` is every service `crates/aws` calls,
    /// in LocalStack's names: with one missing, LocalStack refuses its
    /// calls and `up` stops there.
    #[test]
    fn the_localstack_compose_file_lists_every_service_called() {
        let manifest = include_str!("../Cargo.toml");
        let compose = include_str!("../../../docker-compose.localstack.yml");
        let listed: std::collections::BTreeSet<&str> = compose
            .lines()
            .find_map(|line| line.trim().strip_prefix("SERVICES:"))
            .unwrap_or_default()
            .trim()
            .split(',')
            .collect();
        let called: std::collections::BTreeSet<&str> = manifest
            .lines()
            .filter_map(|line| line.trim().strip_prefix("aws-sdk-"))
            .filter_map(|rest| rest.split(['.', ' ', '=']).next())
            .map(|krate| match krate {
                "applicationautoscaling" => "application-autoscaling",
                "cloudwatchlogs" => "logs",
                "codestarconnections" => "codestar-connections",
                "elasticloadbalancingv2" => "elbv2",
                other => other,
            })
            .collect();
        assert_eq!(listed, called, "docker-compose.localstack.yml's SERVICES");
    }

    fn transport(source: std::io::Error) -> AwsError {
        AwsError::Transport {
            service: "ECS",
            operation: "UpdateService",
            resource: "shop-dev".to_owned(),
            source: Box::new(source),
        }
    }

    #[test]
    fn an_endpoint_without_the_service_names_the_variable_that_moves_it() {
        let not_served = AwsError::Service {
            service: "ECS",
            operation: "UpdateService",
            resource: "shop-dev".to_owned(),
            code: "InternalFailure".to_owned(),
            message: "API for service 'ecs' not yet implemented or pro feature - please check https://docs.localstack.cloud/references/coverage/ for further information".to_owned(),
            request_id: None,
            status: 501,
        };
        assert!(!not_served.is_transient());
        let hint = not_served.hint_with(&|_| true).unwrap_or_default();
        assert!(hint.contains("does not serve ECS"), "{hint}");
        assert!(hint.contains("AWS_ENDPOINT_URL_ECS="), "{hint}");
        assert!(!hint.contains("throttled"), "{hint}");
        // On AWS itself a 501 (S3's NotImplemented for a header) is no
        // missing service, and no throttling either.
        assert_eq!(not_served.hint_with(&|_| false), None);

        let refused = transport(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        let hint = refused.hint().unwrap_or_default();
        assert!(hint.contains("AWS_ENDPOINT_URL_ECS"), "{hint}");
        let timeout = transport(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert!(
            timeout
                .hint()
                .unwrap_or_default()
                .contains("check credentials"),
            "{:?}",
            timeout.hint()
        );
    }
}
