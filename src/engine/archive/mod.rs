//! The archive format (docs/design.md section 4, docs/archive-format.md): names, the manifest, the
//! sidecar, the writer with its commit protocol, and the one-pass reader with its entry
//! validator for the outer archive and the component tars inside it.

pub mod build;
pub mod commit;
pub mod expected;
pub mod gz;
pub mod inner;
pub mod manifest;
pub mod names;
pub mod offload;
pub mod pargz;
pub mod peek;
pub mod reader;
pub mod sidecar;
pub mod strict;
pub mod validate;
pub mod walk;
pub mod writer;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use manifest::{ArchiveKind, ComponentDetails, FileRecord, Manifest};

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// `<archive>.sha256`.
pub fn sidecar_path(archive: &Path) -> PathBuf {
    with_suffix(archive, names::SIDECAR_EXT)
}

/// `<archive>.manifest.json`.
pub fn manifest_copy_path(archive: &Path) -> PathBuf {
    with_suffix(archive, names::MANIFEST_COPY_EXT)
}

/// `<file>.partial`.
pub fn partial_path(file: &Path) -> PathBuf {
    with_suffix(file, names::PARTIAL_EXT)
}

/// Opens `path` for reading, refusing anything but a regular file (after symlinks): a FIFO
/// would block, a device would never end.
pub fn open_regular(path: &Path) -> crate::engine::Result<std::fs::File> {
    use crate::engine::Error;
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY;
    let fd = rustix::fs::open(path, flags, Mode::empty()).map_err(|e| match e {
        rustix::io::Errno::NOENT => Error::NotFound(path.to_path_buf()),
        e => Error::io(path, "open", e.into()),
    })?;
    let file = std::fs::File::from(fd);
    let md = file.metadata().map_err(|e| Error::io(path, "stat", e))?;
    if !md.is_file() {
        return Err(Error::Usage(format!(
            "{}: not a regular file",
            path.display()
        )));
    }
    Ok(file)
}

/// Reads a small regular file (sidecar, manifest copy, index entry), at most `max` bytes;
/// `Ok(None)` if it does not exist.
pub fn read_regular(path: &Path, max: u64) -> crate::engine::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let file = match open_regular(path) {
        Ok(f) => f,
        Err(crate::engine::Error::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| crate::engine::Error::io(path, "read", e))?;
    if out.len() as u64 > max {
        return Err(crate::engine::Error::integrity(
            path,
            format!("is larger than the {max} bytes such a file may have"),
        ));
    }
    Ok(Some(out))
}
