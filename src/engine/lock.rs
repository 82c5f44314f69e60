//! The host lock: one `flock` for every mutating operation (backup, restore, prune, recover),
//! so a cron backup can never run in the middle of a restore.
//!
//! `flock` dies with its process, so a `kill -9` never leaves a stale lock. The holder writes a
//! one-line JSON record into the lock file (pid, command, start time) for the lock view and for
//! the "locked by ..." message; readers never take the lock to read it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::error::{Error, Result};

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub command: String,
    pub started: String,
    pub host: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pid {} ({}, since {})",
            self.pid,
            crate::engine::text::sanitize(&self.command),
            self.started
        )
    }
}

/// A held lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct HostLock {
    file: File,
    path: PathBuf,
}

impl HostLock {
    /// Takes the lock without waiting. [`Error::Locked`] names the holder when it is taken.
    pub fn try_acquire(path: &Path, command: &str) -> Result<HostLock> {
        // Never follow a symlink planted in a world-writable folder (/run/lock is 1777), and
        // never trust a lock file someone else owns or could write.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(path)
            .map_err(|e| Error::Locked {
                path: path.to_path_buf(),
                holder: format!("nobody known: the lock file cannot be opened ({e})"),
            })?;
        let md = file
            .metadata()
            .map_err(|e| Error::io(path, "stat lock", e))?;
        use std::os::unix::fs::MetadataExt;
        if md.uid() != rustix::process::geteuid().as_raw()
            || md.mode() & 0o022 != 0
            || !md.is_file()
        {
            return Err(Error::Locked {
                path: path.to_path_buf(),
                holder: format!(
                    "nobody trusted: the lock file belongs to uid {} or others can write it; remove it",
                    md.uid()
                ),
            });
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(path)
                    .map_or_else(|| "another lifeboat".to_string(), |h| h.to_string());
                return Err(Error::Locked {
                    path: path.to_path_buf(),
                    holder,
                });
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(path, "lock", e)),
        }
        let holder = Holder {
            pid: std::process::id(),
            command: command.to_string(),
            started: jiff::Timestamp::now().to_string(),
            host: rustix::system::uname()
                .nodename()
                .to_string_lossy()
                .into_owned(),
        };
        let line = serde_json::to_string(&holder).unwrap_or_default();
        let write = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{line}"))
            .and_then(|()| file.flush());
        write.map_err(|e| Error::io(path, "write lock holder", e))?;
        Ok(HostLock {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for HostLock {
    fn drop(&mut self) {
        // Clear the record first so a reader never sees a stale holder; closing releases.
        let _ = self.file.set_len(0);
    }
}

/// The holder record, if the lock file has one (it may be stale: check with the lock itself).
pub fn read_holder(path: &Path) -> Option<Holder> {
    let mut s = String::new();
    File::open(path)
        .ok()?
        .take(4096)
        .read_to_string(&mut s)
        .ok()?;
    serde_json::from_str(s.trim()).ok()
}

/// Whether anyone holds the lock right now, read from `/proc/locks` (never by taking it, so a
/// look cannot get in the way of a backup starting): `Ok(Some(pid))` held (the pid the kernel
/// names), `Ok(None)` free or no lock file. The holder record alone cannot say this: it stays
/// in the file if a holder is killed.
pub fn held_now(path: &Path) -> std::io::Result<Option<i64>> {
    use std::os::unix::fs::MetadataExt;
    let md = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let want = (
        u64::from(rustix::fs::major(md.dev())),
        u64::from(rustix::fs::minor(md.dev())),
        md.ino(),
    );
    let table = std::fs::read_to_string("/proc/locks")?;
    Ok(table.lines().find_map(|line| {
        // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; "->" lines are waiters.
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.contains(&"->") || fields.len() < 6 {
            return None;
        }
        let (pid, file) = (fields[4], fields[5]);
        let mut parts = file.split(':');
        let major = u64::from_str_radix(parts.next()?, 16).ok()?;
        let minor = u64::from_str_radix(parts.next()?, 16).ok()?;
        let ino = parts.next()?.parse::<u64>().ok()?;
        ((major, minor, ino) == want).then(|| pid.parse::<i64>().unwrap_or(-1))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_with_the_first_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lifeboat.lock");
        let first = HostLock::try_acquire(&path, "lifeboat backup").unwrap();
        let err = HostLock::try_acquire(&path, "lifeboat restore").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("lifeboat backup"), "{msg}");
        assert!(msg.contains(&std::process::id().to_string()), "{msg}");
        drop(first);
        let again = HostLock::try_acquire(&path, "lifeboat restore").unwrap();
        assert_eq!(
            read_holder(again.path()).unwrap().command,
            "lifeboat restore"
        );
    }

    #[test]
    fn held_now_reads_proc_locks_without_taking_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lifeboat.lock");
        assert_eq!(held_now(&path).unwrap(), None, "no lock file: free");
        let held = HostLock::try_acquire(&path, "lifeboat backup").unwrap();
        assert_eq!(
            held_now(&path).unwrap(),
            Some(i64::from(std::process::id()))
        );
        drop(held);
        assert_eq!(held_now(&path).unwrap(), None);
    }
}
