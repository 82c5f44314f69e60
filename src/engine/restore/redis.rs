//! Redis restore, AOF-aware: the staged RDB is proven with the target's own `redis-check-rdb`
//! (a newer RDB than the target reads is refused there), Redis is stopped first (it rewrites
//! its files on shutdown), and with `appendonly yes` the RDB is also installed as the AOF's
//! base, so Redis never starts on an empty dataset (redis#12098).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::Stream;

use super::ctx::Ctx;
use super::oneoff::DataFolder;
use crate::engine::components::redis as capture;
use crate::engine::credentials::{self, Credentials};
use crate::engine::docker::{ContainerInfo, OneOff};
use crate::engine::error::{Error, Result};
use crate::engine::stack::Component;

/// The target server's persistence settings, read before it stops.
#[derive(Debug, Clone)]
pub struct Target {
    pub creds: Credentials,
    pub version: String,
    pub dir: String,
    pub dbfilename: String,
    pub appendonly: bool,
    pub appenddirname: String,
    pub appendfilename: String,
}

/// Asks the running server for its version and persistence settings.
pub async fn target(ctx: &Ctx<'_>, c: &Component, info: &ContainerInfo) -> Result<Target> {
    let creds = credentials::resolve(ctx.profile, c, info)?;
    let ask = |args: Vec<&'static str>| {
        let creds = creds.clone();
        async move {
            let (o, out) = ctx
                .docker
                .exec_capture(&info.name, ctx.short(capture::cli(&creds, &args)))
                .await?;
            let text = String::from_utf8_lossy(&out).trim().to_string();
            if !o.success() || text.starts_with("NOAUTH") || text.starts_with("ERR") {
                return Err(Error::Other(format!(
                    "component {}: redis-cli {} failed: {}",
                    c.name,
                    args.join(" "),
                    text.lines().next().unwrap_or(o.stderr_line())
                )));
            }
            Ok(text)
        }
    };
    let server = ask(vec!["INFO", "server"]).await?;
    let get = |text: String| text.lines().nth(1).unwrap_or("").to_string();
    Ok(Target {
        version: capture::field(&server, "redis_version")
            .unwrap_or("")
            .to_string(),
        dir: get(ask(vec!["CONFIG", "GET", "dir"]).await?),
        dbfilename: get(ask(vec!["CONFIG", "GET", "dbfilename"]).await?),
        appendonly: get(ask(vec!["CONFIG", "GET", "appendonly"]).await?) == "yes",
        appenddirname: get(ask(vec!["CONFIG", "GET", "appenddirname"]).await?),
        appendfilename: get(ask(vec!["CONFIG", "GET", "appendfilename"]).await?),
        creds,
    })
}

/// The staged RDB checked by the service's own `redis-check-rdb`: in the running container,
/// or in a one-off container of its image when it does not run (crash-looping, stopped).
pub async fn check_any(ctx: &Ctx<'_>, info: &ContainerInfo, rdb: &Path) -> Result<()> {
    if super::ctx::serving(info) {
        match check_staged(ctx, info, rdb).await {
            Err(Error::Docker(_)) => {}
            other => return other,
        }
    }
    check_staged_oneoff(ctx, info, rdb).await
}

/// The target's settings: asked of the running server, else read as [`target_stopped`] does.
pub async fn target_any(ctx: &Ctx<'_>, c: &Component, info: &ContainerInfo) -> Result<Target> {
    if super::ctx::serving(info)
        && let Ok(t) = target(ctx, c, info).await
    {
        return Ok(t);
    }
    target_stopped(ctx, c, info).await
}

/// The settings of a server that is not running (crash-looping on broken data, stopped): from
/// its command line, then the config file that command line names (read from the stopped
/// container), then Redis's defaults; and the version its image's `redis-server` reports (run
/// in a one-off container). As in Redis, a command-line flag wins over the file.
pub async fn target_stopped(ctx: &Ctx<'_>, c: &Component, info: &ContainerInfo) -> Result<Target> {
    let creds = credentials::resolve(ctx.profile, c, info)?;
    let args: Vec<&String> = info.entrypoint.iter().chain(&info.cmd).collect();
    let file = match config_file(&args) {
        Some(path) => read_config(ctx, c, &info.name, path).await?,
        None => std::collections::BTreeMap::new(),
    };
    let flag = |name: &str, default: &str| {
        args.iter()
            .position(|a| a.as_str() == format!("--{name}"))
            .and_then(|i| args.get(i + 1))
            .map(|v| v.to_string())
            .or_else(|| file.get(name).cloned())
            .unwrap_or_else(|| default.to_string())
    };
    let spec = OneOff {
        name: format!("lifeboat-version-{}-{}", info.name, ctx.id),
        image: info.image.clone(),
        cmd: vec!["redis-server".into(), "--version".into()],
        entrypoint: Some(vec![String::new()]),
        labels: vec![("lifeboat.oneoff".into(), "check".into())],
        ..Default::default()
    };
    let (code, out) = ctx
        .docker
        .run_oneoff(&spec, std::time::Duration::from_secs(60))
        .await?;
    let version = out
        .split_whitespace()
        .find_map(|w| w.strip_prefix("v="))
        .filter(|_| code == 0)
        .ok_or_else(|| {
            Error::Other(format!(
                "component {}: `redis-server --version` in {} said: {}",
                c.name,
                info.image,
                out.trim()
            ))
        })?
        .to_string();
    Ok(Target {
        creds,
        version,
        dir: flag("dir", c.data_path.as_deref().unwrap_or("/data")),
        dbfilename: flag("dbfilename", "dump.rdb"),
        appendonly: flag("appendonly", "no") == "yes",
        appenddirname: flag("appenddirname", "appendonlydir"),
        appendfilename: flag("appendfilename", "appendonly.aof"),
    })
}

