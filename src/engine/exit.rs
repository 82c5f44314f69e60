//! Exit codes (docs/exit-codes.md): the contract with cron and scripts, one table for both
//! front ends. The command line exits with them; the console exits with the signal codes and
//! records backups in runs.jsonl with the code `lifeboat backup` would have given.

use crate::engine::ErrorKind;
use crate::engine::backup::BackupOutcome;
use crate::engine::restore::{End, Finished};
use crate::engine::verify::VerifyState;

pub const OK: u8 = 0;
pub const ERROR: u8 = 1;
pub const PARTIAL: u8 = 2;
pub const WARNINGS: u8 = 3;
pub const NOT_FOUND: u8 = 10;
pub const LOCKED: u8 = 11;
pub const SECRET: u8 = 12;
pub const INTEGRITY: u8 = 13;
pub const INCOMPATIBLE: u8 = 14;
pub const INTERRUPTED: u8 = 15;
pub const CANCELLED: u8 = 20;
pub const SIGHUP: u8 = 129;
pub const SIGINT: u8 = 130;
pub const SIGTERM: u8 = 143;

/// The code for an error of `kind` in the read-only commands (verify, list, inspect).
pub fn for_error(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::NotCommitted | ErrorKind::Integrity => INTEGRITY,
        ErrorKind::Locked => LOCKED,
        ErrorKind::Cancelled => CANCELLED,
        ErrorKind::Secret => SECRET,
        ErrorKind::Interrupted | ErrorKind::RollbackFailed => INTERRUPTED,
        _ => ERROR,
    }
}

/// The code for a backup that ended with an outcome: 2 when a component failed, 3 with
/// warnings, else 0 (1 when nothing was committed).
pub fn for_backup(o: &BackupOutcome) -> u8 {
    if o.committed.is_none() {
        ERROR
    } else if !o.failed.is_empty() {
        PARTIAL
    } else if !o.warnings.is_empty() {
        WARNINGS
    } else {
        OK
    }
}

/// The code for a backup that failed with an error of `kind` (a signal's own code is the
/// caller's business).
pub fn for_backup_error(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Cancelled => CANCELLED,
        ErrorKind::Locked => LOCKED,
        ErrorKind::Secret => SECRET,
        ErrorKind::Interrupted => INTERRUPTED,
        _ => ERROR,
    }
}

/// The code for a restore that ended: 0 committed, 3 committed with waivers, 2 committed
/// with a component put back (`--keep-partial`), 1 rolled back; an end before anything
/// changed or a failed rollback by its error's kind ([`for_restore_error`]).
pub fn for_restore(f: &Finished) -> u8 {
    match &f.end {
        End::Committed if f.waived.is_empty() => OK,
        End::Committed => WARNINGS,
        End::Partial => PARTIAL,
        End::RolledBack => ERROR,
        End::Cancelled => CANCELLED,
        End::NothingChanged(_) => f.kind.map_or(ERROR, for_restore_error),
        End::RollbackFailed(_) => INTERRUPTED,
    }
}

/// The code for a restore (or settle, undo) that failed with an error of `kind`: refused by
/// the compatibility check 14, a failed rollback 15, otherwise as [`for_error`].
pub fn for_restore_error(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Incompatible => INCOMPATIBLE,
        ErrorKind::RollbackFailed => INTERRUPTED,
        kind => for_error(kind),
    }
}

/// The code for one verify verdict.
pub fn for_verify(state: VerifyState) -> u8 {
    match state {
        VerifyState::Verified => OK,
        VerifyState::Warnings => WARNINGS,
        VerifyState::NotFound => NOT_FOUND,
        VerifyState::Mismatch | VerifyState::NotCommitted | VerifyState::Orphan => INTEGRITY,
        VerifyState::Cancelled => CANCELLED,
        VerifyState::Error => ERROR,
    }
}

/// The exit code for a signal: 128 + its number.
pub fn for_signal(sig: i32) -> u8 {
    u8::try_from(128 + sig).unwrap_or(ERROR)
}

/// A signal's name, for "stopped by SIGTERM".
pub fn signal_name(sig: i32) -> &'static str {
    match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

/// The worst of several codes, for `verify DIR`: an integrity failure outranks an error,
/// which outranks "not found", which outranks warnings; a cancellation or signal outranks all.
pub fn worst(codes: impl IntoIterator<Item = u8>) -> u8 {
    fn rank(c: u8) -> u8 {
        match c {
            OK => 0,
            WARNINGS => 1,
            NOT_FOUND => 2,
            INTEGRITY => 4,
            CANCELLED | SIGHUP | SIGINT | SIGTERM => 5,
            _ => 3,
        }
    }
    codes.into_iter().max_by_key(|c| rank(*c)).unwrap_or(OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_prefers_integrity_over_errors() {
        assert_eq!(worst([OK, WARNINGS]), WARNINGS);
        assert_eq!(worst([WARNINGS, INTEGRITY, ERROR, OK]), INTEGRITY);
        assert_eq!(worst([NOT_FOUND, ERROR]), ERROR);
        assert_eq!(worst([INTEGRITY, CANCELLED]), CANCELLED);
        assert_eq!(worst([]), OK);
    }
}
