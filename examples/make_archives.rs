//! Builds format-2 archives through lifeboat's real writer, with members shaped the way a
//! backup writes them, for the demo and the benchmarks (the backup engine does not exist yet).
//! Not part of the product: `cargo run --release --example make_archives -- --help`.

use std::io::Write;
use std::path::PathBuf;

use flate2::Compression;
use flate2::write::GzEncoder;
use lifeboat::engine::archive::build::Header;
use lifeboat::engine::archive::writer::{self, ArchiveRequest, Member, Source};
use lifeboat::engine::archive::{ArchiveKind, ComponentDetails, Manifest};
use lifeboat::engine::progress::{Cancel, Silent};

struct Opts {
    dir: PathBuf,
    bytes: u64,
    count: u32,
    seed: u64,
    at: Option<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage: make_archives --dir DIR [--mib N] [--count N] [--seed N] [--at 2026-01-03T14:00:00+00:00[UTC]]"
    );
    std::process::exit(1)
}

fn parse() -> Opts {
    let mut o = Opts {
        dir: PathBuf::new(),
        bytes: 8 << 20,
        count: 1,
        seed: 1,
        at: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut v = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--dir" => o.dir = PathBuf::from(v()),
            "--mib" => o.bytes = v().parse::<u64>().unwrap_or_else(|_| usage()) << 20,
            "--count" => o.count = v().parse().unwrap_or_else(|_| usage()),
            "--seed" => o.seed = v().parse().unwrap_or_else(|_| usage()),
            "--at" => o.at = Some(v()),
            _ => usage(),
        }
    }
    if o.dir.as_os_str().is_empty() {
        usage()
    }
    o
}

/// xorshift64*: reproducible filler bytes, fast enough for a GiB.
struct Rng(u64);

impl Rng {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let v = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

fn gz(level: u32, write: impl FnOnce(&mut GzEncoder<Vec<u8>>)) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::new(level));
    write(&mut e);
    e.finish().expect("gzip")
}

/// A volume tar (root `./` entry, numeric owners) compressed like a backup compresses it:
/// incompressible blobs stored (level 0), text deflated.
fn volume(files: Vec<(String, Vec<u8>)>, level: u32) -> Vec<u8> {
    gz(level, |e| {
        let mut b = tar::Builder::new(e);
        let mut root = tar::Header::new_gnu();
        root.set_entry_type(tar::EntryType::Directory);
        root.set_mode(0o755);
        root.set_uid(1000);
        root.set_gid(1000);
        root.set_size(0);
        b.append_data(&mut root, "./", std::io::empty())
            .expect("tar");
        for (name, data) in &files {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            h.set_uid(1000);
            h.set_gid(1000);
            h.set_size(data.len() as u64);
            b.append_data(&mut h, format!("./{name}"), data.as_slice())
                .expect("tar");
        }
        b.finish().expect("tar");
    })
}

