//! PostgreSQL that does not run (crash-looping on a broken data folder), docs/design.md section 5's
//! incident case: its data folder's volume is copied aside into `<volume>__pre_<id>` and
//! emptied, the server starts on fresh data through its image's own initialisation, and the
//! dump is then loaded the ordinary way (scratch database, checks, rename). Putting it back
//! restores the broken folder byte for byte. The broken copy is kept after a commit, for the
//! post-mortem, until the operator removes the volume.

use std::time::Duration;

use super::checklist::{Class, Item, ItemStatus};
use super::ctx::Ctx;
use super::live;
use crate::engine::credentials;
use crate::engine::docker::{ContainerInfo, OneOff};
use crate::engine::error::{Error, Result};
use crate::engine::stack::Component;
use crate::engine::stopped::Ledger;

/// A crash-looping PostgreSQL's data volume and where its broken contents go.
#[derive(Debug, Clone)]
pub struct Broken {
    pub container: String,
    pub image: String,
    pub volume: String,
    /// The volume's mount point in the container (PGDATA or a parent of it).
    pub destination: String,
    /// `<volume>__pre_<id>`.
    pub kept: String,
}

/// How long a fresh cluster may take to initialise and accept connections.
const INIT_LIMIT: Duration = Duration::from_secs(180);

