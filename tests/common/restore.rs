//! Helpers for the restore tests: real clients reading the live stack (psql, redis-cli, the
//! Chroma API, a tree listing of the models volume), container start times to prove nothing
//! was stopped, and archives rewritten through the real writer with an edited manifest or
//! member (the fixtures a version or fingerprint refusal needs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use lifeboat::engine::archive::Manifest;
use lifeboat::engine::archive::writer::{self, ArchiveRequest, Member, Source};
use lifeboat::engine::progress::{Cancel, Silent};
use sha2::{Digest, Sha256};

use super::backup::Env;
use super::testbed::{Stack, docker};
use super::{code, stderr, stdout};

/// `lifeboat restore --backup-file A ARGS` in the environment.
pub fn restore(env: &Env, archive: &Path, args: &[&str]) -> Output {
    let mut c = env.lifeboat();
    c.args(["restore", "--backup-file", archive.to_str().unwrap()]);
    c.args(args);
    let o = c.output().unwrap();
    eprintln!(
        "restore {args:?} exited {}:\n{}{}",
        code(&o),
        stdout(&o),
        stderr(&o)
    );
    o
}

/// One SQL statement on a database of the stack's server, through psql in its container.
pub fn psql(stack: &Stack, db: &str, sql: &str) -> String {
    let o = docker(&[
        "exec",
        "-e",
        &format!("PGPASSWORD={}", stack.env("TARS_POSTGRES_PASSWORD")),
        &format!("{}-postgres", stack.project),
        "psql",
        "-X",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-U",
        "tars",
        "-d",
        db,
        "-c",
        sql,
    ]);
    assert!(o.status.success(), "psql {sql}: {}", stderr(&o));
    stdout(&o).trim().to_string()
}

/// The databases of the server, sorted.
pub fn databases(stack: &Stack) -> Vec<String> {
    psql(
        stack,
        "postgres",
        "SELECT datname FROM pg_database ORDER BY 1",
    )
    .lines()
    .map(str::to_string)
    .collect()
}

