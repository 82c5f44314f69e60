//! Spool files: what a component captures, written into a private folder under staging while
//! it is hashed, before the archive is assembled from them. A spool folder is removed when the
//! backup ends, whatever the outcome.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::engine::archive::commit::{self, Warnings};
use crate::engine::archive::offload::OffloadHasher;
use crate::engine::archive::{FileRecord, writer};
use crate::engine::error::{Error, Result};

/// A spooled file, hashed as it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolFile {
    pub path: PathBuf,
    pub size: u64,
    pub sha256: [u8; 32],
}

impl SpoolFile {
    /// The archive member and manifest record for this file under `name`.
    pub fn member(&self, name: &str, store: bool) -> (writer::Member, FileRecord) {
        let member = writer::Member {
            name: name.to_string(),
            source: writer::Source::File(self.path.clone()),
            store,
        };
        let record = FileRecord {
            file: name.to_string(),
            size: self.size,
            sha256: hex::encode(self.sha256),
        };
        (member, record)
    }
}

/// A fresh private folder for one backup's spool files.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// Creates `<staging>/backup-<id>` (0700, must not exist).
    pub fn create(staging: &Path, id: &str) -> Result<Spool> {
        commit::create_dir_private(staging)?;
        let dir = staging.join(format!("backup-{id}"));
        std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, "create spool folder", e))?;
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        Ok(Spool { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new spool file (its name is only for people reading the folder).
    pub fn file(&self, name: &str) -> Result<SpoolWriter> {
        let path = self.dir.join(name.replace('/', "_"));
        let mut ignored = Warnings::new();
        let file = commit::create_new(&path, &mut ignored)?
            .ok_or_else(|| Error::Other(format!("{}: already in the spool", path.display())))?;
        Ok(SpoolWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            hasher: OffloadHasher::new(),
            size: 0,
            path,
        })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes a spool file while hashing it (on a helper thread: the writer's thread is busy).
pub struct SpoolWriter {
    out: BufWriter<File>,
    hasher: OffloadHasher,
    size: u64,
    path: PathBuf,
}

impl Write for SpoolWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl SpoolWriter {
    pub fn finish(mut self) -> io::Result<SpoolFile> {
        self.out.flush()?;
        Ok(SpoolFile {
            path: self.path,
            size: self.size,
            sha256: self.hasher.finalize(),
        })
    }
}

impl super::pipe::Sink for SpoolWriter {
    type Done = SpoolFile;
    fn done(self) -> io::Result<SpoolFile> {
        self.finish()
    }
}
