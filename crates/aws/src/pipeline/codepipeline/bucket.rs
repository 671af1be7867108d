//! The pipeline's artifact bucket (S3): found by name, made private,
//! encrypted and versioned with an expiry rule, and emptied of every
//! version before it is deleted.

use aws_sdk_s3::types as s3;
use awsdeploy_plan::pipeline::codepipeline::LiveBucket;

use crate::error::{already_done, built, sdk};
use crate::tags::Owner;
use crate::{AwsError, Clients, StepContext};

/// The lifecycle rule awsdeploy puts on the bucket.
const LIFECYCLE_RULE: &str = "awsdeploy-expire";

/// Whether the bucket `name` is ours, and whether it has no tags at all;
/// `None` when there is no such bucket.
async fn bucket_ownership(
    s3c: &aws_sdk_s3::Client,
    owner: &Owner,
    name: &str,
) -> Result<Option<(bool, bool)>, AwsError> {
    // S3 cannot tag a bucket as it makes it: one with no tags at all is
    // what a run stopped before tagging it leaves (`untagged`).
    match s3c
        .get_bucket_tagging()
        .bucket(name)
        .send()
        .await
        .map_err(sdk("GetBucketTagging", name))
    {
        Ok(out) => Ok(Some((
            owner.owns(
                out.tag_set()
                    .iter()
                    .map(|t| (Some(t.key()), Some(t.value()))),
            ),
            out.tag_set().is_empty(),
        ))),
        Err(e) if already_done(&e, &["NoSuchBucket"]) => Ok(None),
        Err(e) if already_done(&e, &["NoSuchTagSet"]) => Ok(Some((false, true))),
        Err(e) => Err(e),
    }
}

