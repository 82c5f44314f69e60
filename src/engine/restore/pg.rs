//! PostgreSQL restore: the server keeps running. The dump loads into a scratch database
//! `<db>__lifeboat_<id>` and is checked there before anything stops; the swap is two
//! `ALTER DATABASE … RENAME`s with the old database kept as `<db>__pre_<id>` until the restore
//! commits, renamed back on rollback.

use std::path::Path;
use std::time::Duration;

use flate2::read::MultiGzDecoder;

use super::ctx::Ctx;
use super::live::{self, ident, literal};
use crate::engine::credentials::{self, Credentials};
use crate::engine::docker::ContainerInfo;
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Event, StepCounter, StepOutcome};
use crate::engine::stack::Component;

/// The maintenance database the renames run from (a database cannot rename itself).
const MAINTENANCE_DB: &str = "postgres";

/// A postgres component ready to swap: its dump loaded and checked in the scratch database.
pub struct Staged {
    pub container: String,
    pub creds: Credentials,
    pub database: String,
    pub scratch: String,
    pub pre: String,
    pub rows: std::collections::BTreeMap<String, u64>,
    pub owner: String,
    /// Roles created from the globals that have no password yet.
    pub roles_created: Vec<String>,
}

/// `<db><suffix>`, cut so the whole stays within PostgreSQL's 63-byte identifiers.
fn derived(db: &str, suffix: &str) -> String {
    let room = 63usize.saturating_sub(suffix.len());
    let mut cut = db.len().min(room);
    while !db.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &db[..cut])
}

/// Loads the staged dump into a scratch database and checks it against the recorded rows and
/// the owner's access. The live database is untouched; on failure the scratch is dropped.
pub async fn stage(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    fingerprint: Option<&serde_json::Value>,
    dump: &Path,
    globals: Option<&Path>,
) -> Result<Staged> {
    let creds = credentials::resolve(ctx.profile, c, info)?;
    let database = creds
        .database
        .clone()
        .ok_or_else(|| Error::Usage(format!("component {}: no database name", c.name)))?;
    let owner = fingerprint
        .and_then(|f| f.get("owner"))
        .and_then(|o| o.as_str())
        .map(str::to_string)
        .or_else(|| creds.user.clone())
        .unwrap_or_default();
    let mut staged = Staged {
        container: info.name.clone(),
        scratch: derived(&database, &format!("__lifeboat_{}", ctx.id)),
        pre: derived(&database, &format!("__pre_{}", ctx.id)),
        database,
        creds,
        rows: Default::default(),
        owner,
        roles_created: Vec::new(),
    };
    drop_stale_scratches(ctx, c, &staged).await?;
    if let Some(g) = globals {
        staged.roles_created = create_missing_roles(ctx, c, &staged, g).await?;
    }
    let s = &staged;
    live::sql(
        ctx,
        c,
        &s.container,
        &s.creds,
        MAINTENANCE_DB,
        &format!(
            "CREATE DATABASE {} OWNER {}",
            ident(&s.scratch),
            ident(&s.owner)
        ),
    )
    .await?;
    let checked = load_and_check(ctx, c, s, fingerprint, dump).await;
    match checked {
        Ok(rows) => {
            staged.rows = rows;
            Ok(staged)
        }
        Err(e) => {
            // A cancel is what stopped the load: the scratch still goes, so the drop must not
            // be cancelled with it.
            let calm_token = crate::engine::progress::Cancel::new();
            let _ = drop_db(&ctx.with_cancel(&calm_token), c, &staged, &staged.scratch).await;
            Err(e)
        }
    }
}

