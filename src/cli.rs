//! The command line: clap types, resolved once into plain [`Settings`].

// Doc comments here are `--help` text, written for people, not rustdoc.
#![allow(clippy::doc_markdown)]

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use awsdeploy_plan::migration::Policy;

use crate::output::Format;

mod request;
pub use request::{Command, Settings};

/// Provision and deploy a web product on AWS from one TOML spec.
///
/// awsdeploy reads the spec, observes what is live in AWS (found by its
/// `awsdeploy:app` / `awsdeploy:env` tags), shows the difference, and applies
/// ordered steps until live matches the spec. No state file: AWS is the state.
///
/// Credentials, profile, SSO and region come from the standard AWS chain;
/// `app.region` in the spec wins over the chain's region. AWS_ENDPOINT_URL
/// points every client at an emulator.
#[derive(Debug, Parser)]
#[command(
    name = "awsdeploy",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Exit codes: 0 success (diff --detailed-exitcode: no changes), 1 error, \
                  2 changes pending (diff --detailed-exitcode only), 130 interrupted."
)]
pub struct Cli {
    /// The spec file.
    #[arg(
        short = 'f',
        long = "spec",
        global = true,
        env = "AWSDEPLOY_SPEC",
        default_value = "awsdeploy.toml",
        value_name = "FILE"
    )]
    spec: PathBuf,

    /// The environment: picks the spec's [env.<name>] overlay, and names and
    /// tags every resource ({app}-{env}-…).
    /// [default: dev]
    #[arg(short, long, global = true, env = "AWSDEPLOY_ENV", value_name = "NAME")]
    env: Option<String>,

    /// What stdout carries: text for people, json for machines.
    #[arg(long, global = true, value_enum, default_value_t = OutputArg::Text, value_name = "FORMAT")]
    output: OutputArg,

    /// More logging on stderr (-v: progress details, -vv: debug). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: CommandArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputArg {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum CommandArg {
    /// Check the spec offline and print a summary; makes no AWS call.
    Validate {
        /// Print the resolved spec for the env instead (overlay merged,
        /// variables interpolated, defaults filled): exactly what `up` applies.
        #[arg(long)]
        show: bool,
    },
    /// Print the JSON Schema of the spec file, for editor completion and checks.
    ///
    /// Taplo / Even Better TOML pick it up from a `#:schema PATH` first line;
    /// the repository's copy is docs/spec.schema.json.
    Schema,
    /// Observe what is live and print what `up` would change; changes nothing.
    ///
    /// Exit codes with --detailed-exitcode: 0 no changes, 2 changes pending,
    /// 1 error. Without it: 0 unless there was an error.
    Diff {
        /// Exit 2 when there are changes, 0 when there are none.
        #[arg(long)]
        detailed_exitcode: bool,

        /// Also save the plan as JSON, for `up --plan FILE` to apply exactly.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,

        /// Plan the deploy of this image tag (overrides service.image_tag).
        #[arg(long, value_name = "TAG")]
        image_tag: Option<String>,

        /// When the plan runs the migration, as for `up --migrate`.
        #[arg(long, value_enum, default_value_t = MigrateArg::Auto, value_name = "WHEN")]
        migrate: MigrateArg,

        /// Leave out the monthly cost (the plan's last line, and its JSON
        /// `cost` field).
        #[arg(long)]
        no_cost: bool,
    },
    /// Make live match the spec: show the plan, confirm, apply in dependency order.
    ///
    /// On a terminal it asks before changing anything; elsewhere (CI) it
    /// refuses unless --yes is given. Running it again when nothing changed
    /// makes no change. Before anything changes, the plan checks what the
    /// deploy depends on: secrets the spec references exist, and
    /// service.image_tag is in the repository (else it prints the push
    /// commands). Replacements need --allow-replace.
    ///
    /// With [migration], a new image is migrated first: the migration task
    /// runs after the database is available and before the service update,
    /// and a failed migration leaves the service as it was (--migrate).
    ///
    /// With [web] and web.artifact, the static export is released to
    /// Amplify after the service is stable, unless the branch already
    /// serves it (see `web-release`).
    ///
    /// Every service change waits for its rollout (service.rollout_timeout,
    /// 15m by default), printing task counts and service events; a rollout
    /// the circuit breaker stopped or rolled back fails `up` and names the
    /// revision that serves. The everyday deploy is `up --image-tag TAG`:
    /// only the task definition and the service change.
    ///
    /// Ctrl-C stops starting new changes, lets AWS calls in flight finish,
    /// stops waiting for rollouts (ECS goes on with them) and says how to
    /// follow them, reports what was done, and exits 130; `up` again
    /// continues from what is live.
    ///
    /// While it runs, `up` holds the environment's deploy lock in AWS (as do
    /// `migrate` and `web-release`): a second run fails at once naming the
    /// holder and the lock id, or waits --lock-timeout. See `unlock`.
    Up {
        /// Apply without asking for confirmation.
        #[arg(short, long)]
        yes: bool,

        /// Allow changes that replace a resource (delete it, create it anew).
        /// A database is deleted with a final snapshot first.
        #[arg(long)]
        allow_replace: bool,

        /// Apply exactly this plan, saved by `diff --out FILE`; refused if
        /// what is live changed since. The spec is not read.
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,

        /// Deploy this image tag (overrides service.image_tag): it must be
        /// in the stack's ECR repository.
        #[arg(long, value_name = "TAG", conflicts_with = "plan")]
        image_tag: Option<String>,

        /// When to run the migration: auto (when the service's image
        /// changes), always, or never (the plan notes it).
        #[arg(long, value_enum, default_value_t = MigrateArg::Auto, value_name = "WHEN", conflicts_with = "plan")]
        migrate: MigrateArg,

        /// How long to wait for another run holding the environment's deploy
        /// lock (e.g. 10m); by default fail at once, naming the holder.
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: Duration,

        /// Leave out the monthly cost (the plan's last line, and its JSON
        /// `cost` field). A saved plan (--plan) shows what it was saved with.
        #[arg(long, conflicts_with = "plan")]
        no_cost: bool,

        /// With a strategy that shifts traffic (service.deploy.strategy =
        /// blue_green, canary, linear): stop waiting once all production
        /// traffic is on the new revision (traffic-shifted), leaving the
        /// bake, the old revision's stop and any alarm rollback to ECS
        /// (follow with `awsdeploy status`); with service.deploy.test_port,
        /// once the test listener serves the new revision, before any
        /// production traffic moves (test-traffic-shifted: ECS goes on
        /// without waiting for your checks; a failing check runs `awsdeploy
        /// rollback`); or wait for the deployment to complete (completed,
        /// the default). A pause (service.deploy.pause_at) ends any wait:
        /// `awsdeploy continue` goes on from there.
        #[arg(long, value_enum, default_value_t = WaitUntilArg::Completed, value_name = "POINT")]
        wait_until: WaitUntilArg,
    },
    /// What the env costs a month, from the spec alone: no AWS call.
    ///
    /// Each resource awsdeploy would make, priced from awsdeploy's built-in
    /// price table for app.region, or AWS_REGION (AWS's public Price List: hourly
    /// resources at 730 hours a month), by component; then what depends
    /// on traffic (data processed, log ingestion, capacity units) as unit
    /// prices with what they depend on. Free tiers are not subtracted. `diff`
    /// and `up` show the same figures for the change they plan, against
    /// what is live. See docs/cost.md.
    Cost,
    /// Run the migration now: golang-migrate as a one-off ECS task.
    ///
    /// Checks the local migration.path folder first (golang-migrate names,
    /// no duplicate versions, a down for every up), registers the migration's
    /// task definition if it changed (the service's image unless
    /// migration.image is set; DB_HOST, DB_PORT, DB_NAME, DB_USER and the
    /// secret DB_PASSWORD from the database), runs it in the private subnets
    /// with the service's security group, and streams its log to stderr
    /// until it stops or migration.timeout passes (then the task is
    /// stopped).
    ///
    /// Before the task starts, the up files it applies are linted against
    /// MySQL's online DDL rules (those after the version the last successful
    /// migration recorded on the database): an error stops it with nothing
    /// changed, unless an `-- awsdeploy:allow CODE <reason>` comment above
    /// the statement allows it. `--lint` runs only the lint, offline.
    ///
    /// Exits with the task's exit code: 0 when the migration succeeded, the
    /// container's code when it failed, 1 when the task could not run. Ctrl-C
    /// stops waiting (exit 130); the task goes on in ECS.
    Migrate {
        /// Run this image tag (overrides service.image_tag); by default the
        /// tag in the spec, or the image the service runs.
        #[arg(long, value_name = "TAG")]
        image_tag: Option<String>,

        /// Print the task definition and the RunTask request it would send;
        /// changes nothing (and takes no lock).
        #[arg(long)]
        dry_run: bool,

        /// Only lint migration.path's up files, offline (no AWS call, no
        /// credentials): each statement against MySQL's online DDL rules for
        /// database.engine_version (docs/migration-lint.md lists the rules).
        /// Lints the newest version, or every version after --since. Exits 0
        /// when clean (or every finding is allowed), 1 on an error, 2 on
        /// warnings only.
        #[arg(long, conflicts_with_all = ["dry_run", "image_tag"])]
        lint: bool,

        /// With --lint: the version the database has reached (the files up
        /// to it are read as applied, the ones after it linted); 0 lints
        /// every file as new. `up` and `migrate` read it from the database
        /// (the tag awsdeploy:migrated-version a successful migration sets).
        #[arg(long, value_name = "VERSION", requires = "lint")]
        since: Option<u64>,

        /// How long to wait for another run holding the environment's deploy
        /// lock (e.g. 10m); by default fail at once, naming the holder.
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: Duration,
    },
    /// Release the web app's static export to Amplify Hosting now.
    ///
    /// The artifact (web.artifact, or --artifact) is a Next.js static export
    /// folder (`output: 'export'`, the out/ folder) or a .zip of one. It is
    /// checked before any AWS call: index.html at its root, and no server
    /// build (.next/server, .amplify-hosting/compute), which Amplify's
    /// manual deployments cannot serve. A folder is zipped deterministically
    /// (sorted entries, fixed timestamps): the same build gives the same
    /// bytes and SHA-256. When the branch already serves that SHA-256 (the
    /// tag of the last successful release) nothing is uploaded.
    ///
    /// Then: CreateDeployment, the upload (with progress), StartDeployment,
    /// and the job followed until it ends or web.timeout passes. A FAILED
    /// job prints each step's status and reason and exits 1. The app and
    /// branch are made by `awsdeploy up`; `up` also releases web.artifact
    /// after the service is stable.
    WebRelease {
        /// The static export folder or .zip (default: web.artifact,
        /// relative to the spec file).
        #[arg(long, value_name = "PATH")]
        artifact: Option<PathBuf>,

        /// Release even when the branch already serves this artifact.
        #[arg(long)]
        force: bool,

        /// How long to wait for another run holding the environment's deploy
        /// lock (e.g. 10m); by default fail at once, naming the holder.
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: Duration,
    },
    /// Show the environment on one screen: network, database, service, migration, web, alarms, pipeline, drift.
    ///
    /// Reads only (observation and the status reads run concurrently). The
    /// service's deployments with their images and rollout states (with a
    /// blue/green, canary or linear strategy, the deployment in progress:
    /// its stage, production traffic and about how much of the bake is
    /// left), its last events and its targets' health; the database's state, storage used
    /// and pending changes; the last migration task; the web branch's last
    /// job, URL and domain; every alarm's state, the alarm subscriptions and
    /// the dashboard's URL; the pipeline and its connection; how many
    /// changes `diff` would make; who holds the deploy lock. Exit codes: 0
    /// healthy, 2 degraded (a rollout in progress, unhealthy targets, a
    /// failed last job or migration, a database not available or nearly
    /// full, an alarm firing, a pipeline connection not yet approved, ECS
    /// rolling a deployment back), 1
    /// error: CI
    /// can gate on it. --output json gives a
    /// versioned document (docs/status.schema.json).
    Status {
        /// Read again every 5 seconds until Ctrl-C.
        #[arg(long)]
        watch: bool,
    },
    /// Print the API's log lines (or the migration's) from the stack's log group.
    ///
    /// Oldest first, each prefixed with the task's short id. --follow keeps
    /// printing lines as they arrive until Ctrl-C (exit 0), as `aws logs
    /// tail --follow` does. Reads only; takes no lock.
    Logs {
        /// Lines from this long ago on (e.g. 30s, 10m, 2h).
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
        since: Duration,

        /// Keep printing new lines until Ctrl-C.
        #[arg(long)]
        follow: bool,

        /// The migration task's lines instead of the service's.
        #[arg(long)]
        migration: bool,

        /// Only the lines of this task (its id, or the start of it).
        #[arg(long, value_name = "ID")]
        task: Option<String>,

        /// A CloudWatch Logs filter pattern, e.g. ERROR or '{ $.level = "error" }'.
        #[arg(long, value_name = "PATTERN")]
        filter: Option<String>,
    },
    /// Let a deployment paused at a lifecycle stage go on.
    ///
    /// With service.deploy.pause_at, ECS pauses a blue/green, canary or
    /// linear deployment at the stages named (a PAUSE hook) until told to
    /// go on or to roll back; `up` returns when it pauses. `continue` tells
    /// ECS to go on (ContinueServiceDeployment, CONTINUE) and follows the
    /// deployment as `up` does: to its end, to the next pause, or to
    /// --wait-until. `awsdeploy rollback` rolls a paused deployment back
    /// instead. Without an answer ECS rolls it back after
    /// service.deploy.pause_timeout. Holds the deploy lock.
    Continue {
        /// Go on without asking for confirmation.
        #[arg(short, long)]
        yes: bool,

        /// As `up --wait-until`: stop waiting once all production traffic
        /// is on the new revision (traffic-shifted), or wait for the
        /// deployment to complete (completed, the default). A further pause
        /// ends the wait too.
        #[arg(long, value_enum, default_value_t = WaitUntilArg::Completed, value_name = "POINT")]
        wait_until: WaitUntilArg,

        /// How long to wait for another run holding the environment's deploy
        /// lock (e.g. 10m); by default fail at once, naming the holder.
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: Duration,
    },
    /// Put the API back on the revision that served before the current one.
    ///
    /// Shows the plan (one ECS service update) and applies it as `up` does,
    /// waiting for the rollout; a rollout that fails is reported as `up`
    /// reports one. It never runs the migration: the database keeps its
    /// schema version. It refuses, changing nothing, when that revision's
    /// image is gone from the repository (the lifecycle policy expires old
    /// images). Afterwards `diff` shows the spec's image as a pending
    /// change: `up` would deploy it again. Holds the deploy lock.
    ///
    /// With a blue/green, canary or linear strategy and a deployment in
    /// progress, it stops that deployment instead (StopServiceDeployment,
    /// ROLLBACK, or at a pause ContinueServiceDeployment with ROLLBACK: ECS
    /// moves the traffic back and stops the new tasks) and
    /// waits until ECS has rolled it back; while ECS is already rolling one
    /// back it changes nothing. Without one in progress, going back to the
    /// previous revision is itself a deployment of the strategy.
    Rollback {
        /// The revision number to go back to (as in shop-dev-api:4),
        /// instead of the one before the current.
        #[arg(long, value_name = "REVISION")]
        to: Option<u32>,

        /// Apply without asking for confirmation.
        #[arg(short, long)]
        yes: bool,

        /// How long to wait for another run holding the environment's deploy
        /// lock (e.g. 10m); by default fail at once, naming the holder.
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: Duration,
    },
    /// Write a first spec (awsdeploy.toml, or -f FILE) for the project in its folder.
    ///
    /// app.name comes from the folder's name; a golang-migrate folder (such
    /// as packages/dbschema/migrations) fills [migration].path, and a
    /// Next.js app with output: 'export' (such as apps/web) fills
    /// [web].artifact with its out/ folder. Every other key is written
    /// commented, with its default. Never overwrites a file.
    Init {
        /// app.name, instead of the folder's name.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell).
    ///
    /// `awsdeploy completions bash >
    /// ~/.local/share/bash-completion/completions/awsdeploy`, or for zsh a
    /// file `_awsdeploy` in a folder of your $fpath, for fish
    /// ~/.config/fish/completions/awsdeploy.fish, for PowerShell
    /// `awsdeploy completions powershell | Out-String | Invoke-Expression` in
    /// your profile.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Delete everything awsdeploy made for the app and environment.
    ///
    /// Observes what the app and env own (by their tags, whatever the spec
    /// still describes), shows the plan, and deletes in reverse dependency
    /// order: the web app and its domain records, the API's DNS record, the
    /// service (its tasks stopped) and its scaling, the load balancer, the
    /// certificate and its validation records, the task definitions, the
    /// cluster, the database and its subnet group, the repository, the log
    /// group, the roles, then the network, waiting where AWS needs it (NAT
    /// gateways, network interfaces left by tasks and the load balancer).
    /// Nothing it did not make is touched: not the hosted zone, not a
    /// secret the spec references.
    ///
    /// Data is never lost silently: a database stops `down` before any
    /// change unless --delete-data is given (then deletion protection is
    /// turned off and a final snapshot is taken and kept), and the
    /// repository's images and the log group are kept without it.
    ///
    /// On a terminal it asks for the environment's name; in CI, --yes with
    /// an explicit -e/--env. An interrupted `down` is finished by the next.
    Down {
        /// Also delete what holds data: the database (after a final
        /// snapshot), the repository with its images, the log group.
        #[arg(long)]
        delete_data: bool,

        /// Delete without asking (needs -e/--env).
        #[arg(short, long)]
        yes: bool,

        /// How long to wait for another run holding the environment's deploy
        /// lock (e.g. 10m); by default fail at once, naming the holder.
        #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: Duration,
    },
    /// Print the least-privilege IAM policy that running awsdeploy for this spec needs.
    ///
    /// A JSON policy document: the actions awsdeploy calls for the
    /// components the spec has (up, diff, status, logs, migrate,
    /// web-release, rollback, down), with resources narrowed to the
    /// names awsdeploy gives ({app}-{env}-…: the roles, the repository,
    /// the log group, the lock table, the database, the alarms) where AWS
    /// authorizes the action on a named resource, and * where it does not.
    /// No action is a wildcard. Reads no AWS state: the region is
    /// app.region (or any), the account any.
    ///
    /// It is the deploy policy: it creates and changes only the env's
    /// workload roles, only with the env's permissions boundary, never a
    /// role that holds it. What only an administrator does (the boundary,
    /// the roles GitHub Actions and the pipeline deploy with, `down`) is
    /// in `--admin`: the first `up`, and `down`, need it.
    ///
    /// Attach it to the role CI deploys with: `aws iam put-role-policy
    /// --role-name ROLE --policy-name awsdeploy --policy-document
    /// file://policy.json`.
    IamPolicy {
        /// Also what pushing the API image needs (ECR login and push to the
        /// app's repositories), as the `awsdeploy ci` files do.
        #[arg(long)]
        push: bool,
        /// Everything awsdeploy does, the administrator's part too (with
        /// --push's): for the person who runs the first `up` and `down`.
        #[arg(long)]
        admin: bool,
    },
    /// Print a CI file for the spec's [pipeline]: a buildspec or a GitHub Actions workflow.
    ///
    /// Both run the same steps: [pipeline.build]'s install, generate and
    /// build commands; the API image built and pushed to the ECR repository
    /// tagged with the commit (skipped when that tag is already there); awsdeploy
    /// built from pipeline.awsdeploy_git at pipeline.awsdeploy_rev; then `awsdeploy up
    /// --image-tag <commit> --yes`, which migrates, rolls the service out and
    /// releases the web build. Reads no AWS state.
    Ci {
        #[command(subcommand)]
        file: CiArg,
    },
    /// Break the environment's deploy lock, left by a run that died.
    ///
    /// `up`, `migrate` and `web-release` hold a lock in AWS (a DynamoDB item
    /// in the table {app}-{env}-lock) while they change the environment, so
    /// that two runs never change it at once. A run killed before it ends
    /// leaves its lock, which expires by itself within two minutes; this
    /// breaks it now. LOCK_ID is the id the refused run printed (and `diff`
    /// shows); another id is refused. Asks on a terminal; --yes in CI.
    Unlock {
        /// The id of the lock to break.
        #[arg(value_name = "LOCK_ID")]
        id: String,

        /// Break it without asking.
        #[arg(short, long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CiArg {
    /// A CodeBuild buildspec.yml (version 0.2).
    ///
    /// The commit is $COMMIT when set (the pipeline passes its source's
    /// commit), else CodeBuild's $CODEBUILD_RESOLVED_SOURCE_VERSION.
    Buildspec {
        /// What the build does: all (build, push, deploy: one CodeBuild
        /// project), build (build and push; outputs the workspace as the
        /// artifact) or deploy (install awsdeploy and run `up`).
        #[arg(long, value_enum, default_value_t = StageArg::All, value_name = "STAGE")]
        stage: StageArg,
    },
    /// A GitHub Actions workflow (.github/workflows/deploy-ENV.yml).
    ///
    /// On a push to pipeline.branch: checkout, credentials from GitHub's
    /// OIDC provider for the role {app}-{env}-github-deploy (no stored
    /// keys), then the steps. One deploy per environment at a time.
    GithubActions {
        /// The AWS account id in the role's ARN; by default the
        /// repository variable AWS_ACCOUNT_ID.
        #[arg(long, value_name = "ID")]
        account: Option<String>,
    },
}

impl From<CiArg> for Command {
    fn from(file: CiArg) -> Command {
        match file {
            CiArg::Buildspec { stage } => Command::Buildspec {
                stage: match stage {
                    StageArg::All => awsdeploy_plan::ci::Stage::All,
                    StageArg::Build => awsdeploy_plan::ci::Stage::Build,
                    StageArg::Deploy => awsdeploy_plan::ci::Stage::Deploy,
                },
            },
            CiArg::GithubActions { account } => Command::GithubActions { account },
        }
    }
}

/// `ci buildspec --stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StageArg {
    All,
    Build,
    Deploy,
}

