//! Test helpers: archives built through the real writer (fast and free of Docker; the backup
//! engine has its own tests), the built binary, and small file utilities. Nothing is shipped.
#![allow(dead_code)]

pub mod backup;
pub mod restore;
pub mod safety;
pub mod testbed;
pub mod tmux;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flate2::Compression;
use flate2::write::GzEncoder;
use lifeboat::engine::archive::build::Header;
use lifeboat::engine::archive::writer::{self, ArchiveRequest, Committed, Member, Source};
use lifeboat::engine::archive::{ArchiveKind, ComponentDetails, Manifest};
use lifeboat::engine::progress::{Cancel, Silent};

/// The built `lifeboat` binary.
pub fn lifeboat() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lifeboat"));
    // Keep every test away from the machine's real state, lock and config.
    c.env_remove("LIFEBOAT_CONFIG")
        .env("LIFEBOAT_STATE", scratch_state())
        .env("LIFEBOAT_LOCK", scratch_state().join("lock"));
    c
}

fn scratch_state() -> PathBuf {
    let p = std::env::temp_dir().join(format!("lifeboat-test-state-{}", std::process::id()));
    std::fs::create_dir_all(&p).unwrap();
    p
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run lifeboat")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::new(6));
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A small tar.gz shaped like a volume copy (`./`, folders, files).
pub fn volume_tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut root = tar::Header::new_gnu();
    root.set_entry_type(tar::EntryType::Directory);
    root.set_mode(0o755);
    root.set_uid(999);
    root.set_gid(999);
    root.set_size(0);
    b.append_data(&mut root, "./", std::io::empty()).unwrap();
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_uid(999);
        h.set_gid(999);
        h.set_size(data.len() as u64);
        b.append_data(&mut h, format!("./{name}"), *data).unwrap();
    }
    gzip(&b.into_inner().unwrap())
}

/// Component name, member file, bytes, store-or-deflate.
pub struct Part {
    pub component: &'static str,
    pub kind: &'static str,
    pub file: String,
    pub bytes: Vec<u8>,
    pub store: bool,
}

/// The parts of a typical T.A.R.S. backup, small.
pub fn tars_parts() -> Vec<Part> {
    let sql: String = (0..2000)
        .map(|i| format!("INSERT INTO messages VALUES ({i}, 'hello {i}');\n"))
        .collect();
    vec![
        Part {
            component: "chromadb",
            kind: "chroma",
            file: "chromadb.tar.gz".into(),
            bytes: volume_tar_gz(&[
                ("chroma.sqlite3", b"SQLite format 3\0 demo"),
                ("seg/header.bin", &[7u8; 3000]),
            ]),
            store: true,
        },
        Part {
            component: "postgres",
            kind: "postgres",
            file: "postgres.sql.gz".into(),
            bytes: gzip(sql.as_bytes()),
            store: true,
        },
        Part {
            component: "postgres",
            kind: "postgres",
            file: "postgres-globals.sql".into(),
            bytes: b"CREATE ROLE tars;\n".to_vec(),
            store: false,
        },
        Part {
            component: "redis",
            kind: "redis",
            file: "redis-dump.rdb".into(),
            bytes: b"REDIS0010\xfa\x09redis-ver\x057.0.15".to_vec(),
            store: false,
        },
        Part {
            component: "configuration",
            kind: "files",
            file: "config/tars-home.env.redacted".into(),
            bytes: b"TARS_POSTGRES_USER=tars\nTARS_POSTGRES_PASSWORD=<REDACTED>\n".to_vec(),
            store: false,
        },
        Part {
            component: "configuration",
            kind: "files",
            file: "config/docker-compose.home.yml".into(),
            bytes: b"services:\n  postgres:\n    image: postgres:15\n".to_vec(),
            store: false,
        },
    ]
}

