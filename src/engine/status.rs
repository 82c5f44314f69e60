//! `status`: each component's containers, their state and health, how much data they hold,
//! whether their credentials still log in, the last committed backup and the last failed run.

use std::path::Path;

use serde::Serialize;

use crate::engine::catalog::{self, ListState};
use crate::engine::credentials::{self, Credentials};
use crate::engine::docker::{ContainerInfo, Docker, ExecRequest};
use crate::engine::error::{ErrorKind, Result};
use crate::engine::index::Index;
use crate::engine::progress::Cancel;
use crate::engine::runs::{self, Run};
use crate::engine::stack::{Component, Kind, Profile};
use crate::engine::stopped::{Held, Ledger};

/// How long one probe (a login, a health command, a size) may take before it is killed.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether a component's credentials work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "login", content = "detail", rename_all = "snake_case")]
pub enum Login {
    Ok,
    /// The server refused the credentials (exit 12).
    Rejected(String),
    /// The check itself could not run (the message says why).
    Failed(String),
    /// Nothing to log in to, or the container is not running.
    NotChecked,
}

/// One container of a component.
#[derive(Debug, Clone, Serialize)]
pub struct ContainerStatus {
    pub name: String,
    pub exists: bool,
    pub state: String,
    pub health: Option<String>,
    pub running: bool,
    pub restart_policy: Option<String>,
    pub image: Option<String>,
}

/// One component.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentStatus {
    pub name: String,
    pub kind: Kind,
    pub containers: Vec<ContainerStatus>,
    /// The volume (or path) holding its data, and its size in bytes when known.
    pub data: Option<String>,
    pub data_bytes: Option<u64>,
    #[serde(flatten)]
    pub login: Login,
    /// Why it is not healthy, in one line.
    pub problem: Option<String>,
}

impl ComponentStatus {
    pub fn healthy(&self) -> bool {
        self.problem.is_none() && !matches!(self.login, Login::Rejected(_) | Login::Failed(_))
    }
}

/// The newest committed backup in the output folder.
#[derive(Debug, Clone, Serialize)]
pub struct LastBackup {
    pub file: String,
    pub timestamp: Option<String>,
    pub age_seconds: Option<i64>,
}

/// The whole stack.
#[derive(Debug, Clone, Serialize)]
pub struct StackStatus {
    pub profile: String,
    pub project: String,
    pub endpoint: String,
    pub engine_version: String,
    pub components: Vec<ComponentStatus>,
    pub last_backup: Option<LastBackup>,
    pub last_failed_run: Option<Run>,
    /// Containers lifeboat holds stopped (stopped.json).
    pub held_stopped: Vec<Held>,
}

/// The overall verdict, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Healthy,
    Degraded,
    CredentialRejected,
}

impl StackStatus {
    pub fn verdict(&self) -> Verdict {
        if self
            .components
            .iter()
            .any(|c| matches!(c.login, Login::Rejected(_)))
        {
            Verdict::CredentialRejected
        } else if self.components.iter().all(ComponentStatus::healthy) {
            Verdict::Healthy
        } else {
            Verdict::Degraded
        }
    }
}

/// Where status looks besides Docker.
pub struct Places<'a> {
    pub output_dir: &'a Path,
    pub index: Option<&'a Index>,
    pub state: Option<&'a Path>,
}

/// `lifeboat status`: profile `spec` (`None`: the configured one) loaded, the engine reached,
/// and the stack's status gathered, its last backup read from the profile's default folder.
pub async fn check(
    host: &crate::engine::host::Host,
    spec: Option<&str>,
    project: Option<&str>,
    index: Option<&Index>,
    cancel: &Cancel,
) -> Result<StackStatus> {
    let profile = crate::engine::stack::load(spec, &host.config, project)?;
    let output_dir = host.locations.default_output(&host.config, &profile.name);
    let docker = host.docker().await?;
    let places = Places {
        output_dir: &output_dir,
        index,
        state: host.locations.state.as_deref(),
    };
    gather(&docker, &profile, &places, cancel).await
}

