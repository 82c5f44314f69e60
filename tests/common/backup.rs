//! Helpers for backup tests: a scratch folder with its own config, state, lock and output
//! pointed at a reference stack; extracting archives; throwaway containers.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Mutex, MutexGuard};

use super::testbed::{Stack, docker};
use super::{run, sh, stderr};

/// Tests that stop the stack's containers take turns.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A scratch folder with its own config, state, lock and output.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new(stack: &Stack) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let cfg = format!(
            "project = \"{}\"\noutput_dir = \"{}\"\n[profiles.tars-home]\ndeploy_dir = \"{}\"\n",
            stack.project,
            dir.path().join("out").display(),
            stack.deploy.display()
        );
        std::fs::write(dir.path().join("config.toml"), cfg).unwrap();
        Env { dir }
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    pub fn lifeboat(&self) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_lifeboat"));
        c.env_remove("LIFEBOAT_CONFIG")
            .env("LIFEBOAT_STATE", self.dir.path().join("state"))
            .env("LIFEBOAT_LOCK", self.dir.path().join("lock"))
            .arg("--config")
            .arg(self.dir.path().join("config.toml"));
        c
    }

    pub fn backup(&self, args: &[&str]) -> Output {
        run(self.lifeboat().arg("backup").args(args))
    }

    pub fn archive(&self) -> PathBuf {
        let mut a: Vec<PathBuf> = std::fs::read_dir(self.out())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
            .collect();
        a.sort();
        a.pop().expect("an archive")
    }
}

pub fn manifest_of(archive: &Path) -> serde_json::Value {
    let bytes = std::fs::read(format!("{}.manifest.json", archive.display())).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Extracts the archive into `dir`; returns the archive's inner folder.
pub fn extract(archive: &Path, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let o = sh(dir, &format!("tar -xzf {}", archive.display()));
    assert!(o.status.success(), "{}", stderr(&o));
    let name = archive
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(".tar.gz");
    dir.join(name)
}

/// A throwaway container, removed with its volume at the end.
pub struct Scratch(pub String);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", "-v", &self.0]);
        let _ = docker(&["volume", "rm", "-f", &format!("{}-data", self.0)]);
    }
}

pub fn image(kind: &str) -> String {
    super::testbed::images()
        .iter()
        .find(|i| i.contains(&format!("/{kind}:")))
        .cloned()
        .unwrap()
}

pub fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..240 {
        if f() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    panic!("{what} did not happen within 60 s");
}

/// The services of the reference stack, as its containers are named `<project>-<service>`.
pub const SERVICES: [&str; 5] = ["chromadb", "postgres", "redis", "ollama", "backend"];

/// Every container of the stack runs with the compose file's restart policy: nothing lifeboat
/// stopped was left stopped, nothing kept its temporary `no` policy.
pub fn assert_stack_runs(stack: &Stack) {
    for s in SERVICES {
        let name = format!("{}-{s}", stack.project);
        let o = docker(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.HostConfig.RestartPolicy.Name}}",
            &name,
        ]);
        assert_eq!(
            super::stdout(&o).trim(),
            "running unless-stopped",
            "{name} after the run"
        );
    }
    // Running is not serving: a PostgreSQL killed mid-dump replays its WAL first ("the
    // database system is in recovery mode"), and the next test must not meet that.
    let pg = format!("{}-postgres", stack.project);
    let password = format!("PGPASSWORD={}", stack.env("TARS_POSTGRES_PASSWORD"));
    wait_for("postgres accepting connections", || {
        let args = [
            "exec",
            "-e",
            &password,
            &pg,
            "psql",
            "-X",
            "-At",
            "-h",
            "127.0.0.1",
        ];
        let args = [
            &args[..],
            &["-U", "tars", "-d", "postgres", "-c", "SELECT 1"],
        ]
        .concat();
        docker(&args).status.success()
    });
}

/// The one `lifeboat:` line a failed run prints on stderr: there is exactly one, and it is
/// a single line.
pub fn error_line(o: &Output) -> String {
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("lifeboat:")).collect();
    assert_eq!(lines.len(), 1, "expected one error line in:\n{err}");
    lines[0].to_string()
}

/// Name and SHA-256 of every file in `dir` (empty when it does not exist): proof that
/// history was not touched.
pub fn files_in(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let bytes = std::fs::read(e.path()).unwrap_or_default();
        out.insert(
            e.file_name().to_string_lossy().into_owned(),
            hex::encode(lifeboat::engine::archive::gz::sha256(&bytes)),
        );
    }
    out
}

/// Asserts that the output folder holds nothing that looks like a backup.
pub fn assert_nothing_committed(dir: &Path) {
    let names: Vec<String> = files_in(dir).into_keys().collect();
    assert!(
        names
            .iter()
            .all(|n| !n.ends_with(".tar.gz") && !n.ends_with(".sha256")),
        "something was committed: {names:?}"
    );
}

/// A `lifeboat --json` run whose events are read as they come, to act at a moment.
pub struct Watched {
    pub child: std::process::Child,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    pub seen: Vec<serde_json::Value>,
}

