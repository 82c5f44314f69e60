//! Redaction of the test stack's own files (the env file, the app YAML and the compose file as
//! scripts/stack writes them) and of planted canaries in many shapes and random garbage.

use super::tests::{kept, out, red, skeleton};
use super::*;
// --- the test stack's own files -----------------------------------------------------------

const STACK: &str = include_str!("../../../scripts/stack");
const COMPOSE: &str = include_str!("../../../scripts/testbed/compose.yml");

/// The body of the heredoc `<<TAG` in scripts/stack, expanded as the script would.
fn heredoc(tag: &str, secrets: &mut Vec<String>) -> String {
    let start = STACK.find(&format!("<<{tag}\n")).unwrap() + tag.len() + 3;
    let end = start + STACK[start..].find(&format!("\n{tag}\n")).unwrap() + 1;
    let mut body = STACK[start..end].to_string();
    while let Some(p) = body.find("$(secret ") {
        let e = p + body[p..].find(')').unwrap();
        let s = format!("LBCANARY{}{}", &body[p + 9..e], "Xk9Qw2Er7Ty4Ui1Op0As");
        secrets.push(s.clone());
        body.replace_range(p..=e, &s);
    }
    for (var, name) in [("$pg", "pg"), ("$redis", "redis"), ("$jwt", "jwt")] {
        let s = format!("LBCANARY{name}Zx8Cv5Bn3Mq6Wl2Pk7Jh");
        secrets.push(s.clone());
        body = body.replace(var, &s);
    }
    body.replace("$project", "lifeboat-demo")
}

fn no_canary(o: &str, secrets: &[String]) {
    for s in secrets {
        assert!(!o.contains(s.as_str()), "{s} leaked:\n{o}");
    }
    // The env file's header names the marker itself; no secret value (marker + name) survives.
    for (i, _) in o.match_indices("LBCANARY") {
        assert!(
            !o.as_bytes()[i + 8].is_ascii_alphanumeric(),
            "a secret leaked:\n{o}"
        );
    }
}

#[test]
fn the_stack_env_file() {
    let mut secrets = Vec::new();
    let env = heredoc("ENV", &mut secrets)
        + "IMAGE_POSTGRES=lifeboat-testbed/postgres:15\nIMAGE_REDIS=lifeboat-testbed/redis:7\n";
    let (o, r) = red("lifeboat-demo.env", &env);
    no_canary(&o, &secrets);
    for line in [
        "PROJECT=lifeboat-demo",
        "TARS_POSTGRES_USER=tars",
        "TARS_POSTGRES_DB=tars_home",
        "LOG_LEVEL=info",
        "OLLAMA_MODEL=mistral:7b-instruct",
        "CHROMA_COLLECTION_NAME=tars_home_documents",
        "NAS_MOUNT_POINT=/mnt/nas",
        "IMAGE_POSTGRES=lifeboat-testbed/postgres:15",
        "TARS_POSTGRES_PASSWORD=<REDACTED>",
        "export OPENAI_API_KEY=<REDACTED>",
    ] {
        assert!(o.lines().any(|l| l == line), "{line} missing:\n{o}");
    }
    assert_eq!(
        r.keys,
        [
            "TARS_POSTGRES_PASSWORD",
            "TARS_REDIS_PASSWORD",
            "TARS_JWT_SECRET",
            "DATABASE_URL",
            "REDIS_URL",
            "OPENAI_API_KEY",
            "WEBHOOK_URL",
            "MINIO_ROOT_PASS",
            "lowercase_password"
        ]
    );
    assert_eq!(o.lines().count(), env.lines().count());
}

#[test]
fn the_stack_app_yaml() {
    let mut secrets = Vec::new();
    let yml = heredoc("YML", &mut secrets);
    let (o, r) = red("tars-home.yml", &yml);
    no_canary(&o, &secrets);
    for line in [
        "  host: 0.0.0.0",
        "  port: 8000",
        "  log_level: info",
        "  pool_size: 10",
        "  model: mistral:7b-instruct",
        "  url: \"<REDACTED>\"",
        "  jwt_secret: \"<REDACTED>\"",
    ] {
        assert!(o.lines().any(|l| l == line), "{line} missing:\n{o}");
    }
    assert_eq!(
        r.keys,
        [
            "database.url",
            "redis.url",
            "auth.jwt_secret",
            "auth.token_ttl_hours",
            "llm.api_key"
        ]
    );
    assert_eq!(skeleton(&yml), skeleton(&o));
}

