//! The restore safety net on the reference stack, proven with real clients: every restore
//! takes a safety backup of exactly what it replaces (a committed archive `sha256sum -c`
//! accepts) and `--undo` puts exactly that back; a restore interrupted at step boundaries
//! (SIGKILL, SIGINT, SIGHUP, driven by its `--json` events) ends with every component on its
//! pre-restore data or on the backup, never mixed, and the next run settles its journal;
//! backup and restore refuse (15) until it is settled; a cron backup meets the restore's lock
//! (11); the archive replaced after staging changes nothing; a container started behind
//! lifeboat's back is caught before its swap; a full safety folder rolls everything back.

mod common;

use common::backup::*;
use common::restore::*;
use common::safety::*;
use common::testbed::{Stack, docker, shared_stack};
use common::*;

const PROJECT: &str = "lbt-safety";

fn stack() -> &'static Stack {
    shared_stack(PROJECT)
}

/// Changes every component so that "pre-restore" and "backup" differ; `tag` makes each call
/// a new change.
fn damage(stack: &Stack, tag: &str, models: bool) {
    // Unique per call: a stack shared by the tests may already hold an earlier call's marks.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let tag = &format!("{tag}{nanos}");
    psql(
        stack,
        "tars_home",
        &format!(
            "CREATE TABLE IF NOT EXISTS lb_mark (tag text); INSERT INTO lb_mark VALUES ('{tag}')"
        ),
    );
    redis(stack, &["SET", &format!("lb:mark:{tag}"), tag]);
    // A new collection: deleting one would leave a shared stack with none after a few tests.
    chroma_create(stack, &format!("lb-mark-{tag}"));
    if models {
        let o = stack.sh(
            "ollama",
            &format!("echo {tag} > /root/.ollama/lb-mark-{tag}"),
        );
        assert!(o.status.success());
    }
}

/// `lifeboat --json restore --backup-file ARCHIVE --force`, its events read as they come.
fn watch_restore(env: &Env, archive: &std::path::Path) -> Watched {
    Watched::command(
        env,
        &[
            "restore",
            "--backup-file",
            archive.to_str().unwrap(),
            "--force",
        ],
    )
}

fn none() -> Vec<&'static str> {
    Vec::new()
}

fn outcome(o: &std::process::Output) -> serde_json::Value {
    stdout(o)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "restore")
        .map(|v| v["outcome"].clone())
        .unwrap_or_else(|| panic!("no restore line in {}", stdout(o)))
}

/// The safety archive is a committed archive real tools accept, of kind safety, holding
/// exactly `components`.
fn assert_safety_archive(path: &std::path::Path, id: &str, components: &[&str]) {
    let dir = path.parent().unwrap();
    let o = sh(
        dir,
        &format!(
            "sha256sum -c {}.sha256 && tar -tzf {} >/dev/null",
            path.file_name().unwrap().to_str().unwrap(),
            path.display()
        ),
    );
    assert!(
        o.status.success(),
        "sha256sum/tar: {}{}",
        stdout(&o),
        stderr(&o)
    );
    let m = manifest_of(path);
    assert_eq!(m["kind"], "safety");
    assert_eq!(m["safety_for"], id);
    let mut got: Vec<String> = serde_json::from_value(m["components_replaced"].clone()).unwrap();
    got.sort();
    let mut want: Vec<String> = components.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
    let listed = stdout(&run(lifeboat().args(["list", dir.to_str().unwrap()])));
    assert!(listed.contains("(safety)"), "{listed}");
}

#[test]
fn undo_after_a_full_restore_puts_every_component_back() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(code(&env.backup(&["--include-models"])), 0);
    let archive = env.archive();
    let backup = Live::of(stack, true);
    damage(stack, "full", true);
    let before = Live::of(stack, true);
    assert_eq!(before.differences(&backup).len(), 4);

    let o = restore(&env, &archive, &["--force", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(Live::of(stack, true).differences(&backup), none());
    let out = outcome(&o);
    let id = out["restore_id"].as_str().unwrap().to_string();
    let safety = std::path::PathBuf::from(out["safety_backup"].as_str().unwrap());
    assert!(safety.starts_with(env.dir.path().join("state/safety")));
    assert_safety_archive(&safety, &id, &["postgres", "redis", "chromadb", "ollama"]);
    assert_eq!(ended(&journal(&env, &id)).as_deref(), Some("committed"));

    let o = run(env
        .lifeboat()
        .args(["restore", "--undo", "--force", "--json"]));
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let undo_line = stdout(&o)
        .lines()
        .find_map(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .filter(|v| v["event"] == "undo")
        })
        .expect("the undo line, saying how long the data was live");
    assert_eq!(undo_line["restore_id"], id.as_str());
    assert!(undo_line["live_since"].is_string());
    assert_eq!(
        Live::of(stack, true).differences(&before),
        none(),
        "undo puts back the pre-restore data"
    );
    let undo = outcome(&o);
    let undo_id = undo["restore_id"].as_str().unwrap();
    // The undo took its own safety backup (of the restored data it replaced).
    let own = std::path::PathBuf::from(undo["safety_backup"].as_str().unwrap());
    assert_ne!(own, safety);
    assert_safety_archive(&own, undo_id, &["postgres", "redis", "chromadb", "ollama"]);
    let j = journal(&env, undo_id);
    assert_eq!(j[0]["undoes"], id.as_str());
    assert_all_settled(&env, stack);
}