async fn load_and_check(
    ctx: &Ctx<'_>,
    c: &Component,
    s: &Staged,
    fingerprint: Option<&serde_json::Value>,
    dump: &Path,
) -> Result<std::collections::BTreeMap<String, u64>> {
    let step = crate::engine::progress::StepId::Stage(c.name.clone()).to_string();
    ctx.reporter.event(Event::StepStarted {
        step: step.clone(),
        label: format!("{}: load the dump into {}", c.name, s.scratch),
        total: None,
    });
    let loaded = load(ctx, c, s, dump, &step).await;
    ctx.reporter.event(Event::StepFinished {
        step,
        outcome: if loaded.is_ok() {
            StepOutcome::Ok
        } else {
            StepOutcome::Failed
        },
        detail: loaded.as_ref().err().map(|e| e.to_string()),
    });
    loaded?;
    let recorded = live::recorded_tables(fingerprint);
    let names: Vec<String> = recorded.keys().cloned().collect();
    let rows = live::pg_rows(ctx, c, &s.container, &s.creds, &s.scratch, &names, false).await?;
    let diff = live::row_differences(&recorded, &rows);
    if !diff.is_empty() {
        return Err(Error::Other(format!(
            "component {}: the loaded dump does not hold what the backup recorded: {}",
            c.name,
            diff.join("; ")
        )));
    }
    let unreadable = live::sql(
        ctx,
        c,
        &s.container,
        &s.creds,
        &s.scratch,
        &format!(
            "SELECT count(*) FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace \
             WHERE k.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') \
             AND NOT pg_catalog.has_table_privilege({}, k.oid, 'SELECT')",
            literal(&s.owner)
        ),
    )
    .await?;
    if unreadable != "0" {
        return Err(Error::Other(format!(
            "component {}: the owner {} cannot read {unreadable} of the restored tables",
            c.name, s.owner
        )));
    }
    Ok(rows)
}

/// Streams the gzip dump (decompressed here) into `psql -v ON_ERROR_STOP=1` on the scratch.
async fn load(ctx: &Ctx<'_>, c: &Component, s: &Staged, dump: &Path, step: &str) -> Result<()> {
    let file = std::fs::File::open(dump).map_err(|e| Error::io(dump, "open", e))?;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(4);
    // Decompression on its own thread; the bytes fed to psql are counted as they go.
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut gz = MultiGzDecoder::new(std::io::BufReader::new(file));
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match gz.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(bytes::Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let counter = std::sync::Mutex::new(StepCounter::new(ctx.reporter, step, None));
    let stream = futures_util::StreamExt::inspect(tokio_stream_reader(rx), |item| {
        if let Ok(b) = item {
            counter
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .add(b.len() as u64);
        }
    });
    let mut stdin = tokio_util::io::StreamReader::new(stream);
    // No `-c`: the dump comes on stdin.
    let req = live::psql_on(&s.creds, &s.scratch, None).cancel(ctx.cancel);
    let mut sink = tokio::io::sink();
    let ran = ctx
        .docker
        .exec(&s.container, req, Some(&mut stdin), &mut sink)
        .await;
    // psql may stop reading early (an error, a signal): dropping our end unblocks the
    // decompressing thread before it is joined.
    drop(stdin);
    let _ = reader.join();
    let o = ran?;
    if !o.success() {
        return Err(Error::Other(format!(
            "component {}: the dump did not load into the scratch database {} (psql exited {}): {}",
            c.name,
            s.scratch,
            o.exit_code,
            o.stderr_line()
        )));
    }
    Ok(())
}

fn tokio_stream_reader(
    rx: tokio::sync::mpsc::Receiver<std::io::Result<bytes::Bytes>>,
) -> impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>> + Unpin {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

/// Creates the roles of the globals file that do not exist on the server (as the superuser),
/// with their attributes but without passwords (the backup never kept them).
async fn create_missing_roles(
    ctx: &Ctx<'_>,
    c: &Component,
    s: &Staged,
    globals: &Path,
) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(globals).map_err(|e| Error::io(globals, "read", e))?;
    let existing = live::sql(
        ctx,
        c,
        &s.container,
        &s.creds,
        MAINTENANCE_DB,
        "SELECT rolname FROM pg_catalog.pg_roles",
    )
    .await?;
    let existing: Vec<&str> = existing.lines().collect();
    let mut created = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("CREATE ROLE ") else {
            continue;
        };
        let name = unquote(rest.trim_end_matches(';'));
        if existing.contains(&name.as_str()) {
            continue;
        }
        let alter_prefix = format!("ALTER ROLE {} ", rest.trim_end_matches(';'));
        let mut statement = format!("CREATE ROLE {}", ident(&name));
        if let Some(alter) = text.lines().find(|l| l.starts_with(&alter_prefix)) {
            // `WITH NOSUPERUSER INHERIT ... LOGIN ...;` from pg_dumpall: attributes only.
            let attrs = alter[alter_prefix.len()..].trim_end_matches(';');
            if attrs
                .split_whitespace()
                .all(|w| w == "WITH" || w.chars().all(|ch| ch.is_ascii_uppercase()))
            {
                statement = format!("{statement} {attrs}");
            }
        }
        live::sql(ctx, c, &s.container, &s.creds, MAINTENANCE_DB, &statement).await?;
        created.push(name);
    }
    Ok(created)
}

