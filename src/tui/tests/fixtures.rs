//! Test fixtures: two backup folders holding one archive in each state, built in memory with
//! fixed times (now is 2026-01-06 12:00 UTC), so updates and screens are deterministic.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::engine::archive::{ArchiveKind, ComponentDetails, FileRecord, Manifest};
use crate::engine::catalog::{ArchiveInfo, ListState};
use crate::engine::verify::{ComponentVerdict, Verdict, VerifyState};
use crate::tui::state::action::{Action, ListError};
use crate::tui::state::app::App;

pub const NOW: &str = "2026-01-06T12:00:00Z";
pub const HOME: &str = "/var/backups/lifeboat/tars-home";
pub const NAS: &str = "/mnt/nas/lifeboat";

pub fn now() -> jiff::Timestamp {
    NOW.parse().unwrap()
}

pub fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(c: KeyCode) -> Action {
    Action::Key(KeyEvent::from(c))
}

pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// A format-2 manifest of `name` captured at `ts`, holding `components` (name, kind, file,
/// size).
pub fn manifest(name: &str, ts: &str, components: &[(&str, &str, &str, u64)]) -> Manifest {
    let mut details = BTreeMap::new();
    let mut checksums = BTreeMap::new();
    for (i, (c, kind, file, size)) in components.iter().enumerate() {
        let sha = format!("{:064x}", 0xabc0 + i);
        checksums.insert(file.to_string(), sha.clone());
        let mut d = ComponentDetails {
            kind: Some(kind.to_string()),
            file: file.to_string(),
            size: *size,
            sha256: sha,
            captured_at: Some(ts.to_string()),
            capture_mode: Some(
                if *kind == "postgres" {
                    "logical_dump"
                } else {
                    "stopped_copy"
                }
                .into(),
            ),
            ..Default::default()
        };
        if *kind == "postgres" {
            d.server_version = Some("15.10".into());
            d.image = Some("postgres:15".into());
            d.fingerprint = Some(serde_json::json!({"rows": {"messages": 12340}}));
            let globals = "postgres-globals.sql";
            checksums.insert(globals.into(), format!("{:064x}", 0xdef));
            d.extra_files.push(FileRecord {
                file: globals.into(),
                size: 812,
                sha256: format!("{:064x}", 0xdef),
            });
        }
        details.insert(c.to_string(), d);
    }
    Manifest {
        format: Some(2),
        version: "0.1.0".into(),
        timestamp: ts.into(),
        backup_name: name.into(),
        components: components.iter().map(|c| c.0.to_string()).collect(),
        checksums,
        host: "homeserver".into(),
        docker_volumes: vec!["tars-home_chroma_data".into()],
        options: [("include_models".to_string(), serde_json::json!(false))].into(),
        failed_components: Vec::new(),
        tool_version: Some("0.1.0".into()),
        profile: Some("tars-home".into()),
        kind: Some(ArchiveKind::Backup),
        warnings: Some(Vec::new()),
        details: Some(details),
        extra: BTreeMap::new(),
    }
}

const TARS: &[(&str, &str, &str, u64)] = &[
    ("chromadb", "chroma", "chromadb.tar.gz", 48_300_000),
    ("postgres", "postgres", "postgres.sql.gz", 212_000_000),
    ("redis", "redis", "redis-dump.rdb", 3_100_000),
    ("configuration", "files", "config/", 4_096),
];

fn info(
    dir: &str,
    file: &str,
    state: ListState,
    m: Option<Manifest>,
    size: Option<u64>,
) -> ArchiveInfo {
    ArchiveInfo {
        file: file.into(),
        path: PathBuf::from(dir).join(file),
        state,
        verified_at: None,
        reason: None,
        partial: false,
        size,
        manifest: m,
        manifest_problem: None,
    }
}

