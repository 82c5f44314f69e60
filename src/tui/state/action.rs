//! Everything that can change the console's state: keys, resizes, the clock, and what the
//! background work reports. The runtime turns terminal events and job reports into these;
//! `App::update` takes them one at a time.

use std::path::PathBuf;

use crossterm::event::{Event as TermEvent, KeyEvent, KeyEventKind};

use super::backup::{BackupEnd, StackStatus};
use super::incidents::{Incidents, SettledView};
use super::job::JobId;
use super::log_pane::LogLine;
use super::wizard::{Outcome, Plan, Refusal, Target};
use crate::engine::archive::Manifest;
use crate::engine::catalog::ArchiveInfo;
use crate::engine::progress::Event;
use crate::engine::recover::Released;
use crate::engine::verify::Verdict;

/// Why a folder could not be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListError {
    /// The folder does not exist (yet: nothing was backed up there).
    Missing,
    /// Anything else, in one line.
    Failed(String),
}

/// One thing that happened.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key was pressed (or repeated).
    Key(KeyEvent),
    /// The terminal is now this many columns and rows.
    Resize(u16, u16),
    /// The wall clock: ages and elapsed times are computed from the last tick, never read
    /// from the system inside `update` or drawing (so tests can fix "now").
    Tick(jiff::Timestamp),
    /// A folder listing finished (fast: names, the index and manifest copies only).
    FolderListed {
        folder: usize,
        result: Result<Vec<ArchiveInfo>, ListError>,
    },
    /// A manifest read from inside an archive, in the background.
    ManifestLoaded {
        archive: PathBuf,
        result: Result<Box<Manifest>, String>,
    },
    /// Lifecycle events of a job, in the order the engine sent them.
    JobEvents { job: JobId, events: Vec<Event> },
    /// The latest byte counts of a job's running steps (coalesced).
    JobProgress {
        job: JobId,
        steps: Vec<(String, u64, Option<u64>)>,
    },
    /// A verify job ended (every event it sent came before this).
    VerifyFinished { job: JobId, verdict: Box<Verdict> },
    /// The recovery state was read: interrupted restores, held containers, the lock.
    IncidentsLoaded(Box<Incidents>),
    /// The wizard's profile and component choices for `archive` (or why there are none).
    RestoreTargetLoaded {
        archive: PathBuf,
        result: Result<Box<Target>, String>,
    },
    /// The checklist job ended: the plan, or why there is none.
    RestorePrepared {
        job: JobId,
        result: Result<Box<Plan>, Refusal>,
    },
    /// A restore run ended (every event it sent came before this).
    RestoreFinished { job: JobId, outcome: Box<Outcome> },
    /// A rollback or resume of an interrupted restore ended.
    SettleFinished {
        job: JobId,
        result: Result<SettledView, String>,
    },
    /// "Restart now" ended.
    RestartFinished {
        job: JobId,
        result: Result<Released, String>,
    },
    /// The configured profile, its output folder and last failed run (or why there is none).
    StackLoaded(Result<Box<StackStatus>, String>),
    /// A "backup now" run ended (every event it sent came before this).
    BackupFinished { job: JobId, end: Box<BackupEnd> },
    /// Lines the log tap forwarded, oldest first.
    Log(Vec<LogLine>),
    /// SIGTERM, SIGHUP or SIGINT from outside: cancel the jobs and leave.
    Signal(i32),
    /// The terminal's input ended or failed (the SSH session is gone).
    InputClosed,
}

impl Action {
    /// The job this action ends, if it ends one: the runtime hands the job's last events to
    /// `update` before it.
    pub fn ends_job(&self) -> Option<JobId> {
        match self {
            Action::VerifyFinished { job, .. }
            | Action::RestorePrepared { job, .. }
            | Action::RestoreFinished { job, .. }
            | Action::SettleFinished { job, .. }
            | Action::RestartFinished { job, .. }
            | Action::BackupFinished { job, .. } => Some(*job),
            _ => None,
        }
    }

    /// The action for a terminal event, if it means anything. Key releases are dropped
    /// (terminals with the kitty protocol report them); mouse events never arrive because
    /// mouse capture stays off.
    pub fn from_terminal(ev: TermEvent) -> Option<Action> {
        match ev {
            TermEvent::Key(k) if k.kind != KeyEventKind::Release => Some(Action::Key(k)),
            TermEvent::Resize(w, h) => Some(Action::Resize(w, h)),
            _ => None,
        }
    }
}
