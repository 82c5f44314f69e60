//! `runs.jsonl`: one line per backup run (start, end, profile, exit code, one-line reason,
//! archive), appended by backups and read by `status` and the console for "last failed run".

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::error::{Error, Result};

/// One backup run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub start: String,
    pub end: String,
    pub profile: String,
    pub exit_code: u8,
    pub reason: Option<String>,
    pub archive: Option<PathBuf>,
}

impl Run {
    /// Exit codes 0 (committed) and 3 (committed with warnings) are not failures.
    pub fn failed(&self) -> bool {
        !matches!(self.exit_code, 0 | 3)
    }
}

/// `<state>/runs.jsonl`.
pub fn path(state: &Path) -> PathBuf {
    state.join("runs.jsonl")
}

/// Appends a run (one line, one write).
pub fn append(state: &Path, run: &Run) -> Result<()> {
    let p = path(state);
    let mut line = serde_json::to_string(run).unwrap_or_default();
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)
        .map_err(|e| Error::io(&p, "open", e))?;
    f.write_all(line.as_bytes())
        .map_err(|e| Error::io(&p, "append", e))
}

/// The newest failed run of `profile`, if any; unreadable lines are skipped.
pub fn last_failed(state: &Path, profile: &str) -> Option<Run> {
    let f = std::fs::File::open(path(state)).ok()?;
    std::io::BufReader::new(f)
        .lines()
        .map_while(std::result::Result::ok)
        .filter_map(|l| serde_json::from_str::<Run>(&l).ok())
        .filter(|r| r.profile == profile && r.failed())
        .last()
}
