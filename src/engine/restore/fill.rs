//! A component whose container was removed (docs/design.md section 5, incident cases): its data
//! volume, recorded in the backup by name, mount point and labels, is recreated under that
//! exact name if it was deleted too, and filled through one-off containers of the recorded
//! image (the same swap as a live restore, so old data found in the volume is kept aside until
//! commit). The container itself is not recreated: the summary says to recreate it with the
//! stack's compose file, and it then starts on the restored data.

use std::collections::BTreeMap;

use serde_json::Value;

use super::checklist::{Class, Item, ItemStatus};
use super::ctx::Ctx;
use super::oneoff::DataFolder;
use super::plan::Prepared;
use super::redis;
use crate::engine::docker::OneOff;
use crate::engine::error::{Error, Result};
use crate::engine::stack::{Component, Kind};

/// What the backup recorded of a removed container's data.
#[derive(Debug, Clone)]
pub struct Gone {
    pub container: String,
    pub volume: String,
    /// Where the volume was mounted in the container.
    pub destination: String,
    pub labels: BTreeMap<String, String>,
    pub image: String,
    /// The data folder inside the container.
    pub path: String,
}

impl Gone {
    /// The data folder, reached through one-off containers that mount the volume.
    pub fn folder(&self) -> DataFolder {
        DataFolder {
            container: self.container.clone(),
            image: self.image.clone(),
            binds: vec![format!("{}:{}", self.volume, self.destination)],
            path: self.path.clone(),
        }
    }
}

/// The recorded volume of `c` (format-2 archives from this lifeboat record it).
pub fn recorded(p: &Prepared, c: &Component, container: &str) -> Option<Gone> {
    if !matches!(c.kind, Kind::Redis | Kind::Chroma | Kind::Volume) {
        return None;
    }
    let d = p.details(&c.name)?;
    let v = d.extra.get("volume")?;
    let labels = v
        .get("labels")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Some(Gone {
        container: container.to_string(),
        volume: v.get("name")?.as_str()?.to_string(),
        destination: v.get("destination")?.as_str()?.to_string(),
        labels,
        image: d.image.clone()?,
        path: d.data_path.clone()?,
    })
}

/// Checklist items for a component whose container is gone but whose volume lifeboat can
/// fill: the container (not recreated), the volume (recreated if deleted), the image.
pub async fn items(ctx: &Ctx<'_>, c: &Component, g: &Gone) -> Vec<Item> {
    let mut items = vec![Item::new(
        format!("container:{}", c.name),
        format!("{}: container", c.name),
        Class::Never,
        ItemStatus::Warn,
        format!(
            "container {} does not exist: lifeboat fills its volume {} and does not recreate it; afterwards recreate it with your compose file (e.g. `docker compose up -d`), and it starts on the restored data",
            g.container, g.volume
        ),
    )];
    let exists = ctx.docker.volume_labels(&g.volume).await;
    items.push(match exists {
        Ok(Some(_)) => Item::new(
            format!("volume:{}", c.name),
            format!("{}: volume", c.name),
            Class::Never,
            ItemStatus::Ok,
            format!("volume {} exists: its data is replaced (kept aside until the restore commits)", g.volume),
        ),
        Ok(None) => Item::new(
            format!("volume:{}", c.name),
            format!("{}: volume", c.name),
            Class::Never,
            ItemStatus::Warn,
            format!(
                "volume {} does not exist: it is recreated under that name with its recorded labels and filled",
                g.volume
            ),
        ),
        Err(e) => Item::new(
            format!("volume:{}", c.name),
            format!("{}: volume", c.name),
            Class::Never,
            ItemStatus::Fail,
            e.to_string(),
        ),
    });
    let image = ctx.docker.image_digest(&g.image).await;
    let present = match image {
        Ok(Some(_)) => true,
        // An image without a repository digest (built locally) still inspects.
        Ok(None) => true,
        Err(_) => false,
    };
    items.push(Item::new(
        format!("image:{}", c.name),
        format!("{}: image", c.name),
        Class::Never,
        if present { ItemStatus::Ok } else { ItemStatus::Fail },
        if present {
            format!("the recorded image {} is on this engine (the one-off containers run it)", g.image)
        } else {
            format!("the recorded image {} is not on this engine: load or build it, then run the restore again", g.image)
        },
    ));
    items
}

/// The recorded Redis settings, for a Redis whose container is gone.
pub fn redis_target(p: &Prepared, c: &Component, g: &Gone) -> redis::Target {
    let fp = p.details(&c.name).and_then(|d| d.fingerprint.clone());
    let get = |k: &str| fp.as_ref().and_then(|f| f.get(k)).cloned();
    redis::Target {
        creds: Default::default(),
        version: get("redis_version")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        dir: g.path.clone(),
        dbfilename: "dump.rdb".into(),
        appendonly: get("appendonly").and_then(|v| v.as_bool()).unwrap_or(false),
        appenddirname: "appendonlydir".into(),
        appendfilename: "appendonly.aof".into(),
    }
}

/// Recreates the volume if it is missing (returns whether it did), then uploads `stream`
/// into it through a created (never started) holder container of the recorded image.
pub async fn upload(
    ctx: &Ctx<'_>,
    g: &Gone,
    stream: impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
) -> Result<bool> {
    let created = match ctx.docker.volume_labels(&g.volume).await? {
        Some(_) => false,
        None => {
            ctx.docker.create_volume(&g.volume, &g.labels).await?;
            true
        }
    };
    let holder = OneOff {
        name: format!("lifeboat-fill-{}-{}", g.container, ctx.id),
        image: g.image.clone(),
        cmd: vec!["true".into()],
        user: Some("0:0".into()),
        binds: g.folder().binds,
        labels: vec![("lifeboat.oneoff".into(), "fill".into())],
        entrypoint: Some(vec![String::new()]),
    };
    let up = async {
        ctx.docker.create(&holder).await?;
        ctx.docker
            .upload_fallible(&holder.name, &g.path, stream)
            .await
    }
    .await;
    let _ = ctx.docker.remove(&holder.name).await;
    if let Err(e) = up {
        if created {
            let _ = ctx.docker.remove_volume(&g.volume).await;
        }
        return Err(Error::Other(format!(
            "filling volume {} failed: {e}",
            g.volume
        )));
    }
    Ok(created)
}
