//! `lifeboat backup` on the reference stack, proven with real clients: the archive passes
//! `sha256sum -c` and lists in the runbook layout; the dump loads into a fresh PostgreSQL with
//! the recorded row counts; a fresh Redis loads the RDB with the recorded keys; a ChromaDB
//! started on the extracted folder returns the recorded collections; model blobs match their
//! names; the redacted configuration holds no planted secret.

use crate::common::backup::*;
use crate::common::testbed::{docker, shared_stack};
use crate::common::*;

const PROJECT: &str = "lbt-backup";

#[test]
fn a_full_backup_is_proven_by_real_clients() {
    let stack = shared_stack(PROJECT);
    let _g = serial();
    let env = Env::new(stack);
    let o = env.backup(&["--include-models"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let archive = env.archive();
    let file = archive.file_name().unwrap().to_str().unwrap().to_string();
    let check = sh(&env.out(), &format!("sha256sum -c {file}.sha256"));
    assert!(check.status.success(), "{}", stderr(&check));
    let list = stdout(&sh(&env.out(), &format!("tar -tzf {file}")));
    let n = file.trim_end_matches(".tar.gz");
    for member in [
        "manifest.json",
        "chromadb.tar.gz",
        "postgres.sql.gz",
        "postgres-globals.sql",
        "redis-dump.rdb",
        "config/",
        "ollama-models.tar.gz",
    ] {
        assert!(
            list.lines().any(|l| l == format!("{n}/{member}")),
            "{member} not in:\n{list}"
        );
    }
    let v = run(env.lifeboat().args(["verify", archive.to_str().unwrap()]));
    assert_eq!(code(&v), 0, "{}", stdout(&v));
    let m = manifest_of(&archive);
    assert_eq!(m["failed_components"], serde_json::json!([]));
    let x = extract(&archive, &env.dir.path().join("x"));

    // PostgreSQL: a fresh server, the owner role first, then the dump with ON_ERROR_STOP.
    let pg = FreshPostgres::load(&x);
    let tables = m["details"]["postgres"]["fingerprint"]["tables"]
        .as_object()
        .unwrap()
        .clone();
    assert!(tables.len() >= 4);
    for (t, n) in &tables {
        let got = pg.query(&format!("select count(*) from {t}"));
        assert_eq!(got, n.to_string(), "rows of {t}");
    }
    assert_eq!(tables["public.messages"], 12340);
    assert_eq!(m["details"]["postgres"]["fingerprint"]["owner"], "tars");

    // Redis: the container's own redis-check-rdb accepts it; a fresh server loads it.
    let rd = fresh_redis(&x);
    let fp = &m["details"]["redis"]["fingerprint"];
    let check = docker(&["exec", &rd.0, "redis-check-rdb", "/data/dump.rdb"]);
    assert!(
        stdout(&check).contains("RDB looks OK"),
        "{}",
        stdout(&check)
    );
    let keys: u64 = stdout(&docker(&["exec", &rd.0, "redis-cli", "dbsize"]))
        .trim()
        .parse()
        .unwrap();
    assert!(
        keys > 5000 && keys <= fp["keys"].as_u64().unwrap(),
        "dbsize {keys} vs {fp}"
    );
    assert_eq!(
        keys,
        fp["keys"].as_u64().unwrap() - fp["already_expired"].as_u64().unwrap()
    );
    assert_eq!(fp["appendonly"], true);

    // ChromaDB: a fresh server on the extracted persist folder.
    let ch = Scratch(format!("lbt-bk-chroma-{}", std::process::id()));
    assert!(
        docker(&[
            "create",
            "--name",
            &ch.0,
            "-v",
            &format!("{}-data:/data", ch.0),
            &image("chromadb")
        ])
        .status
        .success()
    );
    let up = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "gzip -dc {} | docker cp - {}:/data",
            x.join("chromadb.tar.gz").display(),
            ch.0
        ))
        .output()
        .unwrap();
    assert!(up.status.success(), "{}", stderr(&up));
    assert!(docker(&["start", &ch.0]).status.success());
    let query = "import json,chromadb; c=chromadb.HttpClient(host='127.0.0.1',port=8000); print(json.dumps({x.name: x.count() for x in c.list_collections()}))";
    wait_for("fresh chroma", || {
        docker(&["exec", &ch.0, "python3", "-c", query])
            .status
            .success()
    });
    let got: serde_json::Value =
        serde_json::from_str(stdout(&docker(&["exec", &ch.0, "python3", "-c", query])).trim())
            .unwrap();
    assert_eq!(got, m["details"]["chromadb"]["fingerprint"]["collections"]);
    assert_eq!(got["tars_home_documents"], 2000);

    // Models: every blob is named by its own SHA-256.
    let models = env.dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    assert!(
        sh(
            &models,
            &format!("tar -xzf {}", x.join("ollama-models.tar.gz").display())
        )
        .status
        .success()
    );
    let o = sh(
        &models,
        "cd models/blobs && n=0; for f in sha256-*; do [ \"sha256-$(sha256sum $f | cut -c1-64)\" = \"$f\" ] || echo BAD $f; n=$((n+1)); done; echo $n",
    );
    assert!(
        !stdout(&o).contains("BAD") && stdout(&o).trim().parse::<u32>().unwrap() >= 6,
        "{}",
        stdout(&o)
    );
    assert_eq!(m["details"]["ollama"]["root_owner"], "0:0");

    // Configuration: no planted secret, the ordinary settings kept.
    let cfg = sh(&x, "cat config/*");
    let text = stdout(&cfg);
    assert!(
        !text.contains("LBCANARY"),
        "a secret survived redaction:\n{text}"
    );
    for kept in [
        "LOG_LEVEL=info",
        "TARS_POSTGRES_USER=tars",
        "TARS_POSTGRES_DB=tars_home",
        "OLLAMA_MODEL=mistral:7b-instruct",
        "image: ${IMAGE_POSTGRES}",
        "restart: unless-stopped",
    ] {
        assert!(text.contains(kept), "{kept} lost in redaction");
    }
    let redacted = &m["details"]["configuration"]["fingerprint"]["redacted_keys"];
    assert!(
        redacted.to_string().contains("TARS_POSTGRES_PASSWORD"),
        "{redacted}"
    );
}
