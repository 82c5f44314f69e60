//! The state of the jobs and log pane (`J`): the tail of the log the tap (`log_tap.rs`)
//! forwards, how far it is scrolled back, the warnings not seen yet, and the row of a job as the
//! pane lists it (the rows of wizards already closed are kept in `App`). `update/log_pane.rs`
//! changes it; `view/log_pane.rs` lists the jobs; drawing is in `screens/log_pane.rs`.

use std::collections::VecDeque;

use tracing::Level;

/// Lines the pane keeps; older ones are dropped (the log file has them all).
pub const KEEP: usize = 500;

/// One event as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub at: jiff::Timestamp,
    pub level: Level,
    /// "target: message key=value ...", sanitised, one line.
    pub text: String,
}

impl LogLine {
    /// WARN or ERROR: what the pane styles and the browser counts.
    pub fn is_warning(&self) -> bool {
        self.level <= Level::WARN
    }
}

/// The log lines of this session, as the pane shows them.
#[derive(Debug, Clone, Default)]
pub struct LogTail {
    pub lines: VecDeque<LogLine>,
    /// How many lines up from the end the view's last row is; 0 follows the end.
    pub back: usize,
    /// WARN lines that arrived while the pane was not on top (the browser says so).
    pub unseen_warnings: usize,
    /// ERROR lines likewise.
    pub unseen_errors: usize,
}

/// How a job's status reads: the colour of its word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Running,
    Ok,
    Warn,
    Bad,
}

/// One job of the session as the pane lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub kind: &'static str,
    /// The archive (without its extension), the profile, or the restore's id.
    pub what: String,
    pub status: String,
    pub tone: Tone,
    pub started: jiff::Timestamp,
    pub finished: Option<jiff::Timestamp>,
}