fn unquote(s: &str) -> String {
    match s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => s.to_string(),
    }
}

/// Scratch databases of restores killed before their swap hold nothing anyone needs (the
/// host lock says no restore is running): they go. Kept-aside `__pre_` databases are never
/// touched here: they may hold the only copy of the old data.
async fn drop_stale_scratches(ctx: &Ctx<'_>, c: &Component, s: &Staged) -> Result<()> {
    let prefix = derived(&s.database, "__lifeboat_");
    let stale = live::sql(
        ctx,
        c,
        &s.container,
        &s.creds,
        MAINTENANCE_DB,
        &format!(
            "SELECT datname FROM pg_catalog.pg_database WHERE starts_with(datname, {})",
            literal(&prefix)
        ),
    )
    .await?;
    for db in stale.lines().filter(|d| !d.is_empty()) {
        drop_db(ctx, c, s, db).await?;
    }
    Ok(())
}

/// SQL ending every other session on `db` (dependents are stopped by then).
fn terminate_others(db: &str) -> String {
    format!(
        "SELECT count(pg_catalog.pg_terminate_backend(pid)) FROM pg_catalog.pg_stat_activity \
         WHERE datname = {} AND pid <> pg_catalog.pg_backend_pid()",
        literal(db)
    )
}

/// Ends every other session on the live database, then renames it away and the scratch in.
/// Dependents are stopped by then; a client that reconnects in between fails the rename,
/// which is tried again a few times.
pub async fn swap(ctx: &Ctx<'_>, c: &Component, s: &Staged) -> Result<()> {
    let terminate = terminate_others(&s.database);
    let rename = format!(
        "ALTER DATABASE {} RENAME TO {}",
        ident(&s.database),
        ident(&s.pre)
    );
    let mut last = None;
    for _ in 0..10 {
        live::sql(ctx, c, &s.container, &s.creds, MAINTENANCE_DB, &terminate).await?;
        match live::sql(ctx, c, &s.container, &s.creds, MAINTENANCE_DB, &rename).await {
            Ok(_) => {
                last = None;
                break;
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    if let Some(e) = last {
        return Err(e);
    }
    let rename_in = format!(
        "ALTER DATABASE {} RENAME TO {}",
        ident(&s.scratch),
        ident(&s.database)
    );
    if let Err(e) = live::sql(ctx, c, &s.container, &s.creds, MAINTENANCE_DB, &rename_in).await {
        // Put the live database back under its name before reporting.
        let back = format!(
            "ALTER DATABASE {} RENAME TO {}",
            ident(&s.pre),
            ident(&s.database)
        );
        live::sql(ctx, c, &s.container, &s.creds, MAINTENANCE_DB, &back).await?;
        return Err(e);
    }
    Ok(())
}

/// The swapped-in database holds what the backup recorded.
pub async fn check(
    ctx: &Ctx<'_>,
    c: &Component,
    s: &Staged,
    fingerprint: Option<&serde_json::Value>,
) -> Result<()> {
    let recorded = live::recorded_tables(fingerprint);
    let names: Vec<String> = recorded.keys().cloned().collect();
    let rows = live::pg_rows(ctx, c, &s.container, &s.creds, &s.database, &names, false).await?;
    let diff = live::row_differences(&recorded, &rows);
    if diff.is_empty() {
        Ok(())
    } else {
        Err(Error::Other(format!(
            "component {}: after the swap the database does not hold what the backup recorded: {}",
            c.name,
            diff.join("; ")
        )))
    }
}

/// Rollback after a swap: the restored database goes, the old one gets its name back.
pub async fn rollback(ctx: &Ctx<'_>, c: &Component, s: &Staged) -> Result<()> {
    let failed = derived(&s.database, &format!("__failed_{}", ctx.id));
    let terminate = terminate_others(&s.database);
    live::sql(ctx, c, &s.container, &s.creds, MAINTENANCE_DB, &terminate).await?;
    for (from, to) in [(&s.database, &failed), (&s.pre, &s.database)] {
        live::sql(
            ctx,
            c,
            &s.container,
            &s.creds,
            MAINTENANCE_DB,
            &format!("ALTER DATABASE {} RENAME TO {}", ident(from), ident(to)),
        )
        .await?;
    }
    drop_db(ctx, c, s, &failed).await
}

/// Commit: the kept old database is dropped.
pub async fn commit(ctx: &Ctx<'_>, c: &Component, s: &Staged) -> Result<()> {
    drop_db(ctx, c, s, &s.pre).await
}

/// Drops the scratch of a restore that never swapped.
pub async fn discard(ctx: &Ctx<'_>, c: &Component, s: &Staged) -> Result<()> {
    drop_db(ctx, c, s, &s.scratch).await
}

async fn drop_db(ctx: &Ctx<'_>, c: &Component, s: &Staged, db: &str) -> Result<()> {
    live::sql(
        ctx,
        c,
        &s.container,
        &s.creds,
        MAINTENANCE_DB,
        &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(db)),
    )
    .await
    .map(|_| ())
}

/// The server's major version (`15` of `15.8 (Debian ...)`).
pub async fn server_major(ctx: &Ctx<'_>, c: &Component, info: &ContainerInfo) -> Result<u32> {
    let creds = credentials::resolve(ctx.profile, c, info)?;
    let v = live::sql(
        ctx,
        c,
        &info.name,
        &creds,
        MAINTENANCE_DB,
        "SHOW server_version",
    )
    .await?;
    major(&v).ok_or_else(|| Error::Other(format!("component {}: server version {v:?}", c.name)))
}

/// The major of a `server_version` string.
pub fn major(v: &str) -> Option<u32> {
    v.split(['.', ' ']).next()?.parse().ok()
}

/// Settles a journalled postgres unit of restore `ctx.id` from another process, by what the
/// server holds: `forward` keeps the restored database (drops the kept old one), otherwise the
/// old one goes back under its name, whether the swap finished, stopped between its two
/// renames, or never began. Dropping the scratch is part of both.
pub async fn settle(
    ctx: &Ctx<'_>,
    c: &Component,
    container: &str,
    database: &str,
    forward: bool,
) -> Result<()> {
    let info = ctx.docker.inspect_required(container).await?;
    let creds = credentials::resolve(ctx.profile, c, &info)?;
    let s = Staged {
        container: container.to_string(),
        scratch: derived(database, &format!("__lifeboat_{}", ctx.id)),
        pre: derived(database, &format!("__pre_{}", ctx.id)),
        database: database.to_string(),
        creds,
        rows: Default::default(),
        owner: String::new(),
        roles_created: Vec::new(),
    };
    let present = live::sql(
        ctx,
        c,
        container,
        &s.creds,
        MAINTENANCE_DB,
        &format!(
            "SELECT datname FROM pg_catalog.pg_database WHERE datname IN ({}, {})",
            literal(&s.database),
            literal(&s.pre)
        ),
    )
    .await?;
    let has = |name: &str| present.lines().any(|l| l.trim() == name);
    if has(&s.pre) {
        if forward && has(&s.database) {
            drop_db(ctx, c, &s, &s.pre).await?;
        } else if has(&s.database) {
            rollback(ctx, c, &s).await?;
        } else {
            // Stopped between the two renames: only the old database has a name to go back to.
            live::sql(
                ctx,
                c,
                container,
                &s.creds,
                MAINTENANCE_DB,
                &terminate_others(&s.pre),
            )
            .await?;
            live::sql(
                ctx,
                c,
                container,
                &s.creds,
                MAINTENANCE_DB,
                &format!(
                    "ALTER DATABASE {} RENAME TO {}",
                    ident(&s.pre),
                    ident(&s.database)
                ),
            )
            .await?;
        }
    }
    // A rollback killed after its first rename left the restored copy under this name.
    drop_db(
        ctx,
        c,
        &s,
        &derived(database, &format!("__failed_{}", ctx.id)),
    )
    .await?;
    drop_db(ctx, c, &s, &s.scratch).await
}