/// The home folder: verified, not verified (with a failed component and a hostile host
/// name), mismatch, uncommitted + partial, orphan.
pub fn home_listing() -> Vec<ArchiveInfo> {
    let mut verified = info(
        HOME,
        "tars-backup-20260106_030000.tar.gz",
        ListState::Verified,
        Some(manifest(
            "tars-backup-20260106_030000",
            "2026-01-06T03:00:00+00:00",
            TARS,
        )),
        Some(263_500_000),
    );
    verified.verified_at = Some("2026-01-06T04:10:00Z".into());
    let mut m = manifest(
        "tars-backup-20260105_030000",
        "2026-01-05T03:00:00+00:00",
        &TARS[..3],
    );
    m.failed_components = vec!["configuration".into()];
    m.host = "home\x1b[2Jserver".into();
    m.warnings = Some(vec![
        "component redis is under half its size in the previous backup".into(),
    ]);
    let not_verified = info(
        HOME,
        "tars-backup-20260105_030000.tar.gz",
        ListState::NotVerified,
        Some(m),
        Some(262_900_000),
    );
    let mut mismatch = info(
        HOME,
        "tars-backup-20260104_030000.tar.gz",
        ListState::Mismatch,
        Some(manifest(
            "tars-backup-20260104_030000",
            "2026-01-04T03:00:00+00:00",
            TARS,
        )),
        Some(261_000_000),
    );
    mismatch.verified_at = Some("2026-01-05T09:30:00Z".into());
    mismatch.reason = Some(
        "tars-backup-20260104_030000.tar.gz: integrity: the SHA-256 of the archive does not match its sidecar (the file changed or is damaged)".into(),
    );
    let mut uncommitted = info(
        HOME,
        "tars-backup-20260103_030000.tar.gz",
        ListState::Uncommitted,
        Some(manifest(
            "tars-backup-20260103_030000",
            "2026-01-03T03:00:00+00:00",
            TARS,
        )),
        Some(120_000_000),
    );
    uncommitted.partial = true;
    let mut orphan = info(
        HOME,
        "tars-backup-20260102_030000.tar.gz",
        ListState::Orphan,
        None,
        None,
    );
    orphan.path = PathBuf::from(HOME).join("tars-backup-20260102_030000.tar.gz.sha256");
    orphan.reason = Some("sidecar without its archive".into());
    vec![verified, not_verified, mismatch, uncommitted, orphan]
}

/// The NAS folder: a safety backup and a version-1 archive whose manifest is not known yet.
pub fn nas_listing() -> Vec<ArchiveInfo> {
    let mut m = manifest(
        "lifeboat-safety-tars-home-20260105_120000",
        "2026-01-05T12:00:00+00:00",
        &TARS[1..2],
    );
    m.kind = Some(ArchiveKind::Safety);
    let safety = info(
        NAS,
        "lifeboat-safety-tars-home-20260105_120000.tar.gz",
        ListState::NotVerified,
        Some(m),
        Some(210_000_000),
    );
    let v1 = info(
        NAS,
        "tars-backup-20251231_030000.tar.gz",
        ListState::NotVerified,
        None,
        Some(5_400_000_000),
    );
    vec![safety, v1]
}

/// The console over both folders, listed, at `size`.
pub fn app(size: (u16, u16)) -> App {
    let mut app = App::new(
        vec![(HOME.into(), false), (NAS.into(), true)],
        now(),
        jiff::tz::TimeZone::UTC,
        size,
        true,
    );
    app.update(Action::FolderListed {
        folder: 0,
        result: Ok(home_listing()),
    });
    app.update(Action::FolderListed {
        folder: 1,
        result: Ok(nas_listing()),
    });
    app
}

/// The console with a configured folder that does not exist yet and nothing else.
pub fn empty_app(size: (u16, u16)) -> App {
    let mut app = App::new(
        vec![(HOME.into(), false)],
        now(),
        jiff::tz::TimeZone::UTC,
        size,
        false,
    );
    app.update(Action::FolderListed {
        folder: 0,
        result: Err(ListError::Missing),
    });
    app
}

/// A verdict on `archive`.
pub fn verdict(archive: &str, state: VerifyState, reason: Option<&str>) -> Verdict {
    let ok = matches!(state, VerifyState::Verified);
    Verdict {
        archive: PathBuf::from(HOME).join(archive),
        state,
        reason: reason.map(str::to_string),
        warnings: Vec::new(),
        notes: Vec::new(),
        format: ok.then_some(2),
        size: ok.then_some(262_900_000),
        sha256: ok.then(|| format!("{:064x}", 0x5eed)),
        components: if ok {
            TARS[..3]
                .iter()
                .map(|(n, _, f, s)| ComponentVerdict {
                    name: n.to_string(),
                    file: f.to_string(),
                    size: Some(*s),
                })
                .collect()
        } else {
            Vec::new()
        },
        failed_components: Vec::new(),
        sidecar_only: false,
    }
}
