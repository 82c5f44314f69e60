//! PostgreSQL: `pg_dump --clean --if-exists` (plain SQL) run inside the server's own container
//! (so the dump tool's version matches the server), streamed out and compressed on the fly
//! into `postgres.sql.gz`, with every table's rows counted from the dump stream itself; the
//! globals (roles, without passwords) into `postgres-globals.sql`; the owner, server version
//! and extensions recorded. A failing dump fails the component: an exit code, a stream that
//! does not end with pg_dump's completion line, or a refused password is never a success.

use std::collections::BTreeMap;
use std::io::{self, Write};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;

use super::ctx::{Captured, Counting, Ctx, base_details, creds, main_container, step};
use super::pipe::{self, Sink};
use super::spool::{SpoolFile, SpoolWriter};
use crate::engine::credentials::Credentials;
use crate::engine::docker::{ContainerInfo, ExecRequest};
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Event, StepCounter, StepOutcome};
use crate::engine::stack::Component;

/// gzip level of the dump: keeps up with pg_dump's output rate.
const DUMP_LEVEL: u32 = 3;
const COMPLETE: &[u8] = b"-- PostgreSQL database dump complete";

/// Counts rows per table from a plain dump as it streams past.
#[derive(Default)]
pub struct RowCounter {
    table: Option<String>,
    pub rows: BTreeMap<String, u64>,
    line: Vec<u8>,
    pub complete: bool,
}

impl RowCounter {
    pub fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            match data.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    self.keep(&data[..i]);
                    self.end_line();
                    data = &data[i + 1..];
                }
                None => {
                    self.keep(data);
                    data = &[];
                }
            }
        }
    }

    /// Keeps the start of the current line: inside COPY data only "\." matters.
    fn keep(&mut self, part: &[u8]) {
        let cap: usize = if self.table.is_some() { 3 } else { 1 << 20 };
        let room = cap.saturating_sub(self.line.len());
        self.line.extend_from_slice(&part[..part.len().min(room)]);
    }

    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        if let Some(t) = &self.table {
            if line == b"\\." {
                self.table = None;
            } else if let Some(n) = self.rows.get_mut(t) {
                *n += 1;
            }
        } else if let Some(rest) = line.strip_prefix(b"COPY ") {
            if let Some(target) = rest.strip_suffix(b" FROM stdin;") {
                let name = String::from_utf8_lossy(table_name(target)).into_owned();
                self.rows.entry(name.clone()).or_insert(0);
                self.table = Some(name);
            }
        } else if line.starts_with(COMPLETE) {
            self.complete = true;
        }
    }
}

/// The table of a COPY target (`public."My table" (a, b)`): up to the first space outside
/// double quotes.
fn table_name(target: &[u8]) -> &[u8] {
    let mut quoted = false;
    for (i, b) in target.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b' ' if !quoted => return &target[..i],
            _ => {}
        }
    }
    target
}

struct DumpSink {
    counter: RowCounter,
    gz: GzEncoder<SpoolWriter>,
}

impl Write for DumpSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.counter.feed(buf);
        self.gz.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.gz.flush()
    }
}

impl Sink for DumpSink {
    type Done = (SpoolFile, RowCounter);
    fn done(self) -> io::Result<Self::Done> {
        Ok((self.gz.finish()?.finish()?, self.counter))
    }
}

/// psql inside the container, as the component's user, with the password in its environment.
fn psql(creds: &Credentials, sql: &str) -> ExecRequest {
    psql_on(
        creds,
        creds.database.as_deref().unwrap_or_default(),
        Some(sql),
    )
}

/// `psql` against database `db` of the server in the container: `sql`, or statements on
/// stdin. Unaligned, tuples only, stopping at the first error; the password in the
/// environment.
pub(crate) fn psql_on(creds: &Credentials, db: &str, sql: Option<&str>) -> ExecRequest {
    let mut r = ExecRequest::new([
        "psql",
        "-X",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-U",
        creds.user.as_deref().unwrap_or_default(),
        "-d",
        db,
    ]);
    if let Some(sql) = sql {
        r.cmd.extend(["-c".to_string(), sql.to_string()]);
    }
    with_password(r, creds)
}

pub(crate) fn with_password(r: ExecRequest, creds: &Credentials) -> ExecRequest {
    match &creds.password {
        Some(p) => r.secret("PGPASSWORD", p),
        None => r,
    }
}

/// A failed PostgreSQL command as one line (a refused password is a credential error).
pub(crate) fn failure(c: &Component, what: &str, code: i64, stderr_line: &str) -> Error {
    if stderr_line.contains("password authentication failed") {
        return Error::Secret(format!(
            "component {}: the server refused the credentials",
            c.name
        ));
    }
    Error::Other(format!(
        "component {}: {what} exited {code}: {stderr_line}",
        c.name
    ))
}

