//! `lifeboat recover`: starts again what a killed lifeboat left stopped (stopped.json), with
//! its restart policy restored. Takes the host lock without waiting. The runbook's `@reboot`
//! and every-ten-minutes cron lines run it.

use crate::cli::{Context, exit, fail, output};
use crate::engine::docker::Docker;
use crate::engine::error::Result;
use crate::engine::lock::HostLock;
use crate::engine::stopped::Ledger;

pub fn run(ctx: &Context) -> u8 {
    match recover(ctx) {
        Ok((started, problems)) => {
            for c in &started {
                output::out(&format!("started {c} again (restart policy restored)"));
            }
            if started.is_empty() && problems.is_empty() {
                output::out("nothing to recover: lifeboat holds no container stopped");
            }
            for p in &problems {
                output::err(&format!("lifeboat: {p}"));
            }
            if problems.is_empty() {
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

fn recover(ctx: &Context) -> Result<(Vec<String>, Vec<String>)> {
    let state = ctx.locations.require_state()?.to_path_buf();
    let ledger = Ledger::new(&state);
    if ledger.list()?.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let _lock = HostLock::try_acquire(&ctx.locations.lock, "lifeboat recover")?;
    crate::cli::block_on(async {
        let docker = Docker::connect().await?;
        let mut started = Vec::new();
        let mut problems = Vec::new();
        for held in ledger.list()? {
            match ledger.release(&docker, &held.container).await {
                Ok(None) => started.push(held.container),
                Ok(Some(note)) => problems.push(note),
                Err(e) => problems.push(format!("{}: {e}", held.container)),
            }
        }
        Ok((started, problems))
    })
}
