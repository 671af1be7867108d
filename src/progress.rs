//! Progress of an apply, on stderr, in the form that suits the reader:
//!
//! - a terminal: a live spinner line per running change with its elapsed
//!   time, and a permanent line as each one ends;
//! - not a terminal (CI logs): one line per change as it ends;
//! - `--output json`: one JSON object per event (NDJSON), so tools can follow
//!   along while stdout stays a single JSON document.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use awsdeploy_plan::execute::Event;
use awsdeploy_plan::{Action, Key, ResourceChange};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::output::{self, Format};

pub struct Progress {
    mode: Mode,
    total: usize,
    finished: usize,
    started: HashMap<Key, Instant>,
}

enum Mode {
    Lines,
    Json,
    Live {
        bars: MultiProgress,
        running: HashMap<Key, ProgressBar>,
    },
}

fn verb(action: Action, done: bool) -> &'static str {
    match (action, done) {
        (Action::Create, false) => "creating",
        (Action::Update, false) => "updating",
        (Action::Replace, false) => "replacing",
        (Action::Delete, false) => "deleting",
        (Action::Create, true) => "created",
        (Action::Update, true) => "updated",
        (Action::Replace, true) => "replaced",
        (Action::Delete, true) => "deleted",
        (Action::Run, false) => "running",
        (Action::Run, true) => "ran",
    }
}

impl Progress {
    /// Picks the mode from the output format and whether stderr is a terminal.
    pub fn new(format: Format, total: usize) -> Progress {
        let mode = match format {
            Format::Json => Mode::Json,
            Format::Text if std::io::stderr().is_terminal() => Mode::Live {
                bars: MultiProgress::new(),
                running: HashMap::new(),
            },
            Format::Text => Mode::Lines,
        };
        Progress {
            mode,
            total,
            finished: 0,
            started: HashMap::new(),
        }
    }

    fn elapsed(&self, change: &ResourceChange) -> Duration {
        self.started
            .get(&change.key)
            .map_or(Duration::ZERO, Instant::elapsed)
    }

    pub fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Started(change) => {
                tracing::info!(kind = change.kind.label(), name = %change.name, "started");
                self.started.insert(change.key.clone(), Instant::now());
                match &mut self.mode {
                    Mode::Json => json_event("started", change, None, None),
                    Mode::Live { bars, running } => {
                        let bar = bars.add(ProgressBar::new_spinner());
                        bar.set_style(
                            ProgressStyle::with_template("  {spinner} {msg} ({elapsed})")
                                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                        );
                        bar.set_message(format!(
                            "{} {} {}",
                            verb(change.action, false),
                            change.kind.label(),
                            change.name
                        ));
                        bar.enable_steady_tick(Duration::from_millis(120));
                        running.insert(change.key.clone(), bar);
                    }
                    Mode::Lines => {}
                }
            }
            Event::Finished { change, id } => {
                self.finished += 1;
                let elapsed = self.elapsed(change);
                let id = id.or(change.id.as_deref());
                let line = format!(
                    "[{}/{}] {} {} {}{} in {:.1}s",
                    self.finished,
                    self.total,
                    verb(change.action, true),
                    change.kind.label(),
                    change.name,
                    id.map(|id| format!(" ({id})")).unwrap_or_default(),
                    elapsed.as_secs_f64()
                );
                self.end(change, &line, "finished", id, None);
            }
            Event::Failed { change, error } => {
                let error = error.to_string();
                let line = format!(
                    "failed: {} {} {}: {error}",
                    verb(change.action, false),
                    change.kind.label(),
                    change.name
                );
                self.end(change, &line, "failed", None, Some(&error));
            }
        }
    }

    fn end(
        &mut self,
        change: &ResourceChange,
        line: &str,
        event: &str,
        id: Option<&str>,
        error: Option<&str>,
    ) {
        match &mut self.mode {
            Mode::Json => json_event(event, change, id, error),
            Mode::Live { bars, running } => {
                if let Some(bar) = running.remove(&change.key) {
                    bar.finish_and_clear();
                    bars.remove(&bar);
                }
                let _ = bars.println(line);
            }
            Mode::Lines => output::progress(line),
        }
    }

    /// A note between events (e.g. "interrupted"), in the current mode.
    pub fn note(&self, message: &str) {
        match &self.mode {
            Mode::Json => eprintln!(
                "{}",
                serde_json::json!({ "event": "note", "message": message })
            ),
            Mode::Live { bars, .. } => {
                let _ = bars.println(message);
            }
            Mode::Lines => output::progress(message),
        }
    }
}

fn json_event(event: &str, change: &ResourceChange, id: Option<&str>, error: Option<&str>) {
    let mut value = serde_json::json!({
        "event": event,
        "key": change.key,
        "kind": change.kind,
        "name": change.name,
        "action": change.action,
    });
    if let Some(id) = id {
        value["id"] = id.into();
    }
    if let Some(error) = error {
        value["error"] = error.into();
    }
    eprintln!("{value}");
}
