//! Redaction: the T.A.R.S. leaks (§1.7 of the reference), the settings that must survive, each
//! format's structure, the test stack's real files, and planted canaries in many shapes.

use super::*;

pub(super) fn red(name: &str, text: &str) -> (String, Redacted) {
    let r = redact(name, text.as_bytes());
    (String::from_utf8(r.bytes.clone()).unwrap(), r)
}

pub(super) fn out(name: &str, text: &str) -> String {
    red(name, text).0
}

/// Asserts that redacting `text` changes nothing at all.
pub(super) fn kept(name: &str, text: &str) {
    let r = redact(name, text.as_bytes());
    assert_eq!(String::from_utf8_lossy(&r.bytes), text, "{name} changed");
    assert_eq!((r.count, r.keys.len()), (0, 0), "{name}");
}

/// Indentation, keys and list dashes of each YAML line: what must not change.
pub(super) fn skeleton(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| {
            let ind = l.len() - l.trim_start().len();
            let rest = &l[ind..];
            let dashes = rest.len() - rest.trim_start_matches(['-', ' ']).len();
            let key = yaml_key(&rest[dashes..]).map_or("", |(k, _)| k);
            format!("{ind}|{}|{key}", &rest[..dashes])
        })
        .collect()
}

const DIGEST: &str = "sha256:9b7cb2f6ca0bd6e0b21ec7d5a1a4e0b2b0c4c2f1a5d7e8f9a0b1c2d3e4f5a6b7";
const VOLUME: &str =
    "/var/lib/docker/volumes/3f9a2c1e8b7d6f5a4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4_data";
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
const SK_PROJ: &str = "sk-proj-Ab3_dEf-GhI9jKlMnOpQrStUvWxYz0123456789-abcDEF_ghiJKL";

#[test]
fn the_tars_env_leaks_are_caught() {
    let env = "DATABASE_URL=postgres://u:pw@db:5432/app\n\
               export POSTGRES_PASSWORD=hunter2\n\
               MINIO_ROOT_PASS=minio-pass\n\
               lowercase_password=lower\n\
               WEBHOOK_URL=https://hooks.slack.com/services/T0000/B0000/XXXXhooksecret\n";
    let (o, r) = red(".env", env);
    assert_eq!(
        o,
        "DATABASE_URL=<REDACTED>\nexport POSTGRES_PASSWORD=<REDACTED>\nMINIO_ROOT_PASS=<REDACTED>\n\
         lowercase_password=<REDACTED>\nWEBHOOK_URL=<REDACTED>\n"
    );
    assert_eq!(
        r.keys,
        [
            "DATABASE_URL",
            "POSTGRES_PASSWORD",
            "MINIO_ROOT_PASS",
            "lowercase_password",
            "WEBHOOK_URL"
        ]
    );
    assert_eq!(r.count, 5);
}

#[test]
fn yaml_quoted_values_with_spaces_go_whole_and_keep_their_quotes() {
    let y = "password: \"hunter2 with space\"\nother_password: 'it''s secret'\nsmtp: plain words here # note\n";
    let (o, r) = red("app.yml", y);
    assert_eq!(
        o,
        "password: \"<REDACTED>\"\nother_password: '<REDACTED>'\nsmtp: <REDACTED> # note\n"
    );
    assert_eq!(r.keys, ["password", "other_password", "smtp"]);
    assert!(!o.contains('='));
    assert_eq!(skeleton(y), skeleton(&o));
}

#[test]
fn urls_lose_their_password_even_with_an_empty_user() {
    assert_eq!(
        out("notes.txt", "redis://:pw@redis:6379"),
        "redis://:<REDACTED>@redis:6379"
    );
    assert_eq!(
        out("notes.txt", "see postgres://tars:p%40ss@db/x."),
        "see postgres://tars:<REDACTED>@db/x."
    );
    assert_eq!(
        out("a.yml", "host: redis://:pw@redis:6379/0\n"),
        "host: redis://:<REDACTED>@redis:6379/0\n"
    );
    assert_eq!(
        out(".env", "# was redis://:pw@redis\n"),
        "# was redis://:<REDACTED>@redis\n"
    );
    assert_eq!(
        out(".env", "REDIS_HOST=redis://:p@ss/w@r:1\n"),
        "REDIS_HOST=redis://:<REDACTED>@r:1\n"
    );
    kept(
        "notes.txt",
        "http://host:8080/path?x=a@b and ssh://git@github.com/a/b and http://[::1]:80/",
    );
    assert_eq!(
        out(
            "notes.txt",
            "https://api.example.com/v1?user=me&access_token=abc123&x=1"
        ),
        "https://api.example.com/v1?user=me&access_token=<REDACTED>&x=1"
    );
    assert_eq!(
        out(
            "notes.txt",
            "post to https://hooks.slack.com/services/T0/B0/xyz?a=1 now"
        ),
        "post to https://hooks.slack.com/services/<REDACTED>?a=1 now"
    );
}

