//! Executing a prepared restore in the order of docs/design.md section 5: every component checked in
//! staging while the stack still runs (the SQL load into a scratch database, the RDB against
//! the target), then dependents stopped once, then per component stop → swap keeping the old
//! data → start → fingerprint checks. All-or-nothing by default: the old data of every swapped
//! component is kept until the last one passes, and any failure puts them all back.

use std::time::Duration;

use serde::Serialize;

use super::checklist::ItemStatus;
use super::ctx::Ctx;
use super::plan::Prepared;
use super::safety::{self, Safety};
use super::units::{
    Planned, Unit, commit_unit, discard, rollback_unit, stage_unit, swap_unit, undo_of,
};
use crate::engine::error::{Error, Result};
use crate::engine::journal::{Journal, Outcome, Record};
use crate::engine::progress::{Cancel, Event, StepOutcome};
use crate::engine::stopped::Ledger;

/// How to run a prepared restore.
pub struct RunOptions<'a> {
    /// The journal, already begun: every step is recorded in it before it runs.
    pub journal: &'a Journal,
    pub keep_partial: bool,
    /// Where the safety copies are spooled.
    pub staging: std::path::PathBuf,
    pub state: std::path::PathBuf,
}

/// What a restore did.
#[derive(Debug, Default, Serialize)]
pub struct RestoreOutcome {
    pub restore_id: String,
    /// Components swapped, checked and committed.
    pub restored: Vec<String>,
    /// Components put back as they were, with why.
    pub rolled_back: Vec<(String, String)>,
    /// Things the operator should know (roles created without a password, ...).
    pub notes: Vec<String>,
    /// The committed safety backup of the replaced data (`restore --undo` restores it).
    #[serde(serialize_with = "crate::engine::text::serialize_opt_path_lossy")]
    pub safety_backup: Option<std::path::PathBuf>,
}

/// Runs `p`. `Err` when nothing was changed (a staging check failed, with nothing stopped) or
/// a rollback failed ([`Error::RollbackFailed`]); otherwise the outcome says what was restored
/// and what was rolled back.
pub async fn execute(
    ctx: &Ctx<'_>,
    p: &Prepared,
    ledger: &Ledger,
    opts: &RunOptions<'_>,
) -> Result<RestoreOutcome> {
    let result = execute_inner(ctx, p, ledger, opts).await;
    // A failed rollback leaves the journal open: the next run must settle it (exit 15).
    let outcome = match &result {
        Ok(o) if o.restored.is_empty() => Some(Outcome::RolledBack),
        Ok(o) if !o.rolled_back.is_empty() => Some(Outcome::Partial),
        Ok(_) => Some(Outcome::Committed),
        Err(Error::RollbackFailed(_)) => None,
        Err(Error::Cancelled) => Some(Outcome::Cancelled),
        Err(_) => Some(Outcome::Failed),
    };
    if let Some(outcome) = outcome
        && let Err(e) = opts.journal.append(Record::End { outcome })
    {
        ctx.reporter.event(Event::Warning {
            message: format!("the restore ended ({outcome}) but its journal could not say so: {e}"),
        });
    }
    result
}

fn jot(opts: &RunOptions<'_>, r: Record) -> Result<()> {
    opts.journal.append(r)
}

