//! The plan's rows, one per selected component: what it stops, what it replaces, the bytes it
//! moves and the fingerprint it must meet afterwards. `restore --dry-run`, the `restore_plan`
//! JSON event and the wizard's plan screen all show these rows.

use serde::Serialize;

use crate::engine::archive::ComponentDetails;
use crate::engine::stack::{Component, Kind};
use crate::engine::text::group;

/// One component of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanRow {
    pub name: String,
    pub kind: String,
    /// Containers stopped for its swap: its own, then its dependents.
    pub stops: Vec<String>,
    /// What is replaced, in words.
    pub replaces: String,
    /// The bytes the archive holds for it (its file and extra files).
    pub bytes: u64,
    /// What the backup recorded, in a few words: the fingerprint checked after the swap.
    pub expected: Option<String>,
}

/// The row of component `c` restored from `details`.
pub fn row(c: &Component, details: Option<&ComponentDetails>) -> PlanRow {
    let mut stops = c.containers.clone();
    for d in &c.dependents {
        if !stops.contains(d) {
            stops.push(d.clone());
        }
    }
    if c.kind == Kind::Files || c.kind == Kind::Exec {
        stops.clear();
    }
    PlanRow {
        name: c.name.clone(),
        kind: c.kind.as_str().to_string(),
        stops,
        replaces: replaces(c),
        bytes: details
            .map(|d| d.size + d.extra_files.iter().map(|f| f.size).sum::<u64>())
            .unwrap_or(0),
        expected: details
            .and_then(|d| d.fingerprint.as_ref())
            .and_then(expected),
    }
}

/// What a restore of `c` replaces, in words.
pub fn replaces(c: &Component) -> String {
    let main = c.main_container().unwrap_or("its container");
    match c.kind {
        Kind::Postgres => {
            format!("its database in {main} (the old one kept until the restore commits)")
        }
        Kind::Redis => format!("the Redis data of {main}"),
        Kind::Chroma => format!("the Chroma data of {main}"),
        Kind::Volume => match &c.volume {
            Some(v) => format!("volume {v}"),
            None => format!("the data of {main}"),
        },
        Kind::Files => "nothing: the files are written beside the live ones, for review".into(),
        Kind::Exec => format!("what its restore command changes in {main} (it cannot be undone)"),
    }
}

/// What a recorded fingerprint promises, in a few words: "3 tables, 12,340 rows".
pub fn expected(fp: &serde_json::Value) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(t) = fp.get("tables").and_then(|t| t.as_object()) {
        let rows: u64 = t.values().filter_map(|v| v.as_u64()).sum();
        parts.push(format!("{} tables, {} rows", t.len(), group(rows)));
    }
    if let Some(k) = fp.get("keys").and_then(|k| k.as_u64()) {
        parts.push(format!("{} keys", group(k)));
    }
    if let Some(c) = fp.get("collections").and_then(|c| c.as_object()) {
        let n: u64 = c.values().filter_map(|v| v.as_u64()).sum();
        parts.push(format!("{} collections, {} records", c.len(), group(n)));
    }
    if let Some(f) = fp.get("files").and_then(|f| f.as_u64()) {
        let bytes = fp.get("bytes").and_then(|b| b.as_u64()).unwrap_or(0);
        parts.push(format!(
            "{} files, {}",
            group(f),
            humansize::format_size(bytes, humansize::BINARY)
        ));
    }
    if let Some(s) = fp.get("sources").and_then(|s| s.as_array()) {
        parts.push(format!("{} files", s.len()));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}
