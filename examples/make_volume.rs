//! Generates the backup benchmark's volume folder (issue 4): 64 text files of 8 MiB of words
//! and 8 random blobs of 64 MiB named by their SHA-256, the same bytes for the same seed.
//! Not part of the product: `cargo run --release --example make_volume -- --dir DIR [--seed N]`.

use std::io::Write;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

const TEXT_FILES: usize = 64;
const TEXT_SIZE: usize = 8 << 20;
const BLOBS: usize = 8;
const BLOB_SIZE: usize = 64 << 20;

/// Words of ordinary English prose: text that compresses as notes and documents do.
const WORDS: &str = "the of and to in a is that for it as was with be by on not he this are or \
    his from at which but have an they you were her she there been one all we their has would \
    when if so no will more out up into do any your what time some can them other than then \
    now only its over also back after use two how our work first well way even new want because \
    these give day most us backup restore volume database server model vector memory query \
    document collection embedding container service health check archive manifest checksum \
    stack home network storage disk folder file record table index schema migration version \
    river mountain garden kitchen window morning evening winter summer library letter market";

/// xorshift64*: reproducible and fast enough for a GiB.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

fn text(rng: &mut Rng, words: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(TEXT_SIZE + 64);
    let mut line = 0;
    while out.len() < TEXT_SIZE {
        let r = rng.next();
        let w = words[(r % words.len() as u64) as usize];
        out.extend_from_slice(w.as_bytes());
        line += w.len() + 1;
        if line > 72 {
            out.push(b'\n');
            line = 0;
        } else {
            out.push(if (r >> 32).is_multiple_of(17) {
                b','
            } else {
                b' '
            });
        }
    }
    out.truncate(TEXT_SIZE);
    out
}

fn main() {
    let mut dir = None;
    let mut seed = 42u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--dir", Some(v)) => dir = Some(PathBuf::from(v)),
            ("--seed", Some(v)) => seed = v.parse().expect("--seed N"),
            _ => {
                eprintln!("usage: make_volume --dir DIR [--seed N]");
                std::process::exit(1)
            }
        }
    }
    let dir = dir.unwrap_or_else(|| {
        eprintln!("usage: make_volume --dir DIR [--seed N]");
        std::process::exit(1)
    });
    std::fs::create_dir_all(dir.join("notes")).expect("create the folder");
    std::fs::create_dir_all(dir.join("blobs")).expect("create the folder");
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    for i in 0..TEXT_FILES {
        let path = dir.join(format!("notes/note-{i:02}.txt"));
        std::fs::write(&path, text(&mut rng, &words)).expect("write a text file");
    }
    let mut blob = vec![0u8; BLOB_SIZE];
    for _ in 0..BLOBS {
        rng.fill(&mut blob);
        let name = hex::encode(Sha256::digest(&blob));
        let mut f =
            std::fs::File::create(dir.join(format!("blobs/sha256-{name}"))).expect("create a blob");
        f.write_all(&blob).expect("write a blob");
    }
    println!("{}", dir.display());
}
