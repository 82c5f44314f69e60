//! What `App::update` asks the runtime to do: the only way state changes reach the outside
//! world (files, the engine, the process). `update` itself never does I/O.

use std::path::PathBuf;

use super::job::JobId;
use super::wizard::{PrepareRequest, RunRequest};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// List a backup folder (answered by `Action::FolderListed`).
    ListFolder { folder: usize, dir: PathBuf },
    /// Read these archives' manifests from inside them, one after the other, in the
    /// background (answered by one `Action::ManifestLoaded` each).
    LoadManifests { archives: Vec<PathBuf> },
    /// Verify one archive (or orphan sidecar) as job `job`.
    StartVerify { job: JobId, archive: PathBuf },
    /// Read the recovery state (answered by `Action::IncidentsLoaded`).
    LoadIncidents,
    /// Load the profile for a restore of `archive` (answered by `Action::RestoreTargetLoaded`).
    RestoreTarget {
        archive: PathBuf,
        spec: Option<String>,
    },
    /// Arm the restore (take the lock, once per wizard) and run the checklist for real, as job
    /// `job` (answered by `Action::RestorePrepared`).
    RestorePrepare { job: JobId, request: PrepareRequest },
    /// Run the prepared restore as job `job` (answered by `Action::RestoreFinished`).
    RestoreRun { job: JobId, request: RunRequest },
    /// The wizard closed: drop its staged copy and release the lock.
    RestoreClose,
    /// Roll back (or resume) interrupted restore `id` under the lock, as job `job`.
    Settle {
        job: JobId,
        id: String,
        forward: bool,
    },
    /// Start again what lifeboat holds stopped, under the lock, as job `job`.
    RestartStopped { job: JobId },
    /// Read the configured profile and its last failed run (answered by `Action::StackLoaded`).
    LoadStack,
    /// Back up the configured profile now, under the lock, as job `job` (answered by
    /// `Action::BackupFinished`).
    StartBackup { job: JobId },
    /// Ask job `job` to stop at its next check.
    CancelJob { job: JobId },
    /// Leave: every job has ended.
    Quit,
}
