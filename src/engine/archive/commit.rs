//! Durable, non-clobbering file placement: the commit protocol's primitives.
//!
//! Files are created exclusively with mode 0600 (set explicitly, whatever the umask), fsynced,
//! and renamed into place without ever replacing an existing name: `renameat2` with
//! `RENAME_NOREPLACE`; where the filesystem refuses that (EINVAL), `link` + `unlink`; where
//! both are refused (some NAS mounts), an existence check plus a plain rename under the host
//! lock, with a one-time warning naming the filesystem. The folder is fsynced after each
//! rename. A mode, owner or fsync the filesystem *refuses* (EINVAL, ENOTSUP) is a warning; a
//! failing fsync (EIO, ENOSPC) is fatal and never retried.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{CWD, RenameFlags};
use rustix::io::Errno;

use crate::engine::error::{Error, Result};

/// Mode of every file lifeboat writes into a backup folder or its state.
pub const FILE_MODE: u32 = 0o600;
/// Mode of every folder lifeboat creates.
pub const DIR_MODE: u32 = 0o700;

static PLAIN_RENAME_WARNED: AtomicBool = AtomicBool::new(false);

/// Warnings collected while writing (filesystem refusals), returned to the caller to show;
/// they happen after the manifest is written, so they are not in it.
pub type Warnings = Vec<String>;

/// Creates `path` exclusively (never follows or replaces anything) with mode 0600.
/// `Ok(None)` when the name already exists.
pub fn create_new(path: &Path, warnings: &mut Warnings) -> Result<Option<File>> {
    let file = match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(Error::io(path, "create", e)),
    };
    // The umask may have taken bits away (0400) or the filesystem may ignore modes.
    if let Err(e) = file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE)) {
        warnings.push(format!("{}: could not set mode 0600: {e}", path.display()));
    }
    Ok(Some(file))
}

/// fsyncs a file; a refusal by the filesystem is a warning, a failure is an error.
pub fn sync_file(file: &File, path: &Path, warnings: &mut Warnings) -> Result<()> {
    match file.sync_all() {
        Ok(()) => Ok(()),
        Err(e) if is_refusal(&e) => {
            warnings.push(format!(
                "{}: the filesystem does not support fsync ({e})",
                path.display()
            ));
            Ok(())
        }
        Err(e) => Err(Error::io(path, "fsync", e)),
    }
}

/// fsyncs a folder so that renames in it are durable.
pub fn sync_dir(dir: &Path, warnings: &mut Warnings) -> Result<()> {
    let f = File::open(dir).map_err(|e| Error::io(dir, "open folder", e))?;
    match f.sync_all() {
        Ok(()) => Ok(()),
        Err(e) if is_refusal(&e) => {
            warnings.push(format!(
                "{}: the filesystem does not support fsync on folders ({e})",
                dir.display()
            ));
            Ok(())
        }
        Err(e) => Err(Error::io(dir, "fsync folder", e)),
    }
}

fn is_refusal(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error().map(Errno::from_raw_os_error),
        Some(Errno::INVAL | Errno::NOTSUP | Errno::NOSYS | Errno::ROFS)
    )
}

/// Outcome of a no-replace rename.
#[derive(Debug, PartialEq, Eq)]
pub enum Placed {
    Done,
    /// The target name exists; nothing was changed.
    NameTaken,
}

/// Renames `from` to `to` without replacing `to`, with the fallbacks described above.
pub fn rename_noreplace(from: &Path, to: &Path, warnings: &mut Warnings) -> Result<Placed> {
    match rustix::fs::renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => return Ok(Placed::Done),
        Err(Errno::EXIST) => return Ok(Placed::NameTaken),
        Err(Errno::INVAL | Errno::NOSYS | Errno::NOTSUP) => {}
        Err(e) => return Err(Error::io(from, "rename into place", e.into())),
    }
    match rustix::fs::linkat(CWD, from, CWD, to, rustix::fs::AtFlags::empty()) {
        Ok(()) => {
            if let Err(e) = std::fs::remove_file(from) {
                warnings.push(format!(
                    "{}: placed by link but the old name stayed: {e}",
                    from.display()
                ));
            }
            return Ok(Placed::Done);
        }
        Err(Errno::EXIST) => return Ok(Placed::NameTaken),
        Err(Errno::PERM | Errno::NOTSUP | Errno::NOSYS | Errno::MLINK | Errno::INVAL) => {}
        Err(e) => return Err(Error::io(from, "link into place", e.into())),
    }
    if !PLAIN_RENAME_WARNED.swap(true, Ordering::Relaxed) {
        warnings.push(format!(
            "{}: this filesystem ({}) supports neither no-replace renames nor hard links; \
             lifeboat checks names before renaming, which is safe only while it holds the lock",
            to.parent().unwrap_or(to).display(),
            filesystem_of(to).unwrap_or_else(|| "unknown".into())
        ));
    }
    if std::fs::symlink_metadata(to).is_ok() {
        return Ok(Placed::NameTaken);
    }
    std::fs::rename(from, to).map_err(|e| Error::io(from, "rename into place", e))?;
    Ok(Placed::Done)
}

/// The filesystem type and mount point holding `path`, from /proc/self/mountinfo.
pub fn filesystem_of(path: &Path) -> Option<String> {
    let dir = path.parent().unwrap_or(path);
    let real = std::fs::canonicalize(dir).ok()?;
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mut best: Option<(usize, String)> = None;
    for line in info.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        let (Some(mount), Some(fstype)) = (fields.get(4), fields.get(sep + 1)) else {
            continue;
        };
        let mount = mount.replace("\\040", " ");
        if real.starts_with(&mount) && best.as_ref().is_none_or(|(len, _)| mount.len() > *len) {
            best = Some((mount.len(), format!("{fstype} at {mount}")));
        }
    }
    best.map(|(_, s)| s)
}

/// Creates `dir` and any missing parents with mode 0700 (set explicitly on each created one).
pub fn create_dir_private(dir: &Path) -> Result<()> {
    create_dir_private_warn(dir, &mut Warnings::new())
}

/// [`create_dir_private`], with a mode the filesystem refuses (some NAS mounts) a warning.
pub fn create_dir_private_warn(dir: &Path, warnings: &mut Warnings) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent()
        && !parent.as_os_str().is_empty()
    {
        create_dir_private_warn(parent, warnings)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => {
            if let Err(e) = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))
            {
                warnings.push(format!("{}: could not set mode 0700: {e}", dir.display()));
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(Error::io(dir, "create folder", e)),
    }
}

/// Writes `bytes` to `final_path` through `<final_path>.partial`: exclusive create, fsync,
/// no-replace rename. The caller fsyncs the folder. `Ok(Placed::NameTaken)` leaves nothing
/// behind.
pub fn write_small_file(
    final_path: &Path,
    bytes: &[u8],
    warnings: &mut Warnings,
) -> Result<Placed> {
    use std::io::Write;
    let partial = super::partial_path(final_path);
    let Some(mut f) = create_new(&partial, warnings)? else {
        return Ok(Placed::NameTaken);
    };
    let result = (|| {
        f.write_all(bytes)
            .map_err(|e| Error::io(&partial, "write", e))?;
        sync_file(&f, &partial, warnings)?;
        drop(f);
        rename_noreplace(&partial, final_path, warnings)
    })();
    if !matches!(result, Ok(Placed::Done)) {
        let _ = std::fs::remove_file(&partial);
    }
    result
}
