//! `lifeboat restore --rollback ID | --resume ID | --undo [ID]`: settling an interrupted
//! restore from its journal, and undoing a committed one from its safety backup (an ordinary
//! restore of the safety archive, which takes its own safety backup).

use serde_json::json;

use super::restore::{Extra, restore_archive};
use crate::cli::args::RestoreArgs;
use crate::cli::render::{self, Session};
use crate::cli::{Context, exit, output, signals};
use crate::engine::docker::Docker;
use crate::engine::error::Error;
use crate::engine::journal;
use crate::engine::lock::HostLock;
use crate::engine::progress::Cancel;
use crate::engine::restore::Ctx;
use crate::engine::restore::settle::{self, Settled};
use crate::engine::stack;
use crate::engine::stopped::Ledger;

pub fn run(ctx: &Context, args: &RestoreArgs) -> Result<u8, Error> {
    let state = ctx.locations.require_state()?.to_path_buf();
    if let Some(id) = &args.undo {
        return undo(ctx, args, &state, id);
    }
    let (id, forward) = match (&args.rollback, &args.resume) {
        (Some(id), _) => (id.clone(), false),
        (None, Some(id)) => (id.clone(), true),
        (None, None) => return Err(Error::Usage("nothing to settle".into())),
    };
    let lock = HostLock::try_acquire(&ctx.locations.lock, "lifeboat restore --rollback")?;
    let read = journal::find(&state, &id)?;
    if let Some(end) = &read.end {
        return Err(Error::Usage(format!(
            "restore {id} is already settled ({end}); nothing to do"
        )));
    }
    // Resume goes forward only with the bytes verified before: check before settling anything.
    if forward {
        let archive = &read.begin.archive;
        if !archive.exists() {
            return Err(Error::NotFound(archive.clone()));
        }
        let now = settle::file_sha256(archive)?;
        if now != read.begin.archive_sha256 {
            return Err(Error::integrity(
                archive,
                format!(
                    "not the bytes restore {id} verified (SHA-256 {now} now, {} then): resume restores only those; settle it with --rollback {id}",
                    read.begin.archive_sha256
                ),
            ));
        }
    }
    let profile = stack::load(
        read.begin.profile_spec.as_deref(),
        &ctx.config.config,
        read.begin.project.as_deref(),
    )?;
    let staging = ctx
        .locations
        .staging
        .clone()
        .unwrap_or_else(|| state.join("staging"));
    // Settling runs to its end: a signal must not leave it half-way either.
    signals::protect(true);
    let calm = Cancel::new();
    let session = Session::start(ctx.render_mode());
    let settled = crate::cli::block_on(async {
        let docker = Docker::connect().await?;
        let rctx = Ctx {
            docker: &docker,
            profile: &profile,
            reporter: session.reporter(),
            cancel: &calm,
            id: id.clone(),
        };
        settle::settle(&rctx, &Ledger::new(&state), &read, &staging, forward).await
    });
    session.finish();
    signals::protect(false);
    let settled = settled?;
    report(ctx, &settled, forward);
    if !forward || settled.remaining.is_empty() {
        return Ok(exit::OK);
    }
    drop(lock);
    let mut again = args.clone();
    again.resume = None;
    again.backup_file = Some(read.begin.archive.clone());
    again.component = settled.remaining.clone();
    again.skip.clear();
    again.profile = read.begin.profile_spec.clone();
    again.project = read.begin.project.clone();
    again.keep_partial = read.begin.keep_partial;
    restore_archive(
        ctx,
        &again,
        &Extra {
            expect_sha256: Some(read.begin.archive_sha256.clone()),
            undoes: read.begin.undoes.clone(),
        },
    )
}

fn report(ctx: &Context, s: &Settled, forward: bool) {
    if ctx.json {
        render::json_print(&json!({"event": "restore_settled", "resumed": forward, "outcome": s}));
        return;
    }
    let word = if forward { "Resumed" } else { "Rolled back" };
    output::out(&format!("{word} restore {}", s.restore_id));
    if !s.rolled_back.is_empty() {
        output::out(&format!("  old data back: {}", s.rolled_back.join(", ")));
    }
    if !s.kept.is_empty() {
        output::out(&format!(
            "  kept on the restored data (it had passed its checks): {}",
            s.kept.join(", ")
        ));
    }
    if !s.started.is_empty() {
        output::out(&format!("  started again: {}", s.started.join(", ")));
    }
    for n in &s.notes {
        output::out(&format!("  note: {n}"));
    }
    if !s.remaining.is_empty() {
        output::out(&format!(
            "  still to restore, from the same archive: {}",
            s.remaining.join(", ")
        ));
    }
}

/// `--undo [ID]`: the safety backup of a committed restore, restored over exactly the
/// components it replaced.
fn undo(ctx: &Context, args: &RestoreArgs, state: &std::path::Path, id: &str) -> Result<u8, Error> {
    let read = if id.is_empty() {
        journal::all(state)?
            .into_iter()
            .rev()
            .find(|r| {
                r.safety.is_some() && matches!(r.end.as_deref(), Some("committed" | "partial"))
            })
            .ok_or_else(|| {
                Error::Usage(format!(
                    "no committed restore with a safety backup in {}: nothing to undo",
                    journal::dir(state).display()
                ))
            })?
    } else {
        journal::find(state, id)?
    };
    let rid = read.begin.id.clone();
    if !matches!(read.end.as_deref(), Some("committed" | "partial")) {
        return Err(Error::Usage(format!(
            "restore {rid} did not commit ({}): there is nothing of it to undo",
            read.end
                .as_deref()
                .unwrap_or("it is still unsettled: use --rollback")
        )));
    }
    let Some(safety) = read.safety.clone() else {
        return Err(Error::Usage(format!(
            "restore {rid} took no safety backup (--accept no-safety-backup): it cannot be undone; restore an older backup instead"
        )));
    };
    if !safety.exists() {
        return Err(Error::NotFound(safety));
    }
    // Exactly what the safety backup holds and says it replaced.
    let manifest = crate::engine::archive::peek::read_manifest(&safety)?;
    let replaced: Vec<String> = manifest
        .extra
        .get("components_replaced")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_else(|| manifest.components.clone());
    let since = read
        .ended_at
        .as_deref()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let live = since
        .map(|t| crate::engine::catalog::age(jiff::Timestamp::now(), t))
        .unwrap_or_else(|| "an unknown time".into());
    let message = format!(
        "Undo restore {rid}: its data of {} has been live for {live}; changes made since then are discarded (this undo keeps them in its own safety backup)",
        replaced.join(", ")
    );
    if ctx.json {
        render::json_print(
            &json!({"event": "undo", "restore_id": rid, "components": replaced, "live_since": read.ended_at, "safety_backup": safety}),
        );
    } else {
        output::err(&message);
    }
    let mut again = args.clone();
    again.undo = None;
    again.backup_file = Some(safety);
    again.component = replaced;
    again.skip.clear();
    again.profile = read.begin.profile_spec.clone();
    again.project = read.begin.project.clone();
    restore_archive(
        ctx,
        &again,
        &Extra {
            expect_sha256: None,
            undoes: Some(rid),
        },
    )
}
