//! Helpers for the restore safety-net tests: the live state of the stack as real clients see
//! it, the restore journal read back, and a restore driven by its `--json` event stream to
//! interrupt it at its Nth step event.

use std::path::{Path, PathBuf};

use super::backup::{Env, Watched, assert_stack_runs};
use super::restore::{assert_no_leftovers, chroma_state, models_tree, pg_dump, redis_digest};
use super::testbed::{Stack, docker};
use super::{code, stdout};

/// What real clients read from the stack's components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub postgres: String,
    pub redis: String,
    pub chromadb: String,
    pub ollama: Option<String>,
}

impl Live {
    pub fn of(stack: &Stack, with_models: bool) -> Live {
        Live {
            postgres: pg_dump(stack),
            redis: redis_digest(stack),
            chromadb: chroma_state(stack),
            ollama: with_models.then(|| models_tree(stack)),
        }
    }

    /// Which components differ from `other`.
    pub fn differences(&self, other: &Live) -> Vec<&'static str> {
        let mut d = Vec::new();
        if self.postgres != other.postgres {
            d.push("postgres");
        }
        if self.redis != other.redis {
            d.push("redis");
        }
        if self.chromadb != other.chromadb {
            d.push("chromadb");
        }
        if self.ollama != other.ollama {
            d.push("ollama");
        }
        d
    }
}

/// Every journal of `env`'s state, as JSON lines.
pub fn journals(env: &Env) -> Vec<(PathBuf, Vec<serde_json::Value>)> {
    let dir = env.dir.path().join("state/journal");
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = rd.map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths {
        let lines = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        out.push((p, lines));
    }
    out
}

/// The journal of restore `id`.
pub fn journal(env: &Env, id: &str) -> Vec<serde_json::Value> {
    journals(env)
        .into_iter()
        .find(|(p, _)| p.ends_with(format!("restore-{id}.jsonl")))
        .map(|(_, l)| l)
        .unwrap_or_else(|| panic!("no journal of restore {id}"))
}

pub fn ended(lines: &[serde_json::Value]) -> Option<String> {
    lines
        .iter()
        .find(|l| l["record"] == "end")
        .map(|l| l["outcome"].as_str().unwrap_or_default().to_string())
}

/// Components a journal shows between swap begin (or rollback begin) and its end.
pub fn mid_swap(lines: &[serde_json::Value]) -> Vec<String> {
    let mut open: Vec<String> = Vec::new();
    for l in lines {
        let c = l["component"].as_str().unwrap_or_default().to_string();
        match l["record"].as_str() {
            Some("swap_begin" | "rollback_begin") if !open.contains(&c) => open.push(c),
            Some("swap_done" | "rolled_back" | "committed") => open.retain(|o| *o != c),
            _ => {}
        }
    }
    open
}

/// The last step a journal saw begin.
pub fn last_step(lines: &[serde_json::Value]) -> String {
    lines
        .iter()
        .rev()
        .find(|l| l["record"] == "event" && l["event"]["event"] == "step_started")
        .map(|l| l["event"]["step"].as_str().unwrap_or_default().to_string())
        .unwrap_or_else(|| "begin".into())
}

/// Every journal settled, nothing held stopped, no leftovers, the stack running.
pub fn assert_all_settled(env: &Env, stack: &Stack) {
    for (p, lines) in journals(env) {
        assert!(ended(&lines).is_some(), "{} is unsettled", p.display());
    }
    let held = std::fs::read_to_string(env.dir.path().join("state/stopped.json"))
        .unwrap_or_else(|_| "{\"held\":[]}".into());
    let v: serde_json::Value = serde_json::from_str(&held).unwrap();
    assert_eq!(v["held"], serde_json::json!([]), "still held: {held}");
    assert_no_leftovers(stack);
    assert_stack_runs(stack);
}

/// The restart policy Docker has for a container now.
pub fn restart_policy(name: &str) -> String {
    stdout(&docker(&[
        "inspect",
        "-f",
        "{{.HostConfig.RestartPolicy.Name}}",
        name,
    ]))
    .trim()
    .to_string()
}

/// `lifeboat --json restore ARGS` interrupted at its `point`-th step event after the plan
/// line (counting step_started and step_finished). `None` when the run ended before it.
pub struct Interrupted {
    /// The restore id (from the plan line).
    pub id: String,
    /// The step event it was interrupted at.
    pub at: String,
    /// Exit code (-1 for SIGKILL).
    pub code: i32,
}

pub fn interrupt(
    env: &Env,
    archive: &Path,
    args: &[&str],
    point: usize,
    signal: &str,
) -> Option<Interrupted> {
    let mut all = vec![
        "restore",
        "--backup-file",
        archive.to_str().unwrap(),
        "--force",
    ];
    all.extend_from_slice(args);
    let mut w = Watched::command(env, &all);
    let seen = std::cell::Cell::new(0usize);
    let plan = std::cell::Cell::new(false);
    let reached = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        w.until("the kill point", |v| {
            if v["event"] == "restore_plan" {
                plan.set(true);
            }
            let step = v["event"] == "step_started" || v["event"] == "step_finished";
            if plan.get() && step {
                seen.set(seen.get() + 1);
            }
            seen.get() == point && step
        })
    }));
    let id = w
        .seen
        .iter()
        .find(|v| v["event"] == "restore_plan")
        .map(|v| v["plan"]["id"].as_str().unwrap().to_string());
    if reached.is_err() {
        // The run ended before the point: the sweep is over.
        let _ = w.finish();
        return None;
    }
    let last = w.seen.last().unwrap();
    let at = format!(
        "{} {}",
        last["event"].as_str().unwrap(),
        last["step"].as_str().unwrap()
    );
    let code = if signal == "KILL" {
        w.kill9();
        -1
    } else {
        let pid = w.child.id().to_string();
        assert!(
            std::process::Command::new("kill")
                .args([&format!("-{signal}"), &pid])
                .status()
                .unwrap()
                .success()
        );
        w.finish()
    };
    Some(Interrupted {
        id: id.expect("a plan line before any step"),
        at,
        code,
    })
}

/// `lifeboat restore --rollback ID`: exits 0.
pub fn rollback(env: &Env, id: &str) {
    let o = super::run(env.lifeboat().args(["restore", "--rollback", id]));
    assert_eq!(
        code(&o),
        0,
        "rollback {id}: {}{}",
        stdout(&o),
        super::stderr(&o)
    );
}
