//! The manifest model (`manifest.json`): format 2 as lifeboat writes it, and version 1 as the
//! T.A.R.S. `backup-tars.sh` wrote it, with that script's quirks read the way docs/design.md says.
//!
//! Parsing is defensive: the manifest is the first thing read from an archive nobody has
//! vouched for yet, so size, nesting, duplicate keys, numbers and names are all checked before
//! anything trusts it. Key names and shapes are fixed in docs/archive-format.md.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::names;
use crate::engine::text::sanitize;

/// The archive format this lifeboat writes.
pub const FORMAT: u32 = 2;
/// A manifest larger than this is refused before it is parsed.
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Deepest JSON nesting accepted (serde_json's own limit is 128).
const MAX_DEPTH: usize = 64;

/// `kind` of an archive: an ordinary backup or a pre-restore safety backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveKind {
    Backup,
    Safety,
}

/// `manifest.json`. Unknown keys are kept (in `extra`) so that re-serializing a newer
/// manifest loses nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Absent in version-1 archives; `2` for archives this lifeboat writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<u32>,
    /// The writing tool's version string (the T.A.R.S. script wrote its own, "1.0.12").
    pub version: String,
    /// Capture time, ISO 8601 with offset (`date -Iseconds` style).
    pub timestamp: String,
    /// `<prefix>-YYYYMMDD_HHMMSS`: the archive's base name and its inner folder.
    pub backup_name: String,
    /// Names of the components the archive holds (those that succeeded).
    pub components: Vec<String>,
    /// File name (relative to the inner folder) to SHA-256 hex.
    pub checksums: BTreeMap<String, String>,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub docker_volumes: Vec<String>,
    #[serde(default)]
    pub options: BTreeMap<String, Value>,
    /// Components that were selected but failed. Version 1 wrote `[""]` for none.
    #[serde(default)]
    pub failed_components: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ArchiveKind>,
    /// Backup-time warnings. `None` only in version-1 manifests, which have no such key;
    /// format 2 always writes it, `[]` when empty (use [`Manifest::warnings`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
    /// Per-component details; absent in version 1 (use [`Manifest::details`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<BTreeMap<String, ComponentDetails>>,
    /// Keys this lifeboat does not know (from a newer writer), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `details.<component>`: what was captured, how, and what to check a restore against.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ComponentDetails {
    /// Component kind (`postgres`, `redis`, `chroma`, `volume`, `files`, `exec`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The component's file in the archive; a folder (`config/`) for `files` components.
    pub file: String,
    /// Bytes of `file` (for a folder: the sum of its files).
    pub size: u64,
    /// SHA-256 of `file` (for a folder: the folder hash, see docs/archive-format.md).
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<String>,
    /// `logical_dump`, `stopped_copy`, `paused_copy` or `live_copy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_volume: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<Value>,
    /// Further files of this component (`postgres-globals.sql`; each file of a folder).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_files: Vec<FileRecord>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One file in the archive with its size and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub file: String,
    pub size: u64,
    pub sha256: String,
}

/// Version-1 component names and the files `backup-tars.sh` wrote for them.
pub const V1_COMPONENT_FILES: &[(&str, &str)] = &[
    ("chromadb", "chromadb.tar.gz"),
    ("postgres", "postgres.sql.gz"),
    ("redis", "redis-dump.rdb"),
    ("configuration", "config/"),
    ("ollama", "ollama-models.tar.gz"),
];

/// Why a manifest was refused. The reader turns it into an integrity error naming the archive
/// (or, for a format newer than this lifeboat reads, an "upgrade" error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("manifest.json: {0}")]
pub struct ManifestError(pub String, pub Refusal);

/// Whether the manifest is wrong, or just newer than this lifeboat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Invalid,
    NewerFormat,
}

pub(super) fn bad(msg: impl Into<String>) -> ManifestError {
    ManifestError(msg.into(), Refusal::Invalid)
}