/// `pg_dump` of the live database, without the per-run `\restrict` key lines.
pub fn pg_dump(stack: &Stack) -> String {
    let o = docker(&[
        "exec",
        "-e",
        &format!("PGPASSWORD={}", stack.env("TARS_POSTGRES_PASSWORD")),
        &format!("{}-postgres", stack.project),
        "pg_dump",
        "--clean",
        "--if-exists",
        "-h",
        "127.0.0.1",
        "-U",
        "tars",
        "-d",
        "tars_home",
    ]);
    assert!(o.status.success(), "pg_dump: {}", stderr(&o));
    stdout(&o)
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn redis(stack: &Stack, args: &[&str]) -> String {
    let mut a = vec![
        "exec".to_string(),
        "-e".into(),
        format!("REDISCLI_AUTH={}", stack.env("TARS_REDIS_PASSWORD")),
        format!("{}-redis", stack.project),
        "redis-cli".into(),
    ];
    a.extend(args.iter().map(|s| s.to_string()));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let o = docker(&a);
    assert!(o.status.success(), "redis-cli {args:?}: {}", stderr(&o));
    stdout(&o).trim().to_string()
}

/// A digest over every key without a TTL and its DUMP, computed inside Redis.
pub fn redis_digest(stack: &Stack) -> String {
    const SCRIPT: &str = r#"
local keys, cursor = {}, "0"
repeat
  local r = redis.call('SCAN', cursor, 'COUNT', 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do
    if redis.call('TTL', k) == -1 then table.insert(keys, k) end
  end
until cursor == "0"
table.sort(keys)
local acc = {}
for _, k in ipairs(keys) do
  table.insert(acc, k)
  table.insert(acc, redis.sha1hex(redis.call('DUMP', k)))
end
return #keys .. ":" .. redis.sha1hex(table.concat(acc, "\n"))
"#;
    redis(stack, &["EVAL", SCRIPT, "0"])
}

/// Every Chroma collection with its count and a hash of its sorted ids and embeddings.
pub fn chroma_state(stack: &Stack) -> String {
    const SCRIPT: &str = r#"
import json, hashlib, urllib.request as u
b = 'http://127.0.0.1:8000/api/v2/tenants/default_tenant/databases/default_database/collections'
out = {}
for c in json.load(u.urlopen(b + '?limit=1000')):
    req = u.Request(b + '/' + c['id'] + '/get', data=json.dumps({'include': ['embeddings'], 'limit': 100000}).encode(), headers={'Content-Type': 'application/json'})
    got = json.load(u.urlopen(req))
    pairs = sorted(zip(got['ids'], [json.dumps(e) for e in got['embeddings']]))
    out[c['name']] = [len(pairs), hashlib.sha256(json.dumps(pairs).encode()).hexdigest()]
print(json.dumps(out, sort_keys=True))
"#;
    chroma_ready(stack);
    let o = stack.sh(
        "chromadb",
        &format!("python3 -c \"{}\"", SCRIPT.replace('"', "\\\"")),
    );
    assert!(o.status.success(), "chroma state: {}", stderr(&o));
    stdout(&o).trim().to_string()
}

/// Waits until Chroma's API answers (it restarts after every stopped copy).
pub fn chroma_ready(stack: &Stack) {
    let script = "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/api/v2/heartbeat', timeout=5)";
    let name = format!("{}-chromadb", stack.project);
    super::backup::wait_for("chroma's API", || {
        docker(&["exec", &name, "python3", "-c", script])
            .status
            .success()
    });
}

/// Runs a Python snippet against Chroma's API inside its container (`what` for the message).
fn chroma_api(stack: &Stack, what: &str, script: &str) {
    chroma_ready(stack);
    let o = docker(&[
        "exec",
        &format!("{}-chromadb", stack.project),
        "python3",
        "-c",
        script,
    ]);
    assert!(o.status.success(), "{what}: {}", stderr(&o));
}

const COLLECTIONS: &str =
    "http://127.0.0.1:8000/api/v2/tenants/default_tenant/databases/default_database/collections";

/// Deletes a Chroma collection through the API.
pub fn chroma_delete(stack: &Stack, name: &str) {
    chroma_api(
        stack,
        "delete collection",
        &format!(
            "import urllib.request as u; u.urlopen(u.Request('{COLLECTIONS}/{name}', method='DELETE'))"
        ),
    );
}

/// Creates an empty Chroma collection through the API.
pub fn chroma_create(stack: &Stack, name: &str) {
    chroma_api(
        stack,
        "create collection",
        &format!(
            "import json, urllib.request as u; u.urlopen(u.Request('{COLLECTIONS}', data=json.dumps({{'name': '{name}'}}).encode(), headers={{'Content-Type': 'application/json'}}))"
        ),
    );
}

/// Whether the stack's Redis answers a PING (with its password).
pub fn redis_answers(stack: &Stack) -> bool {
    docker(&[
        "exec",
        "-e",
        &format!("REDISCLI_AUTH={}", stack.env("TARS_REDIS_PASSWORD")),
        &format!("{}-redis", stack.project),
        "redis-cli",
        "ping",
    ])
    .status
    .success()
}

/// Paths, types, owners, modes, sizes and content hashes of the models folder.
pub fn models_tree(stack: &Stack) -> String {
    let o = stack.sh(
        "ollama",
        "cd /root/.ollama && (find . -path './.lifeboat-*' -prune -o -printf '%p %y %U:%G %m %s\\n' | sort; find . -path './.lifeboat-*' -prune -o -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum",
    );
    assert!(o.status.success(), "models tree: {}", stderr(&o));
    stdout(&o).trim().to_string()
}

/// When each of the stack's containers last started: unchanged means never stopped.
pub fn started_at(stack: &Stack) -> BTreeMap<String, String> {
    ["postgres", "redis", "chromadb", "ollama", "backend"]
        .iter()
        .map(|s| {
            let name = format!("{}-{s}", stack.project);
            let o = docker(&[
                "inspect",
                "-f",
                "{{.State.StartedAt}} {{.State.Running}}",
                &name,
            ]);
            (name, stdout(&o).trim().to_string())
        })
        .collect()
}

/// Leftovers a restore must never leave: scratch or kept-aside databases, kept-aside folders.
pub fn assert_no_leftovers(stack: &Stack) {
    let dbs = databases(stack);
    assert!(
        dbs.iter().all(|d| !d.contains("__lifeboat_")
            && !d.contains("__pre_")
            && !d.contains("__failed_")),
        "leftover databases: {dbs:?}"
    );
    for (svc, dir) in [
        ("redis", "/data"),
        ("chromadb", "/data"),
        ("ollama", "/root/.ollama"),
    ] {
        let o = stack.sh(svc, &format!("ls -A {dir}"));
        let listing = stdout(&o);
        assert!(!listing.contains(".lifeboat-"), "{svc} {dir}: {listing}");
    }
    let o = docker(&[
        "ps",
        "-a",
        "--filter",
        "label=lifeboat.oneoff",
        "--format",
        "{{.Names}}",
    ]);
    assert!(
        stdout(&o).trim().is_empty(),
        "one-off containers left: {}",
        stdout(&o)
    );
}

/// Rewrites `archive` into `dir` through the real writer after `edit` changed its manifest or
/// members; checksums, sizes and hashes are recomputed so the result is a valid, committed
/// archive that says what the test wants.
pub fn rewrite(
    archive: &Path,
    dir: &Path,
    edit: impl FnOnce(&mut Manifest, &mut BTreeMap<String, Vec<u8>>),
) -> PathBuf {
    let x = tempfile::tempdir().unwrap();
    let root = super::backup::extract(archive, x.path());
    let mut manifest =
        Manifest::parse(&std::fs::read(root.join("manifest.json")).unwrap()).unwrap();
    let mut files = BTreeMap::new();
    for name in manifest.checksums.keys() {
        files.insert(name.clone(), std::fs::read(root.join(name)).unwrap());
    }
    edit(&mut manifest, &mut files);
    let hex = |b: &[u8]| hex::encode(Sha256::digest(b));
    for (name, bytes) in &files {
        manifest.checksums.insert(name.clone(), hex(bytes));
    }
    for d in manifest.details_mut().values_mut() {
        if let Some(b) = files.get(&d.file) {
            d.size = b.len() as u64;
            d.sha256 = hex(b);
        }
        for e in &mut d.extra_files {
            if let Some(b) = files.get(&e.file) {
                e.size = b.len() as u64;
                e.sha256 = hex(b);
            }
        }
    }
    let members = files
        .into_iter()
        .map(|(name, bytes)| Member {
            store: name.ends_with(".gz"),
            name,
            source: Source::Bytes(bytes),
        })
        .collect();
    std::fs::create_dir_all(dir).unwrap();
    let committed = writer::write(
        ArchiveRequest {
            dir: dir.to_path_buf(),
            prefix: "tars-backup".into(),
            when: jiff::Zoned::now(),
            manifest,
            members,
        },
        &Silent,
        &Cancel::new(),
    )
    .unwrap();
    committed.archive
}
