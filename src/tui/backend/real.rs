//! [`Backend`] for the real [`Engine`]: the browser's and verify's calls answered here, the
//! rest handed to the module that does it (`wizard.rs`, `incidents.rs`, `backup.rs`).

use std::path::Path;

use super::api::Backend;
use super::engine::Engine;
use super::{backup, incidents, wizard};
use crate::engine::ErrorKind;
use crate::engine::archive::Manifest;
use crate::engine::catalog::{self, ArchiveInfo};
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::recover::Released;
use crate::engine::verify::{self, Verdict, VerifyOptions};
use crate::tui::state::action::ListError;
use crate::tui::state::backup::{BackupEnd, StackStatus};
use crate::tui::state::incidents::{Incidents, SettledView};
use crate::tui::state::wizard::{Outcome, Plan, PrepareRequest, Refusal, RunRequest, Target};

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
        incidents::incidents(&self.host.locations)
    }

    fn restore_target(&self, archive: &Path, spec: Option<&str>) -> Result<Target, String> {
        wizard::target(self, archive, spec).map_err(|e| e.to_string())
    }

    fn restore_prepare(
        &self,
        req: &PrepareRequest,
        reporter: &dyn Reporter,
        cancel: &Cancel,
    ) -> Result<Plan, Refusal> {
        wizard::prepare(self, req, reporter, cancel)
    }

    fn restore_run(&self, req: &RunRequest, reporter: &dyn Reporter, cancel: &Cancel) -> Outcome {
        wizard::run(self, req, reporter, cancel)
    }

    fn restore_close(&self) {
        wizard::close(self);
    }

    fn settle(
        &self,
        id: &str,
        forward: bool,
        reporter: &dyn Reporter,
    ) -> Result<SettledView, String> {
        incidents::settle(self, id, forward, reporter).map_err(|e| e.to_string())
    }

    fn restart_stopped(&self, _reporter: &dyn Reporter) -> Result<Released, String> {
        incidents::restart(self).map_err(|e| e.to_string())
    }

    fn stack_status(&self) -> Result<StackStatus, String> {
        backup::status(self).map_err(|e| e.to_string())
    }

    fn backup(&self, reporter: &dyn Reporter, cancel: &Cancel) -> BackupEnd {
        backup::run(self, reporter, cancel)
    }
}
