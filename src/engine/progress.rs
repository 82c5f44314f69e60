//! Typed progress events and the reporter seam the caller owns.
//!
//! The engine calls a [`Reporter`]; it never knows whether a terminal, a JSON stream or the
//! TUI is listening. Delivery never blocks or slows the engine: byte counts are coalesced to
//! the latest value per step, lifecycle events go through an unbounded queue and are never
//! dropped. [`Hub`] is the standard implementation; its [`HubView`] is what renderers read.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

/// Cooperative cancellation: engine loops check it between chunks and steps.
pub use tokio_util::sync::CancellationToken as Cancel;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    Ok,
    Warning,
    Failed,
    Skipped,
    Cancelled,
}

/// A step's id, as events, the journal and the console carry it: the restore's steps of one
/// component (`stage:NAME` its database loaded into a scratch, `swap:NAME` its stop, safety
/// copy, swap, start and checks, `safety:NAME` its safety copy), a backup's capture of one
/// component (`component:NAME`, also inside a safety copy), and the steps of a whole job
/// (`read`, `hash`, `write`, ...). Built and parsed here only; the text is a contract
/// (docs/json.md, docs/journal.md).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum StepId {
    Stage(String),
    Swap(String),
    Safety(String),
    Component(String),
    /// A step of the whole job.
    Job(String),
}

impl StepId {
    /// Reads an id as [`StepId`]'s `Display` writes it; anything else is a job's step.
    pub fn parse(s: &str) -> StepId {
        match s.split_once(':') {
            Some(("stage", c)) => StepId::Stage(c.into()),
            Some(("swap", c)) => StepId::Swap(c.into()),
            Some(("safety", c)) => StepId::Safety(c.into()),
            Some(("component", c)) => StepId::Component(c.into()),
            _ => StepId::Job(s.into()),
        }
    }

    /// The component the step is about, if it is about one.
    pub fn component(&self) -> Option<&str> {
        match self {
            StepId::Stage(c) | StepId::Swap(c) | StepId::Safety(c) | StepId::Component(c) => {
                Some(c)
            }
            StepId::Job(_) => None,
        }
    }
}

impl std::fmt::Display for StepId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepId::Stage(c) => write!(f, "stage:{c}"),
            StepId::Swap(c) => write!(f, "swap:{c}"),
            StepId::Safety(c) => write!(f, "safety:{c}"),
            StepId::Component(c) => write!(f, "component:{c}"),
            StepId::Job(s) => f.write_str(s),
        }
    }
}

/// A lifecycle event. Serialized as-is into `--json` lines (docs/json.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A job (verify, backup, restore...) began.
    JobStarted { job: String, target: String },
    /// A step of the current job began; `total` is its size in bytes when known.
    StepStarted {
        step: String,
        label: String,
        total: Option<u64>,
    },
    /// Latest byte count of a step. Coalesced: only the newest value per step is delivered.
    Progress {
        step: String,
        done: u64,
        total: Option<u64>,
    },
    /// A step ended.
    StepFinished {
        step: String,
        outcome: StepOutcome,
        detail: Option<String>,
    },
    /// Something the operator should know; the job goes on.
    Warning { message: String },
    /// Something done on the operator's behalf worth a line (a container started again).
    Note { message: String },
    /// The job ended; `ok` is false when it failed or was cancelled.
    JobFinished {
        job: String,
        ok: bool,
        summary: String,
    },
}

/// Where the engine sends its events. Implementations must return quickly and never block.
pub trait Reporter: Send + Sync {
    /// A lifecycle event; must never be dropped.
    fn event(&self, event: Event);
    /// The latest byte count of a step; may be coalesced.
    fn progress(&self, step: &str, done: u64, total: Option<u64>);
}

/// A reporter that discards everything (tests, quiet callers).
pub struct Silent;

impl Reporter for Silent {
    fn event(&self, _: Event) {}
    fn progress(&self, _: &str, _: u64, _: Option<u64>) {}
}

