//! Redaction of the configuration files a backup copies (the `files` component kind: a stack's
//! `.env`, docker-compose and application YAML, JSON and TOML): this module decides which values
//! are secrets and replaces them with [`PLACEHOLDER`], keeping each file valid for its format
//! (layout, comments and quoting kept) so that a restore can merge it or diff it by key.
//!
//! It works by allowlist because the T.A.R.S. denylist leaked whatever its few secret words missed
//! (`DATABASE_URL` with its password, `export`ed and lower-case keys, `MINIO_ROOT_PASS`, Slack
//! webhook URLs). Here an assignment keeps its value only when its key is a plainly non-secret
//! setting ([`ALLOWED`]) with no secret word ([`SECRET_WORDS`]). Kept values, comments, list
//! items and free text are still scrubbed of secret-shaped strings: credentials in URLs (also
//! `redis://:pw@`), secret query parameters and webhook paths, PEM private keys, JWTs, well-known
//! token prefixes, `NAME=value` and `--flag value` with a secret name, and long high-entropy
//! tokens. Image digests, paths, versions and ordinary words survive.

mod formats;
mod lines;
mod scrub;

use serde_json::Value;

use formats::*;
use lines::*;
use scrub::*;

/// What a redacted value is replaced with.
pub const PLACEHOLDER: &str = "<REDACTED>";

/// A redacted file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redacted {
    /// The file as it goes into the archive; the input unchanged when `count` is 0.
    pub bytes: Vec<u8>,
    /// Keys whose values were changed, in order, without repeats: the key as written in env-style
    /// files, the dotted path (`database.url`, `services.db.environment.POSTGRES_PASSWORD`) in
    /// YAML, JSON and TOML. Commented-out assignments are counted, not listed.
    pub keys: Vec<String>,
    /// Number of redactions made.
    pub count: usize,
}

/// Words that make a key secret whatever else it says, matched anywhere in the upper-cased key.
/// A word of the key ending in `KEY`/`KEYS` (`API_KEY`, `apiKey`, `PRIVKEY`, `key2`) or equal to
/// `SIG` or `PIN` does too.
const SECRET_WORDS: &str = "PASS PWD SECRET TOKEN CREDENTIAL AUTH SALT JWT CERT DSN COOKIE \
                            SESSION PRIVATE SIGNATURE BEARER";

/// The allowlist: settings that are plainly not secret. A key's last `.` segment, split into
/// upper-case words (`logLevel`, `log-level` and `LOG_LEVEL` all give `LOG_LEVEL`), is allowed
/// when it is one of these or ends with `_` and one of these (`TARS_POSTGRES_USER`,
/// `NAS_MOUNT_POINT`), starts with `IMAGE_`, or has a `TIMEOUT` word; never with a secret word.
/// URLs, DSNs, IDs and free-form names (`*_URL`, `*_ENDPOINT`, `*_ID`) are not allowed: they are
/// where credentials hide. First application settings, then docker-compose structure.
const ALLOWED: &str = "
    USER USERNAME UID GID PUID PGID UMASK DB DATABASE HOST HOSTNAME PORT PORTS LEVEL MODEL MODELS
    NAME ENABLED ENABLE DISABLED DISABLE MOUNT_POINT INTERVAL PATH DIR DIRECTORY ORIGINS VERSION
    ENV MODE SIZE COUNT HOURS MINUTES SECONDS DAYS MS ALGORITHM REGION FORMAT PROJECT TZ LANG
    LOCALE DEBUG VERBOSE WORKERS THREADS RETRIES LIMIT TTL PROTOCOL DRIVER TYPE KIND IMAGE FILE
    SCHEDULE POLICY
    SERVICES CONTAINER_NAME RESTART EXPOSE VOLUMES NETWORKS NETWORK_MODE COMMAND ENTRYPOINT
    HEALTHCHECK TEST START_PERIOD START_INTERVAL DEPENDS_ON CONDITION LABELS ENVIRONMENT BUILD
    CONTEXT DOCKERFILE TARGET SOURCE EXTERNAL DEPLOY REPLICAS RESOURCES LIMITS RESERVATIONS MEMORY
    CPUS DEVICES CAPABILITIES GPUS RUNTIME LOGGING OPTIONS PLATFORM PROFILES EXTRA_HOSTS DNS TTY
    STDIN_OPEN ULIMITS NOFILE SOFT HARD CAP_ADD CAP_DROP STOP_GRACE_PERIOD STOP_SIGNAL PULL_POLICY
    PRIVILEGED READ_ONLY INIT IPC PID SECURITY_OPT SYSCTLS TMPFS BIND PROPAGATION ALIASES
    IPV4_ADDRESS IPV6_ADDRESS ATTACHABLE INTERNAL";

