//! The console end to end, as an on-call engineer drives it: the real binary in a real
//! terminal (a tmux pane) on the reference stack (project `lbt-console`). Open lifeboat, pick
//! the newest backup, verify it, tick only postgres, pass the checklist run for real, type the
//! stack name, watch the progress (resized mid-way), read the validation; then real clients
//! prove PostgreSQL equals the backup while Redis kept the keys written after it. The same flow
//! at 80x24 under NO_COLOR. The bad cases: the lock held by a cron backup, Docker lost behind a
//! cut socket, the terminal closed mid-restore. Backup now, checked with `sha256sum -c` and
//! `tar`. Needs Docker and tmux; fails loudly without them.

mod common;

use std::time::Duration;

use common::backup::{Env, serial};
use common::restore::{pg_dump, psql, redis};
use common::testbed::{Stack, shared_stack};
use common::tmux::{Pane, colours};
use common::*;

const PROJECT: &str = "lbt-console";

fn stack() -> &'static Stack {
    shared_stack(PROJECT)
}

/// The environment the console runs in (the test's own state folder and lock) and the shell
/// line starting it on the test's config, whose output folder is the browser's folder.
fn console(env: &Env, prefix: &str) -> (Vec<(&'static str, std::path::PathBuf)>, String) {
    let vars = vec![
        ("LIFEBOAT_STATE", env.dir.path().join("state")),
        ("LIFEBOAT_LOCK", env.dir.path().join("lock")),
    ];
    let line = format!(
        "{prefix} {} --config {}",
        env!("CARGO_BIN_EXE_lifeboat"),
        env.dir.path().join("config.toml").display()
    );
    (vars, line)
}

/// The selected row of the component list (`▶ [x] name ...`).
fn selected_row(screen: &str) -> Option<String> {
    screen
        .lines()
        .find(|l| l.contains("▶ ["))
        .map(|l| l.to_string())
}

fn row_name(row: &str) -> String {
    let after = row.split("] ").nth(1).unwrap_or_default();
    after.split_whitespace().next().unwrap_or_default().into()
}

/// Walks the component list from the top and leaves exactly `keep` ticked.
fn tick_only(pane: &Pane, keep: &str) {
    let mut seen = Vec::new();
    loop {
        let screen = pane.text(false);
        let row = selected_row(&screen).unwrap_or_else(|| panic!("no selected row:\n{screen}"));
        let name = row_name(&row);
        if seen.contains(&name) {
            break; // `j` on the last row leaves the selection where it was
        }
        let ticked = row.contains("[x]");
        if !row.contains("[-]") && ticked != (name == keep) {
            pane.keys(&["Space"]);
            let want = if ticked { "[ ]" } else { "[x]" };
            pane.wait_for(&format!("{name} toggled"), Duration::from_secs(10), |s| {
                selected_row(s).is_some_and(|r| r.contains(want))
            });
        }
        seen.push(name.clone());
        pane.keys(&["j"]);
        // The selection moves within a frame; at the end it stays, which ends the walk.
        let _ = pane.poll(Duration::from_secs(2), |s| {
            selected_row(s).is_some_and(|r| row_name(&r) != name)
        });
    }
    assert!(seen.iter().any(|n| n == keep), "{keep} not in {seen:?}");
}

/// Writes a screen to `$LIFEBOAT_SCREENS/<name>.txt` when set (the README's captures).
fn capture(name: &str, screen: &str) {
    if let Ok(dir) = std::env::var("LIFEBOAT_SCREENS") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.txt"), screen).unwrap();
    }
}

