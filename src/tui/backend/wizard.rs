//! The restore wizard's half of the real backend: the console's questions put to the engine's
//! restore driver. `prepare` arms the restore once per wizard (`engine::restore::arm`: the
//! profile, the lock) and runs the checklist for real; the armed restore waits in [`Engine`]
//! while the operator reads, waives and types; `run` hands it back to the driver, which
//! journals, executes and lets the lock and the staged copy go. Every function blocks (it runs
//! on a blocking thread) and drives the async engine on the console's runtime.

use std::path::Path;

use super::engine::{Engine, block_on};
use crate::engine::error::{Error, ErrorKind, Result};
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::restore::driver::LockRule;
use crate::engine::restore::{Armed, Finished, Prepared, Request, RestoreSelection};
use crate::tui::state::wizard::{Outcome, Plan, PrepareRequest, Refusal, RunRequest, Target};

/// What the lock file's holder record says while the console holds it.
const WHO: &str = "lifeboat console (restore)";

/// The stack and components a restore of `archive` offers. `spec` is the wizard's preference
/// (the archive's own profile, or the one an interrupted restore used); when it does not
/// load, the engine's own choice (the archive's profile, else the configured one) is taken.
pub fn target(e: &Engine, archive: &Path, spec: Option<&str>) -> Result<Target> {
    use crate::engine::restore::request::target;
    target(&e.host.config, archive, spec, None)
        .or_else(|_| target(&e.host.config, archive, None, None))
}

fn take(e: &Engine) -> Option<Armed> {
    e.armed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
}

fn put(e: &Engine, a: Armed) {
    *e.armed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(a);
}

/// Arms the wizard's restore (once: a later plan of the same archive keeps the lock) and runs
/// the checklist for real. A held lock is a failed checklist item, as `--dry-run` shows it.
pub fn prepare(
    e: &Engine,
    req: &PrepareRequest,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> std::result::Result<Plan, Refusal> {
    let failed = |e: Error| match e.kind() {
        ErrorKind::Cancelled => Refusal::Cancelled,
        _ => Refusal::Failed(e.to_string()),
    };
    let mut armed = match take(e) {
        Some(mut a) if a.request().archive == req.archive => {
            a.reselect(req.components.clone());
            a
        }
        _ => {
            let request = Request {
                archive: req.archive.clone(),
                profile: req.spec.clone(),
                selection: RestoreSelection {
                    components: req.components.clone(),
                    ..Default::default()
                },
                expect_sha256: req.expect_sha256.clone(),
                ..Default::default()
            };
            crate::engine::restore::arm(&e.host, request, WHO, LockRule::ShownIfHeld)
                .map_err(failed)?
        }
    };
    let plan = block_on(async { armed.prepare(reporter, cancel).await.map(plan_of) });
    // A failed checklist keeps the wizard armed: the operator may go back and try again.
    put(e, armed);
    plan.map_err(failed)
}

pub fn run(e: &Engine, req: &RunRequest, reporter: &dyn Reporter, cancel: &Cancel) -> Outcome {
    let Some(mut armed) = take(e) else {
        return Finished::refused(&Error::Usage(
            "nothing is prepared: run the checklist first".into(),
        ));
    };
    armed.set_origin(req.keep_partial, req.undoes.clone());
    match block_on(async { Ok(armed.run(&req.accept, reporter, cancel).await) }) {
        Ok(f) => f,
        Err(err) => Finished::refused(&err),
    }
}

/// The wizard closed without running: its staged copy and the lock go.
pub fn close(e: &Engine) {
    drop(take(e));
}

/// The plan screen's view of a prepared restore.
fn plan_of(p: &Prepared) -> Plan {
    Plan {
        id: p.id.clone(),
        backup_name: p.backup_name.clone(),
        captured_at: p.captured_at.clone(),
        sha256: p.sha256.clone(),
        components: p.rows.clone(),
        items: p.items.clone(),
    }
}
