//! Reads an archive in one pass over one open file: the SHA-256 for the sidecar, and on a
//! second thread the decompressed walk that validates, hashes and optionally stages every entry.
//!
//! The archive is judged as a whole. When its bytes do not match the sidecar that is the verdict
//! (the file is damaged), with the first problem found inside added for the operator; when they
//! match but the walk fails, the archive was written wrong or its sidecar recomputed.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

use sha2::{Digest, Sha256};

use super::manifest::Manifest;
use super::names;
use super::sidecar::{self, Sidecar};
use super::walk::{self, FileSeen, WalkError, WalkSpec};
use super::{commit::Warnings, open_regular, sidecar_path};
use crate::engine::error::{Error, Result};
use crate::engine::index::{ArchiveIdentity, FileIdentity};
use crate::engine::progress::{Cancel, Event, Reporter, StepCounter, StepOutcome};

const CHUNK: usize = 1024 * 1024;
/// Chunks in flight between the hashing and the walking thread (bounds memory).
const IN_FLIGHT: usize = 4;

/// What the sidecar means for this read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidecarPolicy {
    /// A missing sidecar means "not committed"; a mismatch fails the read.
    Required,
    /// Only the sidecar check: hash the file, do not look inside.
    Only,
    /// `--skip-validation`: a missing or bad sidecar is a warning; the inside must be perfect.
    Waived,
}

/// How to read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub sidecar: SidecarPolicy,
    /// A fresh, empty, private folder to extract into; `None` to only verify.
    pub stage_into: Option<PathBuf>,
    /// Also validate component tars (`chromadb.tar.gz`) entry by entry.
    pub inner_tars: bool,
}

impl ReadOptions {
    /// A full verification: sidecar, every entry, every component, component tars.
    pub fn verify() -> Self {
        ReadOptions {
            sidecar: SidecarPolicy::Required,
            stage_into: None,
            inner_tars: true,
        }
    }
}

/// What a read proved.
#[derive(Debug)]
pub struct ReadReport {
    pub archive: PathBuf,
    /// Bytes of the archive file.
    pub size: u64,
    pub sha256: [u8; 32],
    pub sidecar: Option<Sidecar>,
    /// `None` for a sidecar-only read.
    pub manifest: Option<Manifest>,
    pub manifest_bytes: Vec<u8>,
    pub files: Vec<FileSeen>,
    pub warnings: Warnings,
    /// The archive (from the open file) and sidecar as they were when read.
    pub identity: crate::engine::index::ArchiveIdentity,
}

/// Reads `path` as `opts` says. Integrity problems are [`Error::Integrity`]; a missing
/// sidecar is [`Error::NotCommitted`] unless waived.
pub fn read(
    path: &Path,
    opts: &ReadOptions,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Result<ReadReport> {
    let file = open_regular(path)?;
    let md = file.metadata().map_err(|e| Error::io(path, "stat", e))?;
    let size = md.len();
    let side_path = sidecar_path(path);
    let identity = ArchiveIdentity {
        archive: FileIdentity::from_metadata(&md),
        sidecar: FileIdentity::of(&side_path),
    };
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    let root = names::backup_name_of(&file_name)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{}: not an archive name (<prefix>-YYYYMMDD_HHMMSS.tar.gz)",
                path.display()
            ))
        })?
        .to_string();
    let mut warnings = Warnings::new();
    let sidecar = match sidecar::read(&sidecar_path(path), &file_name) {
        Ok(s) => Some(s),
        Err(Error::NotFound(side)) if opts.sidecar != SidecarPolicy::Waived => {
            return Err(Error::NotCommitted {
                archive: path.to_path_buf(),
                sidecar: side,
            });
        }
        Err(e) if opts.sidecar == SidecarPolicy::Waived => {
            warnings.push(format!("sidecar check waived: {e}"));
            None
        }
        Err(e) => return Err(e),
    };

    reporter.event(Event::StepStarted {
        step: "read".into(),
        label: format!("reading {file_name}"),
        total: Some(size),
    });
    let spec = WalkSpec {
        root: &root,
        archive_len: size,
        stage: opts.stage_into.as_deref(),
        inner_tars: opts.inner_tars,
        cancel,
    };
    let walk_inside = opts.sidecar != SidecarPolicy::Only;
    let (read_result, walked) = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (ret_tx, ret_rx) = mpsc::channel::<Vec<u8>>();
        let walker = walk_inside.then(|| {
            let spec = &spec;
            std::thread::Builder::new()
                .name("lifeboat-walk".into())
                .spawn_scoped(scope, move || {
                    walk::walk(ChannelReader::new(rx, ret_tx), spec)
                })
        });
        let walker = match walker {
            Some(Ok(h)) => Some(h),
            Some(Err(e)) => {
                return (
                    Err(Error::Other(format!("cannot start a thread: {e}"))),
                    None,
                );
            }
            None => None,
        };
        let feed = if walker.is_some() { Some(tx) } else { None };
        let read_result = hash_file(file, path, size, feed, &ret_rx, reporter, cancel);
        let walked = walker.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(WalkError::Bad("the archive walk panicked".into())))
        });
        (read_result, walked)
    });
    let finished = |outcome| {
        reporter.event(Event::StepFinished {
            step: "read".into(),
            outcome,
            detail: None,
        });
    };
    let sha256 = match read_result {
        Ok(sha) => sha,
        Err(e) => {
            finished(if matches!(e, Error::Cancelled) {
                StepOutcome::Cancelled
            } else {
                StepOutcome::Failed
            });
            return Err(e);
        }
    };
    let verdict = judge(
        path,
        sidecar.as_ref(),
        &sha256,
        opts.sidecar,
        walked,
        &mut warnings,
    );
    finished(if verdict.is_ok() {
        StepOutcome::Ok
    } else {
        StepOutcome::Failed
    });
    let outcome = verdict?;
    let (manifest, manifest_bytes, files) = match outcome {
        Some(o) => {
            warnings.extend(o.warnings);
            (Some(o.manifest), o.manifest_bytes, o.files)
        }
        None => (None, Vec::new(), Vec::new()),
    };
    Ok(ReadReport {
        archive: path.to_path_buf(),
        size,
        sha256,
        sidecar,
        manifest,
        manifest_bytes,
        files,
        warnings,
        identity,
    })
}

