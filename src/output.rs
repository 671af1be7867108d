//! stdout carries data (plans, JSON); everything else goes to stderr.

#![allow(clippy::print_stdout)] // the one module that writes stdout

use std::io::IsTerminal as _;

use awsdeploy_plan::render::Colour;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Writes `text` to stdout as is.
pub fn data(text: &str) {
    print!("{text}");
}

/// Writes a JSON value to stdout, pretty, with a trailing newline.
pub fn json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// Colour for stdout: a terminal, and `NO_COLOR` unset or empty.
pub fn colour() -> Colour {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if std::io::stdout().is_terminal() && !no_color {
        Colour::Always
    } else {
        Colour::Never
    }
}

/// A progress line on stderr.
pub fn progress(line: &str) {
    eprintln!("{line}");
}