#[test]
fn known_tokens_and_jwts_go_whole() {
    assert_eq!(
        out("notes.txt", &format!("key {SK_PROJ}.")),
        "key <REDACTED>"
    );
    assert_eq!(out("notes.txt", &format!("jwt={JWT}")), "jwt=<REDACTED>");
    assert_eq!(out(".env", &format!("# {JWT}\n")), "# <REDACTED>\n");
    for t in [
        "ghp_ABCdef0123456789ABCdef0123456789abcd",
        "github_pat_11ABCDEFG0123456789_abcdefABCDEF",
        "xoxb-123456789012-abcdefABCDEF",
        "AKIAIOSFODNN7EXAMPLE",
        "glpat-ABCdef0123456789xyz",
        "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
    ] {
        assert_eq!(
            out("notes.txt", &format!("x {t} y")),
            "x <REDACTED> y",
            "{t}"
        );
    }
    // Allowlisted values are scrubbed too.
    assert_eq!(
        out(".env", &format!("CORS_ORIGINS={SK_PROJ}\n")),
        "CORS_ORIGINS=<REDACTED>\n"
    );
    kept(
        "notes.txt",
        "task-runner sk-learn hf_hub_download_timeout ghp_short",
    );
}

#[test]
fn ordinary_settings_survive() {
    let hex = &DIGEST[7..];
    kept(
        ".env",
        &format!(
            "# settings\nLOG_LEVEL=info\nTARS_POSTGRES_USER=tars\nTARS_POSTGRES_DB=tars_home\n\
             POSTGRES_PORT=5432\nCORS_ORIGINS=http://localhost:3000,http://127.0.0.1:8080\n\
             NAS_MOUNT_POINT=/mnt/nas\nDATA_PATH={VOLUME}\nBACKUP_DIR=./data/{hex}\n\
             OLLAMA_MODEL=hf.co/bartowski/Qwen2.5-Coder-32B-Instruct-GGUF:Q4_K_M\n\
             APP_VERSION=1.2.3-rc.1+build.20240101\nIMAGE_POSTGRES=postgres@{DIGEST}\n\
             REQUEST_TIMEOUT_MS=3000\nTZ=Europe/Paris\nDEBUG=false\n\
             PASSWORD_REF=${{OTHER_PASSWORD}}\nAPI_KEY=\nUSE_TLS=true\n"
        ),
    );
    kept(
        "docker-compose.yml",
        &format!(
            "services:\n  db:\n    image: postgres@{DIGEST}\n    ports:\n      - \"127.0.0.1:5432:5432\"\n    \
             volumes:\n      - {VOLUME}:/data\n      - ollama:/root/.ollama/models/blobs/sha256-{hex}\n    \
             command: [\"postgres\", \"-c\", \"max_connections=200\"]\n"
        ),
    );
    kept(
        "notes.txt",
        &format!(
            "docker pull postgres@{DIGEST} then ls {VOLUME} for ollama sha256-{hex} in tars_home_documents v1.2.3"
        ),
    );
}

