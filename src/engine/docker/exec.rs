//! What to run in a container and how it ended: plain data every [`super::Api`] takes and
//! gives.

use crate::engine::secret::Secret;

/// What to run.
#[derive(Debug, Default)]
pub struct ExecRequest {
    pub cmd: Vec<String>,
    /// Ordinary environment variables.
    pub env: Vec<(String, String)>,
    /// Secret environment variables (`PGPASSWORD`, `REDISCLI_AUTH`): they reach the process's
    /// environment through the API, never a command line, and are never logged.
    pub secrets: Vec<(String, Secret)>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    /// Kills the process and returns [`crate::engine::Error::Cancelled`] when cancelled.
    pub cancel: Option<crate::engine::progress::Cancel>,
    /// Kills the process if it has not finished by then (probes, checks).
    pub timeout: Option<std::time::Duration>,
}

impl ExecRequest {
    pub fn new<S: Into<String>>(cmd: impl IntoIterator<Item = S>) -> Self {
        ExecRequest {
            cmd: cmd.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }

    pub fn secret(mut self, name: &str, value: &Secret) -> Self {
        self.secrets.push((name.to_string(), value.clone()));
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    pub fn user(mut self, user: &str) -> Self {
        self.user = Some(user.to_string());
        self
    }

    pub fn cancel(mut self, cancel: &crate::engine::progress::Cancel) -> Self {
        self.cancel = Some(cancel.clone());
        self
    }

    pub fn timeout(mut self, t: std::time::Duration) -> Self {
        self.timeout = Some(t);
        self
    }
}

/// How an exec ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutcome {
    pub exit_code: i64,
    /// The end of what it wrote on stderr.
    pub stderr: String,
    /// Bytes written to stdout.
    pub stdout_bytes: u64,
}

impl ExecOutcome {
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }

    /// The last line of stderr, for one-line error messages.
    pub fn stderr_line(&self) -> &str {
        self.stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
    }
}
