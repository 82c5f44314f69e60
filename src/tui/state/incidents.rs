//! What the console reads about the host's recovery state, read-only: interrupted restores
//! (unsettled journals), containers lifeboat holds stopped (`stopped.json`), and the host lock
//! (the holder record and whether it is held now). Read at start and after every job that can
//! change them; acting on them (settle, restart) is a job that takes the lock.

use std::path::PathBuf;

use super::job::JobId;
use super::steps::StepLog;
use crate::engine::lock::Holder;
use crate::engine::recover::Released;

/// The interrupted-restore modal's choices, in order; the first is the default.
pub const CHOICES: [&str; 3] = [
    "Roll back: put the old data back",
    "Resume: keep what passed, restore the rest",
    "Later",
];

/// An unsettled restore journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interrupted {
    pub id: String,
    /// `journal::Read::describe`: "restore X (a, b) was interrupted at swap:b with b half-swapped".
    pub describe: String,
    pub archive: PathBuf,
    pub sha256: String,
    pub components: Vec<String>,
    /// Each journalled component and where it got to ("half-swapped", "swapped and checked").
    pub units: Vec<(String, &'static str)>,
    pub began_at: String,
    pub pid: u32,
    /// Its process still runs: a restore in progress elsewhere, not an interrupted one.
    pub alive: bool,
    pub profile_spec: Option<String>,
    pub undoes: Option<String>,
    pub keep_partial: bool,
}

/// A container lifeboat holds stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub container: String,
    pub since: String,
    /// What stopped it (`restore postgres 20260106...`).
    pub purpose: String,
    pub was_running: bool,
    pub restart_policy: String,
    /// The interrupted restore that keeps it stopped (half-swapped), if any.
    pub frozen_by: Option<String>,
}

/// The host lock as seen from outside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockInfo {
    pub path: PathBuf,
    /// The record in the lock file (it may be stale: `held` says whether anyone holds it).
    pub holder: Option<Holder>,
    pub now: LockNow,
}

/// Whether the lock is held right now, from `/proc/locks`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LockNow {
    #[default]
    NotRead,
    /// Held by this process id (as the kernel names it).
    Held(i64),
    Free,
    /// `/proc/locks` could not be read.
    Unknown(String),
}

/// Everything the incident views show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Incidents {
    pub interrupted: Vec<Interrupted>,
    pub stopped: Vec<Held>,
    pub lock: LockInfo,
    /// What could not be read (an unreadable journal or stopped.json), one line each.
    pub problems: Vec<String>,
    /// Without a state folder there is nothing to read (and no restore).
    pub state: Option<PathBuf>,
}

impl Incidents {
    /// The first interrupted restore whose process is gone: the one to settle.
    pub fn to_settle(&self) -> Option<&Interrupted> {
        self.interrupted.iter().find(|r| !r.alive)
    }
}

/// What settling did (`restore::settle::Settled`, as the screen needs it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettledView {
    pub rolled_back: Vec<String>,
    pub kept: Vec<String>,
    pub remaining: Vec<String>,
    pub started: Vec<String>,
    pub notes: Vec<String>,
}

/// A rollback or resume of an interrupted restore, running or done.
#[derive(Debug, Clone)]
pub struct Settle {
    pub job: JobId,
    pub restore: Interrupted,
    /// Resume (keep what passed) rather than roll back.
    pub forward: bool,
    pub started: jiff::Timestamp,
    pub finished: Option<jiff::Timestamp>,
    pub log: StepLog,
    pub result: Option<Result<SettledView, String>>,
}

/// "Restart now" of the held containers, running or done.
#[derive(Debug, Clone)]
pub struct Restart {
    pub job: JobId,
    pub result: Option<Result<Released, String>>,
    pub log: StepLog,
}
