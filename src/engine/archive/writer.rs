//! Writes an archive and commits it: the archive, then its manifest copy, then the sidecar
//! (the commit point), each through `.partial`, fsync and a no-replace rename.
//!
//! The writer refuses to write anything the manifest does not declare, and re-hashes every
//! member while writing it, so a committed archive always passes `verify`: a spool file that
//! changed after it was hashed fails the write instead of committing a lie. Names move forward
//! one second on a clash, so two backups in one second both survive.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use jiff::{ToSpan, Zoned};
use sha2::{Digest, Sha256};

use super::commit::{self, Placed, Warnings};
use super::expected::{Expected, implied_folders};
use super::gz::{DEFLATE_LEVEL, HashingWriter};
use super::manifest::{FileRecord, Manifest};
use super::names::{self, ARCHIVE_EXT, ARCHIVE_MANIFEST};
use super::offload::OffloadHasher;
use super::pargz::{self, ParallelGz};
use super::{manifest_copy_path, partial_path, sidecar, sidecar_path};
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Cancel, Event, Reporter, StepCounter, StepOutcome};

/// How many seconds forward a name may move before the writer gives up.
const MAX_NAME_SHIFT: i64 = 3600;
const IO_CHUNK: usize = 1024 * 1024;

/// Where a member's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A spooled file.
    File(PathBuf),
    /// Bytes in memory (small files: globals, redacted configuration).
    Bytes(Vec<u8>),
}

/// One file of the archive.
#[derive(Debug, Clone)]
pub struct Member {
    /// Path inside the archive's folder (`postgres.sql.gz`, `config/app.env`).
    pub name: String,
    pub source: Source,
    /// Store instead of deflating: for already-compressed or incompressible bytes.
    pub store: bool,
}

