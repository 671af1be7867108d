//! The deploy lock: one item in the `DynamoDB` table `{app}-{env}-lock`, so
//! that runs on different machines (CI runners, laptops) never change one
//! environment at once.
//!
//! - Taken with a conditional `PutItem` (`attribute_not_exists`): atomic,
//!   so of two runs exactly one gets it. The table is made on first
//!   use (`CreateTable`, on demand, tagged like everything else) and waited
//!   for until `ACTIVE`.
//! - A lease: the item says when it expires; while the run lives a task
//!   renews it (`UpdateItem`, conditional on the lock id) every quarter of
//!   the lease, so a run killed with `kill -9` blocks the environment for
//!   about one lease. A waiter takes a lock over once it has seen the item
//!   unchanged for a whole lease on its own monotonic clock (a `PutItem`
//!   conditional on the very item it saw): `expires_at` is another
//!   machine's clock, and a runner whose clock is fast would otherwise take
//!   a live lock. Only a lock expired longer ago than clocks that reach AWS
//!   can disagree (ten minutes) is taken at once.
//! - Released with a `DeleteItem` conditional on the lock id, so a run whose
//!   lock was broken never deletes another run's.
//!
//! A no-op `up` pays two calls for it (`PutItem`, `DeleteItem`); the holder's
//! ARN comes from the `GetCallerIdentity` observation makes anyway when the
//! spec has a registry or a service (a third call otherwise).

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TableStatus, Tag,
};
use tokio::task::JoinHandle;

use crate::error::{already_done, sdk};
use crate::wait::{self, Check};
use crate::{AwsError, Clients, tags::Owner};

/// The item's key: one lock per table, so one per app and env.
const KEY: &str = "deploy";
/// How long a lock outlives its last renewal. `AWSDEPLOY_LOCK_LEASE_SECS`
/// overrides it (tests use a few seconds).
const LEASE: Duration = Duration::from_secs(120);
/// How long a table AWS is still making is waited for.
const TABLE_DEADLINE: Duration = Duration::from_secs(300);
/// How far apart two machines' clocks can be: AWS refuses a request
/// signed more than five minutes off its own time (`SigV4`,
/// `RequestTimeTooSkewed`), so two machines that reach it are at most ten
/// minutes apart.
const MAX_SKEW: Duration = Duration::from_secs(600);
/// How often a run waiting for the lock tries again.
const RETRY: Duration = Duration::from_secs(2);

/// The lock table's name.
pub fn table_name(app: &str, env: &str) -> String {
    awsdeploy_plan::names::lock_table_name(app, env)
}

fn lease() -> Duration {
    std::env::var("AWSDEPLOY_LOCK_LEASE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(LEASE, Duration::from_secs)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Who holds a lock, as its item records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The lock's id: what `awsdeploy unlock` takes.
    pub id: String,
    /// The caller's ARN (a user or an assumed role).
    pub who: String,
    pub host: String,
    /// The command that took it (`up`, `migrate`, `web-release`).
    pub command: String,
    /// Unix seconds.
    pub started_at: u64,
    pub expires_at: u64,
    /// The CI run's URL, when the run names one (GitHub Actions,
    /// `CodeBuild`, `GitLab`).
    pub ci_url: Option<String>,
}

impl Holder {
    /// How long it has been held.
    pub fn held_for(&self) -> Duration {
        Duration::from_secs(now_secs().saturating_sub(self.started_at))
    }

    fn item(&self) -> HashMap<String, AttributeValue> {
        let mut item = HashMap::from([
            ("lock".to_owned(), AttributeValue::S(KEY.to_owned())),
            ("id".to_owned(), AttributeValue::S(self.id.clone())),
            ("who".to_owned(), AttributeValue::S(self.who.clone())),
            ("host".to_owned(), AttributeValue::S(self.host.clone())),
            (
                "command".to_owned(),
                AttributeValue::S(self.command.clone()),
            ),
            (
                "started_at".to_owned(),
                AttributeValue::N(self.started_at.to_string()),
            ),
            (
                "expires_at".to_owned(),
                AttributeValue::N(self.expires_at.to_string()),
            ),
        ]);
        if let Some(url) = &self.ci_url {
            item.insert("ci_url".to_owned(), AttributeValue::S(url.clone()));
        }
        item
    }

    fn from_item(item: &HashMap<String, AttributeValue>) -> Holder {
        let text = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        let number = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        Holder {
            id: text("id"),
            who: text("who"),
            host: text("host"),
            command: text("command"),
            started_at: number("started_at"),
            expires_at: number("expires_at"),
            ci_url: item.get("ci_url").and_then(|v| v.as_s().ok()).cloned(),
        }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self.held_for().as_secs();
        write!(
            f,
            "{} on {} (`awsdeploy {}`, for {}m{:02}s",
            self.who,
            self.host,
            self.command,
            held / 60,
            held % 60
        )?;
        if let Some(url) = &self.ci_url {
            write!(f, ", {url}")?;
        }
        write!(f, "; lock id {})", self.id)
    }
}

/// The CI run this process belongs to, from the variables CI sets.
fn ci_url() -> Option<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(server), Some(repository), Some(run)) = (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_RUN_ID"),
    ) {
        return Some(format!("{server}/{repository}/actions/runs/{run}"));
    }
    var("CODEBUILD_BUILD_URL").or_else(|| var("CI_JOB_URL"))
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown host".to_owned())
}

