//! The engine work the console needs, behind a trait: list a folder, read a manifest from
//! inside an archive, verify an archive; read the recovery state; and the restore: load the
//! target, arm and prepare (the checklist for real), run, close, settle an interrupted one,
//! restart what is held stopped. [`Engine`] calls the real engine (the restore half lives in
//! `engine_restore.rs`); tests use scripted fakes. Every method blocks: the runtime calls them
//! on tokio's blocking threads, never on the threads that draw and read keys.

use std::path::Path;

use crate::engine::ErrorKind;
use crate::engine::archive::Manifest;
use crate::engine::catalog::{self, ArchiveInfo};
use crate::engine::host::Host;
use crate::engine::index::Index;
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::recover::Released;
use crate::engine::restore::Armed;
use crate::engine::verify::{self, Verdict, VerifyOptions};
use crate::tui::action::ListError;
use crate::tui::backup_now::{BackupEnd, StackStatus};
use crate::tui::incidents::{Incidents, SettledView};
use crate::tui::restore::{Outcome, Plan, PrepareRequest, Refusal, RunRequest, Target};

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

/// The real engine, with the index when there is a state folder.
pub struct Engine {
    pub index: Option<Index>,
    /// The config, the state folder, the lock, staging, and the Docker engine.
    pub host: Host,
    /// The wizard's armed restore: its lock, profile and staged plan.
    pub armed: std::sync::Mutex<Option<Armed>>,
}

impl Engine {
    pub fn new(index: Option<Index>, host: Host) -> Engine {
        Engine {
            index,
            host,
            armed: std::sync::Mutex::new(None),
        }
    }
}

impl Backend for Engine {
    fn list(&self, dir: &Path) -> Result<Vec<ArchiveInfo>, ListError> {
        catalog::list_dir_quick(dir, self.index.as_ref()).map_err(|e| match e.kind() {
            ErrorKind::NotFound => ListError::Missing,
            _ => ListError::Failed(e.to_string()),
        })
    }

    fn manifest(&self, archive: &Path) -> Result<Manifest, String> {
        catalog::archive_manifest(archive, self.index.as_ref()).map_err(|e| e.to_string())
    }

    fn verify(&self, archive: &Path, reporter: &dyn Reporter, cancel: &Cancel) -> Verdict {
        let opts = VerifyOptions::default();
        // `targets` turns an orphan's sidecar path into an orphan target, as `lifeboat
        // verify` does; anything it cannot resolve is left to `verify_archive` to report.
        match verify::targets(archive)
            .ok()
            .and_then(|t| t.into_iter().next())
        {
            Some(t) => verify::verify_target(&t, opts, self.index.as_ref(), reporter, cancel),
            None => verify::verify_archive(archive, opts, self.index.as_ref(), reporter, cancel),
        }
    }

    fn incidents(&self) -> Incidents {
        crate::tui::incidents_read::incidents(&self.host.locations)
    }

    fn restore_target(&self, archive: &Path, spec: Option<&str>) -> Result<Target, String> {
        crate::tui::engine_restore::target(self, archive, spec).map_err(|e| e.to_string())
    }

    fn restore_prepare(
        &self,
        req: &PrepareRequest,
        reporter: &dyn Reporter,
        cancel: &Cancel,
    ) -> Result<Plan, Refusal> {
        crate::tui::engine_restore::prepare(self, req, reporter, cancel)
    }

    fn restore_run(&self, req: &RunRequest, reporter: &dyn Reporter, cancel: &Cancel) -> Outcome {
        crate::tui::engine_restore::run(self, req, reporter, cancel)
    }

    fn restore_close(&self) {
        crate::tui::engine_restore::close(self);
    }

    fn settle(
        &self,
        id: &str,
        forward: bool,
        reporter: &dyn Reporter,
    ) -> Result<SettledView, String> {
        crate::tui::engine_restore::settle(self, id, forward, reporter).map_err(|e| e.to_string())
    }

    fn restart_stopped(&self, _reporter: &dyn Reporter) -> Result<Released, String> {
        crate::tui::engine_restore::restart(self).map_err(|e| e.to_string())
    }

    fn stack_status(&self) -> Result<StackStatus, String> {
        crate::tui::engine_backup::status(self).map_err(|e| e.to_string())
    }

    fn backup(&self, reporter: &dyn Reporter, cancel: &Cancel) -> BackupEnd {
        crate::tui::engine_backup::run(self, reporter, cancel)
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
