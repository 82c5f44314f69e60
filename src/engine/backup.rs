//! Executing a backup plan: each selected component captured into the spool (containers
//! stopped for a copy are always started again), the manifest built from what was captured,
//! and the archive written and committed. A component that fails is recorded in
//! `failed_components` and never claimed; if every component fails nothing is committed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::engine::archive::build::Header;
use crate::engine::archive::names::{self, FolderEntry};
use crate::engine::archive::writer::{self, ArchiveRequest, Committed};
use crate::engine::archive::{ArchiveKind, Manifest};
use crate::engine::catalog::{self, ArchiveInfo, ListState};
use crate::engine::components::{self, Ctx, spool::Spool};
use crate::engine::docker::Docker;
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Cancel, Event, Reporter};
use crate::engine::stack::{Component, Profile};
use crate::engine::stopped::Ledger;

/// What a backup needs besides the plan.
pub struct BackupRequest<'a> {
    pub profile: &'a Profile,
    pub components: Vec<&'a Component>,
    pub output_dir: PathBuf,
    pub staging: PathBuf,
    pub state: PathBuf,
    /// The command-line options, recorded in the manifest (`options`).
    pub options: BTreeMap<String, serde_json::Value>,
    /// Warnings found while planning (Docker's filesystem running low), for the manifest.
    pub warnings: Vec<String>,
}

/// How a backup ended.
#[derive(Debug)]
pub struct BackupOutcome {
    pub committed: Option<Committed>,
    pub captured: Vec<String>,
    /// Components that failed, with the reason (one line) and its kind.
    pub failed: Vec<(String, String, crate::engine::ErrorKind)>,
    pub warnings: Vec<String>,
    /// Containers stopped for a consistent copy and started again (`name (down 1.2 s)`).
    pub restarted: Vec<String>,
}

impl BackupOutcome {
    /// The one-line reason runs.jsonl records: the first failed component, else the first
    /// warning.
    pub fn reason(&self) -> Option<String> {
        self.failed
            .first()
            .map(|(n, r, _)| format!("{n}: {r}"))
            .or_else(|| self.warnings.first().cloned())
    }
}

/// Removes what interrupted runs left: lifeboat's own `.partial` files in the output folder
/// and spool folders in staging. Only under the host lock.
pub fn clean_leftovers(output_dir: &Path, staging: &Path) -> Vec<String> {
    let mut removed = Vec::new();
    if let Ok(rd) = std::fs::read_dir(output_dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if matches!(names::classify(&name), FolderEntry::Partial { .. })
                && std::fs::remove_file(e.path()).is_ok()
            {
                removed.push(e.path().display().to_string());
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir(staging) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("backup-")
                && e.path().is_dir()
                && std::fs::remove_dir_all(e.path()).is_ok()
            {
                removed.push(e.path().display().to_string());
            }
        }
    }
    removed
}

/// Runs the backup. The caller holds the host lock.
pub async fn run(
    docker: &Docker,
    req: &BackupRequest<'_>,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Result<BackupOutcome> {
    reporter.event(Event::JobStarted {
        job: "backup".into(),
        target: req.output_dir.display().to_string(),
    });
    let result = run_inner(docker, req, reporter, cancel).await;
    let (ok, summary) = match &result {
        Ok(o) => (
            o.committed.is_some(),
            match &o.committed {
                Some(c) => format!("committed {}", c.archive.display()),
                None => "nothing committed".into(),
            },
        ),
        Err(e) => (false, e.to_string()),
    };
    reporter.event(Event::JobFinished {
        job: "backup".into(),
        ok,
        summary,
    });
    result
}