/// A format-2 manifest and the members for `parts`, through the engine's manifest builder.
pub fn manifest_for(parts: &[Part], profile: &str) -> (Manifest, Vec<Member>) {
    let mut m = Manifest::new_v2(Header {
        profile: profile.into(),
        kind: ArchiveKind::Backup,
        host: "testhost".into(),
        docker_volumes: vec!["tars-home_chroma_data".into()],
        options: [("include_models".to_string(), serde_json::json!(false))].into(),
    });
    let mut members = Vec::new();
    let mut components: Vec<&str> = parts.iter().map(|p| p.component).collect();
    components.dedup();
    for c in components {
        let mine: Vec<&Part> = parts.iter().filter(|p| p.component == c).collect();
        let records = mine
            .iter()
            .map(|p| {
                let member = Member {
                    name: p.file.clone(),
                    source: Source::Bytes(p.bytes.clone()),
                    store: p.store,
                };
                let rec = member.record().unwrap();
                members.push(member);
                rec
            })
            .collect();
        let folder = mine[0].file.split_once('/').map(|(f, _)| f.to_string());
        let details = ComponentDetails {
            kind: Some(mine[0].kind.to_string()),
            capture_mode: Some("logical_dump".into()),
            ..Default::default()
        };
        m.record_component(c, details, folder.as_deref(), records);
    }
    (m, members)
}

pub fn when(s: &str) -> jiff::Zoned {
    s.parse().unwrap()
}

/// Writes a typical archive into `dir` through the real writer.
pub fn write_archive(dir: &Path, at: &str) -> Committed {
    write_parts(dir, at, &tars_parts())
}

pub fn write_parts(dir: &Path, at: &str, parts: &[Part]) -> Committed {
    let (manifest, members) = manifest_for(parts, "tars-home");
    writer::write(
        ArchiveRequest {
            dir: dir.to_path_buf(),
            prefix: "tars-backup".into(),
            when: when(at),
            manifest,
            members,
        },
        &Silent,
        &Cancel::new(),
    )
    .unwrap()
}

/// Runs a shell command in `dir`, returning its output.
pub fn sh(dir: &Path, script: &str) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A tree hash (path, type, mode, size, content) of a folder: proof nothing in it changed.
pub fn tree_hash(dir: &Path) -> String {
    let out = sh(
        dir,
        "find . -printf '%p %y %m %s %T@\\n' | LC_ALL=C sort; find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum",
    );
    assert!(out.status.success());
    stdout(&out)
}

pub const UTC_NOON: &str = "2026-01-03T14:00:00+00:00[UTC]";

/// A tar entry written byte for byte (the tar crate's builder refuses hostile names).
#[derive(Clone)]
pub enum Raw {
    File(Vec<u8>, Vec<u8>),
    Dir(Vec<u8>),
    Symlink(Vec<u8>, Vec<u8>),
    HardLink(Vec<u8>, Vec<u8>),
    /// Any other type flag (`'3'` char device, `'6'` FIFO, `'S'` sparse...).
    Other(Vec<u8>, u8),
    /// A file whose header claims `size` bytes but whose data is zeros (bombs).
    Zeros(Vec<u8>, u64),
}

