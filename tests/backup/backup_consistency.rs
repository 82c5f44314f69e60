//! Backups while the stack is busy or in trouble: writers inserting into PostgreSQL and Redis
//! during the backup (the dump and the RDB are consistent snapshots, and the recorded counts are
//! what they hold); ChromaDB persisting off its volume (backed up, with the warning, exit 3);
//! lifeboat killed (-9) or stopped by SIGTERM while Chroma is stopped for its copy.

use crate::common::backup::*;
use crate::common::testbed::{Stack, docker, shared_stack, stack_down, stack_up};
use crate::common::*;

const PROJECT: &str = "lbt-backup";

/// `psql` as the stack's own user inside its postgres container.
fn live_psql(stack: &Stack, sql: &str) -> String {
    let o = stack.sh(
        "postgres",
        &format!(
            "PGPASSWORD=\"$POSTGRES_PASSWORD\" psql -X -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\" -c \"{sql}\""
        ),
    );
    assert!(o.status.success(), "{sql}: {}", stderr(&o));
    stdout(&o).trim().to_string()
}

fn live_redis(stack: &Stack, cmd: &str) -> String {
    let o = stack.sh(
        "redis",
        &format!("redis-cli --no-auth-warning -a \"$REDIS_PASSWORD\" {cmd}"),
    );
    assert!(o.status.success(), "{cmd}: {}", stderr(&o));
    stdout(&o).trim().to_string()
}

/// Writers that commit two rows (PostgreSQL) and two keys (Redis) per transaction, in a loop,
/// until dropped; then their tables and keys are removed.
struct Writers<'a>(&'a Stack);

const WRITER: &str = "CREATE TABLE writer_a (id bigint PRIMARY KEY); \
    CREATE TABLE writer_b (id bigint PRIMARY KEY REFERENCES writer_a(id)); \
    CREATE PROCEDURE lifeboat_writer() LANGUAGE plpgsql AS \\$\\$ \
    DECLARE i bigint := 0; BEGIN LOOP i := i + 1; \
    INSERT INTO writer_a VALUES (i); INSERT INTO writer_b VALUES (i); COMMIT; \
    PERFORM pg_sleep(0.001); END LOOP; END \\$\\$;";

impl<'a> Writers<'a> {
    fn start(stack: &'a Stack) -> Writers<'a> {
        let w = Writers(stack);
        w.clean();
        live_psql(stack, WRITER);
        let pg = format!("{}-postgres", stack.project);
        let call = "PGPASSWORD=\"$POSTGRES_PASSWORD\" psql -X -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\" -c 'CALL lifeboat_writer()'";
        assert!(
            docker(&["exec", "-d", &pg, "sh", "-c", call])
                .status
                .success()
        );
        let rd = format!("{}-redis", stack.project);
        let loop_ = "rm -f /tmp/stop-writer; n=0; while [ ! -e /tmp/stop-writer ]; do \
            for j in 1 2 3 4 5 6 7 8 9 10; do i=$((n+j)); \
            printf 'MULTI\\nSET w:a:%d 1\\nSET w:b:%d 1\\nEXEC\\n' $i $i; done \
            | redis-cli --no-auth-warning -a \"$REDIS_PASSWORD\" >/dev/null; n=$((n+10)); done";
        assert!(
            docker(&["exec", "-d", &rd, "sh", "-c", loop_])
                .status
                .success()
        );
        wait_for("writers writing", || {
            live_psql(stack, "SELECT count(*) FROM writer_b")
                .parse::<u64>()
                .unwrap_or(0)
                > 100
                && live_redis(stack, "EXISTS w:b:100") == "1"
        });
        w
    }

    fn stop(&self) {
        let _ = self.0.sh("redis", "touch /tmp/stop-writer");
        let _ = self.0.sh(
            "postgres",
            "PGPASSWORD=\"$POSTGRES_PASSWORD\" psql -X -q -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\" -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'CALL lifeboat_writer%'\"",
        );
    }

    fn clean(&self) {
        self.stop();
        std::thread::sleep(std::time::Duration::from_millis(300));
        let _ = self.0.sh(
            "postgres",
            "PGPASSWORD=\"$POSTGRES_PASSWORD\" psql -X -q -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\" -c 'DROP TABLE IF EXISTS writer_b, writer_a; DROP PROCEDURE IF EXISTS lifeboat_writer()'",
        );
        let _ = self.0.sh(
            "redis",
            "redis-cli --no-auth-warning -a \"$REDIS_PASSWORD\" --scan --pattern 'w:*' | xargs -r -n 500 redis-cli --no-auth-warning -a \"$REDIS_PASSWORD\" del >/dev/null",
        );
    }
}

impl Drop for Writers<'_> {
    fn drop(&mut self) {
        self.clean();
    }
}

