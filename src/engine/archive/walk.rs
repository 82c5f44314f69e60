//! The walk over the decompressed outer tar: every entry validated, hashed and (when staging)
//! written into a fresh private folder, checked against the manifest at the end.
//!
//! Runs on its own thread fed by the reader, so that hashing the compressed file and
//! decompressing, validating and hashing its contents use both cores in one pass.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;

use super::commit::{self, Warnings};
use super::expected::{Expected, folder_hash, folder_hash_sorted};
use super::gz::CountingReader;
use super::inner::{self, InnerError, InnerLimits, InnerStats};
use super::manifest::{self, MAX_MANIFEST_BYTES, Manifest, Refusal};
use super::names::ARCHIVE_MANIFEST;
use super::offload::OffloadHasher;
use super::strict;
use super::validate::{self, EntryKind};
use crate::engine::error::Error;
use crate::engine::progress::Cancel;
use crate::engine::text::{sanitize, sanitize_bytes};

/// Entries allowed before the manifest is known, and in version-1 archives.
const MAX_UNDECLARED_ENTRIES: u64 = 100_000;
/// Tar overhead allowed per entry beyond its data (header, long-name records, padding).
const OVERHEAD_PER_ENTRY: u64 = 4096;

/// One regular file of the archive as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSeen {
    /// Path inside the archive's folder.
    pub name: String,
    pub size: u64,
    pub sha256: [u8; 32],
    /// For component tars, what the inner validator found.
    pub inner: Option<InnerStats>,
}

/// What a successful walk found.
#[derive(Debug)]
pub struct WalkOutcome {
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    pub files: Vec<FileSeen>,
    pub warnings: Warnings,
}

/// Why a walk failed.
#[derive(Debug)]
pub enum WalkError {
    /// The archive breaks a rule: a phrase naming the entry or component.
    Bad(String),
    /// Staging could not be written: not the archive's fault.
    Stage(Error),
    /// A manifest format newer than this lifeboat reads.
    Unsupported(String),
    Cancelled,
}

/// The walk's inputs.
pub struct WalkSpec<'a> {
    /// The inner folder name the archive's file name implies.
    pub root: &'a str,
    /// Size of the compressed archive: bounds what may come out of it before the manifest
    /// says more.
    pub archive_len: u64,
    pub stage: Option<&'a Path>,
    pub inner_tars: bool,
    pub cancel: &'a Cancel,
}

struct Walker<'a> {
    spec: &'a WalkSpec<'a>,
    hasher: OffloadHasher,
    manifest: Option<(Manifest, Vec<u8>, Expected)>,
    seen: BTreeSet<String>,
    dirs: Vec<String>,
    files: Vec<FileSeen>,
    entries: u64,
    max_entries: u64,
    max_bytes: u64,
    warnings: Warnings,
}

/// Walks the gzip-compressed tar `reader` to its very end.
pub fn walk<R: io::BufRead>(reader: R, spec: &WalkSpec<'_>) -> Result<WalkOutcome, WalkError> {
    let mut w = Walker {
        spec,
        hasher: OffloadHasher::new(),
        manifest: None,
        seen: BTreeSet::new(),
        dirs: Vec::new(),
        files: Vec::new(),
        entries: 0,
        max_entries: MAX_UNDECLARED_ENTRIES,
        max_bytes: spec.archive_len.saturating_mul(64).saturating_add(64 << 20),
        warnings: Warnings::new(),
    };
    let mut ar = tar::Archive::new(CountingReader {
        inner: MultiGzDecoder::new(reader),
        count: 0,
    });
    let walked = strict::walk(&mut ar, false, |meta, entry| {
        if spec.cancel.is_cancelled() {
            return Err(WalkError::Cancelled);
        }
        w.entry(meta, entry)
    });
    let last_end = match walked {
        Ok(end) => end,
        Err(strict::Stop::Bad(why)) => return Err(WalkError::Bad(why)),
        Err(strict::Stop::Read(e)) => return Err(w.read_error(&e)),
        Err(strict::Stop::Inner(e)) => return Err(e),
    };
    let mut rest = ar.into_inner();
    let consumed = rest.count;
    if consumed > w.max_bytes {
        return Err(WalkError::Bad(format!(
            "it expands to more than {} bytes (an archive bomb?)",
            w.max_bytes
        )));
    }
    validate::check_end(&mut rest, consumed, last_end)
        .map_err(|e| WalkError::Bad(format!("the archive: {e}")))?;
    w.finish()
}

