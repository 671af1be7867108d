//! The `awsdeploy` binary: parses the command line, runs one command,
//! prints, and exits with a code from [`exit::Exit`].

mod cli;
mod commands;
mod exit;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Settings};
use crate::exit::Exit;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version are not errors; usage errors exit 1, not
            // clap's 2, which `diff --detailed-exitcode` means "changes".
            let _ = error.print();
            return if error.use_stderr() {
                Exit::Failure
            } else {
                Exit::Success
            }
            .into();
        }
    };
    let settings = Settings::from(cli);
    init_logging(settings.verbosity);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return Exit::Failure.into();
        }
    };
    match runtime.block_on(commands::run(&settings)) {
        Ok(exit) => exit.into(),
        Err(error) => {
            error.print();
            Exit::Failure.into()
        }
    }
}

fn init_logging(verbosity: u8) {
    use std::io::IsTerminal as _;
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let default = match verbosity {
        // What waits see goes to the progress display (WaitLayer) instead.
        0 => "warn",
        1 => "info",
        _ => "debug,aws_smithy_runtime=info,aws_config=info,hyper=info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Escape codes only for a person at a terminal who did not ask for none
    // (https://no-color.org); CI logs get plain text.
    let ansi = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let logging = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi);
    let registry = tracing_subscriber::registry();
    if verbosity == 0 {
        // Warnings as plain lines: timestamps and levels are for -v.
        let waits =
            progress::WaitLayer.with_filter(tracing_subscriber::filter::filter_fn(|meta| {
                meta.target().starts_with("awsdeploy_aws") && *meta.level() <= tracing::Level::INFO
            }));
        registry
            .with(logging.without_time().with_level(false).with_filter(filter))
            .with(waits)
            .init();
    } else {
        registry.with(logging.with_filter(filter)).init();
    }
}
