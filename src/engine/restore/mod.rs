//! Restore (DESIGN.md section 5): a plan first (the archive staged and proven, the checklist
//! evaluated for real), then execution: every component checked in staging before anything
//! stops, then per component stop → swap keeping the old data → start → fingerprint checks,
//! all-or-nothing unless `--keep-partial`.

pub mod checklist;
pub mod config;
pub mod fill;
pub mod live;
pub mod oneoff;
pub mod pg;
pub mod pgdata;
pub mod plan_items;
pub mod prepare;
pub mod redis;
pub mod run;
pub mod safety;
pub mod session;
pub mod settle;
mod units;
pub mod volume;

use std::path::PathBuf;

use std::time::Duration;

use crate::engine::archive::Manifest;
use crate::engine::docker::{Docker, ExecRequest};
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::stack::{Component, Kind, Profile};

pub use checklist::{Class, Item, ItemStatus};
pub use prepare::{Prepared, prepare};
pub use run::{RestoreOutcome, RunOptions, execute};

/// What every restore step works with.
pub struct Ctx<'a> {
    pub docker: &'a Docker,
    pub profile: &'a Profile,
    pub reporter: &'a dyn Reporter,
    pub cancel: &'a Cancel,
    /// The restore id: suffix of the scratch database, the kept old data, one-off names.
    pub id: String,
}

/// How long a short command (a query, a count) may take.
const SHORT: Duration = Duration::from_secs(120);

impl Ctx<'_> {
    /// A short command, killed on cancel or after [`SHORT`].
    pub fn short(&self, req: ExecRequest) -> ExecRequest {
        req.cancel(self.cancel).timeout(SHORT)
    }
}

/// The restore selection of DESIGN.md section 3.
#[derive(Debug, Clone, Default)]
pub struct RestoreSelection {
    /// `--component` / `--only`: replaces the default set.
    pub components: Vec<String>,
    /// `--skip`.
    pub skip: Vec<String>,
    /// `--restore-config`: adds the `files` components.
    pub restore_config: bool,
}

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct RestoreRequest<'a> {
    pub profile: &'a Profile,
    pub archive: PathBuf,
    pub selection: RestoreSelection,
    /// Staging root; the archive is extracted into `restore-<id>` under it.
    pub staging: PathBuf,
    pub state: PathBuf,
    /// `--accept ID`: waivable checklist items the operator acknowledged.
    pub accept: Vec<String>,
    pub keep_partial: bool,
    /// `--skip-validation --force`: a missing or mismatched sidecar is waived (item `sidecar`);
    /// the archive must still parse to its end with every component hash matching.
    pub skip_validation: bool,
}

/// The components to restore: every component the archive holds except `files` ones, unless
/// `--component` names them; `--skip` removes; `--restore-config` adds the `files` ones.
/// Unknown names and an empty selection are usage errors.
pub fn select(
    profile: &Profile,
    manifest: &Manifest,
    sel: &RestoreSelection,
) -> Result<Vec<Component>> {
    for n in sel.components.iter().chain(&sel.skip) {
        if !manifest.components.contains(n) {
            return Err(Error::Usage(format!(
                "component {n:?} is not in this archive (it holds: {})",
                manifest.components.join(", ")
            )));
        }
        if profile.component(n).is_none() {
            return Err(Error::Usage(format!(
                "component {n:?} is not in profile {} (known: {})",
                profile.name,
                profile.names()
            )));
        }
    }
    let mut chosen = Vec::new();
    for name in &manifest.components {
        let Some(c) = profile.component(name) else {
            continue;
        };
        let wanted = if sel.components.is_empty() {
            c.kind != Kind::Files || sel.restore_config
        } else {
            sel.components.contains(name) || (sel.restore_config && c.kind == Kind::Files)
        };
        if wanted && !sel.skip.contains(name) {
            chosen.push(c.clone());
        }
    }
    if chosen.is_empty() {
        return Err(Error::Usage(
            "nothing to restore: the selection is empty (the archive holds: ".to_string()
                + &manifest.components.join(", ")
                + ")",
        ));
    }
    Ok(chosen)
}

/// Whether the container really runs: a crash-looping one is "restarting" (Docker counts it
/// as running, but nothing can be run in it).
pub fn serving(info: &crate::engine::docker::ContainerInfo) -> bool {
    info.state == "running"
}

/// A restore id: the start time, also the suffix of everything the restore creates.
pub fn new_id() -> String {
    jiff::Zoned::now().strftime("%Y%m%d%H%M%S").to_string()
}
