//! Redis: `BGSAVE`, then wait until `INFO persistence` shows a newer snapshot finished (never
//! `LASTSAVE`, whose one-second resolution hides a fast save), copy the RDB out, and count its
//! keys and expiries with `redis-check-rdb` inside the service's own container, on the very
//! bytes archived. The RDB version and the AOF mode are recorded: a restore must know both.

use std::time::{Duration, Instant};

use serde_json::json;

use super::ctx::{Captured, Ctx, base_details, creds, main_container, step};
use crate::engine::credentials::Credentials;
use crate::engine::docker::{ContainerInfo, ExecRequest};
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Event, StepCounter, StepOutcome};
use crate::engine::stack::Component;

/// How long a BGSAVE may take before the component fails.
const SAVE_TIMEOUT: Duration = Duration::from_secs(600);

pub(crate) fn cli(creds: &Credentials, args: &[&str]) -> ExecRequest {
    let mut r = ExecRequest::new(["redis-cli", "-h", "127.0.0.1"]);
    r.cmd.extend(args.iter().map(|a| a.to_string()));
    match &creds.password {
        Some(p) => r.secret("REDISCLI_AUTH", p),
        None => r,
    }
}

/// Runs a redis-cli command; a refused password is a credential error, an `ERR` reply an error.
async fn run(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    creds: &Credentials,
    args: &[&str],
) -> Result<String> {
    let (o, out) = ctx
        .docker
        .exec_capture(&info.name, ctx.short(cli(creds, args)))
        .await?;
    let text = String::from_utf8_lossy(&out).trim().to_string();
    if text.contains("NOAUTH") || text.contains("WRONGPASS") || o.stderr.contains("WRONGPASS") {
        return Err(Error::Secret(format!(
            "component {}: the server refused the credentials",
            c.name
        )));
    }
    if !o.success() || text.starts_with("ERR") || text.starts_with("(error)") {
        let why = if text.is_empty() {
            o.stderr_line().to_string()
        } else {
            text.lines().next().unwrap_or("").to_string()
        };
        return Err(Error::Other(format!(
            "component {}: redis-cli {} failed: {why}",
            c.name,
            args.join(" ")
        )));
    }
    Ok(text)
}

pub(crate) fn field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
        .map(str::trim)
}

/// `CONFIG GET x` answers two lines: the name, then the value.
async fn config(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    creds: &Credentials,
    key: &str,
) -> Result<String> {
    let out = run(ctx, c, info, creds, &["CONFIG", "GET", key]).await?;
    Ok(out.lines().nth(1).unwrap_or("").to_string())
}

pub async fn capture(ctx: &Ctx<'_>, c: &Component) -> Result<Captured> {
    let info = main_container(ctx, c, true).await?;
    let creds = creds(ctx, c, &info)?;
    let dir = config(ctx, c, &info, &creds, "dir").await?;
    let dbfilename = config(ctx, c, &info, &creds, "dbfilename").await?;
    let appendonly = config(ctx, c, &info, &creds, "appendonly").await?;
    let server = run(ctx, c, &info, &creds, &["INFO", "server"]).await?;
    let redis_version = field(&server, "redis_version")
        .unwrap_or("unknown")
        .to_string();
    let rdb_path = format!("{}/{}", dir.trim_end_matches('/'), dbfilename);

    let step = step(c);
    ctx.reporter.event(Event::StepStarted {
        step: step.clone(),
        label: format!("{}: BGSAVE and copy", c.name),
        total: None,
    });
    let result = save_and_copy(ctx, c, &info, &creds, &rdb_path, &step).await;
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
    let (file, header) = result?;
    let rdb_version = header
        .strip_prefix("REDIS")
        .map(str::to_string)
        .filter(|v| v.chars().all(|c| c.is_ascii_digit()));
    let Some(rdb_version) = rdb_version else {
        return Err(Error::Other(format!(
            "component {}: {rdb_path} is not an RDB file",
            c.name
        )));
    };
    let counts = check_rdb(ctx, c, &info, &file.path).await?;

    let mut details = base_details(ctx, c, &info, "logical_dump").await;
    details.server_version = Some(redis_version.clone());
    details.data_path = Some(dir.clone());
    details.on_volume = Some(info.mount_at(&dir).is_some_and(|m| m.kind == "volume"));
    super::ctx::record_volume(ctx, &mut details, &info, &dir).await;
    details.fingerprint = Some(json!({
        "keys": counts.0,
        "expires": counts.1,
        "already_expired": counts.2,
        "rdb_version": rdb_version.parse::<u32>().unwrap_or(0),
        "appendonly": appendonly == "yes",
        "redis_version": redis_version,
    }));
    let mut cap = Captured::new(details);
    cap.add(&file, &c.file, false);
    if counts.0 == 0 {
        cap.warnings
            .push(format!("component {}: the RDB holds no keys", c.name));
    }
    Ok(cap)
}

