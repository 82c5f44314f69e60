//! The hashing and counting adapters the writer and reader share, and the deflate level of
//! text-like members. Archives are written as many gzip members ([`super::pargz`]): text is
//! deflated, already-compressed members are *stored* (level 0, at memory speed) instead of
//! burning minutes deflating incompressible bytes for no gain.

use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

/// Level for text-like members (the manifest, SQL, configuration).
pub const DEFLATE_LEVEL: u32 = 6;

/// Passes writes through while hashing (on a helper thread) and counting them.
pub struct HashingWriter<W> {
    inner: W,
    hasher: super::offload::OffloadHasher,
    count: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: super::offload::OffloadHasher::new(),
            count: 0,
        }
    }

    /// The inner writer, the SHA-256 and the byte count of everything written.
    pub fn finish(mut self) -> (W, [u8; 32], u64) {
        let digest = self.hasher.finalize();
        (self.inner, digest, self.count)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Counts bytes read through it.
pub struct CountingReader<R> {
    pub inner: R,
    pub count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// SHA-256 of a byte slice.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
