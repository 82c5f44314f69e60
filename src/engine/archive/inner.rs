//! The validator for component tars inside an archive (`chromadb.tar.gz`, a volume's tar):
//! the same rules as the outer archive, plus the links a volume may legitimately hold.
//!
//! Allowed: files, folders, symlinks whose target stays inside the root (judged from the link's
//! own folder), and hard links to an earlier regular file (Docker's archive API emits them).
//! Refused: everything the outer validator refuses, entries reached through an earlier symlink
//! (the symlink-then-file escape), and more entries or bytes than the manifest recorded.

use std::collections::{HashMap, HashSet};

use flate2::bufread::MultiGzDecoder;
use serde::Serialize;

use super::gz::CountingReader;
use super::strict;
use super::validate::{self, EntryKind};
use crate::engine::progress::Cancel;
use crate::engine::text::sanitize_bytes;

/// What a component tar holds; compared with the manifest's fingerprint by later checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InnerStats {
    pub entries: u64,
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hardlinks: u64,
    /// Sum of the regular files' sizes.
    pub bytes: u64,
    /// Owner and mode of the root (`./`) entry, when the tar has one: `uid:gid`, octal mode.
    pub root_owner: Option<String>,
    pub root_mode: Option<String>,
}

/// Bounds from the manifest (or generic ones for version-1 archives).
#[derive(Debug, Clone, Copy)]
pub struct InnerLimits {
    pub max_entries: u64,
    pub max_bytes: u64,
}

impl InnerLimits {
    /// Limits when the manifest recorded nothing: deflate cannot expand more than ~1032:1.
    pub fn generic(compressed: u64) -> Self {
        InnerLimits {
            max_entries: 1_000_000,
            max_bytes: compressed.saturating_mul(1032).saturating_add(1 << 20),
        }
    }
}

/// Why a component tar was refused.
#[derive(Debug)]
pub enum InnerError {
    /// The tar breaks a rule; the phrase completes "the component tar holds ...".
    Bad(String),
    /// Reading failed: a corrupt or truncated compressed stream or tar header, or a failure
    /// of the stream feeding it (the caller knows whether staging or cancellation caused it).
    Read(std::io::Error),
    Cancelled,
}

/// Paths are remembered by a 128-bit hash: memory stays small whatever the names' length.
type Key = [u8; 16];

fn key(path: &[u8]) -> Key {
    let h = super::gz::sha256(path);
    let mut k = [0u8; 16];
    k.copy_from_slice(&h[..16]);
    k
}

/// What the validator remembers of earlier entries.
#[derive(Default)]
struct Seen {
    kinds: HashMap<Key, Remembered>,
    symlinks: HashSet<Key>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Remembered {
    File,
    Other,
}

impl Seen {
    /// The first ancestor folder of `path` that is a symlink.
    fn through_symlink<'p>(&self, path: &'p [u8]) -> Option<&'p [u8]> {
        if self.symlinks.is_empty() {
            return None;
        }
        path.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'/')
            .map(|(i, _)| &path[..i])
            .find(|p| self.symlinks.contains(&key(p)))
    }

    /// A symlink's target, resolved from its folder: `None` if it leaves the root or passes
    /// through another symlink (whose own target could lead anywhere).
    fn target_is_safe(&self, link: &[u8], target: &[u8]) -> bool {
        if !validate::symlink_stays_inside(link, target) {
            return false;
        }
        let mut at: Vec<&[u8]> = link.split(|b| *b == b'/').collect();
        at.pop();
        let parts: Vec<&[u8]> = target
            .split(|b| *b == b'/')
            .filter(|p| !p.is_empty() && *p != b".")
            .collect();
        for (i, part) in parts.iter().enumerate() {
            if *part == b".." {
                at.pop();
            } else {
                at.push(part);
            }
            let last = i + 1 == parts.len();
            if !last && self.symlinks.contains(&key(&at.join(&b'/'))) {
                return false;
            }
        }
        true
    }
}

