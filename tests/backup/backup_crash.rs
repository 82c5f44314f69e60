//! `lifeboat backup` on the reference stack under the reliability plan's backup faults:
//! C1 kill -9 at each step (each component's start and end, mid-dump, mid-write, each commit
//! rename), C3 the output filesystem filling up while the archive is written, C5 fsync
//! failing with EIO at each of the run's fsyncs. After each: every committed archive verifies,
//! nothing uncommitted looks complete, history is byte-identical, and the next run (or
//! `lifeboat recover`) leaves every container running with its own restart policy, cleans the
//! leftovers and is not blocked by the lock. Kill points are injected from outside (events
//! read from `--json`, syscalls through strace): the product binary has no failpoints.
//!
//! The default suite runs a sample of each sweep (a kill inside a capture, at the end of the
//! write, at the commit rename, at a middle and the last fsync, late in the write; EIO at a
//! middle and the last fsync); every point runs with `--ignored` (`scripts/test --slow`).

use std::path::Path;
use std::process::Command;

use crate::common::backup::*;
use crate::common::testbed::shared_stack;
use crate::common::*;

const PROJECT: &str = "lbt-backup";

/// Every committed archive in `dir` verifies; an archive without a sidecar is refused as not
/// committed (13).
fn assert_only_sound_archives(env: &Env, what: &str) {
    for a in committed_in(&env.out()) {
        if a.exists() {
            let v = run(env.lifeboat().args(["verify", a.to_str().unwrap()]));
            assert_eq!(
                code(&v),
                0,
                "{what}: committed {} fails: {}",
                a.display(),
                stdout(&v)
            );
        }
    }
    for (name, _) in files_in(&env.out()) {
        if name.ends_with(".tar.gz") && !env.out().join(format!("{name}.sha256")).exists() {
            let v = run(env
                .lifeboat()
                .args(["verify", env.out().join(&name).to_str().unwrap()]));
            assert_eq!(code(&v), 13, "{what}: uncommitted {name} must not verify");
        }
    }
}

/// Files in the output folder other than `history`'s and lifeboat's `.partial` leftovers.
fn new_files(env: &Env, history: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    files_in(&env.out())
        .into_keys()
        .filter(|n| !history.contains_key(n))
        .collect()
}

/// The next run after a fault: recovers stopped containers, cleans leftovers, commits.
fn assert_next_run_recovers(env: &Env, what: &str) {
    let o = env.backup(&[]);
    assert_eq!(code(&o), 0, "{what}: the next run: {}", stderr(&o));
    let out = files_in(&env.out());
    assert!(
        out.keys().all(|n| !n.ends_with(".partial")),
        "{what}: leftovers after the next run: {out:?}"
    );
    let staging = env.dir.path().join("state/staging");
    let left = std::fs::read_dir(&staging).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "{what}: staging not cleaned");
    assert_only_sound_archives(env, what);
}

/// Kill points read from the event stream: (description, event, step).
const EVENT_POINTS: [(&str, &str, &str); 6] = [
    (
        "chroma stopped for its copy",
        "step_started",
        "component:chromadb",
    ),
    (
        "chroma copied, restarting",
        "step_finished",
        "component:chromadb",
    ),
    (
        "postgres dump starting",
        "step_started",
        "component:postgres",
    ),
    ("redis saved", "step_finished", "component:redis"),
    ("archive write starting", "step_started", "write"),
    ("archive written", "step_finished", "write"),
];

/// After a killed run: committed archives verify, history is untouched; then the next run
/// recovers everything.
fn assert_after_kill(
    env: &Env,
    stack: &crate::common::testbed::Stack,
    history: &std::collections::BTreeMap<String, String>,
    what: &str,
) {
    assert_only_sound_archives(env, what);
    for (name, hash) in history {
        assert_eq!(
            files_in(&env.out()).get(name),
            Some(hash),
            "{what}: history changed"
        );
    }
    assert_next_run_recovers(env, what);
    assert_stack_runs(stack);
}

/// `lifeboat backup` of `env` under strace with one injection.
fn under_strace(env: &Env, trace: &str, inject: &str) -> std::process::Output {
    Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "-e"])
        .arg(format!("trace={trace}"))
        .arg("-e")
        .arg(format!("inject={inject}"))
        .arg(env!("CARGO_BIN_EXE_lifeboat"))
        .args(env_args(env))
        .arg("backup")
        .envs(env_vars(env))
        .output()
        .unwrap()
}

