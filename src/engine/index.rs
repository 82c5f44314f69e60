//! The index in `<state>/index/`: verify results and manifests cached per archive, keyed on the
//! archive's and its sidecar's identity (device, inode, size, mtime, ctime), so that listing
//! 500 archives does not mean reading 500 archives, and a file that changed in any way is
//! simply "not verified" again.
//!
//! One small JSON file per archive (named by device and inode), written atomically; an
//! unreadable or stale entry is ignored, never trusted.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::archive::commit::{self, Warnings};
use crate::engine::archive::{Manifest, sidecar_path};
use crate::engine::error::Result;

/// Identity of one file: any change to it changes this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileIdentity {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl FileIdentity {
    pub fn of(path: &Path) -> Option<FileIdentity> {
        std::fs::metadata(path)
            .ok()
            .map(|m| FileIdentity::from_metadata(&m))
    }

    /// The identity of an open file's metadata (`fstat`): what was actually read.
    pub fn from_metadata(m: &std::fs::Metadata) -> FileIdentity {
        FileIdentity {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
            ctime_ns: i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
        }
    }
}

/// The archive and sidecar identities a cached fact holds for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveIdentity {
    pub archive: FileIdentity,
    pub sidecar: Option<FileIdentity>,
}

impl ArchiveIdentity {
    pub fn of(archive: &Path) -> Option<ArchiveIdentity> {
        Some(ArchiveIdentity {
            archive: FileIdentity::of(archive)?,
            sidecar: FileIdentity::of(&sidecar_path(archive)),
        })
    }
}

/// A remembered verify result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRecord {
    /// When the verify ran (RFC 3339, UTC).
    pub at: String,
    /// `verified`, `warnings` or `mismatch`.
    pub state: String,
    /// One line: why it failed, or its warnings.
    #[serde(default)]
    pub reason: Option<String>,
    /// SHA-256 of the archive as hashed.
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    path: PathBuf,
    identity: ArchiveIdentity,
    #[serde(default)]
    manifest: Option<Manifest>,
    #[serde(default)]
    verify: Option<VerifyRecord>,
}

/// The index folder.
#[derive(Debug, Clone)]
pub struct Index {
    dir: PathBuf,
}

impl Index {
    /// Opens (creating) `<state>/index`.
    pub fn open(dir: PathBuf) -> Result<Index> {
        commit::create_dir_private(&dir)?;
        Ok(Index { dir })
    }

    /// Keyed on the file's device and inode, not on how its path was typed: `verify /abs/x`
    /// and `list .` find the same entry.
    fn entry_path(&self, identity: &ArchiveIdentity) -> PathBuf {
        self.dir.join(format!(
            "{:x}-{:x}.json",
            identity.archive.dev, identity.archive.ino
        ))
    }

    fn load(&self, archive: &Path) -> Option<Entry> {
        let identity = ArchiveIdentity::of(archive)?;
        let bytes = std::fs::read(self.entry_path(&identity)).ok()?;
        let e: Entry = serde_json::from_slice(&bytes).ok()?;
        (e.identity == identity).then_some(e)
    }

    /// The cached verify result, if the archive and sidecar are unchanged since.
    pub fn verify_result(&self, archive: &Path) -> Option<VerifyRecord> {
        self.load(archive)?.verify
    }

    /// The cached manifest, if the archive is unchanged since.
    pub fn manifest(&self, archive: &Path) -> Option<Manifest> {
        self.load(archive)?.manifest
    }

    /// Records a verify result (keeping a cached manifest). Failures to write are ignored by
    /// callers: the cache is an optimisation.
    /// `identity` is the archive and sidecar as they were read: if either changed since,
    /// the record is stale at once.
    pub fn record_verify(
        &self,
        archive: &Path,
        identity: ArchiveIdentity,
        record: VerifyRecord,
        manifest: Option<Manifest>,
    ) -> Result<()> {
        let manifest = manifest.or_else(|| self.load(archive).and_then(|e| e.manifest));
        self.store(archive, identity, manifest, Some(record))
    }

    /// Records a manifest read from the archive (keeping a cached verify result).
    pub fn record_manifest(&self, archive: &Path, manifest: Manifest) -> Result<()> {
        let verify = self.load(archive).and_then(|e| e.verify);
        let Some(identity) = ArchiveIdentity::of(archive) else {
            return Ok(());
        };
        self.store(archive, identity, Some(manifest), verify)
    }

    fn store(
        &self,
        archive: &Path,
        identity: ArchiveIdentity,
        manifest: Option<Manifest>,
        verify: Option<VerifyRecord>,
    ) -> Result<()> {
        let entry = Entry {
            path: archive.to_path_buf(),
            identity,
            manifest,
            verify,
        };
        let bytes = serde_json::to_vec(&entry).unwrap_or_default();
        let target = self.entry_path(&identity);
        let tmp = self.dir.join(format!(
            ".{}.{}.tmp",
            std::process::id(),
            target
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
        let mut warnings = Warnings::new();
        let _ = std::fs::remove_file(&tmp);
        if let Some(mut f) = commit::create_new(&tmp, &mut warnings)? {
            use std::io::Write;
            f.write_all(&bytes)
                .map_err(|e| crate::engine::Error::io(&tmp, "write", e))?;
            drop(f);
            std::fs::rename(&tmp, &target)
                .map_err(|e| crate::engine::Error::io(&target, "replace", e))?;
        }
        Ok(())
    }
}
