//! Configuration files (`files` components, only with `--restore-config`): never written over a
//! live file. Each archived file is written beside its live one as `<file>.restored-<id>`.
//! Line-based `KEY=VALUE` files are merged: the archive's lines, but a value the backup
//! redacted comes from the live file; a redacted key the live file lacks keeps its placeholder
//! ("secret needed"). Other formats keep their placeholders, with a key-only list of what
//! differs. `lifeboat restore --apply-config ID` swaps them in, never one with a placeholder.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::plan::Prepared;
use crate::engine::archive::commit;
use crate::engine::components::files;
use crate::engine::error::{Error, Result};
use crate::engine::redact::{self, PLACEHOLDER};
use crate::engine::stack::Component;

/// One archived file and what its restore writes.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Name inside the component's folder (`tars-home.env`).
    pub name: String,
    pub live: PathBuf,
    /// The content to write as `<live>.restored-<id>`.
    pub content: Vec<u8>,
    /// Redacted keys the live file could not fill in.
    pub secrets_needed: Vec<String>,
    /// Keys whose lines differ between archive and live (never their values).
    pub differing: Vec<String>,
    /// Whether the content still holds a placeholder (then it is never applied).
    pub placeholders: bool,
}

/// The restored path beside a live file.
pub fn restored_path(live: &Path, id: &str) -> PathBuf {
    let mut s = live.as_os_str().to_owned();
    s.push(format!(".restored-{id}"));
    PathBuf::from(s)
}

fn pre_path(live: &Path, id: &str) -> PathBuf {
    let mut s = live.as_os_str().to_owned();
    s.push(format!(".pre-{id}"));
    PathBuf::from(s)
}

/// The key of an env-style line (`KEY=...`, `export KEY=...`), if it is an assignment.
fn env_key(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let t = t.strip_prefix("export ").map(str::trim_start).unwrap_or(t);
    let (k, _) = t.split_once('=')?;
    let k = k.trim_end();
    (!k.is_empty()
        && !k.starts_with('#')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)))
    .then_some(k)
}

/// Merges an archived env-style file with the live one (see the module documentation).
pub fn merge_env(archived: &str, live: &str) -> (String, Vec<String>, Vec<String>) {
    let live_lines: BTreeMap<&str, &str> = live
        .lines()
        .filter_map(|l| Some((env_key(l)?, l)))
        .collect();
    let mut out = String::new();
    let (mut needed, mut differing) = (Vec::new(), Vec::new());
    for line in archived.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let Some(key) = env_key(body) else {
            out.push_str(line);
            continue;
        };
        let live_line = live_lines.get(key).copied();
        if body.contains(PLACEHOLDER) {
            match live_line {
                Some(l) => {
                    out.push_str(l);
                    out.push_str(&line[body.len()..]);
                }
                None => {
                    needed.push(key.to_string());
                    out.push_str(line);
                }
            }
            continue;
        }
        if live_line != Some(body) {
            differing.push(key.to_string());
        }
        out.push_str(line);
    }
    (out, needed, differing)
}

/// What restoring the files component `c` from `p` would write, computed without writing.
/// Files the archive holds that the profile no longer names are left out, with a note: an
/// archive never chooses a path on the host.
pub fn plan(c: &Component, p: &Prepared) -> (Vec<ConfigFile>, Vec<String>) {
    let folder = c.file.trim_end_matches('/');
    let (current, _) = files::collect(&c.paths);
    let live_by_name: BTreeMap<String, PathBuf> = current
        .into_iter()
        .map(|(path, name)| (name, path))
        .collect();
    let prefix = format!("{folder}/");
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let names: Vec<String> = p
        .manifest
        .checksums
        .keys()
        .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
        .filter(|n| !n.is_empty() && !n.ends_with('/'))
        .collect();
    for name in names {
        let staged = p.staged(&format!("{prefix}{name}"));
        let Some(live) = live_by_name.get(&name).cloned().or_else(|| {
            // A file deleted since the backup: its place is the profile path of that name.
            c.paths
                .iter()
                .find(|path| {
                    path.file_name()
                        .is_some_and(|f| f.to_string_lossy() == name)
                })
                .cloned()
        }) else {
            notes.push(format!(
                "{}: {name} is not among the profile's paths any more: not restored",
                c.name
            ));
            continue;
        };
        let archived =
            String::from_utf8_lossy(&std::fs::read(&staged).unwrap_or_default()).into_owned();
        let live_text = std::fs::read(&live)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let (content, secrets_needed, differing) = if redact::is_env_style(&name, &archived) {
            merge_env(&archived, &live_text)
        } else {
            // Compared as the backup saw it: the live file redacted the same way.
            let live_redacted = redact::redact(&name, live_text.as_bytes()).bytes;
            let differing = if archived.as_bytes() == live_redacted.as_slice() {
                Vec::new()
            } else {
                vec!["(content differs)".to_string()]
            };
            (archived, Vec::new(), differing)
        };
        let placeholders = content.contains(PLACEHOLDER);
        out.push(ConfigFile {
            name,
            live,
            content: content.into_bytes(),
            secrets_needed,
            differing,
            placeholders,
        });
    }
    (out, notes)
}

