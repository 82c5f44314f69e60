//! Hostile entries in the outer archive and in component tars: traversal, links, devices,
//! duplicates, undeclared entries, bombs. The whole archive is refused, and a canary folder
//! beside the staging folder proves nothing outside staging was touched (reliability plan
//! X1-X3, V6, R1).

use std::path::{Path, PathBuf};

use crate::common::*;
use lifeboat::engine::archive::reader::{self, ReadOptions, SidecarPolicy};
use lifeboat::engine::progress::{Cancel, Silent};

const NAME: &str = "tars-backup-20260103_140000";

/// Good entries, then `extra` appended before the end (or replacing entry `at`).
fn archive_with(dir: &Path, f: impl FnOnce(&mut Vec<Raw>)) -> PathBuf {
    let (_, mut entries) = good_entries(NAME, &tars_parts());
    f(&mut entries);
    std::fs::create_dir_all(dir).unwrap();
    write_raw_archive(dir, NAME, &raw_tar(&entries))
}

fn n(s: &str) -> Vec<u8> {
    s.replace("NAME", NAME).into_bytes()
}

/// The refusal without the archive's path (which could contain any word).
fn reason(err: &str) -> &str {
    err.split_once(".tar.gz: ").map_or(err, |(_, r)| r)
}

/// Stages `path` into a fresh folder next to a canary tree; asserts refusal and that the
/// canary and everything outside staging is unchanged. Returns the refusal message.
fn stage_refused(root: &Path, path: &Path, what: &str) -> String {
    let canary = root.join("canary");
    if !canary.exists() {
        std::fs::create_dir_all(canary.join("etc")).unwrap();
        std::fs::write(canary.join("etc/passwd"), b"root:x:0:0").unwrap();
        std::fs::write(canary.join("x"), b"canary").unwrap();
    }
    let before = tree_hash(&canary);
    let stage = root.join(format!("stage-{}", what.replace([' ', '/'], "_")));
    std::fs::create_dir(&stage).unwrap();
    let opts = ReadOptions {
        sidecar: SidecarPolicy::Required,
        stage_into: Some(stage.clone()),
        inner_tars: true,
    };
    let err = reader::read(path, &opts, &Silent, &Cancel::new())
        .expect_err(what)
        .to_string();
    assert_eq!(tree_hash(&canary), before, "{what}: the canary changed");
    for p in ["evil", "x", "etc", "abs"] {
        assert!(
            !root.join(p).exists() && !stage.parent().unwrap().join(p).exists(),
            "{what}: {p} appeared outside staging"
        );
    }
    err
}

