//! `lifeboat prune --keep-last N [--safety-older-than DAYS] [--yes]` and `prune --dismiss ID`:
//! the retention plan printed, then (with `--yes`, under the host lock) the deletions in the
//! safe order, one line each.

use serde_json::json;

use crate::cli::args::PruneArgs;
use crate::cli::context::{Context, fail};
use crate::cli::{output, render};
use crate::engine::error::{Error, Result};
use crate::engine::exit;
use crate::engine::host::Host;
use crate::engine::prune::{self, PruneRequest};

pub fn run(ctx: &Context, args: &PruneArgs) -> u8 {
    match prune_cmd(ctx, args) {
        Ok(code) => code,
        Err(e) => {
            fail(&e, ctx.json);
            exit::for_error(e.kind())
        }
    }
}

fn prune_cmd(ctx: &Context, args: &PruneArgs) -> Result<u8> {
    let state = ctx.locations.require_state()?.to_path_buf();
    let host = Host::new(ctx.config.config.clone(), ctx.locations.clone());
    if let Some(id) = &args.dismiss {
        let archive = prune::dismiss_locked(&host, id)?;
        if ctx.json {
            render::json_print(
                &json!({"event": "dismissed", "restore_id": id, "archive": archive}),
            );
        } else {
            output::out(&format!(
                "unpinned {} (a prune with --safety-older-than may now delete it)",
                archive.display()
            ));
        }
        return Ok(exit::OK);
    }
    if args.keep_last.is_none() && args.safety_older_than.is_none() {
        return Err(Error::Usage(
            "prune needs a rule: --keep-last N and/or --safety-older-than DAYS".into(),
        ));
    }
    let dirs = if args.dirs.is_empty() {
        super::list::configured_dirs(ctx)
            .into_iter()
            .filter(|d| d.is_dir())
            .collect()
    } else {
        args.dirs.clone()
    };
    let req = PruneRequest {
        dirs,
        keep_last: args.keep_last.map(|n| n as usize),
        safety_older_than_days: args.safety_older_than,
        state,
        now: jiff::Timestamp::now(),
    };
    let show = |ds: &[prune::Decision]| {
        if ctx.json {
            render::json_print(&json!({"event": "prune_plan", "decisions": ds}));
            return;
        }
        for d in ds {
            output::out(&format!(
                "{:<6} {}  ({})",
                if d.delete { "delete" } else { "keep" },
                d.archive.display(),
                d.why
            ));
        }
    };
    let mut deleted = 0;
    let decisions = prune::prune(
        &host,
        &req,
        ctx.index().as_ref(),
        args.yes,
        &mut |ds| show(ds),
        &mut |d| {
            deleted += 1;
            if ctx.json {
                render::json_print(
                    &json!({"event": "pruned", "archive": d.archive.to_string_lossy()}),
                );
            } else {
                output::out(&format!("deleted {}", d.archive.display()));
            }
        },
    )?;
    if !args.yes {
        if !ctx.json {
            output::out(&format!(
                "{} to delete; nothing deleted (pass --yes to delete)",
                decisions.iter().filter(|d| d.delete).count()
            ));
        }
        return Ok(exit::OK);
    }
    if ctx.json {
        render::json_print(&json!({"event": "prune", "deleted": deleted}));
    }
    Ok(exit::OK)
}
