//! `lifeboat prune`: the plan alone deletes nothing; `--yes` keeps the newest N of each
//! profile plus the newest verified archive, never a pinned safety backup nor the newest
//! restore's; dismissed safety backups go by age; a kill -9 at any unlink (injected with
//! strace) never leaves a sidecar without its archive, and the next prune finishes the job.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use lifeboat::engine::archive::ArchiveKind;
use lifeboat::engine::archive::writer::{self, ArchiveRequest};
use lifeboat::engine::journal::{Begin, Journal, Record};
use lifeboat::engine::progress::{Cancel, Silent};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        Env { dir }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_lifeboat"));
        c.env_remove("LIFEBOAT_CONFIG")
            .env("LIFEBOAT_STATE", self.state())
            .env("LIFEBOAT_LOCK", self.dir.path().join("lock"))
            .env("LIFEBOAT_CONFIG", self.dir.path().join("config.toml"));
        c
    }

    fn prune(&self, args: &[&str]) -> std::process::Output {
        let mut c = self.cmd();
        c.arg("prune").arg("--dir").arg(self.out()).args(args);
        run(&mut c)
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Six archives a day apart, oldest first.
fn six(env: &Env) -> Vec<PathBuf> {
    (1..=6)
        .map(|d| write_archive(&env.out(), &format!("2026-11-0{d}T03:00:00+00:00[UTC]")).archive)
        .collect()
}

/// A sidecar never outlives its archive.
fn assert_no_orphan_sidecar(dir: &Path) {
    for n in names(dir) {
        if let Some(a) = n.strip_suffix(".sha256") {
            assert!(dir.join(a).exists(), "sidecar {n} without its archive");
        }
    }
}

#[test]
fn the_plan_deletes_nothing_and_yes_keeps_the_newest_and_the_newest_verified() {
    let env = Env::new();
    let a = six(&env);
    // Only the second-oldest was ever verified.
    let mut v = env.cmd();
    v.arg("verify").arg(&a[1]);
    assert_eq!(code(&run(&mut v)), 0);
    let before = names(&env.out());
    let o = env.prune(&["--keep-last", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        names(&env.out()),
        before,
        "the plan alone deleted something"
    );
    assert!(stdout(&o).contains("3 to delete"), "{}", stdout(&o));

    let o = env.prune(&["--keep-last", "2", "--yes", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let left: Vec<PathBuf> = committed_in(&env.out());
    assert_eq!(left, vec![a[1].clone(), a[4].clone(), a[5].clone()]);
    for gone in [&a[0], &a[2], &a[3]] {
        for suffix in ["", ".sha256", ".manifest.json"] {
            let p = PathBuf::from(format!("{}{suffix}", gone.display()));
            assert!(!p.exists(), "{} still there", p.display());
        }
    }
    // What is left is still whole: sha256sum agrees with every sidecar.
    let o = sh(&env.out(), "sha256sum -c *.sha256");
    assert!(o.status.success(), "{}", stdout(&o));
    let pruned = stdout(&o);
    assert_eq!(pruned.matches(": OK").count(), 3, "{pruned}");
}

#[test]
fn bad_rules_are_refused_with_one_line() {
    let env = Env::new();
    let o = env.prune(&[]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("needs a rule"), "{}", stderr(&o));
    let o = env.prune(&["--keep-last", "0"]);
    assert_eq!(code(&o), 1, "bad arguments: {}", stderr(&o));
}

#[test]
fn deleting_needs_the_lock() {
    let env = Env::new();
    six(&env);
    let lock = std::fs::File::create(env.dir.path().join("lock")).unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    let before = names(&env.out());
    let o = env.prune(&["--keep-last", "1", "--yes"]);
    assert_eq!(code(&o), 11, "{}", stderr(&o));
    assert_eq!(names(&env.out()), before);
}

#[test]
fn a_kill_at_any_unlink_never_leaves_a_sidecar_without_its_archive() {
    let mut points = 0;
    for when in 1.. {
        let env = Env::new();
        six(&env);
        let mut c = Command::new("strace");
        c.args(["-f", "-o", "/dev/null", "-e"])
            .arg(format!("inject=unlink,unlinkat:signal=SIGKILL:when={when}"))
            .arg(env!("CARGO_BIN_EXE_lifeboat"))
            .args(["prune", "--keep-last", "2", "--yes", "--dir"])
            .arg(env.out())
            .env("LIFEBOAT_STATE", env.state())
            .env("LIFEBOAT_LOCK", env.dir.path().join("lock"))
            .env("LIFEBOAT_CONFIG", env.dir.path().join("config.toml"));
        let o = c.output().unwrap();
        if o.status.success() {
            // Fewer unlinks than `when`: every point was covered.
            break;
        }
        points += 1;
        assert_no_orphan_sidecar(&env.out());
        // The next prune finishes the job.
        let o = env.prune(&["--keep-last", "2", "--yes"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(committed_in(&env.out()).len(), 2);
        assert_no_orphan_sidecar(&env.out());
    }
    // Four archives go, three files each.
    assert_eq!(points, 12, "kill points covered");
}

fn safety_archive(state: &Path, at: &str) -> PathBuf {
    let (mut manifest, members) = manifest_for(&tars_parts(), "tars-home");
    manifest.kind = Some(ArchiveKind::Safety);
    writer::write(
        ArchiveRequest {
            dir: state.join("safety"),
            prefix: "lifeboat-safety-tars-home".into(),
            when: when(at),
            manifest,
            members,
        },
        &Silent,
        &Cancel::new(),
    )
    .unwrap()
    .archive
}

/// A settled journal of restore `id` whose safety backup is `archive`.
fn journal_of(state: &Path, id: &str, archive: &Path) {
    let j = Journal::create(
        state,
        Begin {
            id: id.into(),
            pid: 1,
            archive: "/b/x.tar.gz".into(),
            archive_sha256: "00".into(),
            profile_spec: None,
            project: None,
            profile: "tars-home".into(),
            components: vec!["postgres".into()],
            keep_partial: false,
            undoes: None,
        },
    )
    .unwrap();
    j.append(Record::Safety {
        archive: archive.to_path_buf(),
    })
    .unwrap();
    j.append(Record::End {
        outcome: lifeboat::engine::journal::Outcome::Committed,
    })
    .unwrap();
}

#[test]
fn safety_backups_stay_pinned_until_dismissed_and_the_newest_restores_always_stays() {
    let env = Env::new();
    let state = env.state();
    let old = safety_archive(&state, "2026-10-01T03:00:00+00:00[UTC]");
    let mid = safety_archive(&state, "2026-10-02T03:00:00+00:00[UTC]");
    let newest = safety_archive(&state, "2026-10-03T03:00:00+00:00[UTC]");
    journal_of(&state, "20261001030000", &old);
    journal_of(&state, "20261002030000", &mid);
    journal_of(&state, "20261003030000", &newest);
    let safety = state.join("safety");
    let all = committed_in(&safety);
    // Pinned: nothing goes, however old.
    let o = env.prune(&["--safety-older-than", "1", "--yes"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(committed_in(&safety), all);
    assert!(stdout(&o).contains("pinned"), "{}", stdout(&o));
    // Dismissed: the old one goes; the newest restore's stays even when dismissed.
    for id in ["20261001030000", "20261003030000"] {
        let mut c = env.cmd();
        c.args(["prune", "--dismiss", id]);
        let o = run(&mut c);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    let o = env.prune(&["--safety-older-than", "1", "--yes"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(committed_in(&safety), vec![mid.clone(), newest.clone()]);
    assert!(!old.exists());
    // A restore that took no safety backup cannot be dismissed.
    let mut c = env.cmd();
    c.args(["prune", "--dismiss", "19990101000000"]);
    let o = run(&mut c);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_no_orphan_sidecar(&safety);
}
