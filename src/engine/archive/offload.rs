//! SHA-256 on a helper thread, so that the walk's thread can decompress and validate while the
//! component hash is computed beside it: on two cores, a full verify is then bounded by the
//! slower of the two instead of their sum.

use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

const BATCH: usize = 1024 * 1024;
const IN_FLIGHT: usize = 4;

enum Msg {
    Data(Vec<u8>),
    /// Ends the current hash and sends its digest back.
    Finish(Sender<[u8; 32]>),
}

/// A hasher whose work runs on its own thread; one hash at a time, reused across files.
pub struct OffloadHasher {
    tx: Option<SyncSender<Msg>>,
    recycled: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    handle: Option<JoinHandle<()>>,
    /// Used when the helper thread could not start: hashing inline, on the caller's thread.
    inline: Sha256,
}

impl OffloadHasher {
    pub fn new() -> Self {
        let (tx, rx) = mpsc::sync_channel::<Msg>(IN_FLIGHT);
        let (ret_tx, recycled) = mpsc::channel::<Vec<u8>>();
        let handle = std::thread::Builder::new()
            .name("lifeboat-hash".into())
            .spawn(move || {
                let mut h = Sha256::new();
                for msg in rx {
                    match msg {
                        Msg::Data(mut b) => {
                            h.update(&b);
                            b.clear();
                            let _ = ret_tx.send(b);
                        }
                        Msg::Finish(reply) => {
                            let _ = reply.send(std::mem::take(&mut h).finalize().into());
                        }
                    }
                }
            })
            .ok();
        // Without a thread (spawn failed) the hasher still works, inline.
        let tx = handle.as_ref().map(|_| tx);
        OffloadHasher {
            tx,
            recycled,
            buf: Vec::with_capacity(BATCH),
            handle,
            inline: Sha256::new(),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        if self.tx.is_none() {
            self.inline.update(data);
            return;
        }
        let mut data = data;
        while !data.is_empty() {
            let room = BATCH - self.buf.len();
            let n = room.min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == BATCH {
                self.ship();
            }
        }
    }

    fn ship(&mut self) {
        let next = self
            .recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let full = std::mem::replace(&mut self.buf, next);
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Data(full));
        }
    }

    /// The digest of everything since the last `finalize`; the hasher is ready for the next file.
    pub fn finalize(&mut self) -> [u8; 32] {
        if self.tx.is_some() && !self.buf.is_empty() {
            self.ship();
        }
        match &self.tx {
            Some(tx) => {
                let (reply, rx) = mpsc::channel();
                let _ = tx.send(Msg::Finish(reply));
                rx.recv().unwrap_or_default()
            }
            None => std::mem::take(&mut self.inline).finalize().into(),
        }
    }
}

impl Default for OffloadHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for OffloadHasher {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_a_plain_hash_across_files() {
        let mut h = OffloadHasher::new();
        let a: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        for chunk in a.chunks(7777) {
            h.update(chunk);
        }
        assert_eq!(h.finalize(), <[u8; 32]>::from(Sha256::digest(&a)));
        h.update(b"second");
        assert_eq!(h.finalize(), <[u8; 32]>::from(Sha256::digest(b"second")));
        assert_eq!(h.finalize(), <[u8; 32]>::from(Sha256::digest(b"")));
    }
}
