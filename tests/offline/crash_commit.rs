//! The commit protocol under kill -9 and under filesystems without no-replace renames: a
//! committed archive (one with a sidecar) always verifies; anything else is visibly
//! uncommitted; the next write succeeds beside it. Kill points and filesystem refusals are
//! injected with strace, so the product binary has no failpoints.

use std::path::Path;
use std::process::Command;

use crate::common::*;

const AT: &str = "2026-01-03T14:00:00+00:00[UTC]";

/// strace, ready for `-e inject=...` and then the writer's command line.
fn strace() -> Command {
    let mut c = Command::new("strace");
    c.args(["-f", "-o", "/dev/null"]);
    c
}

fn writer_args(dir: &Path, mib: u32) -> Vec<String> {
    vec![
        example_bin("make_archives").to_string_lossy().into_owned(),
        "--dir".into(),
        dir.to_string_lossy().into_owned(),
        "--mib".into(),
        mib.to_string(),
        "--at".into(),
        AT.into(),
    ]
}

/// Every committed archive verifies; archives without a sidecar report "not committed" (13).
fn assert_invariants(dir: &Path, what: &str) {
    for a in committed_in(dir) {
        if a.exists() {
            let (c, out, err) = verify_cli(&a);
            assert_eq!(
                c,
                0,
                "{what}: committed {} fails verify: {out}{err}",
                a.display()
            );
        }
    }
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".tar.gz") && !Path::new(&format!("{}.sha256", p.display())).exists() {
            let (c, _, err) = verify_cli(&p);
            assert_eq!(c, 13, "{what}: uncommitted {name} must not verify: {err}");
            assert!(err.contains("not committed"), "{what}: {err}");
        }
    }
    let o = run(lifeboat().args(["--json", "list", dir.to_str().unwrap()]));
    assert_eq!(code(&o), 0, "{what}: list: {}", stderr(&o));
}

#[test]
fn kill_9_at_each_commit_step_never_leaves_a_committed_archive_that_fails() {
    let tmp = tempfile::tempdir().unwrap();
    // (syscall, occurrence): mid-write, the archive's fsync, its rename, the folder fsync after
    // it, the manifest copy's rename, the sidecar's fsync, the sidecar's rename (the commit
    // point), the last folder fsync.
    let points = [
        ("write", 3),
        ("fsync", 1),
        ("renameat2", 1),
        ("fsync", 2),
        ("renameat2", 2),
        ("fsync", 5),
        ("renameat2", 3),
        ("fsync", 6),
    ];
    for (i, (syscall, when)) in points.iter().enumerate() {
        let dir = tmp.path().join(format!("p{i}"));
        std::fs::create_dir(&dir).unwrap();
        let inject = format!("inject={syscall}:signal=SIGKILL:when={when}");
        let o = strace()
            .args(["-e", &inject])
            .args(writer_args(&dir, 8))
            .output()
            .unwrap();
        assert!(
            !o.status.success(),
            "{inject}: the writer was not killed: {}",
            stderr(&o)
        );
        let what = format!("kill at {syscall} #{when}");
        assert_invariants(&dir, &what);
        let committed = committed_in(&dir).len();
        if *syscall == "fsync" && *when == 6 {
            assert_eq!(committed, 1, "{what}: the sidecar was already in place");
        } else {
            assert_eq!(
                committed, 0,
                "{what}: nothing may be committed before the sidecar"
            );
        }
        // The next backup succeeds beside the leftovers, one second later if the name is used.
        let again = Command::new(example_bin("make_archives"))
            .args(&writer_args(&dir, 1)[1..])
            .output()
            .unwrap();
        assert!(again.status.success(), "{what}: rerun: {}", stderr(&again));
        assert_invariants(&dir, &format!("{what}, then a new write"));
        assert_eq!(committed_in(&dir).len(), committed + 1, "{what}");
    }
}

#[test]
fn kill_9_at_moments_during_the_write_keeps_the_invariants() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("timed");
    std::fs::create_dir(&dir).unwrap();
    let partials = |dir: &Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".partial")
            })
            .count()
    };
    let mut landed_mid_write = 0;
    // Wait for the writer's .partial to appear, then kill it after a growing delay: the kills
    // land while it writes, fsyncs, renames and commits.
    for delay_ms in [0u64, 1, 2, 4, 8, 16, 32, 64, 128, 256] {
        let before = partials(&dir);
        let mut child = Command::new(example_bin("make_archives"))
            .args(&writer_args(&dir, 24)[1..])
            .spawn()
            .unwrap();
        while partials(&dir) == before && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        if partials(&dir) > before {
            landed_mid_write += 1;
        }
        assert_invariants(&dir, &format!("kill {delay_ms} ms into the write"));
    }
    assert!(
        landed_mid_write > 0,
        "no kill landed while the archive was being written"
    );
}

#[test]
fn no_replace_rename_falls_back_to_link_then_to_a_checked_rename() {
    let tmp = tempfile::tempdir().unwrap();
    // renameat2 refused: link + unlink.
    let dir = tmp.path().join("link");
    std::fs::create_dir(&dir).unwrap();
    let o = strace()
        .args(["-e", "inject=renameat2:error=EINVAL"])
        .args(writer_args(&dir, 1))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("warning"),
        "the link fallback is silent: {}",
        stderr(&o)
    );
    assert_invariants(&dir, "link fallback");
    assert_eq!(committed_in(&dir).len(), 1);
    assert!(!std::fs::read_dir(&dir).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".partial")
    }));

    // renameat2 and link refused (some NAS mounts): existence check + rename, warned once.
    let dir = tmp.path().join("plain");
    std::fs::create_dir(&dir).unwrap();
    for round in 0..2 {
        let o = strace()
            .args([
                "-e",
                "inject=renameat2:error=EINVAL",
                "-e",
                "inject=linkat:error=EPERM",
            ])
            .args(writer_args(&dir, 1))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let warnings: Vec<String> = stderr(&o)
            .lines()
            .filter(|l| l.contains("supports neither"))
            .map(str::to_owned)
            .collect();
        assert_eq!(
            warnings.len(),
            1,
            "one warning per run, round {round}: {}",
            stderr(&o)
        );
        assert!(
            warnings[0].contains(" at /"),
            "the warning names the filesystem: {}",
            warnings[0]
        );
    }
    assert_invariants(&dir, "plain rename fallback");
    let names: Vec<String> = committed_in(&dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "tars-backup-20260103_140000.tar.gz",
            "tars-backup-20260103_140001.tar.gz"
        ],
        "both survive"
    );
}
