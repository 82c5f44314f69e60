//! `lifeboat restore --backup-file FILE`: the plan and checklist (all `--dry-run` does), the
//! typed confirmation (or `--force`), then the engine's all-or-nothing execution under the
//! host lock, and a summary that says what was restored, rolled back and kept.

use std::io::{BufRead, IsTerminal, Write};

use serde_json::json;

use crate::cli::args::RestoreArgs;
use crate::cli::render::{self, Session};
use crate::cli::{Context, exit, fail, output, signals};
use crate::engine::archive::peek;
use crate::engine::docker::Docker;
use crate::engine::error::{Error, ErrorKind};
use crate::engine::journal;
use crate::engine::lock::HostLock;
use crate::engine::restore::{
    self, Ctx, ItemStatus, Prepared, RestoreOutcome, RestoreRequest, RestoreSelection, RunOptions,
    checklist, session,
};
use crate::engine::stack;
use crate::engine::stopped::Ledger;
use crate::engine::text::sanitize_max;

pub fn run(ctx: &Context, args: &RestoreArgs) -> u8 {
    match restore(ctx, args) {
        Ok(code) => code,
        Err(e) => {
            fail(&e, ctx.json);
            code_for(&e)
        }
    }
}

fn code_for(e: &Error) -> u8 {
    match (e.kind(), signals::received()) {
        (ErrorKind::Cancelled, Some(sig)) => signals::exit_code(sig),
        (ErrorKind::Incompatible, _) => exit::INCOMPATIBLE,
        (ErrorKind::RollbackFailed, _) => exit::INTERRUPTED,
        (kind, _) => exit::for_error(kind),
    }
}

fn restore(ctx: &Context, args: &RestoreArgs) -> Result<u8, Error> {
    if let Some(id) = &args.apply_config {
        return apply_config(ctx, args, id);
    }
    if args.rollback.is_some() || args.resume.is_some() || args.undo.is_some() {
        return super::restore_settle::run(ctx, args);
    }
    restore_archive(ctx, args, &Extra::default())
}

/// What `--resume` and `--undo` add to an ordinary restore.
#[derive(Debug, Default)]
pub(super) struct Extra {
    /// The archive must still be these bytes (a resume restores what was verified before).
    pub expect_sha256: Option<String>,
    /// The restore this one undoes.
    pub undoes: Option<String>,
}