impl Walker<'_> {
    fn read_error(&self, e: &io::Error) -> WalkError {
        if self.spec.cancel.is_cancelled() {
            return WalkError::Cancelled;
        }
        WalkError::Bad(format!("the archive: {}", validate::corrupt(e)))
    }

    /// Handles one entry.
    fn entry<R: Read>(
        &mut self,
        meta: &strict::Meta,
        entry: &mut tar::Entry<'_, R>,
    ) -> Result<(), WalkError> {
        let raw = &meta.path;
        let shown = sanitize_bytes(raw);
        let bad = |what: String| WalkError::Bad(format!("entry {shown}: {what}"));
        let (size, end, kind) = (meta.size, meta.end, meta.kind.clone());
        let path = validate::normalize(raw).map_err(|w| bad(format!("has {w}")))?;
        let path =
            String::from_utf8(path).map_err(|_| bad("has a name that is not UTF-8".into()))?;
        let rel = match path.strip_prefix(self.spec.root) {
            Some("") => String::new(),
            Some(r) if r.starts_with('/') => r[1..].to_string(),
            _ => {
                return Err(bad(format!(
                    "lies outside the archive's folder {}/",
                    self.spec.root
                )));
            }
        };
        if !rel.is_empty() {
            manifest::check_member_path(&rel).map_err(|e| bad(e.0))?;
        }
        if !self.seen.insert(rel.clone()) {
            return Err(bad("appears twice".into()));
        }
        // Once the manifest is known, an undeclared entry is named as such, before any count.
        if let Some((m, _, exp)) = &self.manifest {
            match kind {
                EntryKind::File if rel != ARCHIVE_MANIFEST => {
                    check_declared(exp, &rel, size).map_err(&bad)?
                }
                EntryKind::Dir if !dir_allowed(m, exp, &self.implied_dirs(exp), &rel) => {
                    return Err(bad("is a folder the manifest does not declare".into()));
                }
                _ => {}
            }
        }
        self.entries += 1;
        if self.entries > self.max_entries {
            return Err(WalkError::Bad(format!(
                "the archive holds more than the {} entries its manifest accounts for (an archive bomb?)",
                self.max_entries
            )));
        }
        if end > self.max_bytes {
            return Err(bad(format!(
                "needs {end} bytes, beyond what the archive can hold (an archive bomb?)"
            )));
        }
        match kind {
            EntryKind::Dir => self.dir(rel).map_err(WalkError::Stage)?,
            EntryKind::File if rel == ARCHIVE_MANIFEST => self.manifest(entry, size, &bad)?,
            EntryKind::File => self.file(entry, rel, size)?,
            EntryKind::Symlink(_) | EntryKind::HardLink(_) => {
                unreachable!("links are refused for the outer archive")
            }
        }
        Ok(())
    }

    fn dir(&mut self, rel: String) -> crate::engine::error::Result<()> {
        if let Some(stage) = self.spec.stage
            && !rel.is_empty()
        {
            commit::create_dir_private(&stage.join(&rel))?;
        }
        self.dirs.push(rel);
        Ok(())
    }

    fn manifest<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        size: u64,
        bad: &dyn Fn(String) -> WalkError,
    ) -> Result<(), WalkError> {
        if size > MAX_MANIFEST_BYTES {
            return Err(bad(format!(
                "is {size} bytes, more than a manifest may have"
            )));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| bad(validate::corrupt(&e)))?;
        let m = Manifest::parse(&bytes).map_err(|e| match e.1 {
            Refusal::NewerFormat => WalkError::Unsupported(e.to_string()),
            Refusal::Invalid => bad(e.0),
        })?;
        if m.backup_name != self.spec.root {
            return Err(bad(format!(
                "names the backup {:?} but the archive's folder is {}",
                sanitize(&m.backup_name),
                self.spec.root
            )));
        }
        let expected = m.expected().map_err(|e| bad(e.0))?;
        if self.files.is_empty() && !m.is_v1() {
            // The manifest came first: from here on every size is known exactly.
            let declared_entries =
                expected.files.len() as u64 + self.implied_dirs(&expected).len() as u64 + 2;
            self.max_entries = declared_entries;
            self.max_bytes = expected
                .declared_bytes()
                .saturating_add(size)
                .saturating_add(declared_entries.saturating_mul(OVERHEAD_PER_ENTRY))
                .saturating_add(64 * 1024);
        }
        self.stage_bytes(ARCHIVE_MANIFEST, &bytes)
            .map_err(WalkError::Stage)?;
        self.manifest = Some((m, bytes, expected));
        Ok(())
    }

    fn file<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        rel: String,
        size: u64,
    ) -> Result<(), WalkError> {
        let shown = sanitize(&rel);
        let staged = match self.spec.stage {
            Some(stage) => Some(create_staged(stage, &rel).map_err(WalkError::Stage)?),
            None => None,
        };
        let inner_limits = (self.spec.inner_tars && self.is_component_tar(&rel))
            .then(|| self.inner_limits(&rel, size));
        let cancel = self.spec.cancel;
        let mut tee = Tee {
            inner: entry,
            hasher: &mut self.hasher,
            count: 0,
            out: staged,
            stage_error: None,
        };
        let inner = inner_limits.map(|limits| {
            inner::validate(
                BufReader::with_capacity(validate::IO_CHUNK, &mut tee),
                limits,
                cancel,
            )
        });
        // Whatever the inner validator left (or everything, for plain files) still gets hashed.
        let drained = validate::drain(&mut tee, cancel);
        let Tee {
            count,
            out,
            stage_error,
            ..
        } = tee;
        if let Some(e) = stage_error {
            return Err(WalkError::Stage(e));
        }
        let inner = match inner {
            None => None,
            Some(Ok(stats)) => Some(stats),
            Some(Err(InnerError::Cancelled)) => return Err(WalkError::Cancelled),
            Some(Err(InnerError::Bad(w))) => {
                return Err(WalkError::Bad(format!("component tar {shown} holds {w}")));
            }
            Some(Err(InnerError::Read(e))) => {
                return Err(WalkError::Bad(format!(
                    "component tar {shown}: {}",
                    validate::corrupt(&e)
                )));
            }
        };
        drained.map_err(|e| self.read_error(&e))?;
        if count != size {
            return Err(WalkError::Bad(format!(
                "entry {shown}: its data ends early (truncated)"
            )));
        }
        let sha256 = self.hasher.finalize();
        if let Some((f, path)) = out {
            f.sync_all()
                .map_err(|e| WalkError::Stage(Error::io(&path, "fsync staged file", e)))?;
        }
        self.files.push(FileSeen {
            name: rel,
            size,
            sha256,
            inner,
        });
        Ok(())
    }

    /// Whether `rel` is a component's tar: by its component's kind when the manifest says
    /// (format 2: chroma and volume), by its name otherwise (version 1: `chromadb.tar.gz`).
    fn is_component_tar(&self, rel: &str) -> bool {
        let by_kind = self.manifest.as_ref().and_then(|(m, _, _)| {
            let d = m.details().values().find(|d| d.file == rel)?;
            d.kind.as_deref().map(|k| matches!(k, "chroma" | "volume"))
        });
        by_kind.unwrap_or_else(|| is_component_tar_name(rel))
    }

    fn inner_limits(&self, rel: &str, size: u64) -> InnerLimits {
        let recorded = self.manifest.as_ref().and_then(|(m, _, _)| {
            let d = m.details().values().find(|d| d.file == rel)?;
            let fp = d.fingerprint.as_ref()?;
            Some((fp.get("entries")?.as_u64()?, fp.get("bytes")?.as_u64()?))
        });
        match recorded {
            Some((entries, bytes)) => InnerLimits {
                max_entries: entries.saturating_add(16),
                max_bytes: bytes.saturating_add(bytes / 100).saturating_add(1 << 20),
            },
            None => InnerLimits::generic(size),
        }
    }

    fn implied_dirs(&self, exp: &Expected) -> BTreeSet<String> {
        let mut dirs = super::expected::implied_folders(exp.files.keys().map(String::as_str));
        dirs.extend(
            exp.folders
                .iter()
                .map(|f| f.name.trim_end_matches('/').to_string()),
        );
        dirs
    }

    fn stage_bytes(&self, rel: &str, bytes: &[u8]) -> crate::engine::error::Result<()> {
        if let Some(stage) = self.spec.stage {
            let (mut f, path) = create_staged(stage, rel)?;
            f.write_all(bytes)
                .map_err(|e| Error::io(&path, "write", e))?;
            f.sync_all().map_err(|e| Error::io(&path, "fsync", e))?;
        }
        Ok(())
    }

    /// Everything seen is now checked against the manifest.
    fn finish(mut self) -> Result<WalkOutcome, WalkError> {
        let Some((manifest, manifest_bytes, exp)) = self.manifest.take() else {
            return Err(WalkError::Bad("the archive holds no manifest.json".into()));
        };
        let bad = WalkError::Bad;
        let implied = self.implied_dirs(&exp);
        for d in &self.dirs {
            if !dir_allowed(&manifest, &exp, &implied, d) {
                return Err(bad(format!(
                    "entry {}/ is a folder the manifest does not declare",
                    sanitize(d)
                )));
            }
        }
        for f in &self.files {
            check_declared(&exp, &f.name, f.size)
                .map_err(|w| bad(format!("entry {}: {w}", sanitize(&f.name))))?;
        }
        for (name, e) in &exp.files {
            match self.files.iter().find(|f| &f.name == name) {
                None => {
                    return Err(bad(format!(
                        "component {}: {} is missing from the archive",
                        e.component,
                        sanitize(name)
                    )));
                }
                Some(f) if f.sha256 != e.sha256 => {
                    return Err(bad(format!(
                        "component {}: {} does not match its SHA-256 in the manifest",
                        e.component,
                        sanitize(name)
                    )));
                }
                Some(_) => {}
            }
        }
        for folder in &exp.folders {
            let inside: Vec<(String, [u8; 32])> = self
                .files
                .iter()
                .filter_map(|f| {
                    f.name
                        .strip_prefix(&folder.name)
                        .map(|r| (r.to_string(), f.sha256))
                })
                .collect();
            let in_order = folder_hash(inside.iter().map(|(p, h)| (p.as_str(), h)));
            if in_order == folder.sha256 || folder_hash_sorted(&inside) == folder.sha256 {
                continue;
            }
            if manifest.is_v1() {
                self.warnings.push(format!(
                    "component {}: unverifiable v1 directory hash for {} (the T.A.R.S. script hashed an unsorted \
                     listing); {} is proven by the sidecar only",
                    folder.component,
                    sanitize(&folder.name),
                    sanitize(&folder.name)
                ));
            } else {
                return Err(bad(format!(
                    "component {}: {} does not match its SHA-256 in the manifest",
                    folder.component,
                    sanitize(&folder.name)
                )));
            }
        }
        Ok(WalkOutcome {
            manifest,
            manifest_bytes,
            files: self.files,
            warnings: self.warnings,
        })
    }
}

