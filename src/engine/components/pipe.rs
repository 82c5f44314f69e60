//! Bridges async producers (a Docker exec or archive stream) to blocking consumers (gzip,
//! hashing, tar re-framing, files) on a blocking thread, so heavy work never runs on the async
//! threads. Bounded: a slow disk slows the producer, memory stays flat.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

use crate::engine::error::{Error, Result};

const IN_FLIGHT: usize = 8;

/// A consumer running on a blocking thread: takes bytes, then is finished into a result.
pub trait Sink: Write + Send + 'static {
    type Done: Send + 'static;
    fn done(self) -> io::Result<Self::Done>;
}

/// The async end of a pipe: an `AsyncWrite` whose bytes reach the sink's thread.
pub struct PipeWriter {
    tx: PollSender<Bytes>,
}

impl AsyncWrite for PipeWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.tx.poll_reserve(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(_)) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the consumer stopped",
            ))),
            Poll::Ready(Ok(())) => match self.tx.send_item(Bytes::copy_from_slice(buf)) {
                Ok(()) => Poll::Ready(Ok(buf.len())),
                Err(_) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the consumer stopped",
                ))),
            },
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.tx.close();
        Poll::Ready(Ok(()))
    }
}

/// A running pipe: write into [`Pipe::writer`], then [`Pipe::finish`].
pub struct Pipe<D> {
    writer: PipeWriter,
    worker: tokio::task::JoinHandle<io::Result<D>>,
}

/// Runs `f` on a blocking thread, reading what is written into the pipe.
pub fn pipe_with<D, F>(f: F) -> Pipe<D>
where
    D: Send + 'static,
    F: FnOnce(&mut ChannelReader) -> io::Result<D> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Bytes>(IN_FLIGHT);
    let worker = tokio::task::spawn_blocking(move || {
        let mut reader = ChannelReader {
            rx,
            current: Bytes::new(),
        };
        let out = f(&mut reader)?;
        // Whatever the consumer left unread still has to be accepted, or the producer blocks.
        io::copy(&mut reader, &mut io::sink())?;
        Ok(out)
    });
    Pipe {
        writer: PipeWriter {
            tx: PollSender::new(tx),
        },
        worker,
    }
}

/// Starts `sink` on a blocking thread, copying everything into it.
pub fn pipe<S: Sink>(mut sink: S) -> Pipe<S::Done> {
    pipe_with(move |r| {
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = r.read(&mut buf)?;
            if n == 0 {
                break;
            }
            sink.write_all(&buf[..n])?;
        }
        sink.done()
    })
}

/// The blocking end of a pipe.
pub struct ChannelReader {
    rx: mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(b) => self.current = b,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

impl<D> Pipe<D> {
    pub fn writer(&mut self) -> &mut PipeWriter {
        &mut self.writer
    }

    /// Closes the pipe and waits for the consumer's result.
    pub async fn finish(self) -> Result<D> {
        drop(self.writer);
        self.worker
            .await
            .map_err(|e| Error::Other(format!("a background writer failed: {e}")))?
            .map_err(|e| Error::Other(format!("writing the backup: {e}")))
    }
}