/// The whole flow; `prefix` goes before the command (for `NO_COLOR=1`).
fn restore_only_postgres(tag: &str, prefix: &str, w: u16, h: u16) {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(
        code(&env.backup(&[
            "--only", "postgres", "--only", "redis", "--only", "chromadb"
        ])),
        0
    );
    let backed_up = pg_dump(stack);
    // After the backup: a PostgreSQL change the restore must discard, a Redis key it must keep.
    psql(
        stack,
        "tars_home",
        &format!("CREATE TABLE lb_after_{tag} (n int); INSERT INTO lb_after_{tag} VALUES (1)"),
    );
    let key = format!("lb:after-the-backup:{tag}");
    redis(stack, &["SET", &key, "kept"]);

    let (vars, line) = console(&env, prefix);
    let pane = Pane::start(tag, &vars, &line, w, h);
    let screen = pane.wait("Backups 1 of 1");
    capture(&format!("{tag}-browser"), &screen);
    assert!(screen.contains("not verified"), "{screen}");
    if prefix.contains("NO_COLOR") {
        let styled = pane.text(true);
        assert_eq!(colours(&styled), Vec::<u32>::new(), "{styled:?}");
    }
    pane.keys(&["v"]);
    pane.wait_up_to("VERIFIED", Duration::from_secs(120));
    pane.keys(&["Escape"]);
    pane.wait("▶ verified");

    pane.keys(&["R"]);
    pane.wait("Components to restore");
    tick_only(&pane, "postgres");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the checklist's verdict", Duration::from_secs(300), |s| {
        s.contains("nothing blocks") || s.contains("BLOCKED by")
    });
    capture(&format!("{tag}-checklist"), &screen);
    assert!(
        screen.contains("nothing blocks: Enter shows the plan"),
        "{screen}"
    );
    // Only PostgreSQL's items: Redis and Chroma are not being restored.
    assert!(screen.contains("WARN   live:postgres"), "{screen}");
    assert!(!screen.contains("live:redis"), "{screen}");

    pane.keys(&["Enter"]);
    let screen = pane.wait("› PLAN ›");
    assert!(screen.contains("postgres (postgres"), "{screen}");
    assert!(!screen.contains("redis (redis"), "{screen}");
    pane.keys(&["Enter"]);
    pane.wait("Type the stack name");
    pane.type_text(&stack.project);
    pane.wait(&format!("> {}", stack.project));
    pane.keys(&["Enter"]);
    let screen = pane.wait_up_to("› RESTORE ›", Duration::from_secs(30));
    capture(&format!("{tag}-restoring"), &screen);
    assert!(screen.contains("postgres"), "{screen}");
    if w > 80 {
        // A resize mid-restore: the screen follows, the restore goes on.
        pane.resize(80, 24);
        pane.wait_for("the 80x24 redraw", Duration::from_secs(10), |s| {
            s.lines()
                .any(|l| l.chars().count() == 80 && l.starts_with('┌'))
        });
        pane.resize(w, h);
    }
    let screen = pane.wait_for("the summary", Duration::from_secs(600), |s| {
        s.contains("› SUMMARY")
    });
    capture(&format!("{tag}-summary"), &screen);
    assert!(
        screen.contains("RESTORED and checked: postgres"),
        "{screen}"
    );
    assert!(screen.contains("found the same"), "{screen}");
    assert!(screen.contains("lifeboat-safety-"), "{screen}");

    pane.keys(&["Escape"]);
    pane.wait("Backups 1 of 1");
    pane.keys(&["q"]);
    let after = pane.wait("EXIT=0");
    assert!(
        !after.contains("Backups 1 of 1"),
        "the terminal is given back:\n{after}"
    );

    assert_eq!(
        pg_dump(stack),
        backed_up,
        "PostgreSQL holds exactly the backup"
    );
    assert_eq!(
        redis(stack, &["GET", &key]),
        "kept",
        "Redis was not touched"
    );
    let o = run(env.lifeboat().args(["--json", "list"]).arg(env.out()));
    assert!(stdout(&o).contains("\"verified\""), "{}", stdout(&o));
}

#[test]
fn the_wizard_restores_only_postgres_and_redis_keeps_its_newer_keys() {
    restore_only_postgres("colour", "", 120, 40);
}

#[test]
fn the_same_flow_at_80x24_without_colour() {
    restore_only_postgres("mono", "NO_COLOR=1", 80, 24);
}

/// Opens the wizard on the only archive with only `keep` ticked.
fn wizard_with_only(pane: &Pane, keep: &str) {
    pane.wait("Backups 1 of 1");
    pane.keys(&["R"]);
    pane.wait("Components to restore");
    tick_only(pane, keep);
}

