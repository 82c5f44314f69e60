//! The reference stack and `lifeboat status` against it: seeded data read back with real
//! clients, two projects side by side, the bad cases with their exit codes, and no secret in
//! any argv, log or output.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::testbed::{Stack, docker, shared_stack, stack_down, stack_up};
use common::*;

const PROJECT: &str = "lbt-stack";

fn status(stack: &Stack, dir: &Path, extra: &[&str]) -> std::process::Output {
    let cfg = stack.config(dir);
    run(lifeboat()
        .env("LIFEBOAT_STATE", dir.join("state"))
        .arg("--config")
        .arg(&cfg)
        .args(extra)
        .args(["status", "--project", &stack.project]))
}

#[test]
fn status_shows_the_seeded_stack_and_real_clients_agree() {
    let stack = shared_stack(PROJECT);
    let tmp = tempfile::tempdir().unwrap();
    let o = status(stack, tmp.path(), &["--json"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let st: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    let comp = |n: &str| {
        st["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(comp("postgres")["login"], "ok");
    assert_eq!(comp("redis")["login"], "ok");
    for c in ["postgres", "redis", "chromadb", "ollama"] {
        assert_eq!(comp(c)["containers"][0]["state"], "running", "{c}");
        assert_eq!(comp(c)["containers"][0]["health"], "healthy", "{c}");
        assert!(comp(c)["data_bytes"].as_u64().unwrap() > 0, "{c}");
    }
    assert_eq!(comp("ollama")["data"], format!("{PROJECT}_ollama_data"));
    // The host's own psql, over the published port, with the password from the env file.
    let port =
        String::from_utf8_lossy(&docker(&["port", &format!("{PROJECT}-postgres"), "5432"]).stdout)
            .trim()
            .rsplit(':')
            .next()
            .unwrap()
            .to_string();
    let o = Command::new("psql")
        .args([
            "-X",
            "-At",
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "tars",
            "-d",
            "tars_home",
            "-c",
            "select count(*) from messages",
        ])
        .env("PGPASSWORD", stack.env("TARS_POSTGRES_PASSWORD"))
        .output()
        .unwrap();
    assert_eq!(stdout(&o).trim(), "12340", "{}", stderr(&o));
    // Password authentication everywhere, the local socket included.
    let o = stack.sh(
        "postgres",
        "psql -X -At -U tars -d tars_home -c 'select 1' </dev/null",
    );
    assert!(
        !o.status.success(),
        "a local socket connection without a password must fail"
    );
    let o = stack.sh("redis", "REDISCLI_AUTH=$REDIS_PASSWORD redis-cli dbsize");
    assert!(
        stdout(&o).trim().parse::<u64>().unwrap() > 5000,
        "{}",
        stdout(&o)
    );
    assert!(stdout(&stack.sh("redis", "redis-cli dbsize")).contains("NOAUTH"));
    let o = docker(&[
        "exec",
        &format!("{PROJECT}-chromadb"),
        "python3",
        "-c",
        "import chromadb; c=chromadb.HttpClient(host='127.0.0.1',port=8000); print(sorted((x.name, x.count()) for x in c.list_collections()))",
    ]);
    assert_eq!(
        stdout(&o).trim(),
        "[('conversation_memory', 600), ('tars_home_documents', 2000)]",
        "{}",
        stderr(&o)
    );
    let o = stack.sh("ollama", "cd /root/.ollama/models/blobs && for f in sha256-*; do [ \"sha256-$(sha256sum $f | cut -c1-64)\" = \"$f\" ] || echo BAD $f; done; ls | wc -l");
    assert!(
        !stdout(&o).contains("BAD") && stdout(&o).trim().parse::<u32>().unwrap() >= 6,
        "{}",
        stdout(&o)
    );
    // Labels as compose sets them, restart policy as T.A.R.S. runs it.
    let o = docker(&[
        "inspect",
        "--format",
        "{{index .Config.Labels \"com.docker.compose.project\"}} {{index .Config.Labels \"lifeboat.testbed\"}} {{.HostConfig.RestartPolicy.Name}}",
        &format!("{PROJECT}-redis"),
    ]);
    assert_eq!(
        stdout(&o).trim(),
        format!("{PROJECT} {PROJECT} unless-stopped")
    );
}

#[test]
fn a_second_project_runs_beside_the_first_and_goes_away_cleanly() {
    let first = shared_stack(PROJECT);
    let second = stack_up("lbt-stack-two", &[]);
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(code(&status(&second, tmp.path(), &[])), 0);
    assert_ne!(
        first.env("TARS_POSTGRES_PASSWORD"),
        second.env("TARS_POSTGRES_PASSWORD")
    );
    let o = stack_down("lbt-stack-two");
    assert!(o.status.success(), "{}", stderr(&o));
    for kind in ["ps -a", "volume ls", "network ls"] {
        let args: Vec<&str> = kind
            .split(' ')
            .chain(["-q", "--filter", "label=lifeboat.testbed=lbt-stack-two"])
            .collect();
        assert_eq!(stdout(&docker(&args)).trim(), "", "{kind} left behind");
    }
    assert_eq!(
        code(&status(first, tmp.path(), &[])),
        0,
        "the first project was not touched"
    );
}

/// A unix socket that forwards to the real Docker socket until it is closed.
struct Proxy {
    path: std::path::PathBuf,
    open: Arc<AtomicBool>,
}

impl Proxy {
    fn start(path: &Path) -> Proxy {
        let listener = UnixListener::bind(path).unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let flag = open.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { break };
                if !flag.load(Ordering::SeqCst) {
                    break; // closed: drop the connection and the listener
                }
                let Ok(upstream) = UnixStream::connect("/var/run/docker.sock") else {
                    break;
                };
                let pipe = |mut a: UnixStream, mut b: UnixStream| {
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 65536];
                        while let Ok(n) = a.read(&mut buf) {
                            if n == 0 || b.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = b.shutdown(std::net::Shutdown::Write);
                    });
                };
                pipe(client.try_clone().unwrap(), upstream.try_clone().unwrap());
                pipe(upstream, client);
            }
        });
        Proxy {
            path: path.to_path_buf(),
            open,
        }
    }

    fn close(&self) {
        self.open.store(false, Ordering::SeqCst);
        let _ = UnixStream::connect(&self.path); // wakes the accept loop, which then exits
        let _ = std::fs::remove_file(&self.path);
    }
}

