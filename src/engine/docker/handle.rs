//! [`Docker`]: what the engine holds, the seam ([`super::Api`]) plus the helpers built on it,
//! the same whichever engine is behind it; and [`Connector`], how a driver reaches one.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};

use super::api::Api;
use super::client::Bollard;
use super::exec::{ExecOutcome, ExecRequest};
use super::types::{ContainerInfo, OneOff};
use crate::engine::error::{Error, Result};

/// A connection to the Docker Engine (or, in unit tests, a scripted stand-in).
#[derive(Clone)]
pub struct Docker {
    api: Arc<dyn Api>,
}

/// How a job reaches the engine: a connection made when the job needs one (the default), or
/// a given one (tests). Front ends never connect: the engine's drivers do, through this.
#[derive(Clone, Default)]
pub struct Connector(Option<Docker>);

impl Connector {
    /// Always this connection.
    pub fn given(docker: Docker) -> Connector {
        Connector(Some(docker))
    }

    /// The given connection, else a new one to `DOCKER_HOST` or the local socket.
    pub async fn connect(&self) -> Result<Docker> {
        match &self.0 {
            Some(d) => Ok(d.clone()),
            None => Docker::connect().await,
        }
    }
}

impl Docker {
    /// Connects through `DOCKER_HOST` or the local socket and checks the engine answers.
    pub async fn connect() -> Result<Docker> {
        Ok(Docker::with(Arc::new(Bollard::connect().await?)))
    }

    /// [`Docker::connect`] with a given client timeout for ordinary calls.
    pub async fn connect_with_timeout(timeout: Duration) -> Result<Docker> {
        Ok(Docker::with(Arc::new(
            Bollard::connect_with_timeout(timeout).await?,
        )))
    }

    /// The engine behind `api`.
    pub fn with(api: Arc<dyn Api>) -> Docker {
        Docker { api }
    }

    /// Where the engine was reached (`unix:///var/run/docker.sock`).
    pub fn endpoint(&self) -> &str {
        self.api.endpoint()
    }

    /// The engine's version string.
    pub async fn server_version(&self) -> Result<String> {
        self.api.server_version().await
    }

    /// The engine's data folder (`/var/lib/docker`), to warn before filling its filesystem.
    pub async fn root_dir(&self) -> Option<String> {
        self.api.root_dir().await
    }

    /// Inspects a container; `Ok(None)` if there is none of that name.
    pub async fn inspect(&self, container: &str) -> Result<Option<ContainerInfo>> {
        self.api.inspect(container).await
    }

    /// Inspects a container that must exist.
    pub async fn inspect_required(&self, container: &str) -> Result<ContainerInfo> {
        self.inspect(container)
            .await?
            .ok_or_else(|| Error::ContainerMissing(container.to_string()))
    }