#[test]
fn secret_words_beat_the_allowlist() {
    let (o, r) = red(
        ".env",
        "API_KEY_PATH=/x\nSECRET_NAME=n\nAUTH_TIMEOUT=3\nSESSION_TTL=5\napiKeyName=k\nDB_USER=u\n",
    );
    assert_eq!(
        o,
        "API_KEY_PATH=<REDACTED>\nSECRET_NAME=<REDACTED>\nAUTH_TIMEOUT=<REDACTED>\nSESSION_TTL=<REDACTED>\n\
         apiKeyName=<REDACTED>\nDB_USER=u\n"
    );
    assert_eq!(r.count, 5);
    for k in [
        "MONKEY_NAME",
        "KEYBOARD",
        "PRIVATE_KEY",
        "X-Api-Key",
        "x.y.token",
        "api_key2",
    ] {
        assert!(!is_allowed(k), "{k}");
    }
    for k in [
        "LOG_LEVEL",
        "logLevel",
        "max-size",
        "com.docker.compose.project",
        "IMAGE_REDIS",
    ] {
        assert!(is_allowed(k), "{k}");
    }
}

#[test]
fn env_forms_are_all_assignments() {
    let env = "export A_PASSWORD=\"x y\"  # c\nB_TOKEN='x'\n  C_SECRET = spaced value\n\
               # OLD_PASSWORD=hunter2\n## LOG_LEVEL=debug\nKEY=\"line1\nline2\" # after\nPLAIN=a#b\n";
    let (o, r) = red("prod.env.local", env);
    assert_eq!(
        o,
        "export A_PASSWORD=\"<REDACTED>\"  # c\nB_TOKEN='<REDACTED>'\n  C_SECRET = <REDACTED>\n\
         # OLD_PASSWORD=<REDACTED>\n## LOG_LEVEL=debug\nKEY=\"<REDACTED>\" # after\nPLAIN=<REDACTED>\n"
    );
    assert_eq!(
        r.keys,
        ["A_PASSWORD", "B_TOKEN", "C_SECRET", "KEY", "PLAIN"]
    );
    assert_eq!(r.count, 6);
    // The shell joins `"a"b` into one value.
    assert_eq!(
        out(".env", "A_PASSWORD=\"abc\"def\n"),
        "A_PASSWORD=\"<REDACTED>\"\n"
    );
}

#[test]
fn compose_environment_in_both_forms() {
    let y = "services:\n  db:\n    image: postgres:16\n    environment:\n      - POSTGRES_USER=tars\n      \
             - POSTGRES_PASSWORD=hunter2\n      - \"REDIS_PASSWORD=two words\"\n      - LOG_LEVEL=info\n      \
             - PGDATA\n  app:\n    environment:\n      POSTGRES_USER: tars\n      POSTGRES_PASSWORD: hunter2\n      \
             SMTP_URL: smtp://mail\n      REF: ${POSTGRES_PASSWORD:?required}\n    labels:\n      \
             - \"traefik.http.middlewares.a.basicauth.users=admin:$$apr1$$x\"\n";
    let (o, r) = red("compose.yaml", y);
    let want = y
        .replace("POSTGRES_PASSWORD=hunter2", "POSTGRES_PASSWORD=<REDACTED>")
        .replace("two words", "<REDACTED>")
        .replace(
            "POSTGRES_PASSWORD: hunter2",
            "POSTGRES_PASSWORD: <REDACTED>",
        )
        .replace("smtp://mail", "<REDACTED>")
        .replace("users=admin:$$apr1$$x", "users=<REDACTED>");
    assert_eq!(o, want);
    assert_eq!(
        r.keys,
        [
            "services.db.environment.POSTGRES_PASSWORD",
            "services.db.environment.REDIS_PASSWORD",
            "services.app.environment.POSTGRES_PASSWORD",
            "services.app.environment.SMTP_URL",
            "services.app.labels.traefik.http.middlewares.a.basicauth.users",
        ]
    );
    assert_eq!(skeleton(y), skeleton(&o));
}