/// A cron backup holds the lock (stopped with SIGSTOP while it has it): the checklist says
/// who holds it and blocks; once the backup has ended, running the checklist again passes.
#[test]
fn the_lock_held_by_a_cron_backup_blocks_the_checklist_until_it_ends() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(code(&env.backup(&["--only", "redis"])), 0);
    let (vars, line) = console(&env, "");
    let pane = Pane::start("lock", &vars, &line, 120, 30);
    wizard_with_only(&pane, "redis");

    let mut cron = env
        .lifeboat()
        .args(["backup", "--only", "redis"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = env.dir.path().join("lock");
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(&lock).is_ok_and(|s| s.contains("backup")) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the backup never took the lock"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = cron.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the checklist's verdict", Duration::from_secs(120), |s| {
        s.contains("nothing blocks") || s.contains("BLOCKED by")
    });
    assert!(screen.contains("BLOCKED by lock"), "{screen}");
    assert!(screen.contains("FAIL   lock"), "{screen}");
    assert!(
        screen.contains(&format!("(pid {pid})")),
        "the holder is named:\n{screen}"
    );

    assert!(
        std::process::Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(cron.wait().unwrap().success(), "the cron backup finished");
    // Back to the components and through the checklist again: the lock is free now.
    pane.keys(&["Escape"]);
    pane.wait("Components to restore");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the second verdict", Duration::from_secs(120), |s| {
        s.contains("nothing blocks") || s.contains("BLOCKED by")
    });
    assert!(screen.contains("nothing blocks"), "{screen}");
    pane.keys(&["Escape"]);
    pane.wait("Components to restore");
    pane.keys(&["Escape"]);
    pane.wait("Backups 1 of 1");
    // The cron backup's archive appears once the folders are read again.
    pane.keys(&["r"]);
    pane.wait("Backups 2 of 2");
    pane.keys(&["q"]);
    pane.wait("EXIT=0");
}

/// A proxy in front of the Docker socket that can be cut, as when the engine goes away.
struct DockerProxy {
    path: std::path::PathBuf,
    streams: std::sync::Arc<std::sync::Mutex<Vec<std::os::unix::net::UnixStream>>>,
}

impl DockerProxy {
    fn start(path: std::path::PathBuf) -> DockerProxy {
        use std::os::unix::net::{UnixListener, UnixStream};
        let engine = std::env::var("DOCKER_HOST")
            .ok()
            .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
            .unwrap_or_else(|| "/var/run/docker.sock".into());
        let listener = UnixListener::bind(&path).unwrap();
        let streams = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = streams.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { break };
                let Ok(upstream) = UnixStream::connect(&engine) else {
                    continue;
                };
                let mut all = kept.lock().unwrap();
                all.push(client.try_clone().unwrap());
                all.push(upstream.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), upstream.try_clone().unwrap()),
                    (upstream, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                }
            }
        });
        DockerProxy { path, streams }
    }

    /// Docker is gone: the socket no longer exists and every open connection is cut.
    fn cut(&self) {
        let _ = std::fs::remove_file(&self.path);
        for s in self.streams.lock().unwrap().iter() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// Docker goes away while the console is open: the checklist ends with the reason and
/// nothing stopped or changed; the console stays usable and quits cleanly.
#[test]
fn docker_lost_while_the_console_is_open_ends_the_checklist_with_the_reason() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(code(&env.backup(&["--only", "redis"])), 0);
    let socket = env.dir.path().join("docker.sock");
    let proxy = DockerProxy::start(socket.clone());
    let (vars, line) = console(&env, &format!("DOCKER_HOST=unix://{}", socket.display()));
    let pane = Pane::start("docker", &vars, &line, 120, 30);
    wizard_with_only(&pane, "redis");
    proxy.cut();
    pane.keys(&["Enter"]);
    let screen = pane.wait_up_to("THE RESTORE CANNOT GO ON", Duration::from_secs(120));
    assert!(
        screen.contains("cannot reach the Docker engine"),
        "{screen}"
    );
    assert!(
        screen.contains("nothing was stopped or changed"),
        "{screen}"
    );
    pane.keys(&["Escape"]);
    pane.wait("Backups 1 of 1");
    pane.keys(&["q"]);
    pane.wait("EXIT=0");
    let running = stdout(&common::testbed::docker(&[
        "inspect",
        "-f",
        "{{.State.Running}}",
        &format!("{}-redis", stack.project),
    ]));
    assert_eq!(running.trim(), "true");
}

