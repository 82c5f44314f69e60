//! Tracing into the console: a `tracing_subscriber` layer that copies every event at INFO and
//! above, as one sanitised line, to the console while it runs. Nothing here ever writes to the
//! terminal: the console owns it, and a line printed over the alternate screen would garble it.
//!
//! The layer sits next to the log file's (`cli/logging.rs`) for the whole process, but only
//! forwards while a console holds the slot ([`Tap::open`] on start, [`Tap::close`] on exit).
//! The thread that logs never waits: the channel is bounded and a full one drops the line
//! (the log file still has it), and a slot being swapped at that instant drops it too.

use std::fmt::{Debug, Write as _};
use std::sync::{Arc, LazyLock, RwLock};

use tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::tui::state::log_pane::LogLine;

/// Lines waiting for the console beyond this are dropped: a burst must not grow memory
/// without bound while the event loop is busy, and the pane keeps far fewer anyway.
pub const QUEUE: usize = 1024;

/// The slot a running console fills with its channel. Cloning shares the slot.
#[derive(Clone, Default)]
pub struct Tap {
    slot: Arc<RwLock<Option<mpsc::Sender<LogLine>>>>,
}

static CONSOLE: LazyLock<Tap> = LazyLock::new(Tap::default);

impl Tap {
    /// The process's tap: the one the log setup installs and the console opens.
    pub fn console() -> Tap {
        CONSOLE.clone()
    }

    /// Starts forwarding; the console reads the lines from the receiver.
    pub fn open(&self) -> mpsc::Receiver<LogLine> {
        let (tx, rx) = mpsc::channel(QUEUE);
        if let Ok(mut slot) = self.slot.write() {
            *slot = Some(tx);
        }
        rx
    }

    /// Stops forwarding (the console is closing; what it would print now goes to the file).
    pub fn close(&self) {
        if let Ok(mut slot) = self.slot.write() {
            *slot = None;
        }
    }

    fn forward(&self, line: impl FnOnce() -> LogLine) {
        // `try_read`: while `open` or `close` swap the slot, drop the line rather than wait.
        let Ok(slot) = self.slot.try_read() else {
            return;
        };
        if let Some(tx) = slot.as_ref() {
            let _ = tx.try_send(line());
        }
    }
}

impl<S: Subscriber> Layer<S> for Tap {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        // Checked here, not in `enabled`: a layer's `enabled` would filter the file too.
        if *meta.level() > Level::INFO {
            return;
        }
        self.forward(|| {
            let mut f = Fields::default();
            event.record(&mut f);
            let target = meta.target();
            let target = target.strip_prefix("lifeboat::").unwrap_or(target);
            LogLine {
                at: jiff::Timestamp::now(),
                level: *meta.level(),
                text: crate::engine::text::sanitize(&format!("{target}: {}{}", f.message, f.rest)),
            }
        });
    }
}

/// The message, then every other field as ` key=value` (values as the log file writes them).
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    fn with_tap(tap: &Tap, f: impl FnOnce()) {
        let subscriber = tracing_subscriber::registry().with(tap.clone());
        tracing::subscriber::with_default(subscriber, f);
    }

    #[test]
    fn events_arrive_as_one_sanitised_line_info_and_above() {
        let tap = Tap::default();
        let mut rx = tap.open();
        with_tap(&tap, || {
            tracing::debug!("not forwarded");
            tracing::info!(volume = "tars_pg", "created a volume");
            tracing::warn!(target: "lifeboat::docker::image", id = %"abc", "pulled\x1b[2J\nagain");
            tracing::error!("panic: {}", 42);
        });
        let a = rx.try_recv().unwrap();
        assert_eq!(a.level, Level::INFO);
        assert_eq!(
            a.text,
            "tui::log_tap::tests: created a volume volume=\"tars_pg\""
        );
        let b = rx.try_recv().unwrap();
        assert_eq!(b.level, Level::WARN);
        assert!(b.is_warning());
        assert_eq!(b.text, "docker::image: pulled\\x1b[2J\\x0aagain id=abc");
        let c = rx.try_recv().unwrap();
        assert_eq!(c.level, Level::ERROR);
        assert!(c.text.ends_with(": panic: 42"), "{}", c.text);
        assert!(rx.try_recv().is_err(), "DEBUG is not forwarded");
    }

    #[test]
    fn logging_with_no_console_or_a_full_queue_never_blocks() {
        let tap = Tap::default();
        // No console: nothing to send to.
        with_tap(&tap, || {
            for i in 0..10 {
                tracing::warn!(i, "nobody listens");
            }
        });
        // A console that never reads: the queue fills, the rest is dropped, nothing waits.
        let mut rx = tap.open();
        with_tap(&tap, || {
            for i in 0..QUEUE + 100 {
                tracing::info!(i, "flood");
            }
        });
        let mut n = 0;
        while rx.try_recv().is_ok() {
            n += 1;
        }
        assert_eq!(n, QUEUE);
        // Closed: the console is gone; a receiver dropped early is no different.
        tap.close();
        drop(rx);
        with_tap(&tap, || tracing::error!("after the console"));
        let rx = tap.open();
        drop(rx);
        with_tap(&tap, || tracing::error!("receiver gone"));
    }
}
