//! The real Docker Engine and the reference stack for integration tests. Every helper fails
//! loudly when Docker is missing: a Docker test never passes without Docker.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Panics (fails the test) unless a Docker daemon answers.
pub fn require_docker() {
    let o = Command::new("docker").arg("info").output();
    let ok = o.as_ref().is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "this test needs a running Docker Engine and none answers at {} (start one; the test never skips)",
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
    );
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `docker ARGS`.
pub fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("run docker")
}

/// The testbed's images, built once per test binary (`scripts/stack images`).
pub fn images() -> &'static Vec<String> {
    static IMAGES: OnceLock<Vec<String>> = OnceLock::new();
    IMAGES.get_or_init(|| {
        require_docker();
        let o = Command::new(repo().join("scripts/stack"))
            .arg("images")
            .output()
            .expect("scripts/stack images");
        assert!(
            o.status.success(),
            "scripts/stack images failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    })
}

/// A small general-purpose image of the testbed (python3, coreutils).
pub fn utility_image() -> String {
    images()
        .iter()
        .find(|i| i.contains("/backend:"))
        .cloned()
        .expect("backend image")
}

/// A reference stack brought up (once per test binary) under `project`.
pub struct Stack {
    pub project: String,
    pub deploy: PathBuf,
}

impl Stack {
    pub fn env(&self, key: &str) -> String {
        let text =
            std::fs::read_to_string(self.deploy.join(format!("{}.env", self.project))).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_owned))
            .unwrap_or_else(|| panic!("{key} not in the env file"))
    }

    /// A config file pointing the built-in profile at this stack's deploy folder.
    pub fn config(&self, dir: &Path) -> PathBuf {
        let p = dir.join("config.toml");
        std::fs::write(
            &p,
            format!(
                "project = \"{}\"\n[profiles.tars-home]\ndeploy_dir = \"{}\"\n",
                self.project,
                self.deploy.display()
            ),
        )
        .unwrap();
        p
    }

    /// `docker exec` with a shell command (variables expand inside the container).
    pub fn sh(&self, service: &str, script: &str) -> Output {
        docker(&[
            "exec",
            &format!("{}-{service}", self.project),
            "sh",
            "-c",
            script,
        ])
    }
}

pub fn stack_up(project: &str, extra: &[&str]) -> Stack {
    require_docker();
    let o = Command::new(repo().join("scripts/stack"))
        .args(["up", "--project", project])
        .args(extra)
        .output()
        .expect("scripts/stack up");
    assert!(
        o.status.success(),
        "scripts/stack up --project {project} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let top = std::env::var("LIFEBOAT_TESTBED_DIR")
        .unwrap_or_else(|_| "/var/lib/lifeboat-testbed".into());
    Stack {
        project: project.to_string(),
        deploy: PathBuf::from(top).join(project),
    }
}

/// The stack of this test binary, brought up once.
pub fn shared_stack(project: &'static str) -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| stack_up(project, &[]))
}

pub fn stack_down(project: &str) -> Output {
    Command::new(repo().join("scripts/stack"))
        .args(["down", "--project", project])
        .output()
        .expect("scripts/stack down")
}
