//! The Docker layer against the real engine: binary-safe exec both ways, exit codes and stderr,
//! the archive API on stopped containers keeping numeric owners and modes, stops longer than
//! the client timeout, and restart policies held at `no` while lifeboat holds a container.

use std::time::{Duration, Instant};

use crate::common::testbed::{docker, require_docker, utility_image};
use lifeboat::engine::docker::{Docker, ExecRequest, OneOff};
use lifeboat::engine::stopped::Ledger;

/// A container removed when the test ends, whatever happens.
struct Scratch(String);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", "-v", &self.0]);
    }
}

fn run_container(tag: &str, extra: &[&str], cmd: &[&str]) -> Scratch {
    let name = format!("lbt-dl-{tag}-{}", std::process::id());
    let _ = docker(&["rm", "-f", &name]);
    let mut args = vec!["run", "-d", "--name", &name];
    args.extend_from_slice(extra);
    let image = utility_image();
    args.push(&image);
    args.extend_from_slice(cmd);
    let o = docker(&args);
    assert!(
        o.status.success(),
        "docker run: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Scratch(name)
}

fn random(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[tokio::test]
async fn exec_is_binary_safe_in_and_out() {
    require_docker();
    let c = run_container("exec", &[], &["sleep", "600"]);
    let d = Docker::connect().await.unwrap();
    // Every byte value, CR/LF and NULs included, through stdin into cat and back out.
    let data = random(3 << 20);
    let mut input: &[u8] = &data;
    let mut out = Vec::new();
    let o = d
        .exec(&c.0, ExecRequest::new(["cat"]), Some(&mut input), &mut out)
        .await
        .unwrap();
    assert_eq!(o.exit_code, 0, "{}", o.stderr);
    assert_eq!(out.len(), data.len());
    assert!(out == data, "the bytes came back changed");
    // A file of the image, through exec and through the archive API: the same bytes.
    let (o, via_exec) = d
        .exec_capture(&c.0, ExecRequest::new(["cat", "/usr/bin/python3.11"]))
        .await
        .unwrap();
    assert!(o.success());
    let mut tar_bytes = Vec::new();
    d.download(&c.0, "/usr/bin/python3.11", &mut tar_bytes)
        .await
        .unwrap();
    let mut ar = tar::Archive::new(tar_bytes.as_slice());
    let mut entry = ar.entries().unwrap().next().unwrap().unwrap();
    let mut via_archive = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut via_archive).unwrap();
    assert!(via_exec.len() > 1_000_000 && via_exec == via_archive);
}

#[tokio::test]
async fn a_failing_command_gives_its_exit_code_and_stderr() {
    require_docker();
    let c = run_container("fail", &[], &["sleep", "600"]);
    let d = Docker::connect().await.unwrap();
    let (o, out) = d
        .exec_capture(
            &c.0,
            ExecRequest::new([
                "sh",
                "-c",
                "echo partial; echo 'no such table: messages' >&2; exit 7",
            ]),
        )
        .await
        .unwrap();
    assert_eq!(o.exit_code, 7);
    assert_eq!(out, b"partial\n");
    assert_eq!(o.stderr_line(), "no such table: messages");
    let e = d
        .exec_capture("lbt-dl-no-such-container", ExecRequest::new(["true"]))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("lbt-dl-no-such-container") && !e.to_string().contains('\n'),
        "{e}"
    );
}

#[tokio::test]
async fn secrets_reach_the_environment_not_the_command_line() {
    require_docker();
    let c = run_container("secret", &[], &["sleep", "600"]);
    let d = Docker::connect().await.unwrap();
    let secret = lifeboat::engine::secret::Secret::new("LBCANARYexec-secret-1");
    let req = ExecRequest::new([
        "sh",
        "-c",
        "cat /proc/self/cmdline; echo; echo \"$PGPASSWORD\"",
    ])
    .secret("PGPASSWORD", &secret);
    let (o, out) = d.exec_capture(&c.0, req).await.unwrap();
    assert!(o.success());
    let text = String::from_utf8_lossy(&out);
    let (cmdline, env) = text.split_once('\n').unwrap();
    assert!(!cmdline.contains("LBCANARY"), "{cmdline}");
    assert_eq!(env.trim(), "LBCANARYexec-secret-1");
}