/// Validates a gzip-compressed tar read from `reader`, to its very end.
pub fn validate<R: std::io::BufRead>(
    reader: R,
    limits: InnerLimits,
    cancel: &Cancel,
) -> Result<InnerStats, InnerError> {
    let mut ar = tar::Archive::new(CountingReader {
        inner: MultiGzDecoder::new(reader),
        count: 0,
    });
    let mut stats = InnerStats::default();
    let mut seen = Seen::default();
    let mut root_seen = false;
    let bad =
        |path: &[u8], what: String| InnerError::Bad(format!("{what} at {}", sanitize_bytes(path)));
    let walked = strict::walk(&mut ar, true, |meta, entry| {
        if cancel.is_cancelled() {
            return Err(InnerError::Cancelled);
        }
        let raw = &meta.path;
        let path = validate::normalize(raw).map_err(InnerError::Bad)?;
        stats.entries += 1;
        if stats.entries > limits.max_entries {
            return Err(InnerError::Bad(format!(
                "more than the {} entries the manifest recorded (an archive bomb?)",
                limits.max_entries
            )));
        }
        if path.is_empty() {
            if meta.kind != EntryKind::Dir || root_seen {
                return Err(bad(raw, "a second or non-folder root entry".into()));
            }
            root_seen = true;
            stats.root_owner = Some(format!("{}:{}", meta.uid, meta.gid));
            stats.root_mode = Some(format!("{:04o}", meta.mode & 0o7777));
            return Ok(());
        }
        if let Some(link) = seen.through_symlink(&path) {
            return Err(bad(
                raw,
                format!(
                    "an entry reached through the symlink {}",
                    sanitize_bytes(link)
                ),
            ));
        }
        let remembered = match &meta.kind {
            EntryKind::File => {
                stats.files += 1;
                stats.bytes = stats.bytes.saturating_add(meta.size);
                if stats.bytes > limits.max_bytes {
                    return Err(InnerError::Bad(format!(
                        "more than the {} bytes the manifest recorded (an archive bomb?)",
                        limits.max_bytes
                    )));
                }
                Remembered::File
            }
            EntryKind::Dir => {
                stats.dirs += 1;
                Remembered::Other
            }
            EntryKind::Symlink(target) => {
                if !seen.target_is_safe(&path, target) {
                    return Err(bad(
                        raw,
                        format!("a symlink leaving the root (to {})", sanitize_bytes(target)),
                    ));
                }
                seen.symlinks.insert(key(&path));
                stats.symlinks += 1;
                Remembered::Other
            }
            EntryKind::HardLink(target) => {
                let t = validate::normalize(target)
                    .map_err(|w| bad(raw, format!("a hard link to {w}")))?;
                if seen.kinds.get(&key(&t)) != Some(&Remembered::File) {
                    return Err(bad(
                        raw,
                        "a hard link to something other than an earlier file".into(),
                    ));
                }
                stats.hardlinks += 1;
                Remembered::Other
            }
        };
        if seen.kinds.insert(key(&path), remembered).is_some() {
            return Err(bad(raw, "a name that appears twice".into()));
        }
        // Read the data here with a large buffer; the tar crate would skip it 8 KiB at a time.
        validate::drain(entry, cancel).map_err(InnerError::Read)?;
        Ok(())
    });
    let last_end = match walked {
        Ok(end) => end,
        Err(strict::Stop::Bad(w)) => return Err(InnerError::Bad(w)),
        Err(strict::Stop::Read(e)) => {
            return Err(if cancel.is_cancelled() {
                InnerError::Cancelled
            } else {
                InnerError::Read(e)
            });
        }
        Err(strict::Stop::Inner(e)) => return Err(e),
    };
    let mut rest = ar.into_inner();
    let consumed = rest.count;
    validate::check_end(&mut rest, consumed, last_end).map_err(InnerError::Bad)?;
    Ok(stats)
}
