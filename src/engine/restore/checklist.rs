//! The pre-restore checklist: items with fixed ids (a contract for scripts, listed in
//! docs/runbook.md), each with a status, a one-line detail, the manual command, and a class
//! saying whether `--accept ID` may waive it; and the builders of the items more than one
//! check makes (disk space, the PostgreSQL version).

use std::path::Path;

use serde::Serialize;

use crate::engine::plan::fs_space;
use crate::engine::stack::Component;

/// Whether an item can be waived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Never waivable: checksums, format, lock, an older PostgreSQL, a newer RDB, ...
    Never,
    /// `--accept ID` waives it (journalled; exit 3).
    Waivable,
    /// Shown for the operator's judgement; never blocks.
    Advisory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Ok,
    Waived,
    Warn,
    Fail,
}

/// One checklist item.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    pub label: String,
    pub status: ItemStatus,
    pub class: Class,
    pub detail: String,
    /// The command an operator would run to check or do this by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual: Option<String>,
    /// A failure of this item is a compatibility refusal (exit 14), not a plain one (exit 1).
    #[serde(skip)]
    pub compatibility: bool,
}

impl Item {
    pub fn new(
        id: impl Into<String>,
        label: impl Into<String>,
        class: Class,
        status: ItemStatus,
        detail: impl Into<String>,
    ) -> Item {
        Item {
            id: id.into(),
            label: label.into(),
            status,
            class,
            detail: detail.into(),
            manual: None,
            compatibility: false,
        }
    }

    pub fn manual(mut self, cmd: impl Into<String>) -> Item {
        self.manual = Some(cmd.into());
        self
    }

    pub fn compat(mut self) -> Item {
        self.compatibility = true;
        self
    }

    /// Blocks the restore: a failure nobody waived (advisory items never block).
    pub fn blocks(&self) -> bool {
        self.status == ItemStatus::Fail && self.class != Class::Advisory
    }
}

/// Applies `--accept`: waivable failures named there become `waived`. Every accepted id must
/// name a waivable item of this checklist, or the acceptance is a mistake worth stopping for.
pub fn apply_accept(items: &mut [Item], accept: &[String]) -> Result<(), String> {
    for id in accept {
        // `no-safety-backup` waives the safety backup whatever its status: none is taken.
        let (id, always) = match id.as_str() {
            "no-safety-backup" => ("safety-backup", true),
            other => (other, false),
        };
        let Some(item) = items.iter_mut().find(|i| i.id == id) else {
            let known: Vec<&str> = items
                .iter()
                .filter(|i| i.class == Class::Waivable)
                .map(|i| i.id.as_str())
                .collect();
            return Err(format!(
                "--accept {id}: no such checklist item (waivable here: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ));
        };
        match item.class {
            Class::Waivable if always => {
                item.status = ItemStatus::Waived;
                item.detail = "no safety backup is taken (--accept no-safety-backup): the replaced data is kept only until the restore commits".into();
            }
            Class::Waivable if item.status == ItemStatus::Fail => item.status = ItemStatus::Waived,
            Class::Waivable => {}
            _ => {
                return Err(format!(
                    "--accept {id}: this item can never be waived ({})",
                    item.detail
                ));
            }
        }
    }
    Ok(())
}

/// The first item that blocks the restore, if any.
pub fn blocker(items: &[Item]) -> Option<&Item> {
    items.iter().find(|i| i.blocks())
}

/// Free space on the filesystem of `path` against `need` bytes.
pub fn disk_item(id: &str, what: &str, path: &Path, need: u64) -> Item {
    let human = |b| humansize::format_size(b, humansize::BINARY);
    match fs_space(path) {
        Some((free, _, _)) if free < need => Item::new(
            id,
            format!("disk for {what}"),
            Class::Waivable,
            ItemStatus::Fail,
            format!(
                "{}: needs {}, {} free",
                path.display(),
                human(need),
                human(free)
            ),
        )
        .manual(format!("df -h {}", path.display())),
        Some((free, _, _)) => Item::new(
            id,
            format!("disk for {what}"),
            Class::Waivable,
            ItemStatus::Ok,
            format!(
                "{}: needs {}, {} free",
                path.display(),
                human(need),
                human(free)
            ),
        ),
        None => Item::new(
            id,
            format!("disk for {what}"),
            Class::Waivable,
            ItemStatus::Warn,
            format!("{}: free space unknown", path.display()),
        ),
    }
}

/// The postgres server major versions: live against the backup's.
pub fn pg_version_item(c: &Component, live_major: u32, recorded: Option<&str>) -> Item {
    let id = format!("pg-version:{}", c.name);
    let label = format!("{}: PostgreSQL version", c.name);
    let Some(rec) = recorded.and_then(super::pg::major) else {
        return Item::new(
            id,
            label,
            Class::Advisory,
            ItemStatus::Warn,
            "the backup did not record a server version",
        );
    };
    if live_major < rec {
        Item::new(id, label, Class::Never, ItemStatus::Fail, format!("the target runs PostgreSQL {live_major}, older than the backup's {rec}: a newer dump may not load"))
            .compat()
    } else if live_major > rec {
        Item::new(id, label, Class::Waivable, ItemStatus::Fail, format!("the target runs PostgreSQL {live_major}, newer than the backup's {rec} (usually fine: --accept pg-version:{})", c.name))
            .compat()
    } else {
        Item::new(
            id,
            label,
            Class::Never,
            ItemStatus::Ok,
            format!("PostgreSQL {live_major} on both"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<Item> {
        vec![
            Item::new("checksums", "c", Class::Never, ItemStatus::Ok, "ok"),
            Item::new(
                "image:redis",
                "i",
                Class::Waivable,
                ItemStatus::Fail,
                "changed",
            ),
            Item::new(
                "pg-version:postgres",
                "p",
                Class::Never,
                ItemStatus::Fail,
                "older",
            )
            .compat(),
            Item::new(
                "live:redis",
                "l",
                Class::Advisory,
                ItemStatus::Fail,
                "0 keys",
            ),
        ]
    }

    #[test]
    fn accept_waives_only_waivable_items() {
        let mut it = items();
        assert!(blocker(&it).is_some_and(|i| i.id == "image:redis"));
        apply_accept(&mut it, &["image:redis".into()]).unwrap();
        assert_eq!(it[1].status, ItemStatus::Waived);
        assert_eq!(
            blocker(&it).map(|i| i.id.as_str()),
            Some("pg-version:postgres")
        );
        let e = apply_accept(&mut it, &["pg-version:postgres".into()]).unwrap_err();
        assert!(e.contains("can never be waived"), "{e}");
        let e = apply_accept(&mut it, &["nope".into()]).unwrap_err();
        assert!(e.contains("waivable here: image:redis"), "{e}");
    }

    #[test]
    fn advisory_failures_never_block() {
        let it = vec![items().remove(3)];
        assert!(blocker(&it).is_none());
    }
}
