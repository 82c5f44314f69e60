//! `list`: what a backup folder holds, newest first, with each archive's state, from file
//! names, manifest copies and the index, without reading the archives themselves (except a
//! version-1 archive's manifest, once, cached in the index).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::archive::names::{self, FolderEntry};
use crate::engine::archive::{ArchiveKind, Manifest, manifest_copy_path, peek};
use crate::engine::error::{Error, Result};
use crate::engine::index::Index;

/// The state `list` shows for an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListState {
    /// A verify passed and nothing changed since.
    Verified,
    /// Committed, not verified since it last changed.
    NotVerified,
    /// The last verify failed.
    Mismatch,
    /// No sidecar: the backup did not finish, or its sidecar was lost.
    Uncommitted,
    /// A sidecar without its archive.
    Orphan,
}

/// One row of a listing.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveInfo {
    /// File name of the archive (of the sidecar, for an orphan).
    pub file: String,
    #[serde(serialize_with = "crate::engine::text::serialize_path_lossy")]
    pub path: PathBuf,
    pub state: ListState,
    /// When the last verify ran (for verified and mismatch).
    pub verified_at: Option<String>,
    /// Why the last verify failed, or its warning.
    pub reason: Option<String>,
    /// A `.partial` file of this name exists: a write in progress or interrupted.
    pub partial: bool,
    pub size: Option<u64>,
    /// The manifest as the copy, the index or the archive gave it; `None` if unreadable.
    #[serde(skip)]
    pub manifest: Option<Manifest>,
    /// Why the manifest could not be read.
    pub manifest_problem: Option<String>,
}

impl ArchiveInfo {
    /// Capture time: the manifest's timestamp, else the time in the file name (local).
    pub fn time(&self) -> Option<jiff::Timestamp> {
        if let Some(t) = self.manifest.as_ref().and_then(Manifest::instant) {
            return Some(t);
        }
        let stem = self.file.split(names::ARCHIVE_EXT).next()?;
        let (_, dt) = names::parse_backup_name(stem)?;
        dt.to_zoned(jiff::tz::TimeZone::system())
            .ok()
            .map(|z| z.timestamp())
    }

    pub fn is_safety(&self) -> bool {
        self.manifest
            .as_ref()
            .is_some_and(|m| m.archive_kind() == ArchiveKind::Safety)
    }
}

/// Lists `dir`, newest first. [`Error::NotFound`] if the folder does not exist.
pub fn list_dir(dir: &Path, index: Option<&Index>) -> Result<Vec<ArchiveInfo>> {
    list_dir_with(dir, index, true)
}

/// [`list_dir`] without opening any archive: fast whatever the archives' sizes. An archive
/// whose manifest neither the index nor a manifest copy has is listed with `manifest: None`;
/// [`archive_manifest`] reads it later (the console does, in the background).
pub fn list_dir_quick(dir: &Path, index: Option<&Index>) -> Result<Vec<ArchiveInfo>> {
    list_dir_with(dir, index, false)
}

/// The manifest read from inside the archive (up to `manifest.json` only), cached in the index.
pub fn archive_manifest(archive: &Path, index: Option<&Index>) -> Result<Manifest> {
    let m = peek::read_manifest(archive)?;
    if let Some(i) = index {
        let _ = i.record_manifest(archive, m.clone());
    }
    Ok(m)
}

