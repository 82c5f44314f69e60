//! The safety backup of a restore (docs/design.md section 5 step 4): a copy of exactly the data each
//! swap is about to replace, taken inside that component's single stop (dumps while the server
//! still serves with its writers stopped; folders from the stopped container), committed into
//! `<state>/safety/` as a `kind: safety` archive before the restore commits. It is what
//! `restore --undo` restores from.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::ctx::Ctx;
use crate::engine::archive::build::Header;
use crate::engine::archive::writer::{self, ArchiveRequest, Committed};
use crate::engine::archive::{ArchiveKind, Manifest};
use crate::engine::components::{self, spool::Spool};
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Event, StepOutcome};
use crate::engine::stack::{Component, Kind};
use crate::engine::stopped::Ledger;

/// The safety folder under the state root.
pub fn dir(state: &Path) -> PathBuf {
    state.join("safety")
}

/// The file-name prefix of a profile's safety archives.
pub fn prefix(profile: &str) -> String {
    format!("lifeboat-safety-{profile}")
}

/// Whether a component kind replaces live data (and so gets a safety copy). Configuration
/// files are written beside the live ones, never over them.
pub fn needed(kind: Kind) -> bool {
    kind != Kind::Files
}

/// A safety backup being gathered, one component at a time.
pub struct Safety {
    spool: Spool,
    manifest: Manifest,
    members: Vec<writer::Member>,
    pub taken: Vec<String>,
    dir: PathBuf,
    profile: String,
}

impl Safety {
    pub fn new(ctx: &Ctx<'_>, staging: &Path, state: &Path, source: &str) -> Result<Safety> {
        let spool = Spool::create(staging, &format!("safety-{}", ctx.id))?;
        let mut manifest = Manifest::new_v2(Header {
            profile: ctx.profile.name.clone(),
            kind: ArchiveKind::Safety,
            host: rustix::system::uname()
                .nodename()
                .to_string_lossy()
                .into_owned(),
            docker_volumes: Vec::new(),
            options: Default::default(),
        });
        manifest.extra.insert("safety_for".into(), json!(ctx.id));
        manifest.extra.insert("restored_from".into(), json!(source));
        Ok(Safety {
            spool,
            manifest,
            members: Vec::new(),
            taken: Vec::new(),
            dir: dir(state),
            profile: ctx.profile.name.clone(),
        })
    }

    /// Copies component `c` as it is now. `stopped_folder`: the component is held stopped and
    /// its data folder is this path (a folder kind: copied from the stopped container);
    /// otherwise the component's own backup adapter runs against the serving container.
    pub async fn take(
        &mut self,
        ctx: &Ctx<'_>,
        ledger: &Ledger,
        c: &Component,
        stopped_folder: Option<(&str, Option<serde_json::Value>)>,
    ) -> Result<()> {
        let step = crate::engine::progress::StepId::Safety(c.name.clone()).to_string();
        ctx.reporter.event(Event::StepStarted {
            step: step.clone(),
            label: format!("{}: safety copy of the data about to be replaced", c.name),
            total: None,
        });
        let cctx = components::Ctx {
            docker: ctx.docker,
            profile: ctx.profile,
            spool: &self.spool,
            ledger,
            reporter: ctx.reporter,
            cancel: ctx.cancel,
            restarted: Default::default(),
        };
        let captured = match stopped_folder {
            Some((path, counts)) if c.kind == Kind::Chroma => {
                let info = ctx
                    .docker
                    .inspect_required(c.main_container().unwrap_or_default())
                    .await;
                match info {
                    Ok(info) => components::chroma::capture_at(&cctx, c, &info, path, counts).await,
                    Err(e) => Err(e),
                }
            }
            // A Redis that cannot be dumped: its stopped data folder, raw.
            Some((path, _)) if c.kind == Kind::Redis => {
                let info = ctx
                    .docker
                    .inspect_required(c.main_container().unwrap_or_default())
                    .await;
                match info {
                    Ok(info) => components::volume::raw_copy(&cctx, c, &info, path).await,
                    Err(e) => Err(e),
                }
            }
            _ => components::capture(&cctx, c).await,
        };
        ctx.reporter.event(Event::StepFinished {
            step,
            outcome: if captured.is_ok() {
                StepOutcome::Ok
            } else {
                StepOutcome::Failed
            },
            detail: captured.as_ref().err().map(|e| e.to_string()),
        });
        let cap = captured.map_err(|e| {
            Error::Other(format!(
                "{}: the safety copy failed ({e}); nothing of it was replaced (free space in the safety folder, or pass --accept no-safety-backup to restore without one)",
                c.name
            ))
        })?;
        self.members.extend(cap.members);
        self.manifest
            .record_component(&c.name, cap.details, cap.folder.as_deref(), cap.records);
        self.taken.push(c.name.clone());
        Ok(())
    }

    /// Writes and commits the safety archive (before the restore commits).
    pub fn commit(mut self, ctx: &Ctx<'_>, replaced: &[String]) -> Result<Committed> {
        self.manifest
            .extra
            .insert("components_replaced".into(), json!(replaced));
        self.manifest.warnings = Some(Vec::new());
        let req = ArchiveRequest {
            dir: self.dir.clone(),
            prefix: prefix(&self.profile),
            when: jiff::Zoned::now(),
            manifest: self.manifest,
            members: self.members,
        };
        // The commit must run to its end once started: the restore's own token is calm here.
        writer::write(req, ctx.reporter, ctx.cancel).map_err(|e| {
            Error::Other(format!(
                "the safety backup could not be written ({e}); the restored components are put back"
            ))
        })
    }
}
