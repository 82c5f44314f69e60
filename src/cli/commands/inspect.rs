//! `lifeboat inspect FILE`: the manifest for a person, or re-serialized with `--json`.

use std::path::Path;

use crate::cli::args::InspectArgs;
use crate::cli::context::{Context, fail};
use crate::cli::output;
use crate::cli::render::size;
use crate::engine::archive::manifest::{MAX_MANIFEST_BYTES, Refusal};
use crate::engine::archive::names::{self, FolderEntry};
use crate::engine::archive::read_regular;
use crate::engine::archive::{Manifest, peek};
use crate::engine::error::{Error, Result};
use crate::engine::exit;
use crate::engine::text::sanitize;

pub fn run(ctx: &Context, args: &InspectArgs) -> u8 {
    let (manifest, from_copy) = match load(&args.file) {
        Ok(v) => v,
        Err(e) => {
            fail(&e, ctx.json);
            return exit::for_error(e.kind());
        }
    };
    let verified = ctx.index().and_then(|i| i.verify_result(&args.file));
    if ctx.json {
        // Re-serialized from the parsed model (never the stored bytes), on one line so the
        // output stays one JSON document per line, like every --json output.
        output::out(&output::json_line(&manifest));
    } else {
        print(&args.file, &manifest, from_copy, verified.as_ref());
    }
    trust_code(ctx, &args.file, from_copy, verified.as_ref())
}

/// The manifest was shown either way; the exit code still says when the archive cannot be
/// trusted: no sidecar (not committed), or a failed verify that nothing changed since.
fn trust_code(
    ctx: &Context,
    file: &Path,
    from_copy: bool,
    verified: Option<&crate::engine::index::VerifyRecord>,
) -> u8 {
    if from_copy {
        return exit::OK;
    }
    let sidecar = crate::engine::archive::sidecar_path(file);
    let problem = if !sidecar.exists() {
        Some(Error::NotCommitted {
            archive: file.to_path_buf(),
            sidecar,
        })
    } else {
        verified.filter(|v| v.state == "mismatch").map(|v| {
            let why = v.reason.as_deref().unwrap_or("mismatch");
            Error::integrity(file, format!("its last verify failed ({}): {why}", v.at))
        })
    };
    match problem {
        Some(e) => {
            fail(&e, ctx.json);
            exit::for_error(e.kind())
        }
        None => exit::OK,
    }
}

fn load(path: &Path) -> Result<(Manifest, bool)> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if let FolderEntry::ManifestCopy { .. } = names::classify(name) {
        let bytes = read_regular(path, MAX_MANIFEST_BYTES)?
            .ok_or_else(|| Error::NotFound(path.to_path_buf()))?;
        let m = Manifest::parse(&bytes).map_err(|e| match e.1 {
            Refusal::NewerFormat => Error::Unsupported {
                path: path.to_path_buf(),
                reason: e.to_string(),
            },
            Refusal::Invalid => Error::integrity(path, e.to_string()),
        })?;
        return Ok((m, true));
    }
    Ok((peek::read_manifest(path)?, false))
}

fn print(
    path: &Path,
    m: &Manifest,
    from_copy: bool,
    verified: Option<&crate::engine::index::VerifyRecord>,
) {
    let s = |v: &str| sanitize(v);
    let field = |k: &str, v: String| output::out(&format!("{k:<14}{v}"));
    field("File", path.display().to_string());
    field("Backup name", s(&m.backup_name));
    let writer = if m.is_v1() {
        format!("T.A.R.S. backup-tars.sh {}", s(&m.version))
    } else {
        format!(
            "lifeboat {}",
            s(m.tool_version.as_deref().unwrap_or(&m.version))
        )
    };
    field("Format", format!("{} (written by {writer})", m.format()));
    field("Kind", format!("{:?}", m.archive_kind()).to_lowercase());
    let age = crate::engine::catalog::ago(m.instant());
    field("Captured", format!("{}{age}", s(&m.timestamp)));
    field("Host", s(&m.host));
    if let Some(p) = &m.profile {
        field("Profile", s(p));
    }
    let trust = match (from_copy, verified) {
        (true, _) => {
            "read from the manifest copy beside the archive; run `lifeboat verify` on the archive"
                .to_string()
        }
        (false, Some(v)) => format!("{} at {}", v.state, v.at),
        (false, None) => "not verified; run `lifeboat verify` on it".to_string(),
    };
    field("Verified", trust);
    output::out("");
    output::out("Components");
    for c in &m.components {
        match m.details().get(c) {
            Some(d) => {
                let mut facts = vec![size(d.size)];
                facts.extend(d.capture_mode.as_deref().map(s));
                facts.extend(
                    d.captured_at
                        .as_deref()
                        .map(|t| format!("captured {}", s(t))),
                );
                facts.extend(d.image.as_deref().map(|i| format!("image {}", s(i))));
                facts.extend(
                    d.server_version
                        .as_deref()
                        .map(|v| format!("server {}", s(v))),
                );
                if d.on_volume == Some(false) {
                    facts.push("NOT on a volume".into());
                }
                output::out(&format!(
                    "  {:<16}{:<28} {}",
                    s(c),
                    s(&d.file),
                    facts.join(", ")
                ));
                for f in &d.extra_files {
                    output::out(&format!(
                        "  {:<16}  {:<26} {}",
                        "",
                        s(&f.file),
                        size(f.size)
                    ));
                }
            }
            None => {
                let file = crate::engine::archive::manifest::V1_COMPONENT_FILES
                    .iter()
                    .find(|(n, _)| n == c)
                    .map(|(_, f)| *f)
                    .unwrap_or("?");
                output::out(&format!("  {:<16}{}", s(c), file));
            }
        }
    }
    let failed = m.failed();
    field(
        "Failed",
        if failed.is_empty() {
            "none".into()
        } else {
            failed.iter().map(|c| s(c)).collect::<Vec<_>>().join(", ")
        },
    );
    if !m.warnings().is_empty() {
        output::out("Warnings");
        for w in m.warnings() {
            output::out(&format!("  {}", s(w)));
        }
    }
    if !m.docker_volumes.is_empty() {
        field(
            "Volumes",
            m.docker_volumes
                .iter()
                .map(|v| s(v))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if !m.options.is_empty() {
        field(
            "Options",
            m.options
                .iter()
                .map(|(k, v)| format!("{}={}", s(k), s(&v.to_string())))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    output::out("Checksums");
    for (file, hash) in &m.checksums {
        output::out(&format!("  {}  {}", s(hash), s(file)));
    }
}
