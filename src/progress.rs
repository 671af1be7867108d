//! Progress of an apply, on stderr, in the form that suits the reader:
//!
//! - a terminal: a live spinner line per running change with its elapsed
//!   time and what its wait last saw (`rollout of shop-dev-api:2: 1
//!   running, 1 pending of 2`), and a permanent line as each one ends;
//! - not a terminal (CI logs): one line per change as it ends, and one per
//!   state a wait sees, without colour or timestamps;
//! - `--output json`: one JSON object per event (NDJSON), so tools can follow
//!   along while stdout stays a single JSON document.
//!
//! What waits see reaches here as tracing events of `awsdeploy_aws::wait`
//! ([`WaitLayer`]), inside the span of the step they belong to; tracing's
//! own lines are for `-v`.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use awsdeploy_plan::execute::Event;
use awsdeploy_plan::{Action, Key, ResourceChange};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::output::{self, Format};

pub struct Progress {
    screen: &'static Screen,
    total: usize,
    finished: usize,
    started: HashMap<Key, Instant>,
}

/// Where progress goes, for the whole process: chosen by the first
/// [`Progress`]; before that, plain lines.
static SCREEN: OnceLock<Screen> = OnceLock::new();

enum Screen {
    Lines,
    Json,
    Live {
        bars: MultiProgress,
        /// The running changes' spinners by key text, with what each is
        /// doing (`updating service shop-dev/api`).
        running: Mutex<HashMap<String, (ProgressBar, String)>>,
    },
}

impl Screen {
    fn running(&self) -> Option<std::sync::MutexGuard<'_, HashMap<String, (ProgressBar, String)>>> {
        match self {
            Screen::Live { running, .. } => {
                Some(running.lock().unwrap_or_else(PoisonError::into_inner))
            }
            Screen::Lines | Screen::Json => None,
        }
    }
}

/// A line between events (an ECS service event, a migration's log line, a
/// note), above the spinners on a terminal, as a `note` event in JSON.
pub fn line(message: &str) {
    match SCREEN.get() {
        Some(Screen::Json) => eprintln!(
            "{}",
            serde_json::json!({ "event": "note", "message": message })
        ),
        Some(Screen::Live { bars, .. }) => {
            let _ = bars.println(message);
        }
        Some(Screen::Lines) | None => output::progress(message),
    }
}

/// What a wait saw: on its change's spinner when there is one, else a
/// line (in JSON, a `waiting` event).
fn waiting(key: Option<&str>, what: &str, state: &str, waited_s: u64) {
    let screen = SCREEN.get();
    if let Some(Screen::Json) = screen {
        eprintln!(
            "{}",
            serde_json::json!({ "event": "waiting", "key": key, "what": what, "state": state, "waited_s": waited_s })
        );
        return;
    }
    if let (Some(key), Some(mut running)) = (key, screen.and_then(Screen::running))
        && let Some((bar, doing)) = running.get_mut(key)
    {
        let what = what.strip_prefix("the ").unwrap_or(what);
        bar.set_message(format!("{doing}: {what}: {state}"));
        return;
    }
    line(&format!("waiting for {what}: {state} ({waited_s}s so far)"));
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
        let screen = SCREEN.get_or_init(|| match format {
            Format::Json => Screen::Json,
            Format::Text if std::io::stderr().is_terminal() => Screen::Live {
                bars: MultiProgress::new(),
                running: Mutex::default(),
            },
            Format::Text => Screen::Lines,
        });
        Progress {
            screen,
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
                match self.screen {
                    Screen::Json => json_event("started", change, None, None),
                    Screen::Live { bars, running } => {
                        let bar = bars.add(ProgressBar::new_spinner());
                        bar.set_style(
                            ProgressStyle::with_template("  {spinner} {msg} ({elapsed})")
                                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                        );
                        let doing = format!(
                            "{} {} {}",
                            verb(change.action, false),
                            change.kind.label(),
                            change.name
                        );
                        bar.set_message(doing.clone());
                        bar.enable_steady_tick(Duration::from_millis(120));
                        running
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .insert(change.key.to_string(), (bar, doing));
                    }
                    Screen::Lines => {}
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
        match self.screen {
            Screen::Json => json_event(event, change, id, error),
            Screen::Live { bars, running } => {
                let bar = running
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&change.key.to_string());
                if let Some((bar, _)) = bar {
                    bar.finish_and_clear();
                    bars.remove(&bar);
                }
                let _ = bars.println(line);
            }
            Screen::Lines => output::progress(line),
        }
    }
}

/// The tracing layer that hands what waits see (events of
/// `awsdeploy_aws::wait`) to the screen, matched to their step by the
/// `step` span's `key`. Installed when tracing's own lines are off.
pub struct WaitLayer;

/// A `step` span's key, kept in the span's extensions.
struct StepKey(String);

#[derive(Default)]
struct Fields {
    message: String,
    what: Option<String>,
    state: Option<String>,
    key: Option<String>,
    waited_s: u64,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        match field.name() {
            "message" => self.message = text,
            "what" => self.what = Some(text),
            "state" => self.state = Some(text),
            "key" => self.key = Some(text),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => value.clone_into(&mut self.message),
            "what" => self.what = Some(value.to_owned()),
            "state" => self.state = Some(value.to_owned()),
            "key" => self.key = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "waited_s" {
            self.waited_s = value;
        }
    }
}

impl<S> tracing_subscriber::Layer<S> for WaitLayer
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        if attrs.metadata().name() != "step" {
            return;
        }
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let (Some(key), Some(span)) = (fields.key, ctx.span(id)) {
            span.extensions_mut().insert(StepKey(key));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        if meta.target() != "awsdeploy_aws::wait" || *meta.level() != tracing::Level::INFO {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let key = ctx.event_scope(event).and_then(|scope| {
            scope
                .from_root()
                .find_map(|span| span.extensions().get::<StepKey>().map(|k| k.0.clone()))
        });
        match (fields.what, fields.state) {
            (Some(what), Some(state)) => waiting(key.as_deref(), &what, &state, fields.waited_s),
            _ => line(&fields.message),
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
