//! Version-1 archives, built with the T.A.R.S. script's own commands, list, inspect and verify
//! (exit 0, or 3 for the unreproducible config/ hash), and are never called mismatched.

use std::path::PathBuf;

use crate::common::*;

fn make_v1(dir: &std::path::Path, stamp: &str, reverse: bool) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/make-v1-archive.sh"
    );
    let mut c = std::process::Command::new(script);
    c.arg(dir).arg(stamp);
    if reverse {
        c.arg("--reverse-config-hash");
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "fixture: {}", stderr(&o));
    PathBuf::from(stdout(&o).trim())
}

#[test]
fn a_tars_archive_lists_inspects_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let a = make_v1(tmp.path(), "20260103_140000", false);
    let side = std::fs::read_to_string(format!("{}.sha256", a.display())).unwrap();
    assert!(
        side.contains(&format!("  {}", a.display())),
        "the script's sidecar names the absolute path: {side}"
    );
    let manifest = sh(
        tmp.path(),
        &format!(
            "tar -xzf {} -O tars-backup-20260103_140000/manifest.json | jq -c .failed_components",
            a.display()
        ),
    );
    assert_eq!(
        stdout(&manifest).trim(),
        "[\"\"]",
        "the script's jq pipeline writes [\"\"] for no failures"
    );

    let (c, out, err) = verify_cli(&a);
    assert!(c == 0 || c == 3, "exit {c}: {out}{err}");
    if c == 3 {
        assert!(out.contains("unverifiable v1 directory hash"), "{out}");
    }
    assert!(
        out.contains("format 1") && out.contains("configuration"),
        "{out}"
    );

    let o = run(lifeboat().args(["inspect", a.to_str().unwrap()]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("T.A.R.S. backup-tars.sh 1.0.12"), "{text}");
    assert!(
        text.contains("Failed        none"),
        "[\"\"] reads as no failures: {text}"
    );

    let o = run(lifeboat().args(["--json", "list", tmp.path().to_str().unwrap()]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let row: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(row["format"], 1);
    assert_eq!(row["failed_components"], serde_json::json!([]));
    assert_eq!(
        row["components"],
        serde_json::json!(["chromadb", "postgres", "redis", "configuration"])
    );
    assert_eq!(
        row["state"], "verified",
        "a verify with warnings still counts as verified"
    );
}

#[test]
fn an_unreproducible_config_hash_is_a_warning_not_a_mismatch() {
    let tmp = tempfile::tempdir().unwrap();
    let a = make_v1(tmp.path(), "20260103_150000", true);
    let (c, out, err) = verify_cli(&a);
    assert_eq!(c, 3, "{out}{err}");
    assert!(
        out.contains("unverifiable v1 directory hash for config/"),
        "{out}"
    );
    assert!(err.is_empty(), "a warning is not a failure: {err}");
    // config/ is still proven by the sidecar: damage inside it is caught.
    let bytes = std::fs::read(&a).unwrap();
    let mut b = bytes.clone();
    let mid = b.len() / 2;
    b[mid] ^= 0x40;
    std::fs::write(&a, &b).unwrap();
    assert_refused(&a, 13, "flipped v1 archive");
}

#[test]
fn a_damaged_v1_component_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let a = make_v1(tmp.path(), "20260103_160000", false);
    // Rebuild the archive with a different redis dump but the old manifest and a fresh sidecar.
    let script = format!(
        "set -e; d=$(mktemp -d); tar -xzf {a} -C $d; printf 'REDIS0010 changed' > $d/tars-backup-20260103_160000/redis-dump.rdb; \
         tar -czf {a} -C $d tars-backup-20260103_160000; sha256sum {a} > {a}.sha256",
        a = a.display()
    );
    assert!(sh(tmp.path(), &script).status.success());
    let err = assert_refused(&a, 13, "v1 component changed");
    assert!(
        err.contains("component redis: redis-dump.rdb does not match its SHA-256"),
        "{err}"
    );
}
