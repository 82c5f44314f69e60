//! Executing a prepared restore in DESIGN.md section 5's order: every component checked in
//! staging while the stack still runs (the SQL load into a scratch database, the RDB against
//! the target), then dependents stopped once, then per component stop → swap keeping the old
//! data → start → fingerprint checks. All-or-nothing by default: the old data of every swapped
//! component is kept until the last one passes, and any failure puts them all back.

use std::time::Duration;

use serde::Serialize;

use super::checklist::ItemStatus;
use super::oneoff::DataFolder;
use super::prepare::Prepared;
use super::safety::{self, Safety};
use super::{Ctx, live, pg, redis, volume};
use crate::engine::error::{Error, Result};
use crate::engine::journal::{Journal, Record, Undo};
use crate::engine::progress::{Cancel, Event, StepOutcome};
use crate::engine::stack::{Component, Kind};
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

enum Unit {
    Pg(pg::Staged),
    /// An `exec` component: its restore command, fed the archived file on stdin, in this
    /// container. Nothing can be kept aside, so it runs last.
    Exec(String),
    /// Configuration files, written beside the live ones (the paths once written).
    Config(Vec<super::config::ConfigFile>, Vec<std::path::PathBuf>),
    Redis(redis::Target, DataFolder),
    Folder(DataFolder),
    /// Its container is gone: its recorded volume is filled (recreated first if deleted;
    /// the flag says so); Redis settings come from the backup.
    Fill(super::fill::Gone, Option<redis::Target>, bool),
    /// A PostgreSQL that does not run: fresh data first, then loaded and swapped as `Pg`.
    PgData(super::pgdata::Broken, Option<pg::Staged>),
}

struct Planned<'p> {
    c: &'p Component,
    unit: Unit,
    swapped: bool,
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
        Ok(o) if o.restored.is_empty() => Some("rolled_back"),
        Ok(o) if !o.rolled_back.is_empty() => Some("partial"),
        Ok(_) => Some("committed"),
        Err(Error::RollbackFailed(_)) => None,
        Err(Error::Cancelled) => Some("cancelled"),
        Err(_) => Some("failed"),
    };
    if let Some(outcome) = outcome
        && let Err(e) = opts.journal.append(Record::End {
            outcome: outcome.into(),
        })
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
    let calm = Ctx {
        docker: ctx.docker,
        profile: ctx.profile,
        reporter: ctx.reporter,
        cancel: &calm_token,
        id: ctx.id.clone(),
    };
    if let Err(e) = recheck(ctx, p).await {
        return Err(nothing_stopped(e));
    }
    let mut units = Vec::new();
    for c in &p.selected {
        let staged = stage_unit(ctx, p, c, &mut out).await.and_then(|unit| {
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
    let mut failure: Option<String> = None;
    for unit in units.iter_mut() {
        // A signal before a swap ends the restore; one during a swap lets it finish first.
        if cancel.is_cancelled() {
            failure = Some("cancelled".into());
            break;
        }
        let c = unit.c;
        let step = format!("swap:{}", c.name);
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
            failure = Some(format!("the journal could not be written: {e}"));
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
                failure = Some(format!("put back because {} failed", c.name));
                break;
            }
        }
    }
    let cancelled = failure.as_deref() == Some("cancelled");
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
                    failure = Some(e.to_string());
                    rollback_all = true;
                }
            }
        }
    }
    if let Some(reason) = failure.as_ref().filter(|_| rollback_all) {
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

/// Whether the archive holds a raw copy of `c`'s data folder (a safety backup of a Redis that
/// could not be dumped): it is restored as a folder.
pub fn raw_copy(p: &Prepared, c: &Component) -> bool {
    p.details(&c.name).and_then(|d| d.capture_mode.as_deref()) == Some("raw_copy")
}

/// The archive member holding `c`'s data (its recorded file; the profile's by default).
fn member(p: &Prepared, c: &Component) -> String {
    p.details(&c.name)
        .map(|d| d.file.clone())
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| c.file.clone())
}