/// How many calls of `syscalls` (comma-separated) a clean run makes, counted by strace.
fn count_in_a_run(env: &Env, syscalls: &str) -> usize {
    let log = env.dir.path().join("count.txt");
    let o = Command::new("strace")
        .args(["-f", "-qq", "-e"])
        .arg(format!("trace={syscalls}"))
        .arg("-o")
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_lifeboat"))
        .args(env_args(env))
        .arg("backup")
        .envs(env_vars(env))
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<String> = syscalls.split(',').map(|c| format!("{c}(")).collect();
    text.lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|w| calls.iter().any(|c| w.starts_with(c.as_str())))
        .count()
}

/// Which points of a sweep run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sweep {
    Sampled,
    Every,
}

impl Sweep {
    /// Whether point `i` of `n` (0-based) runs: every one, or the middle and the last (the
    /// last one of each sweep is the commit, where a mistake would look complete).
    fn runs(self, i: usize, n: usize) -> bool {
        self == Sweep::Every || i == n / 2 || i + 1 == n
    }
}

#[test]
fn c1_kill_9_at_sampled_backup_steps_keeps_every_invariant() {
    c1(Sweep::Sampled);
}

#[test]
#[ignore = "every kill point: scripts/test --slow"]
fn c1_kill_9_at_each_backup_step_keeps_every_invariant() {
    c1(Sweep::Every);
}

