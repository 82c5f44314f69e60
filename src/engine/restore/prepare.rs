//! The restore plan: the archive read once, hashed and extracted into a private staging folder
//! (the bytes restored are the bytes verified), then the checklist evaluated for real against
//! the live stack. Nothing here stops or changes anything; `--dry-run` ends here.

use std::path::Path;

use super::checklist::{Class, Item, ItemStatus, disk_item};
use super::ctx::Ctx;
use super::plan::Prepared;
use super::request::{StageRequest, select};
use super::rows::{PlanRow, row};
use crate::engine::archive::reader::{self, ReadOptions, SidecarPolicy};
use crate::engine::archive::{Manifest, commit, peek};
use crate::engine::error::{Error, Result};
use crate::engine::stack::{Component, Kind};

/// The manual restore commands of the runbook, for an archive lifeboat will not restore.
fn manual_commands(archive: &Path, name: &str) -> String {
    let a = archive.display();
    format!(
        "restore it by hand, following docs/runbook.md section 5: sha256sum -c {a}.sha256 && tar -xzf {a} -C /tmp; \
         load /tmp/{name}/postgres.sql.gz with psql -X -v ON_ERROR_STOP=1 into a new, empty database first and rename it in only once it loaded; \
         for Redis with appendonly yes install the RDB as the AOF base too, or it starts empty; \
         for Chroma empty the stopped volume before tar -xzf, keeping the old files aside"
    )
}

/// Reads and stages the archive, then evaluates the checklist. `Err` only for what ends the
/// restore before a plan exists (a damaged archive, a version-1 archive, a bad selection).
pub async fn prepare(ctx: &Ctx<'_>, req: &StageRequest<'_>) -> Result<Prepared> {
    let peeked = peek::read_manifest(&req.archive)?;
    if peeked.is_v1() {
        return Err(Error::Incompatible(format!(
            "{}: a version-1 (T.A.R.S. script) archive: lifeboat restores only archives it wrote, with their fingerprints; {}",
            req.archive.display(),
            manual_commands(&req.archive, &peeked.backup_name)
        )));
    }
    let selected = select(req.profile, &peeked, &req.selection)?;
    let mut items = Vec::new();
    let need: u64 = peeked.details().values().map(|d| d.size).sum::<u64>() + (1 << 20);
    let mut staging_disk = disk_item("disk:staging", "staging", &req.staging, need);
    // Without room the archive is never read: nothing to waive.
    staging_disk.class = Class::Never;
    let room = staging_disk.status != ItemStatus::Fail;
    items.push(staging_disk);
    let stage_dir = req.staging.join(format!("restore-{}", ctx.id));
    if !room {
        return Ok(Prepared {
            id: ctx.id.clone(),
            archive: req.archive.clone(),
            sha256: String::new(),
            backup_name: peeked.backup_name.clone(),
            captured_at: peeked.timestamp.clone(),
            components: selected.iter().map(|c| c.name.clone()).collect(),
            rows: rows_of(&selected, &peeked),
            selected,
            manifest: peeked,
            stage_dir,
            items,
        });
    }
    commit::create_dir_private(&req.staging)?;
    commit::create_dir_private(&stage_dir)?;
    let opts = ReadOptions {
        sidecar: if req.skip_validation {
            SidecarPolicy::Waived
        } else {
            SidecarPolicy::Required
        },
        stage_into: Some(stage_dir.clone()),
        inner_tars: true,
    };
    let read =
        tokio::task::block_in_place(|| reader::read(&req.archive, &opts, ctx.reporter, ctx.cancel));
    let report = match read {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&stage_dir);
            return Err(e);
        }
    };
    let manifest = report.manifest.clone().unwrap_or(peeked);
    let sha256 = hex::encode(report.sha256);
    if let Some(w) = report.warnings.iter().find(|w| w.contains("sidecar")) {
        items.push(
            Item::new(
                "sidecar",
                "the archive against its sidecar",
                Class::Waivable,
                ItemStatus::Waived,
                format!("{w}; waived by --skip-validation --force: every entry and component hash matched"),
            )
            .manual(format!("sha256sum -c {}.sha256", req.archive.display())),
        );
    }
    items.insert(
        0,
        Item::new(
            "checksums",
            "archive and component checksums",
            Class::Never,
            ItemStatus::Ok,
            format!(
                "{} {} component hashes match (SHA-256 {}…), staged in {}",
                if report.warnings.iter().any(|w| w.contains("sidecar")) {
                    "sidecar check waived;"
                } else {
                    "sidecar and"
                },
                manifest.checksums.len(),
                &sha256[..12],
                stage_dir.display()
            ),
        )
        .manual(format!("sha256sum -c {}.sha256", req.archive.display())),
    );
    items.insert(
        1,
        Item::new(
            "format",
            "manifest format",
            Class::Never,
            ItemStatus::Ok,
            format!("format {}", manifest.format()),
        ),
    );
    let prepared = Prepared {
        id: ctx.id.clone(),
        archive: req.archive.clone(),
        sha256,
        backup_name: manifest.backup_name.clone(),
        captured_at: manifest.timestamp.clone(),
        components: selected.iter().map(|c| c.name.clone()).collect(),
        rows: rows_of(&selected, &manifest),
        selected,
        manifest,
        stage_dir,
        items,
    };
    let mut items = prepared.items.clone();
    for c in &prepared.selected {
        items.extend(super::plan_items::component_items(ctx, &prepared, c).await);
    }
    items.extend(general_items(req, &prepared));
    Ok(Prepared { items, ..prepared })
}

