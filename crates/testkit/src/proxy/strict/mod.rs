//! AWS's hard edges, which moto smooths over: each rule here makes the
//! simulation refuse or delay what AWS refuses or delays, so that a client
//! that passes here does not break on its first real deploy. All are on by
//! default ([`Strictness::aws`]); [`Strictness::lenient`] turns them off,
//! to reproduce what moto alone does. docs/simulation.md lists each rule
//! with the AWS documentation it models.
//!
//! A rule acts at one of two points of a call: [`before`] (it may answer
//! instead of the emulator: a validation error, `NotFound` for a resource
//! not yet visible, a placement rule, the first answer to a repeated client
//! token) or [`after`] (it notes what the emulator made: a new EC2 id, a
//! role changed, a token's first answer).

mod certificates;
mod consistency;
mod idempotency;
mod model;
mod placement;
mod tables;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

pub(crate) use model::{Models, models_dir};

use super::message::{Request, Response};
use super::message::{all_between, between};
use super::upstream::Upstream;

/// Which of AWS's hard edges the simulation reproduces.
// One independent switch per rule, so a test can turn off exactly one.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strictness {
    /// Every request is checked against its service's botocore model
    /// (required members, lengths, patterns, enums, ranges, list sizes).
    pub validate_requests: bool,
    /// An EC2 resource just created answers `NotFound` to this many calls
    /// that name it (the EC2 API's eventual consistency).
    pub consistency_window: usize,
    /// A role created or whose policy changed less than this long ago
    /// cannot be assumed by ECS.
    pub iam_propagation: Duration,
    /// The account is new: the ECS service-linked role exists only once
    /// something creates it.
    pub fresh_account: bool,
    /// `DescribeCertificate` shows no validation record for this many
    /// describes of a new certificate; it is issued only once that record
    /// is in a Route 53 zone.
    pub certificate_record_after: usize,
    /// A listener refuses a certificate issued less than this long ago.
    pub certificate_settle: Duration,
    /// Amplify: a domain association shows its verification record only
    /// at `PENDING_VERIFICATION` and waits there for it to be in the zone;
    /// a deployment created and never started blocks its branch.
    pub amplify: bool,
    /// Placement and naming rules: two AZs for an ALB and a DB subnet
    /// group, a way out for Fargate tasks in private subnets, names AWS
    /// reserves.
    pub placement: bool,
    /// Creates with the same name or client token answer what the first
    /// one made.
    pub idempotency: bool,
    /// A new `DynamoDB` table is `CREATING` for this long: item calls on it
    /// fail `ResourceNotFoundException`.
    pub table_creating: Duration,
}

impl Strictness {
    /// As AWS behaves: every rule on, with small windows.
    pub fn aws() -> Strictness {
        Strictness {
            validate_requests: true,
            consistency_window: 2,
            iam_propagation: Duration::from_secs(2),
            fresh_account: true,
            certificate_record_after: 2,
            certificate_settle: Duration::from_secs(1),
            amplify: true,
            placement: true,
            idempotency: true,
            table_creating: Duration::from_secs(1),
        }
    }

    /// moto as it is, with the lifecycles and nothing stricter.
    pub fn lenient() -> Strictness {
        Strictness {
            validate_requests: false,
            consistency_window: 0,
            iam_propagation: Duration::ZERO,
            fresh_account: false,
            certificate_record_after: 0,
            certificate_settle: Duration::ZERO,
            amplify: false,
            placement: false,
            idempotency: false,
            table_creating: Duration::ZERO,
        }
    }
}

impl Default for Strictness {
    fn default() -> Strictness {
        Strictness::aws()
    }
}

