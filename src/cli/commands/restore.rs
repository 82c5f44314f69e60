//! `lifeboat restore`: the arguments parsed once into what the operator asked (a restore, an
//! undo, a settle, applying restored configuration), then the engine's drivers asked and
//! their answers shown: the plan and checklist (all `--dry-run` does), the typed confirmation
//! (or `--force`), live progress, and a summary that says what was restored, rolled back and
//! kept. Nothing here arms, locks, connects or journals: `engine::restore::driver` does.

use std::io::{BufRead, IsTerminal, Write};

use serde_json::json;

use crate::cli::args::RestoreArgs;
use crate::cli::context::{Context, fail};
use crate::cli::render::{self, Session};
use crate::cli::{output, signals};
use crate::engine::error::Error;
use crate::engine::exit;
use crate::engine::host::Host;
use crate::engine::restore::aftercare::{self, SettleEnd};
use crate::engine::restore::driver::{LockRule, Review};
use crate::engine::restore::{End, Finished, ItemStatus, Prepared, Request, RestoreSelection, arm};
use crate::engine::text::sanitize_max;

/// What the operator asked of `lifeboat restore`.
#[derive(Debug)]
enum Asked {
    Restore(Request),
    /// `--undo [ID]` (`None`: the newest committed restore with a safety backup).
    Undo(Option<String>),
    /// `--rollback ID` (`forward: false`) or `--resume ID`.
    Settle {
        id: String,
        forward: bool,
    },
    ApplyConfig(String),
}

/// How to go about it.
#[derive(Debug)]
struct Options {
    dry_run: bool,
    force: bool,
    accept: Vec<String>,
    keep_partial: bool,
}

fn parse(args: &RestoreArgs) -> Result<(Asked, Options), Error> {
    let opts = Options {
        dry_run: args.dry_run,
        force: args.force,
        accept: args.accept.clone(),
        keep_partial: args.keep_partial,
    };
    let asked = if let Some(id) = &args.apply_config {
        Asked::ApplyConfig(id.clone())
    } else if let Some(id) = &args.undo {
        Asked::Undo(Some(id.clone()).filter(|i| !i.is_empty()))
    } else if let Some(id) = &args.rollback {
        Asked::Settle {
            id: id.clone(),
            forward: false,
        }
    } else if let Some(id) = &args.resume {
        Asked::Settle {
            id: id.clone(),
            forward: true,
        }
    } else {
        if args.skip_validation && !args.force {
            return Err(Error::Usage(
                "--skip-validation restores an archive its sidecar does not vouch for: it needs --force too".into(),
            ));
        }
        Asked::Restore(Request {
            archive: args.backup_file.clone().unwrap_or_default(),
            profile: args.profile.clone(),
            project: args.project.clone(),
            selection: RestoreSelection {
                components: args.component.clone(),
                skip: args.skip.clone(),
                restore_config: args.restore_config,
            },
            keep_partial: args.keep_partial,
            skip_validation: args.skip_validation,
            expect_sha256: None,
            undoes: None,
        })
    };
    let settles = matches!(
        asked,
        Asked::Settle { forward: false, .. } | Asked::ApplyConfig(_)
    );
    if !settles && !opts.dry_run && !opts.force && !std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "restore replaces live data and no terminal is attached to confirm it: pass --force (or --dry-run to only check)".into(),
        ));
    }
    Ok((asked, opts))
}

pub fn run(ctx: &Context, args: &RestoreArgs) -> u8 {
    match dispatch(ctx, args) {
        Ok(code) => code,
        Err(e) => {
            fail(&e, ctx.json);
            exit::for_restore_error(e.kind())
        }
    }
}

fn dispatch(ctx: &Context, args: &RestoreArgs) -> Result<u8, Error> {
    let (asked, opts) = parse(args)?;
    let host = Host::new(ctx.config.config.clone(), ctx.locations.clone());
    match asked {
        Asked::Restore(req) => restore(ctx, &host, req, &opts),
        Asked::Undo(id) => {
            let undo = aftercare::undo(&host, id.as_deref())?;
            if ctx.json {
                render::json_print(
                    &json!({"event": "undo", "restore_id": undo.restore_id, "components": undo.components, "live_since": undo.live_since, "safety_backup": undo.safety_backup}),
                );
            } else {
                output::err(&undo.warning());
            }
            let mut req = undo.request;
            req.keep_partial = opts.keep_partial;
            restore(ctx, &host, req, &opts)
        }
        Asked::Settle { id, forward } => settle(ctx, &host, &id, forward, &opts),
        Asked::ApplyConfig(id) => {
            let applied = aftercare::apply_config(
                &host,
                args.profile.as_deref(),
                args.project.as_deref(),
                &id,
            )?;
            for p in applied.iter().filter(|_| !ctx.json) {
                output::out(&format!(
                    "applied {} (the previous file is kept as {}.pre-{id})",
                    p.display(),
                    p.display()
                ));
            }
            if ctx.json {
                render::json_print(
                    &json!({"event": "config_applied", "restore_id": id, "files": applied}),
                );
            }
            Ok(exit::OK)
        }
    }
}