/// Well-known token prefixes. A word starting with one and followed by 16 or more characters
/// with a digit or an upper-case letter among them is redacted whole.
const TOKENS: &str = "sk- sk_live_ sk_test_ rk_live_ ghp_ gho_ ghu_ ghs_ ghr_ github_pat_ xoxb- \
                      xoxp- xoxa- xoxr- xapp- glpat- hf_ AKIA ASIA AIza npm_ pypi- SG.";

/// URLs whose path after these is itself the secret.
const HOOKS: [&str; 4] = [
    "hooks.slack.com/services/",
    "discord.com/api/webhooks/",
    "webhook.office.com/",
    "api.telegram.org/bot",
];

/// Digest algorithms: `sha256:<hex>` and `sha256-<hex>` are digests, never secrets.
const DIGESTS: [&str; 6] = ["sha256", "sha512", "sha384", "sha1", "md5", "blake3"];

/// Redacts one configuration file. The format comes from the name (`.env`, `*.env`, `*.env.*`,
/// `env`; `.yml`/`.yaml`; `.json`; `.toml`), else from the content (a JSON object, or mostly
/// `KEY=VALUE` lines), else generic rules. Content that is not UTF-8 is read lossily.
pub fn redact(file_name: &str, content: &[u8]) -> Redacted {
    let text = String::from_utf8_lossy(content);
    let body = text.trim_start_matches('\u{feff}');
    let mut r = Run::default();
    r.out.push_str(&text[..text.len() - body.len()]);
    let mut kind = kind_of(file_name, body);
    let json_like = kind == Kind::Yaml && body.trim_start().starts_with(['{', '[']);
    if !((kind == Kind::Json || json_like) && json(body, &mut r)) {
        kind = if kind == Kind::Json {
            Kind::Generic
        } else {
            kind
        };
        lines(&pem(body, &mut r.count), kind, &mut r);
    }
    let bytes = if r.count == 0 {
        content.to_vec()
    } else {
        r.out.into_bytes()
    };
    Redacted {
        bytes,
        keys: r.keys,
        count: r.count,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Env,
    Yaml,
    Json,
    Toml,
    Generic,
}

/// Whether a file is read as line-based `KEY=VALUE` (what a restore can merge by key).
pub fn is_env_style(file_name: &str, content: &str) -> bool {
    kind_of(file_name, content) == Kind::Env
}

fn kind_of(name: &str, text: &str) -> Kind {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    let exts = base.split_once('.').map_or("", |(_, e)| e);
    for ext in exts.rsplit('.').chain((base == "env").then_some("env")) {
        match ext {
            "env" => return Kind::Env,
            "yml" | "yaml" => return Kind::Yaml,
            "json" => return Kind::Json,
            "toml" => return Kind::Toml,
            _ => {}
        }
    }
    let kv: Vec<bool> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| env_assign(l, true).is_some())
        .collect();
    match kv.iter().filter(|&&x| x).count() {
        _ if text.trim_start().starts_with('{') => Kind::Json,
        n if n > 0 && n * 2 >= kv.len() => Kind::Env,
        _ => Kind::Generic,
    }
}

/// The output being built, the keys changed and the redactions made.
#[derive(Default)]
struct Run {
    out: String,
    keys: Vec<String>,
    seen: std::collections::HashSet<String>,
    count: usize,
}

impl Run {
    fn key(&mut self, k: &str) {
        if !k.is_empty() && self.seen.insert(k.to_string()) {
            self.keys.push(k.to_string());
        }
    }
}

// --- JSON -----------------------------------------------------------------------------------

/// A JSON document with its values redacted by key, pretty-printed; false if it does not parse.
fn json(text: &str, r: &mut Run) -> bool {
    let Ok(mut v) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    walk(&mut v, "", false, false, r);
    r.out += &serde_json::to_string_pretty(&v).unwrap_or_default();
    r.out += if text.ends_with('\n') { "\n" } else { "" };
    true
}

/// `redact`: scalars here are under a key that is not allowed; `secret`: a key on the way is.
fn walk(v: &mut Value, path: &str, redact: bool, secret: bool, r: &mut Run) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                let s = secret || is_secret(k);
                walk(child, &join(path, k), s || !is_allowed(k), s, r);
            }
        }
        Value::Array(items) => {
            let mut after_flag = false;
            for x in items.iter_mut() {
                let flag = !redact && x.as_str().is_some_and(is_flag);
                walk(x, path, redact || after_flag, secret, r);
                after_flag = flag;
            }
        }
        Value::String(s) => {
            let new = value(s, Shape::Plain, redact, Kind::Generic, &mut r.count);
            if new != *s {
                r.key(path);
                *s = new;
            }
        }
        Value::Number(_) if redact => {
            r.key(path);
            r.count += 1;
            *v = PLACEHOLDER.into();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_planted;
