//! Turns the tar stream Docker's archive API gives for a folder (entries named after the
//! folder: `data/...`) into a component tar rooted at `.`: numeric owners and modes kept, the
//! root's owner and mode kept in its `.` entry, hard links and in-root symlinks kept, and each
//! file deflated or stored depending on whether it compresses (model blobs do not: deflating
//! them costs minutes and saves nothing).

use std::io::{self, Read, Write};

use flate2::Compression;
use flate2::write::DeflateEncoder;

use super::spool::{SpoolFile, SpoolWriter};
use crate::engine::archive::pargz::{self, ParallelGz};

/// Deflate level for data that compresses (fast; the archive's size is dominated by data that
/// does not).
pub const DATA_LEVEL: u32 = 2;
/// Bytes of a file tried before deciding whether to deflate it.
const SAMPLE: usize = 64 * 1024;

/// What the component tar holds (the volume fingerprint).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TreeStats {
    pub entries: u64,
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hardlinks: u64,
    pub bytes: u64,
    /// Special files (sockets, FIFOs, devices) left out, by name.
    pub skipped: Vec<String>,
    pub root_owner: Option<String>,
    pub root_mode: Option<String>,
}

/// Whether a sample compresses enough to be worth deflating.
fn compresses(sample: &[u8]) -> bool {
    if sample.len() < 512 {
        return true;
    }
    let mut e = DeflateEncoder::new(Vec::with_capacity(sample.len()), Compression::fast());
    if e.write_all(sample).is_err() {
        return true;
    }
    e.finish()
        .map_or(true, |out| out.len() * 100 < sample.len() * 95)
}

/// Re-frames Docker's tar from `src` into a gzip-compressed tar in `out`.
pub fn reframe(src: &mut dyn Read, out: SpoolWriter) -> io::Result<(SpoolFile, TreeStats)> {
    let mut ar = tar::Archive::new(src);
    let mut b = tar::Builder::new(ParallelGz::new(out, DATA_LEVEL, pargz::default_workers()));
    b.follow_symlinks(false);
    let mut st = TreeStats::default();
    for entry in ar.entries()? {
        let mut entry = entry?;
        let raw = entry.path_bytes().into_owned();
        // Strip the first component: Docker names entries after the folder it copied.
        let rel: Vec<u8> = match raw.iter().position(|c| *c == b'/') {
            Some(i) => raw[i + 1..].to_vec(),
            None => Vec::new(),
        };
        let rel = String::from_utf8_lossy(rel.strip_suffix(b"/").unwrap_or(&rel)).into_owned();
        let src_h = entry.header().clone();
        let kind = src_h.entry_type();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(src_h.mode()?);
        h.set_uid(src_h.uid()?);
        h.set_gid(src_h.gid()?);
        h.set_mtime(src_h.mtime().unwrap_or(0));
        h.set_size(0);
        let name = if rel.is_empty() {
            ".".to_string()
        } else {
            rel.clone()
        };
        st.entries += 1;
        match kind {
            tar::EntryType::Directory => {
                if rel.is_empty() {
                    st.root_owner = Some(format!("{}:{}", h.uid()?, h.gid()?));
                    st.root_mode = Some(format!("{:04o}", h.mode()? & 0o7777));
                } else {
                    st.dirs += 1;
                }
                b.get_mut().set_level(DATA_LEVEL)?;
                b.append_data(&mut h, &name, io::empty())?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let size = entry.size();
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(size);
                let mut sample = vec![0u8; SAMPLE.min(size as usize)];
                entry.read_exact(&mut sample)?;
                b.get_mut()
                    .set_level(if compresses(&sample) { DATA_LEVEL } else { 0 })?;
                b.append_data(&mut h, &name, sample.as_slice().chain(&mut entry))?;
                st.files += 1;
                st.bytes += size;
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                let target = if kind == tar::EntryType::Link {
                    // Hard link targets are archive paths: re-frame them like names.
                    match target.iter().position(|c| *c == b'/') {
                        Some(i) => target[i + 1..].to_vec(),
                        None => target,
                    }
                } else {
                    target
                };
                let target = String::from_utf8_lossy(&target).into_owned();
                if kind == tar::EntryType::Link {
                    st.hardlinks += 1;
                } else {
                    st.symlinks += 1;
                }
                b.get_mut().set_level(DATA_LEVEL)?;
                b.append_link(&mut h, &name, &target)?;
            }
            _ => {
                st.entries -= 1;
                st.skipped.push(name);
            }
        }
    }
    let gz = b.into_inner()?;
    let spool = gz.finish()?;
    Ok((spool.finish()?, st))
}