/// Gathers the status of `profile`'s stack.
pub async fn gather(
    docker: &Docker,
    profile: &Profile,
    places: &Places<'_>,
    cancel: &Cancel,
) -> Result<StackStatus> {
    let engine_version = docker.server_version().await?;
    let mut components = Vec::new();
    for c in &profile.components {
        components.push(component_status(docker, profile, c, cancel).await?);
    }
    let last_backup = last_backup(places.output_dir, places.index);
    let (last_failed_run, held_stopped) = match places.state {
        Some(s) => (
            runs::last_failed(s, &profile.name),
            Ledger::new(s).list().unwrap_or_default(),
        ),
        None => (None, Vec::new()),
    };
    Ok(StackStatus {
        profile: profile.name.clone(),
        project: profile.project.clone(),
        endpoint: docker.endpoint().to_string(),
        engine_version,
        components,
        last_backup,
        last_failed_run,
        held_stopped,
    })
}

/// One component's status (also the backup plan's container and credential checks).
pub(crate) async fn component_status(
    docker: &Docker,
    profile: &Profile,
    c: &Component,
    cancel: &Cancel,
) -> Result<ComponentStatus> {
    if cancel.is_cancelled() {
        return Err(crate::engine::Error::Cancelled);
    }
    let mut st = ComponentStatus {
        name: c.name.clone(),
        kind: c.kind,
        containers: Vec::new(),
        data: None,
        data_bytes: None,
        login: Login::NotChecked,
        problem: None,
    };
    if c.kind == Kind::Files {
        let missing: Vec<String> = c
            .paths
            .iter()
            .filter(|p| !p.exists())
            .map(|p| p.display().to_string())
            .collect();
        let bytes = c
            .paths
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        st.data = Some(format!("{} files", c.paths.len() - missing.len()));
        st.data_bytes = Some(bytes);
        if missing.len() == c.paths.len() {
            st.problem = Some(format!("none of its files exist ({})", missing.join(", ")));
        }
        return Ok(st);
    }
    let mut main: Option<ContainerInfo> = None;
    for name in &c.containers {
        match docker.inspect(name).await? {
            Some(info) => {
                // `running` is also true while restarting or paused: only "running" is running.
                if info.state != "running" && st.problem.is_none() {
                    st.problem = Some(format!("container {name} is {}", info.state));
                } else if info.health.as_deref() == Some("unhealthy") && st.problem.is_none() {
                    st.problem = Some(format!("container {name} is unhealthy"));
                }
                st.containers.push(ContainerStatus {
                    name: name.clone(),
                    exists: true,
                    state: info.state.clone(),
                    health: info.health.clone(),
                    running: info.state == "running",
                    restart_policy: Some(info.restart_policy.clone()),
                    image: Some(info.image.clone()),
                });
                if main.is_none() {
                    main = Some(info);
                }
            }
            None => {
                st.problem
                    .get_or_insert_with(|| format!("container {name} does not exist"));
                st.containers.push(ContainerStatus {
                    name: name.clone(),
                    exists: false,
                    state: "missing".into(),
                    health: None,
                    running: false,
                    restart_policy: None,
                    image: None,
                });
            }
        }
    }
    let Some(info) = main else { return Ok(st) };
    if info.state != "running" {
        st.data = data_mount(c, &info).map(|(label, _)| label);
        return Ok(st);
    }
    // Chroma's data is where it really persists, which may not be the volume (T.A.R.S.).
    let mount = if c.kind == Kind::Chroma && c.data_path.is_none() {
        match crate::engine::components::chroma::persist_path(docker, c, &info).await {
            Ok(p) => match info.mount_at(&p) {
                Some(m) if m.kind == "volume" => {
                    Some((m.name.clone().unwrap_or_else(|| m.source.clone()), p))
                }
                _ => {
                    st.problem.get_or_insert_with(|| {
                        format!("its data at {p} is not on a volume: it dies with the container")
                    });
                    Some((format!("{p} (not on a volume)"), p))
                }
            },
            Err(_) => data_mount(c, &info),
        }
    } else {
        data_mount(c, &info)
    };
    st.data = mount.as_ref().map(|(label, _)| label.clone());
    if let Some((_, path)) = &mount {
        st.data_bytes = docker.du(&info.name, path).await.unwrap_or(None);
    }
    st.login = match credentials::resolve(profile, c, &info) {
        Ok(creds) => login(docker, c, &info, &creds, cancel).await,
        Err(e) if e.kind() == ErrorKind::Secret => Login::Rejected(e.to_string()),
        Err(e) => Login::Failed(e.to_string()),
    };
    if !c.health_command.is_empty() && st.problem.is_none() {
        match docker
            .exec_capture(
                &info.name,
                ExecRequest::new(c.health_command.clone())
                    .timeout(PROBE_TIMEOUT)
                    .cancel(cancel),
            )
            .await
        {
            Ok((o, _)) if o.success() => {}
            Ok((o, _)) => {
                st.problem = Some(format!(
                    "its health command exited {}: {}",
                    o.exit_code,
                    o.stderr_line()
                ))
            }
            Err(e) => st.problem = Some(e.to_string()),
        }
    }
    Ok(st)
}