#[test]
fn outer_entries_that_break_the_rules_fail_the_whole_archive() {
    let tmp = tempfile::tempdir().unwrap();
    type Edit = Box<dyn FnOnce(&mut Vec<Raw>)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "dotdot",
            Box::new(|e| e.push(Raw::File(n("NAME/../evil"), b"x".to_vec()))),
            "'..'",
        ),
        (
            "dotdot deep",
            Box::new(|e| e.push(Raw::File(n("NAME/config/../../evil"), b"x".to_vec()))),
            "'..'",
        ),
        (
            "absolute",
            Box::new(|e| e.push(Raw::File(n("/abs/evil"), b"x".to_vec()))),
            "absolute",
        ),
        (
            "outside root",
            Box::new(|e| e.push(Raw::File(n("evil"), b"x".to_vec()))),
            "outside",
        ),
        (
            "backslash",
            Box::new(|e| e.push(Raw::File(n("NAME/..\\evil"), b"x".to_vec()))),
            "not allowed",
        ),
        (
            "symlink",
            Box::new(|e| e.push(Raw::Symlink(n("NAME/evil"), b"/etc/passwd".to_vec()))),
            "symbolic link",
        ),
        (
            "hardlink",
            Box::new(|e| e.push(Raw::HardLink(n("NAME/evil"), n("NAME/redis-dump.rdb")))),
            "hard link",
        ),
        (
            "char device",
            Box::new(|e| e.push(Raw::Other(n("NAME/evil"), b'3'))),
            "character device",
        ),
        (
            "block device",
            Box::new(|e| e.push(Raw::Other(n("NAME/evil"), b'4'))),
            "block device",
        ),
        (
            "fifo",
            Box::new(|e| e.push(Raw::Other(n("NAME/evil"), b'6'))),
            "FIFO",
        ),
        (
            "contiguous",
            Box::new(|e| e.push(Raw::Other(n("NAME/evil"), b'7'))),
            "contiguous",
        ),
        (
            "sparse",
            Box::new(|e| e.push(Raw::Other(n("NAME/evil"), b'S'))),
            "sparse-file entry",
        ),
        (
            "unknown type",
            Box::new(|e| e.push(Raw::Other(n("NAME/evil"), b'Z'))),
            "unsupported type",
        ),
        (
            "duplicate",
            Box::new(|e| {
                let d = e[3].clone();
                e.push(d)
            }),
            "twice",
        ),
        (
            "undeclared",
            Box::new(|e| e.push(Raw::File(n("NAME/evil.sh"), b"rm -rf /".to_vec()))),
            "not declared",
        ),
        (
            "undeclared in config",
            Box::new(|e| e.push(Raw::File(n("NAME/config/evil.env"), b"A=1".to_vec()))),
            "not declared",
        ),
        (
            "undeclared folder",
            Box::new(|e| e.push(Raw::Dir(n("NAME/evil/")))),
            "does not declare",
        ),
        (
            "size disagrees",
            Box::new(|e| {
                if let Raw::File(_, d) = &mut e[5] {
                    d.push(b'!')
                }
            }),
            "bytes but the manifest declares",
        ),
        (
            "missing component",
            Box::new(|e| {
                e.remove(4);
            }),
            "missing",
        ),
        (
            "no manifest",
            Box::new(|e| {
                e.remove(1);
            }),
            "no manifest",
        ),
        (
            "second root",
            Box::new(|e| {
                e.push(Raw::File(
                    n("tars-backup-20260103_140001/manifest.json"),
                    b"{}".to_vec(),
                ))
            }),
            "outside",
        ),
        (
            "declared size bomb",
            Box::new(|e| e[5] = Raw::Zeros(n("NAME/redis-dump.rdb"), 300 << 20)),
            "bytes but the manifest declares 27",
        ),
    ];
    for (i, (what, edit, expect)) in cases.into_iter().enumerate() {
        let dir = tmp.path().join(format!("case{i}"));
        let path = archive_with(&dir, edit);
        let err = assert_refused(&path, 13, what);
        assert!(
            reason(&err).contains(expect),
            "{what}: expected {expect:?} in: {err}"
        );
        let staged = stage_refused(&dir, &path, what);
        assert!(
            reason(&staged).contains(expect),
            "{what} (staging): {staged}"
        );
    }
}

/// Many tiny undeclared entries stop at the first one, long before they are all read.
#[test]
fn entry_count_bombs_stop_early() {
    let tmp = tempfile::tempdir().unwrap();
    let path = archive_with(tmp.path(), |e| {
        for i in 0..20_000 {
            e.push(Raw::File(
                format!("{NAME}/config/f{i}").into_bytes(),
                Vec::new(),
            ));
        }
    });
    let err = assert_refused(&path, 13, "entry bomb");
    assert!(reason(&err).contains("not declared"), "{err}");
}

/// Without a manifest up front (version 1 writes it anywhere), a huge entry before it is
/// still bounded by what the compressed file could plausibly hold.
#[test]
fn bombs_before_the_manifest_are_bounded_by_the_file_size() {
    let tmp = tempfile::tempdir().unwrap();
    let path = archive_with(tmp.path(), |e| {
        let m = e.remove(1);
        e.insert(1, Raw::Zeros(n("NAME/redis-dump.rdb"), 256 << 20));
        e.push(m);
    });
    let started = std::time::Instant::now();
    let err = assert_refused(&path, 13, "bomb before manifest");
    assert!(reason(&err).contains("bomb"), "{err}");
    assert!(
        started.elapsed().as_secs() < 30,
        "the bomb was read instead of refused"
    );
}

fn with_inner(dir: &Path, inner: &[Raw]) -> PathBuf {
    let mut parts = tars_parts();
    parts[0].bytes = gzip(&raw_tar(inner));
    let (_, entries) = good_entries(NAME, &parts);
    std::fs::create_dir_all(dir).unwrap();
    write_raw_archive(dir, NAME, &raw_tar(&entries))
}