async fn query(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    creds: &Credentials,
    sql: &str,
) -> Result<String> {
    let (o, out) = ctx
        .docker
        .exec_capture(&info.name, ctx.short(psql(creds, sql)))
        .await?;
    if !o.success() {
        return Err(failure(c, "psql", o.exit_code, o.stderr_line()));
    }
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

pub async fn capture(ctx: &Ctx<'_>, c: &Component) -> Result<Captured> {
    let info = main_container(ctx, c, true).await?;
    let creds = creds(ctx, c, &info)?;
    let (user, db) = (
        creds.user.clone().unwrap_or_default(),
        creds.database.clone().unwrap_or_default(),
    );
    let server_version = query(ctx, c, &info, &creds, "SHOW server_version").await?;
    let owner = query(ctx, c, &info, &creds, "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database WHERE datname = current_database()").await?;
    let extensions: Vec<String> = query(
        ctx,
        c,
        &info,
        &creds,
        "SELECT extname FROM pg_catalog.pg_extension ORDER BY 1",
    )
    .await?
    .lines()
    .map(str::to_string)
    .collect();
    let size: Option<u64> = query(
        ctx,
        c,
        &info,
        &creds,
        "SELECT pg_catalog.pg_database_size(current_database())",
    )
    .await?
    .parse()
    .ok();

    let step = step(c);
    ctx.reporter.event(Event::StepStarted {
        step: step.clone(),
        label: format!("{}: pg_dump {db}", c.name),
        total: size,
    });
    let result = dump(ctx, c, &info, &creds, &step, size).await;
    let outcome = if result.is_ok() {
        StepOutcome::Ok
    } else {
        StepOutcome::Failed
    };
    ctx.reporter.event(Event::StepFinished {
        step,
        outcome,
        detail: None,
    });
    let (dump_file, rows) = result?;

    let mut g = ExecRequest::new([
        "pg_dumpall",
        "--globals-only",
        "--no-role-passwords",
        "-h",
        "127.0.0.1",
        "-U",
        &user,
        "-l",
        &db,
    ]);
    g = with_password(g, &creds);
    let mut globals = ctx.spool.file("postgres-globals.sql")?;
    let mut gbuf = Vec::new();
    let o = ctx
        .docker
        .exec(&info.name, ctx.short(g), None, &mut gbuf)
        .await?;
    if !o.success() {
        return Err(failure(
            c,
            "pg_dumpall --globals-only",
            o.exit_code,
            o.stderr_line(),
        ));
    }
    globals
        .write_all(&gbuf)
        .map_err(|e| Error::io(ctx.spool.dir(), "write globals", e))?;
    let globals = globals
        .finish()
        .map_err(|e| Error::io(ctx.spool.dir(), "write globals", e))?;

    let mut details = base_details(ctx, c, &info, "logical_dump").await;
    details.server_version = Some(server_version.clone());
    let data = info
        .mount_at("/var/lib/postgresql/data")
        .or_else(|| info.mounts.iter().find(|m| m.kind == "volume"));
    details.data_path = data.map(|m| m.destination.clone());
    details.on_volume = Some(data.is_some_and(|m| m.kind == "volume"));
    details.fingerprint = Some(json!({
        "database": db,
        "owner": owner,
        "server_version": server_version,
        "extensions": extensions,
        "tables": rows.rows,
    }));
    let mut cap = Captured::new(details);
    cap.add(&dump_file, &c.file, true);
    cap.add(&globals, "postgres-globals.sql", false);
    if rows.rows.values().all(|n| *n == 0) {
        cap.warnings.push(format!(
            "component {}: the database {db} holds no rows",
            c.name
        ));
    }
    Ok(cap)
}

async fn dump(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    creds: &Credentials,
    step: &str,
    size: Option<u64>,
) -> Result<(SpoolFile, RowCounter)> {
    let sink = DumpSink {
        counter: RowCounter::default(),
        gz: GzEncoder::new(ctx.spool.file(&c.file)?, Compression::new(DUMP_LEVEL)),
    };
    let mut p = pipe::pipe(sink);
    let mut req = ExecRequest::new(["pg_dump", "--clean", "--if-exists", "-h", "127.0.0.1"]);
    req.cmd.extend([
        "-U".into(),
        creds.user.clone().unwrap_or_default(),
        "-d".into(),
        creds.database.clone().unwrap_or_default(),
    ]);
    let req = with_password(req, creds);
    let mut out = Counting {
        inner: p.writer(),
        counter: StepCounter::new(ctx.reporter, step, size),
        cancel: ctx.cancel,
    };
    let ran = ctx
        .docker
        .exec(&info.name, ctx.long(req), None, &mut out)
        .await;
    if ctx.cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let o = ran?;
    let (file, rows) = p.finish().await?;
    if !o.success() {
        return Err(failure(c, "pg_dump", o.exit_code, o.stderr_line()));
    }
    if !rows.complete {
        return Err(Error::Other(format!(
            "component {}: the dump ended without pg_dump's completion line (cut short)",
            c.name
        )));
    }
    Ok((file, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_across_chunk_boundaries() {
        let dump = b"SET x = 1;\nCOPY public.\"My table\" (a) FROM stdin;\nx\n\\.\nCOPY public.messages (id, body) FROM stdin;\n1\thello\n2\tworld\\nwith newline\n\\.\n\nCOPY public.empty (id) FROM stdin;\n\\.\nCOPY public.t (a) FROM stdin;\n1\n\\.\n-- PostgreSQL database dump complete\n";
        for chunk in [1usize, 3, 7, 1000] {
            let mut c = RowCounter::default();
            for part in dump.chunks(chunk) {
                c.feed(part);
            }
            assert_eq!(c.rows["public.messages"], 2, "chunk {chunk}");
            assert_eq!(c.rows["public.empty"], 0);
            assert_eq!(c.rows["public.t"], 1);
            assert_eq!(c.rows["public.\"My table\""], 1);
            assert!(c.complete);
        }
    }
}