/// Writes each file beside its live one (mode 0600: merged secrets are in it).
pub fn write(files: &[ConfigFile], id: &str) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for f in files {
        let path = restored_path(&f.live, id);
        let mut warnings = Vec::new();
        let Some(mut file) = commit::create_new(&path, &mut warnings)? else {
            return Err(Error::Other(format!("{} already exists", path.display())));
        };
        use std::io::Write;
        file.write_all(&f.content)
            .and_then(|_| file.sync_all())
            .map_err(|e| Error::io(&path, "write", e))?;
        written.push(path);
    }
    Ok(written)
}

/// `--apply-config ID`: swaps every `<file>.restored-<ID>` of the profile's files components in,
/// the live file kept as `<file>.pre-<ID>`. Refuses, changing nothing, while any of them holds
/// a placeholder.
pub fn apply(components: &[&Component], id: &str) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for c in components {
        let (current, _) = files::collect(&c.paths);
        let mut lives: Vec<PathBuf> = current.into_iter().map(|(p, _)| p).collect();
        lives.extend(c.paths.iter().cloned());
        lives.sort();
        lives.dedup();
        for live in lives {
            let restored = restored_path(&live, id);
            if restored.is_file() {
                found.push((live, restored));
            }
        }
    }
    if found.is_empty() {
        return Err(Error::NotFound(PathBuf::from(format!(
            "<config file>.restored-{id}"
        ))));
    }
    for (_, restored) in &found {
        let text = std::fs::read(restored).map_err(|e| Error::io(restored, "read", e))?;
        if String::from_utf8_lossy(&text).contains(PLACEHOLDER) {
            return Err(Error::Usage(format!(
                "{} still holds {PLACEHOLDER} values: put the real values in, then apply again; nothing was applied",
                restored.display()
            )));
        }
    }
    let mut applied = Vec::new();
    for (live, restored) in found {
        if let Ok(md) = std::fs::metadata(&live) {
            let _ = std::fs::set_permissions(
                &restored,
                std::fs::Permissions::from_mode(md.mode() & 0o7777),
            );
            let _ = std::os::unix::fs::chown(&restored, Some(md.uid()), Some(md.gid()));
            std::fs::rename(&live, pre_path(&live, id))
                .map_err(|e| Error::io(&live, "rename", e))?;
        }
        std::fs::rename(&restored, &live).map_err(|e| Error::io(&restored, "rename", e))?;
        applied.push(live);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_values_come_from_the_live_file_and_the_rest_from_the_archive() {
        let archived = "# settings\nLOG_LEVEL=info\nexport API_KEY=<REDACTED>\nWEBHOOK_URL=<REDACTED>\nDB_URL=postgres://u:<REDACTED>@db/x\n";
        let live = "LOG_LEVEL=debug\nexport API_KEY=sk-live-1\nDB_URL=postgres://u:pw@db/x\n";
        let (out, needed, differing) = merge_env(archived, live);
        assert_eq!(
            out,
            "# settings\nLOG_LEVEL=info\nexport API_KEY=sk-live-1\nWEBHOOK_URL=<REDACTED>\nDB_URL=postgres://u:pw@db/x\n"
        );
        assert_eq!(needed, ["WEBHOOK_URL"]);
        assert_eq!(differing, ["LOG_LEVEL"]);
    }
}
