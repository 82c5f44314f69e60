//! [`Bollard`]: the real [`Api`], the only code that talks to the Docker Engine API. Every
//! call names the container and what was being done in its error, on one line.

use std::collections::BTreeMap;
use std::time::Duration;

use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::InspectContainerOptions;
use tokio::io::{AsyncRead, AsyncWrite};

use super::api::{Api, Upload};
use super::exec::{ExecOutcome, ExecRequest};
use super::types::{ContainerInfo, Mount, OneOff};
use crate::engine::error::{Error, Result};

/// The Docker socket used when `DOCKER_HOST` is not set.
pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";
/// Client timeout for ordinary calls (`LIFEBOAT_DOCKER_TIMEOUT` seconds overrides it).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// A connection to the Docker Engine through bollard.
#[derive(Clone)]
pub struct Bollard {
    pub(super) api: bollard::Docker,
    pub(super) endpoint: String,
    timeout: Duration,
}

impl Bollard {
    /// Connects through `DOCKER_HOST` or the local socket and checks the engine answers.
    pub async fn connect() -> Result<Bollard> {
        let timeout = std::env::var("LIFEBOAT_DOCKER_TIMEOUT")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
        Bollard::connect_with_timeout(timeout).await
    }

    /// [`Docker::connect`] with a given client timeout for ordinary calls.
    pub async fn connect_with_timeout(timeout: Duration) -> Result<Bollard> {
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
        Ok(Bollard {
            api,
            endpoint,
            timeout,
        })
    }

    /// The engine's version string.
    pub(super) async fn version(&self) -> Result<String> {
        let v = self
            .api
            .version()
            .await
            .map_err(|e| self.fail("read the engine version", "", &e))?;
        Ok(v.version.unwrap_or_else(|| "unknown".into()))
    }

    /// The engine's data folder (`/var/lib/docker`), to warn before filling its filesystem.
    pub(super) async fn data_root(&self) -> Option<String> {
        self.api.info().await.ok()?.docker_root_dir
    }

    /// A client whose timeout also covers `extra` (a stop's grace period, a long upload).
    pub(super) fn patient(&self, extra: Duration) -> bollard::Docker {
        self.api.clone().with_timeout(self.timeout + extra)
    }

    /// Inspects a container; `Ok(None)` if there is none of that name.
    pub(super) async fn inspect_container(&self, container: &str) -> Result<Option<ContainerInfo>> {
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

    /// The repository digest of an image (`name@sha256:...`), when it has one.
    pub(super) async fn digest_of(&self, image: &str) -> Result<Option<String>> {
        match self.api.inspect_image(image).await {
            Ok(i) => Ok(i.repo_digests.and_then(|d| d.into_iter().next())),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(self.fail("inspect image", image, &e)),
        }
    }

    pub(super) fn fail(&self, action: &str, target: &str, e: &bollard::errors::Error) -> Error {
        let target = if target.is_empty() {
            String::new()
        } else {
            format!(" {target}")
        };
        Error::Docker(format!("docker: {action}{target}: {}", one_line(e)))
    }
}

#[async_trait::async_trait]
impl Api for Bollard {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn server_version(&self) -> Result<String> {
        self.version().await
    }

    async fn root_dir(&self) -> Option<String> {
        self.data_root().await
    }

    async fn inspect(&self, container: &str) -> Result<Option<ContainerInfo>> {
        self.inspect_container(container).await
    }

    async fn image_digest(&self, image: &str) -> Result<Option<String>> {
        self.digest_of(image).await
    }

    async fn exec(
        &self,
        container: &str,
        req: ExecRequest,
        stdin: Option<&mut (dyn AsyncRead + Unpin + Send)>,
        stdout: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<ExecOutcome> {
        self.exec_in(container, req, stdin, stdout).await
    }

    async fn download(
        &self,
        container: &str,
        path: &str,
        out: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<u64> {
        self.download_from(container, path, out).await
    }

    async fn upload(&self, container: &str, path: &str, stream: Upload) -> Result<()> {
        self.upload_into(container, path, stream).await
    }

    async fn stop(&self, container: &str, grace: Duration) -> Result<()> {
        self.stop_container(container, grace).await
    }

    async fn start(&self, container: &str) -> Result<()> {
        self.start_container(container).await
    }

    async fn set_restart_policy(&self, container: &str, policy: &str) -> Result<()> {
        self.update_policy(container, policy).await
    }

    async fn create(&self, spec: &OneOff) -> Result<String> {
        self.create_oneoff(spec).await
    }

    async fn remove(&self, container: &str) -> Result<()> {
        self.remove_container(container).await
    }

    async fn run_created(&self, name: &str, limit: Duration) -> Result<(i64, String)> {
        self.start_and_wait(name, limit).await
    }

    async fn oneoff_names(&self) -> Result<Vec<String>> {
        self.list_oneoffs().await
    }

    async fn volume_labels(&self, name: &str) -> Result<Option<BTreeMap<String, String>>> {
        self.inspect_volume(name).await
    }

    async fn create_volume(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        self.make_volume(name, labels).await
    }

    async fn remove_volume(&self, name: &str) -> Result<()> {
        self.drop_volume(name).await
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