#[test]
fn bad_cases_get_their_exit_codes_and_one_line() {
    let stack = shared_stack(PROJECT);
    let tmp = tempfile::tempdir().unwrap();
    let one_line = |o: &std::process::Output, code_wanted: i32, needle: &str| {
        assert_eq!(code(o), code_wanted, "{}{}", stdout(o), stderr(o));
        let err = stderr(o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{needle:?} not in {err}");
    };
    // Docker unreachable: no such socket.
    let cfg = stack.config(tmp.path());
    let o = run(lifeboat()
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .arg("--config")
        .arg(&cfg)
        .args(["status", "--project", PROJECT]));
    one_line(
        &o,
        1,
        "cannot reach the Docker engine at unix:///nonexistent/docker.sock",
    );
    // Docker lost: a proxy socket that works, then is closed.
    let sock = tmp.path().join("proxy.sock");
    let proxy = Proxy::start(&sock);
    let host = format!("unix://{}", sock.display());
    let o = run(lifeboat()
        .env("DOCKER_HOST", &host)
        .arg("--config")
        .arg(&cfg)
        .args(["status", "--project", PROJECT]));
    assert_eq!(code(&o), 0, "through the proxy: {}", stderr(&o));
    proxy.close();
    let o = run(lifeboat()
        .env("DOCKER_HOST", &host)
        .arg("--config")
        .arg(&cfg)
        .args(["status", "--project", PROJECT]));
    one_line(&o, 1, &format!("cannot reach the Docker engine at {host}"));
    // A profile naming a container that does not exist.
    let profile = std::fs::read_to_string(repo_file("assets/profiles/tars-home.toml"))
        .unwrap()
        .replace("{project}-redis", "{project}-nope");
    let pfile = tmp.path().join("missing.toml");
    std::fs::write(&pfile, profile).unwrap();
    let o = run(lifeboat()
        .arg("--config")
        .arg(&cfg)
        .env("LIFEBOAT_STATE", tmp.path().join("state"))
        .args([
            "status",
            "--project",
            PROJECT,
            "--profile",
            pfile.to_str().unwrap(),
        ]));
    one_line(&o, 3, &format!("container {PROJECT}-nope does not exist"));
    // A malformed profile: the line and the field.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\nproject = \"x\"\narchive_prefix = \"x\"\n[[component]]\nname = \"r\"\nkind = \"redis\"\ncontainers = [\"c\"]\nfile = \"r.rdb\"\npasword_env = \"P\"\n").unwrap();
    let o = run(lifeboat().args(["status", "--profile", bad.to_str().unwrap()]));
    one_line(&o, 1, "bad.toml: line 9");
    assert!(stderr(&o).contains("pasword_env"));
    // A wrong password (12): the profile reads it from an env file that holds an old one.
    let env = tmp.path().join("stale.env");
    std::fs::write(&env, "TARS_POSTGRES_PASSWORD=LBCANARYstale\nTARS_POSTGRES_USER=tars\nTARS_POSTGRES_DB=tars_home\n").unwrap();
    let profile = std::fs::read_to_string(repo_file("assets/profiles/tars-home.toml"))
        .unwrap()
        .replace(
            "user_env = \"POSTGRES_USER\"",
            "credentials = \"env_file\"\nuser_env = \"TARS_POSTGRES_USER\"",
        )
        .replace(
            "password_env = \"POSTGRES_PASSWORD\"",
            "password_env = \"TARS_POSTGRES_PASSWORD\"",
        )
        .replace(
            "database_env = \"POSTGRES_DB\"",
            "database_env = \"TARS_POSTGRES_DB\"",
        )
        .replace(
            "env_file = \"{deploy_dir}/{project}.env\"",
            &format!("env_file = \"{}\"", env.display()),
        );
    let pfile = tmp.path().join("stale.toml");
    std::fs::write(&pfile, profile).unwrap();
    let o = run(lifeboat()
        .env("LIFEBOAT_STATE", tmp.path().join("state"))
        .args([
            "status",
            "--project",
            PROJECT,
            "--profile",
            pfile.to_str().unwrap(),
        ]));
    one_line(
        &o,
        12,
        "component postgres: the server refused the credentials",
    );
    assert!(!stdout(&o).contains("LBCANARY") && !stderr(&o).contains("LBCANARY"));
}

fn repo_file(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn no_secret_reaches_argv_logs_or_output() {
    let stack = shared_stack(PROJECT);
    let tmp = tempfile::tempdir().unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    // Sample every process's command line while lifeboat runs (its docker execs included).
    let sampler = std::thread::spawn(move || {
        let mut leaks = Vec::new();
        let mut samples = 0u32;
        while !flag.load(Ordering::SeqCst) {
            for e in std::fs::read_dir("/proc").unwrap().flatten() {
                if let Ok(cmd) = std::fs::read(e.path().join("cmdline"))
                    && String::from_utf8_lossy(&cmd).contains("LBCANARY")
                {
                    leaks.push(String::from_utf8_lossy(&cmd).replace('\0', " "));
                }
            }
            samples += 1;
        }
        (leaks, samples)
    });
    let mut outputs = String::new();
    for _ in 0..3 {
        let o = status(stack, tmp.path(), &[]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        outputs.push_str(&stdout(&o));
        outputs.push_str(&stderr(&o));
        let o = status(stack, tmp.path(), &["--json"]);
        outputs.push_str(&stdout(&o));
    }
    done.store(true, Ordering::SeqCst);
    let (leaks, samples) = sampler.join().unwrap();
    assert!(samples > 5, "the sampler ran {samples} times");
    assert!(leaks.is_empty(), "secrets in argv: {leaks:?}");
    assert!(!outputs.contains("LBCANARY"), "a secret reached the output");
    let logs = tmp.path().join("state/logs/lifeboat.log");
    let log = std::fs::read_to_string(&logs).unwrap_or_default();
    assert!(!log.contains("LBCANARY"), "a secret reached the log");
}

#[test]
fn stack_down_refuses_a_same_named_container_it_did_not_make() {
    common::testbed::require_docker();
    let name = "lbt-foreign-postgres";
    let _ = docker(&["rm", "-f", name]);
    let image = common::testbed::utility_image();
    assert!(
        docker(&["create", "--name", name, &image, "true"])
            .status
            .success()
    );
    let o = stack_down("lbt-foreign");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("was not made by scripts/stack"),
        "{}",
        stderr(&o)
    );
    assert!(
        docker(&["inspect", name]).status.success(),
        "the foreign container is still there"
    );
    let _ = docker(&["rm", "-f", name]);
}

#[test]
fn status_reports_the_last_backup_and_the_last_failed_run() {
    let stack = shared_stack(PROJECT);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("backups");
    write_archive(&out, "2026-01-03T14:00:00+00:00[UTC]");
    let state = tmp.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let failed = lifeboat::engine::runs::Run {
        start: "2026-01-04T02:00:00Z".into(),
        end: "2026-01-04T02:01:00Z".into(),
        profile: "tars-home".into(),
        exit_code: 2,
        reason: Some("chromadb: container stopped".into()),
        archive: None,
    };
    lifeboat::engine::runs::append(&state, &failed).unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(&cfg, format!("project = \"{PROJECT}\"\noutput_dir = \"{}\"\n[profiles.tars-home]\ndeploy_dir = \"{}\"\n", out.display(), stack.deploy.display())).unwrap();
    let o = run(lifeboat()
        .env("LIFEBOAT_STATE", &state)
        .arg("--config")
        .arg(&cfg)
        .arg("status"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("Last committed backup: ")
            && text.contains("(tars-backup-20260103_140000.tar.gz)"),
        "{text}"
    );
    assert!(
        text.contains("Last failed run: 2026-01-04T02:00:00Z exit 2: chromadb: container stopped"),
        "{text}"
    );
}

#[test]
fn the_chroma_unmounted_variant_keeps_chroma_data_off_its_volume() {
    let stack = stack_up("lbt-unmounted", &["--variant", "chroma-unmounted"]);
    let o = stack.sh(
        "chromadb",
        "ls /data/chroma.sqlite3 && ls -A /chroma/chroma | wc -l",
    );
    let out = stdout(&o);
    assert!(
        out.contains("/data/chroma.sqlite3"),
        "chroma persists to /data, in the container layer: {out}{}",
        stderr(&o)
    );
    assert_eq!(
        out.lines().last().unwrap().trim(),
        "0",
        "the volume at /chroma/chroma stays empty"
    );
    let mount = docker(&[
        "inspect",
        "--format",
        "{{range .Mounts}}{{.Name}}={{.Destination}} {{end}}",
        "lbt-unmounted-chromadb",
    ]);
    assert!(
        stdout(&mount).contains("lbt-unmounted_chroma_data=/chroma/chroma"),
        "{}",
        stdout(&mount)
    );
    assert!(stack_down("lbt-unmounted").status.success());
}