fn rows_of(selected: &[Component], m: &Manifest) -> Vec<PlanRow> {
    selected
        .iter()
        .map(|c| row(c, m.details().get(&c.name)))
        .collect()
}

/// Items about the restore as a whole: data-loss window, capture spread, origin, safety.
fn general_items(req: &StageRequest<'_>, p: &Prepared) -> Vec<Item> {
    let mut items = Vec::new();
    let names = p.components.join(", ");
    let age = crate::engine::catalog::ago(p.manifest.instant());
    items.push(Item::new(
        "data-loss-window",
        "data-loss window",
        Class::Advisory,
        ItemStatus::Warn,
        format!(
            "changes to {names} since {}{age} are discarded",
            p.captured_at
        ),
    ));
    items.push(safety_item(req, p));
    let times: Vec<jiff::Timestamp> = p
        .components
        .iter()
        .filter_map(|c| p.details(c)?.captured_at.as_deref()?.parse().ok())
        .collect();
    if let (Some(min), Some(max)) = (times.iter().min(), times.iter().max()) {
        let spread = max.as_second() - min.as_second();
        items.push(Item::new(
            "capture-spread",
            "capture times of the selected components",
            Class::Advisory,
            if spread > 300 {
                ItemStatus::Warn
            } else {
                ItemStatus::Ok
            },
            format!("captured within {spread} s of each other"),
        ));
    }
    let host = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    let other_host = !p.manifest.host.is_empty() && p.manifest.host != host;
    let other_profile = p
        .manifest
        .profile
        .as_deref()
        .is_some_and(|pr| pr != req.profile.name);
    items.push(Item::new(
        "origin",
        "archive origin",
        Class::Advisory,
        if other_host || other_profile {
            ItemStatus::Warn
        } else {
            ItemStatus::Ok
        },
        format!(
            "made on host {} with profile {}{}",
            p.manifest.host,
            p.manifest.profile.as_deref().unwrap_or("?"),
            if other_host || other_profile {
                " (not this host or profile)"
            } else {
                ""
            }
        ),
    ));
    items
}

/// The safety backup: room for a copy of what is replaced (estimated from the backup's sizes)
/// in the safety folder. Waived (`--accept no-safety-backup`) means none is taken.
fn safety_item(req: &StageRequest<'_>, p: &Prepared) -> Item {
    let replaced: Vec<&Component> = p
        .selected
        .iter()
        .filter(|c| super::safety::needed(c.kind))
        .collect();
    let need: u64 = replaced
        .iter()
        .filter_map(|c| p.details(&c.name).map(|d| d.size))
        .sum::<u64>()
        + (1 << 20);
    let dir = super::safety::dir(&req.state);
    let probe = dir
        .ancestors()
        .find(|a| a.exists())
        .unwrap_or(Path::new("/"))
        .to_path_buf();
    let mut item = disk_item("safety-backup", "safety backup", &probe, need);
    item.label = "safety backup".into();
    let names: Vec<&str> = replaced.iter().map(|c| c.name.as_str()).collect();
    item.detail = format!(
        "{} copied as they are, inside each one's stop, into {} ({}); `restore --undo` puts them back",
        names.join(", "),
        dir.display(),
        item.detail
    );
    if replaced.is_empty() {
        item.status = ItemStatus::Ok;
        item.detail = "nothing live is replaced: no safety backup needed".into();
    }
    item
}

/// Kinds that restore by swapping a stopped container's data folder.
pub fn swaps_folder(kind: Kind) -> bool {
    matches!(kind, Kind::Redis | Kind::Chroma | Kind::Volume)
}
