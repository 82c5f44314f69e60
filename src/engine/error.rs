//! The engine's error type: one enum whose kinds the front ends map to exit codes.
//!
//! Every message is one line, names the file or component it is about, and says what to do
//! where there is something to do. Strings that came from an archive are sanitised before
//! they are put into a message (see [`crate::engine::text`]).

use std::io;
use std::path::{Path, PathBuf};

/// What went wrong, coarsely: the front ends turn this into an exit code (docs/exit-codes.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad arguments, bad configuration, an unknown name.
    Usage,
    /// The archive or folder does not exist.
    NotFound,
    /// The archive has no sidecar: the backup never committed.
    NotCommitted,
    /// Bytes do not match what the sidecar or the manifest promised, or the archive is malformed.
    Integrity,
    /// The archive is valid but this lifeboat cannot use it (a newer format, say).
    Unsupported,
    /// A restore refused by the compatibility check (versions, a version-1 archive).
    Incompatible,
    /// A restore could not put the old data back: the stack needs a person.
    RollbackFailed,
    /// An interrupted restore must be settled first (`--rollback` / `--resume`).
    Interrupted,
    /// Another lifeboat holds the lock.
    Locked,
    /// The operation was cancelled by the operator.
    Cancelled,
    /// A credential is missing or was rejected.
    Secret,
    /// Anything else: I/O on our own files, the environment.
    Other,
}

/// The engine's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("{}: not found", .0.display())]
    NotFound(PathBuf),
    #[error("{}: not committed (no sidecar {}): the backup did not finish or its sidecar was lost", .archive.display(), .sidecar.display())]
    NotCommitted { archive: PathBuf, sidecar: PathBuf },
    #[error("{}: {reason}", .path.display())]
    Integrity { path: PathBuf, reason: String },
    #[error("{}: {reason}", .path.display())]
    Unsupported { path: PathBuf, reason: String },
    /// Refused by the compatibility check; the message says what differs and what to do.
    #[error("{0}")]
    Incompatible(String),
    #[error("{0}")]
    RollbackFailed(String),
    #[error("{0}")]
    Interrupted(String),
    #[error("lock {} is held by {holder}; try again when it finishes", .path.display())]
    Locked { path: PathBuf, holder: String },
    #[error("cancelled")]
    Cancelled,
    #[error("{}: {action}: {source}", .path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("cannot reach the Docker engine at {endpoint}: {reason}")]
    DockerUnreachable { endpoint: String, reason: String },
    #[error("container {0} does not exist")]
    ContainerMissing(String),
    #[error("{0}")]
    Docker(String),
    /// A credential is missing or was rejected (the message never holds the secret).
    #[error("{0}")]
    Secret(String),
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The coarse kind the front ends map to an exit code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Usage(_) => ErrorKind::Usage,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::NotCommitted { .. } => ErrorKind::NotCommitted,
            Error::Integrity { .. } => ErrorKind::Integrity,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::Locked { .. } => ErrorKind::Locked,
            Error::Incompatible(_) => ErrorKind::Incompatible,
            Error::RollbackFailed(_) => ErrorKind::RollbackFailed,
            Error::Interrupted(_) => ErrorKind::Interrupted,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::Secret(_) => ErrorKind::Secret,
            Error::Io { .. }
            | Error::Other(_)
            | Error::Docker(_)
            | Error::DockerUnreachable { .. }
            | Error::ContainerMissing(_) => ErrorKind::Other,
        }
    }

    /// An I/O error on `path` while doing `action` ("open", "write", ...).
    pub fn io(path: impl AsRef<Path>, action: &'static str, source: io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            action,
            source,
        }
    }

    /// An integrity failure of the archive at `path`.
    pub fn integrity(path: impl AsRef<Path>, reason: impl Into<String>) -> Self {
        Error::Integrity {
            path: path.as_ref().to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