/// A fresh lock id: this host, process and instant, hashed.
fn new_id(host: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!("{host}/{}/{nanos}", std::process::id());
    awsdeploy_spec::artifact::sha256_hex(seed.as_bytes())[..12].to_owned()
}

/// A lock this run holds; [`Lock::release`] gives it back. Dropped without
/// release, it stops being renewed and expires after its lease.
#[derive(Debug)]
pub struct Lock {
    holder: Holder,
    table: String,
    dynamodb: aws_sdk_dynamodb::Client,
    renewal: JoinHandle<()>,
}

impl Lock {
    /// The lock `holder` took in `table`, renewed from now on.
    fn held(clients: &Clients, table: String, holder: Holder, lease: Duration) -> Lock {
        let renewal = tokio::spawn(renew(
            clients.dynamodb.clone(),
            table.clone(),
            holder.id.clone(),
            lease,
        ));
        Lock {
            holder,
            table,
            dynamodb: clients.dynamodb.clone(),
            renewal,
        }
    }

    pub fn holder(&self) -> &Holder {
        &self.holder
    }

    /// Deletes the lock, if it is still this run's.
    pub async fn release(self) -> Result<(), AwsError> {
        self.renewal.abort();
        let deleted = self
            .dynamodb
            .delete_item()
            .table_name(&self.table)
            .key("lock", AttributeValue::S(KEY.to_owned()))
            .condition_expression("id = :id")
            .expression_attribute_values(":id", AttributeValue::S(self.holder.id.clone()))
            .send()
            .await
            .map_err(sdk("DeleteItem", self.table.as_str()));
        match deleted {
            // Deleted already (the SDK sent the delete again after its
            // answer was lost), broken by `unlock`, or taken over after
            // it expired.
            Err(e) if already_done(&e, &["ConditionalCheckFailedException"]) => {
                if read(&self.dynamodb, &self.table).await?.is_some() {
                    tracing::warn!(
                        "warning: the deploy lock was no longer this run's when it ended"
                    );
                }
                Ok(())
            }
            Err(e) => Err(e),
            Ok(_) => Ok(()),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

/// Takes the lock for `command`, waiting up to `timeout` for a holder to
/// give it back; `on_wait` hears about the holder once, when waiting
/// starts.
pub(crate) async fn acquire(
    clients: &Clients,
    owner: &Owner,
    who: &str,
    command: &str,
    timeout: Duration,
    on_wait: &(dyn Fn(&Holder) + Sync),
) -> Result<Lock, AwsError> {
    let table = table_name(&owner.app, &owner.env);
    let host = host_name();
    let lease = lease();
    let started = tokio::time::Instant::now();
    let mut told = false;
    // One id for every attempt: a put whose answer was lost and that the
    // SDK sent again finds the lock held by this very id, which is ours.
    let id = new_id(&host);
    // The holder's item as last read, and when (on this machine's
    // monotonic clock) it was first seen so: clocks of different machines
    // disagree, so a lease is over only once the item has stayed the same
    // (no renewal) for a whole lease here.
    let mut seen: Option<(Holder, tokio::time::Instant)> = None;
    loop {
        let now = now_secs();
        let holder = Holder {
            id: id.clone(),
            who: who.to_owned(),
            host: host.clone(),
            command: command.to_owned(),
            started_at: now,
            expires_at: now + lease.as_secs(),
            ci_url: ci_url(),
        };
        let stale = seen
            .as_ref()
            .filter(|(_, at)| at.elapsed() >= lease)
            .map(|(h, _)| h);
        let mut put = clients
            .dynamodb
            .put_item()
            .table_name(&table)
            .set_item(Some(holder.item()));
        put = match stale {
            // A lock expired longer ago than two clocks can disagree is
            // dead whoever's clock is right: taken at once.
            None => put
                .condition_expression("attribute_not_exists(#lock) OR expires_at < :stale")
                .expression_attribute_names("#lock", "lock")
                .expression_attribute_values(
                    ":stale",
                    AttributeValue::N(now.saturating_sub(MAX_SKEW.as_secs()).to_string()),
                ),
            Some(stale) => put
                .condition_expression("id = :id AND expires_at = :expires")
                .expression_attribute_values(":id", AttributeValue::S(stale.id.clone()))
                .expression_attribute_values(
                    ":expires",
                    AttributeValue::N(stale.expires_at.to_string()),
                ),
        };
        if let Some(stale) = stale {
            tracing::info!(
                "the deploy lock {} was not renewed for a whole lease: taking it over",
                stale.id
            );
        }
        match put.send().await.map_err(sdk("PutItem", table.as_str())) {
            Ok(_) => return Ok(Lock::held(clients, table, holder, lease)),
            Err(e) if already_done(&e, &["ResourceNotFoundException"]) => {
                create_table(clients, owner, &table).await?;
            }
            Err(e) if already_done(&e, &["ConditionalCheckFailedException"]) => {
                // Held: by whom (it may have been released meanwhile).
                let Some(current) = read_item(&clients.dynamodb, &table).await? else {
                    seen = None;
                    continue;
                };
                if current.id == id {
                    tracing::info!("the deploy lock's put was sent again: the lock is this run's");
                    return Ok(Lock::held(clients, table, current, lease));
                }
                if seen.as_ref().is_none_or(|(h, _)| *h != current) {
                    seen = Some((current.clone(), tokio::time::Instant::now()));
                }
                let waited = started.elapsed();
                if waited >= timeout {
                    return Err(AwsError::Locked {
                        holder: Box::new(current),
                        env: owner.env.clone(),
                    });
                }
                if !told {
                    on_wait(&current);
                    told = true;
                }
                tokio::time::sleep(RETRY.min(timeout.saturating_sub(waited))).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Renews the lease every quarter of it, until aborted or the lock is no
/// longer this run's.
async fn renew(dynamodb: aws_sdk_dynamodb::Client, table: String, id: String, lease: Duration) {
    let every = (lease / 4).max(Duration::from_secs(1));
    loop {
        tokio::time::sleep(every).await;
        let renewed = dynamodb
            .update_item()
            .table_name(&table)
            .key("lock", AttributeValue::S(KEY.to_owned()))
            .update_expression("SET expires_at = :expires")
            .condition_expression("id = :id")
            .expression_attribute_values(":id", AttributeValue::S(id.clone()))
            .expression_attribute_values(
                ":expires",
                AttributeValue::N((now_secs() + lease.as_secs()).to_string()),
            )
            .send()
            .await
            .map_err(sdk("UpdateItem", table.as_str()));
        match renewed {
            Ok(_) => {}
            Err(e) if already_done(&e, &["ConditionalCheckFailedException"]) => {
                tracing::warn!(
                    "warning: the deploy lock was broken by someone else (`awsdeploy unlock`); this run goes on without it"
                );
                return;
            }
            // Tried again at the next tick; the lease has room for it.
            Err(e) => tracing::warn!("warning: could not renew the deploy lock: {e}"),
        }
    }
}

/// The lock's holder, if the environment is locked (a strongly consistent
/// read; a lock expired by this machine's clock is no holder).
pub(crate) async fn read(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<Option<Holder>, AwsError> {
    Ok(read_item(dynamodb, table)
        .await?
        .filter(|h| h.expires_at >= now_secs()))
}

/// The lock's item, expired or not (a strongly consistent read).
async fn read_item(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<Option<Holder>, AwsError> {
    let got = dynamodb
        .get_item()
        .table_name(table)
        .key("lock", AttributeValue::S(KEY.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .map_err(sdk("GetItem", table));
    match got {
        Ok(out) => Ok(out.item().map(Holder::from_item)),
        Err(e) if already_done(&e, &["ResourceNotFoundException"]) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Breaks the lock `id`: refused when the lock held is another (or none).
pub(crate) async fn unlock(clients: &Clients, owner: &Owner, id: &str) -> Result<Holder, AwsError> {
    let table = table_name(&owner.app, &owner.env);
    let current = read(&clients.dynamodb, &table).await?;
    let Some(holder) = current.filter(|h| h.id == id) else {
        return Err(AwsError::NotLocked {
            id: id.to_owned(),
            env: owner.env.clone(),
        });
    };
    let deleted = clients
        .dynamodb
        .delete_item()
        .table_name(&table)
        .key("lock", AttributeValue::S(KEY.to_owned()))
        .condition_expression("id = :id")
        .expression_attribute_values(":id", AttributeValue::S(id.to_owned()))
        .send()
        .await
        .map_err(sdk("DeleteItem", table.as_str()));
    match deleted {
        Err(e) if already_done(&e, &["ConditionalCheckFailedException"]) => {
            Err(AwsError::NotLocked {
                id: id.to_owned(),
                env: owner.env.clone(),
            })
        }
        Err(e) => Err(e),
        Ok(_) => Ok(holder),
    }
}

/// Deletes the lock table (`down`, once everything else is gone and the
/// lock given back); already gone is done.
pub(crate) async fn delete_table(clients: &Clients, owner: &Owner) -> Result<(), AwsError> {
    let table = table_name(&owner.app, &owner.env);
    let deleted = clients
        .dynamodb
        .delete_table()
        .table_name(&table)
        .send()
        .await
        .map_err(sdk("DeleteTable", table.as_str()));
    match deleted {
        Err(e) if already_done(&e, &["ResourceNotFoundException"]) => Ok(()),
        other => other.map(drop),
    }
}

/// Makes the lock table (on demand, tagged) and waits until it is
/// `ACTIVE`; one another run is making is waited for.
async fn create_table(clients: &Clients, owner: &Owner, table: &str) -> Result<(), AwsError> {
    let tags = owner
        .tags_of("lock", table)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AwsError::Request {
            operation: "CreateTable",
            message: e.to_string(),
        })?;
    let build = |e: aws_sdk_dynamodb::error::BuildError| AwsError::Request {
        operation: "CreateTable",
        message: e.to_string(),
    };
    let created = clients
        .dynamodb
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("lock")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build)?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("lock")
                .key_type(KeyType::Hash)
                .build()
                .map_err(build)?,
        )
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(sdk("CreateTable", table));
    if let Err(e) = created
        && !already_done(&e, &["ResourceInUseException"])
    {
        return Err(e);
    }
    wait::until(
        &format!("the lock table {table}"),
        TABLE_DEADLINE,
        Duration::from_millis(500),
        || async {
            let out = clients
                .dynamodb
                .describe_table()
                .table_name(table)
                .send()
                .await
                .map_err(sdk("DescribeTable", table))?;
            let status = out.table().and_then(|t| t.table_status().cloned());
            Ok(match status {
                Some(TableStatus::Active) => Check::Ready(()),
                other => Check::Pending(
                    other.map_or_else(|| "unknown".to_owned(), |s| s.as_str().to_owned()),
                ),
            })
        },
    )
    .await
}
