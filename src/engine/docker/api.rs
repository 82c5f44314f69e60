//! The seam: every raw call lifeboat makes to the Docker Engine, as a trait, so that the jobs
//! built on it (backup, restore, settle, recover) run the same against the real engine
//! ([`super::Bollard`]) and against a scripted one in unit tests.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use tokio::io::{AsyncRead, AsyncWrite};

use super::exec::{ExecOutcome, ExecRequest};
use super::types::{ContainerInfo, OneOff};
use crate::engine::error::Result;

/// A tar stream to unpack in a container; an error item fails the upload.
pub type Upload = BoxStream<'static, std::io::Result<Bytes>>;

#[async_trait::async_trait]
pub trait Api: Send + Sync {
    /// Where the engine was reached.
    fn endpoint(&self) -> &str;
    async fn server_version(&self) -> Result<String>;
    async fn root_dir(&self) -> Option<String>;
    /// `Ok(None)`: no container of that name.
    async fn inspect(&self, container: &str) -> Result<Option<ContainerInfo>>;
    /// `Ok(None)`: no such image, or no repository digest.
    async fn image_digest(&self, image: &str) -> Result<Option<String>>;
    /// Runs `req` in a running container, stdout streamed into `stdout`, `stdin` fed if given.
    /// On cancel or timeout the process is killed and the call fails.
    async fn exec(
        &self,
        container: &str,
        req: ExecRequest,
        stdin: Option<&mut (dyn AsyncRead + Unpin + Send)>,
        stdout: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<ExecOutcome>;
    /// `path` of a container as an uncompressed tar into `out`; the bytes written.
    async fn download(
        &self,
        container: &str,
        path: &str,
        out: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<u64>;
    /// Unpacks `stream` at folder `path` of a container.
    async fn upload(&self, container: &str, path: &str, stream: Upload) -> Result<()>;
    /// Stopping an already stopped container succeeds.
    async fn stop(&self, container: &str, grace: Duration) -> Result<()>;
    /// Starting a running container succeeds.
    async fn start(&self, container: &str) -> Result<()>;
    async fn set_restart_policy(&self, container: &str, policy: &str) -> Result<()>;
    /// Creates (never starts) a one-off container; its id.
    async fn create(&self, spec: &OneOff) -> Result<String>;
    /// Removes a container whatever its state; a missing one is not an error.
    async fn remove(&self, container: &str) -> Result<()>;
    /// Starts a created container and waits for it (at most `limit`): its exit code and the
    /// end of its output. Never removes it.
    async fn run_created(&self, name: &str, limit: Duration) -> Result<(i64, String)>;
    /// The names of every container labelled `lifeboat.oneoff`, running or not.
    async fn oneoff_names(&self) -> Result<Vec<String>>;
    /// `Ok(None)`: no volume of that name.
    async fn volume_labels(&self, name: &str) -> Result<Option<BTreeMap<String, String>>>;
    async fn create_volume(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()>;
    async fn remove_volume(&self, name: &str) -> Result<()>;
}