/// Starts the held dependents again (in reverse order).
async fn release_all(ctx: &Ctx<'_>, ledger: &Ledger, held: &[String], out: &mut RestoreOutcome) {
    for name in held.iter().rev() {
        if let Ok(Some(note)) = ledger.release(ctx.docker, name).await {
            out.notes.push(note);
        }
    }
}

/// What the journal needs to put a staged unit's old data back from another process.
fn undo_of(u: &Unit) -> Undo {
    match u {
        Unit::Pg(s) => Undo::Postgres {
            container: s.container.clone(),
            database: s.database.clone(),
        },
        Unit::Redis(_, f) | Unit::Folder(f) => Undo::Folder {
            container: f.container.clone(),
            image: f.image.clone(),
            binds: f.binds.clone(),
            path: f.path.clone(),
        },
        Unit::Fill(g, ..) => {
            let f = g.folder();
            Undo::Folder {
                container: f.container,
                image: f.image,
                binds: f.binds,
                path: f.path,
            }
        }
        Unit::PgData(b, _) => Undo::PgData {
            container: b.container.clone(),
            image: b.image.clone(),
            volume: b.volume.clone(),
            destination: b.destination.clone(),
            kept: b.kept.clone(),
        },
        Unit::Config(..) => Undo::Config,
        Unit::Exec(_) => Undo::Exec,
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

async fn stage_unit(
    ctx: &Ctx<'_>,
    p: &Prepared,
    c: &Component,
    out: &mut RestoreOutcome,
) -> Result<Unit> {
    if c.kind == Kind::Files {
        let (files, notes) = super::config::plan(c, p);
        out.notes.extend(notes);
        return Ok(Unit::Config(files, Vec::new()));
    }
    let container = c.main_container().unwrap_or_default();
    if ctx.docker.inspect(container).await?.is_none()
        && let Some(g) = super::fill::recorded(p, c, container)
    {
        let target = (c.kind == Kind::Redis).then(|| super::fill::redis_target(p, c, &g));
        if target.is_some() {
            redis::check_with_image(ctx, container, &g.image, &p.staged(&c.file)).await?;
        }
        return Ok(Unit::Fill(g, target, false));
    }
    let info = ctx.docker.inspect_required(container).await?;
    let details = p.details(&c.name);
    let fp = details.and_then(|d| d.fingerprint.as_ref());
    Ok(match c.kind {
        Kind::Postgres if super::pgdata::crash_looping(ctx, c, &info).await => {
            let b = super::pgdata::of(&info, &ctx.id).ok_or_else(|| {
                Error::Other(format!(
                    "{}: {} is {} and its data is not on a named volume",
                    c.name, info.name, info.state
                ))
            })?;
            Unit::PgData(b, None)
        }
        Kind::Postgres => {
            let globals = p.staged("postgres-globals.sql");
            let globals = globals.is_file().then_some(globals);
            let s = pg::stage(ctx, c, &info, fp, &p.staged(&c.file), globals.as_deref()).await?;
            for r in &s.roles_created {
                out.notes.push(format!(
                    "{}: role {r} was missing and was created without a password: set one with ALTER ROLE if it logs in",
                    c.name
                ));
            }
            Unit::Pg(s)
        }
        // A service that does not run (crash-looping on broken data) is checked through
        // one-off containers of its own image and restored all the same.
        Kind::Redis if raw_copy(p, c) => {
            let path = details
                .and_then(|d| d.data_path.clone())
                .or(c.data_path.clone())
                .unwrap_or_default();
            Unit::Folder(DataFolder::of(&info, &path)?)
        }
        Kind::Redis => {
            redis::check_any(ctx, &info, &p.staged(&c.file)).await?;
            let t = redis::target_any(ctx, c, &info).await?;
            let folder = DataFolder::of(&info, &t.dir)?;
            Unit::Redis(t, folder)
        }
        Kind::Chroma | Kind::Volume => {
            let recorded = details.and_then(|d| d.data_path.clone());
            let path = match c.kind {
                Kind::Chroma if super::serving(&info) => {
                    crate::engine::components::chroma::persist_path(ctx.docker, c, &info).await?
                }
                Kind::Chroma => recorded.ok_or_else(|| {
                    Error::Other(format!("{}: the backup recorded no persist path", c.name))
                })?,
                _ => c.data_path.clone().or(recorded).unwrap_or_default(),
            };
            Unit::Folder(DataFolder::of(&info, &path)?)
        }
        Kind::Exec if !c.restore_command.is_empty() => Unit::Exec(info.name.clone()),
        Kind::Files | Kind::Exec => {
            return Err(Error::Other(format!(
                "{}: this lifeboat does not restore {} components yet",
                c.name,
                c.kind.as_str()
            )));
        }
    })
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

async fn swap_unit(
    ctx: &Ctx<'_>,
    p: &Prepared,
    ledger: &Ledger,
    u: &mut Planned<'_>,
    mut safety: Option<&mut Safety>,
) -> Result<()> {
    let c = u.c;
    let fp = p.details(&c.name).and_then(|d| d.fingerprint.as_ref());
    if let Unit::Config(files, written) = &mut u.unit {
        *written = super::config::write(files, &ctx.id)?;
        u.swapped = true;
        return Ok(());
    }
    if let Unit::PgData(b, staged) = &mut u.unit {
        // No dump of a server that does not run: the broken folder itself is kept instead.
        u.swapped = true;
        let info = super::pgdata::set_aside_and_init(ctx, ledger, c, b).await?;
        let globals = p.staged("postgres-globals.sql");
        let globals = globals.is_file().then_some(globals);
        let s = pg::stage(ctx, c, &info, fp, &p.staged(&c.file), globals.as_deref()).await?;
        pg::swap(ctx, c, &s).await?;
        let checked = pg::check(ctx, c, &s, fp).await;
        *staged = Some(s);
        checked?;
        for name in c.containers.iter().rev() {
            if let Some(note) = ledger.release(ctx.docker, name).await? {
                return Err(Error::Other(note));
            }
        }
        return Ok(());
    }
    if let Unit::Fill(g, target, created) = &mut u.unit {
        if safety.is_some() && ctx.docker.volume_labels(&g.volume).await?.is_some() {
            return Err(Error::Other(format!(
                "{}: its container is gone, so no safety copy of volume {} can be taken: pass --accept no-safety-backup to replace its data without one",
                c.name, g.volume
            )));
        }
        type Bytes = std::pin::Pin<
            Box<dyn futures_util::Stream<Item = std::io::Result<bytes::Bytes>> + Send>,
        >;
        let stream: Bytes = match target {
            Some(t) => Box::pin(redis::upload_stream(p.staged(&c.file), t, &ctx.id)),
            None => Box::pin(volume::component_stream(p.staged(&c.file), &ctx.id)),
        };
        u.swapped = true;
        *created = super::fill::upload(ctx, g, stream).await?;
        let details = p.details(&c.name);
        let root = details.and_then(|d| Some((d.root_owner.as_deref()?, d.root_mode.as_deref()?)));
        return g
            .folder()
            .swap(ctx.docker, &ctx.id, target.is_some(), root)
            .await;
    }
    match &u.unit {
        Unit::Config(..) | Unit::Fill(..) | Unit::PgData(..) => Ok(()),
        Unit::Exec(container) => {
            if let Some(s) = safety {
                s.take(ctx, ledger, c, None).await?;
            }
            u.swapped = true;
            feed(ctx, c, container, &p.staged(&c.file)).await
        }
        Unit::Pg(s) => {
            // The dump runs against the serving database, its writers already stopped.
            if let Some(safety) = safety {
                safety.take(ctx, ledger, c, None).await?;
            }
            pg::swap(ctx, c, s).await?;
            u.swapped = true;
            pg::check(ctx, c, s, fp).await
        }
        Unit::Redis(t, folder) => {
            // A dump (BGSAVE) while it serves; if it does not serve, or the dump fails, a raw
            // copy of its data folder once it is stopped.
            let mut raw = false;
            if let Some(s) = safety.as_deref_mut() {
                let info = ctx.docker.inspect_required(&folder.container).await?;
                raw = !super::serving(&info);
                if !raw && let Err(e) = s.take(ctx, ledger, c, None).await {
                    ctx.reporter.event(Event::Warning {
                        message: format!(
                            "{}: the dump for the safety backup failed ({e}); its data folder is copied raw once it is stopped",
                            c.name
                        ),
                    });
                    raw = true;
                }
            }
            let stream = redis::upload_stream(p.staged(&c.file), t, &ctx.id);
            // Marked first: a start that fails after the swap must still be rolled back, and
            // rolling back a swap that never happened is a no-op.
            u.swapped = true;
            let copy = safety.filter(|_| raw).map(|s| (s, None));
            swap_folder(ctx, ledger, c, folder, stream, true, None, copy).await?;
            redis::wait_loaded(ctx, &folder.container, &t.creds).await?;
            let keys = live::redis_keys(ctx, &folder.container, &t.creds).await?;
            redis::compare_keys(fp, keys).map_err(|d| {
                Error::Other(format!(
                    "{}: after the restore Redis does not hold what the backup recorded: {d}",
                    c.name
                ))
            })
        }
        Unit::Folder(folder) => {
            let details = p.details(&c.name);
            let root =
                details.and_then(|d| Some((d.root_owner.as_deref()?, d.root_mode.as_deref()?)));
            let stream = volume::component_stream(p.staged(&member(p, c)), &ctx.id);
            // Chroma's counts can only be read while it serves: before the stop.
            let counts = match (&safety, c.kind) {
                (Some(_), Kind::Chroma) => live::chroma_collections(ctx, &folder.container).await,
                _ => None,
            };
            u.swapped = true;
            let copy = safety.map(|s| (s, counts));
            swap_folder(ctx, ledger, c, folder, stream, false, root, copy).await?;
            if c.kind == Kind::Chroma {
                let rec = fp.and_then(|f| f.get("collections")).cloned();
                let live = live::chroma_collections(ctx, &folder.container).await;
                if rec.is_some() && rec != live {
                    return Err(Error::Other(format!(
                        "{}: after the restore Chroma answers {} instead of the recorded {}",
                        c.name,
                        live.map(|v| v.to_string())
                            .unwrap_or_else(|| "nothing".into()),
                        rec.unwrap_or_default()
                    )));
                }
            }
            Ok(())
        }
    }
}

/// Stop → safety copy of the stopped data (when asked) → upload beside the old data → swap →
/// start.
#[allow(clippy::too_many_arguments)]
async fn swap_folder(
    ctx: &Ctx<'_>,
    ledger: &Ledger,
    c: &Component,
    folder: &DataFolder,
    stream: impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
    chown: bool,
    root: Option<(&str, &str)>,
    copy: Option<(&mut Safety, Option<serde_json::Value>)>,
) -> Result<()> {
    let grace = Duration::from_secs(c.stop_timeout);
    for name in &c.containers {
        ledger
            .hold(ctx.docker, name, grace, &format!("restore {}", ctx.id))
            .await?;
    }
    let swapped = async {
        if let Some((s, counts)) = copy {
            s.take(ctx, ledger, c, Some((&folder.path, counts))).await?;
        }
        folder.upload_new(ctx.docker, stream).await?;
        // Someone (a person, a restart policy, a daemon restart) may have started it while
        // it was held: swapping under a running service would mix its data.
        for name in &c.containers {
            let info = ctx.docker.inspect_required(name).await?;
            if info.running {
                return Err(Error::Other(format!(
                    "{}: container {name} was started behind lifeboat's back while held stopped for the swap; nothing was swapped",
                    c.name
                )));
            }
        }
        folder.swap(ctx.docker, &ctx.id, chown, root).await
    }
    .await;
    if let Err(e) = swapped {
        // Whatever the upload left beside the old data goes; the old data never moved, or the
        // swap script put nothing in its place.
        let _ = folder.rollback(ctx.docker, &ctx.id).await;
        let _ = folder.commit(ctx.docker, &ctx.id).await;
        for name in c.containers.iter().rev() {
            let _ = ledger.release(ctx.docker, name).await;
        }
        return Err(e);
    }
    for name in c.containers.iter().rev() {
        if let Some(note) = ledger.release(ctx.docker, name).await? {
            return Err(Error::Other(note));
        }
        // A service that was down (crash-looping on the broken data) starts on the restored
        // data too: that is what the restore is for.
        ctx.docker.start(name).await?;
    }
    Ok(())
}

async fn rollback_unit(ctx: &Ctx<'_>, ledger: &Ledger, u: &mut Planned<'_>) -> Result<()> {
    if !u.swapped {
        return Ok(());
    }
    let c = u.c;
    match &u.unit {
        // Nothing was kept aside: what the command did stays (the checklist said so).
        Unit::Exec(_) => {}
        Unit::Config(_, written) => {
            for path in written {
                let _ = std::fs::remove_file(path);
            }
        }
        Unit::Pg(s) => pg::rollback(ctx, c, s).await?,
        Unit::PgData(b, _) => super::pgdata::put_back(ctx, ledger, c, b).await?,
        Unit::Fill(g, _, created) => {
            let folder = g.folder();
            folder.rollback(ctx.docker, &ctx.id).await?;
            folder.commit(ctx.docker, &ctx.id).await?;
            if *created {
                ctx.docker.remove_volume(&g.volume).await?;
            }
        }
        Unit::Redis(_, folder) | Unit::Folder(folder) => {
            let grace = Duration::from_secs(c.stop_timeout);
            for name in &c.containers {
                ledger
                    .hold(ctx.docker, name, grace, &format!("rollback {}", ctx.id))
                    .await?;
            }
            folder.rollback(ctx.docker, &ctx.id).await?;
            for name in c.containers.iter().rev() {
                ledger.release(ctx.docker, name).await?;
            }
        }
    }
    u.swapped = false;
    Ok(())
}

async fn commit_unit(ctx: &Ctx<'_>, u: &Planned<'_>) -> Result<()> {
    match &u.unit {
        Unit::Config(..) | Unit::Exec(_) => Ok(()),
        Unit::Pg(s) => pg::commit(ctx, u.c, s).await,
        Unit::Redis(_, folder) | Unit::Folder(folder) => folder.commit(ctx.docker, &ctx.id).await,
        Unit::Fill(g, ..) => g.folder().commit(ctx.docker, &ctx.id).await,
        Unit::PgData(_, Some(s)) => pg::commit(ctx, u.c, s).await,
        Unit::PgData(_, None) => Ok(()),
    }
}

/// Runs an exec component's restore command with the archived file on its stdin.
async fn feed(
    ctx: &Ctx<'_>,
    c: &Component,
    container: &str,
    staged: &std::path::Path,
) -> Result<()> {
    let file = tokio::fs::File::open(staged)
        .await
        .map_err(|e| Error::io(staged, "open", e))?;
    let mut stdin = tokio::io::BufReader::with_capacity(1 << 20, file);
    let info = ctx.docker.inspect_required(container).await?;
    let creds = crate::engine::credentials::resolve(ctx.profile, c, &info)?;
    let mut req = crate::engine::docker::ExecRequest::new(c.restore_command.clone());
    if let Some(p) = &creds.password {
        req = req.secret("LIFEBOAT_PASSWORD", p);
    }
    let o = ctx
        .docker
        .exec(container, req, Some(&mut stdin), &mut tokio::io::sink())
        .await?;
    if !o.success() {
        return Err(Error::Other(format!(
            "{}: {} exited {}: {}",
            c.name,
            c.restore_command[0],
            o.exit_code,
            o.stderr_line()
        )));
    }
    Ok(())
}

/// Drops what staging made that no swap consumed (scratch databases).
async fn discard(ctx: &Ctx<'_>, units: &[Planned<'_>]) {
    for u in units {
        if let Unit::Pg(s) = &u.unit
            && !u.swapped
        {
            let _ = pg::discard(ctx, u.c, s).await;
        }
    }
}