/// The config file `redis-server` is started with: its first argument that is not a flag and
/// ends in `.conf` (`redis-server /usr/local/etc/redis/redis.conf --port 6380`).
fn config_file<'a>(args: &[&'a String]) -> Option<&'a str> {
    let server = args.iter().position(|a| a.ends_with("redis-server"))?;
    args[server + 1..]
        .iter()
        .take_while(|a| !a.starts_with("--"))
        .find(|a| a.ends_with(".conf"))
        .map(|a| a.as_str())
}

/// The persistence settings of config file `path` in `container` (stopped or not: the file is
/// copied out through the engine's archive API).
async fn read_config(
    ctx: &Ctx<'_>,
    c: &Component,
    container: &str,
    path: &str,
) -> Result<std::collections::BTreeMap<String, String>> {
    let mut tar_bytes = Vec::new();
    ctx.docker
        .download(container, path, &mut tar_bytes)
        .await
        .map_err(|e| {
            Error::Other(format!(
                "component {}: its config file {path} (named on its command line) cannot be read: {e}",
                c.name
            ))
        })?;
    let mut text = String::new();
    let mut archive = tar::Archive::new(tar_bytes.as_slice());
    let entries = archive
        .entries()
        .map_err(|e| Error::Other(format!("component {}: {path}: {e}", c.name)))?;
    if let Some(Ok(mut entry)) = entries.into_iter().next() {
        use std::io::Read;
        // A config file is small; a huge one is not one.
        let _ = (&mut entry).take(1 << 20).read_to_string(&mut text);
    }
    Ok(persistence_settings(&text))
}

/// `appendonly`, `dir`, `dbfilename`, `appenddirname`, `appendfilename` of a redis.conf (the
/// last line of each wins, as in Redis; quotes around a value dropped; `include` not followed).
pub fn persistence_settings(conf: &str) -> std::collections::BTreeMap<String, String> {
    const KEYS: [&str; 5] = [
        "appendonly",
        "dir",
        "dbfilename",
        "appenddirname",
        "appendfilename",
    ];
    let mut out = std::collections::BTreeMap::new();
    for line in conf.lines().map(str::trim) {
        let Some((key, value)) = line.split_once(char::is_whitespace) else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        if KEYS.contains(&key.as_str()) {
            let v = value
                .trim()
                .trim_matches('"')
                .trim_matches('\'')
                .to_string();
            out.insert(key, v);
        }
    }
    out
}

/// `redis-check-rdb` of the service's own image on the staged RDB, in a one-off container
/// (the service itself is not running).
pub async fn check_staged_oneoff(ctx: &Ctx<'_>, info: &ContainerInfo, rdb: &Path) -> Result<()> {
    check_with_image(ctx, &info.name, &info.image, rdb).await
}

/// `redis-check-rdb` of `image` on the staged RDB, in a one-off named after `container`.
pub async fn check_with_image(
    ctx: &Ctx<'_>,
    container: &str,
    image: &str,
    rdb: &Path,
) -> Result<()> {
    let dir = rdb.parent().unwrap_or(Path::new("/"));
    let file = rdb
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let spec = OneOff {
        name: format!("lifeboat-check-{container}-{}", ctx.id),
        image: image.to_string(),
        cmd: vec!["redis-check-rdb".into(), format!("/staged/{file}")],
        binds: vec![format!("{}:/staged:ro", dir.display())],
        // Staged files are root's, mode 0600.
        user: Some("0:0".into()),
        entrypoint: Some(vec![String::new()]),
        labels: vec![("lifeboat.oneoff".into(), "check".into())],
    };
    let (code, out) = ctx
        .docker
        .run_oneoff(&spec, std::time::Duration::from_secs(600))
        .await?;
    if code == 0 && out.contains("RDB looks OK") {
        return Ok(());
    }
    Err(Error::Incompatible(format!(
        "redis-check-rdb of {} refuses the archived RDB: {}",
        image,
        out.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
    )))
}

