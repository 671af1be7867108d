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
        operation: &'static str,
        resource: String,
        code: String,
        message: String,
        request_id: Option<String>,
        /// The HTTP status of AWS's answer.
        status: u16,
    },
    /// No answer: credentials, network, endpoint, timeout.
    #[error("{operation} for {resource} could not be sent or got no answer")]
    Transport {
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
        match error.as_service_error() {
            Some(service) => AwsError::Service {
                operation,
                resource,
                code: service.code().unwrap_or("Unknown").to_owned(),
                message: service.message().unwrap_or_default().to_owned(),
                request_id: service.request_id().map(str::to_owned),
                status: error.raw_response().map_or(0, |r| r.status().as_u16()),
            },
            None => AwsError::Transport {
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
