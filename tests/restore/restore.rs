//! `lifeboat restore` on the reference stack, proven with real clients: a damaged component
//! shows in the checklist (live against recorded), comes back alone and equals the backup
//! (pg_dump, a Redis digest, Chroma ids and embeddings, the models tree with owners and modes)
//! while untouched components keep their newer data; Redis with `appendonly yes` keeps the
//! backup's keys across a restart; every container the restore creates runs one of the
//! stack's own images, also with the test-only images untagged.

use crate::common::backup::*;
use crate::common::restore::*;
use crate::common::testbed::{Stack, docker, images, shared_stack};
use crate::common::*;
use lifeboat::engine::restore::live::group;

const PROJECT: &str = "lbt-restore";

fn stack() -> &'static Stack {
    shared_stack(PROJECT)
}

fn plan_items(o: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "restore_plan")
        .and_then(|v| v["plan"]["items"].as_array().cloned())
        .unwrap_or_else(|| panic!("no plan line in {}", stdout(o)))
}

fn item<'a>(items: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    items
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id} in {items:?}"))
}

/// Every container the restores of `env` created ran one of the stack's own images.
fn assert_only_stack_images(env: &Env) {
    let log = std::fs::read_to_string(env.dir.path().join("state/logs/lifeboat.log")).unwrap();
    let stack_images = [
        "postgres:15",
        "redis:7",
        "chromadb:1.5.9",
        "ollama:testbed",
        "backend:testbed",
    ];
    let created: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("created a container from an image"))
        .collect();
    assert!(
        !created.is_empty(),
        "the log names no created container:\n{log}"
    );
    for l in created {
        let image = l
            .split("image=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap();
        assert!(
            stack_images
                .iter()
                .any(|s| image == format!("lifeboat-testbed/{s}")),
            "a container was created from {image}, not one of the stack's images"
        );
    }
}

/// The rows of the wizard's plan screen for a restore of `component` from `archive`, from the
/// console's own backend (the checklist run for real, then the wizard closed).
fn wizard_rows(env: &Env, archive: &std::path::Path, component: &str) -> serde_json::Value {
    use lifeboat::tui::backend::{Backend, Engine};
    use lifeboat::tui::state::wizard::PrepareRequest;
    let config = lifeboat::engine::config::load(Some(&env.dir.path().join("config.toml")))
        .unwrap()
        .config;
    let locations = lifeboat::engine::state::Locations {
        state: Some(env.dir.path().join("state")),
        lock: env.dir.path().join("lock"),
        staging: None,
        output_root: env.out(),
        is_root: false,
    };
    let engine = Engine::new(None, lifeboat::engine::host::Host::new(config, locations));
    let archive = archive.to_path_buf();
    let component = component.to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let plan = rt.block_on(async move {
        tokio::task::spawn_blocking(move || {
            let target = engine.restore_target(&archive, None).unwrap();
            let req = PrepareRequest {
                archive,
                spec: target.spec,
                components: vec![component],
                expect_sha256: None,
            };
            let plan = engine.restore_prepare(
                &req,
                &lifeboat::engine::progress::Silent,
                &lifeboat::engine::progress::Cancel::new(),
            );
            engine.restore_close();
            plan
        })
        .await
        .unwrap()
    });
    serde_json::to_value(plan.unwrap().components).unwrap()
}

#[test]
fn a_dropped_table_shows_in_the_checklist_and_only_postgres_comes_back() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let before = pg_dump(stack);
    assert_eq!(code(&env.backup(&[])), 0);
    let archive = env.archive();
    let recorded =
        manifest_of(&archive)["details"]["postgres"]["fingerprint"]["tables"]["public.audit_log"]
            .as_u64()
            .unwrap();
    assert!(recorded > 0);
    psql(stack, "tars_home", "DROP TABLE audit_log CASCADE");
    psql(
        stack,
        "tars_home",
        "CREATE TABLE \"Made After\" (n int); INSERT INTO \"Made After\" VALUES (1), (2)",
    );
    redis(stack, &["SET", "written-after-the-backup", "kept"]);

    let dry = restore(
        &env,
        &archive,
        &["--json", "--dry-run", "--component", "postgres"],
    );
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    let items = plan_items(&dry);
    let live = item(&items, "live:postgres");
    assert_eq!(live["status"], "warn");
    assert!(
        live["detail"].as_str().unwrap().contains(&format!(
            "public.audit_log: live 0 rows (no such table), backup {}",
            group(recorded)
        )),
        "{live}"
    );
    assert!(
        live["detail"].as_str().unwrap().contains(
            "public.\"Made After\": live 2 rows, not in the backup (the restore drops it)"
        ),
        "{live}"
    );
    assert_eq!(item(&items, "checksums")["status"], "ok");
    // The rows the dry run prints are the rows the wizard's plan screen shows.
    let rows = stdout(&dry)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "restore_plan")
        .map(|v| v["plan"]["rows"].clone())
        .unwrap();
    assert_eq!(rows[0]["name"], "postgres");
    assert_eq!(
        rows[0]["stops"],
        serde_json::json!([
            format!("{}-postgres", stack.project),
            format!("{}-backend", stack.project)
        ])
    );
    assert!(
        rows[0]["expected"].as_str().unwrap().contains("rows"),
        "{rows}"
    );
    assert_eq!(rows, wizard_rows(&env, &archive, "postgres"));
    assert!(
        psql(
            stack,
            "tars_home",
            "SELECT to_regclass('audit_log') IS NULL"
        ) == "t",
        "the dry run changed nothing"
    );

    let started = started_at(stack);
    let o = restore(&env, &archive, &["--component", "postgres", "--force"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("Restored and checked against the backup: postgres"));
    assert_eq!(
        pg_dump(stack),
        before,
        "the restored database dumps as the backed-up one did"
    );
    assert_eq!(
        psql(stack, "tars_home", "SELECT count(*) FROM audit_log"),
        recorded.to_string()
    );
    // Untouched: Redis keeps what was written after the backup; PostgreSQL never stopped.
    assert_eq!(redis(stack, &["GET", "written-after-the-backup"]), "kept");
    let after = started_at(stack);
    let pg = format!("{}-postgres", stack.project);
    assert_eq!(after[&pg], started[&pg], "the server kept running");
    assert_no_leftovers(stack);
    assert_stack_runs(stack);
    redis(stack, &["DEL", "written-after-the-backup"]);
}

