//! The archive API: a path of a container (running, stopped or never started, volumes included)
//! downloaded as an uncompressed tar stream, or a tar stream unpacked into it. The daemon keeps
//! numeric owners and modes from the tar headers.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};

use super::Docker;
use crate::engine::error::{Error, Result};

impl Docker {
    /// Streams `path` of `container` as a tar into `out`; returns the bytes written.
    pub async fn download(
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

    /// Unpacks the tar `stream` at `path` (a folder) in `container`.
    pub async fn upload(
        &self,
        container: &str,
        path: &str,
        stream: impl Stream<Item = Bytes> + Send + 'static,
    ) -> Result<()> {
        let opts = UploadToContainerOptionsBuilder::default()
            .path(path)
            .build();
        let api = self.patient(std::time::Duration::from_secs(7 * 24 * 3600));
        api.upload_to_container(container, Some(opts), bollard::body_stream(stream))
            .await
            .map_err(|e| self.fail(&format!("copy into {path} of"), container, &e))
    }
}

impl Docker {
    /// Unpacks a tar stream whose producer can fail: an error item fails the upload, so a
    /// producer that stops half-way never leaves a short tar that looks whole.
    pub async fn upload_fallible(
        &self,
        container: &str,
        path: &str,
        stream: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    ) -> Result<()> {
        let opts = UploadToContainerOptionsBuilder::default()
            .path(path)
            .build();
        self.patient(std::time::Duration::from_secs(7 * 24 * 3600))
            .upload_to_container(container, Some(opts), bollard::body_try_stream(stream))
            .await
            .map_err(|e| self.fail(&format!("copy into {path} of"), container, &e))
    }

    /// Copies the local file `src` into folder `dir` of `container` as `name` (owner 0:0, `mode`),
    /// streamed: the file is never held in memory.
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
        let opts = UploadToContainerOptionsBuilder::default().path(dir).build();
        // A read error of the file fails the upload: never a short tar that looks whole.
        self.patient(std::time::Duration::from_secs(7 * 24 * 3600))
            .upload_to_container(container, Some(opts), bollard::body_try_stream(stream))
            .await
            .map_err(|e| self.fail(&format!("copy {name} into {dir} of"), container, &e))
    }
}