pub fn raw_tar(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_767_448_800);
        let (name, kind, data, link): (&[u8], tar::EntryType, Vec<u8>, Option<&[u8]>) = match e {
            Raw::File(n, d) => (n, tar::EntryType::Regular, d.clone(), None),
            Raw::Dir(n) => (n, tar::EntryType::Directory, Vec::new(), None),
            Raw::Symlink(n, t) => (n, tar::EntryType::Symlink, Vec::new(), Some(t)),
            Raw::HardLink(n, t) => (n, tar::EntryType::Link, Vec::new(), Some(t)),
            Raw::Other(n, flag) => (n, tar::EntryType::new(*flag), Vec::new(), None),
            Raw::Zeros(n, _) => (n, tar::EntryType::Regular, Vec::new(), None),
        };
        assert!(name.len() < 100, "raw names must fit the header");
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name = [0; 100];
        gnu.name[..name.len()].copy_from_slice(name);
        if let Some(l) = link {
            gnu.linkname = [0; 100];
            gnu.linkname[..l.len()].copy_from_slice(l);
        }
        h.set_entry_type(kind);
        let size = if let Raw::Zeros(_, s) = e {
            *s
        } else {
            data.len() as u64
        };
        h.set_size(size);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        if let Raw::Zeros(_, s) = e {
            out.resize(out.len() + (s.div_ceil(512) * 512) as usize, 0);
        } else {
            out.extend_from_slice(&data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// Writes `tar_bytes` gzipped as `dir/<name>.tar.gz` with a matching sidecar; returns its path.
pub fn write_raw_archive(dir: &Path, name: &str, tar_bytes: &[u8]) -> PathBuf {
    let path = dir.join(format!("{name}.tar.gz"));
    std::fs::write(&path, gzip(tar_bytes)).unwrap();
    reseal(&path);
    path
}

/// Rewrites the sidecar to match the file as it is now (a "consistent" corruption).
pub fn reseal(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    let line = format!(
        "{}  {name}\n",
        hex::encode(lifeboat::engine::archive::gz::sha256(&bytes))
    );
    std::fs::write(format!("{}.sha256", path.display()), line).unwrap();
}

/// The raw tar entries of a good format-2 archive named `name` for `parts`, manifest first.
pub fn good_entries(name: &str, parts: &[Part]) -> (Manifest, Vec<Raw>) {
    let (mut m, _) = manifest_for(parts, "tars-home");
    m.backup_name = name.to_string();
    m.timestamp = "2026-01-03T14:00:00+00:00".into();
    let mut entries = vec![
        Raw::Dir(format!("{name}/").into_bytes()),
        Raw::File(
            format!("{name}/manifest.json").into_bytes(),
            m.to_json_pretty().into_bytes(),
        ),
    ];
    let mut dirs = std::collections::BTreeSet::new();
    for p in parts {
        if let Some((d, _)) = p.file.split_once('/')
            && dirs.insert(d.to_string())
        {
            entries.push(Raw::Dir(format!("{name}/{d}/").into_bytes()));
        }
        entries.push(Raw::File(
            format!("{name}/{}", p.file).into_bytes(),
            p.bytes.clone(),
        ));
    }
    (m, entries)
}

/// Runs `lifeboat verify` on `path`; returns (exit code, stdout, stderr).
pub fn verify_cli(path: &Path) -> (i32, String, String) {
    let o = run(lifeboat().args(["verify", "--no-progress", path.to_str().unwrap()]));
    (code(&o), stdout(&o), stderr(&o))
}

/// The checks every refusal must pass: the code, one stderr line naming the file, no panic,
/// no raw escape reaching the terminal.
pub fn assert_refused(path: &Path, expected_code: i32, what: &str) -> String {
    let (c, out, err) = verify_cli(path);
    assert_eq!(
        c, expected_code,
        "{what}: exit {c}\nstdout: {out}\nstderr: {err}"
    );
    assert!(
        !err.contains("panicked") && !out.contains("panicked"),
        "{what}: panic\n{err}"
    );
    assert!(
        !err.contains('\x1b') && !out.contains('\x1b'),
        "{what}: raw escape reached the terminal"
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: stderr must be one line:\n{err}");
    let file = path.file_name().unwrap().to_str().unwrap();
    assert!(
        lines[0].contains(file),
        "{what}: stderr does not name {file}: {err}"
    );
    err
}

/// An example program built beside the tests. `cargo test --all-targets` builds
/// examples only as test harnesses, so `scripts/test` runs `cargo build --examples` first.
pub fn example_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let p = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        p.exists(),
        "{} is missing: run `cargo build --examples` first (scripts/test does)",
        p.display()
    );
    p
}

/// Archives in `dir` that have a sidecar (committed).
pub fn committed_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".sha256").map(|a| dir.join(a))
        })
        .collect();
    v.sort();
    v
}

/// A mount over a folder of the test (`how` with DIR for the folder), unmounted on drop.
pub struct Mount(std::path::PathBuf);

impl Mount {
    pub fn new(dir: &Path, how: &str) -> Mount {
        std::fs::create_dir_all(dir).unwrap();
        let o = sh(dir, &how.replace("DIR", &dir.display().to_string()));
        assert!(o.status.success(), "{how}: {}", stderr(&o));
        Mount(dir.to_path_buf())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}
