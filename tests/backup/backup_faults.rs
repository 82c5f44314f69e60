//! `lifeboat backup` when things go wrong, on the reference stack: a container missing,
//! pg_dump failing (wrong database, non-zero exit, truncated output, killed mid-stream, its
//! container killed mid-dump), BGSAVE failing, the output folder read-only or full, the lock
//! held, unknown names, Docker unreachable. Each ends with its documented exit code and one
//! line; no committed archive claims a component that failed; the stack runs afterwards.

use std::path::Path;

use crate::common::backup::*;
use crate::common::testbed::{Stack, docker, shared_stack};
use crate::common::*;

const PROJECT: &str = "lbt-backup";

/// The reference stack with the host tools the tests use.
fn stack() -> &'static Stack {
    shared_stack(PROJECT)
}

/// Renames a container away (so it is "missing") and back on drop.
struct Renamed(String);

impl Renamed {
    fn away(name: String) -> Renamed {
        let o = docker(&["rename", &name, &format!("{name}-away")]);
        assert!(o.status.success(), "{}", stderr(&o));
        Renamed(name)
    }
}

impl Drop for Renamed {
    fn drop(&mut self) {
        let _ = docker(&["rename", &format!("{}-away", self.0), &self.0]);
    }
}

#[test]
fn a_missing_container_fails_its_component_only_and_is_never_claimed() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let o = {
        let _away = Renamed::away(format!("{PROJECT}-redis"));
        env.backup(&[])
    };
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    let line = error_line(&o);
    assert!(line.contains("without redis"), "{line}");
    assert!(
        stderr(&o).contains(&format!("container {PROJECT}-redis does not exist")),
        "{}",
        stderr(&o)
    );
    let archive = env.archive();
    let m = manifest_of(&archive);
    assert_eq!(m["failed_components"], serde_json::json!(["redis"]));
    assert!(m["details"].get("redis").is_none(), "{}", m["details"]);
    assert!(m["checksums"].get("redis").is_none(), "{}", m["checksums"]);
    let list = stdout(&sh(&env.out(), &format!("tar -tzf {}", archive.display())));
    assert!(!list.contains("redis-dump.rdb"), "{list}");
    let v = run(env.lifeboat().args(["verify", archive.to_str().unwrap()]));
    assert_eq!(code(&v), 0, "{}", stdout(&v));
    assert_stack_runs(stack);
}

#[test]
fn every_component_failing_commits_nothing() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let o = {
        let _away = Renamed::away(format!("{PROJECT}-redis"));
        env.backup(&["--only", "redis"])
    };
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(error_line(&o).contains("nothing committed"));
    assert_nothing_committed(&env.out());
    assert_stack_runs(stack);
}

