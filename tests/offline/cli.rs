//! The command line as cron and scripts see it: states in `list`, exit codes of `verify DIR`,
//! `--json` streams, broken pipes and full disks on stdout, usage errors.

use std::process::Stdio;

use crate::common::*;

/// A folder holding one archive in each state `list` knows.
fn folder_of_states(dir: &std::path::Path) {
    let verified = write_archive(dir, "2026-01-05T14:00:00+00:00[UTC]");
    let mismatch = write_archive(dir, "2026-01-04T14:00:00+00:00[UTC]");
    write_archive(dir, "2026-01-03T14:00:00+00:00[UTC]"); // not verified
    let uncommitted = write_archive(dir, "2026-01-02T14:00:00+00:00[UTC]");
    std::fs::remove_file(&uncommitted.sidecar).unwrap();
    let orphan = write_archive(dir, "2026-01-01T14:00:00+00:00[UTC]");
    std::fs::remove_file(&orphan.archive).unwrap();
    std::fs::write(
        dir.join("tars-backup-20260106_140000.tar.gz.partial"),
        b"half",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), b"not ours").unwrap();
    assert_eq!(
        code(&run(
            lifeboat().args(["verify", verified.archive.to_str().unwrap()])
        )),
        0
    );
    let mut b = std::fs::read(&mismatch.archive).unwrap();
    let last = b.len() - 20;
    b[last] ^= 1;
    std::fs::write(&mismatch.archive, b).unwrap();
    assert_eq!(
        code(&run(
            lifeboat().args(["verify", mismatch.archive.to_str().unwrap()])
        )),
        13
    );
}