fn members(rng: &mut Rng, total: u64) -> Vec<(&'static str, &'static str, String, Vec<u8>, bool)> {
    let blob_total = total * 3 / 4;
    let sql_total = total / 8;
    let chroma_total = total / 10;
    let mut blobs = Vec::new();
    let blob_size = (blob_total / 4).max(1024) as usize;
    for _ in 0..4 {
        let mut b = vec![0u8; blob_size];
        rng.fill(&mut b);
        let name = format!("models/blobs/sha256-{}", hex::encode(manifest_hash(&b)));
        blobs.push((name, b));
    }
    blobs.push((
        "models/manifests/registry.ollama.ai/library/mistral/latest".into(),
        b"{\"schemaVersion\":2}".to_vec(),
    ));
    let ollama = volume(blobs, 0);
    // SQL text compresses about 5:1; generate until the compressed dump reaches its share.
    let sql = gz(1, |e| {
        let mut i = 0u64;
        while e.get_ref().len() < sql_total as usize {
            for _ in 0..1000 {
                writeln!(e, "INSERT INTO public.messages VALUES ({i}, 'conversation {}', 'the quick brown fox {i} jumps');", i % 97).expect("write");
                i += 1;
            }
        }
    });
    let mut seg = vec![0u8; chroma_total as usize];
    rng.fill(&mut seg);
    let chroma = volume(
        vec![
            ("chroma.sqlite3".into(), b"SQLite format 3\0".repeat(4096)),
            ("seg-1/data_level0.bin".into(), seg),
        ],
        0,
    );
    let mut rdb = b"REDIS0010".to_vec();
    rdb.extend((0..20_000).flat_map(|i| format!("session:{i}:user-{}", i % 13).into_bytes()));
    vec![
        ("chromadb", "chroma", "chromadb.tar.gz".into(), chroma, true),
        ("postgres", "postgres", "postgres.sql.gz".into(), sql, true),
        (
            "postgres",
            "postgres",
            "postgres-globals.sql".into(),
            b"CREATE ROLE tars;\nALTER ROLE tars WITH LOGIN;\n".to_vec(),
            false,
        ),
        ("redis", "redis", "redis-dump.rdb".into(), rdb, false),
        (
            "configuration",
            "files",
            "config/tars-home.env.redacted".into(),
            b"TARS_POSTGRES_USER=tars\nTARS_POSTGRES_PASSWORD=<REDACTED>\nLOG_LEVEL=info\n"
                .to_vec(),
            false,
        ),
        (
            "configuration",
            "files",
            "config/docker-compose.home.yml".into(),
            b"services:\n  postgres:\n    image: tars/postgres:15\n".to_vec(),
            false,
        ),
        (
            "ollama",
            "volume",
            "ollama-models.tar.gz".into(),
            ollama,
            true,
        ),
    ]
}

fn manifest_hash(b: &[u8]) -> [u8; 32] {
    lifeboat::engine::archive::gz::sha256(b)
}

fn build(dir: &std::path::Path, when: jiff::Zoned, rng: &mut Rng, total: u64) -> writer::Committed {
    let mut m = Manifest::new_v2(Header {
        profile: "tars-home".into(),
        kind: ArchiveKind::Backup,
        host: "demo-host".into(),
        docker_volumes: vec![
            "tars-home_chroma_data".into(),
            "tars-home_ollama_data".into(),
        ],
        options: [("include_models".to_string(), serde_json::json!(true))].into(),
    });
    let mut out = Vec::new();
    let all = members(rng, total);
    let mut names: Vec<&str> = all.iter().map(|p| p.0).collect();
    names.dedup();
    for name in names {
        let mine: Vec<_> = all.iter().filter(|p| p.0 == name).collect();
        let kind = mine[0].1;
        let records = mine
            .iter()
            .map(|(_, _, file, bytes, store)| {
                let member = Member {
                    name: file.clone(),
                    source: Source::Bytes(bytes.clone()),
                    store: *store,
                };
                let rec = member.record().expect("hash");
                out.push(member);
                rec
            })
            .collect();
        let details = ComponentDetails {
            kind: Some(kind.into()),
            captured_at: Some(when.timestamp().to_string()),
            capture_mode: Some(
                if kind == "postgres" {
                    "logical_dump"
                } else {
                    "stopped_copy"
                }
                .into(),
            ),
            ..Default::default()
        };
        let folder = mine[0].2.split_once('/').map(|(f, _)| f.to_string());
        m.record_component(name, details, folder.as_deref(), records);
    }
    let req = ArchiveRequest {
        dir: dir.to_path_buf(),
        prefix: "tars-backup".into(),
        when,
        manifest: m,
        members: out,
    };
    writer::write(req, &Silent, &Cancel::new()).expect("write archive")
}

fn main() {
    let o = parse();
    let mut rng = Rng(o.seed.max(1));
    let start: jiff::Zoned = match &o.at {
        Some(s) => s.parse().unwrap_or_else(|_| usage()),
        None => jiff::Zoned::now(),
    };
    for i in 0..o.count {
        let when = start
            .checked_sub(jiff::Span::new().hours(24 * i64::from(i)))
            .expect("time");
        let c = build(&o.dir, when, &mut rng, o.bytes);
        for w in &c.warnings {
            eprintln!("warning: {w}");
        }
        println!("{}", c.archive.display());
    }
}
