//! The only module that talks to the Docker Engine API (bollard): connecting, inspecting,
//! exec with streamed binary-safe output, archive download and upload, stop and start with
//! client timeouts longer than the grace period, restart policies, and a log line for every
//! image lifeboat creates a container from.
//!
//! Every call names the container and what was being done in its error, on one line. Secrets
//! (container environments) are never logged or shown: [`ContainerInfo`]'s `Debug` lists only
//! variable names.

mod archive;
mod exec;
mod lifecycle;
mod volume;

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::InspectContainerOptions;

use crate::engine::error::{Error, Result};

pub use exec::{ExecOutcome, ExecRequest};
pub use lifecycle::OneOff;

/// The Docker socket used when `DOCKER_HOST` is not set.
pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";
/// Client timeout for ordinary calls (`LIFEBOAT_DOCKER_TIMEOUT` seconds overrides it).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// A connection to the Docker Engine.
#[derive(Clone)]
pub struct Docker {
    api: bollard::Docker,
    endpoint: String,
    timeout: Duration,
}

/// A mount of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `volume`, `bind`, `tmpfs`.
    pub kind: String,
    /// The volume's name (volumes only).
    pub name: Option<String>,
    pub source: String,
    pub destination: String,
    pub rw: bool,
}

/// What lifeboat needs to know of a container.
#[derive(Clone)]
pub struct ContainerInfo {
    pub id: String,
    pub name: String,
    /// The image as the container was created from it (`lifeboat-testbed/postgres:15`).
    pub image: String,
    /// The image's ID (`sha256:...`).
    pub image_id: String,
    /// `running`, `exited`, `restarting`, `created`, `paused`, `dead`.
    pub state: String,
    pub running: bool,
    /// `healthy`, `unhealthy`, `starting`; `None` without a health check.
    pub health: Option<String>,
    /// `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`.
    pub restart_policy: String,
    /// How often Docker restarted it (climbing while it crash-loops).
    pub restart_count: i64,
    pub mounts: Vec<Mount>,
    pub labels: HashMap<String, String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    env: Vec<(String, String)>,
}

impl ContainerInfo {
    /// A variable of the container's environment (may be a secret: keep it in a [`Secret`]).
    ///
    /// [`Secret`]: crate::engine::secret::Secret
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The names of its environment variables.
    pub fn env_names(&self) -> impl Iterator<Item = &str> {
        self.env.iter().map(|(k, _)| k.as_str())
    }

    /// The mount whose destination is `path`.
    pub fn mount_at(&self, path: &str) -> Option<&Mount> {
        let path = path.trim_end_matches('/');
        self.mounts
            .iter()
            .find(|m| m.destination.trim_end_matches('/') == path)
    }
}

impl std::fmt::Debug for ContainerInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerInfo")
            .field("name", &self.name)
            .field("image", &self.image)
            .field("state", &self.state)
            .field("health", &self.health)
            .field("restart_policy", &self.restart_policy)
            .field("mounts", &self.mounts)
            .field("env", &self.env_names().collect::<Vec<_>>())
            .finish()
    }
}

impl Docker {
    /// Connects through `DOCKER_HOST` or the local socket and checks the engine answers.
    pub async fn connect() -> Result<Docker> {
        let timeout = std::env::var("LIFEBOAT_DOCKER_TIMEOUT")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
        Docker::connect_with_timeout(timeout).await
    }

