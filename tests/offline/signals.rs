//! Signals on the command line: the first SIGINT/SIGTERM/SIGHUP cancels the job and the
//! command exits 128+N with a last JSON line saying so; `nohup` keeps SIGHUP ignored.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::*;

/// An archive big enough that verifying it takes a while: a 192 MiB stored member.
fn big_archive(dir: &Path) -> PathBuf {
    let mut parts = tars_parts();
    parts[1].bytes = vec![0x5a; 192 << 20];
    write_parts(dir, UTC_NOON, &parts).archive
}

fn kill(pid: u32, sig: &str) {
    assert!(
        Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

/// Starts `cmd` with --json, waits for its read step to start, stops it, queues `sig`, lets
/// it go on; returns its exit code and JSON lines.
fn signal_mid_verify(mut cmd: Command, sig: &str) -> (i32, Vec<serde_json::Value>, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut l = String::new();
        assert!(
            out.read_line(&mut l).unwrap() > 0,
            "verify ended before its read step started"
        );
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        let started = v["event"] == "step_started";
        lines.push(v);
        if started {
            break;
        }
    }
    // Freeze it mid-read so the signal lands while the job runs, whatever the machine's speed.
    kill(child.id(), "STOP");
    kill(child.id(), sig);
    kill(child.id(), "CONT");
    for l in out.lines() {
        lines.push(serde_json::from_str(&l.unwrap()).unwrap());
    }
    let o = child.wait_with_output().unwrap();
    (code(&o), lines, stderr(&o))
}

#[test]
fn the_first_signal_cancels_and_exits_128_plus_n() {
    let tmp = tempfile::tempdir().unwrap();
    let a = big_archive(tmp.path());
    for (sig, expected) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let mut cmd = lifeboat();
        cmd.args(["--json", "verify", a.to_str().unwrap()]);
        let (c, lines, err) = signal_mid_verify(cmd, sig);
        assert_eq!(c, expected, "SIG{sig}: {err}");
        let verdict = lines
            .iter()
            .find(|l| l["event"] == "verdict")
            .expect("a verdict line");
        assert_eq!(verdict["state"], "cancelled", "SIG{sig}");
        assert_eq!(
            verdict["code"], expected,
            "SIG{sig}: the verdict carries the run's code"
        );
        assert_eq!(
            lines.last().unwrap(),
            &serde_json::json!({"v": 1, "event": "exit", "code": expected})
        );
        assert_eq!(
            err.trim(),
            format!("lifeboat: stopped by SIG{sig}"),
            "one line on stderr"
        );
    }
}

#[test]
fn nohup_keeps_sighup_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    let a = big_archive(tmp.path());
    let mut cmd = Command::new("nohup");
    cmd.arg(env!("CARGO_BIN_EXE_lifeboat"))
        .args(["--json", "verify", a.to_str().unwrap()])
        .env("LIFEBOAT_STATE", tmp.path().join("state"))
        .env("LIFEBOAT_LOCK", tmp.path().join("lock"));
    let (c, lines, err) = signal_mid_verify(cmd, "HUP");
    assert_eq!(c, 0, "{err}");
    let verdict = lines.iter().find(|l| l["event"] == "verdict").unwrap();
    assert_eq!(verdict["state"], "verified");
}