#[test]
fn the_testbed_compose_file() {
    // Secrets there are references to the env file: nothing to redact.
    kept("docker-compose.home.yml", COMPOSE);
    // With the secrets written in, only they go.
    let literal = COMPOSE
        .replace(
            "${TARS_REDIS_PASSWORD:?TARS_REDIS_PASSWORD is required}",
            "LBCANARYredisQ1w2e3",
        )
        .replace(
            "${TARS_POSTGRES_PASSWORD:?TARS_POSTGRES_PASSWORD is required}",
            "LBCANARYpgQ1w2e3",
        )
        .replace(
            "${TARS_JWT_SECRET:?TARS_JWT_SECRET is required}",
            "\"LBCANARYjwt Q1w2e3\"",
        );
    let (o, r) = red("docker-compose.home.yml", &literal);
    no_canary(&o, &[]);
    assert_eq!(r.count, 3, "{o}");
    assert_eq!(skeleton(&literal), skeleton(&o));
    for (a, b) in literal.lines().zip(o.lines()) {
        let t = a.trim_start();
        if [
            "image:",
            "test:",
            "interval:",
            "timeout:",
            "retries:",
            "- \"127.0.0.1::",
            "healthcheck:",
            "ports:",
        ]
        .iter()
        .any(|p| t.starts_with(p))
        {
            assert_eq!(a, b);
        }
        if !a.contains("LBCANARY") {
            assert_eq!(a, b);
        }
    }
}

// --- planted canaries ---------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    /// A random secret: letters and digits, 27 to 43 long.
    fn canary(&mut self) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let len = 24 + self.below(17);
        let mut s = String::from("Zq7");
        s.extend((0..len).map(|_| A[self.below(A.len())] as char));
        s
    }
}

/// Where a secret can hide: (file name, content with `{c}` for the secret).
const SHAPES: &[(&str, &str)] = &[
    (".env", "DB_PASSWORD={c}"),
    (".env", "export API_TOKEN=\"{c} with space\""),
    (".env", "lower_secret='{c}'"),
    (".env", "MINIO_ROOT_PASS={c}"),
    (".env", "# OLD_PASSWORD={c}"),
    (".env", "DATABASE_URL=postgres://user:{c}@db:5432/app"),
    (".env", "LOG_LEVEL=info # was postgres://u:{c}@h/db"),
    (".env", "CORS_ORIGINS=https://:{c}@x.example.com"),
    (".env", "SMTP={c}"),
    (
        ".env",
        "WEBHOOK_URL=https://hooks.slack.com/services/T0/B0/{c}",
    ),
    (".env", "OPENAI_API_KEY=sk-proj-{c}"),
    (".env", "NOTE=see https://api.example.com/?access_token={c}"),
    (
        ".env",
        "PRIVATE_KEY=\"-----BEGIN PRIVATE KEY-----\n{c}\n{c}\n-----END PRIVATE KEY-----\"",
    ),
    (".env", "ADMIN_KEY = {c}"),
    (".env", "MODEL_NAME=llama3 # token {c}"),
    (".env", "# Authorization: Bearer {c}"),
    (".env", "# stray {c}"),
    ("a.yml", "password: \"{c} with space\""),
    ("a.yml", "db:\n  url: postgres://u:{c}@h/db"),
    ("a.yml", "secret:\n  {c}"),
    ("a.yml", "token: |\n  {c}\n  more {c}"),
    ("a.yml", "api_key: >-\n  {c}"),
    (
        "a.yml",
        "services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD={c}\n      - \"REDIS_PASSWORD={c} x\"",
    ),
    ("a.yml", "environment:\n  POSTGRES_PASSWORD: {c}"),
    (
        "a.yml",
        "command: [\"redis-server\", \"--requirepass\", \"{c}\"]",
    ),
    (
        "a.yml",
        "command:\n  - redis-server\n  - --requirepass\n  - {c}",
    ),
    ("a.yml", "passwords: [{c}, \"{c}\"]"),
    ("a.yml", "# password: {c}"),
    (
        "a.yml",
        "labels:\n  - \"traefik.http.middlewares.a.basicauth.users=admin:{c}\"",
    ),
    ("a.yml", "smtp: \"{c}\n  continued\""),
    ("a.yml", "key: &a {c}"),
    ("a.yml", "x:\n  - name: a\n    value: {c}"),
    ("a.yml", "jwt: eyJhbGciOiJIUzI1NiJ9.eyJ{c}.{c}"),
    (
        "a.yml",
        "healthcheck:\n  test: [\"CMD-SHELL\", \"PGPASSWORD={c} psql -c 1\"]",
    ),
    (
        "a.json",
        "{\"auth\": {\"password\": \"{c}\", \"user\": \"x\"}, \"db\": {\"host\": \"postgres://u:{c}@h\"}}",
    ),
    (
        "a.json",
        "{\"args\": [\"--token\", \"{c}\"], \"services\": [{\"name\": \"a\", \"apiKey\": \"{c}\"}]}",
    ),
    ("a.toml", "password = \"{c}\""),
    ("a.toml", "[auth]\nsecret = '''{c}'''"),
    ("a.toml", "tokens = [\n  \"{c}\",\n]"),
    ("a.toml", "[database]\nurl = \"postgres://u:{c}@h\""),
    ("notes.txt", "requirepass {c}"),
    ("notes.txt", "password = {c}"),
    (
        "notes.txt",
        "curl -H \"Authorization: Bearer {c}\" https://x",
    ),
    ("notes.txt", "curl -H \"X-Api-Key: {c}\""),
    ("notes.txt", "connect postgres://u:{c}@h"),
    ("notes.txt", "stray {c} here"),
    ("notes.txt", "docker run -e POSTGRES_PASSWORD={c} postgres"),
    ("notes.txt", "redis-cli --pass {c}"),
    ("notes.txt", "https://example.com/reset/{c}"),
];

