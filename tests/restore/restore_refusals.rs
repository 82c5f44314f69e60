//! Restores that must not happen, and restores that must be undone. Refusals stop nothing:
//! a damaged archive (13), staging without room, a PostgreSQL older than the backup's (14),
//! a version-1 archive (14, with the manual commands), a SQL error in the dump (the live
//! database as it was). A check that fails after the swap puts every swapped component back
//! (exit 1, "rolled back"); with `--keep-partial` the ones that passed stay (exit 2).

use std::path::{Path, PathBuf};

use crate::common::backup::*;
use crate::common::restore::*;
use crate::common::testbed::{Stack, shared_stack};
use crate::common::*;
use lifeboat::engine::archive::Manifest;

const PROJECT: &str = "lbt-restore";

fn stack() -> &'static Stack {
    shared_stack(PROJECT)
}

/// A fresh backup of postgres and redis in its own environment.
fn backed_up(stack: &Stack) -> (Env, PathBuf) {
    let env = Env::new(stack);
    let o = env.backup(&["--only", "postgres", "--only", "redis"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let a = env.archive();
    (env, a)
}

/// Nothing was stopped, nothing is held, staging is clean.
fn assert_untouched(
    stack: &Stack,
    env: &Env,
    started: &std::collections::BTreeMap<String, String>,
) {
    assert_eq!(
        &started_at(stack),
        started,
        "a container was stopped or restarted"
    );
    let held =
        std::fs::read_to_string(env.dir.path().join("state/stopped.json")).unwrap_or_default();
    assert!(!held.contains("\"container\""), "containers held: {held}");
    let staging = env.dir.path().join("state/staging");
    let left: Vec<_> = std::fs::read_dir(&staging)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "staging left: {left:?}");
    assert_no_leftovers(stack);
}

fn edit_fingerprint(m: &mut Manifest, component: &str, key: &str, value: serde_json::Value) {
    let d = m.details_mut().get_mut(component).unwrap();
    d.fingerprint.as_mut().unwrap()[key] = value;
}

#[test]
fn a_damaged_archive_is_refused_with_13_and_nothing_stops() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    let copy = env.dir.path().join("damaged");
    std::fs::create_dir_all(&copy).unwrap();
    let name = a.file_name().unwrap();
    let bad = copy.join(name);
    std::fs::copy(&a, &bad).unwrap();
    std::fs::copy(
        a.with_extension("gz.sha256"),
        copy.join(format!("{}.sha256", name.to_str().unwrap())),
    )
    .unwrap();
    let len = std::fs::metadata(&bad).unwrap().len();
    let o = sh(
        &copy,
        &format!(
            "printf '\\x5a' | dd of={} bs=1 seek={} conv=notrunc status=none",
            bad.display(),
            len / 2
        ),
    );
    assert!(o.status.success());
    let started = started_at(stack);
    let o = restore(&env, &bad, &["--force"]);
    assert_eq!(code(&o), 13, "{}", stderr(&o));
    let line = error_line(&o);
    assert!(
        line.contains("does not match") || line.contains("corrupt"),
        "{line}"
    );
    assert_untouched(stack, &env, &started);
}

#[test]
fn staging_without_room_is_refused_before_anything_stops() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    let small = env.dir.path().join("small-staging");
    let _m = Mount::new(&small, "mount -t tmpfs -o size=64k tmpfs DIR");
    let started = started_at(stack);
    let mut c = env.lifeboat();
    c.env("LIFEBOAT_STAGING", &small).args([
        "restore",
        "--force",
        "--backup-file",
        a.to_str().unwrap(),
    ]);
    let o2 = c.output().unwrap();
    assert_eq!(code(&o2), 1, "{}{}", stdout(&o2), stderr(&o2));
    assert!(
        error_line(&o2).contains("disk:staging"),
        "{}",
        error_line(&o2)
    );
    assert!(stdout(&o2).contains("needs"), "{}", stdout(&o2));
    let after = started_at(stack);
    let pg = format!("{}-postgres", stack.project);
    assert_eq!(after[&pg], started[&pg]);
    assert_no_leftovers(stack);
}

