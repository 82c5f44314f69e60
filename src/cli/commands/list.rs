//! `lifeboat list [DIR]...`: archives newest first, with state, age, size and components.

use std::path::PathBuf;

use serde::Serialize;

use crate::cli::args::ListArgs;
use crate::cli::context::{Context, fail};
use crate::cli::output;
use crate::cli::render::{self, size};
use crate::engine::catalog::{self, ArchiveInfo, ListState};
use crate::engine::exit;
use crate::engine::text::{sanitize, sanitize_max};

pub fn run(ctx: &Context, args: &ListArgs) -> u8 {
    let explicit = !args.dirs.is_empty();
    let dirs = if explicit {
        args.dirs.clone()
    } else {
        configured_dirs(ctx)
    };
    let index = ctx.index();
    let now = jiff::Timestamp::now();
    let mut code = exit::OK;
    for dir in &dirs {
        let listing = match catalog::list_dir(dir, index.as_ref()) {
            Ok(l) => l,
            Err(e) if !explicit && e.kind() == crate::engine::ErrorKind::NotFound => {
                output::err(&format!(
                    "lifeboat: {}: no such folder yet (nothing backed up there)",
                    dir.display()
                ));
                continue;
            }
            Err(e) => {
                fail(&e, ctx.json);
                code = exit::worst([code, exit::for_error(e.kind())]);
                continue;
            }
        };
        if ctx.json {
            for a in &listing {
                render::json_print(&Row::new(dir, a, now));
            }
        } else {
            print_table(dir, &listing, now);
        }
    }
    code
}

/// The config's backup folders plus the default output folder of the default profile.
pub(crate) fn configured_dirs(ctx: &Context) -> Vec<PathBuf> {
    let cfg = &ctx.config.config;
    let mut dirs = cfg.backup_dirs.clone();
    let profile = cfg.default_profile.as_deref().unwrap_or("tars-home");
    let out = ctx.locations.default_output(cfg, profile);
    if !dirs.contains(&out) {
        dirs.push(out);
    }
    dirs
}

fn state_word(a: &ArchiveInfo) -> String {
    let mut s = match a.state {
        ListState::Verified => "verified".to_string(),
        ListState::NotVerified => "not verified".to_string(),
        ListState::Mismatch => "MISMATCH".to_string(),
        ListState::Uncommitted => "uncommitted".to_string(),
        ListState::Orphan => "orphan".to_string(),
    };
    if a.partial {
        s.push_str(" +partial");
    }
    if a.is_safety() {
        s.push_str(" (safety)");
    }
    s
}

fn print_table(dir: &std::path::Path, listing: &[ArchiveInfo], now: jiff::Timestamp) {
    output::out(&format!("{}  ({} archives)", dir.display(), listing.len()));
    if listing.is_empty() {
        return;
    }
    output::out(&format!(
        "  {:<19}  {:>7}  {:>10}  {:<22}  {:<44}  {}",
        "TIME", "AGE", "SIZE", "STATE", "COMPONENTS", "FILE"
    ));
    for a in listing {
        let time = a
            .time()
            .map(|t| {
                t.to_zoned(jiff::tz::TimeZone::system())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_else(|| "-".into());
        let age = a
            .time()
            .map(|t| catalog::age(now, t))
            .unwrap_or_else(|| "-".into());
        let sz = a.size.map(size).unwrap_or_else(|| "-".into());
        let mut comps = match &a.manifest {
            Some(m) => m
                .components
                .iter()
                .map(|c| sanitize(c))
                .collect::<Vec<_>>()
                .join(","),
            None => "?".into(),
        };
        if let Some(m) = &a.manifest {
            let failed = m.failed();
            if !failed.is_empty() {
                comps.push_str(&format!(
                    " FAILED:{}",
                    failed
                        .iter()
                        .map(|c| sanitize(c))
                        .collect::<Vec<_>>()
                        .join(",")
                ));
            }
        }
        output::out(&format!(
            "  {time:<19}  {age:>7}  {sz:>10}  {:<22}  {comps:<44}  {}",
            state_word(a),
            sanitize(&a.file)
        ));
        if let Some(r) = a.reason.as_ref().filter(|_| a.state == ListState::Mismatch) {
            output::out(&format!("      {}", sanitize_max(r, 1000)));
        }
        if let Some(p) = &a.manifest_problem {
            output::out(&format!(
                "      manifest unreadable: {}",
                sanitize_max(p, 1000)
            ));
        }
    }
}

/// One archive as a `--json` line (docs/json.md, `"event":"archive"`).
#[derive(Serialize)]
struct Row<'a> {
    event: &'static str,
    #[serde(serialize_with = "crate::engine::text::serialize_path_lossy")]
    dir: &'a std::path::Path,
    file: String,
    #[serde(serialize_with = "crate::engine::text::serialize_path_lossy")]
    path: &'a std::path::Path,
    state: ListState,
    partial: bool,
    kind: Option<crate::engine::archive::ArchiveKind>,
    timestamp: Option<String>,
    age_seconds: Option<i64>,
    size: Option<u64>,
    components: Vec<String>,
    failed_components: Vec<String>,
    format: Option<u32>,
    profile: Option<String>,
    verified_at: Option<&'a str>,
    reason: Option<&'a str>,
    warnings: Vec<String>,
    manifest_problem: Option<&'a str>,
}

impl<'a> Row<'a> {
    fn new(dir: &'a std::path::Path, a: &'a ArchiveInfo, now: jiff::Timestamp) -> Self {
        let m = a.manifest.as_ref();
        Row {
            event: "archive",
            dir,
            file: a.file.clone(),
            path: &a.path,
            state: a.state,
            partial: a.partial,
            kind: m.map(|m| m.archive_kind()),
            timestamp: m.map(|m| m.timestamp.clone()),
            age_seconds: a.time().map(|t| now.as_second() - t.as_second()),
            size: a.size,
            components: m.map(|m| m.components.clone()).unwrap_or_default(),
            failed_components: m
                .map(|m| m.failed().into_iter().map(str::to_string).collect())
                .unwrap_or_default(),
            format: m.map(|m| m.format()),
            profile: m.and_then(|m| m.profile.clone()),
            verified_at: a.verified_at.as_deref(),
            reason: a.reason.as_deref(),
            warnings: m.map(|m| m.warnings().to_vec()).unwrap_or_default(),
            manifest_problem: a.manifest_problem.as_deref(),
        }
    }
}
