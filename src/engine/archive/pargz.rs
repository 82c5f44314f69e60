//! A gzip writer that compresses on several threads, as pigz does, for the big streams of a
//! backup (a volume's files, the archive itself) on machines with a core or two to spare.
//!
//! The input is cut into chunks of [`CHUNK`] bytes, each compressed on a worker as its own gzip
//! member, and the members are written in order: a concatenation of members is one valid gzip
//! stream for `gzip -d`, `tar -z` and lifeboat's own readers (`MultiGzDecoder`). Restarting
//! the 32 KiB deflate window once per MiB costs well under 1 % of size. The level can change
//! between tar entries ([`ParallelGz::set_level`]: 0 stores incompressible data at memory
//! speed). Memory stays bounded: at most [`IN_FLIGHT`] chunks are queued or being compressed.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use flate2::{Compression, GzBuilder};

/// Bytes per gzip member.
pub const CHUNK: usize = 1 << 20;
/// Chunks queued or being compressed at once, per worker.
const IN_FLIGHT_PER_WORKER: usize = 2;
const IN_FLIGHT: usize = 4;

struct Job {
    data: Vec<u8>,
    level: u32,
    done: SyncSender<io::Result<Vec<u8>>>,
}

/// A multi-threaded gzip writer; see the module documentation.
pub struct ParallelGz<W: Write> {
    inner: Option<W>,
    level: u32,
    buf: Vec<u8>,
    jobs: Option<SyncSender<Job>>,
    pending: VecDeque<Receiver<io::Result<Vec<u8>>>>,
    workers: Vec<JoinHandle<()>>,
    max_pending: usize,
}

/// Worker threads for this machine: one per core, at most 4 (the disk is the limit beyond).
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))
}

impl<W: Write> ParallelGz<W> {
    /// A writer compressing at `level` on `workers` threads.
    pub fn new(inner: W, level: u32, workers: usize) -> Self {
        let workers = workers.max(1);
        let (tx, rx) = sync_channel::<Job>(workers * IN_FLIGHT_PER_WORKER);
        let rx = Arc::new(Mutex::new(rx));
        let handles = (0..workers)
            .map(|_| {
                let rx = Arc::clone(&rx);
                std::thread::spawn(move || worker(&rx))
            })
            .collect();
        ParallelGz {
            inner: Some(inner),
            level,
            buf: Vec::with_capacity(CHUNK),
            jobs: Some(tx),
            pending: VecDeque::new(),
            workers: handles,
            max_pending: IN_FLIGHT.max(workers * IN_FLIGHT_PER_WORKER),
        }
    }

    /// Switches to `level` (0 = stored) for what is written next.
    pub fn set_level(&mut self, level: u32) -> io::Result<()> {
        if level != self.level {
            self.dispatch()?;
            self.level = level;
        }
        Ok(())
    }

    /// Sends the buffered bytes to a worker; writes out finished members while too many wait.
    fn dispatch(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let (done, result) = sync_channel(1);
        let job = Job {
            data,
            level: self.level,
            done,
        };
        self.jobs
            .as_ref()
            .ok_or_else(|| io::Error::other("gzip writer used after finish"))?
            .send(job)
            .map_err(|_| io::Error::other("a compression thread stopped"))?;
        self.pending.push_back(result);
        while self.pending.len() > self.max_pending {
            self.write_oldest()?;
        }
        Ok(())
    }

    fn write_oldest(&mut self) -> io::Result<()> {
        let Some(rx) = self.pending.pop_front() else {
            return Ok(());
        };
        let member = rx
            .recv()
            .map_err(|_| io::Error::other("a compression thread stopped"))??;
        self.inner
            .as_mut()
            .ok_or_else(|| io::Error::other("gzip writer used after finish"))?
            .write_all(&member)
    }

    /// Compresses what is left, writes every member in order and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.dispatch()?;
        while !self.pending.is_empty() {
            self.write_oldest()?;
        }
        self.stop_workers();
        self.inner
            .take()
            .ok_or_else(|| io::Error::other("gzip writer used after finish"))
    }

    fn stop_workers(&mut self) {
        self.jobs = None;
        for h in self.workers.drain(..) {
            let _ = h.join();
        }
    }
}

impl<W: Write> Drop for ParallelGz<W> {
    fn drop(&mut self) {
        self.pending.clear();
        self.stop_workers();
    }
}

fn worker(rx: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only to take a job, not while compressing.
        let job = match rx.lock() {
            Ok(r) => r.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let _ = job.done.send(compress(&job.data, job.level));
    }
}

/// One gzip member; mtime 0 and no name, so the bytes depend only on the input.
fn compress(data: &[u8], level: u32) -> io::Result<Vec<u8>> {
    let cap = if level == 0 {
        data.len() + data.len() / 16 + 64
    } else {
        data.len() / 2 + 64
    };
    let mut enc = GzBuilder::new()
        .mtime(0)
        .write(Vec::with_capacity(cap), Compression::new(level));
    enc.write_all(data)?;
    enc.finish()
}

impl<W: Write> Write for ParallelGz<W> {
    fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
        let n = buf.len();
        while !buf.is_empty() {
            let room = CHUNK - self.buf.len();
            let take = room.min(buf.len());
            self.buf.extend_from_slice(&buf[..take]);
            buf = &buf[take..];
            if self.buf.len() == CHUNK {
                self.dispatch()?;
            }
        }
        Ok(n)
    }

    /// Members are complete only at [`ParallelGz::finish`]; flush writes out what is done.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn roundtrip(parts: &[(u32, Vec<u8>)], workers: usize) -> Vec<u8> {
        let mut gz = ParallelGz::new(Vec::new(), 6, workers);
        for (level, data) in parts {
            gz.set_level(*level).unwrap();
            gz.write_all(data).unwrap();
        }
        let out = gz.finish().unwrap();
        let mut back = Vec::new();
        flate2::read::MultiGzDecoder::new(out.as_slice())
            .read_to_end(&mut back)
            .unwrap();
        back
    }

    #[test]
    fn members_come_back_in_order_whatever_the_levels_and_workers() {
        let text: Vec<u8> = (0..3 * CHUNK + 123).map(|i| b"lifeboat "[i % 9]).collect();
        let mut noise = vec![0u8; 2 * CHUNK + 7];
        let mut x = 0x9e37_79b9_u32;
        for b in noise.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        let parts = vec![
            (6, b"header".to_vec()),
            (0, noise.clone()),
            (2, text.clone()),
            (0, Vec::new()),
            (6, noise[..100].to_vec()),
        ];
        let want: Vec<u8> = parts.iter().flat_map(|(_, d)| d.clone()).collect();
        for workers in [1, 2, 3] {
            assert_eq!(roundtrip(&parts, workers), want, "{workers} workers");
        }
    }

    #[test]
    fn gzip_reads_the_multi_member_output() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..CHUNK * 2 + 5).map(|i| (i % 251) as u8).collect();
        let mut gz = ParallelGz::new(Vec::new(), 2, 2);
        gz.write_all(&data).unwrap();
        let out = gz.finish().unwrap();
        let p = dir.path().join("x.gz");
        std::fs::write(&p, out).unwrap();
        let o = std::process::Command::new("gzip")
            .arg("-dc")
            .arg(&p)
            .output()
            .unwrap();
        assert!(o.status.success());
        assert_eq!(o.stdout, data);
    }
}
