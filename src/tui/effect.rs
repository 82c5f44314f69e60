//! What `App::update` asks the runtime to do: the only way state changes reach the outside
//! world (files, the engine, the process). `update` itself never does I/O.

use std::path::PathBuf;

use crate::tui::action::JobId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// List a backup folder (answered by `Action::FolderListed`).
    ListFolder { folder: usize, dir: PathBuf },
    /// Read these archives' manifests from inside them, one after the other, in the
    /// background (answered by one `Action::ManifestLoaded` each).
    LoadManifests { archives: Vec<PathBuf> },
    /// Verify one archive (or orphan sidecar) as job `job`.
    StartVerify { job: JobId, archive: PathBuf },
    /// Ask job `job` to stop at its next check.
    CancelJob { job: JobId },
    /// Leave: every job has ended.
    Quit,
}