async fn save_and_copy(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    creds: &Credentials,
    rdb_path: &str,
    step: &str,
) -> Result<(super::spool::SpoolFile, String)> {
    let before = run(ctx, c, info, creds, &["INFO", "persistence"]).await?;
    let saves_before: u64 = field(&before, "rdb_saves")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let reply = run(ctx, c, info, creds, &["BGSAVE"]).await;
    match &reply {
        Ok(_) => {}
        // A save already running (an automatic one) will do: wait for a newer one below.
        Err(Error::Other(m)) if m.contains("already in progress") => {}
        Err(_) => return reply.map(|_| unreachable!()),
    }
    let started = Instant::now();
    loop {
        if ctx.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let p = run(ctx, c, info, creds, &["INFO", "persistence"]).await?;
        let running = field(&p, "rdb_bgsave_in_progress") == Some("1");
        let saves: u64 = field(&p, "rdb_saves")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if !running && saves > saves_before {
            if field(&p, "rdb_last_bgsave_status") != Some("ok") {
                return Err(Error::Other(format!(
                    "component {}: BGSAVE failed (rdb_last_bgsave_status: {})",
                    c.name,
                    field(&p, "rdb_last_bgsave_status").unwrap_or("?")
                )));
            }
            break;
        }
        if !running
            && saves == saves_before
            && field(&p, "rdb_last_bgsave_status") == Some("err")
            && started.elapsed() > Duration::from_secs(1)
        {
            return Err(Error::Other(format!(
                "component {}: BGSAVE failed (see the Redis log)",
                c.name
            )));
        }
        if started.elapsed() > SAVE_TIMEOUT {
            return Err(Error::Other(format!(
                "component {}: BGSAVE did not finish within {} s",
                c.name,
                SAVE_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The RDB is renamed into place by Redis: `cat` reads one whole snapshot.
    let mut p = super::pipe::pipe(HeadSink {
        out: ctx.spool.file(&c.file)?,
        head: Vec::new(),
    });
    let mut counting = super::ctx::Counting {
        inner: p.writer(),
        counter: StepCounter::new(ctx.reporter, step, None),
        cancel: ctx.cancel,
    };
    let ran = ctx
        .docker
        .exec(
            &info.name,
            ctx.long(ExecRequest::new(["cat", rdb_path])),
            None,
            &mut counting,
        )
        .await;
    if ctx.cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let o = ran?;
    let (file, head) = p.finish().await?;
    if !o.success() {
        return Err(Error::Other(format!(
            "component {}: copying {rdb_path} failed: {}",
            c.name,
            o.stderr_line()
        )));
    }
    Ok((file, String::from_utf8_lossy(&head).into_owned()))
}

/// Spools bytes and keeps the first nine (`REDIS0010`).
struct HeadSink {
    out: super::spool::SpoolWriter,
    head: Vec<u8>,
}

impl std::io::Write for HeadSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = 9usize.saturating_sub(self.head.len());
        self.head.extend_from_slice(&buf[..buf.len().min(room)]);
        self.out.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl super::pipe::Sink for HeadSink {
    type Done = (super::spool::SpoolFile, Vec<u8>);
    fn done(self) -> std::io::Result<Self::Done> {
        Ok((self.out.finish()?, self.head))
    }
}

/// Copies `rdb` into `/tmp/<name>` of `container`, runs its `redis-check-rdb` on it, removes
/// it. Whether the RDB looked OK, and everything the checker said (stdout, then stderr).
pub(crate) async fn run_check_rdb(
    docker: &crate::engine::docker::Docker,
    short: &(dyn Fn(ExecRequest) -> ExecRequest + Sync),
    container: &str,
    rdb: &std::path::Path,
    name: &str,
) -> Result<(bool, String)> {
    docker
        .upload_file(container, "/tmp", name, rdb, 0o644)
        .await?;
    let path = format!("/tmp/{name}");
    let checked = docker
        .exec_capture(
            container,
            short(ExecRequest::new(["redis-check-rdb", &path])),
        )
        .await;
    let _ = docker
        .exec_capture(
            container,
            short(ExecRequest::new(["rm", "-f", &path]).user("root")),
        )
        .await;
    let (o, out) = checked?;
    let text = String::from_utf8_lossy(&out).to_string() + &o.stderr;
    Ok((o.success() && text.contains("RDB looks OK"), text))
}

/// Counts keys, expiries and already-expired keys of the archived RDB with the container's own
/// `redis-check-rdb`, which also proves the file sound (it checks the RDB's CRC64).
async fn check_rdb(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    rdb: &std::path::Path,
) -> Result<(u64, u64, u64)> {
    let (ok, text) = run_check_rdb(
        ctx.docker,
        &|r| ctx.short(r),
        &info.name,
        rdb,
        &format!("lifeboat-check-{}.rdb", std::process::id()),
    )
    .await?;
    if !ok {
        return Err(Error::Other(format!(
            "component {}: redis-check-rdb refused the copied RDB: {}",
            c.name,
            text.lines().last().unwrap_or("")
        )));
    }
    let count = |what: &str| {
        text.lines()
            .find_map(|l| {
                l.split("] ")
                    .nth(1)
                    .and_then(|r| r.strip_suffix(what))
                    .and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(0)
    };
    Ok((
        count("keys read"),
        count("expires"),
        count("already expired"),
    ))
}
