//! Reads just the manifest out of an archive, without verifying the rest: for `inspect`, and
//! for listing archives that have no manifest copy (version 1).
//!
//! The entries read on the way are held to the same strict rules as a full read, and the walk
//! stops at the manifest. Nothing read this way is called verified.

use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::manifest::{MAX_MANIFEST_BYTES, Manifest, Refusal};
use super::names::{self, ARCHIVE_MANIFEST};
use super::{open_regular, strict, validate};
use crate::engine::error::{Error, Result};

enum Found {
    Manifest(Box<Manifest>),
    Refused(Error),
}

/// The embedded manifest of the archive at `path`.
pub fn read_manifest(path: &Path) -> Result<Manifest> {
    let file = open_regular(path)?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let root = names::backup_name_of(file_name).ok_or_else(|| {
        Error::Usage(format!(
            "{}: not an archive name (<prefix>-YYYYMMDD_HHMMSS.tar.gz)",
            path.display()
        ))
    })?;
    let want = format!("{root}/{ARCHIVE_MANIFEST}");
    let bad = |w: String| Error::integrity(path, w);
    let mut ar = tar::Archive::new(MultiGzDecoder::new(std::io::BufReader::with_capacity(
        1 << 20,
        file,
    )));
    let walked = strict::walk(&mut ar, false, |meta, entry| {
        let norm = validate::normalize(&meta.path)
            .map_err(|w| Found::Refused(bad(format!("an entry has {w}"))))?;
        if norm != want.as_bytes() {
            return Ok(());
        }
        if meta.size > MAX_MANIFEST_BYTES {
            return Err(Found::Refused(bad(format!(
                "manifest.json: is {} bytes, more than a manifest may have",
                meta.size
            ))));
        }
        let mut bytes = Vec::with_capacity(meta.size as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| Found::Refused(bad(validate::corrupt(&e))))?;
        let m = Manifest::parse(&bytes).map_err(|e| {
            Found::Refused(match e.1 {
                Refusal::NewerFormat => Error::Unsupported {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                },
                Refusal::Invalid => bad(e.to_string()),
            })
        })?;
        if m.backup_name != root {
            return Err(Found::Refused(bad(format!(
                "manifest.json: names another backup than {root}"
            ))));
        }
        Err(Found::Manifest(Box::new(m)))
    });
    match walked {
        Err(strict::Stop::Inner(Found::Manifest(m))) => Ok(*m),
        Err(strict::Stop::Inner(Found::Refused(e))) => Err(e),
        Err(strict::Stop::Bad(w)) => Err(bad(w)),
        Err(strict::Stop::Read(e)) => Err(bad(validate::corrupt(&e))),
        Ok(_) => Err(bad("the archive holds no manifest.json".into())),
    }
}