#[test]
fn list_shows_every_state_newest_first() {
    let tmp = tempfile::tempdir().unwrap();
    folder_of_states(tmp.path());
    let o = run(lifeboat().args(["--json", "list", tmp.path().to_str().unwrap()]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (exit, rows) = rows.split_last().unwrap();
    assert_eq!(
        exit,
        &serde_json::json!({"v": 1, "event": "exit", "code": 0})
    );
    let states: Vec<(&str, &str, bool)> = rows
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap(),
                r["state"].as_str().unwrap(),
                r["partial"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("tars-backup-20260106_140000.tar.gz", "uncommitted", true),
            ("tars-backup-20260105_140000.tar.gz", "verified", false),
            ("tars-backup-20260104_140000.tar.gz", "mismatch", false),
            ("tars-backup-20260103_140000.tar.gz", "not_verified", false),
            ("tars-backup-20260102_140000.tar.gz", "uncommitted", false),
            ("tars-backup-20260101_140000.tar.gz", "orphan", false),
        ]
    );
    assert!(rows.iter().all(|r| r["v"] == 1 && r["event"] == "archive"));
    assert_eq!(
        rows[1]["components"],
        serde_json::json!(["chromadb", "postgres", "redis", "configuration"])
    );

    let o = run(lifeboat().args(["list", tmp.path().to_str().unwrap()]));
    let text = stdout(&o);
    for word in [
        "verified",
        "MISMATCH",
        "not verified",
        "uncommitted",
        "orphan",
        "+partial",
    ] {
        assert!(text.contains(word), "{word} missing from:\n{text}");
    }
}

#[test]
fn verify_dir_returns_the_worst_code_and_names_the_failure() {
    let tmp = tempfile::tempdir().unwrap();
    folder_of_states(tmp.path());
    let o = run(lifeboat().args(["verify", "--no-progress", tmp.path().to_str().unwrap()]));
    assert_eq!(code(&o), 13, "{}", stdout(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("tars-backup-20260102_140000.tar.gz: not committed")
            && err.contains("(and 2 more)"),
        "{err}"
    );
    let out = stdout(&o);
    for line in [
        "MISMATCH         tars-backup-20260104_140000.tar.gz",
        "NOT COMMITTED    tars-backup-20260102_140000.tar.gz",
        "ORPHAN           tars-backup-20260101_140000.tar.gz.sha256",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }

    let good = tempfile::tempdir().unwrap();
    write_archive(good.path(), UTC_NOON);
    assert_eq!(
        code(&run(
            lifeboat().args(["verify", good.path().to_str().unwrap()])
        )),
        0
    );
    let missing = good.path().join("nope.tar.gz");
    let o = run(lifeboat().args(["verify", missing.to_str().unwrap()]));
    assert_eq!(code(&o), 10);
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(
        stderr(&o).contains("nope.tar.gz: not found"),
        "{}",
        stderr(&o)
    );
    let o = run(lifeboat().args(["list", missing.to_str().unwrap()]));
    assert_eq!(code(&o), 10, "{}", stderr(&o));
}

#[test]
fn verify_json_is_one_event_per_line_ending_with_exit() {
    let tmp = tempfile::tempdir().unwrap();
    let c = write_archive(tmp.path(), UTC_NOON);
    let o = run(lifeboat().args(["--json", "verify", c.archive.to_str().unwrap()]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let events: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"job_started"));
    assert!(
        names.contains(&"step_started") && names.contains(&"step_finished"),
        "{names:?}"
    );
    let verdict = events.iter().find(|e| e["event"] == "verdict").unwrap();
    assert_eq!(verdict["state"], "verified");
    assert_eq!(verdict["code"], 0);
    assert_eq!(
        events.last().unwrap(),
        &serde_json::json!({"v": 1, "event": "exit", "code": 0})
    );
    assert!(events.iter().all(|e| e["v"] == 1));
    assert!(
        names.iter().position(|n| *n == "job_finished")
            < names.iter().position(|n| *n == "verdict"),
        "{names:?}"
    );
}

#[test]
fn a_closed_or_full_stdout_never_panics_and_keeps_the_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..3 {
        write_archive(
            tmp.path(),
            &format!("2026-01-0{}T14:00:00+00:00[UTC]", i + 1),
        );
    }
    let dir = tmp.path().to_str().unwrap();
    // The reader is gone before lifeboat writes a byte: every write gets EPIPE.
    for args in [
        vec!["--json", "list", dir],
        vec!["list", dir],
        vec!["--json", "verify", dir],
        vec!["verify", dir],
        vec![
            "inspect",
            &format!("{dir}/tars-backup-20260101_140000.tar.gz"),
        ],
    ] {
        let mut child = lifeboat()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // The shell's way: `lifeboat list --json | head -1` exits 0.
    let o = sh(
        tmp.path(),
        &format!(
            "{} --json list {dir} | head -1; echo \"status=${{PIPESTATUS[0]}}\"",
            env!("CARGO_BIN_EXE_lifeboat")
        ),
    );
    assert!(stdout(&o).contains("status=0"), "{}", stdout(&o));
    // A full device (ENOSPC on every write), for stdout and stderr.
    let o = sh(
        tmp.path(),
        &format!(
            "LIFEBOAT_STATE={dir}/st {} verify {dir} >/dev/full 2>/dev/full; echo \"status=$?\"",
            env!("CARGO_BIN_EXE_lifeboat")
        ),
    );
    assert!(
        stdout(&o).contains("status=0"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn usage_errors_are_one_line_with_exit_1() {
    let o = run(lifeboat()
        .env("LIFEBOAT_CONFIG", "/nonexistent/lifeboat.toml")
        .arg("list"));
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/nonexistent/lifeboat.toml"),
        "{}",
        stderr(&o)
    );

    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(&cfg, "output_dir = \"/x\"\nbackup_dir = [\"/typo\"]\n").unwrap();
    let o = run(lifeboat().args(["--config", cfg.to_str().unwrap(), "list"]));
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("config.toml: line 2") && stderr(&o).contains("backup_dir"),
        "{}",
        stderr(&o)
    );

    let o = run(lifeboat().arg("--no-such-flag"));
    assert_eq!(code(&o), 1);
    // Without a terminal the console refuses in one line that names the commands to use.
    let o = run(lifeboat().stdin(Stdio::null()));
    assert_eq!(code(&o), 1, "no terminal: say so, exit 1");
    assert!(
        stderr(&o).contains("the console needs a terminal") && stderr(&o).contains("lifeboat list"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let o = run(lifeboat().arg("--json"));
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("--json needs a command"),
        "{}",
        stderr(&o)
    );
    assert_eq!(code(&run(lifeboat().arg("--help"))), 0);
}

#[test]
fn list_uses_the_configured_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let backups = tmp.path().join("backups");
    write_archive(&backups, UTC_NOON);
    let cfg = tmp.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "backup_dirs = [\"{}\"]\noutput_dir = \"{}\"\n",
            backups.display(),
            tmp.path().join("none").display()
        ),
    )
    .unwrap();
    let o = run(lifeboat().env("LIFEBOAT_CONFIG", &cfg).args(["list"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("tars-backup-20260103_140000.tar.gz"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("none: no such folder yet"),
        "{}",
        stderr(&o)
    );
}

/// The engine stays free of UI crates (DESIGN.md section 1).
#[test]
fn the_engine_imports_no_ui_crate() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/engine");
    let o = sh(
        std::path::Path::new(root),
        "grep -rnE '\\b(ratatui|crossterm|indicatif|clap)\\b|crate::(cli|tui)' --include=*.rs . | grep -vE '^[^:]+:[0-9]+:\\s*//' || true",
    );
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "",
        "src/engine must not use UI crates:\n{}",
        stdout(&o)
    );
    let count = sh(std::path::Path::new(root), "find . -name '*.rs' | wc -l");
    assert!(
        stdout(&count).trim().parse::<u32>().unwrap() > 10,
        "the scan found the engine's files"
    );
}

#[test]
fn inspect_shows_the_manifest_but_exits_13_when_the_archive_cannot_be_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let c = write_archive(tmp.path(), UTC_NOON);
    let a = c.archive.to_str().unwrap();
    let o = run(lifeboat().args(["inspect", a]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("not verified; run `lifeboat verify` on it"),
        "{}",
        stdout(&o)
    );
    let o = run(lifeboat().args(["--json", "inspect", a]));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(first["backup_name"], "tars-backup-20260103_140000");
    assert_eq!(
        first["warnings"],
        serde_json::json!([]),
        "format 2 always has warnings"
    );
    std::fs::remove_file(&c.sidecar).unwrap();
    let o = run(lifeboat().args(["inspect", a]));
    assert_eq!(code(&o), 13);
    assert!(
        stdout(&o).contains("Backup name"),
        "the manifest is still shown"
    );
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(stderr(&o).contains("not committed"), "{}", stderr(&o));
}

#[test]
fn listings_trust_the_archive_over_a_changed_manifest_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let c = write_archive(tmp.path(), UTC_NOON);
    let copy = std::fs::read_to_string(&c.manifest_copy).unwrap();
    std::fs::write(
        &c.manifest_copy,
        copy.replace("\"profile\": \"tars-home\"", "\"profile\": \"forged\""),
    )
    .unwrap();
    let profile = || {
        let o = run(lifeboat().args(["--json", "list", tmp.path().to_str().unwrap()]));
        let row: serde_json::Value =
            serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
        row["profile"].as_str().unwrap().to_string()
    };
    assert_eq!(profile(), "forged", "unverified, the copy is all there is");
    let o = run(lifeboat().args(["verify", c.archive.to_str().unwrap()]));
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("differs from the manifest inside the archive"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        profile(),
        "tars-home",
        "after verify, the archive's own manifest"
    );
}

#[test]
fn odd_file_names_never_break_json_lines() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp
        .path()
        .join(std::ffi::OsStr::from_bytes(b"backups-\xff"));
    write_archive(&dir, UTC_NOON);
    let o = run(lifeboat().args([
        std::ffi::OsStr::new("--json"),
        std::ffi::OsStr::new("list"),
        dir.as_os_str(),
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let row: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(row["event"], "archive");
    assert!(row["dir"].as_str().unwrap().contains("backups-\u{fffd}"));
}

#[test]
fn verify_results_are_found_whatever_the_path_spelling() {
    let tmp = tempfile::tempdir().unwrap();
    let c = write_archive(tmp.path(), UTC_NOON);
    assert_eq!(
        code(&run(
            lifeboat().args(["verify", c.archive.to_str().unwrap()])
        )),
        0
    );
    let o = run(lifeboat()
        .current_dir(tmp.path())
        .args(["--json", "list", "."]));
    let row: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(
        row["state"], "verified",
        "verified by absolute path, listed as '.'"
    );
    let o = run(lifeboat()
        .current_dir(tmp.path())
        .args(["inspect", "tars-backup-20260103_140000.tar.gz"]));
    assert!(stdout(&o).contains("verified at"), "{}", stdout(&o));
}
