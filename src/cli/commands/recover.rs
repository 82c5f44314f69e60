//! `lifeboat recover`: starts again what a killed lifeboat left stopped (stopped.json), with
//! its restart policy restored. Takes the host lock without waiting. The runbook's `@reboot`
//! and every-ten-minutes cron lines run it. Journal-aware: the containers of an interrupted
//! restore that caught a component half-swapped stay stopped and are named (exit 15) until
//! `lifeboat restore --rollback ID` or `--resume ID` settles it.

use crate::cli::{Context, exit, fail, output};
use crate::engine::docker::Docker;
use crate::engine::error::Result;
use crate::engine::journal;
use crate::engine::lock::HostLock;
use crate::engine::recover;
use crate::engine::stopped::Ledger;

#[derive(Default)]
struct Recovered {
    started: Vec<String>,
    /// Held containers left stopped: (container, why).
    kept: Vec<(String, String)>,
    problems: Vec<String>,
    /// Interrupted restores, described.
    unsettled: Vec<String>,
}

pub fn run(ctx: &Context) -> u8 {
    match recover(ctx) {
        Ok(r) => {
            for c in &r.started {
                output::out(&format!("started {c} again (restart policy restored)"));
            }
            for (c, why) in &r.kept {
                output::out(&format!("left {c} stopped: {why}"));
            }
            if r.started.is_empty() && r.kept.is_empty() && r.problems.is_empty() {
                output::out("nothing to recover: lifeboat holds no container stopped");
            }
            for p in &r.problems {
                output::err(&format!("lifeboat: {p}"));
            }
            for u in &r.unsettled {
                output::err(&format!("lifeboat: {u}"));
            }
            if !r.unsettled.is_empty() {
                exit::INTERRUPTED
            } else if r.problems.is_empty() {
                exit::OK
            } else {
                exit::ERROR
            }
        }
        Err(e) => {
            fail(&e, ctx.json);
            exit::for_error(e.kind())
        }
    }
}

fn recover(ctx: &Context) -> Result<Recovered> {
    let state = ctx.locations.require_state()?.to_path_buf();
    let ledger = Ledger::new(&state);
    let pending = journal::unsettled(&state)?;
    if ledger.list()?.is_empty() && pending.is_empty() {
        return Ok(Recovered::default());
    }
    let _lock = HostLock::try_acquire(&ctx.locations.lock, "lifeboat recover")?;
    // Under the lock every unsettled journal is an interrupted restore.
    let pending = journal::unsettled(&state)?;
    let mut out = Recovered {
        unsettled: pending
            .iter()
            .map(|r| journal::refuse(r).to_string())
            .collect(),
        ..Default::default()
    };
    crate::cli::block_on(async {
        let docker = Docker::connect().await?;
        let r = recover::release_held(&docker, &ledger, &pending).await?;
        out.started = r.started;
        out.kept = r.kept;
        out.problems = r.problems;
        Ok(out)
    })
}