/// What the strict rules remember between calls.
#[derive(Debug, Default)]
pub(super) struct StrictState {
    pub consistency: consistency::Consistency,
    pub certificates: certificates::Certificates,
    pub idempotency: idempotency::Idempotency,
    pub tables: tables::Tables,
    /// Role name → when it was created or its policies last changed.
    pub roles_changed: BTreeMap<String, Instant>,
    /// AWS service names whose service-linked role exists.
    pub service_linked_roles: BTreeSet<String>,
    /// Role name → the managed policy that is its permissions boundary.
    pub boundaries: BTreeMap<String, String>,
    /// Roles a `RunTask`, or a service's infrastructure role, was refused
    /// at once for, since they changed.
    pub refused_at_once: BTreeSet<String>,
}

impl StrictState {
    /// When a role (by name or ARN) that changed less than `window` ago
    /// can be assumed; `None` when it can now.
    pub fn role_assumable_at(&self, role: &str, window: Duration) -> Option<Instant> {
        let name = role.rsplit('/').next().unwrap_or(role);
        let at = *self.roles_changed.get(name)? + window;
        (at > Instant::now()).then_some(at)
    }
}

/// What decides whether ECS can start a task: the roles it assumes and
/// the network it runs in.
pub(super) struct TaskStart<'a> {
    pub rules: &'a Strictness,
    pub state: &'a StrictState,
}

impl TaskStart<'_> {
    /// A role of `definition` ECS cannot assume yet, and when it can.
    pub fn unassumable_role(&self, definition: &serde_json::Value) -> Option<(String, Instant)> {
        if self.rules.iam_propagation.is_zero() {
            return None;
        }
        ["executionRoleArn", "taskRoleArn"]
            .iter()
            .filter_map(|field| definition[*field].as_str())
            .find_map(|role| {
                self.state
                    .role_assumable_at(role, self.rules.iam_propagation)
                    .map(|at| (role.to_owned(), at))
            })
    }

    /// Why a Fargate task with `network` (an `awsvpcConfiguration`)
    /// cannot reach the AWS services it needs to start, if it cannot.
    pub fn egress_problem(
        &self,
        network: &serde_json::Value,
        upstream: &Upstream,
    ) -> Option<String> {
        if !self.rules.placement {
            return None;
        }
        let subnets: Vec<String> = network["subnets"]
            .as_array()?
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect();
        let public_ip = network["assignPublicIp"].as_str() == Some("ENABLED");
        placement::egress_problem(upstream, &subnets, public_ip)
    }
}

/// The first `RunTask` naming a role ECS cannot assume yet is refused at
/// once (`ClientException`, the stopped reason's words); later ones within
/// the window start a task that stops instead. AWS does both, depending on
/// which of its checks sees the role first; counted by calls, not time.
fn run_task_refused(
    rules: &Strictness,
    state: &mut StrictState,
    request: &Request,
    upstream: &Upstream,
) -> Option<Response> {
    let reference = request.json()["taskDefinition"].as_str()?.to_owned();
    let definition = upstream.task_definition(&reference)?;
    let (role, _) = TaskStart { rules, state }.unassumable_role(&definition)?;
    state.refused_at_once.insert(role.clone()).then(|| {
        Response::aws_error(
            request,
            "ecs",
            400,
            "ClientException",
            &unassumable_role_reason(&role),
        )
    })
}

/// ECS's stopped reason for a role it cannot assume.
pub(super) fn unassumable_role_reason(role: &str) -> String {
    format!(
        "ECS was unable to assume the role '{role}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role."
    )
}