async fn execute_inner(
    ctx: &Ctx<'_>,
    p: &Prepared,
    ledger: &Ledger,
    opts: &RunOptions<'_>,
) -> Result<RestoreOutcome> {
    let keep_partial = opts.keep_partial;
    let mut out = RestoreOutcome {
        restore_id: ctx.id.clone(),
        ..Default::default()
    };
    // Once staging is over, commands must run to their end: a signal is honoured between
    // components, never by killing a rename or a rollback half-way.
    let calm_token = Cancel::new();
    let calm = ctx.with_cancel(&calm_token);
    if let Err(e) = recheck(ctx, p).await {
        return Err(nothing_stopped(e));
    }
    let mut units = Vec::new();
    for c in &p.selected {
        let staged = stage_unit(ctx, p, c, &mut out.notes)
            .await
            .and_then(|unit| {
                jot(
                    opts,
                    Record::Unit {
                        component: c.name.clone(),
                        containers: c.containers.clone(),
                        undo: undo_of(&unit),
                    },
                )?;
                Ok(unit)
            });
        match staged {
            Ok(unit) => units.push(Planned {
                c,
                unit,
                swapped: false,
            }),
            Err(e) => {
                discard(&calm, &units).await;
                return Err(nothing_stopped(e));
            }
        }
    }
    if ctx.cancel.is_cancelled() {
        discard(&calm, &units).await;
        return Err(Error::Cancelled);
    }
    dependency_order(&mut units);
    // Exec restores cannot be undone: they go last, after everything that can fail and be
    // rolled back has passed.
    units.sort_by_key(|u| matches!(u.unit, Unit::Exec(_)));
    let cancel = ctx.cancel;
    let ctx = &calm;
    let dependents = match stop_dependents(ctx, p, ledger).await {
        Ok(d) => d,
        Err(e) => {
            discard(ctx, &units).await;
            return Err(nothing_stopped(e));
        }
    };
    let wanted = !p
        .items
        .iter()
        .any(|i| i.id == "safety-backup" && i.status == ItemStatus::Waived);
    let mut safety = match wanted {
        true => match Safety::new(ctx, &opts.staging, &opts.state, &p.backup_name) {
            Ok(s) => Some(s),
            Err(e) => {
                discard(ctx, &units).await;
                release_all(ctx, ledger, &dependents, &mut out).await;
                return Err(nothing_stopped(e));
            }
        },
        false => None,
    };
    let mut failure: Option<Stop> = None;
    for unit in units.iter_mut() {
        // A signal before a swap ends the restore; one during a swap lets it finish first.
        if cancel.is_cancelled() {
            failure = Some(Stop::Cancelled);
            break;
        }
        let c = unit.c;
        let step = crate::engine::progress::StepId::Swap(c.name.clone()).to_string();
        ctx.reporter.event(Event::StepStarted {
            step: step.clone(),
            label: format!("{}: swap in the restored data", c.name),
            total: None,
        });
        if let Err(e) = jot(
            opts,
            Record::SwapBegin {
                component: c.name.clone(),
            },
        ) {
            failure = Some(Stop::Failed(format!(
                "the journal could not be written: {e}"
            )));
            break;
        }
        let swapped = match swap_unit(ctx, p, ledger, unit, safety.as_mut()).await {
            Ok(()) => jot(
                opts,
                Record::SwapDone {
                    component: c.name.clone(),
                },
            ),
            Err(e) => Err(e),
        };
        ctx.reporter.event(Event::StepFinished {
            step,
            outcome: if swapped.is_ok() {
                StepOutcome::Ok
            } else {
                StepOutcome::Failed
            },
            detail: swapped.as_ref().err().map(|e| e.to_string()),
        });
        if let Err(e) = swapped {
            let reason = e.to_string();
            let _ = jot(
                opts,
                Record::RollbackBegin {
                    component: c.name.clone(),
                },
            );
            rollback_unit(ctx, ledger, unit).await.map_err(|r| {
                Error::RollbackFailed(format!(
                    "{}: {reason}; putting the old data back failed too: {r}",
                    c.name
                ))
            })?;
            let _ = jot(
                opts,
                Record::RolledBack {
                    component: c.name.clone(),
                },
            );
            if matches!(unit.unit, Unit::Exec(_)) {
                out.notes.push(format!(
                    "{}: its restore command failed and cannot be undone: {reason}",
                    c.name
                ));
            } else {
                out.rolled_back.push((c.name.clone(), reason));
            }
            if !keep_partial {
                failure = Some(Stop::Failed(format!("put back because {} failed", c.name)));
                break;
            }
        }
    }
    let cancelled = failure == Some(Stop::Cancelled);
    // Cancelled with --keep-partial: what passed stays; otherwise nothing stays half-done.
    let mut rollback_all = failure.is_some() && !(cancelled && keep_partial);
    // The safety backup is committed before the restore commits; without it nothing commits.
    if !rollback_all && let Some(s) = safety.take() {
        // Only what the safety backup holds (a deleted volume had nothing to copy).
        let replaced: Vec<String> = units
            .iter()
            .filter(|u| u.swapped && safety::needed(u.c.kind) && s.taken.contains(&u.c.name))
            .map(|u| u.c.name.clone())
            .collect();
        if !replaced.is_empty() {
            match s.commit(ctx, &replaced) {
                Ok(c) => {
                    let _ = jot(
                        opts,
                        Record::Safety {
                            archive: c.archive.clone(),
                        },
                    );
                    out.safety_backup = Some(c.archive);
                }
                Err(e) => {
                    failure = Some(Stop::Failed(e.to_string()));
                    rollback_all = true;
                }
            }
        }
    }
    if let Some(reason) = failure.as_ref().filter(|_| rollback_all).map(Stop::reason) {
        for u in units.iter_mut().rev().filter(|u| u.swapped) {
            let _ = jot(
                opts,
                Record::RollbackBegin {
                    component: u.c.name.clone(),
                },
            );
            rollback_unit(ctx, ledger, u).await.map_err(|r| {
                Error::RollbackFailed(format!(
                    "{}: putting the old data back failed: {r} (the restore failed first: {reason})",
                    u.c.name
                ))
            })?;
            let _ = jot(
                opts,
                Record::RolledBack {
                    component: u.c.name.clone(),
                },
            );
            out.rolled_back.push((u.c.name.clone(), reason.clone()));
        }
    }
    if units.iter().any(|u| u.swapped) {
        let _ = jot(opts, Record::CommitBegin);
    }
    for u in units.iter().filter(|u| u.swapped) {
        if let Err(e) = commit_unit(ctx, u).await {
            out.notes.push(format!(
                "{}: restored, but the old data kept aside could not be removed: {e}",
                u.c.name
            ));
        }
        let _ = jot(
            opts,
            Record::Committed {
                component: u.c.name.clone(),
            },
        );
        if let Unit::PgData(b, _) = &u.unit {
            out.notes.push(format!(
                "{}: the broken data folder is kept in volume {}; remove it (`docker volume rm {}`) once you no longer need it",
                u.c.name, b.kept, b.kept
            ));
        }
        if let Unit::Fill(g, _, created) = &u.unit {
            out.notes.push(format!(
                "{}: volume {} {}filled with the backup; container {} does not exist: recreate it with your compose file (e.g. `docker compose up -d`), it starts on the restored data",
                u.c.name,
                g.volume,
                if *created { "recreated and " } else { "" },
                g.container
            ));
        }
        if let Unit::Config(_, written) = &u.unit {
            out.notes.push(format!(
                "{}: written beside the live files, not over them: {}; check them, then `lifeboat restore --apply-config {}`",
                u.c.name,
                written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
                ctx.id
            ));
        }
        out.restored.push(u.c.name.clone());
    }
    discard(ctx, &units).await;
    release_all(ctx, ledger, &dependents, &mut out).await;
    if cancelled {
        return Err(Error::Cancelled);
    }
    Ok(out)
}