#[test]
fn redis_with_appendonly_comes_back_with_the_backups_keys_after_flushall() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    assert_eq!(
        redis(stack, &["CONFIG", "GET", "appendonly"]),
        "appendonly\nyes"
    );
    let digest = redis_digest(stack);
    assert_eq!(code(&env.backup(&["--only", "redis"])), 0);
    let archive = env.archive();
    redis(stack, &["FLUSHALL"]);
    assert_eq!(redis(stack, &["DBSIZE"]), "0");
    let o = restore(&env, &archive, &["--force"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(redis_digest(stack), digest);
    // The AOF holds the data too: a restart loads the same keys, never an empty dataset.
    let o = docker(&["restart", &format!("{}-redis", stack.project)]);
    assert!(o.status.success());
    wait_for("redis after a restart", || {
        docker(&[
            "exec",
            &format!("{}-redis", stack.project),
            "redis-cli",
            "-a",
            &stack.env("TARS_REDIS_PASSWORD"),
            "--no-auth-warning",
            "INFO",
            "persistence",
        ])
        .status
        .success()
    });
    wait_for("redis loaded", || {
        redis(stack, &["INFO", "persistence"]).contains("loading:0")
    });
    assert_eq!(redis_digest(stack), digest, "after a restart, from the AOF");
    let owner = stack.sh("redis", "stat -c %U /data/dump.rdb /data/appendonlydir/*");
    assert!(
        stdout(&owner).lines().all(|l| l == "redis"),
        "{}",
        stdout(&owner)
    );
    assert_no_leftovers(stack);
    assert_only_stack_images(&env);
}

#[test]
fn a_deleted_collection_and_deleted_model_blobs_come_back_with_owners_and_modes() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let chroma = chroma_state(stack);
    let models = models_tree(stack);
    assert_eq!(
        code(&env.backup(&["--only", "chromadb", "--include-models"])),
        0
    );
    let archive = env.archive();
    chroma_delete(stack, "conversation_memory");
    let o = stack.sh("ollama", "rm -f /root/.ollama/models/blobs/*");
    assert!(o.status.success());
    assert_ne!(chroma_state(stack), chroma);
    assert_ne!(models_tree(stack), models);
    let o = restore(&env, &archive, &["--force"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        chroma_state(stack),
        chroma,
        "collections, ids and embeddings"
    );
    assert_eq!(
        models_tree(stack),
        models,
        "paths, owners, modes, sizes, contents"
    );
    let blobs = stack.sh(
        "ollama",
        "cd /root/.ollama/models/blobs && for f in sha256-*; do echo \"${f#sha256-}  $f\"; done | sha256sum -c --quiet && echo all-match",
    );
    assert!(stdout(&blobs).contains("all-match"), "{}", stderr(&blobs));
    assert_no_leftovers(stack);
    assert_only_stack_images(&env);
    assert_stack_runs(stack);
}

#[test]
fn a_full_restore_meets_every_fingerprint_with_the_test_only_images_untagged() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let (dump, digest, chroma, models) = (
        pg_dump(stack),
        redis_digest(stack),
        chroma_state(stack),
        models_tree(stack),
    );
    assert_eq!(code(&env.backup(&["--include-models"])), 0);
    let archive = env.archive();
    psql(stack, "tars_home", "DELETE FROM messages");
    redis(stack, &["FLUSHALL"]);
    chroma_delete(stack, "tars_home_documents");
    assert!(
        stack
            .sh("ollama", "rm -rf /root/.ollama/models/manifests")
            .status
            .success()
    );

    // Images only the tests use (the build base) are untagged for this restore.
    let test_only: Vec<String> = docker(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .stdout
        .split(|b| *b == b'\n')
        .map(|l| String::from_utf8_lossy(l).to_string())
        .filter(|i| i.starts_with("lifeboat-testbed/") && !images().contains(i))
        .collect();
    let mut ids = Vec::new();
    for i in &test_only {
        ids.push(
            stdout(&docker(&["inspect", "-f", "{{.Id}}", i]))
                .trim()
                .to_string(),
        );
        assert!(
            docker(&["rmi", "--no-prune", i]).status.success(),
            "untag {i}"
        );
    }
    let o = restore(&env, &archive, &["--force"]);
    for (i, id) in test_only.iter().zip(&ids) {
        assert!(docker(&["tag", id, i]).status.success(), "tag {i} again");
    }
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("chromadb, postgres, redis, ollama"),
        "{}",
        stdout(&o)
    );
    assert_eq!(pg_dump(stack), dump);
    assert_eq!(redis_digest(stack), digest);
    assert_eq!(chroma_state(stack), chroma);
    assert_eq!(models_tree(stack), models);
    assert_no_leftovers(stack);
    assert_only_stack_images(&env);
    assert_stack_runs(stack);
}