#[test]
fn yaml_block_scalars_and_multiline_values() {
    let y = "tls:\n  private_key: |\n    -----BEGIN PRIVATE KEY-----\n    MIIEabc\n\n    MIIEdef\n    \
             -----END PRIVATE KEY-----\n  port: 443\nscript: >-\n  echo hi\nnotes: |\n  hello\nsmtp:\n  \
             hunter2\nother: \"first\n  second\" # c\nplain_multi: one\n  two\nlist_secret:\n  - a\n  - [b, \"c\"]\n\
             flow_secret: {user: bob, pw: \"x\", on: true}\ncommand: |\n  redis-server --requirepass hunter2\n";
    let (o, r) = red("app.yaml", y);
    assert_eq!(
        o,
        "tls:\n  private_key: |\n    <REDACTED>\n    <REDACTED>\n\n    <REDACTED>\n    <REDACTED>\n  port: 443\n\
         script: >-\n  <REDACTED>\nnotes: |\n  <REDACTED>\nsmtp:\n  <REDACTED>\nother: \"<REDACTED>\" # c\n\
         plain_multi: <REDACTED>\n  <REDACTED>\nlist_secret:\n  - <REDACTED>\n  - [<REDACTED>, \"<REDACTED>\"]\n\
         flow_secret: {user: <REDACTED>, pw: \"<REDACTED>\", on: true}\n\
         command: |\n  redis-server --requirepass <REDACTED>\n"
    );
    assert_eq!(
        r.keys,
        [
            "tls.private_key",
            "script",
            "notes",
            "smtp",
            "other",
            "plain_multi",
            "list_secret",
            "flow_secret.user",
            "flow_secret.pw",
            "command"
        ]
    );
}

#[test]
fn yaml_keeps_structure_anchors_and_flags() {
    let y = "x-common: &common\n  restart: always\nauth:\n  user: bob\n  nested:\n    name: n\n\
             svc:\n  <<: *common\n  token: &tok abc\n  again: *tok\n  command:\n    - redis-server\n    \
             - --requirepass\n    - hunter2\n    - --port\n    - \"6379\"\n  entrypoint: [\"x\", \"--password\", \"pw1\"]\n\
             ---\n\"quoted key\": v\n? complex\n";
    let (o, r) = red("a.yml", y);
    assert_eq!(
        o,
        "x-common: &common\n  restart: always\nauth:\n  user: <REDACTED>\n  nested:\n    name: <REDACTED>\n\
         svc:\n  <<: *common\n  token: &tok <REDACTED>\n  again: *tok\n  command:\n    - redis-server\n    \
         - --requirepass\n    - <REDACTED>\n    - --port\n    - \"6379\"\n  entrypoint: [\"x\", \"--password\", \"<REDACTED>\"]\n\
         ---\n\"quoted key\": <REDACTED>\n? complex\n"
    );
    assert_eq!(
        r.keys,
        [
            "auth.user",
            "auth.nested.name",
            "svc.token",
            "svc.command",
            "svc.entrypoint",
            "quoted key"
        ]
    );
    assert_eq!(skeleton(y), skeleton(&o));
}