/// A duration as the spec writes them: `30s`, `10m`, `1h`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    awsdeploy_spec::parse_duration(text)
        .ok_or_else(|| format!("`{text}` is not a duration: use e.g. 30s, 10m or 1h"))
}

/// `--wait-until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum WaitUntilArg {
    TestTrafficShifted,
    TrafficShifted,
    Completed,
}

impl From<WaitUntilArg> for awsdeploy_plan::WaitPoint {
    fn from(arg: WaitUntilArg) -> awsdeploy_plan::WaitPoint {
        match arg {
            WaitUntilArg::TestTrafficShifted => awsdeploy_plan::WaitPoint::TestTrafficShifted,
            WaitUntilArg::TrafficShifted => awsdeploy_plan::WaitPoint::TrafficShifted,
            WaitUntilArg::Completed => awsdeploy_plan::WaitPoint::Completed,
        }
    }
}

/// `--migrate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MigrateArg {
    Auto,
    Always,
    Never,
}

impl From<MigrateArg> for Policy {
    fn from(arg: MigrateArg) -> Policy {
        match arg {
            MigrateArg::Auto => Policy::Auto,
            MigrateArg::Always => Policy::Always,
            MigrateArg::Never => Policy::Never,
        }
    }
}

impl From<Cli> for Settings {
    fn from(cli: Cli) -> Settings {
        Settings {
            spec: cli.spec,
            env_explicit: cli.env.is_some(),
            env: cli
                .env
                .unwrap_or_else(|| awsdeploy_spec::defaults::ENV.to_owned()),
            format: match cli.output {
                OutputArg::Text => Format::Text,
                OutputArg::Json => Format::Json,
            },
            verbosity: cli.verbose,
            command: cli.command.into(),
        }
    }
}