#[test]
fn undo_after_a_partial_restore_touches_only_that_component() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(code(&env.backup(&["--only", "postgres"])), 0);
    let archive = env.archive();
    damage(stack, "partial", false);
    let damaged_pg = pg_dump(stack);
    let o = restore(&env, &archive, &["--force", "--component", "postgres"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_ne!(pg_dump(stack), damaged_pg);
    // Newer Redis data, written after the restore, must survive the undo.
    redis(stack, &["SET", "lb:after-restore", "kept"]);
    let redis_before = redis_digest(stack);
    let chroma_before = chroma_state(stack);
    let started = started_at(stack);
    let o = run(env.lifeboat().args(["restore", "--undo", "--force"]));
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("has been live for"),
        "the undo says first how long the restored data was live: {}",
        stderr(&o)
    );
    assert_eq!(pg_dump(stack), damaged_pg);
    assert_eq!(redis_digest(stack), redis_before);
    assert_eq!(chroma_state(stack), chroma_before);
    let after = started_at(stack);
    for s in ["redis", "chromadb", "ollama", "postgres"] {
        let name = format!("{}-{s}", stack.project);
        assert_eq!(
            after[&name], started[&name],
            "{name} was restarted by the undo"
        );
    }
    assert_all_settled(&env, stack);
}

/// One interrupted restore and its settlement; returns (last journal step, outcome) and
/// asserts the live data is all pre-restore or all backup.
fn trial(
    env: &Env,
    stack: &Stack,
    archive: &std::path::Path,
    backup: &Live,
    point: usize,
    signal: &str,
) -> Option<(String, String)> {
    damage(stack, &format!("{signal}{point}"), false);
    let before = Live::of(stack, false);
    let it = interrupt(
        env,
        archive,
        &[
            "--component",
            "postgres",
            "--component",
            "redis",
            "--component",
            "chromadb",
        ],
        point,
        signal,
    )?;
    let lines = journal(env, &it.id);
    let step = last_step(&lines);
    let mut how = String::new();
    if ended(&lines).is_none() {
        assert_eq!(
            signal, "KILL",
            "a {signal} left restore {} unsettled",
            it.id
        );
        // Held containers carry restart policy `no` until released.
        let held =
            std::fs::read_to_string(env.dir.path().join("state/stopped.json")).unwrap_or_default();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&held) {
            for h in v["held"].as_array().unwrap() {
                let name = h["container"].as_str().unwrap();
                assert_eq!(restart_policy(name), "no", "{name} held with its policy");
            }
        }
        let b = env.backup(&["--only", "redis"]);
        assert_eq!(
            code(&b),
            15,
            "backup with an unsettled journal: {}",
            stderr(&b)
        );
        assert!(stderr(&b).contains(&it.id), "{}", stderr(&b));
        let r = run(env.lifeboat().arg("recover"));
        assert_eq!(code(&r), 15, "recover: {}{}", stdout(&r), stderr(&r));
        // A component caught half-swapped keeps the containers lifeboat held stopped, named.
        for c in mid_swap(&lines) {
            let name = format!("{}-{c}", stack.project);
            if !held.contains(&format!("\"{name}\"")) {
                continue; // never stopped (a rename in place, or killed before its stop)
            }
            let running = stdout(&docker(&["inspect", "-f", "{{.State.Running}}", &name]));
            assert_eq!(
                running.trim(),
                "false",
                "{name} started on half-swapped data"
            );
            assert!(
                stdout(&r).contains(&format!("left {name} stopped")),
                "{}",
                stdout(&r)
            );
        }
        rollback(env, &it.id);
        how = "settled by --rollback".into();
    } else {
        how.push_str(&ended(&lines).unwrap());
    }
    let live = Live::of(stack, false);
    let d_pre = live.differences(&before);
    let d_backup = live.differences(backup);
    assert!(
        d_pre.is_empty() || d_backup.is_empty(),
        "{signal} at point {point} ({}, journal at {step}): mixed data: differs from pre-restore in {d_pre:?}, from the backup in {d_backup:?}",
        it.at
    );
    assert_all_settled(env, stack);
    for s in ["postgres", "redis", "chromadb", "backend"] {
        let name = format!("{}-{s}", stack.project);
        assert_eq!(restart_policy(&name), "unless-stopped", "{name}");
    }
    eprintln!(
        "trial {signal} point {point} at {} (journal step {step}, exit {}): {how}; live = {}",
        it.at,
        it.code,
        if d_pre.is_empty() {
            "pre-restore"
        } else {
            "backup"
        }
    );
    Some((step, how))
}