#[test]
fn json_is_redacted_by_key_and_stays_json() {
    let j = format!(
        r#"{{"server": {{"host": "0.0.0.0", "port": 8000, "log_level": "info"}},
            "database": {{"url": "postgres://u:pw@db/x", "pool_size": 10, "password": "hunter2 x"}},
            "auth": {{"user": "bob", "enabled": true, "pin": 1234}},
            "llm": {{"model": "mistral:7b", "apiKey": "{SK_PROJ}", "max_tokens": 4096}},
            "volumes": ["{VOLUME}"], "image": "postgres@{DIGEST}",
            "command": ["--token", "abc", "-v"], "hosts": [{{"name": "a", "secret": "s"}}], "empty": null}}"#
    );
    let (o, r) = red("config.json", &j);
    let v: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(v["server"]["host"], "0.0.0.0");
    assert_eq!(v["server"]["port"], 8000);
    assert_eq!(v["database"]["url"], PLACEHOLDER);
    assert_eq!(v["database"]["pool_size"], 10);
    assert_eq!(v["database"]["password"], PLACEHOLDER);
    assert_eq!(v["auth"]["user"], PLACEHOLDER);
    assert_eq!(v["auth"]["enabled"], true);
    assert_eq!(v["auth"]["pin"], PLACEHOLDER);
    assert_eq!(v["llm"]["model"], "mistral:7b");
    assert_eq!(v["llm"]["apiKey"], PLACEHOLDER);
    assert_eq!(v["llm"]["max_tokens"], PLACEHOLDER);
    assert_eq!(v["volumes"][0], VOLUME);
    assert_eq!(v["image"], format!("postgres@{DIGEST}"));
    assert_eq!(
        v["command"],
        serde_json::json!(["--token", PLACEHOLDER, "-v"])
    );
    assert_eq!(v["hosts"][0]["name"], "a");
    assert_eq!(v["hosts"][0]["secret"], PLACEHOLDER);
    assert!(v["empty"].is_null());
    assert_eq!(r.count, 8);
    assert!(
        r.keys.contains(&"database.url".to_string()) && r.keys.contains(&"command".to_string())
    );
    // Not JSON after all: the generic rules.
    let bad = r#"{"password": "hunter2", "url": "redis://:pw@r", "#;
    assert_eq!(
        out("x.json", bad),
        r#"{"password": "<REDACTED>", "url": "redis://:<REDACTED>@r", "#
    );
    // JSON in a .yml file.
    let v: Value = serde_json::from_str(&out("x.yml", r#"{"token": "abc"}"#)).unwrap();
    assert_eq!(v["token"], PLACEHOLDER);
}

#[test]
fn toml_is_line_based_and_stays_toml() {
    let t = "# app\nname = \"tars\"\nport = 8000\npassword = \"hunter2 x\" # c\npin = 1234\nenabled = true\n\
             [database]\nurl = 'postgres://u:pw@db/x'\npool_size = 10\nhosts = [\n  \"a\", # one\n  \"b\",\n]\n\
             [auth]\nuser = \"bob\"\nnote = \"\"\"\nmulti\nline\"\"\"\n[server]\ncors.origins = [\"http://localhost:3000\"]\n\
             [[jobs]]\nschedule = \"0 2 * * *\"\n";
    let (o, r) = red("config.toml", t);
    let parsed: toml::Table = toml::from_str(&o).unwrap();
    let orig: toml::Table = toml::from_str(t).unwrap();
    assert_eq!(
        parsed.keys().collect::<Vec<_>>(),
        orig.keys().collect::<Vec<_>>()
    );
    assert_eq!(parsed["name"].as_str(), Some("tars"));
    assert_eq!(parsed["port"].as_integer(), Some(8000));
    assert_eq!(parsed["password"].as_str(), Some(PLACEHOLDER));
    assert_eq!(parsed["pin"].as_str(), Some(PLACEHOLDER));
    assert_eq!(parsed["enabled"].as_bool(), Some(true));
    assert_eq!(parsed["database"]["url"].as_str(), Some(PLACEHOLDER));
    assert_eq!(parsed["database"]["pool_size"].as_integer(), Some(10));
    assert_eq!(parsed["database"]["hosts"].as_str(), Some(PLACEHOLDER));
    assert_eq!(parsed["auth"]["user"].as_str(), Some(PLACEHOLDER));
    assert_eq!(parsed["auth"]["note"].as_str(), Some(PLACEHOLDER));
    assert_eq!(
        parsed["server"]["cors"]["origins"][0].as_str(),
        Some("http://localhost:3000")
    );
    assert_eq!(parsed["jobs"][0]["schedule"].as_str(), Some("0 2 * * *"));
    assert!(o.starts_with("# app\nname = \"tars\"\n"), "{o}");
    assert!(o.contains("password = \"<REDACTED>\" # c\n"), "{o}");
    assert_eq!(
        r.keys,
        [
            "password",
            "pin",
            "database.url",
            "database.hosts",
            "auth.user",
            "auth.note"
        ]
    );
}

#[test]
fn generic_files_use_names_flags_and_shapes() {
    let (o, r) = red(
        "redis.conf",
        "requirepass hunter2\nmasterauth \"x y\"\nport 6379\n; password = old\n\
         curl -H \"Authorization: Bearer abc.def-123\" -H 'X-Api-Key: k1' https://x\n\
         docker run -e POSTGRES_PASSWORD=pw1 --token=t1 --password pw2 postgres\n\
         password: \"quoted value\", other: x\n",
    );
    assert_eq!(
        o,
        "requirepass <REDACTED>\nmasterauth <REDACTED>\nport 6379\n; password = <REDACTED>\n\
         curl -H \"Authorization: <REDACTED>\" -H 'X-Api-Key: <REDACTED>' https://x\n\
         docker run -e POSTGRES_PASSWORD=<REDACTED> --token=<REDACTED> --password <REDACTED> postgres\n\
         password: \"<REDACTED>\", other: x\n"
    );
    assert_eq!(r.count, 9);
    // Long random tokens, bare.
    assert_eq!(
        out("notes.txt", "k: 8f3Kq9ZpL2mX7vR4tY6wB1nC5dH0jE3a end"),
        "k: <REDACTED> end"
    );
    assert_eq!(
        out("notes.txt", "aws wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        "aws <REDACTED>"
    );
    kept(
        "notes.txt",
        "ThisIsAVeryLongCamelCaseIdentifierName Meta-Llama-3.1-8B-Instruct 550e8400-e29b-41d4-a716-446655440000",
    );
}

#[test]
fn pem_private_keys_are_replaced_and_certificates_kept() {
    let env = "TLS_CERT_PATH=/etc/ssl/a.pem\nSERVER_KEY=\"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----\"\n";
    assert_eq!(
        out(".env", env),
        "TLS_CERT_PATH=<REDACTED>\nSERVER_KEY=\"<REDACTED>\"\n"
    );
    let txt = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN OPENSSH PRIVATE KEY-----\r\n  b3Blbn\r\n-----END OPENSSH PRIVATE KEY-----\n";
    assert_eq!(
        out("id_ed25519", txt),
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN OPENSSH PRIVATE KEY-----\r\n  <REDACTED>\r\n-----END OPENSSH PRIVATE KEY-----\n"
    );
    kept(
        "notes.txt",
        "-----BEGIN a line\nthen RSA PRIVATE KEY----- x\n",
    );
    let j =
        r#"{"tls": {"source": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"}}"#;
    let v: Value = serde_json::from_str(&out("a.json", j)).unwrap();
    assert_eq!(
        v["tls"]["source"],
        "-----BEGIN PRIVATE KEY-----\n<REDACTED>\n-----END PRIVATE KEY-----\n"
    );
}

#[test]
fn line_endings_bom_and_bytes_are_kept() {
    let (o, r) = red(
        ".env",
        "\u{feff}A_PASSWORD=x\r\nLOG_LEVEL=info\r\n\r\nB_TOKEN=\"y\"\r\n",
    );
    assert_eq!(
        o,
        "\u{feff}A_PASSWORD=<REDACTED>\r\nLOG_LEVEL=info\r\n\r\nB_TOKEN=\"<REDACTED>\"\r\n"
    );
    assert_eq!(r.count, 2);
    assert_eq!(
        out("a.yml", "a:\r\n  password: x\r\n  port: 1\r\n"),
        "a:\r\n  password: <REDACTED>\r\n  port: 1\r\n"
    );
    // Not UTF-8: read lossily, secrets still found; untouched files keep their bytes.
    let mut bytes = b"# caf\xe9\nDB_PASSWORD=hunter2\nLOG_LEVEL=info\n".to_vec();
    let r = redact(".env", &bytes);
    let o = String::from_utf8(r.bytes).unwrap();
    assert!(o.ends_with("DB_PASSWORD=<REDACTED>\nLOG_LEVEL=info\n") && !o.contains("hunter2"));
    bytes.truncate(6);
    assert_eq!(redact(".env", &bytes).bytes, bytes);
    assert_eq!(redact("x", b"").bytes, b"");
}

#[test]
fn formats_come_from_the_name_then_the_content() {
    for (name, kind) in [
        (".env", Kind::Env),
        ("env", Kind::Env),
        ("/opt/tars/deploy/tars-home.env", Kind::Env),
        (".env.production", Kind::Env),
        ("docker-compose.home.yml", Kind::Yaml),
        ("a.yaml.bak", Kind::Yaml),
        ("settings.json", Kind::Json),
        ("Cargo.toml", Kind::Toml),
        ("notes.txt", Kind::Generic),
    ] {
        assert_eq!(kind_of(name, "x"), kind, "{name}");
    }
    assert_eq!(
        kind_of("settings", "A=1\nB=2\n# c\nplain line\n"),
        Kind::Env
    );
    assert_eq!(kind_of("settings", "  {\"a\": 1}"), Kind::Json);
    assert_eq!(
        kind_of("settings", "A=1\nwords\nmore words\n"),
        Kind::Generic
    );
    assert_eq!(
        out("settings", "A_USER=u\nA_PASS=p\n"),
        "A_USER=u\nA_PASS=<REDACTED>\n"
    );
}
