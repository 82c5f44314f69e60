//! What redaction knows and carries: the placeholder, the secret and allowed words, token
//! prefixes, webhook hosts and digest names; the format of a file, the shape of a value, and the
//! output being built.

/// What a redacted value is replaced with.
pub const PLACEHOLDER: &str = "<REDACTED>";

/// Words that make a key secret whatever else it says, matched anywhere in the upper-cased key.
/// A word of the key ending in `KEY`/`KEYS` (`API_KEY`, `apiKey`, `PRIVKEY`, `key2`) or equal to
/// `SIG` or `PIN` does too.
pub(super) const SECRET_WORDS: &str = "PASS PWD SECRET TOKEN CREDENTIAL AUTH SALT JWT CERT DSN COOKIE \
                            SESSION PRIVATE SIGNATURE BEARER";

/// The allowlist: settings that are plainly not secret. A key's last `.` segment, split into
/// upper-case words (`logLevel`, `log-level` and `LOG_LEVEL` all give `LOG_LEVEL`), is allowed
/// when it is one of these or ends with `_` and one of these (`TARS_POSTGRES_USER`,
/// `NAS_MOUNT_POINT`), starts with `IMAGE_`, or has a `TIMEOUT` word; never with a secret word.
/// URLs, DSNs, IDs and free-form names (`*_URL`, `*_ENDPOINT`, `*_ID`) are not allowed: they are
/// where credentials hide. First application settings, then docker-compose structure.
pub(super) const ALLOWED: &str = "
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
pub(super) const TOKENS: &str = "sk- sk_live_ sk_test_ rk_live_ ghp_ gho_ ghu_ ghs_ ghr_ github_pat_ xoxb- \
                      xoxp- xoxa- xoxr- xapp- glpat- hf_ AKIA ASIA AIza npm_ pypi- SG.";

/// URLs whose path after these is itself the secret.
pub(super) const HOOKS: [&str; 4] = [
    "hooks.slack.com/services/",
    "discord.com/api/webhooks/",
    "webhook.office.com/",
    "api.telegram.org/bot",
];

/// Digest algorithms: `sha256:<hex>` and `sha256-<hex>` are digests, never secrets.
pub(super) const DIGESTS: [&str; 6] = ["sha256", "sha512", "sha384", "sha1", "md5", "blake3"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Env,
    Yaml,
    Json,
    Toml,
    Generic,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Shape {
    Plain,
    Quoted,
    Triple,
    Flow,
}

/// The output being built, the keys changed and the redactions made.
#[derive(Default)]
pub(super) struct Run {
    pub(super) out: String,
    pub(super) keys: Vec<String>,
    pub(super) seen: std::collections::HashSet<String>,
    pub(super) count: usize,
}

impl Run {
    pub(super) fn key(&mut self, k: &str) {
        if !k.is_empty() && self.seen.insert(k.to_string()) {
            self.keys.push(k.to_string());
        }
    }
}
