//! Redaction of the configuration files a backup copies (the `files` component kind: a stack's
//! `.env`, docker-compose and application YAML, JSON and TOML): this module decides which values
//! are secrets and replaces them with [`PLACEHOLDER`], keeping each file valid for its format
//! (layout, comments and quoting kept) so that a restore can merge it or diff it by key.
//!
//! It works by allowlist because the T.A.R.S. denylist leaked whatever its few secret words missed
//! (`DATABASE_URL` with its password, `export`ed and lower-case keys, `MINIO_ROOT_PASS`, Slack
//! webhook URLs). Here an assignment keeps its value only when its key is a plainly non-secret
//! setting (`ALLOWED` in `words.rs`) with no secret word (`SECRET_WORDS`). Kept values, comments, list
//! items and free text are still scrubbed of secret-shaped strings: credentials in URLs (also
//! `redis://:pw@`), secret query parameters and webhook paths, PEM private keys, JWTs, well-known
//! token prefixes, `NAME=value` and `--flag value` with a secret name, and long high-entropy
//! tokens. Image digests, paths, versions and ordinary words survive.

mod file;
mod formats;
mod lines;
mod scan;
mod scrub;
mod words;

pub use file::{Redacted, is_env_style, redact};
pub use words::PLACEHOLDER;

#[cfg(test)]
#[allow(unused_imports)]
use self::{file::*, formats::*, lines::*, scan::*, scrub::*, words::*};
#[cfg(test)]
use serde_json::Value;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_planted;