/// Whether a PostgreSQL container crash-loops: Docker says `restarting`, or it looks running
/// but never answers while Docker restarts it again. A server that answers, or one merely
/// stopped, is not broken: this path replaces a whole cluster and is for broken ones only.
pub async fn crash_looping(ctx: &Ctx<'_>, c: &Component, info: &ContainerInfo) -> bool {
    if info.state == "restarting" {
        return true;
    }
    if info.state != "running" {
        return false;
    }
    let first = info.restart_count;
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        let Ok(now) = ctx.docker.inspect_required(&info.name).await else {
            return false;
        };
        if now.state == "restarting" || now.restart_count > first {
            return true;
        }
        if let Ok(creds) = credentials::resolve(ctx.profile, c, &now)
            && live::sql(ctx, c, &now.name, &creds, "postgres", "SELECT 1")
                .await
                .is_ok()
        {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    false
}

/// The data volume of a PostgreSQL container, if its PGDATA is on a named volume.
pub fn of(info: &ContainerInfo, id: &str) -> Option<Broken> {
    let pgdata = info
        .env_var("PGDATA")
        .unwrap_or("/var/lib/postgresql/data")
        .to_string();
    let m = info.mount_at(&pgdata).filter(|m| m.kind == "volume")?;
    let volume = m.name.clone()?;
    Some(Broken {
        container: info.name.clone(),
        image: info.image.clone(),
        kept: format!("{volume}__pre_{id}"),
        volume,
        destination: m.destination.clone(),
    })
}

/// The image's PostgreSQL major version, from `postgres --version` in a one-off.
pub async fn image_major(ctx: &Ctx<'_>, b: &Broken) -> Result<u32> {
    let spec = OneOff {
        name: format!("lifeboat-version-{}-{}", b.container, ctx.id),
        image: b.image.clone(),
        cmd: vec!["postgres".into(), "--version".into()],
        entrypoint: Some(vec![String::new()]),
        labels: vec![("lifeboat.oneoff".into(), "check".into())],
        ..Default::default()
    };
    let (code, out) = ctx
        .docker
        .run_oneoff(&spec, Duration::from_secs(60))
        .await?;
    out.split_whitespace()
        .filter(|_| code == 0)
        .find_map(super::pg::major)
        .ok_or_else(|| {
            Error::Other(format!(
                "`postgres --version` in {} said: {}",
                b.image,
                out.trim()
            ))
        })
}

/// The container item for a PostgreSQL that does not serve.
pub fn container_item(c: &Component, info: &ContainerInfo, b: Option<&Broken>) -> Item {
    let id = format!("container:{}", c.name);
    let label = format!("{}: container", c.name);
    match b {
        Some(b) => Item::new(
            id,
            label,
            Class::Never,
            ItemStatus::Warn,
            format!(
                "{} is {}: its data folder (volume {}) is copied aside into volume {} and emptied, the server starts on fresh data through its image's initialisation, then the dump is loaded; the broken copy is kept",
                info.name, info.state, b.volume, b.kept
            ),
        ),
        None => Item::new(
            id,
            label,
            Class::Never,
            ItemStatus::Fail,
            format!(
                "{} is {}: the dump loads into a running server; start it (`docker start {}`), then run the restore again (a crash-looping server whose data is on a named volume is restored on fresh data instead)",
                info.name, info.state, info.name
            ),
        ),
    }
}

async fn run(ctx: &Ctx<'_>, b: &Broken, what: &str, script: &str) -> Result<()> {
    let spec = OneOff {
        name: format!("lifeboat-{what}-{}-{}", b.container, ctx.id),
        image: b.image.clone(),
        cmd: vec!["sh".into(), "-c".into(), script.into()],
        user: Some("0:0".into()),
        binds: vec![format!("{}:/live", b.volume), format!("{}:/kept", b.kept)],
        labels: vec![("lifeboat.oneoff".into(), what.into())],
        entrypoint: Some(vec![String::new()]),
    };
    let (code, log) = ctx
        .docker
        .run_oneoff(&spec, Duration::from_secs(3600))
        .await?;
    if code != 0 {
        return Err(Error::Other(format!(
            "{what} of volume {} failed (exit {code}): {}",
            b.volume,
            log.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
        )));
    }
    Ok(())
}

/// Stops the container (held), copies the broken data aside and empties the volume, then
/// starts the container on fresh data and waits until the server accepts connections.
pub async fn set_aside_and_init(
    ctx: &Ctx<'_>,
    ledger: &Ledger,
    c: &Component,
    b: &Broken,
) -> Result<ContainerInfo> {
    let grace = Duration::from_secs(c.stop_timeout);
    for name in &c.containers {
        ledger
            .hold(ctx.docker, name, grace, &format!("restore {}", ctx.id))
            .await?;
    }
    if ctx.docker.volume_labels(&b.kept).await?.is_none() {
        ctx.docker
            .create_volume(&b.kept, &Default::default())
            .await?;
    }
    run(
        ctx,
        b,
        "keep",
        // The marker says the copy is whole: only then is the live folder emptied, and only
        // then may putting back delete what the live folder holds.
        "set -eu; cp -a /live/. /kept/; sync; touch /kept/.lifeboat-kept-whole; sync; find /live -mindepth 1 -delete",
    )
    .await?;
    ctx.docker.start(&b.container).await?;
    wait_serving(ctx, c, b).await
}

/// Waits for the fresh cluster: the image initialises it on a socket-only server, then
/// restarts; a login over TCP answers only after that.
async fn wait_serving(ctx: &Ctx<'_>, c: &Component, b: &Broken) -> Result<ContainerInfo> {
    let started = std::time::Instant::now();
    let mut last = String::new();
    while started.elapsed() < INIT_LIMIT {
        let info = ctx.docker.inspect_required(&b.container).await?;
        if super::ctx::serving(&info) {
            let creds = credentials::resolve(ctx.profile, c, &info)?;
            match live::sql(ctx, c, &b.container, &creds, "postgres", "SELECT 1").await {
                Ok(_) => return Ok(info),
                Err(e) => last = e.to_string(),
            }
        } else {
            last = format!("the container is {}", info.state);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(Error::Other(format!(
        "{}: the server did not come up on fresh data within {} s: {last}",
        c.name,
        INIT_LIMIT.as_secs()
    )))
}

/// Puts the broken data back byte for byte (the fresh cluster goes), removes the kept
/// volume, and starts the container again as it was (crash-looping, most likely).
pub async fn put_back(ctx: &Ctx<'_>, ledger: &Ledger, c: &Component, b: &Broken) -> Result<()> {
    if ctx.docker.volume_labels(&b.kept).await?.is_none() {
        // Never set aside: the live volume was not touched.
        return Ok(());
    }
    let grace = Duration::from_secs(c.stop_timeout);
    for name in &c.containers {
        if ctx.docker.inspect(name).await?.is_some() {
            ledger
                .hold(ctx.docker, name, grace, &format!("rollback {}", ctx.id))
                .await?;
        }
    }
    run(
        ctx,
        b,
        "putback",
        "set -eu; if [ -e /kept/.lifeboat-kept-whole ]; then find /live -mindepth 1 -delete; cp -a /kept/. /live/; rm -f /live/.lifeboat-kept-whole; fi",
    )
    .await?;
    ctx.docker.remove_volume(&b.kept).await?;
    for name in c.containers.iter().rev() {
        ledger.release(ctx.docker, name).await?;
    }
    ctx.docker.start(&b.container).await
}
