//! Where lifeboat keeps things (docs/design.md section 2): the state root and its folders, the lock
//! file, staging, and the default output folder.
//!
//! As root: `/var/lib/lifeboat`, `/run/lock/lifeboat.lock`, `/var/backups/lifeboat/<profile>`.
//! Environment variables override each (`LIFEBOAT_STATE`, `LIFEBOAT_LOCK`,
//! `LIFEBOAT_STAGING`), which is how tests and the demo keep to their own folder. A non-root
//! user without `LIFEBOAT_STATE` has no state root: read-only commands still work (without the
//! verify cache); mutating ones refuse.

use std::path::{Path, PathBuf};

use crate::engine::archive::commit;
use crate::engine::config::Config;
use crate::engine::error::{Error, Result};

/// The state root when running as root.
pub const ROOT_STATE: &str = "/var/lib/lifeboat";
/// The host lock when running as root.
pub const ROOT_LOCK: &str = "/run/lock/lifeboat.lock";
/// Parent of the default output folders when running as root.
pub const ROOT_OUTPUT: &str = "/var/backups/lifeboat";

/// Resolved locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    /// `None` for a non-root user who did not set `LIFEBOAT_STATE`.
    pub state: Option<PathBuf>,
    pub lock: PathBuf,
    /// Staging folder (restore staging, backup spools).
    pub staging: Option<PathBuf>,
    /// Parent folder of the per-profile default output folders.
    pub output_root: PathBuf,
    pub is_root: bool,
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl Locations {
    /// Resolves from the environment and the config.
    pub fn resolve(config: &Config) -> Self {
        let is_root = rustix::process::geteuid().is_root();
        let data_dir =
            directories::ProjectDirs::from("", "", "lifeboat").map(|d| d.data_dir().to_path_buf());
        let state =
            env_path("LIFEBOAT_STATE").or_else(|| is_root.then(|| PathBuf::from(ROOT_STATE)));
        let lock = env_path("LIFEBOAT_LOCK").unwrap_or_else(|| {
            if is_root {
                PathBuf::from(ROOT_LOCK)
            } else {
                std::env::temp_dir().join(format!(
                    "lifeboat-{}.lock",
                    rustix::process::geteuid().as_raw()
                ))
            }
        });
        let staging = env_path("LIFEBOAT_STAGING")
            .or_else(|| config.staging_dir.clone())
            .or_else(|| state.as_ref().map(|s| s.join("staging")));
        let output_root = if is_root {
            PathBuf::from(ROOT_OUTPUT)
        } else {
            data_dir
                .unwrap_or_else(|| PathBuf::from("."))
                .join("backups")
        };
        Locations {
            state,
            lock,
            staging,
            output_root,
            is_root,
        }
    }

    /// Where backups of `profile` go unless the config or `--output-dir` says otherwise.
    pub fn default_output(&self, config: &Config, profile: &str) -> PathBuf {
        config
            .output_dir
            .clone()
            .unwrap_or_else(|| self.output_root.join(profile))
    }

    /// The state root, or the error a mutating command gives without one.
    pub fn require_state(&self) -> Result<&Path> {
        self.state.as_deref().ok_or_else(|| {
            Error::Usage("set LIFEBOAT_STATE to a folder of yours: running as a non-root user, lifeboat has no state folder".into())
        })
    }

    /// `<state>/<sub>`, created 0700 if missing; `None` without a state root.
    pub fn state_subdir(&self, sub: &str) -> Result<Option<PathBuf>> {
        let Some(state) = &self.state else {
            return Ok(None);
        };
        let dir = state.join(sub);
        commit::create_dir_private(&dir)?;
        Ok(Some(dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_output_is_per_profile_unless_configured() {
        let loc = Locations {
            state: None,
            lock: PathBuf::from("/l"),
            staging: None,
            output_root: PathBuf::from("/var/backups/lifeboat"),
            is_root: true,
        };
        let mut cfg = Config::default();
        assert_eq!(
            loc.default_output(&cfg, "tars-home"),
            PathBuf::from("/var/backups/lifeboat/tars-home")
        );
        cfg.output_dir = Some(PathBuf::from("/mnt/nas"));
        assert_eq!(
            loc.default_output(&cfg, "tars-home"),
            PathBuf::from("/mnt/nas")
        );
        assert!(loc.require_state().is_err());
    }
}
