//! Host files and folders (configuration): each file copied under the component's folder in
//! the archive (`config/<name>`), with secrets redacted by allowlist. The names of redacted keys
//! are recorded (a restore merges them back from the live files); the values never are.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::ctx::{Captured, Ctx};
use crate::engine::archive::ComponentDetails;
use crate::engine::error::{Error, Result};
use crate::engine::redact;
use crate::engine::stack::Component;

/// Largest host file copied (configuration, not data).
const MAX_FILE: u64 = 16 * 1024 * 1024;

/// Every regular file under `paths` with its name in the archive (relative to its root).
pub(crate) fn collect(paths: &[PathBuf]) -> (Vec<(PathBuf, String)>, Vec<String>) {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for p in paths {
        let base = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_file() => files.push((p.clone(), base)),
            Ok(m) if m.is_dir() => walk(p, &base, &mut files),
            Ok(_) => missing.push(format!("{} (not a regular file)", p.display())),
            Err(_) => missing.push(p.display().to_string()),
        }
    }
    (files, missing)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(PathBuf, String)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = format!("{prefix}/{}", e.file_name().to_string_lossy());
        match e.file_type() {
            Ok(t) if t.is_file() => out.push((e.path(), name)),
            Ok(t) if t.is_dir() => walk(&e.path(), &name, out),
            _ => {}
        }
    }
}

pub async fn capture(ctx: &Ctx<'_>, c: &Component) -> Result<Captured> {
    let folder = c.file.trim_end_matches('/').to_string();
    let (files, missing) = collect(&c.paths);
    if files.is_empty() {
        return Err(Error::Other(format!(
            "component {}: none of its files exist ({})",
            c.name,
            missing.join(", ")
        )));
    }
    let details = ComponentDetails {
        kind: Some("files".into()),
        captured_at: Some(jiff::Timestamp::now().to_string()),
        capture_mode: Some("live_copy".into()),
        ..Default::default()
    };
    let mut cap = Captured::new(details);
    cap.folder = Some(folder.clone());
    let mut redacted = serde_json::Map::new();
    let mut sources = serde_json::Map::new();
    for (path, name) in &files {
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if len > MAX_FILE {
            cap.warnings.push(format!(
                "component {}: {} is larger than {} MiB and was left out",
                c.name,
                path.display(),
                MAX_FILE >> 20
            ));
            continue;
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, "read", e))?;
        let r = redact::redact(name, &bytes);
        let mut w = ctx.spool.file(&format!("{folder}_{name}"))?;
        use std::io::Write;
        w.write_all(&r.bytes)
            .map_err(|e| Error::io(ctx.spool.dir(), "write", e))?;
        let spooled = w
            .finish()
            .map_err(|e| Error::io(ctx.spool.dir(), "write", e))?;
        cap.add(&spooled, &format!("{folder}/{name}"), false);
        if !r.keys.is_empty() {
            redacted.insert(name.clone(), json!(r.keys));
        }
        sources.insert(name.clone(), json!(path.display().to_string()));
    }
    for m in &missing {
        cap.warnings.push(format!(
            "component {}: {m} does not exist and was left out",
            c.name
        ));
    }
    cap.details.fingerprint = Some(json!({ "sources": sources, "redacted_keys": redacted }));
    Ok(cap)
}
