//! What a test asks of the proxy: faults on calls (throttling, 5xx,
//! resets, lost answers, delays) and how simulated lifecycles go (RDS
//! creation, ECS rollouts, one-off tasks, Amplify jobs).

use std::time::Duration;

use super::Operation;

/// A fault to inject into calls of one operation (or of every one:
/// [`Fault::ANY`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub service: String,
    pub operation: String,
    pub trigger: Trigger,
    pub kind: FaultKind,
}

impl Fault {
    /// Every call of every service (`"*"` as the service and the
    /// operation): for a soak.
    pub const ANY: &'static str = "*";

    pub(super) fn hits(&self, (service, operation): &Operation) -> bool {
        (self.service == Fault::ANY || self.service == *service)
            && (self.operation == Fault::ANY || self.operation == *operation)
    }
}

/// Which calls a fault hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The next `n` calls.
    Times(usize),
    /// Each call with this probability (per mille), decided by a hash of
    /// `seed`, the operation and how many calls of it came before: the
    /// same seed hits the same calls of each operation, however calls of
    /// different operations interleave (steps run concurrently).
    Probability { per_mille: u16, seed: u64 },
}

impl Trigger {
    /// Whether the `nth` call (from 1) of `operation` is hit; advances the
    /// trigger.
    pub(super) fn fire(&mut self, (service, operation): &Operation, nth: usize) -> bool {
        match self {
            Trigger::Times(0) => false,
            Trigger::Times(n) => {
                *n -= 1;
                true
            }
            Trigger::Probability { per_mille, seed } => {
                // FNV-1a over the operation and its count, then xorshift64*.
                let mut x = *seed ^ 0xcbf2_9ce4_8422_2325;
                for byte in service
                    .bytes()
                    .chain([b':'])
                    .chain(operation.bytes())
                    .chain((nth as u64).to_le_bytes())
                {
                    x = (x ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
                x = x.max(1);
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                x.wrapping_mul(0x2545_F491_4F6C_DD1D) % 1000 < u64::from(*per_mille)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The service's own throttling error: `RequestLimitExceeded` (EC2),
    /// `Throttling` (other query services), `ThrottlingException` (JSON and
    /// REST services).
    Throttle,
    /// An HTTP 5xx with no body.
    ServerError(u16),
    /// The connection is closed without an answer.
    ConnectionReset,
    /// The answer comes after this long (past a client's timeout, say).
    Delay(Duration),
    /// The request takes effect, but its answer is lost: the client gets
    /// this HTTP 5xx instead (a create that happened though the caller
    /// cannot know it).
    LostAnswer(u16),
}

/// Lifecycles moto lacks, simulated by rewriting its answers. Each applies
/// to resources created after it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lifecycle {
    /// An RDS instance answers `creating`, then `backing-up`, then
    /// `available`, each for `polls` `DescribeDBInstances` answers (moto
    /// makes it `available` at once). Off unless set.
    RdsInstance { polls: usize },
    /// A new ECS service deployment (from `CreateService`, or
    /// `UpdateService` with another task definition or
    /// `forceNewDeployment`) goes to its outcome over `polls`
    /// `DescribeServices` answers. Default: 2 polls, completes.
    EcsRollout {
        polls: usize,
        outcome: RolloutOutcome,
    },
    /// A task from `RunTask` runs for `polls` `DescribeTasks` answers,
    /// writing `log_lines` to its `awslogs` stream as it goes, then stops
    /// as `outcome` says. Default: 2 polls, exit code 0, no lines.
    EcsTask {
        polls: usize,
        outcome: TaskOutcome,
        log_lines: Vec<String>,
    },
    /// How long one ECS minute (a deployment's bake, a canary's or a
    /// linear step's hold) lasts in the simulation. Default: 20 ms.
    EcsMinute(std::time::Duration),
    /// An Amplify job started by `StartDeployment` is PENDING for `polls`
    /// `GetJob` answers, RUNNING for as many, then ends as `outcome` says.
    /// Default: 1 poll, succeeds.
    AmplifyJob { polls: usize, outcome: JobOutcome },
}

/// How a simulated ECS deployment ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutOutcome {
    /// Tasks start until running = desired; the rollout is COMPLETED and
    /// older deployments drain.
    Completes,
    /// Every task fails. With the deployment circuit breaker on, the
    /// deployment becomes FAILED at the last poll and, with rollback on, a
    /// new deployment of the previous task definition takes over. Without
    /// the breaker it stays `IN_PROGRESS`, as ECS keeps retrying.
    Fails,
    /// The tasks start and pass their health checks, but the first of the
    /// service's deployment alarms goes to ALARM at the last poll (a
    /// release that fails requests): with the deployment alarms' rollback
    /// on, the deployment is FAILED and the previous task definition comes
    /// back, as ECS does; without deployment alarms it completes.
    AlarmFires,
}

/// How a simulated `RunTask` task stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskOutcome {
    /// The essential container exits with this code.
    Exits(i32),
    /// The task never runs (say, `CannotPullContainerError: …`): it stops
    /// with this reason and no exit code.
    FailsToStart(String),
}

/// How a simulated Amplify job ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Succeeds,
    /// The job is FAILED, with `step`'s status reason `reason`.
    Fails {
        step: String,
        reason: String,
    },
}