/// Collects log output in memory.
#[derive(Clone)]
struct LogSink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A tar with owners and modes a restore must keep.
fn owned_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut dir = tar::Header::new_gnu();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_mode(0o750);
    dir.set_uid(123);
    dir.set_gid(456);
    dir.set_size(0);
    b.append_data(&mut dir, "sub/", std::io::empty()).unwrap();
    let mut f = tar::Header::new_gnu();
    f.set_mode(0o640);
    f.set_uid(999);
    f.set_gid(998);
    f.set_size(5);
    b.append_data(&mut f, "sub/data.bin", &b"12345"[..])
        .unwrap();
    b.into_inner().unwrap()
}

#[tokio::test]
async fn archive_api_on_a_stopped_container_keeps_owners_and_modes() {
    require_docker();
    let d = Docker::connect().await.unwrap();
    let name = format!("lbt-dl-archive-{}", std::process::id());
    let vol = format!("{name}-vol");
    let _guard = Scratch(name.clone());
    let _ = docker(&["volume", "rm", "-f", &vol]);
    // Every container lifeboat creates is logged with its image.
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let sink = LogSink(log.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    // Created, never started: the daemon mounts the volume itself for the archive API.
    d.create(&OneOff {
        name: name.clone(),
        image: utility_image(),
        cmd: vec!["true".into()],
        binds: vec![format!("{vol}:/vol")],
        ..Default::default()
    })
    .await
    .unwrap();
    drop(guard);
    let logged = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains(&format!("container={name}"))
            && logged.contains(&format!("image={}", utility_image())),
        "{logged}"
    );
    let tar = bytes::Bytes::from(owned_tar());
    d.upload(&name, "/vol", futures_util::stream::iter(vec![tar]))
        .await
        .unwrap();
    let mut back = Vec::new();
    d.download(&name, "/vol/sub", &mut back).await.unwrap();
    let mut seen = Vec::new();
    for e in tar::Archive::new(back.as_slice()).entries().unwrap() {
        let e = e.unwrap();
        let h = e.header();
        let path = e
            .path()
            .unwrap()
            .display()
            .to_string()
            .trim_end_matches('/')
            .to_string();
        seen.push((
            path,
            h.uid().unwrap(),
            h.gid().unwrap(),
            h.mode().unwrap() & 0o7777,
        ));
    }
    assert_eq!(
        seen,
        [
            ("sub".to_string(), 123, 456, 0o750),
            ("sub/data.bin".to_string(), 999, 998, 0o640)
        ]
    );
    drop(_guard);
    let o = docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{vol}:/vol"),
        &utility_image(),
        "stat",
        "-c",
        "%u:%g %a %n",
        "/vol/sub",
        "/vol/sub/data.bin",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "123:456 750 /vol/sub\n999:998 640 /vol/sub/data.bin\n"
    );
    let _ = docker(&["volume", "rm", "-f", &vol]);
}

#[tokio::test]
async fn a_stop_may_take_longer_than_the_client_timeout() {
    require_docker();
    // PID 1 ignores SIGTERM: the engine waits the whole grace period, then kills it.
    let c = run_container("stop", &[], &["sleep", "600"]);
    let d = Docker::connect_with_timeout(Duration::from_secs(2))
        .await
        .unwrap();
    let started = Instant::now();
    d.stop(&c.0, Duration::from_secs(5)).await.unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(5),
        "the stop returned after {took:?}, before the grace period"
    );
    let info = d.inspect_required(&c.0).await.unwrap();
    assert!(!info.running && info.state == "exited", "{info:?}");
}

#[tokio::test]
async fn a_held_container_has_restart_policy_no_until_released() {
    require_docker();
    let c = run_container("hold", &["--restart", "unless-stopped"], &["sleep", "600"]);
    let d = Docker::connect().await.unwrap();
    let state = tempfile::tempdir().unwrap();
    let ledger = Ledger::new(state.path());
    ledger
        .hold(&d, &c.0, Duration::from_secs(1), "test")
        .await
        .unwrap();
    let info = d.inspect_required(&c.0).await.unwrap();
    assert_eq!((info.running, info.restart_policy.as_str()), (false, "no"));
    let held = ledger.list().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].restart_policy, "unless-stopped");
    ledger.release(&d, &c.0).await.unwrap();
    let info = d.inspect_required(&c.0).await.unwrap();
    assert_eq!(
        (info.running, info.restart_policy.as_str()),
        (true, "unless-stopped")
    );
    assert!(ledger.list().unwrap().is_empty());
}