/// Runs the target's `redis-check-rdb` on the staged RDB. `Err` carries its last line: an RDB
/// the target cannot read (a newer RDB version) fails here, before anything stops.
pub async fn check_staged(ctx: &Ctx<'_>, info: &ContainerInfo, rdb: &Path) -> Result<()> {
    let (ok, text) = capture::run_check_rdb(
        ctx.docker,
        &|r| ctx.short(r),
        &info.name,
        rdb,
        &format!("lifeboat-restore-{}.rdb", ctx.id),
    )
    .await?;
    if ok {
        return Ok(());
    }
    if !text.contains("Checking RDB file") {
        // redis-check-rdb never ran (the container stopped between two restarts).
        return Err(Error::Docker(format!(
            "redis-check-rdb could not run in {}: {}",
            info.name,
            text.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
        )));
    }
    let why = text
        .lines()
        .find(|l| l.contains("Can't handle RDB format") || l.contains("version"))
        .or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("")
        .trim()
        .to_string();
    Err(Error::Incompatible(format!(
        "redis-check-rdb in {} refuses the archived RDB: {why}",
        info.name
    )))
}

/// The tar uploaded beside the old data: the RDB under its configured name and, with AOF on,
/// as the AOF's base (Redis 7 multi-part AOF: base file plus manifest; older: the RDB-preamble
/// AOF file itself).
pub fn upload_stream(
    rdb: PathBuf,
    t: &Target,
    id: &str,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let new = DataFolder::new_dir(id);
    let dbfilename = t.dbfilename.clone();
    let aof = t.appendonly.then(|| {
        let major: u32 = t
            .version
            .split('.')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if major >= 7 {
            (Some(t.appenddirname.clone()), t.appendfilename.clone())
        } else {
            (None, t.appendfilename.clone())
        }
    });
    super::volume::tar_stream(move |b| {
        let mut dir = tar::Header::new_gnu();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_mode(0o755);
        dir.set_size(0);
        b.append_data(&mut dir, &new, std::io::empty())?;
        let now = jiff::Timestamp::now().as_second().max(0) as u64;
        let file = |mode: u32, size: u64| {
            let mut h = tar::Header::new_gnu();
            h.set_mode(mode);
            h.set_size(size);
            h.set_mtime(now);
            h
        };
        let size = std::fs::metadata(&rdb)?.len();
        let open = || std::fs::File::open(&rdb);
        b.append_data(
            &mut file(0o644, size),
            format!("{new}/{dbfilename}"),
            open()?,
        )?;
        match aof {
            Some((Some(dirname), aof)) => {
                let mut d = tar::Header::new_gnu();
                d.set_entry_type(tar::EntryType::Directory);
                d.set_mode(0o755);
                d.set_size(0);
                b.append_data(&mut d, format!("{new}/{dirname}"), std::io::empty())?;
                let base = format!("{aof}.1.base.rdb");
                b.append_data(
                    &mut file(0o644, size),
                    format!("{new}/{dirname}/{base}"),
                    open()?,
                )?;
                let m = format!("file {base} seq 1 type b\n").into_bytes();
                let name = format!("{new}/{dirname}/{aof}.manifest");
                b.append_data(&mut file(0o644, m.len() as u64), name, &m[..])?;
            }
            Some((None, aof_file)) => {
                b.append_data(&mut file(0o644, size), format!("{new}/{aof_file}"), open()?)?;
            }
            None => {}
        }
        Ok(())
    })
}

/// Waits until the restarted server answers and has finished loading.
pub async fn wait_loaded(ctx: &Ctx<'_>, container: &str, creds: &Credentials) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let req = ctx.short(capture::cli(creds, &["INFO", "persistence"]));
        if let Ok((o, out)) = ctx.docker.exec_capture(container, req).await {
            let text = String::from_utf8_lossy(&out).to_string();
            if o.success() && capture::field(&text, "loading") == Some("0") {
                return Ok(());
            }
        }
        if ctx.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if std::time::Instant::now() > deadline {
            return Err(Error::Other(format!(
                "{container} did not finish loading its data within 120 s after the restore"
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

/// Keys without a TTL must match the backup; keys with one may only have expired since.
pub fn compare_keys(fp: Option<&serde_json::Value>, live: (u64, u64)) -> Result<(), String> {
    let get = |k: &str| fp.and_then(|f| f.get(k)).and_then(|v| v.as_u64());
    let (Some(keys), Some(expires)) = (get("keys"), get("expires")) else {
        return Ok(());
    };
    let (live_keys, live_expires) = live;
    let persistent = keys.saturating_sub(expires);
    let live_persistent = live_keys.saturating_sub(live_expires);
    if live_persistent != persistent || live_expires > expires {
        return Err(format!(
            "live {live_keys} keys ({live_expires} with a TTL), backup {keys} ({expires} with a TTL)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_with_a_ttl_may_expire_but_never_grow() {
        let fp = serde_json::json!({"keys": 100, "expires": 10});
        assert!(compare_keys(Some(&fp), (100, 10)).is_ok());
        assert!(compare_keys(Some(&fp), (95, 5)).is_ok());
        assert!(compare_keys(Some(&fp), (0, 0)).is_err());
        assert!(compare_keys(Some(&fp), (101, 11)).is_err());
        assert!(compare_keys(Some(&fp), (99, 10)).is_err());
    }
}