    /// The repository digest of an image (`name@sha256:...`), when it has one.
    pub async fn image_digest(&self, image: &str) -> Result<Option<String>> {
        self.api.image_digest(image).await
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

    /// Runs `req` in `container`, streaming stdout into `stdout` and feeding `stdin` if given
    /// ([`Api::exec`]).
    pub async fn exec(
        &self,
        container: &str,
        req: ExecRequest,
        stdin: Option<&mut (dyn AsyncRead + Unpin + Send)>,
        stdout: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<ExecOutcome> {
        self.api.exec(container, req, stdin, stdout).await
    }

    /// Runs `req` and returns its stdout in memory (small outputs: versions, counts).
    pub async fn exec_capture(
        &self,
        container: &str,
        req: ExecRequest,
    ) -> Result<(ExecOutcome, Vec<u8>)> {
        let mut out = Vec::new();
        let outcome = self.exec(container, req, None, &mut out).await?;
        Ok((outcome, out))
    }

    /// Streams `path` of `container` as a tar into `out`; returns the bytes written.
    pub async fn download(
        &self,
        container: &str,
        path: &str,
        out: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<u64> {
        self.api.download(container, path, out).await
    }

    /// Unpacks the tar `stream` at `path` (a folder) in `container`.
    pub async fn upload(
        &self,
        container: &str,
        path: &str,
        stream: impl Stream<Item = Bytes> + Send + 'static,
    ) -> Result<()> {
        self.api
            .upload(container, path, stream.map(Ok).boxed())
            .await
    }

    /// Unpacks a tar stream whose producer can fail: an error item fails the upload, so a
    /// producer that stops half-way never leaves a short tar that looks whole.
    pub async fn upload_fallible(
        &self,
        container: &str,
        path: &str,
        stream: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    ) -> Result<()> {
        self.api.upload(container, path, stream.boxed()).await
    }

    /// Copies the local file `src` into folder `dir` of `container` as `name` (owner 0:0,
    /// `mode`), streamed: the file is never held in memory.
    pub async fn upload_file(
        &self,
        container: &str,
        dir: &str,
        name: &str,
        src: &std::path::Path,
        mode: u32,
    ) -> Result<()> {
        let file = tokio::fs::File::open(src)
            .await
            .map_err(|e| Error::io(src, "open", e))?;
        let size = file
            .metadata()
            .await
            .map_err(|e| Error::io(src, "stat", e))?
            .len();
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_path(name)
            .map_err(|e| Error::Other(format!("upload {name}: {e}")))?;
        h.set_cksum();
        let header = Bytes::copy_from_slice(h.as_bytes());
        let padding = (512 - (size % 512) as usize) % 512;
        let tail = Bytes::from(vec![0u8; padding + 1024]);
        let body = tokio_util::io::ReaderStream::with_capacity(file, 1 << 20);
        let stream = futures_util::stream::once(async move { Ok(header) })
            .chain(body)
            .chain(futures_util::stream::once(async move { Ok(tail) }));
        // A read error of the file fails the upload: never a short tar that looks whole.
        self.api.upload(container, dir, stream.boxed()).await
    }

    /// Stops `container`, waiting up to `grace` for it to exit before the engine kills it.
    pub async fn stop(&self, container: &str, grace: Duration) -> Result<()> {
        self.api.stop(container, grace).await
    }

    pub async fn start(&self, container: &str) -> Result<()> {
        self.api.start(container).await
    }

    /// Sets the restart policy (`no`, `always`, `unless-stopped`, `on-failure[:N]`).
    pub async fn set_restart_policy(&self, container: &str, policy: &str) -> Result<()> {
        self.api.set_restart_policy(container, policy).await
    }

    /// Creates (does not start) a container.
    pub async fn create(&self, spec: &OneOff) -> Result<String> {
        self.api.create(spec).await
    }

    /// Removes a container (and its anonymous volumes), whatever its state.
    pub async fn remove(&self, container: &str) -> Result<()> {
        self.api.remove(container).await
    }

    /// Runs a one-off container to its end: created, started, waited for (at most `limit`),
    /// then removed whatever happened. Returns its exit code and the end of its output.
    pub async fn run_oneoff(&self, spec: &OneOff, limit: Duration) -> Result<(i64, String)> {
        self.create(spec).await?;
        let ran = self.api.run_created(&spec.name, limit).await;
        let _ = self.remove(&spec.name).await;
        ran
    }

    /// Waits for the one-off containers of job `id` (names ending `-<id>`, label
    /// `lifeboat.oneoff`) that a killed lifeboat left behind to finish, then removes them: a
    /// swap script still running must end before anything else touches its folder.
    pub async fn settle_oneoffs(&self, id: &str, limit: Duration) -> Result<Vec<String>> {
        let suffix = format!("-{id}");
        let mut settled = Vec::new();
        for name in self.api.oneoff_names().await? {
            if !name.ends_with(&suffix) {
                continue;
            }
            let started = std::time::Instant::now();
            while self.inspect(&name).await?.is_some_and(|i| i.running) {
                if started.elapsed() > limit {
                    return Err(Error::Docker(format!(
                        "docker: one-off container {name} of an interrupted run is still running after {} s; wait for it or stop it, then try again",
                        limit.as_secs()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            self.remove(&name).await?;
            settled.push(name);
        }
        Ok(settled)
    }

    /// A volume's labels; `Ok(None)` if there is no volume of that name.
    pub async fn volume_labels(&self, name: &str) -> Result<Option<BTreeMap<String, String>>> {
        self.api.volume_labels(name).await
    }

    /// Creates volume `name` with `labels` (local driver).
    pub async fn create_volume(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        self.api.create_volume(name, labels).await
    }

    /// Removes volume `name` (it must be unused).
    pub async fn remove_volume(&self, name: &str) -> Result<()> {
        self.api.remove_volume(name).await
    }
}