impl Watched {
    /// `lifeboat --json backup ARGS`.
    pub fn start(env: &Env, args: &[&str]) -> Watched {
        let mut all = vec!["backup"];
        all.extend_from_slice(args);
        Watched::command(env, &all)
    }

    /// `lifeboat --json ARGS`.
    pub fn command(env: &Env, args: &[&str]) -> Watched {
        let mut child = env
            .lifeboat()
            .arg("--json")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        use std::io::BufRead;
        let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        Watched {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads events until one satisfies `f`; panics if the run ends first.
    pub fn until(&mut self, what: &str, f: impl Fn(&serde_json::Value) -> bool) {
        for line in self.lines.by_ref() {
            let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            let hit = f(&v);
            self.seen.push(v);
            if hit {
                return;
            }
        }
        panic!("the run ended before {what}: {:?}", self.seen);
    }

    /// SIGKILL, then the exit status.
    pub fn kill9(&mut self) -> std::process::ExitStatus {
        let _ = self.child.kill();
        self.child.wait().unwrap()
    }

    /// Reads to the end; the exit code.
    pub fn finish(&mut self) -> i32 {
        for line in self.lines.by_ref() {
            if let Ok(v) = serde_json::from_str(&line.unwrap()) {
                self.seen.push(v);
            }
        }
        self.child.wait().unwrap().code().unwrap_or(-1)
    }
}

impl Drop for Watched {
    /// A test that fails midway never leaves a (possibly frozen) lifeboat behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An event of `kind` for `step`.
pub fn is_step(v: &serde_json::Value, kind: &str, step: &str) -> bool {
    v["event"] == kind && v["step"] == step
}

/// A fresh PostgreSQL of the testbed image with an extracted archive's dump loaded as the
/// runbook says: the owner role and database first, then `psql -X -v ON_ERROR_STOP=1`.
pub struct FreshPostgres(pub Scratch);

impl FreshPostgres {
    pub fn load(extracted: &Path) -> FreshPostgres {
        let pg = Scratch(format!("lbt-bk-pg-{}", std::process::id()));
        let o = docker(&[
            "run",
            "-d",
            "--name",
            &pg.0,
            "-e",
            "POSTGRES_USER=tars",
            "-e",
            "POSTGRES_PASSWORD=fresh",
            "-e",
            "POSTGRES_DB=postgres",
            "-v",
            &format!("{}-data:/var/lib/postgresql/data", pg.0),
            &image("postgres"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let fresh = FreshPostgres(pg);
        wait_for("fresh postgres", || {
            fresh.psql("postgres", "select 1").status.success()
        });
        let o = fresh.psql("postgres", "CREATE DATABASE tars_home OWNER tars");
        assert!(o.status.success(), "{}", stderr(&o));
        let o = fresh.psql("postgres", "CREATE ROLE analytics_ro");
        assert!(o.status.success(), "{}", stderr(&o));
        let load = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "gzip -dc {} | docker exec -i {} sh -c 'PGPASSWORD=fresh psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U tars -d tars_home'",
                extracted.join("postgres.sql.gz").display(),
                fresh.0.0
            ))
            .output()
            .unwrap();
        assert!(
            load.status.success(),
            "the dump did not load: {}",
            stderr(&load)
        );
        fresh
    }

    fn psql(&self, db: &str, sql: &str) -> Output {
        docker(&[
            "exec",
            "-e",
            "PGPASSWORD=fresh",
            &self.0.0,
            "psql",
            "-X",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            "tars",
            "-d",
            db,
            "-c",
            sql,
        ])
    }

    /// One value from tars_home.
    pub fn query(&self, sql: &str) -> String {
        let o = self.psql("tars_home", sql);
        assert!(o.status.success(), "{sql}: {}", stderr(&o));
        super::stdout(&o).trim().to_string()
    }
}

/// A fresh Redis of the testbed image started on an extracted archive's RDB, answering.
pub fn fresh_redis(extracted: &Path) -> Scratch {
    let rd = Scratch(format!("lbt-bk-redis-{}", std::process::id()));
    let o = docker(&[
        "create",
        "--name",
        &rd.0,
        "-v",
        &format!("{}-data:/data", rd.0),
        &image("redis"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Archive members are 0600 root: the copy must be readable by the server's own user.
    let rdb = extracted.join("redis-dump.rdb");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&rdb, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = docker(&[
        "cp",
        rdb.to_str().unwrap(),
        &format!("{}:/data/dump.rdb", rd.0),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(docker(&["start", &rd.0]).status.success());
    wait_for("fresh redis", || {
        super::stdout(&docker(&["exec", &rd.0, "redis-cli", "ping"])).trim() == "PONG"
    });
    rd
}

/// Another process holding the host lock of `env` (flock), until killed.
pub fn hold_lock(env: &Env) -> std::process::Child {
    let lock = env.dir.path().join("lock");
    let holder = std::process::Command::new("flock")
        .arg(&lock)
        .args(["sleep", "60"])
        .spawn()
        .unwrap();
    wait_for("the lock taken", || {
        super::sh(
            env.dir.path(),
            &format!("! flock -n {} true", lock.display()),
        )
        .status
        .success()
    });
    holder
}