pub(super) fn restore_archive(
    ctx: &Context,
    args: &RestoreArgs,
    extra: &Extra,
) -> Result<u8, Error> {
    let backup_file = args.backup_file.clone().unwrap_or_default();
    if !backup_file.exists() {
        return Err(Error::NotFound(backup_file));
    }
    let archived_profile = peek::read_manifest(&backup_file)
        .ok()
        .and_then(|m| m.profile);
    let spec = args.profile.clone().or(archived_profile);
    // The spec that loaded is journalled, so a later --rollback loads the same profile.
    let (profile, spec) =
        match stack::load(spec.as_deref(), &ctx.config.config, args.project.as_deref()) {
            Ok(p) => (p, spec),
            Err(e) if args.profile.is_some() => return Err(e),
            Err(_) => (
                stack::load(None, &ctx.config.config, args.project.as_deref())?,
                None,
            ),
        };
    let state = ctx.locations.require_state()?.to_path_buf();
    let staging = ctx
        .locations
        .staging
        .clone()
        .unwrap_or_else(|| state.join("staging"));
    if args.skip_validation && !args.force {
        return Err(Error::Usage(
            "--skip-validation restores an archive its sidecar does not vouch for: it needs --force too".into(),
        ));
    }
    if !args.dry_run && !args.force && !std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "restore replaces live data and no terminal is attached to confirm it: pass --force (or --dry-run to only check)".into(),
        ));
    }
    // A dry run shows a held lock as a failed checklist item; a restore stops (11).
    let _lock = match session::arm(&ctx.locations.lock, &state, &staging, "lifeboat restore") {
        Ok(l) => Some(l),
        Err(e) if !args.dry_run || e.kind() != ErrorKind::Locked => return Err(e),
        Err(_) => None,
    };
    let req = RestoreRequest {
        profile: &profile,
        archive: backup_file.clone(),
        selection: RestoreSelection {
            components: args.component.clone(),
            skip: args.skip.clone(),
            restore_config: args.restore_config,
        },
        staging,
        state: state.clone(),
        accept: args.accept.clone(),
        keep_partial: args.keep_partial,
        skip_validation: args.skip_validation,
    };
    let id = restore::new_id();
    let cancel = signals::token();
    // Phase 1: stage the archive and evaluate the checklist (all a dry run does).
    let session = Session::start(ctx.render_mode());
    let prepared = crate::cli::block_on(async {
        let docker = Docker::connect().await?;
        let rctx = Ctx {
            docker: &docker,
            profile: &profile,
            reporter: session.reporter(),
            cancel: &cancel,
            id: id.clone(),
        };
        restore::prepare(&rctx, &req).await
    });
    session.finish();
    let mut prepared = prepared?;
    // The staged copy goes whatever happens next.
    let _staged = StagedDir(prepared.stage_dir.clone());
    if let Some(want) = &extra.expect_sha256
        && *want != prepared.sha256
    {
        return Err(Error::integrity(
            &backup_file,
            format!(
                "not the bytes the interrupted restore verified (SHA-256 {} now, {want} then): resume restores only those; settle it with --rollback instead",
                prepared.sha256
            ),
        ));
    }
    prepared
        .items
        .push(session::lock_item(&ctx.locations.lock, _lock.is_some()));
    checklist::apply_accept(&mut prepared.items, &req.accept).map_err(Error::Usage)?;
    print_checklist(ctx, &prepared);
    if let Some(b) = checklist::blocker(&prepared.items) {
        let code = if b.compatibility {
            exit::INCOMPATIBLE
        } else {
            exit::ERROR
        };
        output::err(&format!(
            "lifeboat: restore refused by the checklist: {} ({}); nothing was stopped or changed",
            b.id,
            sanitize_max(&b.detail, 300)
        ));
        return Ok(code);
    }
    let waived = prepared
        .items
        .iter()
        .any(|i| i.status == ItemStatus::Waived);
    if args.dry_run {
        return Ok(if waived { exit::WARNINGS } else { exit::OK });
    }
    confirm(args, &prepared)?;
    // Phase 2: everything checked in staging, then the swaps, each step journalled first.
    let origin = session::Origin {
        profile_spec: spec,
        project: args.project.clone(),
        keep_partial: args.keep_partial,
        undoes: extra.undoes.clone(),
    };
    signals::protect(true);
    let session = Session::start(ctx.render_mode());
    let outcome = crate::cli::block_on(async {
        // Docker first: a daemon that does not answer must not leave a journal to settle.
        let docker = Docker::connect().await?;
        let journal = session::begin(&state, &prepared, &profile.name, &origin)?;
        let reporter = journal::Journalled {
            journal: &journal,
            inner: session.reporter(),
        };
        let rctx = Ctx {
            docker: &docker,
            profile: &profile,
            reporter: &reporter,
            cancel: &cancel,
            id: id.clone(),
        };
        // What a killed lifeboat left stopped runs again first, its policy restored.
        let ledger = Ledger::new(&state);
        if let Err(e) = session::release_leftovers(&docker, &ledger, &reporter).await {
            // Nothing of this restore ran: its journal ends here.
            let _ = journal.append(journal::Record::End {
                outcome: "failed".into(),
            });
            return Err(e);
        }
        let opts = RunOptions {
            journal: &journal,
            keep_partial: req.keep_partial,
            staging: req.staging.clone(),
            state: state.clone(),
        };
        restore::execute(&rctx, &prepared, &ledger, &opts).await
    });
    session.finish();
    signals::protect(false);
    let no_safety = prepared
        .items
        .iter()
        .any(|i| i.id == "safety-backup" && i.status == ItemStatus::Waived);
    Ok(summarize(ctx, &outcome?, waived, no_safety))
}