#[derive(Default)]
struct Latest {
    steps: BTreeMap<String, (u64, Option<u64>)>,
    /// Bumped on every update so a renderer can tell whether anything changed.
    version: u64,
}

/// The standard reporter: an unbounded lifecycle queue plus a latest-value progress table.
pub struct Hub {
    events: Sender<Event>,
    latest: Arc<Mutex<Latest>>,
}

/// The reading side of a [`Hub`], owned by one renderer.
pub struct HubView {
    events: Receiver<Event>,
    latest: Arc<Mutex<Latest>>,
    seen_version: u64,
}

impl Hub {
    /// A new hub and the view a renderer reads it through.
    pub fn new() -> (Hub, HubView) {
        let (tx, rx) = mpsc::channel();
        let latest = Arc::new(Mutex::new(Latest::default()));
        (
            Hub {
                events: tx,
                latest: latest.clone(),
            },
            HubView {
                events: rx,
                latest,
                seen_version: 0,
            },
        )
    }
}

/// One log line per lifecycle event (never per byte count): the post-mortem record of what a
/// run did, in `lifeboat.log` and the console's log pane. The texts are the ones already shown
/// on the screen, which never carry secrets.
fn log(event: &Event) {
    // Names from disk and archives reach these texts: no terminal escapes into the log file.
    use crate::engine::text::sanitize as clean;
    match event {
        Event::JobStarted { job, target } => {
            tracing::info!(job, target = %clean(target), "job started")
        }
        Event::StepStarted { step, label, .. } => tracing::info!(step, "{}", clean(label)),
        Event::StepFinished {
            step,
            outcome: StepOutcome::Failed,
            detail,
        } => match detail {
            Some(d) => tracing::warn!(step, "step failed: {}", clean(d)),
            None => tracing::warn!(step, "step failed"),
        },
        Event::StepFinished { step, outcome, .. } => {
            tracing::info!(step, "step {}", outcome_word(*outcome))
        }
        Event::Warning { message } => tracing::warn!("{}", clean(message)),
        Event::Note { message } => tracing::info!("{}", clean(message)),
        Event::JobFinished {
            job,
            ok: true,
            summary,
        } => tracing::info!(job, "{}", clean(summary)),
        Event::JobFinished { job, summary, .. } => tracing::warn!(job, "{}", clean(summary)),
        Event::Progress { .. } => {}
    }
}

fn outcome_word(o: StepOutcome) -> &'static str {
    match o {
        StepOutcome::Ok => "done",
        StepOutcome::Warning => "done with a warning",
        StepOutcome::Skipped => "skipped",
        StepOutcome::Failed => "failed",
        StepOutcome::Cancelled => "cancelled",
    }
}

impl Reporter for Hub {
    fn event(&self, event: Event) {
        log(&event);
        if let Event::StepFinished { step, .. } = &event {
            let mut l = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
            l.steps.remove(step);
            l.version += 1;
        }
        // A send fails only when the view is gone: nobody is listening, nothing to keep.
        let _ = self.events.send(event);
    }

    fn progress(&self, step: &str, done: u64, total: Option<u64>) {
        let mut l = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        match l.steps.get_mut(step) {
            Some(v) => *v = (done, total),
            None => {
                l.steps.insert(step.to_string(), (done, total));
            }
        }
        l.version += 1;
    }
}

impl HubView {
    /// Lifecycle events that arrived since the last call, in order.
    pub fn drain(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }

    /// The latest byte counts of running steps, if they changed since the last call.
    pub fn progress_if_changed(&mut self) -> Option<Vec<(String, u64, Option<u64>)>> {
        let l = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        if l.version == self.seen_version {
            return None;
        }
        self.seen_version = l.version;
        Some(
            l.steps
                .iter()
                .map(|(k, (d, t))| (k.clone(), *d, *t))
                .collect(),
        )
    }
}

