//! The engine work the console needs, behind a trait: list a folder, read a manifest from
//! inside an archive, verify an archive; read the recovery state; the restore (load the
//! target, arm and prepare the checklist for real, run, close), settle an interrupted one,
//! restart what is held stopped; the stack's status and "backup now". The real engine is
//! behind it in `real.rs`; tests use scripted fakes. Every method blocks: the runtime calls
//! them on tokio's blocking threads, never on the threads that draw and read keys.

use std::path::Path;

use crate::engine::archive::Manifest;
use crate::engine::catalog::ArchiveInfo;
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::recover::Released;
use crate::engine::verify::{self, Verdict};
use crate::tui::state::action::ListError;
use crate::tui::state::backup::{BackupEnd, StackStatus};
use crate::tui::state::incidents::{Incidents, SettledView};
use crate::tui::state::wizard::{Outcome, Plan, PrepareRequest, Refusal, RunRequest, Target};

/// What a backend without a restore engine answers.
const NO_RESTORE: &str = "this console has no restore engine";
/// What a backend without a backup engine answers.
const NO_BACKUP: &str = "this console has no backup engine";

pub trait Backend: Send + Sync + 'static {
    /// The folder's archives, fast: names, the index and manifest copies only.
    fn list(&self, dir: &Path) -> Result<Vec<ArchiveInfo>, ListError>;
    /// The manifest read from inside the archive (slow for a big version-1 archive).
    fn manifest(&self, archive: &Path) -> Result<Manifest, String>;
    /// A full verify; reports through `reporter`, stops soon after `cancel` fires.
    fn verify(&self, archive: &Path, reporter: &dyn Reporter, cancel: &Cancel) -> Verdict;

    /// Interrupted restores, held containers and the lock, read without taking the lock.
    fn incidents(&self) -> Incidents {
        Incidents::default()
    }

    /// The profile a restore of `archive` uses (`spec`: the archive's own profile, else the
    /// configured one) and the archive's components with the default selection.
    fn restore_target(&self, _archive: &Path, _spec: Option<&str>) -> Result<Target, String> {
        Err(NO_RESTORE.into())
    }

    /// Arms the restore (the lock, once per wizard) and runs the checklist for real: the
    /// archive staged and proven, every item evaluated. Replaces an earlier plan.
    fn restore_prepare(
        &self,
        _req: &PrepareRequest,
        _reporter: &dyn Reporter,
        _cancel: &Cancel,
    ) -> Result<Plan, Refusal> {
        Err(Refusal::Failed(NO_RESTORE.into()))
    }

    /// Runs the prepared restore with the operator's waivers; the wizard's lock and staged
    /// copy go when it ends.
    fn restore_run(
        &self,
        _req: &RunRequest,
        _reporter: &dyn Reporter,
        _cancel: &Cancel,
    ) -> Outcome {
        Outcome::refused(&crate::engine::Error::Other(NO_RESTORE.into()))
    }

    /// The wizard closed without running: its staged copy and the lock go.
    fn restore_close(&self) {}

    /// Rolls back (or resumes) interrupted restore `id`, under the lock, to its end.
    fn settle(
        &self,
        _id: &str,
        _forward: bool,
        _reporter: &dyn Reporter,
    ) -> Result<SettledView, String> {
        Err(NO_RESTORE.into())
    }

    /// Starts again what lifeboat holds stopped, under the lock.
    fn restart_stopped(&self, _reporter: &dyn Reporter) -> Result<Released, String> {
        Err(NO_RESTORE.into())
    }

    /// The configured profile, its output folder and its last failed backup run.
    fn stack_status(&self) -> Result<StackStatus, String> {
        Err(NO_BACKUP.into())
    }

    /// Backs up the configured profile now, under the lock, as `lifeboat backup` does; the
    /// run is recorded in runs.jsonl.
    fn backup(&self, _reporter: &dyn Reporter, _cancel: &Cancel) -> BackupEnd {
        BackupEnd::failed(crate::engine::exit::ERROR, NO_BACKUP.into())
    }
}

/// A verdict for a job that ended without one (its thread panicked).
pub fn failed_verdict(archive: &Path, reason: String) -> Verdict {
    Verdict {
        archive: archive.to_path_buf(),
        state: verify::VerifyState::Error,
        reason: Some(reason),
        warnings: Vec::new(),
        notes: Vec::new(),
        format: None,
        size: None,
        sha256: None,
        components: Vec::new(),
        failed_components: Vec::new(),
        sidecar_only: false,
    }
}