impl Member {
    /// Hashes the member's bytes: the record its manifest entry needs.
    pub fn record(&self) -> Result<FileRecord> {
        let mut hasher = Sha256::new();
        let size = match &self.source {
            Source::Bytes(b) => {
                hasher.update(b);
                b.len() as u64
            }
            Source::File(p) => {
                let mut f = File::open(p).map_err(|e| Error::io(p, "open", e))?;
                let mut buf = vec![0u8; IO_CHUNK];
                let mut total = 0u64;
                loop {
                    let n = f.read(&mut buf).map_err(|e| Error::io(p, "read", e))?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                    total += n as u64;
                }
                total
            }
        };
        Ok(FileRecord {
            file: self.name.clone(),
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }
}

/// What to write.
pub struct ArchiveRequest {
    /// The backup folder.
    pub dir: PathBuf,
    /// Name prefix from the profile (`tars-backup`).
    pub prefix: String,
    /// Capture time: the manifest's timestamp and, in local time, the name.
    pub when: Zoned,
    /// The manifest, complete but for `timestamp` and `backup_name`, which the writer sets.
    pub manifest: Manifest,
    pub members: Vec<Member>,
}

/// A committed archive.
#[derive(Debug, Clone)]
pub struct Committed {
    pub archive: PathBuf,
    pub sidecar: PathBuf,
    pub manifest_copy: PathBuf,
    pub backup_name: String,
    pub sha256: [u8; 32],
    pub size: u64,
    /// Filesystem refusals met on the way (modes, fsync, the rename fallback).
    pub warnings: Warnings,
}

/// Writes and commits an archive. The caller holds the host lock.
pub fn write(
    mut req: ArchiveRequest,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Result<Committed> {
    if !names::is_valid_prefix(&req.prefix) {
        return Err(Error::Usage(format!(
            "archive prefix {:?} is not allowed",
            req.prefix
        )));
    }
    let mut warnings = Warnings::new();
    commit::create_dir_private_warn(&req.dir, &mut warnings)?;
    req.manifest.timestamp = req.when.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
    let total: u64 = req.members.iter().map(source_len).sum();
    reporter.event(Event::StepStarted {
        step: "write".into(),
        label: "writing archive".into(),
        total: Some(total),
    });
    let result = write_and_commit(&mut req, &mut warnings, total, reporter, cancel);
    let outcome = match &result {
        Ok(_) => StepOutcome::Ok,
        Err(Error::Cancelled) => StepOutcome::Cancelled,
        Err(_) => StepOutcome::Failed,
    };
    reporter.event(Event::StepFinished {
        step: "write".into(),
        outcome,
        detail: None,
    });
    result
}

fn write_and_commit(
    req: &mut ArchiveRequest,
    warnings: &mut Warnings,
    total: u64,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Result<Committed> {
    for shift in 0..MAX_NAME_SHIFT {
        let when = req
            .when
            .datetime()
            .checked_add(shift.seconds())
            .map_err(|e| Error::Other(e.to_string()))?;
        let name = names::backup_name(&req.prefix, when);
        let archive = req.dir.join(format!("{name}{ARCHIVE_EXT}"));
        if name_in_use(&archive) {
            continue;
        }
        let partial = partial_path(&archive);
        let Some(file) = commit::create_new(&partial, warnings)? else {
            continue;
        };
        req.manifest.backup_name = name.clone();
        let expected = match check_members(&req.manifest, &req.members) {
            Ok(e) => e,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        let manifest_json = req.manifest.to_json_pretty();
        let mut counter = StepCounter::new(reporter, "write", Some(total));
        let parts = Parts {
            name: &name,
            when: &req.when,
            manifest_json: &manifest_json,
            expected: &expected,
        };
        let written = assemble(file, &parts, &req.members, &mut counter, cancel).and_then(
            |(file, sha, size)| {
                commit::sync_file(&file, &partial, warnings)?;
                Ok((sha, size))
            },
        );
        let (sha256, size) = match written {
            Ok(v) => v,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        counter.flush();
        match commit::rename_noreplace(&partial, &archive, warnings) {
            Ok(Placed::Done) => {}
            Ok(Placed::NameTaken) => {
                // Someone else took the name while we wrote: move on a second and rewrite.
                let _ = std::fs::remove_file(&partial);
                continue;
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        }
        return commit_after_archive(
            &req.dir,
            archive,
            name,
            &manifest_json,
            sha256,
            size,
            warnings,
        );
    }
    Err(Error::Other(format!(
        "{}: no free archive name within an hour of {}",
        req.dir.display(),
        req.when.datetime()
    )))
}

/// Manifest copy, then sidecar (the commit point). On failure the uncommitted archive and
/// copy this run placed are removed again: they are ours and nothing vouches for them.
fn commit_after_archive(
    dir: &Path,
    archive: PathBuf,
    backup_name: String,
    manifest_json: &str,
    sha256: [u8; 32],
    size: u64,
    warnings: &mut Warnings,
) -> Result<Committed> {
    let copy = manifest_copy_path(&archive);
    let side = sidecar_path(&archive);
    let file_name = format!("{backup_name}{ARCHIVE_EXT}");
    let taken = |p: &Path| {
        Error::Other(format!(
            "{}: appeared while the archive was written",
            p.display()
        ))
    };
    let before_commit = (|| {
        commit::sync_dir(dir, warnings)?;
        if commit::write_small_file(&copy, manifest_json.as_bytes(), warnings)? == Placed::NameTaken
        {
            return Err(taken(&copy));
        }
        commit::sync_dir(dir, warnings)?;
        let line = sidecar::format_line(&sha256, &file_name);
        if commit::write_small_file(&side, line.as_bytes(), warnings)? == Placed::NameTaken {
            return Err(taken(&side));
        }
        Ok(())
    })();
    if let Err(e) = before_commit {
        let _ = std::fs::remove_file(&copy);
        let _ = std::fs::remove_file(&archive);
        return Err(e);
    }
    // The sidecar is in place, but a folder fsync that fails (EIO) means the rename may not be
    // on disk and the filesystem is in trouble: the commit is withdrawn, sidecar first, and the
    // run fails (fsyncgate: never retry and then call it committed).
    if let Err(e) = commit::sync_dir(dir, warnings) {
        let _ = std::fs::remove_file(&side);
        let _ = std::fs::remove_file(&copy);
        let _ = std::fs::remove_file(&archive);
        let _ = commit::sync_dir(dir, warnings);
        return Err(Error::Other(format!(
            "{e}: the folder could not be synced after the commit, so the archive was withdrawn; nothing committed"
        )));
    }
    Ok(Committed {
        archive,
        sidecar: side,
        manifest_copy: copy,
        backup_name,
        sha256,
        size,
        warnings: warnings.clone(),
    })
}

fn name_in_use(archive: &Path) -> bool {
    let sidecar = sidecar_path(archive);
    let copy = manifest_copy_path(archive);
    [archive, &sidecar, &copy]
        .into_iter()
        .flat_map(|p| [p.to_path_buf(), partial_path(p)])
        .any(|p| std::fs::symlink_metadata(p).is_ok())
}

fn source_len(m: &Member) -> u64 {
    match &m.source {
        Source::Bytes(b) => b.len() as u64,
        Source::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
    }
}

/// Every member must be declared, and every declared file must be a member.
fn check_members(manifest: &Manifest, members: &[Member]) -> Result<Expected> {
    let expected = manifest
        .expected()
        .map_err(|e| Error::Usage(e.to_string()))?;
    for m in members {
        if !expected.files.contains_key(&m.name) {
            return Err(Error::Usage(format!(
                "member {} is not declared in the manifest",
                m.name
            )));
        }
    }
    for name in expected.files.keys() {
        if !members.iter().any(|m| &m.name == name) {
            return Err(Error::Usage(format!(
                "the manifest declares {name} but no member provides it"
            )));
        }
    }
    Ok(expected)
}

/// What `assemble` writes besides the members.
struct Parts<'a> {
    name: &'a str,
    when: &'a Zoned,
    manifest_json: &'a str,
    expected: &'a Expected,
}

/// Writes the tar.gz into `file`; returns the file, its SHA-256 and size.
fn assemble(
    file: File,
    parts: &Parts<'_>,
    members: &[Member],
    counter: &mut StepCounter<'_>,
    cancel: &Cancel,
) -> Result<(File, [u8; 32], u64)> {
    let name = parts.name;
    let mtime = u64::try_from(parts.when.timestamp().as_second()).unwrap_or(0);
    let out = HashingWriter::new(BufWriter::with_capacity(IO_CHUNK, file));
    let mut tar = tar::Builder::new(ParallelGz::new(
        out,
        DEFLATE_LEVEL,
        pargz::default_workers(),
    ));
    let io_err = |e: io::Error| Error::Other(format!("writing archive {name}: {e}"));
    append_dir(&mut tar, &format!("{name}/"), mtime).map_err(io_err)?;
    append_bytes(
        &mut tar,
        &format!("{name}/{ARCHIVE_MANIFEST}"),
        parts.manifest_json.as_bytes(),
        mtime,
    )
    .map_err(io_err)?;
    let folders = implied_folders(members.iter().map(|m| m.name.as_str()));
    let mut written_folders = std::collections::BTreeSet::new();
    for m in members {
        for f in &folders {
            if m.name.starts_with(&format!("{f}/")) && written_folders.insert(f.clone()) {
                append_dir(&mut tar, &format!("{name}/{f}/"), mtime).map_err(io_err)?;
            }
        }
        tar.get_mut()
            .set_level(if m.store { 0 } else { DEFLATE_LEVEL })
            .map_err(io_err)?;
        let digest = append_member(&mut tar, name, m, mtime, counter, cancel)?;
        if parts.expected.files.get(&m.name).map(|f| f.sha256) != Some(digest) {
            return Err(Error::Other(format!(
                "{}: its bytes changed after they were hashed for the manifest",
                m.name
            )));
        }
    }
    let gz = tar.into_inner().map_err(io_err)?;
    let hashing = gz.finish().map_err(io_err)?;
    let (buf, sha, size) = hashing.finish();
    let file = buf.into_inner().map_err(|e| io_err(e.into_error()))?;
    Ok((file, sha, size))
}

fn header(size: u64, mode: u32, mtime: u64, kind: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h
}

fn append_dir<W: Write>(tar: &mut tar::Builder<W>, path: &str, mtime: u64) -> io::Result<()> {
    let mut h = header(0, commit::DIR_MODE, mtime, tar::EntryType::Directory);
    tar.append_data(&mut h, path, io::empty())
}

fn append_bytes<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    bytes: &[u8],
    mtime: u64,
) -> io::Result<()> {
    let mut h = header(
        bytes.len() as u64,
        commit::FILE_MODE,
        mtime,
        tar::EntryType::Regular,
    );
    tar.append_data(&mut h, path, bytes)
}

fn append_member<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    m: &Member,
    mtime: u64,
    counter: &mut StepCounter<'_>,
    cancel: &Cancel,
) -> Result<[u8; 32]> {
    let path = format!("{name}/{}", m.name);
    let (reader, size, origin): (Box<dyn Read>, u64, PathBuf) = match &m.source {
        Source::Bytes(b) => (
            Box::new(b.as_slice()),
            b.len() as u64,
            PathBuf::from(&m.name),
        ),
        Source::File(p) => {
            let f = File::open(p).map_err(|e| Error::io(p, "open", e))?;
            let len = f.metadata().map_err(|e| Error::io(p, "stat", e))?.len();
            (Box::new(f), len, p.clone())
        }
    };
    let mut tee = MemberReader {
        inner: reader,
        hasher: OffloadHasher::new(),
        count: 0,
        counter,
        cancel,
    };
    let mut h = header(size, commit::FILE_MODE, mtime, tar::EntryType::Regular);
    tar.append_data(
        &mut h,
        &path,
        BufReader::with_capacity(IO_CHUNK, &mut tee).take(size),
    )
    .map_err(|e| {
        if cancel.is_cancelled() {
            Error::Cancelled
        } else {
            Error::Other(format!("writing {path}: {e}"))
        }
    })?;
    if tee.count != size {
        return Err(Error::Other(format!(
            "{}: changed size while being archived",
            origin.display()
        )));
    }
    Ok(tee.hasher.finalize())
}

/// Reads a member while hashing, counting, reporting and honouring cancellation.
struct MemberReader<'a, 'b> {
    inner: Box<dyn Read + 'a>,
    hasher: OffloadHasher,
    count: u64,
    counter: &'a mut StepCounter<'b>,
    cancel: &'a Cancel,
}

impl Read for MemberReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.cancel.is_cancelled() {
            // Not ErrorKind::Interrupted: io::copy would retry that forever.
            return Err(io::Error::other("cancelled"));
        }
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        self.counter.add(n as u64);
        Ok(n)
    }
}