/// A restore: armed, prepared, shown, confirmed, run, summarised.
fn restore(ctx: &Context, host: &Host, req: Request, opts: &Options) -> Result<u8, Error> {
    // A dry run shows a held lock as a failed checklist item; a restore stops (11).
    let rule = if opts.dry_run {
        LockRule::ShownIfHeld
    } else {
        LockRule::Required
    };
    let mut armed = arm(host, req, "lifeboat restore", rule)?;
    let cancel = signals::token();
    // Phase 1: stage the archive and evaluate the checklist (all a dry run does).
    let session = Session::start(ctx.render_mode());
    let prepared = crate::cli::context::block_on(async {
        armed.prepare(session.reporter(), &cancel).await.map(|_| ())
    });
    session.finish();
    prepared?;
    let review = armed.review(&opts.accept)?;
    if let Some(p) = armed.plan() {
        print_checklist(ctx, p, &review);
    }
    if let Some(why) = review.refusal() {
        output::err(&format!("lifeboat: {why}"));
        let compat = review.blocker.as_ref().is_some_and(|b| b.compatibility);
        return Ok(if compat {
            exit::INCOMPATIBLE
        } else {
            exit::ERROR
        });
    }
    if opts.dry_run {
        return Ok(if review.waived.is_empty() {
            exit::OK
        } else {
            exit::WARNINGS
        });
    }
    if let Some(p) = armed.plan() {
        confirm(opts, p)?;
    }
    // Phase 2: everything checked in staging, then the swaps, each step journalled first.
    signals::protect(true);
    let session = Session::start(ctx.render_mode());
    let finished = crate::cli::context::block_on(async {
        Ok(armed.run(&opts.accept, session.reporter(), &cancel).await)
    });
    session.finish();
    signals::protect(false);
    Ok(summarize(ctx, &finished?))
}

/// `--rollback ID` / `--resume ID`; a resume then restores what was never reached.
fn settle(
    ctx: &Context,
    host: &Host,
    id: &str,
    forward: bool,
    opts: &Options,
) -> Result<u8, Error> {
    // Settling runs to its end: a signal must not leave it half-way either.
    signals::protect(true);
    let session = Session::start(ctx.render_mode());
    let holder = if forward {
        "lifeboat restore --resume"
    } else {
        "lifeboat restore --rollback"
    };
    let ended = crate::cli::context::block_on(aftercare::settle_interrupted(
        host,
        id,
        forward,
        holder,
        session.reporter(),
    ));
    session.finish();
    signals::protect(false);
    let SettleEnd { settled: s, resume } = ended?;
    if ctx.json {
        render::json_print(&json!({"event": "restore_settled", "resumed": forward, "outcome": s}));
    } else {
        let word = if forward { "Resumed" } else { "Rolled back" };
        output::out(&format!("{word} restore {}", s.restore_id));
        let lines = [
            ("  old data back: ", &s.rolled_back),
            (
                "  kept on the restored data (it had passed its checks): ",
                &s.kept,
            ),
            ("  started again: ", &s.started),
        ];
        for (head, names) in lines.iter().filter(|(_, n)| !n.is_empty()) {
            output::out(&format!("{head}{}", names.join(", ")));
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
    match resume {
        Some(req) => restore(ctx, host, req, opts),
        None => Ok(exit::OK),
    }
}

/// The typed confirmation on a terminal: the operator types `yes`, as the runbook's script
/// asked; anything else cancels (exit 20).
fn confirm(opts: &Options, p: &Prepared) -> Result<(), Error> {
    if opts.force {
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

fn print_checklist(ctx: &Context, p: &Prepared, review: &Review) {
    if ctx.json {
        let mut plan = serde_json::to_value(p).unwrap_or_default();
        plan["items"] = serde_json::to_value(&review.items).unwrap_or_default();
        render::json_print(&json!({"event": "restore_plan", "plan": plan}));
        return;
    }
    output::out(&format!(
        "Restore plan for {} (captured {}): {}",
        p.backup_name,
        p.captured_at,
        p.components.join(", ")
    ));
    for r in &p.rows {
        let stops = if r.stops.is_empty() {
            "stops nothing".to_string()
        } else {
            format!("stops {}", r.stops.join(", "))
        };
        output::out(&format!(
            "  + {:<14} {:<9} {}; replaces {}; {} to move{}",
            r.name,
            r.kind,
            stops,
            sanitize_max(&r.replaces, 200),
            render::size(r.bytes),
            r.expected
                .as_ref()
                .map(|e| format!("; must hold {e}"))
                .unwrap_or_default()
        ));
    }
    output::out("Checklist");
    for i in &review.items {
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

fn summarize(ctx: &Context, o: &Finished) -> u8 {
    let code = exit::for_restore(o);
    let why = match &o.end {
        End::Cancelled => Some(Error::Cancelled.to_string()),
        End::NothingChanged(why) | End::RollbackFailed(why) => Some(why.clone()),
        End::Committed | End::Partial | End::RolledBack => None,
    };
    if let Some(why) = why {
        output::err(&format!("lifeboat: {}", sanitize_max(&why, 1000)));
        if ctx.json {
            render::json_print(&json!({"event": "error", "message": why}));
        }
        return code;
    }
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
        let no_safety = o.waived.iter().any(|w| w == "safety-backup");
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