fn list_dir_with(
    dir: &Path,
    index: Option<&Index>,
    open_archives: bool,
) -> Result<Vec<ArchiveInfo>> {
    let read = std::fs::read_dir(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(dir.to_path_buf()),
        _ => Error::io(dir, "list folder", e),
    })?;
    #[derive(Default)]
    struct Seen {
        archive: bool,
        sidecar: bool,
        partial: bool,
    }
    let mut by_name: BTreeMap<String, Seen> = BTreeMap::new();
    for entry in read {
        let entry = entry.map_err(|e| Error::io(dir, "list folder", e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        match names::classify(&name) {
            FolderEntry::Archive { name } => by_name.entry(name).or_default().archive = true,
            FolderEntry::Sidecar { archive } => by_name.entry(archive).or_default().sidecar = true,
            FolderEntry::Partial { archive } => by_name.entry(archive).or_default().partial = true,
            FolderEntry::ManifestCopy { .. } | FolderEntry::Foreign => {}
        }
    }
    let mut out = Vec::with_capacity(by_name.len());
    for (file, seen) in by_name {
        let path = dir.join(&file);
        let state = match (seen.archive, seen.sidecar) {
            (true, true) => ListState::NotVerified,
            (false, true) => ListState::Orphan,
            _ => ListState::Uncommitted,
        };
        let mut info = ArchiveInfo {
            file: file.clone(),
            path: path.clone(),
            state,
            verified_at: None,
            reason: None,
            partial: seen.partial,
            size: std::fs::metadata(&path).ok().map(|m| m.len()),
            manifest: None,
            manifest_problem: None,
        };
        if state == ListState::Orphan {
            info.reason = Some("sidecar without its archive".into());
            info.path = crate::engine::archive::sidecar_path(&path);
        }
        if seen.archive {
            load_manifest(&mut info, index, open_archives);
        }
        if state == ListState::NotVerified
            && let Some(rec) = index.and_then(|i| i.verify_result(&path))
        {
            info.state = if rec.state == "mismatch" {
                ListState::Mismatch
            } else {
                ListState::Verified
            };
            info.verified_at = Some(rec.at);
            info.reason = rec.reason;
        }
        out.push(info);
    }
    out.sort_by(|a, b| b.time().cmp(&a.time()).then_with(|| b.file.cmp(&a.file)));
    Ok(out)
}

/// The index first (it holds the manifest read from inside the archive, for this exact file),
/// then the manifest copy beside it, then (with `open_archive`) the archive itself (cached for
/// next time).
fn load_manifest(info: &mut ArchiveInfo, index: Option<&Index>, open_archive: bool) {
    if let Some(m) = index.and_then(|i| i.manifest(&info.path)) {
        info.manifest = Some(m);
        return;
    }
    if let Ok(Some(bytes)) = crate::engine::archive::read_regular(
        &manifest_copy_path(&info.path),
        crate::engine::archive::manifest::MAX_MANIFEST_BYTES,
    ) {
        match Manifest::parse(&bytes) {
            Ok(m) => {
                info.manifest = Some(m);
                return;
            }
            Err(e) => info.manifest_problem = Some(format!("manifest copy: {e}")),
        }
    }
    if !open_archive {
        return;
    }
    match archive_manifest(&info.path, index) {
        Ok(m) => info.manifest = Some(m),
        Err(e) => info.manifest_problem = Some(e.to_string()),
    }
}

/// " (3h 12m ago)" for a capture time, or nothing when it is unknown.
pub fn ago(then: Option<jiff::Timestamp>) -> String {
    then.map(|t| format!(" ({} ago)", age(jiff::Timestamp::now(), t)))
        .unwrap_or_default()
}

/// Age of a capture time as "3h 12m", "2d 4h", "45s".
pub fn age(now: jiff::Timestamp, then: jiff::Timestamp) -> String {
    let secs = now.as_second() - then.as_second();
    if secs < 0 {
        return "in the future".into();
    }
    let (d, h, m) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_naturally() {
        let now = jiff::Timestamp::from_second(1_000_000).unwrap();
        let ago = |s: i64| jiff::Timestamp::from_second(1_000_000 - s).unwrap();
        assert_eq!(age(now, ago(45)), "45s");
        assert_eq!(age(now, ago(600)), "10m");
        assert_eq!(age(now, ago(3 * 3600 + 720)), "3h 12m");
        assert_eq!(age(now, ago(2 * 86_400 + 4 * 3600)), "2d 4h");
    }
}