/// Whether a folder entry may be in the archive: the root, a folder the declared files imply,
/// or (version 1) any folder inside a declared folder.
fn dir_allowed(m: &Manifest, exp: &Expected, implied: &BTreeSet<String>, rel: &str) -> bool {
    rel.is_empty()
        || implied.contains(rel)
        || (m.is_v1() && exp.folder_of(&format!("{rel}/")).is_some())
}

/// Whether `rel` may be in the archive, with `size`, according to the manifest.
fn check_declared(exp: &Expected, rel: &str, size: u64) -> Result<(), String> {
    match exp.files.get(rel) {
        Some(e) => match e.size {
            Some(declared) if declared != size => Err(format!(
                "is {size} bytes but the manifest declares {declared} (component {})",
                e.component
            )),
            _ => Ok(()),
        },
        // Version 1 never listed the files of config/ one by one.
        None if exp.folder_of(rel).is_some()
            && exp.files.keys().all(|k| exp.folder_of(k).is_none()) =>
        {
            Ok(())
        }
        None => Err("is not declared in the manifest".into()),
    }
}

/// A component's own tar (`chromadb.tar.gz`): top-level `.tar.gz` files.
fn is_component_tar_name(rel: &str) -> bool {
    !rel.contains('/') && (rel.ends_with(".tar.gz") || rel.ends_with(".tgz"))
}

fn create_staged(stage: &Path, rel: &str) -> crate::engine::error::Result<(File, PathBuf)> {
    let path: PathBuf = stage.join(rel);
    if let Some(parent) = path.parent() {
        commit::create_dir_private(parent)?;
    }
    let mut ignored = Warnings::new();
    let file = commit::create_new(&path, &mut ignored)?.ok_or_else(|| {
        Error::io(
            &path,
            "create staged file",
            io::Error::from(io::ErrorKind::AlreadyExists),
        )
    })?;
    Ok((file, path))
}

/// Reads an entry while hashing it and copying it into staging.
struct Tee<'a, R> {
    inner: R,
    hasher: &'a mut OffloadHasher,
    count: u64,
    /// The staged file and its path inside staging.
    out: Option<(File, PathBuf)>,
    /// A staging write failure, kept apart from the archive's own read errors.
    stage_error: Option<Error>,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        if let Some((out, path)) = &mut self.out
            && let Err(e) = out.write_all(&buf[..n])
        {
            let err = io::Error::new(e.kind(), e.to_string());
            self.stage_error = Some(Error::io(path, "write staged file", e));
            return Err(err);
        }
        Ok(n)
    }
}
