//! The real restore backend without Docker: the wizard's target read from a written archive
//! and a profile, the recovery state read (never the lock taken), the words of a plan.

use std::path::Path;

use serde_json::json;

use crate::engine::journal::Record;
use crate::engine::progress::Cancel;
use crate::engine::restore::rows::expected;
use crate::engine::state::Locations;
use crate::tui::backend::Engine;
use crate::tui::backend::incidents::incidents;
use crate::tui::backend::wizard::*;
use crate::tui::state::incidents::LockNow;
#[test]
fn fingerprints_read_as_a_few_words() {
    assert_eq!(
        expected(&json!({"tables": {"messages": 12340, "users": 3}})).as_deref(),
        Some("2 tables, 12,343 rows")
    );
    assert_eq!(
        expected(&json!({"keys": 1500, "expires": 2})).as_deref(),
        Some("1,500 keys")
    );
    assert_eq!(
        expected(&json!({"collections": {"docs": 40}, "files": 12, "bytes": 2048})).as_deref(),
        Some("1 collections, 40 records; 12 files, 2 KiB")
    );
    assert_eq!(expected(&json!({"other": 1})), None);
}

/// Without a state folder nothing is read, and the lock is still looked at (not taken).
#[test]
fn incidents_without_a_state_folder_read_only_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("lifeboat.lock");
    let l = Locations {
        state: None,
        lock: lock.clone(),
        staging: None,
        output_root: dir.path().into(),
        is_root: false,
    };
    let i = incidents(&l);
    assert_eq!(i.lock.now, LockNow::Free);
    assert!(i.interrupted.is_empty() && i.stopped.is_empty());
    assert!(!lock.exists(), "looking never creates the lock file");
}

fn engine(dir: &Path) -> Engine {
    let locations = Locations {
        state: Some(dir.join("state")),
        lock: dir.join("lifeboat.lock"),
        staging: None,
        output_root: dir.into(),
        is_root: false,
    };
    Engine::new(
        None,
        crate::engine::host::Host::new(Default::default(), locations),
    )
}

/// The wizard's choices come from the archive and the profile: the default selection
/// ticked (files components off), a component the profile does not know shown but unknown.
#[test]
fn the_target_ticks_the_default_selection_of_a_real_archive() {
    use crate::engine::archive::writer::{self, ArchiveRequest, Member, Source};
    let dir = tempfile::tempdir().unwrap();
    let mut m = crate::tui::tests::fixtures::manifest(
        "tars-backup-20260106_030000",
        "2026-01-06T03:00:00+00:00",
        &[
            ("postgres", "postgres", "postgres.sql.gz", 3),
            ("configuration", "files", "config/", 0),
            ("n8n", "volume", "n8n.tar.gz", 3),
        ],
    );
    // Made with a profile this host does not know.
    m.profile = Some("gone".into());
    // Real hashes: the writer checks the manifest against what it writes.
    use sha2::Digest;
    let abc = hex::encode(sha2::Sha256::digest(b"abc"));
    let empty = hex::encode(crate::engine::archive::expected::folder_hash_sorted(&[]));
    m.checksums.clear();
    for (name, d) in m.details_mut().iter_mut() {
        d.extra_files.clear();
        d.sha256 = if name == "configuration" {
            empty.clone()
        } else {
            abc.clone()
        };
    }
    m.checksums = m
        .details()
        .values()
        .map(|d| (d.file.clone(), d.sha256.clone()))
        .collect();
    let members = ["postgres.sql.gz", "n8n.tar.gz"]
        .iter()
        .map(|n| Member {
            name: n.to_string(),
            source: Source::Bytes(b"abc".to_vec()),
            store: true,
        })
        .collect();
    let committed = writer::write(
        ArchiveRequest {
            dir: dir.path().join("out"),
            prefix: "tars-backup".into(),
            when: "2026-01-06T03:00:00[UTC]".parse().unwrap(),
            manifest: m,
            members,
        },
        &crate::engine::progress::Silent,
        &Cancel::new(),
    )
    .unwrap();
    let t = target(&engine(dir.path()), &committed.archive, Some("tars-home")).unwrap();
    assert_eq!(
        (t.profile.as_str(), t.stack.as_str()),
        ("tars-home", "tars-home")
    );
    let got: Vec<(&str, &str, bool, bool)> = t
        .choices
        .iter()
        .map(|c| (c.name.as_str(), c.kind.as_str(), c.on, c.unknown))
        .collect();
    assert_eq!(
        got,
        [
            ("postgres", "postgres", true, false),
            ("configuration", "files", false, false),
            ("n8n", "volume", false, true),
        ]
    );
    // An unknown profile named by the archive falls back to the configured one.
    let t = target(&engine(dir.path()), &committed.archive, None).unwrap();
    assert_eq!((t.profile.as_str(), t.spec), ("tars-home", None));
    let t = target(&engine(dir.path()), &committed.archive, Some("gone")).unwrap();
    assert_eq!((t.profile.as_str(), t.spec), ("tars-home", None));
}

/// An unsettled journal is listed with what `describe` says; one whose process still
/// runs (this test's own) is marked alive, so it is not offered for settling.
#[test]
fn unsettled_journals_are_read_without_the_lock() {
    use crate::engine::journal::{Begin, Journal, Undo};
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path());
    let state = e.host.locations.state.clone().unwrap();
    let begin = |id: &str, pid: u32| Begin {
        id: id.into(),
        pid,
        archive: dir.path().join("tars-backup-20260105_030000.tar.gz"),
        archive_sha256: "feed".into(),
        profile_spec: None,
        project: None,
        profile: "tars-home".into(),
        components: vec!["redis".into()],
        keep_partial: false,
        undoes: None,
    };
    let j = Journal::create(&state, begin("20260105221500", u32::MAX - 1)).unwrap();
    j.append(Record::Unit {
        component: "redis".into(),
        containers: vec!["tars-home-redis".into()],
        undo: Undo::Exec,
    })
    .unwrap();
    j.append(Record::SwapBegin {
        component: "redis".into(),
    })
    .unwrap();
    Journal::create(&state, begin("20260105221600", std::process::id())).unwrap();
    let i = incidents(&e.host.locations);
    assert_eq!(i.interrupted.len(), 2);
    let first = &i.interrupted[0];
    assert!(!first.alive);
    assert_eq!(
        first.units,
        [("redis".to_string(), "HALF-SWAPPED: kept stopped")]
    );
    assert!(
        first.describe.contains("with redis half-swapped"),
        "{}",
        first.describe
    );
    assert!(i.interrupted[1].alive, "its process runs: not interrupted");
    assert_eq!(i.to_settle().map(|r| r.id.as_str()), Some("20260105221500"));
    assert!(
        !e.host.locations.lock.exists(),
        "looking never creates the lock file"
    );
}