#[test]
fn planted_canaries_never_survive() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..40 {
        for (name, shape) in SHAPES {
            let c = rng.canary();
            let mut text = shape.replace("{c}", &c) + "\n";
            if round % 2 == 1 {
                text = text.replace('\n', "\r\n");
            }
            let r = redact(name, text.as_bytes());
            let o = String::from_utf8(r.bytes).unwrap();
            assert!(!o.contains(&c), "{name}: {text:?} gave {o:?}");
            assert!(r.count > 0);
            // Redacting again finds nothing more.
            let again = redact(name, o.as_bytes());
            assert_eq!(
                (again.count, String::from_utf8(again.bytes).unwrap()),
                (0, o.clone()),
                "{name}: {text:?}"
            );
        }
        // All shapes of one format in one file.
        for ext in [".env", "a.yml", "a.toml", "notes.txt"] {
            let c = rng.canary();
            let text: String = SHAPES
                .iter()
                .filter(|(n, _)| n == &ext)
                .map(|(_, s)| s.replace("{c}", &c) + "\n")
                .collect();
            let o = out(ext, &text);
            assert!(!o.contains(&c), "{ext}:\n{text}\ngave\n{o}");
        }
    }
}

#[test]
fn garbage_never_panics_nor_adds_lines() {
    const A: &[&str] = &[
        "\"",
        "'",
        ":",
        ": ",
        "- ",
        "#",
        " #",
        "[",
        "]",
        "{",
        "}",
        "=",
        "\n",
        "\r\n",
        "\t",
        " ",
        "  ",
        "$",
        "${",
        "@",
        "://",
        "/",
        "|",
        ">",
        "&",
        "*",
        "!",
        "é",
        "password",
        "KEY",
        "url",
        "x",
        "sk-",
        "eyJ",
        "-----BEGIN PRIVATE KEY-----",
        "-----END ",
        "\"\"\"",
        "export ",
        "--token",
    ];
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..3000 {
        let len = rng.below(40);
        let text: String = (0..len).map(|_| A[rng.below(A.len())]).collect();
        for name in [".env", "a.yml", "a.json", "a.toml", "notes.txt"] {
            let r = redact(name, text.as_bytes());
            let o = String::from_utf8(r.bytes).unwrap();
            let json = name.ends_with("json") && o.len() != text.len();
            assert!(
                json || o.lines().count() <= text.lines().count(),
                "{name}: {text:?} -> {o:?}"
            );
        }
    }
}