/// Puts the units in dependency order: a component whose containers another selected component
/// names as dependents is swapped after it (its service starts again on the data it relies on,
/// already restored); otherwise the archive's order. A cycle keeps the archive's order for the
/// components in it.
fn dependency_order(units: &mut Vec<Planned<'_>>) {
    let needs = |a: &Planned<'_>, b: &Planned<'_>| {
        !std::ptr::eq(a.c, b.c) && b.c.dependents.iter().any(|d| a.c.containers.contains(d))
    };
    let mut left: Vec<Planned<'_>> = std::mem::take(units);
    while !left.is_empty() {
        let next = left
            .iter()
            .position(|a| !left.iter().any(|b| needs(a, b)))
            .unwrap_or(0);
        units.push(left.remove(next));
    }
}

/// Why the swaps stopped before the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stop {
    /// Cancel was asked before a swap began.
    Cancelled,
    Failed(String),
}

impl Stop {
    /// What a component put back because of this is told.
    fn reason(&self) -> String {
        match self {
            Stop::Cancelled => "cancelled".into(),
            Stop::Failed(why) => why.clone(),
        }
    }
}

/// Starts the held dependents again (in reverse order).
async fn release_all(ctx: &Ctx<'_>, ledger: &Ledger, held: &[String], out: &mut RestoreOutcome) {
    for name in held.iter().rev() {
        if let Ok(Some(note)) = ledger.release(ctx.docker, name).await {
            out.notes.push(note);
        }
    }
}

/// Before the first destructive step, the checklist again for what can change while an
/// operator reads it (containers, versions, images, disk): an item that blocks now but did
/// not block (or was not waived) when shown ends the restore.
async fn recheck(ctx: &Ctx<'_>, p: &Prepared) -> Result<()> {
    for c in &p.selected {
        for item in super::plan_items::component_items(ctx, p, c).await {
            if !item.blocks() {
                continue;
            }
            let shown = p.items.iter().find(|i| i.id == item.id);
            if !shown.is_some_and(|s| matches!(s.status, ItemStatus::Fail | ItemStatus::Waived)) {
                return Err(Error::Other(format!(
                    "checklist item {} changed since it was shown: {}",
                    item.id, item.detail
                )));
            }
        }
    }
    Ok(())
}

fn nothing_stopped(e: Error) -> Error {
    match e {
        Error::Cancelled => Error::Cancelled,
        Error::Incompatible(m) => Error::Incompatible(m),
        e => Error::Other(format!("{e}; nothing was stopped or changed")),
    }
}

/// Stops every dependent of the selected components once, recorded in stopped.json.
async fn stop_dependents(ctx: &Ctx<'_>, p: &Prepared, ledger: &Ledger) -> Result<Vec<String>> {
    let mut held = Vec::new();
    for c in &p.selected {
        for name in &c.dependents {
            if held.contains(name) {
                continue;
            }
            let Some(info) = ctx.docker.inspect(name).await? else {
                continue;
            };
            if !info.running {
                continue;
            }
            let grace = Duration::from_secs(c.stop_timeout);
            if let Err(e) = ledger
                .hold(ctx.docker, name, grace, &format!("restore {}", ctx.id))
                .await
            {
                for h in held.iter().rev() {
                    let _ = ledger.release(ctx.docker, h).await;
                }
                return Err(e);
            }
            held.push(name.clone());
        }
    }
    Ok(held)
}
