//! The units of a restore, one per selected component: how each kind is staged (checked while
//! the stack still runs), swapped (stop, safety copy, data in, start, checks), put back and
//! committed, and what its journal record needs to be undone from another process.

use std::time::Duration;

use super::ctx::{Ctx, serving};
use super::oneoff::DataFolder;
use super::plan::Prepared;
use super::safety::Safety;
use super::{live, pg, redis, volume};
use crate::engine::error::{Error, Result};
use crate::engine::journal::Undo;
use crate::engine::progress::Event;
use crate::engine::stack::{Component, Kind};
use crate::engine::stopped::Ledger;

pub(super) enum Unit {
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

pub(super) struct Planned<'p> {
    pub c: &'p Component,
    pub unit: Unit,
    pub swapped: bool,
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

/// What the journal needs to put a staged unit's old data back from another process.
pub(super) fn undo_of(u: &Unit) -> Undo {
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
            creates_volume: None,
        },
        Unit::Fill(g, _, creates) => {
            let f = g.folder();
            Undo::Folder {
                container: f.container,
                image: f.image,
                binds: f.binds,
                path: f.path,
                creates_volume: creates.then(|| g.volume.clone()),
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

pub(super) async fn stage_unit(
    ctx: &Ctx<'_>,
    p: &Prepared,
    c: &Component,
    notes: &mut Vec<String>,
) -> Result<Unit> {
    if c.kind == Kind::Files {
        let (files, more) = super::config::plan(c, p);
        notes.extend(more);
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
        // Known before the swap, so the journal can say to remove it on a rollback.
        let creates = ctx.docker.volume_labels(&g.volume).await?.is_none();
        return Ok(Unit::Fill(g, target, creates));
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
                notes.push(format!(
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
                Kind::Chroma if serving(&info) => {
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

pub(super) async fn swap_unit(
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
                raw = !serving(&info);
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

pub(super) async fn rollback_unit(
    ctx: &Ctx<'_>,
    ledger: &Ledger,
    u: &mut Planned<'_>,
) -> Result<()> {
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

pub(super) async fn commit_unit(ctx: &Ctx<'_>, u: &Planned<'_>) -> Result<()> {
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
pub(super) async fn discard(ctx: &Ctx<'_>, units: &[Planned<'_>]) {
    for u in units {
        if let Unit::Pg(s) = &u.unit
            && !u.swapped
        {
            let _ = pg::discard(ctx, u.c, s).await;
        }
    }
}
