//! `verify`: prove archives intact (sidecar, every entry, every component hash, the component
//! tars' entries) and remember the result in the index.
//!
//! A verdict never throws: every outcome, including "not found" and "not committed", is a
//! [`Verdict`] with one line of reason, so a folder of archives is always reported in full.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::archive::names::{self, FolderEntry};
use crate::engine::archive::reader::{self, ReadOptions, SidecarPolicy};
use crate::engine::archive::{Manifest, manifest_copy_path};
use crate::engine::error::{Error, ErrorKind};
use crate::engine::index::{Index, VerifyRecord};
use crate::engine::progress::{Cancel, Event, Reporter};
use crate::engine::text::sanitize;

/// The outcome of verifying one archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyState {
    Verified,
    /// Verified, with warnings (a version-1 folder hash that cannot be reproduced).
    Warnings,
    /// Damaged, malformed, or not what its manifest says.
    Mismatch,
    /// No sidecar: the backup never committed.
    NotCommitted,
    /// A sidecar whose archive is gone.
    Orphan,
    NotFound,
    /// Could not be checked (permissions, I/O, a newer format).
    Error,
    Cancelled,
}

/// One component as verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentVerdict {
    pub name: String,
    pub file: String,
    pub size: Option<u64>,
}

/// The verdict on one archive.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    #[serde(serialize_with = "crate::engine::text::serialize_path_lossy")]
    pub archive: PathBuf,
    pub state: VerifyState,
    /// Why it is not verified, in one line.
    pub reason: Option<String>,
    pub warnings: Vec<String>,
    /// Facts worth knowing that do not change the verdict.
    pub notes: Vec<String>,
    pub format: Option<u32>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    pub components: Vec<ComponentVerdict>,
    pub failed_components: Vec<String>,
    /// Only the sidecar was checked.
    pub sidecar_only: bool,
}

impl Verdict {
    fn bare(archive: &Path, state: VerifyState, reason: Option<String>) -> Verdict {
        Verdict {
            archive: archive.to_path_buf(),
            state,
            reason,
            warnings: Vec::new(),
            notes: Vec::new(),
            format: None,
            size: None,
            sha256: None,
            components: Vec::new(),
            failed_components: Vec::new(),
            sidecar_only: false,
        }
    }
}

/// How to verify.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions {
    /// Hash the file against its sidecar only (fast); do not look inside.
    pub sidecar_only: bool,
}

/// What a path given to `verify` stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Archive(PathBuf),
    /// A sidecar without its archive.
    Orphan(PathBuf),
}