/// A backup of postgres, redis and chromadb in an environment of its own, and what the stack
/// held then.
fn backed_up_three(stack: &Stack) -> (Env, std::path::PathBuf, Live) {
    let env = Env::new(stack);
    let o = env.backup(&[
        "--only", "postgres", "--only", "redis", "--only", "chromadb",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let archive = env.archive();
    (env, archive, Live::of(stack, false))
}

fn sweep(points: &[usize], signals: &[&str]) {
    let stack = stack();
    let _g = serial();
    let (env, archive, backup) = backed_up_three(stack);
    let mut ran = 0;
    let mut states = std::collections::BTreeMap::<&str, std::collections::BTreeSet<String>>::new();
    for signal in signals {
        for &p in points {
            match trial(&env, stack, &archive, &backup, p, signal) {
                Some((step, _)) => {
                    ran += 1;
                    states.entry(signal).or_default().insert(step);
                }
                None => break,
            }
        }
    }
    eprintln!("{ran} trials passed; distinct journal steps per signal: {states:?}");
    assert!(ran >= points.len().min(3), "only {ran} trials ran");
}

/// A sample of kill points: a kill -9 inside a swap, then settled by `--rollback`, and a lost
/// terminal (SIGHUP) inside a swap. A kill after the first swap is resumed below; the restore
/// engine's order, rollbacks and journal transitions are unit tested without Docker
/// (`src/engine/restore/tests/`); every step under every signal runs with `--ignored`
/// (`scripts/test --slow`).
#[test]
fn interrupted_at_sampled_steps_the_stack_is_never_left_mixed() {
    sweep(&[16], &["KILL"]);
    sweep(&[8], &["HUP"]);
}

/// Every step event, three signals (`scripts/test --slow`). `LIFEBOAT_SWEEP_SIGNALS=INT,HUP`
/// runs a subset (each signal's sweep takes 15 to 40 minutes on two cores).
#[test]
#[ignore]
fn interrupted_at_every_step_the_stack_is_never_left_mixed() {
    let chosen = std::env::var("LIFEBOAT_SWEEP_SIGNALS").unwrap_or_else(|_| "KILL,INT,HUP".into());
    let signals: Vec<&str> = chosen
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    assert!(
        !signals.is_empty(),
        "LIFEBOAT_SWEEP_SIGNALS names no signal"
    );
    sweep(&(1..200).collect::<Vec<_>>(), &signals);
}

#[test]
fn a_cron_backup_meets_the_restores_lock_and_writes_nothing() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(code(&env.backup(&["--only", "redis"])), 0);
    let archive = env.archive();
    let out = env.out();
    let before = files_in(&out);
    let mut w = watch_restore(&env, &archive);
    w.until("the swap", |v| is_step(v, "step_started", "swap:redis"));
    let b = env.backup(&[]);
    assert_eq!(code(&b), 11, "{}", stderr(&b));
    assert_eq!(w.finish(), 0);
    assert_eq!(files_in(&out), before, "the refused backup wrote nothing");
    assert_all_settled(&env, stack);
}

#[test]
fn the_archive_replaced_after_staging_changes_nothing() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(code(&env.backup(&["--only", "redis"])), 0);
    let archive = env.archive();
    let backup = redis_digest(stack);
    // A second, different backup of the same component takes the first one's place.
    redis(stack, &["SET", "lb:other", "archive"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(code(&env.backup(&["--only", "redis"])), 0);
    let other = env.archive();
    assert_ne!(other, archive);
    redis(stack, &["FLUSHALL"]);
    let mut w = watch_restore(&env, &archive);
    w.until("the plan", |v| v["event"] == "restore_plan");
    std::fs::rename(&other, &archive).unwrap();
    assert_eq!(w.finish(), 0);
    assert_eq!(
        redis_digest(stack),
        backup,
        "the bytes restored are the bytes verified"
    );
    assert_all_settled(&env, stack);
}

#[test]
fn a_container_started_behind_lifeboats_back_is_caught_before_its_swap() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(
        code(&env.backup(&["--only", "postgres", "--only", "chromadb"])),
        0
    );
    let archive = env.archive();
    damage(stack, "behind", false);
    let before = Live::of(stack, false);
    let name = format!("{}-chromadb", stack.project);
    let mut w = watch_restore(&env, &archive);
    w.until("chroma's safety copy", |v| {
        is_step(v, "step_started", "safety:chromadb")
    });
    assert!(docker(&["start", &name]).status.success());
    assert_eq!(w.finish(), 1);
    let why = w
        .seen
        .iter()
        .find(|v| v["event"] == "restore")
        .map(|v| v["outcome"]["rolled_back"].to_string())
        .unwrap_or_default();
    assert!(
        why.contains("behind lifeboat's back"),
        "{:?}",
        w.seen.last()
    );
    assert!(Live::of(stack, false).differences(&before).is_empty());
    assert_all_settled(&env, stack);
}

#[test]
fn a_full_safety_folder_rolls_everything_back() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(
        code(&env.backup(&["--only", "postgres", "--only", "redis"])),
        0
    );
    let archive = env.archive();
    // The live database has grown well past what the backup holds (and what the checklist
    // estimates from it): the safety copy no longer fits the safety folder.
    psql(
        stack,
        "tars_home",
        "CREATE TABLE lb_bulk AS SELECT g, (SELECT string_agg(md5(g::text || s::text || random()::text), '') FROM generate_series(1, 30) s) AS pad FROM generate_series(1, 10000) g",
    );
    let before = Live::of(stack, false);
    let started = started_at(stack);
    let _full = Mount::new(
        &env.dir.path().join("state/safety"),
        "mount -t tmpfs -o size=2m tmpfs DIR",
    );
    let o = restore(&env, &archive, &["--force"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("safety backup"), "{}", stderr(&o));
    assert!(Live::of(stack, false).differences(&before).is_empty());
    let after = started_at(stack);
    let pg = format!("{}-postgres", stack.project);
    assert_eq!(after[&pg], started[&pg], "postgres was never stopped");
    let left: Vec<_> = std::fs::read_dir(env.dir.path().join("state/safety"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "the failed safety backup left {left:?}");
    psql(stack, "tars_home", "DROP TABLE lb_bulk");
    drop(_full);
    assert_all_settled(&env, stack);
}

/// The restore command line, for a shell.
fn restore_line(env: &Env, archive: &std::path::Path) -> String {
    let d = env.dir.path();
    format!(
        "env -u LIFEBOAT_CONFIG LIFEBOAT_STATE={s} LIFEBOAT_LOCK={l} {bin} --config {c} restore --backup-file {a} --force",
        s = d.join("state").display(),
        l = d.join("lock").display(),
        bin = env!("CARGO_BIN_EXE_lifeboat"),
        c = d.join("config.toml").display(),
        a = archive.display()
    )
}

/// Runs `line` in a new tmux session, waits for the journal to show the first swap begin,
/// kills the session (SIGHUP to the restore, its terminal gone) and waits for lifeboat to end.
fn kill_tmux_mid_swap(env: &Env, line: &str) -> Vec<serde_json::Value> {
    // A tmux server of its own per call: a second session started while the first call's
    // server is still exiting could land in the dying server (no pane pid to wait for).
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let socket = format!("lbt-safety-{}-{n}", std::process::id());
    let tmux = || {
        let mut c = std::process::Command::new("tmux");
        c.args(["-L", &socket, "-f", "/dev/null"]);
        c
    };
    let session = "restore";
    let pid_file = env.dir.path().join(format!("pane-{n}.pid"));
    let o = tmux()
        .args([
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "100",
            "-y",
            "30",
            "-c",
        ])
        .arg(env.dir.path())
        .arg(format!("echo $$ > {}; exec {line}", pid_file.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "tmux: {}", stderr(&o));
    // The pane's shell writes its pid, then becomes the restore (`exec`).
    let mut pid = String::new();
    wait_for("the pane's pid", || {
        pid = std::fs::read_to_string(&pid_file)
            .unwrap_or_default()
            .trim()
            .to_string();
        !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
    });
    wait_for("the first swap to begin", || {
        journals(env).iter().any(|(_, l)| {
            l.iter().any(|r| {
                r["record"] == "event"
                    && r["event"]["event"] == "step_started"
                    && r["event"]["step"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("swap:"))
            })
        })
    });
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the restore ended before its terminal was closed"
    );
    // Its exit status is no use: with the last session gone the server exits before it
    // answers ("no server running").
    let _ = run(tmux().args(["kill-server"]));
    // It finishes the component in flight (or, under nohup, the whole restore with its safety
    // copies and Chroma's restart): on a loaded 2-core machine that can take minutes.
    let started = std::time::Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(600),
            "lifeboat did not end within 10 minutes of its terminal closing"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let (_, lines) = journals(env).pop().unwrap();
    lines
}

#[test]
fn a_restore_whose_terminal_is_closed_rolls_back_and_under_nohup_commits() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(
        code(&env.backup(&["--only", "redis", "--only", "chromadb"])),
        0
    );
    let archive = env.archive();
    let backup = Live::of(stack, false);
    damage(stack, "tmux", false);
    let before = Live::of(stack, false);

    // The terminal goes mid-swap: the component in flight settles, everything is put back.
    let lines = kill_tmux_mid_swap(&env, &restore_line(&env, &archive));
    assert_eq!(ended(&lines).as_deref(), Some("cancelled"), "{lines:?}");
    let live = Live::of(stack, false);
    assert_eq!(live.differences(&before), none());
    let log = std::fs::read_to_string(env.dir.path().join("state/logs/lifeboat.log")).unwrap();
    assert!(!log.contains("panic"), "{log}");
    assert_all_settled(&env, stack);

    // Under nohup the same kill changes nothing: the restore runs to its commit.
    let lines = kill_tmux_mid_swap(&env, &format!("nohup {}", restore_line(&env, &archive)));
    assert_eq!(ended(&lines).as_deref(), Some("committed"), "{lines:?}");
    // Redis and Chroma are the backup's again; PostgreSQL was not in it and kept its change.
    assert_eq!(
        Live::of(stack, false).differences(&backup),
        vec!["postgres"]
    );
    let log = std::fs::read_to_string(env.dir.path().join("state/logs/lifeboat.log")).unwrap();
    assert!(!log.contains("panic"), "{log}");
    assert_all_settled(&env, stack);
}

#[test]
fn a_removed_redis_and_its_deleted_volume_are_refilled_for_compose_to_recreate() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    // A key the stack's seeding would never write: an empty Redis cannot pass for the backup.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        .to_string();
    redis(stack, &["SET", "lb:gone", &nanos]);
    assert_eq!(code(&env.backup(&["--only", "redis"])), 0);
    let archive = env.archive();
    let digest = redis_digest(stack);
    let name = format!("{}-redis", stack.project);
    let volume = format!("{}_redis_data", stack.project);
    let labels = stdout(&docker(&[
        "volume",
        "inspect",
        "-f",
        "{{json .Labels}}",
        &volume,
    ]));
    assert!(docker(&["rm", "-f", &name]).status.success());
    assert!(docker(&["volume", "rm", &volume]).status.success());

    let o = restore(&env, &archive, &["--force", "--json"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = outcome(&o);
    assert_eq!(out["restored"], serde_json::json!(["redis"]));
    let notes = out["notes"].to_string();
    assert!(
        notes.contains(&format!("container {name} does not exist")) && notes.contains("compose"),
        "the summary names the container to recreate: {notes}"
    );
    // Recreated under its exact name with the labels it had.
    let again = stdout(&docker(&[
        "volume",
        "inspect",
        "-f",
        "{{json .Labels}}",
        &volume,
    ]));
    assert_eq!(again, labels);
    assert!(
        docker(&["inspect", &name]).status.code() != Some(0),
        "lifeboat recreated the container"
    );

    // The stack's own tooling recreates the container on the filled volume.
    let _ = common::testbed::stack_up(PROJECT, &[]);
    wait_for("redis to answer", || redis_answers(stack));
    assert_eq!(redis(stack, &["GET", "lb:gone"]), nanos);
    assert_eq!(redis_digest(stack), digest);
    assert_all_settled(&env, stack);
}

/// Should the test fail, PostgreSQL must not stay broken for the tests after it: the
/// container and its volume go and `scripts/stack up` makes and seeds them again.
struct RepairPostgres(&'static Stack);

impl Drop for RepairPostgres {
    fn drop(&mut self) {
        let name = format!("{}-postgres", self.0.project);
        // A crash-looping server looks "running" between restarts: ask it instead.
        let ready = docker(&["exec", &name, "pg_isready", "-h", "127.0.0.1"]);
        if ready.status.success() {
            return;
        }
        for args in [
            vec!["rm", "-f", name.as_str()],
            vec!["volume", "rm", &format!("{}_postgres_data", self.0.project)],
        ] {
            let o = docker(&args);
            eprintln!("repair: docker {args:?}: {}{}", stdout(&o), stderr(&o));
        }
        let _ = common::testbed::stack_up(PROJECT, &[]);
    }
}

#[test]
fn a_crash_looping_postgres_is_restored_on_fresh_data_and_its_broken_folder_kept() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(code(&env.backup(&["--only", "postgres"])), 0);
    let archive = env.archive();
    let dump = pg_dump(stack);
    let name = format!("{}-postgres", stack.project);
    let _repair = RepairPostgres(stack);
    // A corrupted control file (written while it is stopped: a shutdown rewrites it): the
    // server panics at every start and Docker keeps restarting it.
    assert!(docker(&["stop", &name]).status.success());
    let o = docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{}_postgres_data:/d", stack.project),
        "--entrypoint",
        "sh",
        &image("postgres"),
        "-c",
        "echo garbage > /d/global/pg_control",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(docker(&["start", &name]).status.success());
    wait_for("postgres to crash-loop", || {
        let s = stdout(&docker(&["inspect", "-f", "{{.State.Status}}", &name]));
        s.trim() == "restarting" || s.trim() == "exited"
    });
    let o = restore(&env, &archive, &["--force", "--json"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = outcome(&o);
    assert_eq!(out["restored"], serde_json::json!(["postgres"]));
    assert_eq!(pg_dump(stack), dump, "the fresh server holds the backup");
    let id = out["restore_id"].as_str().unwrap();
    let kept = format!("{}_postgres_data__pre_{id}", stack.project);
    assert!(out["notes"].to_string().contains(&kept), "{}", out["notes"]);
    // The broken folder is kept byte for byte, for the post-mortem.
    let o = docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{kept}:/k:ro"),
        "--entrypoint",
        "head",
        &image("postgres"),
        "-c",
        "7",
        "/k/global/pg_control",
    ]);
    assert_eq!(stdout(&o), "garbage", "{}", stderr(&o));
    assert!(docker(&["volume", "rm", &kept]).status.success());
    assert_all_settled(&env, stack);
}

/// `--resume` end to end: a restore of three components killed (-9) once its first swap has
/// passed is resumed: what passed is kept, the rest is restored from the same bytes, and every
/// component then holds the backup's data; nothing is left unsettled or held.
#[test]
fn a_restore_killed_after_its_first_swap_is_resumed_to_the_backup() {
    let stack = stack();
    let _g = serial();
    let (env, archive, backup) = backed_up_three(stack);
    damage(stack, "resume", false);
    assert_eq!(
        Live::of(stack, false).differences(&backup),
        ["postgres", "redis", "chromadb"]
    );
    let mut w = watch_restore(&env, &archive);
    w.until("the first swap passing", |v| {
        is_step(v, "step_finished", "swap:chromadb")
    });
    w.kill9();
    let (path, lines) = journals(&env).pop().expect("a journal");
    assert!(ended(&lines).is_none(), "killed: unsettled");
    let id = path
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .trim_start_matches("restore-")
        .to_string();
    let o = run(env
        .lifeboat()
        .args(["--json", "restore", "--resume", &id, "--force"]));
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let settled = stdout(&o)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "restore_settled")
        .expect("a restore_settled line");
    assert_eq!(settled["outcome"]["kept"], serde_json::json!(["chromadb"]));
    let restored = outcome(&o)["restored"].clone();
    assert!(
        restored.as_array().is_some_and(|r| !r.is_empty()),
        "{restored}"
    );
    assert_eq!(
        Live::of(stack, false).differences(&backup),
        none(),
        "every component holds the backup's data"
    );
    assert_eq!(ended(&journal(&env, &id)).as_deref(), Some("resumed"));
    assert_all_settled(&env, stack);
}
