//! The configuration file (`config.toml`): where backups live, the default profile, and where
//! staging goes. Found through `--config`, `$LIFEBOAT_CONFIG`, `/etc/lifeboat/config.toml`,
//! then the user's config folder; a missing file at the two last places means defaults.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::error::{Error, Result};

/// The system-wide config file.
pub const SYSTEM_CONFIG: &str = "/etc/lifeboat/config.toml";

/// `config.toml`. Unknown keys are errors: a typo must not silently mean "default".
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Folders the console and `list` show; the output folder is always among them.
    #[serde(default)]
    pub backup_dirs: Vec<PathBuf>,
    /// Profile used when `--profile` is not given.
    #[serde(default)]
    pub default_profile: Option<String>,
    /// Where backups are written.
    #[serde(default)]
    pub output_dir: Option<PathBuf>,
    /// Moves `<state>/staging` (restore staging and backup spools).
    #[serde(default)]
    pub staging_dir: Option<PathBuf>,
    /// `{project}` for the profiles' container and volume names.
    #[serde(default)]
    pub project: Option<String>,
    /// Per-profile overrides, validated by the profile loader.
    #[serde(default)]
    pub profiles: toml::Table,
}

/// A config and the file it came from (`None`: defaults).
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    pub config: Config,
    pub file: Option<PathBuf>,
}

/// Where the config comes from, in order.
pub fn config_candidates(explicit: Option<&Path>) -> (Option<PathBuf>, Vec<PathBuf>) {
    if let Some(p) = explicit {
        return (Some(p.to_path_buf()), Vec::new());
    }
    if let Some(p) = std::env::var_os("LIFEBOAT_CONFIG").filter(|v| !v.is_empty()) {
        return (Some(PathBuf::from(p)), Vec::new());
    }
    let mut optional = vec![PathBuf::from(SYSTEM_CONFIG)];
    if let Some(dirs) = directories::ProjectDirs::from("", "", "lifeboat") {
        optional.push(dirs.config_dir().join("config.toml"));
    }
    (None, optional)
}

/// Loads the config: a file named explicitly (`--config`, `$LIFEBOAT_CONFIG`) must exist;
/// the standard places are optional.
pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig> {
    let (required, optional) = config_candidates(explicit);
    if let Some(path) = required {
        return match std::fs::read_to_string(&path) {
            Ok(text) => Ok(LoadedConfig {
                config: parse(&text, &path)?,
                file: Some(path),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Usage(format!(
                "config file {} not found (given by --config or LIFEBOAT_CONFIG)",
                path.display()
            ))),
            Err(e) => Err(Error::io(&path, "read config", e)),
        };
    }
    for path in optional {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                return Ok(LoadedConfig {
                    config: parse(&text, &path)?,
                    file: Some(path),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&path, "read config", e)),
        }
    }
    Ok(LoadedConfig::default())
}

/// Parses config text; errors name the file, line and column.
pub fn parse(text: &str, path: &Path) -> Result<Config> {
    toml::from_str(text).map_err(|e| {
        let place = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!(" line {line}")
            })
            .unwrap_or_default();
        Error::Usage(format!(
            "{}:{place}: {}",
            path.display(),
            e.message().trim()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_keys() {
        let c = parse(
            "backup_dirs = [\"/a\", \"/b\"]\ndefault_profile = \"tars-home\"\noutput_dir = \"/out\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(
            c.backup_dirs,
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
        assert_eq!(c.default_profile.as_deref(), Some("tars-home"));
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let e = parse(
            "output_dir = \"/out\"\nbackup_dir = \"/typo\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("c.toml: line 2"), "{msg}");
        assert!(msg.contains("backup_dir"), "{msg}");
    }
}