    /// [`Docker::connect`] with a given client timeout for ordinary calls.
    pub async fn connect_with_timeout(timeout: Duration) -> Result<Docker> {
        let endpoint = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_SOCKET.into());
        let unreachable = |reason: String| Error::DockerUnreachable {
            endpoint: endpoint.clone(),
            reason,
        };
        let api = if let Some(path) = endpoint.strip_prefix("unix://") {
            if !std::path::Path::new(path).exists() {
                return Err(unreachable("no such socket".into()));
            }
            bollard::Docker::connect_with_unix(
                &endpoint,
                timeout.as_secs(),
                bollard::API_DEFAULT_VERSION,
            )
        } else if endpoint.starts_with("tcp://") || endpoint.starts_with("http://") {
            bollard::Docker::connect_with_http(
                &endpoint,
                timeout.as_secs(),
                bollard::API_DEFAULT_VERSION,
            )
        } else {
            return Err(unreachable(
                "only unix:// and tcp:// endpoints are supported".into(),
            ));
        }
        .map_err(|e| unreachable(one_line(&e)))?;
        let ping = api.clone().with_timeout(Duration::from_secs(10));
        ping.ping().await.map_err(|e| unreachable(one_line(&e)))?;
        let api = api
            .negotiate_version()
            .await
            .map_err(|e| unreachable(one_line(&e)))?;
        Ok(Docker {
            api,
            endpoint,
            timeout,
        })
    }

    /// Where the engine was reached (`unix:///var/run/docker.sock`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The engine's version string.
    pub async fn server_version(&self) -> Result<String> {
        let v = self
            .api
            .version()
            .await
            .map_err(|e| self.fail("read the engine version", "", &e))?;
        Ok(v.version.unwrap_or_else(|| "unknown".into()))
    }

    /// The engine's data folder (`/var/lib/docker`), to warn before filling its filesystem.
    pub async fn root_dir(&self) -> Option<String> {
        self.api.info().await.ok()?.docker_root_dir
    }

    /// A client whose timeout also covers `extra` (a stop's grace period, a long upload).
    fn patient(&self, extra: Duration) -> bollard::Docker {
        self.api.clone().with_timeout(self.timeout + extra)
    }

    /// Inspects a container; `Ok(None)` if there is none of that name.
    pub async fn inspect(&self, container: &str) -> Result<Option<ContainerInfo>> {
        match self
            .api
            .inspect_container(container, None::<InspectContainerOptions>)
            .await
        {
            Ok(r) => Ok(Some(info_from(r))),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(self.fail("inspect", container, &e)),
        }
    }

    /// Inspects a container that must exist.
    pub async fn inspect_required(&self, container: &str) -> Result<ContainerInfo> {
        self.inspect(container)
            .await?
            .ok_or_else(|| Error::ContainerMissing(container.to_string()))
    }

    /// The repository digest of an image (`name@sha256:...`), when it has one.
    pub async fn image_digest(&self, image: &str) -> Result<Option<String>> {
        match self.api.inspect_image(image).await {
            Ok(i) => Ok(i.repo_digests.and_then(|d| d.into_iter().next())),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(self.fail("inspect image", image, &e)),
        }
    }

    /// Bytes under `path` in a running container (`du -sb`): how big a volume's data is.
    /// `Ok(None)` when the container cannot run `du` (stopped, no `du` in the image).
    /// (The engine's own disk-usage call changed shape across API versions; this works on all.)
    pub async fn du(&self, container: &str, path: &str) -> Result<Option<u64>> {
        let (outcome, out) = self
            .exec_capture(container, ExecRequest::new(["du", "-sb", path]))
            .await?;
        if !outcome.success() {
            return Ok(None);
        }
        Ok(String::from_utf8_lossy(&out)
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok()))
    }

    fn fail(&self, action: &str, target: &str, e: &bollard::errors::Error) -> Error {
        let target = if target.is_empty() {
            String::new()
        } else {
            format!(" {target}")
        };
        Error::Docker(format!("docker: {action}{target}: {}", one_line(e)))
    }
}

/// A bollard error on one line (the engine's message when it sent one).
fn one_line(e: &bollard::errors::Error) -> String {
    let s = match e {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => format!("{message} (HTTP {status_code})"),
        other => other.to_string(),
    };
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn info_from(r: ContainerInspectResponse) -> ContainerInfo {
    let state = r.state.unwrap_or_default();
    let config = r.config.unwrap_or_default();
    let host = r.host_config.unwrap_or_default();
    let env = config
        .env
        .unwrap_or_default()
        .into_iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (kv, String::new()),
        })
        .collect();
    ContainerInfo {
        id: r.id.unwrap_or_default(),
        name: r
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        image: config.image.unwrap_or_default(),
        image_id: r.image.unwrap_or_default(),
        state: state.status.map(|s| s.to_string()).unwrap_or_default(),
        running: state.running.unwrap_or(false),
        restart_count: r.restart_count.unwrap_or(0),
        health: state
            .health
            .and_then(|h| h.status)
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty() && s != "none"),
        restart_policy: host
            .restart_policy
            .and_then(|p| {
                let name = p.name?.to_string();
                Some(match p.maximum_retry_count {
                    Some(n) if n > 0 && name == "on-failure" => format!("{name}:{n}"),
                    _ => name,
                })
            })
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "no".into()),
        mounts: r
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(|m| Mount {
                kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
                name: m.name,
                source: m.source.unwrap_or_default(),
                destination: m.destination.unwrap_or_default(),
                rw: m.rw.unwrap_or(true),
            })
            .collect(),
        labels: config.labels.unwrap_or_default(),
        cmd: config.cmd.unwrap_or_default(),
        entrypoint: config.entrypoint.unwrap_or_default(),
        env,
    }
}