fn c1(sweep: Sweep) {
    let stack = shared_stack(PROJECT);
    let _g = serial();
    let env = Env::new(stack);
    let o = env.backup(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let history = files_in(&env.out());
    let mut points = 0;
    for (i, (what, kind, step)) in EVENT_POINTS.into_iter().enumerate() {
        if !sweep.runs(i, EVENT_POINTS.len()) {
            continue;
        }
        // The kill follows the event by the time a pipe read takes: a short last step can
        // finish first on a loaded machine. A run that completes is sound too (checked), and
        // the point is tried again until a kill lands inside it.
        let mut killed = false;
        for _ in 0..5 {
            let mut w = Watched::start(&env, &[]);
            w.until(what, |v| is_step(v, kind, step));
            killed = w.kill9().code().is_none();
            assert_after_kill(&env, stack, &history, what);
            if killed {
                break;
            }
        }
        assert!(killed, "{what}: five runs all ended before the kill");
        points += 1;
    }
    // Each commit rename (archive, manifest copy, sidecar: the commit point) and each fsync
    // (the stopped-container ledger's and the commit's), killed as the call is made.
    for n in (1..=3).filter(|n| sweep == Sweep::Every || *n == 3) {
        let what = format!("kill at commit rename {n}");
        let o = under_strace(
            &env,
            "renameat2",
            &format!("renameat2:signal=KILL:when={n}"),
        );
        assert_eq!(o.status.code(), None, "{what}: not killed: {}", stderr(&o));
        assert_after_kill(&env, stack, &history, &what);
        points += 1;
    }
    let fsyncs = count_in_a_run(&env, "fsync,fdatasync");
    assert!(fsyncs >= 6, "a run makes {fsyncs} fsyncs");
    for n in (1..=fsyncs).filter(|n| sweep.runs(n - 1, fsyncs)) {
        let what = format!("kill at fsync {n} of {fsyncs}");
        let inject = format!("fsync,fdatasync:signal=KILL:when={n}");
        let o = under_strace(&env, "fsync,fdatasync", &inject);
        assert_eq!(o.status.code(), None, "{what}: not killed: {}", stderr(&o));
        assert_after_kill(&env, stack, &history, &what);
        points += 1;
    }
    // Late in the run, where the archive is being written.
    let writes = count_in_a_run(&env, "write");
    let late = match sweep {
        Sweep::Every => vec![writes * 3 / 4, writes * 9 / 10],
        Sweep::Sampled => vec![writes * 9 / 10],
    };
    for n in late {
        let what = format!("kill at write {n} of {writes}");
        let o = under_strace(&env, "write", &format!("write:signal=KILL:when={n}"));
        if o.status.code().is_some() {
            // This run made fewer writes and finished before the point: it must be a success.
            assert_eq!(code(&o), 0, "{what}: {}", stderr(&o));
        }
        assert_after_kill(&env, stack, &history, &what);
        points += 1;
    }
    eprintln!("C1: {points} kill points, every invariant held");
}

/// The `--config` arguments of `env`'s lifeboat, for running it under strace.
fn env_args(env: &Env) -> Vec<String> {
    vec![
        "--config".into(),
        env.dir.path().join("config.toml").display().to_string(),
    ]
}

fn env_vars(env: &Env) -> Vec<(String, String)> {
    vec![
        (
            "LIFEBOAT_STATE".into(),
            env.dir.path().join("state").display().to_string(),
        ),
        (
            "LIFEBOAT_LOCK".into(),
            env.dir.path().join("lock").display().to_string(),
        ),
    ]
}

#[test]
fn c5_fsync_eio_at_sampled_points_is_never_committed_as_success() {
    c5(Sweep::Sampled);
}

#[test]
#[ignore = "every fsync: scripts/test --slow"]
fn c5_fsync_eio_at_any_point_is_never_committed_as_success() {
    c5(Sweep::Every);
}

fn c5(sweep: Sweep) {
    let stack = shared_stack(PROJECT);
    let _g = serial();
    let env = Env::new(stack);
    let total = count_in_a_run(&env, "fsync,fdatasync");
    assert!(total >= 6, "a run makes {total} fsyncs");
    let history = files_in(&env.out());
    let mut outcomes = Vec::new();
    for k in (1..=total).filter(|k| sweep.runs(k - 1, total)) {
        let what = format!("fsync {k} of {total} fails with EIO");
        let before = files_in(&env.out());
        let o = under_strace(
            &env,
            "fsync,fdatasync",
            &format!("fsync,fdatasync:error=EIO:when={k}"),
        );
        let c = code(&o);
        outcomes.push(c);
        // Never a success: the archive is not committed (1), or a component whose state
        // could not be made durable failed and the rest committed (2).
        assert!(c == 1 || c == 2, "{what}: exit {c}: {}", stderr(&o));
        let added: Vec<String> = new_files(&env, &before)
            .into_iter()
            .filter(|n| n.ends_with(".sha256"))
            .collect();
        if c == 1 {
            assert!(added.is_empty(), "{what}: committed {added:?} but exited 1");
        } else {
            assert_eq!(added.len(), 1, "{what}: exit 2 without an archive");
            let archive = env.out().join(added[0].trim_end_matches(".sha256"));
            let m = manifest_of(&archive);
            assert_ne!(m["failed_components"], serde_json::json!([]), "{what}");
        }
        assert_only_sound_archives(&env, &what);
        for (name, hash) in &history {
            assert_eq!(
                files_in(&env.out()).get(name),
                Some(hash),
                "{what}: history changed"
            );
        }
        // What a failed run left stopped is started by recover; the stack runs.
        let r = run(env.lifeboat().arg("recover"));
        assert_eq!(code(&r), 0, "{what}: recover: {}", stderr(&r));
        assert_stack_runs(stack);
    }
    assert!(
        outcomes.contains(&1),
        "no fsync of the commit was hit: {outcomes:?}"
    );
    assert_next_run_recovers(&env, "after the fsync sweep");
}

#[test]
fn c3_the_output_filling_up_during_the_write_fails_cleanly() {
    let stack = shared_stack(PROJECT);
    let _g = serial();
    let env = Env::new(stack);
    let out = env.out();
    std::fs::create_dir_all(&out).unwrap();
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(out.clone());
    std::fs::write(out.join("history.txt"), b"an older backup").unwrap();
    let history = files_in(&out);
    for keep_free in [0u64, 64 << 10, 512 << 10, 1 << 20] {
        let what = format!("output full with {keep_free} bytes left");
        let mut w = Watched::start(&env, &[]);
        // Filled before the last capture, so the archive write meets a full disk.
        w.until("redis", |v| is_step(v, "step_started", "component:redis"));
        fill(&out, keep_free);
        let c = w.finish();
        std::fs::remove_file(out.join("filler.bin")).unwrap();
        assert_eq!(c, 1, "{what}: {:?}", w.seen);
        let error = w
            .seen
            .iter()
            .find(|v| v["event"] == "error")
            .map(|v| v["message"].to_string())
            .unwrap_or_default();
        assert!(error.contains("No space left"), "{what}: {error}");
        assert_eq!(
            files_in(&out),
            history,
            "{what}: something was left or changed"
        );
        assert_stack_runs(stack);
    }
    // The lock was released and the next run, with room, commits.
    assert_next_run_recovers(&env, "after the full disk");
}

/// Fills the filesystem of `dir` until `keep_free` bytes are left.
fn fill(dir: &Path, keep_free: u64) {
    let st = rustix::fs::statvfs(dir).unwrap();
    let free = st.f_bavail * st.f_frsize;
    let size = free.saturating_sub(keep_free);
    let o = sh(
        dir,
        &format!("head -c {size} /dev/zero > filler.bin 2>/dev/null; true"),
    );
    assert!(o.status.success());
}