impl From<CommandArg> for Command {
    fn from(arg: CommandArg) -> Command {
        match arg {
            CommandArg::Validate { show } => Command::Validate { show },
            CommandArg::Schema => Command::Schema,
            CommandArg::Diff {
                detailed_exitcode,
                out,
                image_tag,
                migrate,
                no_cost,
            } => Command::Diff {
                detailed_exitcode,
                out,
                image_tag,
                migrate: migrate.into(),
                cost: !no_cost,
            },
            CommandArg::Up {
                yes,
                allow_replace,
                plan,
                image_tag,
                migrate,
                lock_timeout,
                no_cost,
                wait_until,
            } => Command::Up {
                yes,
                allow_replace,
                plan,
                image_tag,
                migrate: migrate.into(),
                lock_timeout,
                cost: !no_cost,
                wait_until: wait_until.into(),
            },
            CommandArg::Cost => Command::Cost,
            CommandArg::Migrate {
                lint: true, since, ..
            } => Command::MigrateLint { since },
            CommandArg::Migrate {
                image_tag,
                dry_run,
                lock_timeout,
                ..
            } => Command::Migrate {
                image_tag,
                dry_run,
                lock_timeout,
            },
            CommandArg::WebRelease {
                artifact,
                force,
                lock_timeout,
            } => Command::WebRelease {
                artifact,
                force,
                lock_timeout,
            },
            CommandArg::Down {
                delete_data,
                yes,
                lock_timeout,
            } => Command::Down {
                delete_data,
                yes,
                lock_timeout,
            },
            CommandArg::Unlock { id, yes } => Command::Unlock { id, yes },
            CommandArg::Completions { shell } => Command::Completions { shell },
            CommandArg::Init { name } => Command::Init { name },
            CommandArg::Status { watch } => Command::Status { watch },
            CommandArg::IamPolicy { push, admin } => Command::IamPolicy { push, admin },
            CommandArg::Ci { file } => file.into(),
            CommandArg::Logs {
                since,
                follow,
                migration,
                task,
                filter,
            } => Command::Logs(crate::commands::LogsRequest {
                since,
                follow,
                migration,
                task,
                filter,
            }),
            arg @ (CommandArg::Rollback { .. } | CommandArg::Continue { .. }) => {
                Command::after_release(arg)
            }
        }
    }
}