async fn run_inner(
    docker: &Docker,
    req: &BackupRequest<'_>,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Result<BackupOutcome> {
    let id = jiff::Timestamp::now().as_millisecond().to_string();
    let spool = Spool::create(&req.staging, &id)?;
    let ledger = Ledger::new(&req.state);
    let ctx = Ctx {
        docker,
        profile: req.profile,
        spool: &spool,
        ledger: &ledger,
        reporter,
        cancel,
        restarted: Default::default(),
    };
    let mut manifest = Manifest::new_v2(Header {
        profile: req.profile.name.clone(),
        kind: ArchiveKind::Backup,
        host: rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned(),
        docker_volumes: volumes_of(docker, &req.components).await,
        options: req.options.clone(),
    });
    let mut members = Vec::new();
    let mut out = BackupOutcome {
        committed: None,
        captured: Vec::new(),
        failed: Vec::new(),
        warnings: Vec::new(),
        restarted: Vec::new(),
    };
    for w in &req.warnings {
        reporter.event(Event::Warning { message: w.clone() });
    }
    out.warnings.extend(req.warnings.iter().cloned());
    for c in &req.components {
        match components::capture(&ctx, c).await {
            Ok(cap) => {
                for w in &cap.warnings {
                    reporter.event(Event::Warning { message: w.clone() });
                }
                out.warnings.extend(cap.warnings.clone());
                members.extend(cap.members);
                manifest.record_component(&c.name, cap.details, cap.folder.as_deref(), cap.records);
                out.captured.push(c.name.clone());
            }
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => {
                let reason = e.to_string();
                reporter.event(Event::Warning {
                    message: format!("{} failed: {reason}", c.name),
                });
                manifest.record_failure(&c.name);
                out.failed.push((c.name.clone(), reason, e.kind()));
            }
        }
    }
    out.restarted = std::mem::take(&mut *ctx.restarted.lock().unwrap_or_else(|e| e.into_inner()));
    if out.captured.is_empty() {
        let first = out
            .failed
            .first()
            .map(|(_, r, _)| r.clone())
            .unwrap_or_default();
        let msg = format!("every selected component failed; nothing committed (first: {first})");
        // A secret problem fails only its component; when it failed them all, say so (12).
        if out
            .failed
            .iter()
            .all(|(_, _, k)| *k == crate::engine::ErrorKind::Secret)
        {
            return Err(Error::Secret(msg));
        }
        return Err(Error::Other(msg));
    }
    out.warnings.extend(shrinkage(&manifest, &req.output_dir));
    manifest.warnings = Some(out.warnings.clone());
    let request = ArchiveRequest {
        dir: req.output_dir.clone(),
        prefix: req.profile.archive_prefix.clone(),
        when: jiff::Zoned::now(),
        manifest,
        members,
    };
    let committed = writer::write(request, reporter, cancel)?;
    for w in &committed.warnings {
        reporter.event(Event::Warning { message: w.clone() });
    }
    out.warnings.extend(committed.warnings.clone());
    out.committed = Some(committed);
    Ok(out)
}

/// The named volumes the selected components' containers mount (the runbook's
/// `docker_volumes`).
async fn volumes_of(docker: &Docker, components: &[&Component]) -> Vec<String> {
    let mut out = Vec::new();
    for c in components {
        for name in &c.containers {
            if let Ok(Some(info)) = docker.inspect(name).await {
                out.extend(info.mounts.iter().filter_map(|m| m.name.clone()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A component that is empty, or under half its size in the previous committed backup, is
/// the classic sign of a backup taken from the wrong path.
fn shrinkage(manifest: &Manifest, output_dir: &Path) -> Vec<String> {
    let previous = catalog::list_dir(output_dir, None).ok().and_then(|l| {
        l.into_iter()
            .filter(is_baseline)
            .find_map(|a| a.manifest.filter(|m| m.profile == manifest.profile))
    });
    manifest
        .details()
        .iter()
        .filter_map(|(name, d)| {
            let prev = previous
                .as_ref()
                .and_then(|p| p.details().get(name).map(|pd| pd.size));
            shrink(d.size, prev).map(|s| s.warning(name))
        })
        .collect()
}

/// Whether a listed archive is one a new backup's sizes are compared with: committed (verified
/// or not verified yet; a mismatch is not trusted) and not a safety backup (a safety backup
/// holds only what one restore replaced, so its sizes say nothing about the stack). The
/// console's size history uses the same test, so the two never disagree.
pub fn is_baseline(a: &ArchiveInfo) -> bool {
    matches!(a.state, ListState::Verified | ListState::NotVerified) && !a.is_safety()
}

/// Why a component's size looks wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shrink {
    /// Zero bytes.
    Empty,
    /// Under half of what the previous committed backup held.
    UnderHalf { size: u64, previous: u64 },
}

impl Shrink {
    /// The warning a backup records for component `name`.
    pub fn warning(&self, name: &str) -> String {
        match self {
            Shrink::Empty => format!("component {name} is empty"),
            Shrink::UnderHalf { size, previous } => format!(
                "component {name} is {size} bytes, under half of the {previous} bytes it had in the previous backup: was it taken from the wrong place?"
            ),
        }
    }
}

/// The shrink rule, the one place it is written: a component of `size` bytes is suspect when
/// it is empty, or under half of `previous` (its size in the previous committed backup, when
/// that backup had it).
pub fn shrink(size: u64, previous: Option<u64>) -> Option<Shrink> {
    if size == 0 {
        return Some(Shrink::Empty);
    }
    previous
        .filter(|p| size.saturating_mul(2) < *p)
        .map(|previous| Shrink::UnderHalf { size, previous })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_flags_empty_and_under_half_only() {
        assert_eq!(shrink(0, None), Some(Shrink::Empty));
        assert_eq!(shrink(0, Some(10)), Some(Shrink::Empty));
        assert_eq!(shrink(10, None), None, "nothing to compare with");
        assert_eq!(shrink(50, Some(100)), None, "exactly half is fine");
        assert_eq!(
            shrink(49, Some(100)),
            Some(Shrink::UnderHalf {
                size: 49,
                previous: 100
            })
        );
        assert_eq!(shrink(500, Some(100)), None, "growth is fine");
    }
}
