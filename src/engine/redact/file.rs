//! Redacting one file: its format told from its name or content, then JSON walked by key or
//! the line-based formats walked line by line, and the result with the keys it changed.

use serde_json::Value;

use super::formats::lines;
use super::lines::{env_assign, value};
use super::scrub::{is_allowed, is_flag, is_secret, join, pem};
use super::words::{Kind, PLACEHOLDER, Run, Shape};

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

/// Whether a file is read as line-based `KEY=VALUE` (what a restore can merge by key).
pub fn is_env_style(file_name: &str, content: &str) -> bool {
    kind_of(file_name, content) == Kind::Env
}

pub(super) fn kind_of(name: &str, text: &str) -> Kind {
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