/// Counts bytes for one step and reports them at most every `EVERY` bytes, so hot loops
/// can call [`StepCounter::add`] per chunk without flooding the reporter.
pub struct StepCounter<'a> {
    reporter: &'a dyn Reporter,
    step: String,
    total: Option<u64>,
    done: u64,
    reported: u64,
}

impl<'a> StepCounter<'a> {
    const EVERY: u64 = 256 * 1024;

    pub fn new(reporter: &'a dyn Reporter, step: impl Into<String>, total: Option<u64>) -> Self {
        StepCounter {
            reporter,
            step: step.into(),
            total,
            done: 0,
            reported: 0,
        }
    }

    pub fn add(&mut self, n: u64) {
        self.done += n;
        if self.done - self.reported >= Self::EVERY {
            self.flush();
        }
    }

    pub fn flush(&mut self) {
        self.reported = self.done;
        self.reporter.progress(&self.step, self.done, self.total);
    }

    pub fn done(&self) -> u64 {
        self.done
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn step_ids_read_back_as_they_are_written() {
        for id in [
            StepId::Stage("postgres".into()),
            StepId::Swap("redis".into()),
            StepId::Safety("chromadb".into()),
            StepId::Component("ollama".into()),
            StepId::Job("write".into()),
        ] {
            assert_eq!(StepId::parse(&id.to_string()), id);
        }
        assert_eq!(StepId::Swap("redis".into()).to_string(), "swap:redis");
        assert_eq!(StepId::parse("hash"), StepId::Job("hash".into()));
        assert_eq!(StepId::parse("swap:redis").component(), Some("redis"));
        assert_eq!(StepId::parse("read").component(), None);
    }

    use super::*;

    /// Everything a `tracing` subscriber writes, for asserting on log lines.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lifecycle_events_are_logged_once_each_and_cleaned_progress_never() {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let (hub, _view) = Hub::new();
            hub.event(Event::StepStarted {
                step: "read".into(),
                label: "reading evil\x1b[2J.tar.gz".into(),
                total: Some(10),
            });
            hub.progress("read", 5, Some(10));
            hub.event(Event::StepFinished {
                step: "read".into(),
                outcome: StepOutcome::Failed,
                detail: None,
            });
            hub.event(Event::Warning {
                message: "disk almost full".into(),
            });
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].contains("INFO") && lines[0].contains("reading evil"),
            "{text}"
        );
        assert!(
            !text.contains('\x1b'),
            "an escape reached the log: {text:?}"
        );
        assert!(
            lines[1].contains("WARN") && lines[1].contains("step failed step=\"read\""),
            "{text}"
        );
        assert!(
            lines[2].contains("WARN") && lines[2].contains("disk almost full"),
            "{text}"
        );
    }

    #[test]
    fn progress_is_coalesced_and_lifecycle_kept() {
        let (hub, mut view) = Hub::new();
        hub.event(Event::StepStarted {
            step: "hash".into(),
            label: "hash".into(),
            total: Some(10),
        });
        for i in 0..1000 {
            hub.progress("hash", i, Some(1000));
        }
        let p = view.progress_if_changed().expect("changed");
        assert_eq!(p, vec![("hash".to_string(), 999, Some(1000))]);
        assert!(
            view.progress_if_changed().is_none(),
            "nothing changed since"
        );
        hub.event(Event::StepFinished {
            step: "hash".into(),
            outcome: StepOutcome::Ok,
            detail: None,
        });
        let ev = view.drain();
        assert_eq!(ev.len(), 2);
        assert_eq!(
            view.progress_if_changed(),
            Some(vec![]),
            "finished step leaves the table"
        );
    }

    #[test]
    fn events_serialize_with_their_tag() {
        let e = Event::Warning {
            message: "low disk".into(),
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"event":"warning","message":"low disk"}"#
        );
    }
}
