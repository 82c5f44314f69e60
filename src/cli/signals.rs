//! SIGINT, SIGTERM and SIGHUP for the command line: the first one cancels the running job
//! (it stops at its next check and cleans up) and the command exits 130, 143 or 129; a second
//! one exits at once, except while a restore swaps data. A SIGHUP that was ignored when
//! lifeboat started (`nohup`) stays ignored.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::engine::progress::Cancel;

static RECEIVED: AtomicI32 = AtomicI32::new(0);
static JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Under `--json`, a second signal still ends the stream with its `exit` line.
pub fn set_json(json: bool) {
    JSON.store(json, Ordering::SeqCst);
}
static TOKEN: OnceLock<Cancel> = OnceLock::new();
static PROTECTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// While a restore swaps data, a second signal does not end lifeboat at once: leaving a
/// component half-swapped is worse than waiting for it to settle (commit or rollback).
pub fn protect(on: bool) {
    PROTECTED.store(on, Ordering::SeqCst);
}

/// The token every command's job honours; cancelled by the first signal.
pub fn token() -> Cancel {
    TOKEN.get_or_init(Cancel::new).clone()
}

/// The signal that ended the run, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

pub use crate::engine::exit::{for_signal as exit_code, signal_name as name};

/// Whether SIGHUP was ignored when the process started (`nohup`), from /proc/self/status.
fn sighup_ignored_at_start() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (SIGHUP - 1)) != 0)
}

/// Installs the handlers (once, before any job starts).
pub fn install() {
    let mut wanted = vec![SIGINT, SIGTERM];
    if !sighup_ignored_at_start() {
        wanted.push(SIGHUP);
    }
    let Ok(mut signals) = Signals::new(&wanted) else {
        return;
    };
    let token = token();
    let _ = std::thread::Builder::new()
        .name("lifeboat-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                if RECEIVED
                    .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    if PROTECTED.load(Ordering::SeqCst) {
                        crate::cli::output::err(
                            "lifeboat: the restore stops as soon as the component it is swapping is settled; kill -9 would leave it half-swapped",
                        );
                        continue;
                    }
                    // A second signal: the operator means it.
                    std::process::exit(i32::from(exit_code(sig)));
                }
                token.cancel();
            }
        });
}