#[test]
fn a_postgres_older_than_the_backups_is_refused_with_14() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    let newer_source = rewrite(&a, &env.dir.path().join("v99"), |m, _| {
        edit_fingerprint(m, "postgres", "server_version", "99.1".into())
    });
    let started = started_at(stack);
    let o = restore(&env, &newer_source, &["--force"]);
    assert_eq!(code(&o), 14, "{}", stderr(&o));
    assert!(
        error_line(&o).contains("pg-version:postgres"),
        "{}",
        error_line(&o)
    );
    assert!(
        stdout(&o).contains("older than the backup's 99"),
        "{}",
        stdout(&o)
    );
    let e = restore(
        &env,
        &newer_source,
        &["--force", "--accept", "pg-version:postgres"],
    );
    assert_eq!(code(&e), 1, "never waivable: {}", stderr(&e));
    assert!(
        error_line(&e).contains("can never be waived"),
        "{}",
        error_line(&e)
    );
    // A target newer than the source is waivable: refused (14) until accepted.
    let older_source = rewrite(&a, &env.dir.path().join("v9"), |m, _| {
        edit_fingerprint(m, "postgres", "server_version", "9.6".into())
    });
    let o = restore(&env, &older_source, &["--dry-run"]);
    assert_eq!(code(&o), 14, "{}", stderr(&o));
    let o = restore(
        &env,
        &older_source,
        &["--dry-run", "--accept", "pg-version:postgres"],
    );
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stdout(&o).contains("WAIVED"), "{}", stdout(&o));
    assert_untouched(stack, &env, &started);
}

#[test]
fn a_version_1_archive_is_refused_with_14_and_the_manual_commands() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let dir = env.dir.path().join("v1");
    std::fs::create_dir_all(&dir).unwrap();
    let o = sh(
        &dir,
        &format!(
            "{}/tests/fixtures/make-v1-archive.sh {} 20260103_140000",
            env!("CARGO_MANIFEST_DIR"),
            dir.display()
        ),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let a = dir.join("tars-backup-20260103_140000.tar.gz");
    let started = started_at(stack);
    let o = restore(&env, &a, &["--force"]);
    assert_eq!(code(&o), 14, "{}", stderr(&o));
    let line = error_line(&o);
    for needle in [
        "version-1",
        "sha256sum -c",
        "tar -xzf",
        "psql -X -v ON_ERROR_STOP=1",
        "docs/runbook.md",
    ] {
        assert!(line.contains(needle), "{needle} not in: {line}");
    }
    assert_untouched(stack, &env, &started);
}

fn with_sql_error(files: &mut std::collections::BTreeMap<String, Vec<u8>>) {
    let dump = files.get("postgres.sql.gz").unwrap();
    let mut sql = String::new();
    use std::io::Read;
    flate2::read::MultiGzDecoder::new(&dump[..])
        .read_to_string(&mut sql)
        .unwrap();
    let at = sql.find("-- PostgreSQL database dump complete").unwrap();
    sql.insert_str(at, "SELECT lifeboat_no_such_function();\n");
    files.insert("postgres.sql.gz".into(), gzip(sql.as_bytes()));
}

