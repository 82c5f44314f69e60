//! The archive API: a path of a container (running, stopped or never started, volumes included)
//! downloaded as an uncompressed tar stream, or a tar stream unpacked into it. The daemon keeps
//! numeric owners and modes from the tar headers.

use futures_util::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};

use super::api::Upload;
use super::client::Bollard;
use crate::engine::error::{Error, Result};

impl Bollard {
    /// Streams `path` of `container` as a tar into `out`; returns the bytes written.
    pub(super) async fn download_from(
        &self,
        container: &str,
        path: &str,
        out: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<u64> {
        let opts = DownloadFromContainerOptionsBuilder::default()
            .path(path)
            .build();
        let mut stream = self.api.download_from_container(container, Some(opts));
        let mut total = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| self.fail(&format!("copy {path} out of"), container, &e))?;
            out.write_all(&chunk).await.map_err(|e| {
                Error::Docker(format!("docker: copy {path} out of {container}: {e}"))
            })?;
            total += chunk.len() as u64;
        }
        out.flush()
            .await
            .map_err(|e| Error::Docker(format!("docker: copy {path} out of {container}: {e}")))?;
        Ok(total)
    }

    /// Unpacks the tar `stream` at `path` (a folder) in `container`: an error item fails the
    /// upload, so a producer that stops half-way never leaves a short tar that looks whole.
    pub(super) async fn upload_into(
        &self,
        container: &str,
        path: &str,
        stream: Upload,
    ) -> Result<()> {
        let opts = UploadToContainerOptionsBuilder::default()
            .path(path)
            .build();
        self.patient(std::time::Duration::from_secs(7 * 24 * 3600))
            .upload_to_container(container, Some(opts), bollard::body_try_stream(stream))
            .await
            .map_err(|e| self.fail(&format!("copy into {path} of"), container, &e))
    }
}
