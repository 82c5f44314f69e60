//! The engine work the console needs, behind a trait: list a folder, read a manifest from
//! inside an archive, verify an archive with a reporter and a cancellation token. [`Engine`]
//! calls the real engine; tests use a scripted fake. Every method blocks: the runtime calls
//! them on tokio's blocking threads, never on the threads that draw and read keys.

use std::path::Path;

use crate::engine::ErrorKind;
use crate::engine::archive::Manifest;
use crate::engine::catalog::{self, ArchiveInfo};
use crate::engine::index::Index;
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::verify::{self, Verdict, VerifyOptions};
use crate::tui::action::ListError;

pub trait Backend: Send + Sync + 'static {
    /// The folder's archives, fast: names, the index and manifest copies only.
    fn list(&self, dir: &Path) -> Result<Vec<ArchiveInfo>, ListError>;
    /// The manifest read from inside the archive (slow for a big version-1 archive).
    fn manifest(&self, archive: &Path) -> Result<Manifest, String>;
    /// A full verify; reports through `reporter`, stops soon after `cancel` fires.
    fn verify(&self, archive: &Path, reporter: &dyn Reporter, cancel: &Cancel) -> Verdict;
}

/// The real engine, with the index when there is a state folder.
pub struct Engine {
    pub index: Option<Index>,
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