/// Removes the staging folder when the command ends.
struct StagedDir(std::path::PathBuf);

impl Drop for StagedDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `--apply-config ID`: the restored configuration files swapped in, under the lock.
fn apply_config(ctx: &Context, args: &RestoreArgs, id: &str) -> Result<u8, Error> {
    let profile = stack::load(
        args.profile.as_deref(),
        &ctx.config.config,
        args.project.as_deref(),
    )?;
    let _lock = HostLock::try_acquire(&ctx.locations.lock, "lifeboat restore --apply-config")?;
    let components: Vec<_> = profile
        .components
        .iter()
        .filter(|c| c.kind == crate::engine::stack::Kind::Files)
        .collect();
    let applied = restore::config::apply(&components, id)?;
    for p in applied.iter().filter(|_| !ctx.json) {
        output::out(&format!(
            "applied {} (the previous file is kept as {}.pre-{id})",
            p.display(),
            p.display()
        ));
    }
    if ctx.json {
        render::json_print(&json!({"event": "config_applied", "restore_id": id, "files": applied}));
    }
    Ok(exit::OK)
}

/// The typed confirmation on a terminal: the operator types `yes`, as the runbook's script
/// asked; anything else cancels (exit 20).
fn confirm(args: &RestoreArgs, p: &Prepared) -> Result<(), Error> {
    if args.force {
        return Ok(());
    }
    let mut err = std::io::stderr();
    let _ = writeln!(
        err,
        "Restore {} from {} (captured {})? The live data of these components is replaced.",
        p.components.join(", "),
        p.backup_name,
        p.captured_at
    );
    let _ = write!(err, "Type yes to go on: ");
    let _ = err.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    if line.trim() == "yes" {
        Ok(())
    } else {
        Err(Error::Cancelled)
    }
}

fn print_checklist(ctx: &Context, p: &Prepared) {
    if ctx.json {
        render::json_print(&json!({"event": "restore_plan", "plan": p}));
        return;
    }
    output::out(&format!(
        "Restore plan for {} (captured {}): {}",
        p.backup_name,
        p.captured_at,
        p.components.join(", ")
    ));
    output::out("Checklist");
    for i in &p.items {
        let word = match i.status {
            ItemStatus::Ok => "ok",
            ItemStatus::Warn => "WARN",
            ItemStatus::Fail => "FAIL",
            ItemStatus::Waived => "WAIVED",
        };
        output::out(&format!(
            "  [{word:>6}] {:<26} {}",
            i.id,
            sanitize_max(&i.detail, 400)
        ));
    }
}

fn summarize(ctx: &Context, o: &RestoreOutcome, waived: bool, no_safety: bool) -> u8 {
    let code = if o.restored.is_empty() {
        exit::ERROR
    } else if !o.rolled_back.is_empty() {
        exit::PARTIAL
    } else if waived {
        exit::WARNINGS
    } else {
        exit::OK
    };
    if ctx.json {
        render::json_print(&json!({"event": "restore", "outcome": o, "code": code}));
    } else {
        output::out(&format!("Restore {}", o.restore_id));
        if !o.restored.is_empty() {
            output::out(&format!(
                "Restored and checked against the backup: {}",
                o.restored.join(", ")
            ));
        }
        for (n, why) in &o.rolled_back {
            output::out(&format!("  rolled back {n}: {}", sanitize_max(why, 400)));
        }
        for n in &o.notes {
            output::out(&format!("  note: {}", sanitize_max(n, 400)));
        }
        match &o.safety_backup {
            Some(s) => output::out(&format!(
                "  safety backup of the replaced data: {} (undo: lifeboat restore --undo {})",
                s.display(),
                o.restore_id
            )),
            None if !o.restored.is_empty() && no_safety => {
                output::out("  no safety backup was taken (--accept no-safety-backup)")
            }
            None => {}
        }
    }
    if code == exit::ERROR {
        output::err(&format!(
            "lifeboat: restore failed and was rolled back: {}",
            o.rolled_back
                .first()
                .map(|(_, w)| w.as_str())
                .unwrap_or_default()
        ));
    }
    code
}
