//! What is live of the pipeline, and the settings awsdeploy compares it
//! by: GitHub's provider and role, and the CodePipeline runner's
//! connection, bucket, log group, roles, projects and pipeline. Imports
//! nothing of the planner but [`Ref`] and the live types, so the observed
//! state ([`crate::live`]) can hold it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Ref;
use crate::live::{LiveLogGroup, LiveRole};

/// A CodeBuild project as awsdeploy sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProjectSettings {
    pub image: String,
    pub compute_type: String,
    /// Docker in the build (`docker build`).
    pub privileged: bool,
    pub service_role: String,
    /// The buildspec: YAML, or a path in the repository.
    pub buildspec: String,
    pub log_group: String,
    pub timeout_minutes: i32,
}

/// The pipeline as awsdeploy sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PipelineSettings {
    pub role_arn: String,
    pub bucket: String,
    /// The connection's ARN: planned when the connection is made too.
    pub connection: Ref,
    pub repository: String,
    pub branch: String,
    pub build_project: String,
    pub deploy_project: String,
}

/// What is live of the CodePipeline runner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveCodePipeline {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<LiveConnection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<LiveBucket>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<LiveLogGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<LiveRole>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<LiveProject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<LivePipelineDefinition>,
}

impl LiveCodePipeline {
    pub fn is_empty(&self) -> bool {
        *self == LiveCodePipeline::default()
    }

    pub(crate) fn sort(&mut self) {
        self.roles.sort_by(|a, b| a.name.cmp(&b.name));
        self.projects.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveConnection {
    pub name: String,
    pub arn: String,
    /// `PENDING` until someone finishes the handshake in the console,
    /// then `AVAILABLE` (or `ERROR`).
    pub status: String,
    pub owned: bool,
}

/// The bucket's settings as S3 reports them, each on or off.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveBucket {
    pub name: String,
    pub owned: bool,
    /// It has no tags at all: S3 cannot tag a bucket as it makes it, so a
    /// run stopped between `CreateBucket` and `PutBucketTagging` leaves it
    /// so. Its name holds the account id and the app's and env's prefix,
    /// so it is adopted and tagged.
    #[serde(default)]
    pub untagged: bool,
    pub encrypted: bool,
    pub public_access_blocked: bool,
    pub versioned: bool,
    /// The lifecycle rule's expiry, when it is awsdeploy's.
    pub expiry_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveProject {
    pub name: String,
    pub owned: bool,
    pub settings: ProjectSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePipelineDefinition {
    pub name: String,
    pub owned: bool,
    /// `None` when its stages are not the ones awsdeploy makes.
    pub settings: Option<PipelineSettings>,
}

/// What is live of the pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePipeline {
    /// The ARN of GitHub's OIDC provider in the account, whoever made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_provider: Option<String>,
    /// Its audiences (`ClientIDList`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_audiences: Vec<String>,
    /// The role GitHub Actions deploys with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_role: Option<LiveRole>,
    /// The role GitHub Actions' build job pushes the image with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_build_role: Option<LiveRole>,
    /// The CodePipeline runner's resources.
    #[serde(default, skip_serializing_if = "LiveCodePipeline::is_empty")]
    pub codepipeline: LiveCodePipeline,
}

impl LivePipeline {
    pub fn is_empty(&self) -> bool {
        *self == LivePipeline::default()
    }

    pub(crate) fn sort(&mut self) {
        for role in [&mut self.github_role, &mut self.github_build_role]
            .into_iter()
            .flatten()
        {
            role.attached.sort();
        }
        self.codepipeline.sort();
    }
}