impl Manifest {
    /// Parses and checks a manifest. Nothing in the returned value is trusted for display
    /// without [`sanitize`]; names and hashes are checked here.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        if bytes.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(bad(format!(
                "{} bytes, more than the {} a manifest may have",
                bytes.len(),
                MAX_MANIFEST_BYTES
            )));
        }
        reject_duplicate_keys(bytes)?;
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| bad(sanitize(&e.to_string())))?;
        m.check()?;
        Ok(m)
    }

    /// The format number: 1 for T.A.R.S. archives (no `format` key).
    pub fn format(&self) -> u32 {
        self.format.unwrap_or(1)
    }

    /// Whether this is a version-1 (T.A.R.S. script) manifest.
    pub fn is_v1(&self) -> bool {
        self.format() == 1
    }

    /// Backup-time warnings (none in version 1).
    pub fn warnings(&self) -> &[String] {
        self.warnings.as_deref().unwrap_or_default()
    }

    /// Per-component details (empty in version 1).
    pub fn details(&self) -> &BTreeMap<String, ComponentDetails> {
        static NONE: BTreeMap<String, ComponentDetails> = BTreeMap::new();
        self.details.as_ref().unwrap_or(&NONE)
    }

    /// Per-component details, created empty if absent.
    pub fn details_mut(&mut self) -> &mut BTreeMap<String, ComponentDetails> {
        self.details.get_or_insert_with(BTreeMap::new)
    }

    /// `failed_components` without version 1's `""` placeholder.
    pub fn failed(&self) -> Vec<&str> {
        self.failed_components
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The archive kind (`backup` when absent).
    pub fn archive_kind(&self) -> ArchiveKind {
        self.kind.unwrap_or(ArchiveKind::Backup)
    }

    /// The capture time as an instant, when the timestamp parses.
    pub fn instant(&self) -> Option<jiff::Timestamp> {
        self.timestamp.parse::<jiff::Timestamp>().ok()
    }

    fn check(&self) -> Result<(), ManifestError> {
        if let Some(f) = self.format
            && f > FORMAT
        {
            return Err(ManifestError(
                format!(
                    "archive format {f} is newer than this lifeboat reads ({FORMAT}); upgrade lifeboat"
                ),
                Refusal::NewerFormat,
            ));
        }
        if self.format == Some(0) {
            return Err(bad("format 0 does not exist"));
        }
        names::parse_backup_name(&self.backup_name).ok_or_else(|| {
            bad(format!(
                "backup_name {:?} is not <prefix>-YYYYMMDD_HHMMSS",
                sanitize(&self.backup_name)
            ))
        })?;
        for c in self
            .components
            .iter()
            .map(String::as_str)
            .chain(self.failed())
            .chain(self.details().keys().map(String::as_str))
        {
            check_component_name(c)?;
        }
        self.expected()?;
        Ok(())
    }

    /// Serializes for the archive and for `inspect --json`: pretty, ends with a newline.
    pub fn to_json_pretty(&self) -> String {
        // A Manifest only holds strings, numbers and maps: serializing cannot fail.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Parses a SHA-256 as the manifest stores it: 64 hex digits, optionally `sha256:`-prefixed
/// (the runbook's documented form; the script wrote bare hex).
pub fn parse_hash(s: &str) -> Result<[u8; 32], ManifestError> {
    let hex_part = s.strip_prefix("sha256:").unwrap_or(s);
    let mut out = [0u8; 32];
    if hex_part.len() != 64 {
        return Err(bad(format!("{:?} is not a SHA-256", sanitize(s))));
    }
    hex::decode_to_slice(hex_part, &mut out)
        .map_err(|_| bad(format!("{:?} is not a SHA-256", sanitize(s))))?;
    Ok(out)
}

/// Component names: letters, digits, `_`, `.` and `-`, at most 64, starting alphanumeric.
pub fn check_component_name(name: &str) -> Result<(), ManifestError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "component name {:?} is not allowed",
            sanitize(name)
        )))
    }
}

/// A path inside the inner folder: relative, no `.`/`..`/empty parts, no backslash or control
/// characters, bounded length.
pub fn check_member_path(path: &str) -> Result<(), ManifestError> {
    let ok = !path.is_empty()
        && path.len() <= 1024
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != ".." && p.len() <= 255)
        && !path
            .chars()
            .any(|c| crate::engine::text::is_unsafe_char(c) || c == '\\');
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "file name {:?} is not allowed",
            sanitize(path)
        )))
    }
}

/// Walks the document once, refusing duplicate object keys and nesting deeper than
/// [`MAX_DEPTH`]. serde_json alone keeps the last duplicate, as jq does, which would let two
/// readers of one manifest disagree.
fn reject_duplicate_keys(bytes: &[u8]) -> Result<(), ManifestError> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    struct Walk(usize);
    impl<'de> DeserializeSeed<'de> for Walk {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Walk {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            if self.0 >= MAX_DEPTH {
                return Err(serde::de::Error::custom("nested too deeply"));
            }
            while seq.next_element_seed(Walk(self.0 + 1))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            if self.0 >= MAX_DEPTH {
                return Err(serde::de::Error::custom("nested too deeply"));
            }
            let mut seen = BTreeSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(serde::de::Error::custom(format!(
                        "duplicate key {:?}",
                        sanitize(&key)
                    )));
                }
                map.next_value_seed(Walk(self.0 + 1))?;
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Walk(0)
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| bad(sanitize(&e.to_string())))
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
