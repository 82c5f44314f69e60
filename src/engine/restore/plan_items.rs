//! The checklist items of one component, read from the live stack: its container, versions
//! (PostgreSQL major, the RDB the target Redis reads), image changes, where its data lives,
//! the disk its new data needs, and the live fingerprint beside the recorded one.

use std::path::Path;

use serde_json::Value;

use super::checklist::{Class, Item, ItemStatus, disk_item, pg_version_item};
use super::ctx::{Ctx, serving};
use super::live::{self, group};
use super::oneoff::DataFolder;
use super::plan::Prepared;
use super::{pg, redis};
use crate::engine::components::chroma;
use crate::engine::credentials;
use crate::engine::docker::ContainerInfo;
use crate::engine::stack::{Component, Kind};

/// Every item of component `c`.
pub async fn component_items(ctx: &Ctx<'_>, p: &Prepared, c: &Component) -> Vec<Item> {
    let mut items = Vec::new();
    let details = p.details(&c.name);
    let fp = details.and_then(|d| d.fingerprint.as_ref());
    if c.kind == Kind::Files {
        return config_items(p, c);
    }
    if c.kind == Kind::Exec && !c.restore_command.is_empty() {
        return exec_items(ctx, p, c).await;
    }
    if c.kind == Kind::Exec {
        items.push(Item::new(
            format!("kind:{}", c.name),
            format!("{}: restore of a {} component", c.name, c.kind.as_str()),
            Class::Never,
            ItemStatus::Fail,
            format!(
                "this lifeboat does not restore {} components yet; extract {} from the staged archive by hand",
                c.kind.as_str(),
                c.file
            ),
        ).manual(format!("tar -xzf {} {}/{}", p.archive.display(), p.backup_name, c.file)));
        return items;
    }
    let container = c.main_container().unwrap_or_default().to_string();
    let info = match ctx.docker.inspect(&container).await {
        Ok(Some(info)) => info,
        Ok(None) => {
            // Its volume is recorded: lifeboat can fill it (recreating it if deleted too).
            if let Some(g) = super::fill::recorded(p, c, &container) {
                items.extend(super::fill::items(ctx, c, &g).await);
                return items;
            }
            items.push(Item::new(
                format!("container:{}", c.name),
                format!("{}: container", c.name),
                Class::Never,
                ItemStatus::Fail,
                format!("container {container} does not exist; lifeboat does not recreate it: recreate it with your compose file (e.g. `docker compose up -d --no-start <service>`), then run the restore again"),
            ));
            return items;
        }
        Err(e) => {
            items.push(Item::new(
                format!("container:{}", c.name),
                format!("{}: container", c.name),
                Class::Never,
                ItemStatus::Fail,
                e.to_string(),
            ));
            return items;
        }
    };
    let broken = c.kind == Kind::Postgres && super::pgdata::crash_looping(ctx, c, &info).await;
    let running = serving(&info) && !broken;
    let kept = broken.then(|| super::pgdata::of(&info, &ctx.id)).flatten();
    let id = format!("container:{}", c.name);
    let label = format!("{}: container", c.name);
    let manual = format!("docker inspect -f '{{{{.State.Status}}}}' {container}");
    items.push(if running {
        Item::new(id, label, Class::Never, ItemStatus::Ok, format!("{container} runs"))
    } else if c.kind == Kind::Postgres {
        super::pgdata::container_item(c, &info, kept.as_ref())
    } else {
        Item::new(id, label, Class::Never, ItemStatus::Warn, format!("{container} is {}: its data is replaced while it is stopped and it is started on the restored data; checks run in one-off containers of its image", info.state))
    }.manual(manual));
    if !running && c.kind == Kind::Postgres {
        // A server that does not run is judged by its image: the fresh cluster's version.
        if let Some(b) = kept {
            let recorded = details.and_then(|d| d.server_version.as_deref());
            items.push(match super::pgdata::image_major(ctx, &b).await {
                Ok(major) => pg_version_item(c, major, recorded),
                Err(e) => Item::new(
                    format!("pg-version:{}", c.name),
                    format!("{}: PostgreSQL version", c.name),
                    Class::Never,
                    ItemStatus::Fail,
                    e.to_string(),
                ),
            });
            if let Some(item) = image_item(ctx, c, &info, details).await {
                items.push(item);
            }
        }
        return items;
    }
    if let Some(item) = image_item(ctx, c, &info, details).await {
        items.push(item);
    }
    match c.kind {
        Kind::Postgres => postgres_items(ctx, p, c, &info, fp, &mut items).await,
        Kind::Redis if super::units::raw_copy(p, c) => {
            folder_items(ctx, p, c, &info, fp, &mut items).await
        }
        Kind::Redis => redis_items(ctx, p, c, &info, fp, &mut items).await,
        Kind::Chroma | Kind::Volume => folder_items(ctx, p, c, &info, fp, &mut items).await,
        Kind::Files | Kind::Exec => {}
    }
    items
}

