//! The restore's session around its run, for the driver: arming it under the host lock
//! (refusing while an interrupted restore is unsettled, clearing what killed restores left in
//! staging), the `lock` checklist item, and the journal's first record.

use std::path::{Path, PathBuf};

use super::checklist::{Class, Item, ItemStatus};
use super::plan::Prepared;
use crate::engine::error::Result;
use crate::engine::journal::{self, Begin, Journal};
use crate::engine::lock::HostLock;

/// Takes the host lock for a restore (held until the returned guard drops); refuses (15)
/// while a journal is unsettled, then removes staging leftovers of killed restores.
pub fn arm(lock: &Path, state: &Path, staging: &Path, who: &str) -> Result<HostLock> {
    let held = HostLock::try_acquire(lock, who)?;
    // Under the lock every unsettled journal is an interrupted restore: settle it first.
    if let Some(r) = journal::unsettled(state)?.first() {
        return Err(journal::refuse(r));
    }
    clean_staging(staging);
    // A safety backup a killed restore was writing never committed: its `.partial` goes.
    crate::engine::backup::clean_leftovers(&super::safety::dir(state), staging);
    Ok(held)
}

/// Removes the staging folders killed restores left (their journals are settled by now; their
/// safety spools, `backup-safety-<id>`, go with the other spools in `clean_leftovers`).
fn clean_staging(staging: &Path) {
    let Ok(rd) = std::fs::read_dir(staging) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("restore-") && e.path().is_dir() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// The checklist's `lock` item: held by this restore, or by whom it is held.
pub fn lock_item(lock: &Path, held: bool) -> Item {
    let path = lock.display().to_string();
    if held {
        return Item::new(
            "lock",
            "the host lock",
            Class::Never,
            ItemStatus::Ok,
            format!("{path} held by this restore"),
        );
    }
    let holder = crate::engine::lock::read_holder(lock)
        .map(|h| format!("{} (pid {})", h.command, h.pid))
        .unwrap_or_else(|| "another lifeboat".into());
    Item::new(
        "lock",
        "the host lock",
        Class::Never,
        ItemStatus::Fail,
        format!("{path} is held by {holder}"),
    )
}

/// Who asked for the restore, for its journal.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The profile as named when it loaded (`None`: the configured default) and the project.
    pub profile_spec: Option<String>,
    pub project: Option<String>,
    pub keep_partial: bool,
    /// The restore this one undoes (`--undo`).
    pub undoes: Option<String>,
}

/// Begins the journal of a confirmed restore: from here on every step is recorded.
pub fn begin(state: &Path, p: &Prepared, profile: &str, origin: &Origin) -> Result<Journal> {
    let archive: PathBuf = std::path::absolute(&p.archive).unwrap_or(p.archive.clone());
    Journal::create(
        state,
        Begin {
            id: p.id.clone(),
            pid: std::process::id(),
            archive,
            archive_sha256: p.sha256.clone(),
            profile_spec: origin.profile_spec.clone(),
            project: origin.project.clone(),
            profile: profile.to_string(),
            components: p.components.clone(),
            keep_partial: origin.keep_partial,
            undoes: origin.undoes.clone(),
        },
    )
}