/// The answer AWS would give instead of the emulator's, if any.
/// CodeBuild and CodePipeline check, when a project or a pipeline is
/// saved, that they may assume its role, and ECS checks the
/// infrastructure role of a load balancer's `advancedConfiguration` when
/// a service is created or updated: a role made or changed a moment ago
/// is refused until IAM has propagated it, with their own errors (ECS's
/// as terraform-provider-aws retries it, `resource_service.go`).
fn role_not_yet_assumable(
    rules: &Strictness,
    state: &mut StrictState,
    service: &str,
    name: &str,
    request: &Request,
) -> Option<Response> {
    let body = request.json();
    let (role, code, message) = match (service, name) {
        ("codebuild", "CreateProject" | "UpdateProject") => {
            let role = body["serviceRole"].as_str()?.to_owned();
            let message =
                format!("CodeBuild is not authorized to perform: sts:AssumeRole on {role}");
            (role, "InvalidInputException", message)
        }
        ("codepipeline", "CreatePipeline" | "UpdatePipeline") => {
            let role = body["pipeline"]["roleArn"].as_str()?.to_owned();
            let message =
                format!("CodePipeline is not authorized to perform AssumeRole on role {role}");
            (role, "InvalidStructureException", message)
        }
        ("ecs", "CreateService" | "UpdateService") => {
            let role = body["loadBalancers"]
                .as_array()?
                .iter()
                .find_map(|l| l["advancedConfiguration"]["roleArn"].as_str())?
                .to_owned();
            let message = "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.".to_owned();
            (role, "InvalidParameterException", message)
        }
        _ => return None,
    };
    // ECS's check is also refused the first time after each change, counted
    // by calls, so that a test sees the refusal however slow the machine.
    let first_for_ecs = service == "ecs"
        && state
            .roles_changed
            .contains_key(role.rsplit('/').next().unwrap_or(&role))
        && state.refused_at_once.insert(role.clone());
    if !first_for_ecs {
        state.role_assumable_at(&role, rules.iam_propagation)?;
    }
    Some(Response::aws_error(request, service, 400, code, &message))
}

pub(super) fn before(
    rules: &Strictness,
    state: &mut StrictState,
    operation: &(String, String),
    request: &Request,
    upstream: &Upstream,
) -> Option<Response> {
    let (service, name) = (operation.0.as_str(), operation.1.as_str());
    if rules.consistency_window > 0
        && let Some(response) = state.consistency.before(service, request)
    {
        return Some(response);
    }
    if !rules.table_creating.is_zero()
        && service == "dynamodb"
        && let Some(response) = state.tables.before(name, request)
    {
        return Some(response);
    }
    if rules.placement
        && let Some(response) = placement::before(service, name, request, upstream)
    {
        return Some(response);
    }
    if rules.fresh_account
        && service == "ecs"
        && matches!(name, "CreateCluster" | "PutClusterCapacityProviders")
        && !state.service_linked_roles.contains("ecs.amazonaws.com")
        && request.json()["capacityProviders"]
            .as_array()
            .is_some_and(|providers| !providers.is_empty())
    {
        return Some(Response::aws_error(
            request,
            service,
            400,
            "InvalidParameterException",
            "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
        ));
    }
    if !rules.iam_propagation.is_zero()
        && let Some(response) = role_not_yet_assumable(rules, state, service, name, request)
    {
        return Some(response);
    }
    if !rules.iam_propagation.is_zero()
        && (service, name) == ("ecs", "RunTask")
        && let Some(response) = run_task_refused(rules, state, request, upstream)
    {
        return Some(response);
    }
    if !rules.certificate_settle.is_zero()
        && service == "elasticloadbalancing"
        && let Some(response) =
            state
                .certificates
                .before_listener(name, request, rules.certificate_settle)
    {
        return Some(response);
    }
    if rules.placement
        && (service, name) == ("rds", "ModifyDBInstance")
        && let Some(response) = stopped_instance(request, upstream)
    {
        return Some(response);
    }
    if rules.idempotency
        && (service, name) == ("iam", "DeletePolicy")
        && let Some(response) = policy_in_use(state, request, upstream)
    {
        return Some(response);
    }
    if rules.idempotency {
        return state.idempotency.before(service, name, request, upstream);
    }
    None
}

/// AWS refuses to modify a stopped instance (`InvalidDBInstanceState`:
/// "the instance must be in the available state", RDS user guide,
/// "Stopping an Amazon RDS DB instance temporarily"); moto modifies it.
fn stopped_instance(request: &Request, upstream: &Upstream) -> Option<Response> {
    let id = request.form("DBInstanceIdentifier")?;
    let (status, xml) = upstream
        .query(
            "rds",
            &format!("Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier={id}"),
        )
        .ok()?;
    (status == 200 && xml.contains("<DBInstanceStatus>stopped</DBInstanceStatus>")).then(|| {
        Response::aws_error(
            request,
            "rds",
            400,
            "InvalidDBInstanceState",
            &format!("Instance {id} is not in available state."),
        )
    })
}