impl Command {
    /// `rollback` and `continue`: what follows a release.
    fn after_release(arg: CommandArg) -> Command {
        match arg {
            CommandArg::Rollback {
                to,
                yes,
                lock_timeout,
            } => Command::Rollback {
                to,
                yes,
                lock_timeout,
            },
            CommandArg::Continue {
                yes,
                wait_until,
                lock_timeout,
            } => Command::Continue {
                yes,
                wait_until: wait_until.into(),
                lock_timeout,
            },
            other => unreachable!("not a command after a release: {other:?}"),
        }
    }
}

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> String {
    use clap::CommandFactory as _;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "awsdeploy", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn completions_name_the_commands_and_their_options() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::PowerShell,
        ] {
            let script = completions(shell);
            for word in ["web-release", "unlock", "lock-timeout", "image-tag"] {
                assert!(script.contains(word), "{shell}: {word}");
            }
        }
    }

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn globals_work_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "awsdeploy",
            "diff",
            "-f",
            "x.toml",
            "-e",
            "prod",
            "--detailed-exitcode",
        ])
        .unwrap();
        let settings = Settings::from(cli);
        assert_eq!(settings.spec, PathBuf::from("x.toml"));
        assert_eq!(settings.env, "prod");
        assert_eq!(
            settings.command,
            Command::Diff {
                detailed_exitcode: true,
                out: None,
                image_tag: None,
                migrate: Policy::Auto,
                cost: true,
            }
        );
    }
}
