//! Folder restores (chroma, volume): the staged component tar, re-rooted under
//! `.lifeboat-new-<id>/` and streamed into the stopped container's data folder; numeric
//! owners and modes travel in the tar headers. Also the streaming tar builder the Redis
//! restore uses.

use std::io::{self, Write};
use std::path::PathBuf;

use bytes::Bytes;
use flate2::read::MultiGzDecoder;
use futures_util::Stream;

use super::oneoff::DataFolder;

/// A `Write` that hands its bytes to an async stream in 1 MiB pieces.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the upload ended"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 1 << 20 {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// A tar built on a blocking thread by `build`, as a stream. An error of `build` is the
/// stream's last item, so the upload fails rather than unpacking a short tar.
pub fn tar_stream<F>(build: F) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static
where
    F: FnOnce(&mut tar::Builder<&mut dyn Write>) -> io::Result<()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    std::thread::spawn(move || {
        let mut w = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::new(),
        };
        let result = (|| {
            let mut b = tar::Builder::new(&mut w as &mut dyn Write);
            b.mode(tar::HeaderMode::Complete);
            build(&mut b)?;
            b.finish()?;
            drop(b);
            w.flush()
        })();
        if let Err(e) = result {
            let _ = tx.blocking_send(Err(e));
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|i| (i, rx)) })
}

/// The staged component tar (gzip, rooted at `.`) re-rooted under `.lifeboat-new-<id>/`,
/// entry by entry with its headers (owners, modes, times, links) kept.
pub fn component_stream(
    staged: PathBuf,
    id: &str,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let new = DataFolder::new_dir(id);
    tar_stream(move |b| {
        let file = std::fs::File::open(&staged)?;
        let mut ar = tar::Archive::new(MultiGzDecoder::new(io::BufReader::with_capacity(
            1 << 20,
            file,
        )));
        let mut root = tar::Header::new_gnu();
        root.set_entry_type(tar::EntryType::Directory);
        root.set_mode(0o700);
        root.set_size(0);
        b.append_data(&mut root, &new, io::empty())?;
        for entry in ar.entries()? {
            let mut entry = entry?;
            let path = entry.path()?.into_owned();
            let rel = path
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect::<PathBuf>();
            if rel.as_os_str().is_empty() {
                continue;
            }
            let mut header = entry.header().clone();
            let target = PathBuf::from(&new).join(&rel);
            match header.entry_type() {
                tar::EntryType::Link => {
                    // Hard links name another member: re-root that too.
                    let to = entry
                        .link_name()?
                        .map(|l| l.into_owned())
                        .unwrap_or_default();
                    let to = PathBuf::from(&new).join(
                        to.components()
                            .filter(|c| !matches!(c, std::path::Component::CurDir))
                            .collect::<PathBuf>(),
                    );
                    b.append_link(&mut header, &target, &to)?;
                }
                tar::EntryType::Symlink => {
                    let to = entry
                        .link_name()?
                        .map(|l| l.into_owned())
                        .unwrap_or_default();
                    b.append_link(&mut header, &target, &to)?;
                }
                _ => b.append_data(&mut header, &target, &mut entry)?,
            }
        }
        Ok(())
    })
}