/// The terminal closes mid-restore (the tmux server goes: SIGHUP): the restore goes on to
/// a safe point under the engine's rules, the process ends, the journal is settled, the data
/// is all backup or all as before; reopening the console offers nothing to settle.
#[test]
fn a_terminal_closed_mid_restore_ends_at_a_safe_point() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let before_backup = pg_dump(stack);
    assert_eq!(
        code(&env.backup(&["--only", "postgres", "--only", "redis"])),
        0
    );
    psql(
        stack,
        "tars_home",
        "CREATE TABLE IF NOT EXISTS lb_hangup (n int); INSERT INTO lb_hangup VALUES (1)",
    );
    let changed = pg_dump(stack);
    let pid_file = env.dir.path().join("pid");
    let (vars, line) = console(&env, "");
    let line = format!("sh -c 'echo $$ > {}; exec {line}'", pid_file.display());
    let pane = Pane::start("hangup", &vars, &line, 120, 30);
    wizard_with_only(&pane, "postgres");
    pane.keys(&["Enter"]);
    pane.wait_up_to("nothing blocks", Duration::from_secs(120));
    pane.keys(&["Enter"]);
    pane.wait("› PLAN ›");
    pane.keys(&["Enter"]);
    pane.wait("Type the stack name");
    pane.type_text(&stack.project);
    pane.keys(&["Enter"]);
    pane.wait("› RESTORE ›");
    pane.close();
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let proc = format!("/proc/{}", pid.trim());
    let start = std::time::Instant::now();
    while std::path::Path::new(&proc).exists() {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the console never ended after its terminal closed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    common::safety::assert_all_settled(&env, stack);
    let now = pg_dump(stack);
    assert!(
        now == before_backup || now == changed,
        "PostgreSQL is all backup or all as before"
    );
    let log =
        std::fs::read_to_string(env.dir.path().join("state/logs/lifeboat.log")).unwrap_or_default();
    assert!(
        log.contains("console closed"),
        "the console logged its end:\n{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
    eprintln!(
        "terminal closed mid-restore: PostgreSQL is {}",
        if now == before_backup {
            "the backup"
        } else {
            "as before"
        }
    );

    let pane = Pane::start("reopen", &vars, &console(&env, "").1, 120, 30);
    let screen = pane.wait("Backups 1 of 1");
    assert!(!screen.contains("Interrupted restore"), "{screen}");
    pane.keys(&["q"]);
    pane.wait("EXIT=0");
}

/// Backup now (`B`, `y`) runs the real backup from the console: live progress, the summary,
/// the new archive at the top of the list; `sha256sum -c` accepts it and runs.jsonl has it.
#[test]
fn backup_now_commits_an_archive_the_real_tools_accept() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    std::fs::create_dir_all(env.out()).unwrap();
    let (vars, line) = console(&env, "");
    let pane = Pane::start("backup", &vars, &line, 120, 30);
    pane.wait("Backups 0 of 0");
    pane.keys(&["B"]);
    pane.wait("Back up profile tars-home now?");
    pane.keys(&["y"]);
    let screen = pane.wait_for("the backup's end", Duration::from_secs(600), |s| {
        s.contains("COMMITTED") || s.contains("FAILED")
    });
    capture("backup-done", &screen);
    assert!(screen.contains("COMMITTED"), "{screen}");
    pane.keys(&["Escape"]);
    let screen = pane.wait("Backups 1 of 1");
    assert!(
        screen.contains("▶ not verified"),
        "the new archive is selected:\n{screen}"
    );
    // The jobs and log pane: the backup as a job of the session, its steps as log lines.
    pane.keys(&["J"]);
    let screen = pane.wait("Jobs and log");
    capture("jobs-log", &screen);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("backup") && l.contains("committed")),
        "{screen}"
    );
    assert!(screen.contains("engine::progress"), "{screen}");
    pane.keys(&["Escape"]);
    pane.wait("Backups 1 of 1");
    pane.keys(&["q"]);
    pane.wait("EXIT=0");

    let archive = env.archive();
    let o = sh(
        &env.out(),
        &format!(
            "sha256sum -c {}.sha256",
            archive.file_name().unwrap().to_string_lossy()
        ),
    );
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let o = sh(
        &env.out(),
        &format!("tar -tzf {} >/dev/null", archive.display()),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let runs = std::fs::read_to_string(env.dir.path().join("state/runs.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(runs.lines().last().unwrap()).unwrap();
    assert!(matches!(last["exit_code"].as_u64(), Some(0 | 3)), "{last}");
    assert_eq!(
        last["archive"].as_str().unwrap(),
        archive.to_str().unwrap(),
        "{last}"
    );
}
