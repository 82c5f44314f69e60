//! `LIFEBOAT_FRAME_TRACE=FILE`: the console's timing for `scripts/bench`, one JSON line per
//! measurement: each key's latency from its arrival to the end of the draw that shows it, the
//! first frame that shows every folder listed, and the first with every manifest copy read. Off (and free) when the variable is unset.

use std::io::Write;
use std::time::Instant;

use crate::tui::state::app::{App, FolderStatus};

pub struct FrameTrace {
    out: Option<std::io::BufWriter<std::fs::File>>,
    /// Arrival times of the keys no frame has shown yet.
    keys: Vec<Instant>,
    listed: bool,
    manifests_read: bool,
    started: Instant,
}

impl FrameTrace {
    /// Traces into the file `LIFEBOAT_FRAME_TRACE` names (appended); off when it is unset or
    /// cannot be opened (a benchmark aid never stops the console).
    pub fn from_env() -> FrameTrace {
        let out = std::env::var_os("LIFEBOAT_FRAME_TRACE").and_then(|p| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .ok()
                .map(std::io::BufWriter::new)
        });
        FrameTrace {
            out,
            keys: Vec::new(),
            listed: false,
            manifests_read: false,
            started: Instant::now(),
        }
    }

    /// A key arrived from the terminal.
    pub fn key(&mut self) {
        if self.out.is_some() {
            self.keys.push(Instant::now());
        }
    }

    /// A frame of `app` was drawn and flushed to the terminal.
    pub fn drawn(&mut self, app: &App) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let now = Instant::now();
        for k in self.keys.drain(..) {
            let _ = writeln!(
                out,
                r#"{{"event":"key","latency_us":{}}}"#,
                now.duration_since(k).as_micros()
            );
        }
        let all_listed = !app.folders.is_empty()
            && app
                .folders
                .iter()
                .all(|f| !matches!(f.status, FolderStatus::Loading));
        if all_listed && !self.listed {
            self.listed = true;
            let unix_ms = jiff::Timestamp::now().as_millisecond();
            let _ = writeln!(
                out,
                r#"{{"event":"listed","archives":{},"since_start_ms":{},"unix_ms":{unix_ms}}}"#,
                app.entries.len(),
                now.duration_since(self.started).as_millis()
            );
        }
        // Components and badges need every manifest copy read (in the background).
        if self.listed && !self.manifests_read && app.entries.iter().all(|e| !e.manifest_pending) {
            self.manifests_read = true;
            let _ = writeln!(
                out,
                r#"{{"event":"manifests_read","archives":{},"since_start_ms":{}}}"#,
                app.entries.len(),
                now.duration_since(self.started).as_millis()
            );
        }
        let _ = out.flush();
    }
}