pub(super) async fn observe_bucket(
    clients: &Clients,
    owner: &Owner,
    name: &str,
) -> Result<Option<LiveBucket>, AwsError> {
    let s3c = &clients.s3;
    let Some((ours, untagged)) = bucket_ownership(s3c, owner, name).await? else {
        return Ok(None);
    };
    let encrypted = async {
        match s3c
            .get_bucket_encryption()
            .bucket(name)
            .send()
            .await
            .map_err(sdk("GetBucketEncryption", name))
        {
            Ok(out) => Ok(out
                .server_side_encryption_configuration()
                .is_some_and(|c| !c.rules().is_empty())),
            Err(e) if already_done(&e, &["ServerSideEncryptionConfigurationNotFoundError"]) => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    };
    let blocked = async {
        match s3c
            .get_public_access_block()
            .bucket(name)
            .send()
            .await
            .map_err(sdk("GetPublicAccessBlock", name))
        {
            Ok(out) => Ok(out.public_access_block_configuration().is_some_and(|c| {
                c.block_public_acls() == Some(true)
                    && c.ignore_public_acls() == Some(true)
                    && c.block_public_policy() == Some(true)
                    && c.restrict_public_buckets() == Some(true)
            })),
            Err(e) if already_done(&e, &["NoSuchPublicAccessBlockConfiguration"]) => Ok(false),
            Err(e) => Err(e),
        }
    };
    let versioned = async {
        let out = s3c
            .get_bucket_versioning()
            .bucket(name)
            .send()
            .await
            .map_err(sdk("GetBucketVersioning", name))?;
        Ok::<_, AwsError>(out.status() == Some(&s3::BucketVersioningStatus::Enabled))
    };
    let expiry = async {
        match s3c
            .get_bucket_lifecycle_configuration()
            .bucket(name)
            .send()
            .await
            .map_err(sdk("GetBucketLifecycleConfiguration", name))
        {
            Ok(out) => Ok(out
                .rules()
                .iter()
                .find(|r| r.id() == Some(LIFECYCLE_RULE))
                .and_then(|r| r.expiration())
                .and_then(aws_sdk_s3::types::LifecycleExpiration::days)
                .and_then(|d| u32::try_from(d).ok())),
            Err(e) if already_done(&e, &["NoSuchLifecycleConfiguration"]) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let (encrypted, public_access_blocked, versioned, expiry_days) =
        tokio::try_join!(encrypted, blocked, versioned, expiry)?;
    Ok(Some(LiveBucket {
        name: name.to_owned(),
        owned: ours,
        untagged,
        encrypted,
        public_access_blocked,
        versioned,
        expiry_days,
    }))
}

pub(crate) async fn create_bucket(
    cx: &StepContext<'_>,
    name: &str,
    region: &str,
    expiry_days: u32,
) -> Result<Option<String>, AwsError> {
    let mut create = cx.clients.s3.create_bucket().bucket(name);
    // us-east-1 is the one region that takes no location constraint.
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            s3::CreateBucketConfiguration::builder()
                .location_constraint(region.into())
                .build(),
        );
    }
    match create.send().await.map_err(sdk("CreateBucket", name)) {
        Err(e) if already_done(&e, &["BucketAlreadyOwnedByYou"]) => {}
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    configure_bucket(cx, name, expiry_days).await?;
    Ok(Some(name.to_owned()))
}

/// Encryption, no public access, versioning, the lifecycle rule and the
/// tags: each a PUT of the whole setting, so running it again is safe.
pub(crate) async fn configure_bucket(
    cx: &StepContext<'_>,
    name: &str,
    expiry_days: u32,
) -> Result<Option<String>, AwsError> {
    let s3c = &cx.clients.s3;

    let encryption = s3::ServerSideEncryptionConfiguration::builder()
        .rules(
            s3::ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    s3::ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(s3::ServerSideEncryption::Aes256)
                        .build()
                        .map_err(built("PutBucketEncryption"))?,
                )
                .build(),
        )
        .build()
        .map_err(built("PutBucketEncryption"))?;
    s3c.put_bucket_encryption()
        .bucket(name)
        .server_side_encryption_configuration(encryption)
        .send()
        .await
        .map_err(sdk("PutBucketEncryption", name))?;
    s3c.put_public_access_block()
        .bucket(name)
        .public_access_block_configuration(
            s3::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(sdk("PutPublicAccessBlock", name))?;
    s3c.put_bucket_versioning()
        .bucket(name)
        .versioning_configuration(
            s3::VersioningConfiguration::builder()
                .status(s3::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(sdk("PutBucketVersioning", name))?;
    let days = i32::try_from(expiry_days).unwrap_or(i32::MAX);
    let rule = s3::LifecycleRule::builder()
        .id(LIFECYCLE_RULE)
        .status(s3::ExpirationStatus::Enabled)
        .filter(s3::LifecycleRuleFilter::builder().prefix("").build())
        .expiration(s3::LifecycleExpiration::builder().days(days).build())
        .noncurrent_version_expiration(
            s3::NoncurrentVersionExpiration::builder()
                .noncurrent_days(days)
                .build(),
        )
        .abort_incomplete_multipart_upload(
            s3::AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(7)
                .build(),
        )
        .build()
        .map_err(built("PutBucketLifecycleConfiguration"))?;
    s3c.put_bucket_lifecycle_configuration()
        .bucket(name)
        .lifecycle_configuration(
            s3::BucketLifecycleConfiguration::builder()
                .rules(rule)
                .build()
                .map_err(built("PutBucketLifecycleConfiguration"))?,
        )
        .send()
        .await
        .map_err(sdk("PutBucketLifecycleConfiguration", name))?;
    let tags = cx
        .tags()
        .iter()
        .map(|(k, v)| s3::Tag::builder().key(*k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(built("PutBucketTagging"))?;
    s3c.put_bucket_tagging()
        .bucket(name)
        .tagging(
            s3::Tagging::builder()
                .set_tag_set(Some(tags))
                .build()
                .map_err(built("PutBucketTagging"))?,
        )
        .send()
        .await
        .map_err(sdk("PutBucketTagging", name))?;
    Ok(None)
}

/// `down`: every version of every object, then the bucket.
pub(crate) async fn delete_bucket(
    clients: &Clients,
    name: &str,
) -> Result<Option<String>, AwsError> {
    loop {
        let listed = match clients
            .s3
            .list_object_versions()
            .bucket(name)
            .send()
            .await
            .map_err(sdk("ListObjectVersions", name))
        {
            Ok(out) => out,
            Err(e) if already_done(&e, &["NoSuchBucket"]) => return Ok(None),
            Err(e) => return Err(e),
        };
        let objects: Vec<s3::ObjectIdentifier> = listed
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                listed
                    .delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            )
            .filter_map(|(key, version)| {
                s3::ObjectIdentifier::builder()
                    .key(key?)
                    .set_version_id(version.map(str::to_owned))
                    .build()
                    .ok()
            })
            .collect();
        if objects.is_empty() {
            break;
        }
        let delete = s3::Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(built("DeleteObjects"))?;
        let out = clients
            .s3
            .delete_objects()
            .bucket(name)
            .delete(delete)
            .send()
            .await
            .map_err(sdk("DeleteObjects", name))?;
        // A 200 can still refuse some keys (AccessDenied on a version, an
        // object lock): listing again would find them for ever.
        if let Some(refused) = refused_keys(out.errors()) {
            return Err(AwsError::Request {
                operation: "DeleteObjects",
                message: format!("S3 kept objects of bucket {name}: {refused}"),
            });
        }
    }
    match clients
        .s3
        .delete_bucket()
        .bucket(name)
        .send()
        .await
        .map_err(sdk("DeleteBucket", name))
    {
        Err(e) if !already_done(&e, &["NoSuchBucket"]) => Err(e),
        _ => Ok(None),
    }
}

/// `DeleteObjects`' per-key errors, described (the first few), if any.
fn refused_keys(errors: &[s3::Error]) -> Option<String> {
    if errors.is_empty() {
        return None;
    }
    let mut listed: Vec<String> = errors
        .iter()
        .take(3)
        .map(|e| {
            format!(
                "{} ({}: {})",
                e.key().unwrap_or("?"),
                e.code().unwrap_or("error"),
                e.message().unwrap_or("no message")
            )
        })
        .collect();
    if errors.len() > 3 {
        listed.push(format!("and {} more", errors.len() - 3));
    }
    Some(listed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_keys_are_named_and_none_is_none() {
        assert_eq!(refused_keys(&[]), None);
        let error = |key: &str| {
            s3::Error::builder()
                .key(key)
                .code("AccessDenied")
                .message("Access Denied")
                .build()
        };
        let errors: Vec<s3::Error> = ["a", "b", "c", "d"].into_iter().map(error).collect();
        assert_eq!(
            refused_keys(&errors).unwrap(),
            "a (AccessDenied: Access Denied), b (AccessDenied: Access Denied), c (AccessDenied: Access Denied), and 1 more"
        );
    }
}
