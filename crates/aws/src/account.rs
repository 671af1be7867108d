//! The account and what the service needs from it: who the credentials
//! are (STS: the account id and partition every ARN is built with), the
//! secrets the spec names (Secrets Manager: their ARNs and keys, never
//! their values), and the registry, log group and roles, read concurrently.

use awsdeploy_plan::names::{execution_role_name, task_role_name};
use std::collections::BTreeMap;

use awsdeploy_plan::live::{LiveAccount, Lookups};
use awsdeploy_plan::names::log_group_name;
use futures_util::future::try_join_all;

use crate::error::{already_done, sdk};
use crate::tags::Owner;
use crate::{AwsError, Clients, iam, logs, registry};

pub async fn observe(
    clients: &Clients,
    cache: &tokio::sync::OnceCell<Identity>,
    owner: &Owner,
    lookups: &Lookups,
) -> Result<LiveAccount, AwsError> {
    let repository = async {
        match &lookups.repository {
            Some(name) => {
                registry::observe_repository(
                    &clients.ecr,
                    owner,
                    name,
                    lookups.image_tag.as_deref(),
                )
                .await
            }
            None => Ok((None, None)),
        }
    };
    let log_group = async {
        if lookups.service {
            logs::observe_log_group(
                &clients.logs,
                owner,
                &log_group_name(&owner.app, &owner.env),
            )
            .await
        } else {
            Ok(None)
        }
    };
    let roles = async {
        if !lookups.service {
            return Ok(Vec::new());
        }
        let names = [
            execution_role_name(&owner.app, &owner.env),
            task_role_name(&owner.app, &owner.env),
        ];
        let found = try_join_all(
            names
                .iter()
                .map(|n| iam::observe_role(&clients.iam, owner, n)),
        )
        .await?;
        Ok::<_, AwsError>(found.into_iter().flatten().collect::<Vec<_>>())
    };
    let secrets = try_join_all(lookups.secrets.iter().map(|name| secret(clients, name)));
    let boundary = observe_boundary(clients, owner, lookups);
    let ((repository, image_present), log_group, roles, secrets, boundary) =
        tokio::try_join!(repository, log_group, roles, secrets, boundary)?;
    // The account: known already (the deploy lock asked), read off a role
    // of ours (GetRole by name answers from the caller's own account), or
    // asked of STS: a no-op `diff` needs no call of its own for it.
    let (account_id, partition) =
        if lookups.service || lookups.repository.is_some() || lookups.alarms {
            let known = cache
                .get()
                .map(|identity| (identity.account.clone(), identity.partition.clone()))
                .or_else(|| roles.iter().find_map(|(_, arn)| account_of(arn)));
            let (account, partition) = if let Some(known) = known {
                known
            } else {
                let identity = identity(clients, cache).await?;
                (identity.account, identity.partition)
            };
            (Some(account), partition)
        } else {
            (None, None)
        };
    let roles = roles.into_iter().map(|(role, _)| role).collect();
    Ok(LiveAccount {
        account_id,
        partition,
        repository,
        image_present,
        log_group,
        roles,
        boundary,
        secret_keys: secrets
            .iter()
            .filter_map(|(name, _, key)| Some((name.clone(), key.clone()?)))
            .collect(),
        secrets: secrets
            .into_iter()
            .map(|(name, arn, _)| (name, arn))
            .collect::<BTreeMap<_, _>>(),
    })
}

/// The boundary every role of the env carries: looked for wherever roles
/// are.
async fn observe_boundary(
    clients: &Clients,
    owner: &Owner,
    lookups: &Lookups,
) -> Result<Option<awsdeploy_plan::live::LiveBoundary>, AwsError> {
    if lookups.service || lookups.github_role || lookups.codepipeline.is_some() {
        iam::boundary::observe(
            &clients.iam,
            owner,
            &awsdeploy_plan::names::boundary_policy_name(&owner.app, &owner.env),
        )
        .await
    } else {
        Ok(None)
    }
}

/// The credentials' account id and partition (`GetCallerIdentity`).
/// The account and partition of an IAM ARN
/// (`arn:<partition>:iam::<account>:role/<name>`).
fn account_of(arn: &str) -> Option<(String, Option<String>)> {
    let mut parts = arn.split(':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| (account.to_owned(), Some(partition.to_owned())))
}

/// Who the credentials are: what `GetCallerIdentity` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    /// The user's or assumed role's ARN.
    pub arn: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, from the ARN.
    pub partition: Option<String>,
}

/// The credentials' identity, read once per process (the deploy lock and
/// observation both need it).
pub(crate) async fn identity(
    clients: &Clients,
    cache: &tokio::sync::OnceCell<Identity>,
) -> Result<Identity, AwsError> {
    cache
        .get_or_try_init(|| read_identity(clients))
        .await
        .cloned()
}

async fn read_identity(clients: &Clients) -> Result<Identity, AwsError> {
    let out = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(sdk("GetCallerIdentity", "the credentials"))?;
    let missing = |field| AwsError::MissingField {
        operation: "GetCallerIdentity",
        resource: "the credentials".to_owned(),
        field,
    };
    let arn = out.arn().ok_or_else(|| missing("Arn"))?.to_owned();
    Ok(Identity {
        account: out.account().ok_or_else(|| missing("Account"))?.to_owned(),
        // arn:<partition>:iam::<account>:…
        partition: arn.split(':').nth(1).map(str::to_owned),
        arn,
    })
}

/// A secret the spec names: its ARN and customer managed key, if any
/// (`DescribeSecret`, which never returns the value); `None`s when it does
/// not exist.
async fn secret(
    clients: &Clients,
    name: &String,
) -> Result<(String, Option<String>, Option<String>), AwsError> {
    let out = clients
        .secrets
        .describe_secret()
        .secret_id(name)
        .send()
        .await
        .map_err(sdk("DescribeSecret", name.as_str()));
    match out {
        Ok(out) => Ok((
            name.clone(),
            out.arn().map(str::to_owned),
            // Absent (or AWS's own alias) for the AWS managed key.
            out.kms_key_id()
                .filter(|k| *k != "alias/aws/secretsmanager")
                .map(str::to_owned),
        )),
        Err(e) if already_done(&e, &["ResourceNotFoundException"]) => {
            Ok((name.clone(), None, None))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::account_of;

    #[test]
    fn the_account_is_read_off_an_iam_arn_and_nothing_else() {
        assert_eq!(
            account_of("arn:aws-cn:iam::123456789012:role/shop-dev-api-execution"),
            Some(("123456789012".to_owned(), Some("aws-cn".to_owned())))
        );
        assert_eq!(account_of("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
        assert_eq!(
            account_of("arn:aws:ecs:us-east-1:123456789012:cluster/x"),
            None
        );
        assert_eq!(account_of("not an arn"), None);
    }
}
