//! `prune` (docs/design.md section 5): which archives a retention rule lets go, and deleting them in
//! the order that never leaves a sidecar vouching for a missing archive (sidecar first, then
//! the manifest copy, then the archive). It never deletes the newest verified archive of a
//! profile, a pinned safety backup, or the newest restore's safety backup. Safety backups are
//! pinned until dismissed (`prune --dismiss RESTORE_ID`); nothing here runs without the lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::archive::{commit, manifest_copy_path, sidecar_path};
use crate::engine::catalog::{self, ArchiveInfo, ListState};
use crate::engine::error::{Error, Result};
use crate::engine::index::Index;
use crate::engine::journal;

/// What to prune.
#[derive(Debug, Clone)]
pub struct PruneRequest {
    /// Backup folders, and how many committed archives of each profile to keep in each.
    pub dirs: Vec<PathBuf>,
    pub keep_last: Option<usize>,
    /// Dismissed safety backups older than this many days go (none without it).
    pub safety_older_than_days: Option<u64>,
    pub state: PathBuf,
    pub now: jiff::Timestamp,
}

/// One archive and what prune does with it.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    #[serde(serialize_with = "crate::engine::text::serialize_path_lossy")]
    pub archive: PathBuf,
    pub delete: bool,
    /// Why it is kept or deleted.
    pub why: String,
    pub safety: bool,
}

/// The dismissed (unpinned) safety backups, by file name, in `<state>/safety-dismissed.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Dismissed {
    files: Vec<String>,
}

fn dismissed_path(state: &Path) -> PathBuf {
    state.join("safety-dismissed.json")
}

fn read_dismissed(state: &Path) -> Result<Dismissed> {
    let p = dismissed_path(state);
    match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b)
            .map_err(|e| Error::Other(format!("{}: unreadable ({e})", p.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Dismissed::default()),
        Err(e) => Err(Error::io(&p, "read", e)),
    }
}

/// Unpins the safety backup of restore `id`; returns its path.
pub fn dismiss(state: &Path, id: &str) -> Result<PathBuf> {
    let read = journal::find(state, id)?;
    let archive = read.safety.ok_or_else(|| {
        Error::Usage(format!(
            "restore {id} took no safety backup: nothing to dismiss"
        ))
    })?;
    let name = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut d = read_dismissed(state)?;
    if !d.files.contains(&name) {
        d.files.push(name);
        let p = dismissed_path(state);
        let tmp = p.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&d).unwrap_or_default())
            .and_then(|_| std::fs::rename(&tmp, &p))
            .map_err(|e| Error::io(&p, "write", e))?;
    }
    Ok(archive)
}

/// The plan: every committed archive in the folders (and the safety folder) with its fate.
pub fn plan(req: &PruneRequest, index: Option<&Index>) -> Result<Vec<Decision>> {
    let mut out = Vec::new();
    if let Some(keep) = req.keep_last {
        for dir in &req.dirs {
            out.extend(plan_folder(&catalog::list_dir(dir, index)?, keep));
        }
    }
    let safety_dir = crate::engine::restore::safety::dir(&req.state);
    if safety_dir.is_dir() {
        out.extend(plan_safety(req, &catalog::list_dir(&safety_dir, index)?)?);
    }
    Ok(out)
}

fn profile_of(a: &ArchiveInfo) -> String {
    a.manifest
        .as_ref()
        .and_then(|m| m.profile.clone())
        .unwrap_or_else(|| a.file.split('-').next().unwrap_or_default().to_string())
}

/// Newest first (as listed): the newest `keep` committed archives of each profile stay, and so
/// does each profile's newest verified one; uncommitted files, orphans and safety backups are
/// not this rule's business.
fn plan_folder(listing: &[ArchiveInfo], keep: usize) -> Vec<Decision> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut verified_kept: BTreeMap<String, bool> = BTreeMap::new();
    let mut out = Vec::new();
    for a in listing {
        let committed = matches!(
            a.state,
            ListState::Verified | ListState::NotVerified | ListState::Mismatch
        );
        if !committed || a.is_safety() {
            continue;
        }
        let profile = profile_of(a);
        let n = seen.entry(profile.clone()).or_default();
        *n += 1;
        let newest_verified = a.state == ListState::Verified
            && !verified_kept.get(&profile).copied().unwrap_or(false);
        if newest_verified {
            verified_kept.insert(profile.clone(), true);
        }
        let (delete, why) = if *n <= keep {
            (false, format!("one of the newest {keep} of {profile}"))
        } else if newest_verified {
            (false, format!("the newest verified archive of {profile}"))
        } else {
            (true, format!("older than the newest {keep} of {profile}"))
        };
        out.push(Decision {
            archive: a.path.clone(),
            delete,
            why,
            safety: false,
        });
    }
    out
}