#[test]
fn a_sql_error_in_the_dump_leaves_the_live_database_as_it_was() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    let bad = rewrite(&a, &env.dir.path().join("sqlerr"), |_, f| with_sql_error(f));
    psql(stack, "tars_home", "DELETE FROM audit_log");
    let before = pg_dump(stack);
    let started = started_at(stack);
    let o = restore(&env, &bad, &["--component", "postgres", "--force"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let line = error_line(&o);
    assert!(
        line.contains("did not load") && line.contains("nothing was stopped"),
        "{line}"
    );
    assert_eq!(pg_dump(stack), before, "the live database is as it was");
    assert_untouched(stack, &env, &started);
    let o = restore(&env, &a, &["--component", "postgres", "--force"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// The archive with a Redis fingerprint no restore can meet: its check fails after the swap.
fn unmeetable_redis(a: &Path, dir: &Path) -> PathBuf {
    rewrite(a, dir, |m, _| {
        let keys = m.details()["redis"].fingerprint.as_ref().unwrap()["keys"]
            .as_u64()
            .unwrap();
        edit_fingerprint(m, "redis", "keys", (keys + 1000).into())
    })
}

#[test]
fn a_check_failing_after_the_swap_rolls_every_component_back() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    let bad = unmeetable_redis(&a, &env.dir.path().join("unmeetable"));
    psql(stack, "tars_home", "DELETE FROM messages");
    redis(stack, &["SET", "written-after-the-backup", "kept"]);
    let (dump, digest) = (pg_dump(stack), redis_digest(stack));
    let o = restore(&env, &bad, &["--force"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(error_line(&o).contains("rolled back"), "{}", error_line(&o));
    assert!(
        stdout(&o).contains("rolled back postgres"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        pg_dump(stack),
        dump,
        "postgres is as it was before the restore"
    );
    assert_eq!(
        redis_digest(stack),
        digest,
        "redis is as it was before the restore"
    );
    assert_no_leftovers(stack);
    assert_stack_runs(stack);

    // --keep-partial: postgres passed and stays restored; redis is put back.
    let o = restore(&env, &bad, &["--force", "--keep-partial"]);
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        psql(stack, "tars_home", "SELECT count(*) FROM messages"),
        "12340"
    );
    assert_eq!(redis(stack, &["GET", "written-after-the-backup"]), "kept");
    assert_no_leftovers(stack);
    assert_stack_runs(stack);
    redis(stack, &["DEL", "written-after-the-backup"]);
}

#[test]
fn without_a_terminal_a_restore_needs_force() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    let started = started_at(stack);
    let o = restore(&env, &a, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(error_line(&o).contains("--force"), "{}", error_line(&o));
    assert_untouched(stack, &env, &started);
}

fn sigterm(w: &Watched) {
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &w.child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn sigterm_while_staging_stops_nothing_and_changes_nothing() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    psql(stack, "tars_home", "DELETE FROM messages");
    let (dump, started) = (pg_dump(stack), started_at(stack));
    let mut w = Watched::command(
        &env,
        &["restore", "--force", "--backup-file", a.to_str().unwrap()],
    );
    w.until("the dump loads into the scratch database", |v| {
        is_step(v, "step_started", "stage:postgres")
    });
    sigterm(&w);
    assert_eq!(w.finish(), 143, "{:?}", w.seen);
    assert_eq!(pg_dump(stack), dump);
    assert_untouched(stack, &env, &started);
    assert_eq!(w.seen.last().unwrap()["code"], 143);
}

#[test]
fn sigterm_during_a_swap_finishes_it_then_puts_everything_back() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    psql(stack, "tars_home", "DELETE FROM messages");
    redis(stack, &["SET", "written-after-the-backup", "kept"]);
    let (dump, digest) = (pg_dump(stack), redis_digest(stack));
    let mut w = Watched::command(
        &env,
        &["restore", "--force", "--backup-file", a.to_str().unwrap()],
    );
    w.until("the first swap", |v| {
        is_step(v, "step_started", "swap:postgres")
    });
    sigterm(&w);
    assert_eq!(w.finish(), 143, "{:?}", w.seen);
    assert!(
        w.seen
            .iter()
            .any(|v| is_step(v, "step_finished", "swap:postgres") && v["outcome"] == "ok"),
        "the swap under way finished: {:?}",
        w.seen
    );
    assert!(
        !w.seen
            .iter()
            .any(|v| is_step(v, "step_started", "swap:redis")),
        "no swap started after the signal: {:?}",
        w.seen
    );
    assert_eq!(pg_dump(stack), dump, "postgres put back");
    assert_eq!(redis_digest(stack), digest, "redis never touched");
    assert_no_leftovers(stack);
    assert_stack_runs(stack);
    redis(stack, &["DEL", "written-after-the-backup"]);
}

#[test]
fn a_dump_that_loads_but_lacks_the_recorded_rows_is_refused_before_anything_stops() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    // Valid SQL that loads cleanly, but every row of messages is gone: a health check that
    // only pinged the server would pass it.
    let hollow = rewrite(&a, &env.dir.path().join("hollow"), |_, f| {
        let dump = f.get("postgres.sql.gz").unwrap();
        let mut sql = String::new();
        use std::io::Read;
        flate2::read::MultiGzDecoder::new(&dump[..])
            .read_to_string(&mut sql)
            .unwrap();
        let mut out = String::new();
        let mut skipping = false;
        for line in sql.split_inclusive('\n') {
            if skipping && line != "\\.\n" {
                continue;
            }
            skipping = line.starts_with("COPY public.messages ");
            out.push_str(line);
        }
        f.insert("postgres.sql.gz".into(), gzip(out.as_bytes()));
    });
    psql(stack, "tars_home", "DELETE FROM audit_log");
    let (dump, started) = (pg_dump(stack), started_at(stack));
    let o = restore(&env, &hollow, &["--component", "postgres", "--force"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let line = error_line(&o);
    assert!(
        line.contains("public.messages: live 0 rows, backup 12,340")
            && line.contains("nothing was stopped"),
        "{line}"
    );
    assert_eq!(pg_dump(stack), dump);
    assert_untouched(stack, &env, &started);
    assert_eq!(
        code(&restore(&env, &a, &["--component", "postgres", "--force"])),
        0
    );
}

#[test]
fn a_missing_sidecar_is_waived_only_with_skip_validation_and_force() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    std::fs::remove_file(a.with_extension("gz.sha256")).unwrap();
    let started = started_at(stack);
    let o = restore(&env, &a, &["--force", "--component", "redis"]);
    assert_eq!(code(&o), 13, "not committed: {}", stderr(&o));
    let o = restore(&env, &a, &["--skip-validation", "--component", "redis"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        error_line(&o).contains("needs --force"),
        "{}",
        error_line(&o)
    );
    assert_untouched(stack, &env, &started);
    let o = restore(
        &env,
        &a,
        &["--skip-validation", "--force", "--component", "redis"],
    );
    assert_eq!(
        code(&o),
        3,
        "restored with a waiver: {}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l.contains("WAIVED") && l.contains("sidecar")),
        "{}",
        stdout(&o)
    );
    assert_no_leftovers(stack);
}

#[test]
fn an_rdb_newer_than_the_target_reads_is_refused_with_14() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    // The RDB version sits in the file's first 9 bytes ("REDIS0010"): a future Redis's.
    let future = rewrite(&a, &env.dir.path().join("rdb99"), |m, f| {
        let rdb = f.get_mut("redis-dump.rdb").unwrap();
        rdb[5..9].copy_from_slice(b"0099");
        edit_fingerprint(m, "redis", "rdb_version", 99.into());
    });
    let started = started_at(stack);
    let o = restore(
        &env,
        &future,
        &["--force", "--component", "redis", "--json"],
    );
    assert_eq!(code(&o), 14, "{}", stderr(&o));
    let items: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "restore_plan")
        .and_then(|v| v["plan"]["items"].as_array().cloned())
        .unwrap();
    let rdb = items.iter().find(|i| i["id"] == "redis-rdb:redis").unwrap();
    assert_eq!(rdb["status"], "fail");
    assert_eq!(rdb["class"], "never");
    assert!(rdb["detail"].as_str().unwrap().contains("99"), "{rdb}");
    assert_untouched(stack, &env, &started);
}

/// `lifeboat restore` on a terminal (through `script`), answering its prompt after `between`.
fn on_a_terminal(env: &Env, archive: &Path, answer: &str, between: impl FnOnce()) -> (i32, String) {
    use std::io::{Read, Write};
    let base = env.lifeboat();
    let mut words: Vec<String> = std::iter::once(base.get_program())
        .chain(base.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    words.extend(
        [
            "--no-progress",
            "restore",
            "--component",
            "postgres",
            "--backup-file",
        ]
        .map(String::from),
    );
    words.push(archive.display().to_string());
    let cmd = words.join(" ");
    let mut child = base
        .get_envs()
        .fold(std::process::Command::new("script"), |mut c, (k, v)| {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
            c
        })
        .args(["-qfec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("Type yes to go on") {
        let n = out.read(&mut buf).unwrap();
        assert!(n > 0, "the prompt never came: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    between();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{answer}").unwrap();
    let mut rest = String::new();
    let _ = out.read_to_string(&mut rest);
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), seen + &rest)
}

#[test]
fn the_typed_confirmation_cancels_with_20_and_a_change_after_the_checklist_is_caught() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    psql(stack, "tars_home", "DELETE FROM audit_log");
    let dump = pg_dump(stack);
    let (code, text) = on_a_terminal(&env, &a, "no", || {});
    assert_eq!(code, 20, "{text}");
    assert_eq!(pg_dump(stack), dump);
    // The server goes down while the operator reads the checklist: caught before anything.
    let pg = format!("{}-postgres", stack.project);
    let (code, text) = on_a_terminal(&env, &a, "yes", || {
        assert!(
            crate::common::testbed::docker(&["stop", &pg])
                .status
                .success()
        );
    });
    assert!(
        crate::common::testbed::docker(&["start", &pg])
            .status
            .success()
    );
    wait_for("postgres", || {
        crate::common::testbed::docker(&["exec", &pg, "pg_isready", "-h", "127.0.0.1"])
            .status
            .success()
    });
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("changed since it was shown"), "{text}");
    assert_eq!(pg_dump(stack), dump);
    assert_no_leftovers(stack);
    let (code, text) = on_a_terminal(&env, &a, "yes", || {});
    assert_eq!(code, 0, "{text}");
    assert!(psql(stack, "tars_home", "SELECT count(*) FROM audit_log") != "0");
}

#[test]
fn the_lock_held_refuses_with_11_and_a_dry_run_shows_it() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    let mut holder = hold_lock(&env);
    let started = started_at(stack);
    let o = restore(&env, &a, &["--force"]);
    let dry = restore(&env, &a, &["--dry-run"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(code(&o), 11, "{}", stderr(&o));
    assert!(error_line(&o).contains("lock"), "{}", stderr(&o));
    assert_eq!(code(&dry), 1, "{}", stderr(&dry));
    assert!(error_line(&dry).contains("lock"), "{}", error_line(&dry));
    assert_untouched(stack, &env, &started);
}

#[test]
fn an_image_changed_since_the_backup_and_a_newer_format_are_gated() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    let other = rewrite(&a, &env.dir.path().join("image"), |m, _| {
        m.details_mut().get_mut("redis").unwrap().image_digest =
            Some("sha256:0000000000000000000000000000000000000000000000000000000000000000".into());
    });
    let started = started_at(stack);
    let o = restore(&env, &other, &["--dry-run", "--component", "redis"]);
    assert_eq!(code(&o), 14, "{}", stderr(&o));
    assert!(error_line(&o).contains("image:redis"), "{}", error_line(&o));
    let o = restore(
        &env,
        &other,
        &[
            "--dry-run",
            "--component",
            "redis",
            "--accept",
            "image:redis",
        ],
    );
    assert_eq!(code(&o), 3, "waived: {}", stderr(&o));
    let newer = rewrite(&a, &env.dir.path().join("format3"), |m, _| {
        m.format = Some(3)
    });
    let o = restore(&env, &newer, &["--force"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        error_line(&o).contains("upgrade lifeboat"),
        "{}",
        error_line(&o)
    );
    assert_untouched(stack, &env, &started);
}

/// `--resume` of an interrupted restore whose archive was replaced since: refused with 13
/// before anything is touched (no container stopped or restarted, the live data and the
/// journal as they were), with the words the console shows too.
#[test]
fn a_resume_of_a_changed_archive_is_refused_with_13_before_anything_is_touched() {
    use lifeboat::engine::journal::{self, Begin, Journal, Record, Undo};
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let state = env.dir.path().join("state");
    let archive = env.dir.path().join("tars-backup-20260106_030000.tar.gz");
    std::fs::write(&archive, b"the bytes that were verified").unwrap();
    let then = lifeboat::engine::restore::settle::file_sha256(&archive).unwrap();
    let j = Journal::create(
        &state,
        Begin {
            id: "20260106120000".into(),
            pid: u32::MAX - 1,
            archive: archive.clone(),
            archive_sha256: then.clone(),
            profile_spec: None,
            project: Some(stack.project.clone()),
            profile: "tars-home".into(),
            components: vec!["postgres".into(), "redis".into()],
            keep_partial: false,
            undoes: None,
        },
    )
    .unwrap();
    for c in ["postgres", "redis"] {
        j.append(Record::Unit {
            component: c.into(),
            containers: vec![format!("{}-{c}", stack.project)],
            undo: Undo::Postgres {
                container: format!("{}-postgres", stack.project),
                database: "tars".into(),
            },
        })
        .unwrap();
    }
    j.append(Record::SwapBegin {
        component: "postgres".into(),
    })
    .unwrap();
    let journal_before = std::fs::read(j.path()).unwrap();
    std::fs::write(&archive, b"other bytes under the same name").unwrap();
    let now = lifeboat::engine::restore::settle::file_sha256(&archive).unwrap();
    let started = started_at(stack);
    let dump = pg_dump(stack);
    let o = run(env
        .lifeboat()
        .args(["restore", "--resume", "20260106120000", "--force"]));
    assert_eq!(code(&o), 13, "{}{}", stdout(&o), stderr(&o));
    let line = error_line(&o);
    let expected = lifeboat::engine::restore::driver::changed_archive(&archive, &now, &then);
    assert_eq!(line, format!("lifeboat: {expected}"));
    assert_eq!(started_at(stack), started, "no container was stopped");
    assert_eq!(pg_dump(stack), dump, "the live data as it was");
    assert_eq!(std::fs::read(j.path()).unwrap(), journal_before);
    assert_eq!(journal::unsettled(&state).unwrap().len(), 1);
}

/// A signal inside the last component's swap: that swap finishes and, with nothing left to
/// stop, the restore commits. The rule of docs/exit-codes.md 2.7: the exit code is the
/// signal's (143), and the summary and the `restore` line say what was committed.
#[test]
fn sigterm_during_the_last_swap_commits_and_exits_143_saying_so() {
    let stack = stack();
    let _g = serial();
    let (env, a) = backed_up(stack);
    let dump = pg_dump(stack);
    psql(stack, "tars_home", "CREATE TABLE made_after (n int)");
    redis(stack, &["SET", "written-after-the-backup", "gone"]);
    let mut w = Watched::command(
        &env,
        &["restore", "--force", "--backup-file", a.to_str().unwrap()],
    );
    w.until("the last swap", |v| {
        is_step(v, "step_started", "swap:redis")
    });
    sigterm(&w);
    assert_eq!(w.finish(), 143, "{:?}", w.seen);
    let line = w
        .seen
        .iter()
        .find(|v| v["event"] == "restore")
        .unwrap_or_else(|| panic!("no restore line: {:?}", w.seen));
    assert_eq!(line["outcome"]["end"], "committed", "{line}");
    assert_eq!(
        line["outcome"]["restored"],
        serde_json::json!(["postgres", "redis"])
    );
    assert_eq!(w.seen.last().unwrap()["code"], 143);
    assert_eq!(pg_dump(stack), dump, "postgres restored");
    assert_eq!(redis(stack, &["EXISTS", "written-after-the-backup"]), "0");
    assert_no_leftovers(stack);
    assert_stack_runs(stack);
}
