//! The state of the stack's status in the browser's header (the configured profile, its output
//! folder and its last failed backup run from runs.jsonl) and of "backup now" (the run as a job
//! with live progress and cancel, and how it ended). `update/backup.rs` changes it, the
//! backend fills it; drawing is in `screens/backup.rs` and the browser's header.

use std::path::PathBuf;

use super::job::JobId;
use super::steps::StepLog;
use crate::engine::runs::Run;

/// The configured profile as the backend read it (the one `lifeboat backup` would back up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackStatus {
    pub profile: String,
    /// Where its backups go.
    pub output_dir: PathBuf,
    /// The newest failed run of the profile in runs.jsonl (none without a state folder).
    pub last_failed: Option<Run>,
}

/// How a backup run ended, as the summary shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupEnd {
    /// The exit code `lifeboat backup` would have given (and runs.jsonl records).
    pub exit_code: u8,
    /// The committed archive and its size, if one was committed.
    pub archive: Option<(PathBuf, u64)>,
    pub captured: Vec<String>,
    /// Components that failed, with why.
    pub failed: Vec<(String, String)>,
    /// Warnings (shrinkage, low space, containers started again).
    pub warnings: Vec<String>,
    /// Containers stopped for a consistent copy and started again.
    pub restarted: Vec<String>,
    /// Why nothing was committed (the run's error).
    pub error: Option<String>,
}

impl BackupEnd {
    /// A run that ended without an archive.
    pub fn failed(exit_code: u8, why: String) -> BackupEnd {
        BackupEnd {
            exit_code,
            archive: None,
            captured: Vec::new(),
            failed: Vec::new(),
            warnings: Vec::new(),
            restarted: Vec::new(),
            error: Some(why),
        }
    }
}

/// The backup of this session (one at a time: it takes the host lock).
#[derive(Debug, Clone)]
pub struct BackupRun {
    pub job: JobId,
    pub profile: String,
    pub output_dir: PathBuf,
    pub started: jiff::Timestamp,
    pub finished: Option<jiff::Timestamp>,
    pub log: StepLog,
    /// Cancel was asked; the engine stops at its next check and starts what it stopped.
    pub cancelling: bool,
    pub end: Option<BackupEnd>,
}

impl BackupRun {
    pub fn running(&self) -> bool {
        self.end.is_none()
    }
}