fn plan_safety(req: &PruneRequest, listing: &[ArchiveInfo]) -> Result<Vec<Decision>> {
    let dismissed = read_dismissed(&req.state)?;
    // The newest restore that took a safety backup: its undo must stay possible.
    let newest = journal::all(&req.state)?
        .into_iter()
        .rev()
        .find_map(|r| r.safety)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    let mut out = Vec::new();
    for a in listing {
        if !matches!(
            a.state,
            ListState::Verified | ListState::NotVerified | ListState::Mismatch
        ) {
            continue;
        }
        let age_days = a
            .time()
            .map(|t| (req.now.as_second() - t.as_second()).max(0) as u64 / 86_400);
        let (delete, why) = if newest.as_deref() == Some(a.file.as_str()) {
            (
                false,
                "the newest restore's safety backup (its undo)".to_string(),
            )
        } else if !dismissed.files.contains(&a.file) {
            (
                false,
                "pinned safety backup (dismiss it first: prune --dismiss RESTORE_ID)".to_string(),
            )
        } else {
            match (req.safety_older_than_days, age_days) {
                (Some(limit), Some(age)) if age >= limit => {
                    (true, format!("dismissed, {age} days old (limit {limit})"))
                }
                (Some(limit), _) => (false, format!("dismissed, younger than {limit} days")),
                (None, _) => (
                    false,
                    "dismissed; safety backups go only with --safety-older-than".to_string(),
                ),
            }
        };
        out.push(Decision {
            archive: a.path.clone(),
            delete,
            why,
            safety: true,
        });
    }
    Ok(out)
}

/// Deletes one archive: sidecar (from then on it no longer looks committed), manifest copy,
/// archive, each made durable before the next, so that an interruption never leaves a
/// sidecar vouching for a missing archive.
pub fn delete(archive: &Path) -> Result<()> {
    let dir = archive.parent().unwrap_or(Path::new("."));
    let mut warnings = Vec::new();
    for p in [
        sidecar_path(archive),
        manifest_copy_path(archive),
        archive.to_path_buf(),
    ] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&p, "delete", e)),
        }
        commit::sync_dir(dir, &mut warnings)?;
    }
    Ok(())
}
/// `prune --dismiss ID` as a job: under the host lock, restore `id`'s safety backup unpinned.
pub fn dismiss_locked(host: &crate::engine::host::Host, id: &str) -> Result<PathBuf> {
    let _lock = crate::engine::lock::HostLock::try_acquire(
        &host.locations.lock,
        "lifeboat prune --dismiss",
    )?;
    dismiss(&host.state()?, id)
}

/// A prune as a job: the plan (`planned` sees it first), and with `delete_them`, under the
/// host lock taken before the plan is made (a backup may be committing into the same folder),
/// each archive the plan lets go deleted in the safe order (`deleted` hears of each).
pub fn prune(
    host: &crate::engine::host::Host,
    req: &PruneRequest,
    index: Option<&Index>,
    delete_them: bool,
    planned: &mut dyn FnMut(&[Decision]),
    deleted: &mut dyn FnMut(&Decision),
) -> Result<Vec<Decision>> {
    let _lock = match delete_them {
        true => Some(crate::engine::lock::HostLock::try_acquire(
            &host.locations.lock,
            "lifeboat prune",
        )?),
        false => None,
    };
    let decisions = plan(req, index)?;
    planned(&decisions);
    if delete_them {
        for d in decisions.iter().filter(|d| d.delete) {
            delete(&d.archive)?;
            deleted(d);
        }
    }
    Ok(decisions)
}
