//! The log group's calls (`CloudWatch` Logs), found by name.

use awsdeploy_plan::LogsStep;
use awsdeploy_plan::live::LiveLogGroup;

use crate::error::{already_done, sdk};
use crate::tags::Owner;
use crate::{AwsError, StepContext};

/// Which of the stack's log lines `awsdeploy logs` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    /// The start of the streams' names: `api/` (the service's tasks),
    /// `migrate/`, or one task's `api/api/<id>`.
    pub stream_prefix: String,
    /// Lines from this time on (Unix milliseconds).
    pub since_ms: i64,
    /// A `CloudWatch` Logs filter pattern.
    pub pattern: Option<String>,
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub id: String,
    /// Unix milliseconds.
    pub timestamp_ms: i64,
    /// The task's id: the last part of the stream's name.
    pub task: String,
    pub message: String,
}

/// The lines of `group` that `query` asks for, oldest first
/// (`FilterLogEvents`, every page).
pub(crate) async fn lines(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    query: &LogQuery,
) -> Result<Vec<LogLine>, AwsError> {
    let mut lines = Vec::new();
    let mut pages = logs
        .filter_log_events()
        .log_group_name(group)
        .log_stream_name_prefix(&query.stream_prefix)
        .start_time(query.since_ms)
        .set_filter_pattern(query.pattern.clone())
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = match page.map_err(sdk("FilterLogEvents", group)) {
            Ok(page) => page,
            // No group yet: no lines yet.
            Err(e) if already_done(&e, &["ResourceNotFoundException"]) => break,
            Err(e) => return Err(e),
        };
        lines.extend(page.events().iter().map(|event| {
            LogLine {
                id: event.event_id().unwrap_or_default().to_owned(),
                timestamp_ms: event.timestamp().unwrap_or_default(),
                task: event
                    .log_stream_name()
                    .and_then(|s| s.rsplit('/').next())
                    .unwrap_or_default()
                    .to_owned(),
                message: event.message().unwrap_or_default().trim_end().to_owned(),
            }
        }));
    }
    lines.sort_by_key(|line| line.timestamp_ms);
    Ok(lines)
}

pub(crate) async fn observe_log_group(
    logs: &aws_sdk_cloudwatchlogs::Client,
    owner: &Owner,
    name: &str,
) -> Result<Option<LiveLogGroup>, AwsError> {
    let out = logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(sdk("DescribeLogGroups", name))?;
    let Some(group) = out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
    else {
        return Ok(None);
    };
    // The ARN without the trailing `:*` names the group for tagging.
    let arn = group
        .arn()
        .unwrap_or_default()
        .trim_end_matches(":*")
        .to_owned();
    let tags = logs
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(sdk("ListTagsForResource", name))?;
    let tagged = owner.owns(
        tags.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))),
    );
    Ok(Some(LiveLogGroup {
        name: name.to_owned(),
        owned: tagged,
        retention_days: group.retention_in_days(),
    }))
}

/// Runs one logs step. Idempotent: "already exists" (and, for a
/// delete, "already gone") is success.
pub(crate) async fn run(step: &LogsStep, cx: &StepContext<'_>) -> Result<Option<String>, AwsError> {
    let clients = cx.clients;
    let name = cx.name();
    let tags = cx.tags();
    match step {
        LogsStep::DeleteLogGroup { name: group } => {
            let deleted = clients
                .logs
                .delete_log_group()
                .log_group_name(group)
                .send()
                .await
                .map_err(sdk("DeleteLogGroup", group.as_str()));
            match deleted {
                Err(e) if already_done(&e, &["ResourceNotFoundException"]) => Ok(None),
                other => other.map(|_| None),
            }
        }
        LogsStep::CreateLogGroup {
            name: group,
            retention_days,
        } => {
            let created = clients
                .logs
                .create_log_group()
                .log_group_name(group)
                .set_tags(Some(
                    tags.iter()
                        .map(|(k, v)| ((*k).to_owned(), v.clone()))
                        .collect(),
                ))
                .send()
                .await
                .map_err(sdk("CreateLogGroup", name));
            if let Err(e) = created
                && !already_done(&e, &["ResourceAlreadyExistsException"])
            {
                return Err(e);
            }
            set_retention(&clients.logs, group, *retention_days).await?;
            Ok(Some(group.clone()))
        }
        LogsStep::SetLogRetention {
            name: group,
            retention_days,
        } => {
            set_retention(&clients.logs, group, *retention_days).await?;
            Ok(None)
        }
    }
}

async fn set_retention(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    days: i32,
) -> Result<(), AwsError> {
    logs.put_retention_policy()
        .log_group_name(group)
        .retention_in_days(days)
        .send()
        .await
        .map_err(sdk("PutRetentionPolicy", group))?;
    Ok(())
}