fn count_keys(redis: &str, pattern: &str) -> u64 {
    let o = docker(&[
        "exec",
        redis,
        "sh",
        "-c",
        &format!("redis-cli --scan --pattern '{pattern}' | wc -l"),
    ]);
    stdout(&o).trim().parse().unwrap()
}

#[test]
fn writers_during_the_backup_get_consistent_snapshots_with_true_counts() {
    let stack = shared_stack(PROJECT);
    let _g = serial();
    let env = Env::new(stack);
    let writers = Writers::start(stack);
    let before: u64 = live_psql(stack, "SELECT count(*) FROM writer_a")
        .parse()
        .unwrap();
    let o = env.backup(&["--only", "postgres", "--only", "redis"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let after: u64 = live_psql(stack, "SELECT count(*) FROM writer_a")
        .parse()
        .unwrap();
    writers.stop();
    let archive = env.archive();
    let m = manifest_of(&archive);
    let x = extract(&archive, &env.dir.path().join("x"));

    // PostgreSQL: one snapshot (a and b always equal), the recorded counts are the loaded ones,
    // and the writers really wrote during the backup.
    let tables = &m["details"]["postgres"]["fingerprint"]["tables"];
    let pg = FreshPostgres::load(&x);
    let a: u64 = pg.query("SELECT count(*) FROM writer_a").parse().unwrap();
    let b: u64 = pg.query("SELECT count(*) FROM writer_b").parse().unwrap();
    assert_eq!(a, b, "the dump is not one snapshot");
    assert_eq!(tables["public.writer_a"], a);
    assert_eq!(tables["public.writer_b"], b);
    assert!(
        before <= a && a < after,
        "before {before}, dump {a}, after {after}"
    );
    for (t, n) in tables.as_object().unwrap() {
        assert_eq!(
            pg.query(&format!("SELECT count(*) FROM {t}")),
            n.to_string(),
            "{t}"
        );
    }

    // Redis: every MULTI/EXEC is in the RDB whole or not at all; the counts are the RDB's.
    let rd = fresh_redis(&x);
    let fp = &m["details"]["redis"]["fingerprint"];
    let (ka, kb) = (count_keys(&rd.0, "w:a:*"), count_keys(&rd.0, "w:b:*"));
    assert!(ka > 100, "{ka} writer keys");
    assert_eq!(ka, kb, "the RDB is not one snapshot");
    let dbsize: u64 = stdout(&docker(&["exec", &rd.0, "redis-cli", "dbsize"]))
        .trim()
        .parse()
        .unwrap();
    assert_eq!(
        dbsize,
        fp["keys"].as_u64().unwrap() - fp["already_expired"].as_u64().unwrap(),
        "{fp}"
    );
    let live_keys: u64 = live_redis(stack, "dbsize").parse().unwrap();
    assert!(live_keys > dbsize, "the writers went on after the snapshot");
    drop(writers);
    assert_stack_runs(stack);
}

#[test]
fn chroma_off_its_volume_is_backed_up_with_the_warning() {
    let stack = stack_up("lbt-unmounted", &["--variant", "chroma-unmounted"]);
    let env = Env::new(&stack);
    let o = env.backup(&["--only", "chromadb"]);
    let down = stack_down("lbt-unmounted");
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let warning = stderr(&o);
    assert!(
        warning.contains("not on a volume") && warning.contains("dies with it"),
        "{warning}"
    );
    let archive = env.archive();
    let m = manifest_of(&archive);
    assert_eq!(m["details"]["chromadb"]["on_volume"], false);
    assert_eq!(m["details"]["chromadb"]["data_path"], "/data");
    assert!(m["warnings"].to_string().contains("not on a volume"));
    assert_eq!(
        m["details"]["chromadb"]["fingerprint"]["collections"]["tars_home_documents"],
        2000
    );
    let x = extract(&archive, &env.dir.path().join("x"));
    let list = sh(&x, "tar -tzf chromadb.tar.gz");
    assert!(
        stdout(&list)
            .lines()
            .any(|l| l.trim_start_matches("./") == "chroma.sqlite3"),
        "{}",
        stdout(&list)
    );
    assert!(down.status.success());
}

/// A large file in Chroma's persist folder, so its copy lasts long enough to act during it.
struct Filler<'a>(&'a Stack);

impl<'a> Filler<'a> {
    fn add(stack: &'a Stack) -> Filler<'a> {
        let o = stack.sh(
            "chromadb",
            "head -c 67108864 /dev/urandom > /data/lifeboat-filler.bin",
        );
        assert!(o.status.success(), "{}", stderr(&o));
        Filler(stack)
    }
}

impl Drop for Filler<'_> {
    fn drop(&mut self) {
        let _ = self.0.sh("chromadb", "rm -f /data/lifeboat-filler.bin");
    }
}

fn state_of(container: &str) -> String {
    stdout(&docker(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.HostConfig.RestartPolicy.Name}}",
        container,
    ]))
    .trim()
    .to_string()
}