/// The image the container runs against the one recorded at backup time.
async fn image_item(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    details: Option<&crate::engine::archive::ComponentDetails>,
) -> Option<Item> {
    let recorded = details?.image_digest.clone()?;
    let live = ctx
        .docker
        .image_digest(&info.image_id)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| info.image_id.clone());
    let id = format!("image:{}", c.name);
    let label = format!("{}: image", c.name);
    Some(if live == recorded {
        Item::new(
            id,
            label,
            Class::Waivable,
            ItemStatus::Ok,
            format!("{} as at backup time", info.image),
        )
    } else {
        Item::new(id.clone(), label, Class::Waivable, ItemStatus::Fail, format!("{} changed since the backup (was {}); --accept {id} if the data is meant for the new image", info.image, short(&recorded))).compat()
    })
}

fn short(digest: &str) -> &str {
    let d = digest.rsplit(':').next().unwrap_or(digest);
    &d[..d.len().min(12)]
}

async fn postgres_items(
    ctx: &Ctx<'_>,
    p: &Prepared,
    c: &Component,
    info: &ContainerInfo,
    fp: Option<&Value>,
    items: &mut Vec<Item>,
) {
    let recorded_version = fp
        .and_then(|f| f.get("server_version"))
        .and_then(Value::as_str);
    match pg::server_major(ctx, c, info).await {
        Ok(major) => items.push(pg_version_item(c, major, recorded_version)),
        Err(e) => items.push(Item::new(
            format!("pg-version:{}", c.name),
            format!("{}: PostgreSQL version", c.name),
            Class::Never,
            ItemStatus::Fail,
            e.to_string(),
        )),
    }
    let recorded = live::recorded_tables(fp);
    let names: Vec<String> = recorded.keys().cloned().collect();
    let id = format!("live:{}", c.name);
    let label = format!("{}: live against the backup", c.name);
    let live_rows = match credentials::resolve(ctx.profile, c, info) {
        Ok(creds) => {
            let db = creds.database.clone().unwrap_or_default();
            live::pg_rows(ctx, c, &info.name, &creds, &db, &names, true).await
        }
        Err(e) => Err(e),
    };
    items.push(match live_rows {
        Ok(rows) => {
            let diff = live::row_differences(&recorded, &rows);
            let total: u64 = recorded.values().sum();
            if diff.is_empty() {
                Item::new(
                    id,
                    label,
                    Class::Advisory,
                    ItemStatus::Ok,
                    format!(
                        "live matches the backup: {} tables, {} rows",
                        recorded.len(),
                        group(total)
                    ),
                )
            } else {
                Item::new(
                    id,
                    label,
                    Class::Advisory,
                    ItemStatus::Warn,
                    diff.join("; "),
                )
            }
        }
        Err(e) => Item::new(
            id,
            label,
            Class::Advisory,
            ItemStatus::Warn,
            format!("live rows unknown: {e}"),
        ),
    });
    // The scratch database grows to about the live one's size beside it.
    let need = crate::engine::plan::postgres_size(ctx.docker, ctx.profile, c)
        .await
        .unwrap_or(0);
    items.extend(docker_disk(ctx, c, need).await);
    let _ = p;
}