#[test]
fn a_crash_looping_redis_is_restored_while_down_and_runs_again() {
    let stack = stack();
    let _g = serial();
    let env = Env::new(stack);
    let digest = redis_digest(stack);
    assert_eq!(code(&env.backup(&["--only", "redis"])), 0);
    let archive = env.archive();
    // Broken data: Redis refuses its AOF manifest and the restart policy keeps restarting it.
    let name = format!("{}-redis", stack.project);
    let _repair = RepairRedis(name.clone());
    let o = stack.sh(
        "redis",
        "echo 'not a manifest' > /data/appendonlydir/appendonly.aof.manifest",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(docker(&["restart", &name]).status.success());
    wait_for("redis to crash-loop", || {
        let s = stdout(&docker(&["inspect", "-f", "{{.State.Status}}", &name]));
        s.trim() == "restarting" || s.trim() == "exited"
    });
    let dry = restore(&env, &archive, &["--json", "--dry-run"]);
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    let items = plan_items(&dry);
    // Between two restarts the container may look "running" for a moment: either way its
    // RDB check ran (in a one-off container of its image while it was down).
    assert_ne!(item(&items, "container:redis")["status"], "fail");
    assert_eq!(item(&items, "redis-rdb:redis")["status"], "ok");
    // A Redis that does not serve cannot be dumped: its safety copy is its stopped data
    // folder, raw.
    let o = restore(&env, &archive, &["--force", "--json"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(redis_digest(stack), digest);
    assert_no_leftovers(stack);
    let safety = stdout(&o)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "restore")
        .and_then(|v| {
            v["outcome"]["safety_backup"]
                .as_str()
                .map(std::path::PathBuf::from)
        })
        .expect("a safety backup");
    let m = manifest_of(&safety);
    assert_eq!(m["details"]["redis"]["capture_mode"], "raw_copy");
    assert_eq!(m["details"]["redis"]["file"], "redis-raw.tar.gz");
    // Undo puts those exact bytes back: Redis crash-loops on its broken AOF manifest again.
    let o = run(env.lifeboat().args(["restore", "--undo", "--force"]));
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let vol = stdout(&docker(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{.Name}}{{end}}",
        &name,
    ]));
    let o = docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{}:/d:ro", vol.trim()),
        "--entrypoint",
        "cat",
        &image("redis"),
        "/d/appendonlydir/appendonly.aof.manifest",
    ]);
    assert_eq!(stdout(&o).trim(), "not a manifest", "{}", stderr(&o));
    // The backup's data again (the stack is shared: Redis must not be left broken or empty).
    let o = restore(&env, &archive, &["--force"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(redis_digest(stack), digest);
    assert_only_stack_images(&env);
    assert_stack_runs(stack);
}

/// Should the test fail, Redis must not stay crash-looping for the tests after it: its AOF
/// goes (Redis then loads dump.rdb) and it starts again.
struct RepairRedis(String);

impl Drop for RepairRedis {
    fn drop(&mut self) {
        // A crash-looping Redis looks "running" between restarts: it must answer for a while.
        let answers = || {
            docker(&["exec", &self.0, "redis-cli", "--no-auth-warning", "ping"])
                .status
                .success()
        };
        std::thread::sleep(std::time::Duration::from_secs(2));
        if (0..4).all(|_| {
            std::thread::sleep(std::time::Duration::from_millis(300));
            answers()
        }) {
            return;
        }
        let vol = stdout(&docker(&[
            "inspect",
            "-f",
            "{{range .Mounts}}{{.Name}}{{end}}",
            &self.0,
        ]));
        let image = stdout(&docker(&["inspect", "-f", "{{.Config.Image}}", &self.0]));
        docker(&[
            "run",
            "--rm",
            "-v",
            &format!("{}:/data", vol.trim()),
            "--entrypoint",
            "sh",
            image.trim(),
            "-c",
            "rm -rf /data/appendonlydir",
        ]);
        docker(&["restart", &self.0]);
    }
}