/// Starts `--only chromadb`, waits until the copy runs, freezes lifeboat (SIGSTOP) and checks
/// Chroma and the backend are stopped.
fn frozen_during_the_chroma_copy(env: &Env) -> Watched {
    let mut w = Watched::start(env, &["--only", "chromadb"]);
    w.until("the chroma copy", |v| {
        is_step(v, "step_started", "component:chromadb")
    });
    let pid = w.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    // Docker holds a container's lock while its archive streams: `docker inspect` of it
    // would wait for the frozen copy; `docker ps` does not.
    for s in ["chromadb", "backend"] {
        let o = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("name=^{PROJECT}-{s}$"),
            "--format",
            "{{.State}}",
        ]);
        assert_eq!(stdout(&o).trim(), "exited", "{s} during the copy");
    }
    w
}

#[test]
fn kill_9_during_the_chroma_copy_then_recover_starts_it_with_its_policy() {
    let stack = shared_stack(PROJECT);
    let _g = serial();
    let env = Env::new(stack);
    let filler = Filler::add(stack);
    let mut w = frozen_during_the_chroma_copy(&env);
    let status = w.kill9();
    assert_eq!(status.code(), None, "killed by a signal");
    drop(filler);
    // Nothing was started by the dead run, and nothing looks committed.
    assert_eq!(state_of(&format!("{PROJECT}-chromadb")), "exited no");
    assert_nothing_committed(&env.out());
    let o = run(env.lifeboat().arg("recover"));
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(&format!("started {PROJECT}-chromadb again")),
        "{}",
        stdout(&o)
    );
    assert_stack_runs(stack);
    // Recover is idempotent, and the next backup cleans what the killed one left.
    let o = run(env.lifeboat().arg("recover"));
    assert!(stdout(&o).contains("nothing to recover"), "{}", stdout(&o));
    let o = env.backup(&["--only", "chromadb"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let leftovers: Vec<String> = files_in(&env.out())
        .into_keys()
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let staging = env.dir.path().join("state/staging");
    assert_eq!(
        std::fs::read_dir(&staging).map(|d| d.count()).unwrap_or(0),
        0
    );
    assert_stack_runs(stack);
}

#[test]
fn sigterm_during_the_chroma_copy_starts_it_again_before_exiting() {
    let stack = shared_stack(PROJECT);
    let _g = serial();
    let env = Env::new(stack);
    let _filler = Filler::add(stack);
    let mut w = frozen_during_the_chroma_copy(&env);
    let pid = w.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(
        std::process::Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let code = w.finish();
    assert_eq!(code, 143);
    assert_nothing_committed(&env.out());
    assert_stack_runs(stack);
    let o = run(env.lifeboat().arg("recover"));
    assert!(stdout(&o).contains("nothing to recover"), "{}", stdout(&o));
}
