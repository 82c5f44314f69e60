//! exec for [`Bollard`]: a command in a running container with binary-safe streamed stdout (no
//! TTY), stderr kept (its last 64 KiB), optional stdin, and the exit code read after the stream
//! ends (the stream itself never carries it).

use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};

use super::client::Bollard;
use super::exec::{ExecOutcome, ExecRequest};
use crate::engine::error::{Error, Result};

/// stderr kept from an exec (the tail: where the error is).
const STDERR_KEEP: usize = 64 * 1024;

/// Why an exec stopped early.
enum Stop {
    Cancelled,
    TimedOut(std::time::Duration),
    Local(Error),
}

impl Bollard {
    /// Runs `req` in `container`, streaming stdout into `stdout` and feeding `stdin` if given.
    ///
    /// The process may exit before it read all its input (`psql -v ON_ERROR_STOP=1` on the
    /// first bad statement): feeding then stops quietly and its real exit code and stderr are
    /// returned. On cancellation, `req.timeout`, or a local failure (the output cannot be
    /// written, the input cannot be read) the process is killed rather than left running or
    /// fed a truncated input that looks complete.
    pub(super) async fn exec_in(
        &self,
        container: &str,
        req: ExecRequest,
        stdin: Option<&mut (dyn AsyncRead + Unpin + Send)>,
        stdout: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<ExecOutcome> {
        let program = req.cmd.first().cloned().unwrap_or_default();
        let action = format!("run {program} in");
        let env: Vec<String> = req
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .chain(
                req.secrets
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.expose())),
            )
            .collect();
        let has_stdin = stdin.is_some();
        let opts = CreateExecOptions {
            cmd: Some(req.cmd),
            env: Some(env),
            user: req.user,
            working_dir: req.workdir,
            attach_stdin: Some(has_stdin),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(false),
            ..Default::default()
        };
        // The client timeout covers each call's response headers, not the streams after them.
        let created = self
            .api
            .create_exec(container, opts)
            .await
            .map_err(|e| self.fail(&action, container, &e))?;
        let started = self
            .api
            .start_exec(&created.id, None)
            .await
            .map_err(|e| self.fail(&action, container, &e))?;
        let StartExecResults::Attached {
            mut output,
            mut input,
        } = started
        else {
            return Err(Error::Docker(format!(
                "docker: {action} {container}: the exec did not attach"
            )));
        };
        let feed = async {
            match stdin {
                Some(src) => {
                    let copied = tokio::io::copy(src, &mut input).await;
                    match copied {
                        Ok(_) => {
                            let _ = input.shutdown().await;
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                None => {
                    drop(input);
                    Ok(())
                }
            }
        };
        let drain = async {
            let mut stderr: Vec<u8> = Vec::new();
            let mut written = 0u64;
            while let Some(frame) = output.next().await {
                match frame.map_err(|e| Stop::Local(self.fail(&action, container, &e)))? {
                    LogOutput::StdOut { message } | LogOutput::Console { message } => {
                        stdout.write_all(&message).await.map_err(|e| {
                            Stop::Local(Error::Docker(format!(
                                "docker: {action} {container}: writing its output: {e}"
                            )))
                        })?;
                        written += message.len() as u64;
                    }
                    LogOutput::StdErr { message } => {
                        stderr.extend_from_slice(&message);
                        if stderr.len() > 2 * STDERR_KEEP {
                            stderr.drain(..stderr.len() - STDERR_KEEP);
                        }
                    }
                    LogOutput::StdIn { .. } => {}
                }
            }
            stdout.flush().await.map_err(|e| {
                Stop::Local(Error::Docker(format!(
                    "docker: {action} {container}: writing its output: {e}"
                )))
            })?;
            Ok::<_, Stop>((stderr, written))
        };
        let stop = async {
            match (&req.cancel, req.timeout) {
                (Some(c), Some(t)) => {
                    tokio::select! { _ = c.cancelled() => Stop::Cancelled, _ = tokio::time::sleep(t) => Stop::TimedOut(t) }
                }
                (Some(c), None) => {
                    c.cancelled().await;
                    Stop::Cancelled
                }
                (None, Some(t)) => {
                    tokio::time::sleep(t).await;
                    Stop::TimedOut(t)
                }
                (None, None) => std::future::pending().await,
            }
        };
        tokio::pin!(feed, drain, stop);
        let mut fed: Option<std::io::Result<()>> = None;
        let drained = loop {
            tokio::select! {
                d = &mut drain => break d,
                f = &mut feed, if fed.is_none() => {
                    if let Err(e) = &f
                        && !matches!(e.kind(), std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset)
                    {
                        // The input failed (not the process): never let it see a short input as complete.
                        self.kill(&created.id).await;
                        break Err(Stop::Local(Error::Docker(format!("docker: {action} {container}: reading its input: {e}"))));
                    }
                    fed = Some(f);
                }
                s = &mut stop => break Err(s),
            }
        };
        let (stderr, stdout_bytes) = match drained {
            Ok(v) => v,
            Err(stop) => {
                self.kill(&created.id).await;
                return Err(match stop {
                    Stop::Cancelled => Error::Cancelled,
                    Stop::TimedOut(t) => Error::Docker(format!(
                        "docker: {action} {container}: no answer within {} s",
                        t.as_secs()
                    )),
                    Stop::Local(e) => e,
                });
            }
        };
        let exit_code = self.exit_code(&created.id, &action, container).await?;
        let keep = stderr.len().saturating_sub(STDERR_KEEP);
        Ok(ExecOutcome {
            exit_code,
            stderr: String::from_utf8_lossy(&stderr[keep..]).into_owned(),
            stdout_bytes,
        })
    }

    /// Kills an exec's process (local engines only: the PID is the host's).
    async fn kill(&self, exec_id: &str) {
        if !self.endpoint.starts_with("unix://") {
            return;
        }
        if let Ok(info) = self.api.inspect_exec(exec_id).await
            && info.running == Some(true)
            && let Some(pid) = info
                .pid
                .and_then(|p| i32::try_from(p).ok())
                .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }

    /// The exit code, once the engine has it (it can lag the end of the stream briefly).
    async fn exit_code(&self, exec_id: &str, action: &str, container: &str) -> Result<i64> {
        for _ in 0..100 {
            let info = self
                .api
                .inspect_exec(exec_id)
                .await
                .map_err(|e| self.fail(action, container, &e))?;
            if info.running != Some(true)
                && let Some(code) = info.exit_code
            {
                return Ok(code);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err(Error::Docker(format!(
            "docker: {action} {container}: no exit code after the output ended"
        )))
    }
}