/// AWS refuses `DeletePolicy` of a policy a role carries as its boundary,
/// or that has versions besides the default ("you must first delete all
/// the policy's versions", IAM API reference, `DeletePolicy`); moto deletes
/// it.
fn policy_in_use(state: &StrictState, request: &Request, upstream: &Upstream) -> Option<Response> {
    let arn = request.form("PolicyArn")?;
    let conflict = |message: String| {
        Some(Response::aws_error(
            request,
            "iam",
            409,
            "DeleteConflict",
            &message,
        ))
    };
    if let Some(role) = state
        .boundaries
        .iter()
        .find(|(_, b)| **b == arn)
        .map(|(r, _)| r)
    {
        return conflict(format!(
            "Cannot delete a policy attached to entities: {arn} is the permissions boundary of role {role}."
        ));
    }
    let (status, xml) = upstream
        .query(
            "iam",
            &format!("Action=ListPolicyVersions&Version=2010-05-08&PolicyArn={arn}"),
        )
        .ok()?;
    if status == 200 && xml.matches("<VersionId>").count() > 1 {
        return conflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.".to_owned());
    }
    None
}

/// Notes what a successful call made, for the rules' later answers, and
/// hides from its answer what AWS would not show yet. Returns whether the
/// answer changed.
pub(super) fn after(
    rules: &Strictness,
    state: &mut StrictState,
    operation: &(String, String),
    request: &Request,
    response: &mut Response,
    upstream: &Upstream,
) -> bool {
    if !(200..300).contains(&response.status) {
        return false;
    }
    let (service, name) = (operation.0.as_str(), operation.1.as_str());
    if service == "acm" && rules.certificate_record_after > 0 {
        return state.certificates.after(
            name,
            request,
            response,
            rules.certificate_record_after,
            upstream,
        );
    }
    if service == "dynamodb" && !rules.table_creating.is_zero() {
        return state
            .tables
            .after(name, request, response, rules.table_creating);
    }
    match (service, name) {
        ("ec2", _) if rules.consistency_window > 0 => {
            state
                .consistency
                .after(name, response, rules.consistency_window);
        }
        ("iam", "CreateRole" | "PutRolePolicy" | "AttachRolePolicy" | "UpdateAssumeRolePolicy") => {
            if let Some(role) = request.form("RoleName") {
                if let Some(boundary) = request.form("PermissionsBoundary") {
                    state.boundaries.insert(role.clone(), boundary);
                }
                state
                    .refused_at_once
                    .retain(|r| !r.ends_with(&format!("/{role}")));
                state.roles_changed.insert(role, Instant::now());
            }
        }
        ("iam", "PutRolePermissionsBoundary") => {
            if let (Some(role), Some(boundary)) = (
                request.form("RoleName"),
                request.form("PermissionsBoundary"),
            ) {
                state.boundaries.insert(role, boundary);
            }
        }
        ("iam", "DeleteRole" | "DeleteRolePermissionsBoundary") => {
            if let Some(role) = request.form("RoleName") {
                state.boundaries.remove(&role);
            }
        }
        ("iam", "CreateServiceLinkedRole") => {
            if let Some(service) = request.form("AWSServiceName") {
                state.service_linked_roles.insert(service);
            }
        }
        // A cluster made without capacity providers creates the role.
        ("ecs", "CreateCluster")
            if request.json()["capacityProviders"]
                .as_array()
                .is_none_or(Vec::is_empty) =>
        {
            state
                .service_linked_roles
                .insert("ecs.amazonaws.com".to_owned());
        }
        _ => {}
    }
    if rules.idempotency {
        state.idempotency.after(service, name, request, response);
    }
    false
}
