//! The plan of a restore: the archive staged and proven, the selected components, their rows
//! and the checklist as evaluated. Plain data every step reads; built by `prepare`.

use std::path::PathBuf;

use serde::Serialize;

use super::checklist::Item;
use super::rows::PlanRow;
use crate::engine::archive::{ComponentDetails, Manifest};
use crate::engine::stack::Component;

/// A staged, checked restore waiting to run.
#[derive(Debug, Serialize)]
pub struct Prepared {
    pub id: String,
    pub archive: PathBuf,
    /// SHA-256 of the archive as read into staging: the restore's identity of the archive.
    pub sha256: String,
    pub backup_name: String,
    pub captured_at: String,
    #[serde(skip)]
    pub manifest: Manifest,
    pub components: Vec<String>,
    /// What each selected component stops, replaces, moves and must meet afterwards.
    pub rows: Vec<PlanRow>,
    #[serde(skip)]
    pub selected: Vec<Component>,
    /// Where the archive's files were extracted (removed when the restore ends).
    pub stage_dir: PathBuf,
    pub items: Vec<Item>,
}

impl Prepared {
    pub fn details(&self, c: &str) -> Option<&ComponentDetails> {
        self.manifest.details().get(c)
    }

    /// A staged file of the archive.
    pub fn staged(&self, rel: &str) -> PathBuf {
        self.stage_dir.join(rel)
    }
}