/// The built-in profile with `database_env` replaced by a literal database name.
fn profile_with_database(dir: &Path, db: &str) -> String {
    let text = include_str!("../../assets/profiles/tars-home.toml").replace(
        "database_env = \"POSTGRES_DB\"",
        &format!("database = \"{db}\""),
    );
    let p = dir.join("tars-home.toml");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn pg_dump_of_a_wrong_database_fails_the_component() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let profile = profile_with_database(env.dir.path(), "no_such_db");
    let o = env.backup(&["--profile", &profile, "--only", "postgres"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let line = error_line(&o);
    assert!(line.contains("no_such_db"), "{line}");
    assert_nothing_committed(&env.out());
    // With the others selected, the archive commits without postgres (exit 2).
    let o = env.backup(&["--profile", &profile]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let m = manifest_of(&env.archive());
    assert_eq!(m["failed_components"], serde_json::json!(["postgres"]));
    assert!(m["details"].get("postgres").is_none());
    assert_stack_runs(stack);
}

/// Replaces the container's pg_dump by a shell script (the real one kept as pg_dump.real);
/// puts it back on drop.
struct PgDumpShim(String);

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

impl PgDumpShim {
    fn install(stack: &Stack, script: &str) -> PgDumpShim {
        let name = format!("{}-postgres", stack.project);
        let body = format!("#!/bin/sh\n{script}\n");
        let o = std::process::Command::new("docker")
            .args(["exec", "-i", "-u", "0", &name, "sh", "-c"])
            .arg(format!(
                "[ -e {PG_BIN}/pg_dump.real ] || mv {PG_BIN}/pg_dump {PG_BIN}/pg_dump.real; cat > {PG_BIN}/pg_dump; chmod 755 {PG_BIN}/pg_dump"
            ))
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(body.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        PgDumpShim(name)
    }
}

impl Drop for PgDumpShim {
    fn drop(&mut self) {
        let put_back = format!("mv {PG_BIN}/pg_dump.real {PG_BIN}/pg_dump");
        for _ in 0..120 {
            if docker(&["exec", "-u", "0", &self.0, "sh", "-c", &put_back])
                .status
                .success()
            {
                return;
            }
            // The container may be starting again after being killed.
            let _ = docker(&["start", &self.0]);
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        eprintln!("could not put {PG_BIN}/pg_dump back in {}", self.0);
    }
}

/// Runs `--only postgres` with a pg_dump shim; asserts exit 1, nothing committed, and that
/// the error line names `expect`.
fn dump_fails_with(script: &str, expect: &str) {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let o = {
        let _shim = PgDumpShim::install(stack, script);
        env.backup(&["--only", "postgres"])
    };
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let line = error_line(&o);
    assert!(line.contains(expect), "{line}");
    assert_nothing_committed(&env.out());
    assert_stack_runs(stack);
}

#[test]
fn pg_dump_exiting_1_after_a_complete_dump_fails_the_component() {
    dump_fails_with(&format!("{PG_BIN}/pg_dump.real \"$@\"; exit 1"), "exit");
}

#[test]
fn a_truncated_dump_that_exits_0_fails_the_component() {
    dump_fails_with(
        &format!("{PG_BIN}/pg_dump.real \"$@\" | head -c 300000"),
        "completion",
    );
}

#[test]
fn pg_dump_killed_mid_stream_fails_the_component() {
    dump_fails_with(
        &format!("{PG_BIN}/pg_dump.real \"$@\" | {{ head -c 300000; kill -9 $$; }}"),
        "pg_dump",
    );
}

#[test]
fn the_database_container_killed_mid_dump_fails_the_component() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let pg = format!("{PROJECT}-postgres");
    let code = {
        let _shim = PgDumpShim::install(
            stack,
            &format!("{PG_BIN}/pg_dump.real \"$@\" | head -c 300000; sleep 120"),
        );
        let mut w = Watched::start(&env, &["--only", "postgres"]);
        w.until("the dump started", |v| {
            is_step(v, "progress", "component:postgres") && v["done"].as_u64() > Some(0)
        });
        assert!(docker(&["kill", &pg]).status.success());
        let started = std::time::Instant::now();
        let code = w.finish();
        assert!(
            started.elapsed().as_secs() < 60,
            "the backup waited on a dead container"
        );
        code
    };
    assert_eq!(code, 1);
    assert_nothing_committed(&env.out());
    // The fault injected was killing the server; lifeboat itself left nothing stopped.
    assert!(docker(&["start", &pg]).status.success());
    wait_for("postgres again", || {
        stack
            .sh("postgres", "pg_isready -h 127.0.0.1")
            .status
            .success()
    });
    assert_stack_runs(stack);
}

/// Makes Redis's /data unwritable for the redis user, so BGSAVE fails; puts it back (and
/// saves once, to lift stop-writes-on-bgsave-error) on drop.
struct ReadOnlyRedisData(String);

impl Drop for ReadOnlyRedisData {
    fn drop(&mut self) {
        let _ = docker(&["exec", "-u", "0", &self.0, "chmod", "0750", "/data"]);
        let _ = docker(&[
            "exec",
            &self.0,
            "sh",
            "-c",
            "redis-cli --no-auth-warning -a \"$REDIS_PASSWORD\" BGSAVE",
        ]);
    }
}

#[test]
fn bgsave_failing_fails_the_component() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let name = format!("{PROJECT}-redis");
    let o = {
        let _ro = ReadOnlyRedisData(name.clone());
        assert!(
            docker(&["exec", "-u", "0", &name, "chmod", "0550", "/data"])
                .status
                .success()
        );
        env.backup(&["--only", "redis"])
    };
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(error_line(&o).contains("BGSAVE failed"), "{}", stderr(&o));
    assert_nothing_committed(&env.out());
    wait_for("a good BGSAVE again", || {
        stdout(&stack.sh(
            "redis",
            "redis-cli --no-auth-warning -a \"$REDIS_PASSWORD\" info persistence",
        ))
        .contains("rdb_last_bgsave_status:ok")
    });
    assert_stack_runs(stack);
}

#[test]
fn a_read_only_output_folder_fails_before_anything_stops() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    // Root ignores mode bits: only a read-only mount really refuses.
    let _ro = Mount::new(
        &env.out(),
        "mount --bind DIR DIR && mount -o remount,ro,bind DIR",
    );
    let o = env.backup(&[]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let line = error_line(&o);
    assert!(line.to_lowercase().contains("read-only"), "{line}");
    assert!(
        !stderr(&o).contains("started"),
        "nothing should have been stopped: {}",
        stderr(&o)
    );
    assert_nothing_committed(&env.out());
    assert_stack_runs(stack);
}

#[test]
fn a_full_output_folder_is_refused_up_front_and_history_stays() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let _small = Mount::new(&env.out(), "mount -t tmpfs -o size=256k tmpfs DIR");
    std::fs::write(env.out().join("keep-me.txt"), b"history").unwrap();
    let before = files_in(&env.out());
    let o = env.backup(&[]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let line = error_line(&o);
    assert!(
        line.contains("free") && line.contains("nothing was written"),
        "{line}"
    );
    assert_eq!(files_in(&env.out()), before);
    assert_stack_runs(stack);
}

#[test]
fn the_lock_held_exits_11() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let mut holder = hold_lock(&env);
    let o = env.backup(&[]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(code(&o), 11, "{}{}", stdout(&o), stderr(&o));
    assert!(error_line(&o).contains("lock"), "{}", stderr(&o));
    assert_nothing_committed(&env.out());
    assert_stack_runs(stack);
}

#[test]
fn unknown_profile_and_component_names_exit_1_with_one_line() {
    let stack = stack();
    let env = Env::new(stack);
    for (args, expect) in [
        (vec!["--profile", "nope"], "unknown profile"),
        (vec!["--profile", "/nonexistent/p.toml"], "not found"),
        (vec!["--only", "nosuch"], "nosuch"),
        (vec!["--skip", "nosuch"], "nosuch"),
        (
            vec!["--only", "redis", "--skip", "redis"],
            "selection is empty",
        ),
    ] {
        let o = env.backup(&args);
        assert_eq!(code(&o), 1, "{args:?}: {}", stderr(&o));
        let line = error_line(&o);
        assert!(line.contains(expect), "{args:?}: {line}");
        assert_nothing_committed(&env.out());
    }
}

#[test]
fn docker_unreachable_exits_1_with_one_line() {
    let stack = stack();
    let env = Env::new(stack);
    let o = run(env
        .lifeboat()
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .arg("backup"));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let line = error_line(&o);
    assert!(line.contains("Docker"), "{line}");
    assert_nothing_committed(&env.out());
}

#[test]
fn sigterm_during_a_stalled_dump_ends_the_run_at_once() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let _shim = PgDumpShim::install(
        stack,
        &format!("{PG_BIN}/pg_dump.real \"$@\" | head -c 300000; sleep 120"),
    );
    let mut w = Watched::start(&env, &["--only", "postgres"]);
    w.until("the dump started", |v| {
        is_step(v, "progress", "component:postgres") && v["done"].as_u64() > Some(0)
    });
    let pid = w.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = std::time::Instant::now();
    let code = w.finish();
    assert!(
        started.elapsed().as_secs() < 15,
        "cancel waited {:?}",
        started.elapsed()
    );
    assert_eq!(code, 143);
    assert_nothing_committed(&env.out());
    // The stalled pg_dump was killed, not left running in the container.
    let ps = stack.sh(
        "postgres",
        &format!("for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done | grep -c -e '^/bin/sh {PG_BIN}/pg_dump ' -e '^{PG_BIN}/pg_dump' || true"),
    );
    assert_eq!(stdout(&ps).trim(), "0", "pg_dump still runs");
    assert_stack_runs(stack);
}