/// The archives (and orphan sidecars) `path` names: itself, or the contents of a folder.
pub fn targets(path: &Path) -> Result<Vec<Target>, Error> {
    let md = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(path.to_path_buf()),
        _ => Error::io(path, "stat", e),
    })?;
    if !md.is_dir() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        return Ok(vec![match names::classify(name) {
            FolderEntry::Sidecar { archive } | FolderEntry::ManifestCopy { archive } => {
                let a = path.with_file_name(archive);
                if a.exists() {
                    Target::Archive(a)
                } else {
                    Target::Orphan(path.to_path_buf())
                }
            }
            _ => Target::Archive(path.to_path_buf()),
        }]);
    }
    let mut archives = std::collections::BTreeSet::new();
    let mut sidecars = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, "list folder", e))? {
        let entry = entry.map_err(|e| Error::io(path, "list folder", e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        match names::classify(&name) {
            FolderEntry::Archive { name } => {
                archives.insert(name);
            }
            FolderEntry::Sidecar { archive } => {
                sidecars.insert(archive);
            }
            _ => {}
        }
    }
    let mut out: Vec<Target> = archives
        .iter()
        .map(|a| Target::Archive(path.join(a)))
        .collect();
    out.extend(
        sidecars
            .difference(&archives)
            .map(|a| Target::Orphan(path.join(format!("{a}{}", names::SIDECAR_EXT)))),
    );
    Ok(out)
}

/// Verifies one target, recording the result in `index` when there is one.
pub fn verify_target(
    target: &Target,
    opts: VerifyOptions,
    index: Option<&Index>,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Verdict {
    match target {
        Target::Orphan(sidecar) => Verdict::bare(
            sidecar,
            VerifyState::Orphan,
            Some(format!("{}: its archive is missing", sidecar.display())),
        ),
        Target::Archive(archive) => verify_archive(archive, opts, index, reporter, cancel),
    }
}

/// Verifies one archive.
pub fn verify_archive(
    path: &Path,
    opts: VerifyOptions,
    index: Option<&Index>,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Verdict {
    reporter.event(Event::JobStarted {
        job: "verify".into(),
        target: path.display().to_string(),
    });
    let read_opts = ReadOptions {
        sidecar: if opts.sidecar_only {
            SidecarPolicy::Only
        } else {
            SidecarPolicy::Required
        },
        ..ReadOptions::verify()
    };
    let mut embedded = None;
    let mut identity = crate::engine::index::ArchiveIdentity::of(path);
    let verdict = match reader::read(path, &read_opts, reporter, cancel) {
        Ok(report) => {
            let mut v = Verdict::bare(path, VerifyState::Verified, None);
            v.size = Some(report.size);
            v.sha256 = Some(hex::encode(report.sha256));
            v.sidecar_only = opts.sidecar_only;
            v.warnings = report.warnings;
            if let Some(s) = &report.sidecar
                && s.names_a_path()
            {
                v.notes.push(format!(
                    "the sidecar names {} (a version-1 sidecar): `sha256sum -c` works only where that path exists",
                    sanitize(&s.named)
                ));
            }
            if let Some(m) = &report.manifest {
                describe(&mut v, m, &report.files);
                check_manifest_copy(&mut v, path, m);
            }
            if !v.warnings.is_empty() {
                v.state = VerifyState::Warnings;
            }
            embedded = report.manifest;
            identity = Some(report.identity);
            v
        }
        Err(e) => {
            let state = match e.kind() {
                ErrorKind::NotFound => VerifyState::NotFound,
                ErrorKind::NotCommitted => VerifyState::NotCommitted,
                ErrorKind::Integrity => VerifyState::Mismatch,
                ErrorKind::Cancelled => VerifyState::Cancelled,
                _ => VerifyState::Error,
            };
            Verdict::bare(path, state, Some(e.to_string()))
        }
    };
    if let (Some(index), Some(identity)) = (index, identity) {
        remember(index, &verdict, identity, embedded);
    }
    reporter.event(Event::JobFinished {
        job: "verify".into(),
        ok: matches!(verdict.state, VerifyState::Verified | VerifyState::Warnings),
        summary: summary_line(&verdict),
    });
    verdict
}

fn describe(v: &mut Verdict, m: &Manifest, files: &[crate::engine::archive::walk::FileSeen]) {
    v.format = Some(m.format());
    v.failed_components = m.failed().into_iter().map(str::to_string).collect();
    for c in &m.components {
        let file = m
            .details()
            .get(c)
            .map(|d| d.file.clone())
            .or_else(|| {
                crate::engine::archive::manifest::V1_COMPONENT_FILES
                    .iter()
                    .find(|(n, _)| n == c)
                    .map(|(_, f)| (*f).to_string())
            })
            .unwrap_or_default();
        let size = if file.ends_with('/') {
            Some(
                files
                    .iter()
                    .filter(|f| f.name.starts_with(&file))
                    .map(|f| f.size)
                    .sum(),
            )
        } else {
            files.iter().find(|f| f.name == file).map(|f| f.size)
        };
        v.components.push(ComponentVerdict {
            name: c.clone(),
            file,
            size,
        });
    }
    if !v.failed_components.is_empty() {
        v.notes.push(format!(
            "components that failed at backup time: {}",
            v.failed_components.join(", ")
        ));
    }
    for w in m.warnings() {
        v.notes
            .push(format!("the backup recorded a warning: {}", sanitize(w)));
    }
}

/// The manifest copy beside the archive is only for fast listing; say so if it disagrees.
fn check_manifest_copy(v: &mut Verdict, archive: &Path, embedded: &Manifest) {
    let copy_path = manifest_copy_path(archive);
    let Ok(Some(bytes)) = crate::engine::archive::read_regular(
        &copy_path,
        crate::engine::archive::manifest::MAX_MANIFEST_BYTES,
    ) else {
        return;
    };
    match Manifest::parse(&bytes) {
        Ok(copy) if &copy == embedded => {}
        _ => v.warnings.push(format!(
            "{} differs from the manifest inside the archive; listings will use the archive's",
            copy_path.display()
        )),
    }
}

/// Records the verdict, and the manifest as it is inside the archive, so that listings show
/// what the archive holds rather than what its copy claims.
fn remember(
    index: &Index,
    v: &Verdict,
    identity: crate::engine::index::ArchiveIdentity,
    embedded: Option<Manifest>,
) {
    let state = match v.state {
        VerifyState::Verified => "verified",
        VerifyState::Warnings => "warnings",
        VerifyState::Mismatch => "mismatch",
        _ => return,
    };
    if v.sidecar_only && v.state != VerifyState::Mismatch {
        return; // a sidecar check alone does not make an archive "verified"
    }
    let record = VerifyRecord {
        at: jiff::Timestamp::now().to_string(),
        state: state.to_string(),
        reason: v.reason.clone().or_else(|| v.warnings.first().cloned()),
        sha256: v.sha256.clone().unwrap_or_default(),
    };
    let _ = index.record_verify(&v.archive, identity, record, embedded);
}

/// One line for logs and the job summary.
pub fn summary_line(v: &Verdict) -> String {
    let name = v
        .archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match (&v.state, &v.reason) {
        (VerifyState::Verified, _) if v.sidecar_only => format!("{name}: sidecar OK"),
        (VerifyState::Verified, _) => format!("{name}: verified"),
        (VerifyState::Warnings, _) => format!("{name}: verified with warnings"),
        (_, Some(r)) => r.clone(),
        (s, None) => format!("{name}: {s:?}"),
    }
}