#[test]
fn component_tars_are_validated_entry_by_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let f = |p: &str| Raw::File(p.as_bytes().to_vec(), b"data".to_vec());
    let root = Raw::Dir(b"./".to_vec());
    let cases: Vec<(&str, Vec<Raw>, &str)> = vec![
        ("inner dotdot", vec![root.clone(), f("./../evil")], "'..'"),
        (
            "inner absolute",
            vec![root.clone(), f("/etc/evil")],
            "absolute",
        ),
        (
            "absolute symlink",
            vec![
                root.clone(),
                Raw::Symlink(b"./l".to_vec(), b"/etc".to_vec()),
            ],
            "symlink leaving the root",
        ),
        (
            "escaping symlink",
            vec![
                root.clone(),
                Raw::Symlink(b"./a/l".to_vec(), b"../../x".to_vec()),
            ],
            "symlink leaving the root",
        ),
        (
            "file through symlink",
            vec![
                root.clone(),
                Raw::Symlink(b"./l".to_vec(), b"sub".to_vec()),
                f("./l/evil"),
            ],
            "through the symlink",
        ),
        (
            "hardlink outside",
            vec![
                root.clone(),
                Raw::HardLink(b"./h".to_vec(), b"../etc/passwd".to_vec()),
            ],
            "hard link",
        ),
        (
            "hardlink to later",
            vec![
                root.clone(),
                Raw::HardLink(b"./h".to_vec(), b"./later".to_vec()),
                f("./later"),
            ],
            "hard link",
        ),
        (
            "inner device",
            vec![root.clone(), Raw::Other(b"./dev".to_vec(), b'3')],
            "character device",
        ),
        (
            "inner fifo",
            vec![root.clone(), Raw::Other(b"./p".to_vec(), b'6')],
            "FIFO",
        ),
        (
            "inner duplicate",
            vec![root.clone(), f("./a"), f("./a")],
            "twice",
        ),
    ];
    for (i, (what, inner, expect)) in cases.into_iter().enumerate() {
        let dir = tmp.path().join(format!("case{i}"));
        let path = with_inner(&dir, &inner);
        let err = assert_refused(&path, 13, what);
        assert!(
            reason(&err).contains("component tar chromadb.tar.gz") && reason(&err).contains(expect),
            "{what}: {err}"
        );
        stage_refused(&dir, &path, what);
    }
    // In-root links are what volumes hold: they pass.
    let ok = vec![
        root.clone(),
        Raw::Dir(b"./sub/".to_vec()),
        f("./sub/a"),
        Raw::Symlink(b"./sub/l".to_vec(), b"../sub/a".to_vec()),
        Raw::HardLink(b"./h".to_vec(), b"./sub/a".to_vec()),
    ];
    let path = with_inner(&tmp.path().join("ok"), &ok);
    let (c, out, err) = verify_cli(&path);
    assert_eq!(c, 0, "{out}{err}");
}

#[test]
fn inner_bombs_beyond_the_recorded_fingerprint_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut parts = tars_parts();
    parts[0].bytes = gzip(&raw_tar(&[
        Raw::Dir(b"./".to_vec()),
        Raw::Zeros(b"./big".to_vec(), 64 << 20),
    ]));
    let (mut m, mut entries) = good_entries(NAME, &parts);
    m.details_mut().get_mut("chromadb").unwrap().fingerprint =
        Some(serde_json::json!({"entries": 2, "bytes": 4096}));
    entries[1] = Raw::File(
        format!("{NAME}/manifest.json").into_bytes(),
        m.to_json_pretty().into_bytes(),
    );
    let path = write_raw_archive(tmp.path(), NAME, &raw_tar(&entries));
    let err = assert_refused(&path, 13, "inner bomb");
    assert!(reason(&err).contains("bomb"), "{err}");
}

/// A good archive stages completely: every file byte-identical, private modes.
#[test]
fn staging_extracts_a_good_archive_exactly() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let parts = tars_parts();
    let c = write_parts(&tmp.path().join("out"), UTC_NOON, &parts);
    let stage = tmp.path().join("stage");
    std::fs::create_dir(&stage).unwrap();
    let opts = ReadOptions {
        sidecar: SidecarPolicy::Required,
        stage_into: Some(stage.clone()),
        inner_tars: true,
    };
    let report = reader::read(&c.archive, &opts, &Silent, &Cancel::new()).unwrap();
    assert_eq!(report.files.len(), parts.len());
    for p in &parts {
        let staged = stage.join(&p.file);
        assert_eq!(std::fs::read(&staged).unwrap(), p.bytes, "{}", p.file);
        assert_eq!(
            std::fs::metadata(&staged).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert_eq!(
        std::fs::metadata(stage.join("config"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    let inner = report
        .files
        .iter()
        .find(|f| f.name == "chromadb.tar.gz")
        .unwrap()
        .inner
        .clone()
        .unwrap();
    assert_eq!(
        (inner.files, inner.dirs),
        (2, 0),
        "the helper writes no entry for seg/"
    );
    assert_eq!(inner.root_owner.as_deref(), Some("999:999"));
}