fn judge(
    path: &Path,
    sidecar: Option<&Sidecar>,
    sha256: &[u8; 32],
    policy: SidecarPolicy,
    walked: Option<std::result::Result<walk::WalkOutcome, WalkError>>,
    warnings: &mut Warnings,
) -> Result<Option<walk::WalkOutcome>> {
    let sidecar_matches = sidecar.map(|s| &s.sha256 == sha256);
    let inside = match walked {
        None => None,
        Some(Err(WalkError::Cancelled)) => return Err(Error::Cancelled),
        Some(Err(WalkError::Stage(e))) => return Err(e),
        Some(r) => Some(r),
    };
    if sidecar_matches == Some(false) {
        let first = match &inside {
            Some(Err(WalkError::Bad(w))) => format!(" (first problem inside: {w})"),
            _ => String::new(),
        };
        if policy == SidecarPolicy::Waived {
            warnings.push(format!(
                "the archive's SHA-256 does not match its sidecar (check waived){first}"
            ));
        } else {
            return Err(Error::integrity(
                path,
                format!(
                    "SHA-256 does not match its sidecar: the archive is damaged or was changed after it was written{first}"
                ),
            ));
        }
    }
    match inside {
        None => Ok(None),
        Some(Ok(o)) => Ok(Some(o)),
        // Only once the bytes are known to be intact: a damaged file must say "damaged".
        Some(Err(WalkError::Unsupported(w))) => Err(Error::Unsupported {
            path: path.to_path_buf(),
            reason: w,
        }),
        Some(Err(WalkError::Bad(w))) => {
            let why = if sidecar_matches == Some(true) {
                " (the bytes match the sidecar: the archive was written this way or its sidecar was recomputed)"
            } else {
                ""
            };
            Err(Error::integrity(path, format!("{w}{why}")))
        }
        Some(Err(_)) => unreachable!("cancel, staging and format errors returned above"),
    }
}

/// Reads the whole file once, hashing it and feeding the walker. Keeps hashing after the
/// walker stopped, so that the sidecar verdict is always known.
fn hash_file(
    mut file: File,
    path: &Path,
    size: u64,
    feed: Option<SyncSender<Vec<u8>>>,
    recycled: &Receiver<Vec<u8>>,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    let mut counter = StepCounter::new(reporter, "read", Some(size));
    let mut feed = feed;
    loop {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let mut buf = recycled.try_recv().unwrap_or_default();
        buf.resize(CHUNK, 0);
        let n = loop {
            match file.read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(path, "read", e)),
            }
        };
        if n == 0 {
            break;
        }
        buf.truncate(n);
        hasher.update(&buf);
        counter.add(n as u64);
        if let Some(tx) = &feed
            && tx.send(buf).is_err()
        {
            feed = None; // the walker stopped; its verdict is waiting
        }
    }
    counter.flush();
    Ok(hasher.finalize().into())
}

/// The walker's side of the chunk channel; hands spent buffers back for reuse.
struct ChannelReader {
    rx: Receiver<Vec<u8>>,
    recycle: Sender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
}

impl ChannelReader {
    fn new(rx: Receiver<Vec<u8>>, recycle: Sender<Vec<u8>>) -> Self {
        ChannelReader {
            rx,
            recycle,
            current: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = buf.len().min(avail.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// The chunks themselves are the buffer: the decompressor reads them without another copy.
impl io::BufRead for ChannelReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.current.len() {
            match self.rx.recv() {
                Ok(next) => {
                    let spent = std::mem::replace(&mut self.current, next);
                    let _ = self.recycle.send(spent);
                    self.pos = 0;
                }
                Err(_) => return Ok(&[]),
            }
        }
        Ok(&self.current[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.current.len());
    }
}
