//! Manifest parsing: version-1 quirks, format-2 consistency, hostile documents.

use super::*;
use crate::engine::archive::expected::folder_hash_sorted;

const H1: &str = "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3";
const H2: &str = "b3a8e0e1f9ab1bfe3a36f231f676f78bb30a519d2b21e6c530c0eee8ebb4a5d0";

/// The manifest `backup-tars.sh` writes (its heredoc, with `[""]` for no failures).
fn v1_text() -> String {
    format!(
        r#"{{
    "version": "1.0.12",
    "timestamp": "2026-01-03T14:00:00+00:00",
    "backup_name": "tars-backup-20260103_140000",
    "components": ["chromadb","postgres","redis","configuration"],
    "checksums": {{"chromadb.tar.gz":"{H1}","postgres.sql.gz":"sha256:{H2}","redis-dump.rdb":"{H1}","config/":"{H2}"}},
    "host": "tars-home-server",
    "docker_volumes": ["deploy_chroma_data","deploy_postgres_data","deploy_redis_data"],
    "options": {{"include_models": false, "skip_postgres": false, "skip_chromadb": false, "skip_redis": false}},
    "failed_components": [""]
}}"#
    )
}

#[test]
fn version_1_parses_with_its_quirks() {
    let m = Manifest::parse(v1_text().as_bytes()).unwrap();
    assert!(m.is_v1());
    assert_eq!(m.format(), 1);
    assert!(m.failed().is_empty(), "[\"\"] means no failures");
    let exp = m.expected().unwrap();
    assert_eq!(exp.files.len(), 3);
    assert_eq!(exp.files["postgres.sql.gz"].component, "postgres");
    assert_eq!(exp.files["postgres.sql.gz"].size, None);
    assert_eq!(
        hex::encode(exp.files["postgres.sql.gz"].sha256),
        H2,
        "sha256: prefix accepted"
    );
    assert_eq!(exp.folders.len(), 1);
    assert_eq!(exp.folders[0].name, "config/");
    assert!(m.instant().is_some());
}

#[test]
fn version_1_component_without_its_checksum_is_refused() {
    let text = v1_text().replace(&format!("\"redis-dump.rdb\":\"{H1}\","), "");
    let e = Manifest::parse(text.as_bytes()).unwrap_err();
    assert!(e.0.contains("redis"), "{e}");
}

fn v2() -> Manifest {
    let mut m = Manifest::parse(v1_text().as_bytes()).unwrap();
    m.format = Some(2);
    m.warnings = Some(Vec::new());
    m.failed_components.clear();
    m.checksums.clear();
    m.components = vec!["postgres".into(), "configuration".into()];
    m.checksums.insert("postgres.sql.gz".into(), H1.into());
    m.checksums.insert("postgres-globals.sql".into(), H2.into());
    let cfg = vec![
        ("a.env".to_string(), [1u8; 32]),
        ("b.yml".to_string(), [2u8; 32]),
    ];
    let folder = folder_hash_sorted(&cfg);
    m.checksums.insert("config/".into(), hex::encode(folder));
    let mut extra = Vec::new();
    for (name, h) in &cfg {
        m.checksums.insert(format!("config/{name}"), hex::encode(h));
        extra.push(FileRecord {
            file: format!("config/{name}"),
            size: 5,
            sha256: hex::encode(h),
        });
    }
    m.details_mut().insert(
        "postgres".into(),
        ComponentDetails {
            file: "postgres.sql.gz".into(),
            size: 100,
            sha256: H1.into(),
            extra_files: vec![FileRecord {
                file: "postgres-globals.sql".into(),
                size: 7,
                sha256: H2.into(),
            }],
            ..Default::default()
        },
    );
    m.details_mut().insert(
        "configuration".into(),
        ComponentDetails {
            file: "config/".into(),
            size: 10,
            sha256: hex::encode(folder),
            extra_files: extra,
            ..Default::default()
        },
    );
    m
}

#[test]
fn format_2_round_trips_and_declares_every_file() {
    let m = v2();
    let back = Manifest::parse(m.to_json_pretty().as_bytes()).unwrap();
    assert_eq!(back, m);
    let exp = back.expected().unwrap();
    let names: Vec<&str> = exp.files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "config/a.env",
            "config/b.yml",
            "postgres-globals.sql",
            "postgres.sql.gz"
        ]
    );
    assert_eq!(exp.declared_bytes(), 100 + 7 + 10);
}

