//! The backup half of the real backend: the stack's status (the configured profile, its output
//! folder, its last failed run from runs.jsonl) and "backup now", which is the engine's backup
//! driver with no flags (`engine::backup_job`: the lock, the journal check, held containers,
//! leftovers, space checks, the run, its runs.jsonl line with the code the command line would
//! give), so `lifeboat status` and the header see a console backup like any other. Blocking;
//! called on a blocking thread.

use super::engine::{Engine, block_on};
use crate::engine::backup_job::{self, Job};
use crate::engine::error::Result;
use crate::engine::exit;
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::runs;
use crate::engine::stack::{self, Profile};
use crate::tui::state::backup::{BackupEnd, StackStatus};

/// What the lock file's holder record says while the console backs up.
const WHO: &str = "lifeboat console (backup)";

/// The profile `lifeboat backup` backs up without `--profile`, and where it writes.
fn profile(e: &Engine) -> Result<(Profile, std::path::PathBuf)> {
    let p = stack::load(None, &e.host.config, None)?;
    let out = e.host.locations.default_output(&e.host.config, &p.name);
    Ok((p, out))
}

pub fn status(e: &Engine) -> Result<StackStatus> {
    let (p, output_dir) = profile(e)?;
    let last_failed = e
        .host
        .locations
        .state
        .as_deref()
        .and_then(|s| runs::last_failed(s, &p.name));
    Ok(StackStatus {
        profile: p.name,
        output_dir,
        last_failed,
    })
}

pub fn run(e: &Engine, reporter: &dyn Reporter, cancel: &Cancel) -> BackupEnd {
    // No flags: the profile's default components, as a cron `lifeboat backup` takes them.
    let job = Job {
        holder: WHO.into(),
        ..Default::default()
    };
    let ran = block_on(async { Ok(backup_job::backup(&e.host, &job, reporter, cancel).await) });
    let ran = match ran {
        Ok(r) => r,
        Err(err) => return BackupEnd::failed(exit::ERROR, err.to_string()),
    };
    match ran.outcome {
        Ok(o) => BackupEnd {
            exit_code: ran.code,
            archive: o.committed.as_ref().map(|c| (c.archive.clone(), c.size)),
            failed: o
                .failed
                .iter()
                .map(|(n, r, _)| (n.clone(), r.clone()))
                .collect(),
            captured: o.captured.clone(),
            warnings: o.warnings.clone(),
            restarted: o.restarted.clone(),
            error: o
                .committed
                .is_none()
                .then(|| "nothing committed".to_string()),
        },
        Err(err) => BackupEnd::failed(ran.code, err.to_string()),
    }
}
