//! What every component's capture works with and gives back: the context (engine, profile,
//! spool, ledger, reporter, cancel), the captured files with their details, and the helpers
//! the kinds share (the main container, credentials, base details, holding a container
//! stopped, counting bytes, step ids).

use std::time::Duration;

use crate::engine::archive::{ComponentDetails, FileRecord, writer};
use crate::engine::credentials::{self, Credentials};
use crate::engine::docker::{ContainerInfo, Docker, ExecRequest};
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::stack::{Component, Profile};
use crate::engine::stopped::Ledger;

use super::spool::Spool;

/// What every adapter works with.
pub struct Ctx<'a> {
    pub docker: &'a Docker,
    pub profile: &'a Profile,
    pub spool: &'a Spool,
    pub ledger: &'a Ledger,
    pub reporter: &'a dyn Reporter,
    pub cancel: &'a Cancel,
    /// Containers stopped for a copy and started again, with how long they were down, for the
    /// summary (the operator must know their services went down and came back).
    pub restarted: std::sync::Mutex<Vec<String>>,
}

/// A captured component: its archive members and its manifest details.
pub struct Captured {
    pub members: Vec<writer::Member>,
    pub records: Vec<FileRecord>,
    /// `Some("config")` for a files component, whose file is a folder.
    pub folder: Option<String>,
    pub details: ComponentDetails,
    /// Warnings for the manifest and the operator (an empty component, data off a volume).
    pub warnings: Vec<String>,
}

impl Captured {
    pub(super) fn new(details: ComponentDetails) -> Self {
        Captured {
            members: Vec::new(),
            records: Vec::new(),
            folder: None,
            details,
            warnings: Vec::new(),
        }
    }

    pub(super) fn add(&mut self, file: &super::spool::SpoolFile, name: &str, store: bool) {
        let (member, record) = file.member(name, store);
        self.members.push(member);
        self.records.push(record);
    }

    /// Bytes captured.
    pub fn size(&self) -> u64 {
        self.records.iter().map(|r| r.size).sum()
    }
}

/// How long a short command (a query, a check, a count) may take before the component fails.
const SHORT: Duration = Duration::from_secs(120);

impl Ctx<'_> {
    /// A short command: killed when the backup is cancelled or after [`SHORT`].
    pub fn short(&self, req: ExecRequest) -> ExecRequest {
        req.cancel(self.cancel).timeout(SHORT)
    }

    /// A stream (a dump, a copy) of any length: killed when the backup is cancelled.
    pub fn long(&self, req: ExecRequest) -> ExecRequest {
        req.cancel(self.cancel)
    }
}

/// The component's main container, which must exist and (for dumps) run.
pub(crate) async fn main_container(
    ctx: &Ctx<'_>,
    c: &Component,
    must_run: bool,
) -> Result<ContainerInfo> {
    let name = c
        .main_container()
        .ok_or_else(|| Error::Usage(format!("component {}: no container", c.name)))?;
    let info = ctx.docker.inspect_required(name).await?;
    if must_run && !info.running {
        return Err(Error::Other(format!(
            "component {}: container {name} is {}, not running",
            c.name, info.state
        )));
    }
    Ok(info)
}

/// The component's credentials from where its profile says.
pub(crate) fn creds(ctx: &Ctx<'_>, c: &Component, info: &ContainerInfo) -> Result<Credentials> {
    credentials::resolve(ctx.profile, c, info)
}

/// Details every adapter fills the same way: kind, time, image and digest, data path.
pub(crate) async fn base_details(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    mode: &str,
) -> ComponentDetails {
    ComponentDetails {
        kind: Some(c.kind.as_str().to_string()),
        captured_at: Some(jiff::Timestamp::now().to_string()),
        capture_mode: Some(mode.to_string()),
        image: Some(info.image.clone()),
        image_digest: ctx
            .docker
            .image_digest(&info.image_id)
            .await
            .ok()
            .flatten()
            .or_else(|| Some(info.image_id.clone())),
        ..Default::default()
    }
}

/// Containers held stopped for a consistent copy, always started again (in reverse order).
pub(crate) struct Held<'a> {
    ctx: &'a Ctx<'a>,
    pub(super) names: Vec<String>,
    since: std::time::Instant,
}

impl<'a> Held<'a> {
    /// Stops the component's dependents, then its containers, each recorded in stopped.json.
    pub async fn stop(ctx: &'a Ctx<'a>, c: &Component) -> Result<Held<'a>> {
        let mut held = Held {
            ctx,
            names: Vec::new(),
            since: std::time::Instant::now(),
        };
        let grace = Duration::from_secs(c.stop_timeout);
        for name in c.dependents.iter().chain(&c.containers) {
            let Some(info) = ctx.docker.inspect(name).await? else {
                continue;
            };
            if info.state != "running" {
                continue;
            }
            if let Err(e) = ctx
                .ledger
                .hold(ctx.docker, name, grace, &format!("backup {}", c.name))
                .await
            {
                held.release().await;
                return Err(e);
            }
            held.names.push(name.clone());
        }
        Ok(held)
    }

    /// Starts everything again; failures are reported, never silent.
    pub async fn release(mut self) -> Vec<String> {
        let mut problems = Vec::new();
        for name in std::mem::take(&mut self.names).into_iter().rev() {
            match self.ctx.ledger.release(self.ctx.docker, &name).await {
                Ok(None) => {
                    let what = format!("{name} (down {:.1} s)", self.since.elapsed().as_secs_f64());
                    self.ctx
                        .reporter
                        .event(crate::engine::progress::Event::Note {
                            message: format!("started {what} again"),
                        });
                    self.ctx
                        .restarted
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(what);
                }
                Ok(Some(note)) => problems.push(note),
                Err(e) => {
                    problems.push(format!("container {name} could not be started again: {e}"))
                }
            }
        }
        problems
    }
}

/// An `AsyncWrite` that reports bytes passing through it as a step's progress.
pub(crate) struct Counting<'a, W> {
    pub inner: W,
    pub counter: crate::engine::progress::StepCounter<'a>,
    pub cancel: &'a Cancel,
}

impl<W: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Counting<'_, W> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.cancel.is_cancelled() {
            return std::task::Poll::Ready(Err(std::io::Error::other("cancelled")));
        }
        let r = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        if let std::task::Poll::Ready(Ok(n)) = &r {
            let n = *n as u64;
            self.counter.add(n);
        }
        r
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The step id of a component's capture.
pub fn step(c: &Component) -> String {
    crate::engine::progress::StepId::Component(c.name.clone()).to_string()
}

/// Records the named volume holding `path` (name, mount point, labels) in `details.volume`, so
/// that a restore can recreate it under the same name if it is deleted.
pub(crate) async fn record_volume(
    ctx: &Ctx<'_>,
    details: &mut ComponentDetails,
    info: &ContainerInfo,
    path: &str,
) {
    let Some(m) = info.mount_at(path).filter(|m| m.kind == "volume") else {
        return;
    };
    let Some(name) = m.name.clone() else {
        return;
    };
    let labels = ctx
        .docker
        .volume_labels(&name)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    details.extra.insert(
        "volume".into(),
        serde_json::json!({"name": name, "destination": m.destination, "labels": labels}),
    );
}
