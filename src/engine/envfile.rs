//! Reading `KEY=VALUE` env files (the stack's `.env`): `export` prefixes, quotes and comments as
//! shells and docker-compose write them. Values may be secrets: callers keep them in
//! [`Secret`](crate::engine::secret::Secret)s.

use std::path::Path;

use crate::engine::error::{Error, Result};

/// The variables of an env file, in order (later duplicates win when looked up).
#[derive(Clone, Default)]
pub struct EnvFile {
    vars: Vec<(String, String)>,
}

impl std::fmt::Debug for EnvFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.vars.iter().map(|(k, _)| k))
            .finish()
    }
}

impl EnvFile {
    pub fn read(path: &Path) -> Result<EnvFile> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                Error::Usage(format!("env file {} not found", path.display()))
            }
            _ => Error::io(path, "read env file", e),
        })?;
        Ok(EnvFile::parse(&text))
    }

    pub fn parse(text: &str) -> EnvFile {
        let vars = text.lines().filter_map(parse_line).collect();
        EnvFile { vars }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `KEY=VALUE`, `export KEY=VALUE`, `KEY="quoted"`, `KEY='quoted'`; comments and blanks skipped.
pub fn parse_line(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let line = line
        .strip_prefix("export ")
        .map(str::trim_start)
        .unwrap_or(line);
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let value = value.trim();
    // Quoted: up to the matching quote (a ` # comment` may follow, as compose and shells read it).
    let value = match value.chars().next() {
        Some(q @ ('"' | '\'')) => match value[1..].find(q) {
            Some(end) => value[1..1 + end].to_string(),
            None => value.to_string(),
        },
        // Unquoted: the value ends at a ` #` comment.
        _ => value
            .split(" #")
            .next()
            .unwrap_or("")
            .trim_end()
            .to_string(),
    };
    Some((key.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shapes_env_files_have() {
        let e = EnvFile::parse(
            "# c\nA=1\nexport B=two\nC=\"x y\"\nD='z'\nE=v # note\nbad line\nA=3\n lower_case=ok\n",
        );
        assert_eq!(e.get("A"), Some("3"));
        assert_eq!(e.get("B"), Some("two"));
        assert_eq!(e.get("C"), Some("x y"));
        assert_eq!(e.get("D"), Some("z"));
        assert_eq!(e.get("E"), Some("v"));
        assert_eq!(e.get("lower_case"), Some("ok"));
        assert!(!format!("{e:?}").contains("two"), "Debug shows names only");
    }
}
