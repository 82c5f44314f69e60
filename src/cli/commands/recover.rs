//! `lifeboat recover`: starts again what a killed lifeboat left stopped (stopped.json), with
//! its restart policy restored. Takes the host lock without waiting. The runbook's `@reboot`
//! and every-ten-minutes cron lines run it. Journal-aware: the containers of an interrupted
//! restore that caught a component half-swapped stay stopped and are named (exit 15) until
//! `lifeboat restore --rollback ID` or `--resume ID` settles it.

use crate::cli::context::{Context, fail};
use crate::cli::output;
use crate::engine::error::Result;
use crate::engine::exit;
use crate::engine::host::Host;
use crate::engine::recover::{self, Recovered};

pub fn run(ctx: &Context) -> u8 {
    match recover(ctx) {
        Ok(Recovered {
            released: r,
            unsettled,
        }) => {
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
            for u in &unsettled {
                output::err(&format!("lifeboat: {u}"));
            }
            if !unsettled.is_empty() {
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
    let host = Host::new(ctx.config.config.clone(), ctx.locations.clone());
    crate::cli::context::block_on(recover::recover(&host, "lifeboat recover"))
}
