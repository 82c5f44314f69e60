//! The drivers that act on a restore after it ran: settling an interrupted one from its
//! journal (`--rollback`, `--resume`), undoing a committed one from its safety backup
//! (`--undo`), and swapping in the configuration files it wrote beside the live ones
//! (`--apply-config`). Each takes the host lock itself; front ends only ask and show.

use std::path::PathBuf;

use super::ctx::Ctx;
use super::driver::changed_archive;
use super::request::{Request, RestoreSelection};
use super::settle::{self, Settled};
use crate::engine::error::{Error, Result};
use crate::engine::host::Host;
use crate::engine::journal::{self, Read};
use crate::engine::lock::HostLock;
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::stack::{self, Kind};

/// What a settle did, and for a resume the restore of what the interrupted one never reached.
#[derive(Debug)]
pub struct SettleEnd {
    pub settled: Settled,
    /// `--resume` with components left: the restore that finishes it, from the same bytes
    /// (a restore of its own, with its own id, journal and safety backup).
    pub resume: Option<Request>,
}

/// Settles interrupted restore `id` under the host lock: `forward` keeps what was swapped and
/// checked and returns the restore of the rest; otherwise every touched component's old data
/// goes back. A resume first proves the archive is still the bytes the restore verified and
/// refuses (13) before anything is touched when it is not. Runs to its end: no cancel reaches it.
pub async fn settle_interrupted(
    host: &Host,
    id: &str,
    forward: bool,
    holder: &str,
    reporter: &dyn Reporter,
) -> Result<SettleEnd> {
    let state = host.state()?;
    let _lock = HostLock::try_acquire(&host.locations.lock, holder)?;
    let read = journal::find(&state, id)?;
    if let Some(end) = &read.end {
        return Err(Error::Usage(format!(
            "restore {id} is already settled ({end}); nothing to do"
        )));
    }
    if forward {
        same_bytes(&read)?;
    }
    let profile = stack::load(
        read.begin.profile_spec.as_deref(),
        &host.config,
        read.begin.project.as_deref(),
    )?;
    let docker = host.docker().await?;
    let calm = Cancel::new();
    let ctx = Ctx {
        docker: &docker,
        profile: &profile,
        reporter,
        cancel: &calm,
        id: id.to_string(),
    };
    let settled = settle::settle(&ctx, &host.ledger()?, &read, &host.staging()?, forward).await?;
    let resume =
        (forward && !settled.remaining.is_empty()).then(|| resume_request(&read, &settled));
    Ok(SettleEnd { settled, resume })
}

/// A resume goes forward only with the bytes verified before.
fn same_bytes(read: &Read) -> Result<()> {
    let archive = &read.begin.archive;
    if !archive.exists() {
        return Err(Error::NotFound(archive.clone()));
    }
    let now = settle::file_sha256(archive)?;
    if now != read.begin.archive_sha256 {
        return Err(changed_archive(archive, &now, &read.begin.archive_sha256));
    }
    Ok(())
}

/// The restore of what interrupted restore `read` never reached.
fn resume_request(read: &Read, settled: &Settled) -> Request {
    Request {
        archive: read.begin.archive.clone(),
        profile: read.begin.profile_spec.clone(),
        project: read.begin.project.clone(),
        selection: RestoreSelection {
            components: settled.remaining.clone(),
            ..Default::default()
        },
        keep_partial: read.begin.keep_partial,
        skip_validation: false,
        expect_sha256: Some(read.begin.archive_sha256.clone()),
        undoes: read.begin.undoes.clone(),
    }
}

/// An undo, resolved: the restore it undoes, what it puts back, and the restore to run.
#[derive(Debug, Clone)]
pub struct Undo {
    pub restore_id: String,
    /// The components the undone restore replaced (what its safety backup holds).
    pub components: Vec<String>,
    /// When the undone restore ended (its data has been live since).
    pub live_since: Option<String>,
    pub safety_backup: PathBuf,
    /// The restore of the safety backup over exactly those components.
    pub request: Request,
}

impl Undo {
    /// "Undo restore X: its data of a, b has been live for 2h; ..." for the operator.
    pub fn warning(&self) -> String {
        let live = self
            .live_since
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| crate::engine::catalog::age(jiff::Timestamp::now(), t))
            .unwrap_or_else(|| "an unknown time".into());
        format!(
            "Undo restore {}: its data of {} has been live for {live}; changes made since then are discarded (this undo keeps them in its own safety backup)",
            self.restore_id,
            self.components.join(", ")
        )
    }
}

/// Resolves `--undo [ID]` (`None`: the newest committed restore that took a safety backup).
/// Read-only: the undo itself is an ordinary restore of the safety backup, armed by the caller
/// (it takes its own safety backup first).
pub fn undo(host: &Host, id: Option<&str>) -> Result<Undo> {
    let state = host.state()?;
    let read = match id {
        None => journal::all(&state)?
            .into_iter()
            .rev()
            .find(|r| r.safety.is_some() && r.end.is_some_and(|e| e.committed()))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "no committed restore with a safety backup in {}: nothing to undo",
                    journal::dir(&state).display()
                ))
            })?,
        Some(id) => journal::find(&state, id)?,
    };
    let rid = read.begin.id.clone();
    match read.end {
        Some(e) if e.committed() => {}
        Some(e) => {
            return Err(Error::Usage(format!(
                "restore {rid} did not commit ({e}): there is nothing of it to undo"
            )));
        }
        None => {
            return Err(Error::Usage(format!(
                "restore {rid} did not commit (it is still unsettled: use --rollback): there is nothing of it to undo"
            )));
        }
    }
    let Some(safety) = read.safety.clone() else {
        return Err(Error::Usage(format!(
            "restore {rid} took no safety backup (--accept no-safety-backup): it cannot be undone; restore an older backup instead"
        )));
    };
    if !safety.exists() {
        return Err(Error::NotFound(safety));
    }
    // Exactly what the safety backup holds and says it replaced.
    let manifest = crate::engine::archive::peek::read_manifest(&safety)?;
    let replaced: Vec<String> = manifest
        .extra
        .get("components_replaced")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_else(|| manifest.components.clone());
    Ok(Undo {
        restore_id: rid.clone(),
        components: replaced.clone(),
        live_since: read.ended_at.clone(),
        safety_backup: safety.clone(),
        request: Request {
            archive: safety,
            profile: read.begin.profile_spec.clone(),
            project: read.begin.project.clone(),
            selection: RestoreSelection {
                components: replaced,
                ..Default::default()
            },
            undoes: Some(rid),
            ..Default::default()
        },
    })
}

/// `--apply-config ID`: the configuration files restore `id` wrote beside the live ones
/// swapped in, under the host lock (the live file kept as `<file>.pre-ID`).
pub fn apply_config(
    host: &Host,
    profile: Option<&str>,
    project: Option<&str>,
    id: &str,
) -> Result<Vec<PathBuf>> {
    let profile = stack::load(profile, &host.config, project)?;
    let _lock = HostLock::try_acquire(&host.locations.lock, "lifeboat restore --apply-config")?;
    let components: Vec<_> = profile
        .components
        .iter()
        .filter(|c| c.kind == Kind::Files)
        .collect();
    super::config::apply(&components, id)
}