/// The mount holding the component's data: `(label, path in the container)`.
fn data_mount(c: &Component, info: &ContainerInfo) -> Option<(String, String)> {
    let m = match (&c.data_path, &c.volume) {
        (_, Some(v)) => info
            .mounts
            .iter()
            .find(|m| m.name.as_deref() == Some(v.as_str())),
        (Some(p), None) => info.mount_at(p),
        (None, None) => info.mounts.iter().find(|m| m.kind == "volume"),
    };
    match m {
        Some(m) => Some((
            m.name.clone().unwrap_or_else(|| m.source.clone()),
            m.destination.clone(),
        )),
        // A data path with no volume under it lives in the container's own layer.
        None => c
            .data_path
            .as_ref()
            .map(|p| (format!("{p} (not on a volume)"), p.clone())),
    }
}

/// Logs in the way the component's own clients do, inside its container.
async fn login(
    docker: &Docker,
    c: &Component,
    info: &ContainerInfo,
    creds: &Credentials,
    cancel: &Cancel,
) -> Login {
    let req = match c.kind {
        Kind::Postgres => {
            let mut r =
                ExecRequest::new(["psql", "-X", "-At", "-h", "127.0.0.1", "-c", "select 1"]);
            r.cmd.extend([
                "-U".into(),
                creds.user.clone().unwrap_or_default(),
                "-d".into(),
                creds.database.clone().unwrap_or_default(),
            ]);
            match &creds.password {
                Some(p) => r.secret("PGPASSWORD", p),
                None => r,
            }
        }
        Kind::Redis => {
            let r = ExecRequest::new(["redis-cli", "-h", "127.0.0.1", "ping"]);
            match &creds.password {
                Some(p) => r.secret("REDISCLI_AUTH", p),
                None => r,
            }
        }
        _ => return Login::NotChecked,
    };
    match docker
        .exec_capture(&info.name, req.timeout(PROBE_TIMEOUT).cancel(cancel))
        .await
    {
        Ok((o, out)) => {
            let out = String::from_utf8_lossy(&out);
            let text = format!("{out} {}", o.stderr);
            let rejected = [
                "password authentication failed",
                "WRONGPASS",
                "NOAUTH",
                "invalid username-password",
            ];
            if rejected.iter().any(|r| text.contains(r)) {
                Login::Rejected(format!(
                    "component {}: the server refused the credentials",
                    c.name
                ))
            } else if o.success() && (out.trim() == "1" || out.trim() == "PONG") {
                Login::Ok
            } else {
                Login::Failed(format!(
                    "component {}: login check exited {}: {}",
                    c.name,
                    o.exit_code,
                    o.stderr_line()
                ))
            }
        }
        Err(e) => Login::Failed(e.to_string()),
    }
}

fn last_backup(dir: &Path, index: Option<&Index>) -> Option<LastBackup> {
    let listing = catalog::list_dir(dir, index).ok()?;
    let newest = listing.into_iter().find(|a| {
        matches!(a.state, ListState::Verified | ListState::NotVerified) && !a.is_safety()
    })?;
    let time = newest.time();
    Some(LastBackup {
        file: newest.file.clone(),
        timestamp: newest.manifest.as_ref().map(|m| m.timestamp.clone()),
        age_seconds: time.map(|t| jiff::Timestamp::now().as_second() - t.as_second()),
    })
}
