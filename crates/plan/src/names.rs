//! Every name awsdeploy gives a resource, in one place: the lowest floor of
//! the crate (it imports nothing of it), so a component that needs another's
//! resource asks here for its name instead of importing the other
//! component. Names are deterministic, `{app}-{env}-{what}` unless AWS's own
//! rules ask for another shape (a log group's path, a repository's slashes).
//!
//! A name here is also what `iam-policy` narrows its statements to, so a
//! component's policy and its resources cannot disagree on a name.

/// The ECS service's name in its cluster, and its container's name.
pub const SERVICE_NAME: &str = "api";

/// `{app}-{env}-{suffix}`: the network's resources and most others.
pub fn resource_name(app: &str, env: &str, suffix: &str) -> String {
    format!("{app}-{env}-{suffix}")
}

/// The database instance's identifier, and its DB subnet group's name.
pub fn database_identifier(app: &str, env: &str) -> String {
    format!("{app}-{env}-db")
}

/// The ECR repository `registry.repository` names.
pub fn repository_name(app: &str, env: &str, repository: &str) -> String {
    format!("{app}/{env}/{repository}")
}

/// The prefix of every repository of the app and env (the policy's).
pub fn repository_prefix(app: &str, env: &str) -> String {
    format!("{app}/{env}/")
}

/// The log group the service and the migration write to.
pub fn log_group_name(app: &str, env: &str) -> String {
    format!("/awsdeploy/{app}/{env}")
}

/// The log group of the pipeline's CodeBuild projects.
pub fn pipeline_log_group_name(app: &str, env: &str) -> String {
    format!("/awsdeploy/{app}/{env}/pipeline")
}

/// The role ECS pulls the image and writes logs with.
pub fn execution_role_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-task-execution")
}

/// The role the API's code runs with.
pub fn task_role_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-task")
}

/// The prefix of every role awsdeploy makes for the app and env.
pub fn role_prefix(app: &str, env: &str) -> String {
    format!("{app}-{env}-")
}

pub fn load_balancer_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-alb")
}

pub fn target_group_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-api")
}

/// The second target group of a strategy that shifts traffic
/// (`[service.deploy]`).
pub fn alternate_target_group_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-api2")
}

/// The role ECS moves the load balancer's traffic with, for a strategy
/// that shifts traffic.
pub fn infrastructure_role_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-ecs-lb")
}

/// AWS's managed policy of the infrastructure role (path `/`), in
/// `partition`.
pub fn infrastructure_policy_arn(partition: &str) -> String {
    format!("arn:{partition}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers")
}

/// The priority of the production listener rule whose weights ECS moves:
/// the last ALB allows, so rules a team adds by hand come first.
pub const PRODUCTION_RULE_PRIORITY: i32 = 50_000;

pub fn cluster_name(app: &str, env: &str) -> String {
    format!("{app}-{env}")
}

/// The API's task definition family.
pub fn service_family(app: &str, env: &str) -> String {
    format!("{app}-{env}-api")
}

/// The migration task's definition family.
pub fn migration_family(app: &str, env: &str) -> String {
    format!("{app}-{env}-migrate")
}

/// The Amplify app.
pub fn web_app_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-web")
}

/// The SNS topic the alarms notify.
pub fn alarm_topic_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-alarms")
}

pub fn dashboard_name(app: &str, env: &str) -> String {
    format!("{app}-{env}")
}

/// The prefix every alarm of the stack's name starts with.
pub fn alarm_prefix(app: &str, env: &str) -> String {
    format!("{app}-{env}-")
}

/// An alarm on `metric` of `component` (`alb`, `service`, `db`).
pub fn alarm_name(app: &str, env: &str, component: &str, metric: &str) -> String {
    format!("{app}-{env}-{component}-{metric}")
}

/// The CodeStar connection to the Git host.
pub fn connection_name(app: &str, env: &str) -> String {
    format!("{app}-{env}")
}

/// The artifact bucket: S3 names are global, so the account is in it.
pub fn bucket_name(app: &str, env: &str, account: &str) -> String {
    format!("{}-{account}", bucket_prefix(app, env))
}

pub fn bucket_prefix(app: &str, env: &str) -> String {
    format!("{app}-{env}-pipeline")
}

pub fn pipeline_name(app: &str, env: &str) -> String {
    format!("{app}-{env}")
}

/// The CodeBuild project that builds and pushes the image, and its role.
pub fn build_project_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-build")
}

/// The CodeBuild project that runs `awsdeploy up`, and its role.
pub fn deploy_project_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-deploy")
}

pub fn pipeline_role_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-pipeline")
}

/// The managed policy every role of the env carries as its permissions
/// boundary (under the path `/awsdeploy/`).
pub fn boundary_policy_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-boundary")
}

/// The role GitHub Actions' build job pushes the image with: nothing else.
pub fn github_build_role_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-github-build")
}

/// The role GitHub Actions deploys with (`[pipeline]` on GitHub Actions).
pub fn github_role_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-github-deploy")
}

/// The deploy lock's table (`up`, `migrate`, `web-release`, `down`).
pub fn lock_table_name(app: &str, env: &str) -> String {
    format!("{app}-{env}-lock")
}

/// The line in the dashboard's text widget that says awsdeploy made it:
/// dashboards take no tags, so this is how a later run knows it may
/// replace the body.
pub fn dashboard_marker(app: &str, env: &str) -> String {
    format!("Made by awsdeploy for app `{app}`, env `{env}`")
}