#[test]
fn format_2_inconsistencies_are_refused() {
    let mut m = v2();
    m.checksums.insert("postgres.sql.gz".into(), H2.into());
    assert!(
        Manifest::parse(m.to_json_pretty().as_bytes()).is_err(),
        "details and checksums disagree"
    );

    let mut m = v2();
    m.details_mut().get_mut("configuration").unwrap().size = 11;
    assert!(
        Manifest::parse(m.to_json_pretty().as_bytes()).is_err(),
        "folder size does not add up"
    );

    let mut m = v2();
    m.checksums.insert("stray.bin".into(), H1.into());
    assert!(
        Manifest::parse(m.to_json_pretty().as_bytes()).is_err(),
        "undeclared checksum"
    );

    let mut m = v2();
    m.components.push("redis".into());
    assert!(
        Manifest::parse(m.to_json_pretty().as_bytes()).is_err(),
        "component without details"
    );

    let mut m = v2();
    m.format = Some(3);
    let e = Manifest::parse(m.to_json_pretty().as_bytes()).unwrap_err();
    assert!(e.0.contains("upgrade lifeboat"), "{e}");
}

#[test]
fn format_2_always_has_warnings_and_details() {
    let mut m = v2();
    m.warnings = None;
    assert!(Manifest::parse(m.to_json_pretty().as_bytes()).is_err());
    let text = v2().to_json_pretty();
    assert!(text.contains("\"warnings\": []"), "{text}");
    let v1 = Manifest::parse(v1_text().as_bytes()).unwrap();
    assert!(
        !v1.to_json_pretty().contains("warnings"),
        "a version-1 manifest re-serializes without added keys"
    );
}

#[test]
fn hostile_documents_are_refused_cleanly() {
    let base = v1_text();
    let cases: Vec<(String, &str)> = vec![
        (base.replace("\"1.0.12\"", "1e400"), "huge float"),
        (
            base.replace("\"1.0.12\"", "18446744073709551616"),
            "u64 overflow",
        ),
        (base.replace("[\"\"]", "\"none\""), "wrong type"),
        (
            base.replace(
                "\"host\": \"tars-home-server\",",
                "\"host\": \"a\", \"host\": \"b\",",
            ),
            "duplicate key",
        ),
        (
            base.replace("\"chromadb\",", "\"../etc\","),
            "component name with slash",
        ),
        (
            base.replace("\"chromadb\",", "\"\\u001b[2Jevil\","),
            "escape in component name",
        ),
        (
            base.replace("chromadb.tar.gz\":", "../../x.tar.gz\":"),
            "traversal in checksums",
        ),
        (
            base.replace("chromadb.tar.gz\":", "/etc/x\":"),
            "absolute path in checksums",
        ),
        (base.replace(&format!("\"{H1}\""), "\"abc\""), "short hash"),
        (
            base.replace("tars-backup-20260103_140000\",", "x\","),
            "bad backup name",
        ),
        (format!("{base} {{}}"), "trailing document"),
        ("[".repeat(10_000), "deep nesting"),
        (String::from("{}"), "missing fields"),
        (String::new(), "empty"),
    ];
    for (text, what) in cases {
        assert!(Manifest::parse(text.as_bytes()).is_err(), "{what} accepted");
    }
    let huge = format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_MANIFEST_BYTES as usize));
    assert!(
        Manifest::parse(huge.as_bytes())
            .unwrap_err()
            .0
            .contains("more than")
    );
}

#[test]
fn errors_never_carry_raw_escapes() {
    let text = v1_text().replace("\"chromadb\",", "\"\\u001b]0;pwned\\u0007\",");
    let e = Manifest::parse(text.as_bytes()).unwrap_err();
    assert!(!e.0.contains('\x1b') && !e.0.contains('\x07'), "{e:?}");
}

#[test]
fn unknown_keys_survive_reserialization() {
    let text = v1_text().replace("\"host\":", "\"future_key\": {\"a\": [1, 2]}, \"host\":");
    let m = Manifest::parse(text.as_bytes()).unwrap();
    assert_eq!(m.extra["future_key"]["a"][1], 2);
    assert!(m.to_json_pretty().contains("future_key"));
}