async fn redis_items(
    ctx: &Ctx<'_>,
    p: &Prepared,
    c: &Component,
    info: &ContainerInfo,
    fp: Option<&Value>,
    items: &mut Vec<Item>,
) {
    let rdb = p.staged(&c.file);
    let id = format!("redis-rdb:{}", c.name);
    let label = format!("{}: the target Redis reads the archived RDB", c.name);
    let rdb_version = fp
        .and_then(|f| f.get("rdb_version"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    items.push(match redis::check_any(ctx, info, &rdb).await {
        Ok(()) => Item::new(
            id,
            label,
            Class::Never,
            ItemStatus::Ok,
            format!(
                "redis-check-rdb in {} accepts it (RDB version {rdb_version})",
                info.name
            ),
        ),
        Err(e) => Item::new(id, label, Class::Never, ItemStatus::Fail, e.to_string()).compat(),
    });
    let target = redis::target_any(ctx, c, info).await;
    let dir = target.as_ref().ok().map(|t| t.dir.clone());
    let backup_aof = fp
        .and_then(|f| f.get("appendonly"))
        .and_then(Value::as_bool);
    if let Ok(t) = &target {
        items.push(Item::new(
            format!("redis-aof:{}", c.name),
            format!("{}: append-only file", c.name),
            Class::Advisory,
            ItemStatus::Ok,
            format!(
                "live appendonly {}, backup {}{}",
                if t.appendonly { "yes" } else { "no" },
                match backup_aof { Some(true) => "yes", Some(false) => "no", None => "?" },
                if t.appendonly { ": the RDB is also installed as the AOF's base, so Redis loads the backup's keys" } else { "" }
            ),
        ));
        let id = format!("live:{}", c.name);
        let label = format!("{}: live against the backup", c.name);
        let rec = fp
            .and_then(|f| f.get("keys"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let keys = if serving(info) {
            live::redis_keys(ctx, &info.name, &t.creds).await
        } else {
            Err(crate::engine::error::Error::Other(format!(
                "{} does not run",
                info.name
            )))
        };
        items.push(match keys {
            Ok((keys, _)) if keys == rec => Item::new(
                id,
                label,
                Class::Advisory,
                ItemStatus::Ok,
                format!("live {} keys, backup {}", group(keys), group(rec)),
            ),
            Ok((keys, _)) => Item::new(
                id,
                label,
                Class::Advisory,
                ItemStatus::Warn,
                format!("live {} keys, backup {}", group(keys), group(rec)),
            ),
            Err(e) => Item::new(
                id,
                label,
                Class::Advisory,
                ItemStatus::Warn,
                format!("live keys unknown: {e}"),
            ),
        });
    } else if let Err(e) = target {
        items.push(Item::new(
            format!("redis-aof:{}", c.name),
            format!("{}: append-only file", c.name),
            Class::Never,
            ItemStatus::Fail,
            e.to_string(),
        ));
    }
    let dir = dir
        .or(c.data_path.clone())
        .unwrap_or_else(|| "/data".into());
    items.push(data_item(c, info, &dir));
    let need = std::fs::metadata(&rdb).map(|m| m.len() * 2).unwrap_or(0);
    items.extend(docker_disk(ctx, c, need).await);
}

async fn folder_items(
    ctx: &Ctx<'_>,
    p: &Prepared,
    c: &Component,
    info: &ContainerInfo,
    fp: Option<&Value>,
    items: &mut Vec<Item>,
) {
    let recorded_path = p.details(&c.name).and_then(|d| d.data_path.clone());
    let live_path = if c.kind == Kind::Chroma && serving(info) {
        chroma::persist_path(ctx.docker, c, info).await.ok()
    } else if c.kind == Kind::Chroma {
        // Not running: the recorded path, if the container still mounts it.
        recorded_path
            .clone()
            .filter(|p| DataFolder::of(info, p).is_ok())
    } else {
        c.data_path.clone()
    };
    let path = live_path
        .clone()
        .or(recorded_path.clone())
        .unwrap_or_default();
    if c.kind == Kind::Chroma {
        let id = format!("persist-path:{}", c.name);
        let label = format!("{}: persist path", c.name);
        items.push(match (&recorded_path, &live_path) {
            (Some(r), Some(l)) if r.trim_end_matches('/') == l.trim_end_matches('/') => Item::new(id, label, Class::Waivable, ItemStatus::Ok, format!("{l} as at backup time")),
            (r, l) => Item::new(id.clone(), label, Class::Waivable, ItemStatus::Fail, format!("backup {}, live {}: the data would land where Chroma may not read it (--accept {id})", r.as_deref().unwrap_or("?"), l.as_deref().unwrap_or("not found"))).compat(),
        });
        let id = format!("live:{}", c.name);
        let label = format!("{}: live against the backup", c.name);
        let rec = fp
            .and_then(|f| f.get("collections"))
            .cloned()
            .unwrap_or(Value::Null);
        let live = if serving(info) {
            live::chroma_collections(ctx, &info.name).await
        } else {
            None
        };
        items.push(match live {
            Some(live) if live == rec => Item::new(
                id,
                label,
                Class::Advisory,
                ItemStatus::Ok,
                format!("live matches the backup: {live}"),
            ),
            Some(live) => Item::new(
                id,
                label,
                Class::Advisory,
                ItemStatus::Warn,
                format!("live {live}, backup {rec}"),
            ),
            None => Item::new(
                id,
                label,
                Class::Advisory,
                ItemStatus::Warn,
                "live collections unknown (the v2 API did not answer)",
            ),
        });
    }
    items.push(data_item(c, info, &path));
    let need = fp
        .and_then(|f| f.get("bytes"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    items.extend(docker_disk(ctx, c, need).await);
}

/// An exec component: its container must run; its restore command cannot be undone.
async fn exec_items(ctx: &Ctx<'_>, p: &Prepared, c: &Component) -> Vec<Item> {
    let container = c.main_container().unwrap_or_default();
    let running = matches!(ctx.docker.inspect(container).await, Ok(Some(ref i)) if serving(i));
    vec![
        Item::new(
            format!("container:{}", c.name),
            format!("{}: container", c.name),
            Class::Never,
            if running { ItemStatus::Ok } else { ItemStatus::Fail },
            if running { format!("{container} runs") } else { format!("{container} does not run: its restore command runs in it") },
        ),
        Item::new(
            format!("exec:{}", c.name),
            format!("{}: restore command", c.name),
            Class::Waivable,
            ItemStatus::Fail,
            format!(
                "`{}` is fed {} and replaces data lifeboat cannot keep aside: it runs last and is never rolled back (--accept exec:{})",
                c.restore_command.join(" "),
                c.file,
                c.name
            ),
        )
        .manual(format!(
            "tar -xzf {} -O {}/{} | docker exec -i {container} {}",
            p.archive.display(),
            p.backup_name,
            c.file,
            c.restore_command.join(" ")
        )),
    ]
}

/// A files component: what `--restore-config` writes beside the live files.
fn config_items(p: &Prepared, c: &Component) -> Vec<Item> {
    let (files, notes) = super::config::plan(c, p);
    let mut items = vec![Item::new(
        format!("config:{}", c.name),
        format!("{}: configuration files", c.name),
        Class::Advisory,
        if files.is_empty() {
            ItemStatus::Warn
        } else {
            ItemStatus::Ok
        },
        format!(
            "{} files written beside the live ones as <file>.restored-{}, never over them; apply with `lifeboat restore --apply-config {}`{}",
            files.len(),
            p.id,
            p.id,
            if notes.is_empty() {
                String::new()
            } else {
                format!("; {}", notes.join("; "))
            }
        ),
    )];
    for f in &files {
        for key in &f.secrets_needed {
            items.push(Item::new(
                format!("secret-needed:{}:{key}", c.name),
                format!("{}: a secret the backup redacted", c.name),
                Class::Advisory,
                ItemStatus::Warn,
                format!("{key} was redacted in the backup and {} has no value for it: the restored file keeps {}; set it before applying", f.live.display(), crate::engine::redact::PLACEHOLDER),
            ));
        }
        if f.placeholders && f.secrets_needed.is_empty() {
            items.push(Item::new(
                format!("placeholders:{}:{}", c.name, f.name),
                format!("{}: redacted values in {}", c.name, f.name),
                Class::Advisory,
                ItemStatus::Warn,
                format!("{} keeps its redacted values (not a KEY=VALUE file: nothing merged); keys that differ: {}", f.name, if f.differing.is_empty() { "none".into() } else { f.differing.join(", ") }),
            ));
        }
    }
    items
}

/// The data folder must be on a volume or bind mount for the swap.
fn data_item(c: &Component, info: &ContainerInfo, path: &str) -> Item {
    let id = format!("data:{}", c.name);
    let label = format!("{}: data folder", c.name);
    match DataFolder::of(info, path) {
        Ok(_) => Item::new(
            id,
            label,
            Class::Never,
            ItemStatus::Ok,
            format!(
                "{path} of {} is on a mount: swapped by rename, old data kept until commit",
                info.name
            ),
        ),
        Err(e) => Item::new(id, label, Class::Never, ItemStatus::Fail, e.to_string()),
    }
}

/// The new data beside the old needs room on Docker's filesystem.
async fn docker_disk(ctx: &Ctx<'_>, c: &Component, need: u64) -> Option<Item> {
    let root = ctx.docker.root_dir().await?;
    let mut item = disk_item(
        &format!("disk:{}", c.name),
        &format!("{}'s new data beside the old", c.name),
        Path::new(&root),
        need,
    );
    item.detail = format!(
        "Docker's filesystem ({}); the old data is kept until the restore commits",
        item.detail
    );
    Some(item)
}
