//! ChromaDB: the persist path is found from the live container (the `--path` it was started
//! with, its `PERSIST_DIRECTORY`, the image's default `/data`, the legacy `/chroma/chroma`:
//! whichever holds `chroma.sqlite3`); the collections and their record counts are read through
//! the v2 API just before the stop; the folder is copied while Chroma is stopped. A persist
//! path that is not on a volume is still backed up, with a warning: its data dies with the
//! container (the T.A.R.S. defect).

use serde_json::json;

use super::ctx::{Captured, Ctx, main_container};
use crate::engine::docker::{ContainerInfo, ExecRequest};
use crate::engine::error::{Error, Result};
use crate::engine::stack::Component;

/// Candidate persist paths, most specific first.
fn candidates(c: &Component, info: &ContainerInfo) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = &c.data_path {
        out.push(p.clone());
    }
    let args: Vec<&String> = info.entrypoint.iter().chain(&info.cmd).collect();
    for (i, a) in args.iter().enumerate() {
        if let Some(v) = a.strip_prefix("--path=") {
            out.push(v.to_string());
        } else if *a == "--path"
            && let Some(v) = args.get(i + 1)
        {
            out.push((*v).clone());
        }
    }
    if let Some(p) = info
        .env_var("PERSIST_DIRECTORY")
        .or(info.env_var("CHROMA_PERSIST_PATH"))
    {
        out.push(p.to_string());
    }
    out.push("/data".into());
    out.push("/chroma/chroma".into());
    out.dedup();
    out
}

/// The persist path: the first candidate holding `chroma.sqlite3`.
pub(crate) async fn persist_path(
    docker: &crate::engine::docker::Docker,
    c: &Component,
    info: &ContainerInfo,
) -> Result<String> {
    let list = candidates(c, info);
    for p in &list {
        let test = ExecRequest::new([
            "test",
            "-f",
            &format!("{}/chroma.sqlite3", p.trim_end_matches('/')),
        ]);
        if let Ok((o, _)) = docker
            .exec_capture(&info.name, test.timeout(std::time::Duration::from_secs(30)))
            .await
            && o.success()
        {
            return Ok(p.clone());
        }
    }
    Err(Error::Other(format!(
        "component {}: no chroma.sqlite3 under any persist path of {} (tried {})",
        c.name,
        info.name,
        list.join(", ")
    )))
}

/// Collections and record counts through the v2 API, from inside the container (no port needed).
async fn collections(ctx: &Ctx<'_>, info: &ContainerInfo) -> Option<serde_json::Value> {
    collections_of(ctx.docker, ctx.cancel, &info.name).await
}

/// Collections and record counts of the Chroma in `container` (v2 API, asked from inside).
pub(crate) async fn collections_of(
    docker: &crate::engine::docker::Docker,
    cancel: &crate::engine::progress::Cancel,
    container: &str,
) -> Option<serde_json::Value> {
    const SCRIPT: &str = r#"
import json, urllib.request as u
b = 'http://127.0.0.1:8000/api/v2/tenants/default_tenant/databases/default_database/collections'
out, off = {}, 0
while True:
    cs = json.load(u.urlopen(b + '?limit=100&offset=%d' % off, timeout=10))
    for c in cs:
        out[c['name']] = json.load(u.urlopen(b + '/' + c['id'] + '/count', timeout=10))
    if len(cs) < 100:
        break
    off += 100
print(json.dumps(out))
"#;
    // A Chroma started moments ago (by `lifeboat recover`, a reboot, a restore) needs a while
    // before its API answers: ask again for up to a minute.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let req = ExecRequest::new(["python3", "-c", SCRIPT])
            .cancel(cancel)
            .timeout(std::time::Duration::from_secs(120));
        if let Ok((o, out)) = docker.exec_capture(container, req).await
            && o.success()
        {
            return serde_json::from_slice(&out).ok();
        }
        if cancel.is_cancelled() || std::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

pub async fn capture(ctx: &Ctx<'_>, c: &Component) -> Result<Captured> {
    let info = main_container(ctx, c, true).await?;
    let path = persist_path(ctx.docker, c, &info).await?;
    let counts = collections(ctx, &info).await;
    capture_at(ctx, c, &info, &path, counts).await
}

/// Copies the persist folder `path` (the component stopped for it unless it already is) with
/// the collection counts read while it still served.
pub(crate) async fn capture_at(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    path: &str,
    counts: Option<serde_json::Value>,
) -> Result<Captured> {
    let info = info.clone();
    let path = path.to_string();
    let (file, stats, mut details) = super::volume::stopped_copy(ctx, c, &info, &path).await?;
    let on_volume = info.mount_at(&path).is_some_and(|m| m.kind == "volume");
    details.data_path = Some(path.clone());
    details.on_volume = Some(on_volume);
    super::ctx::record_volume(ctx, &mut details, &info, &path).await;
    details.fingerprint = Some(json!({ "collections": counts.clone().unwrap_or(json!(null)) }));
    let mut cap = super::volume::finish(c, details, &file, &stats);
    if !on_volume {
        cap.warnings.push(format!(
            "component {}: ChromaDB persists to {path}, which is not on a volume: its data lives in container {} and dies with it (backed up anyway)",
            c.name, info.name
        ));
    }
    if counts.is_none() {
        cap.warnings.push(format!(
            "component {}: the collection counts could not be read through the v2 API",
            c.name
        ));
    }
    Ok(cap)
}
