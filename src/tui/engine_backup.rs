//! The backup half of the real backend: the stack's status (the configured profile, its output
//! folder, its last failed run from runs.jsonl) and "backup now", which runs the same engine
//! call as `lifeboat backup` with no flags (`engine::backup::run_locked`: the lock, the
//! journal check, held containers, leftovers, space checks, the run) and records the run in
//! runs.jsonl with the exit code the command line would give, so `lifeboat status` and the
//! header see a console backup like any other. Blocking; called on a blocking thread.

use std::collections::BTreeMap;

use serde_json::json;

use crate::engine::exit;
use crate::engine::backup::{self, LockedRequest};
use crate::engine::docker::Docker;
use crate::engine::error::Result;
use crate::engine::plan::{self, Selection};
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::runs::{self, Run};
use crate::engine::stack::{self, Profile};
use crate::tui::backend::Engine;
use crate::tui::backup_now::{BackupEnd, StackStatus};

/// What the lock file's holder record says while the console backs up.
const WHO: &str = "lifeboat console (backup)";

/// The profile `lifeboat backup` backs up without `--profile`, and where it writes.
fn profile(e: &Engine) -> Result<(Profile, std::path::PathBuf)> {
    let p = stack::load(None, &e.config, None)?;
    let out = e.locations.default_output(&e.config, &p.name);
    Ok((p, out))
}

pub fn status(e: &Engine) -> Result<StackStatus> {
    let (p, output_dir) = profile(e)?;
    let last_failed = e
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
    let start = jiff::Timestamp::now();
    let (p, output_dir) = match profile(e) {
        Ok(x) => x,
        Err(err) => return BackupEnd::failed(exit::for_backup_error(err.kind()), err.to_string()),
    };
    let end = match execute(e, &p, output_dir, reporter, cancel) {
        Ok(o) => BackupEnd {
            exit_code: exit::for_backup(&o),
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
        Err(err) => BackupEnd::failed(exit::for_backup_error(err.kind()), err.to_string()),
    };
    if let Some(state) = &e.locations.state {
        let run = Run {
            start: start.to_string(),
            end: jiff::Timestamp::now().to_string(),
            profile: p.name.clone(),
            exit_code: end.exit_code,
            reason: end
                .error
                .clone()
                .or_else(|| end.failed.first().map(|(n, r)| format!("{n}: {r}")))
                .or_else(|| end.warnings.first().cloned()),
            archive: end.archive.as_ref().map(|(a, _)| a.clone()),
        };
        // A lost line only hides this run from "last failed run"; the backup itself stands.
        let _ = runs::append(state, &run);
    }
    end
}

fn execute(
    e: &Engine,
    p: &Profile,
    output_dir: std::path::PathBuf,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Result<backup::BackupOutcome> {
    // No flags: the profile's default components, as a cron `lifeboat backup` takes them.
    let sel = Selection::default();
    let components = plan::select(p, &sel)?;
    let state = e.locations.require_state()?.to_path_buf();
    let staging = e
        .locations
        .staging
        .clone()
        .unwrap_or_else(|| state.join("staging"));
    let mut options = BTreeMap::new();
    options.insert("include_models".into(), json!(sel.include_models));
    options.insert("skip".into(), json!(sel.skip));
    options.insert("only".into(), json!(sel.only));
    let req = LockedRequest {
        profile: p,
        components,
        output_dir,
        staging,
        state,
        lock: e.locations.lock.clone(),
        holder: WHO,
        options,
    };
    crate::tui::engine_restore::block_on(async {
        let docker = Docker::connect().await?;
        backup::run_locked(&docker, &req, reporter, cancel).await
    })
}
