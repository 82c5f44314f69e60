//! Volumes (and any folder of a container): copied through Docker's archive API while the
//! container and its dependents are stopped, re-framed into a tar rooted at `.` with numeric
//! owners, modes and the root's owner and mode, incompressible files stored, not deflated. The
//! fingerprint (entries, files, bytes) is counted from the tar stream itself.

use serde_json::json;

use super::ctx::{Captured, Counting, Ctx, Held, base_details, main_container, step};
use super::pipe;
use super::reframe::{self, TreeStats};
use super::spool::SpoolFile;
use crate::engine::docker::ContainerInfo;
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Event, StepCounter, StepOutcome};
use crate::engine::stack::Component;

pub async fn capture(ctx: &Ctx<'_>, c: &Component) -> Result<Captured> {
    let info = main_container(ctx, c, false).await?;
    let path = c
        .data_path
        .clone()
        .ok_or_else(|| Error::Usage(format!("component {}: no data_path", c.name)))?;
    if let Some(v) = &c.volume
        && info
            .mounts
            .iter()
            .all(|m| m.name.as_deref() != Some(v.as_str()))
    {
        return Err(Error::Other(format!(
            "component {}: container {} does not mount the volume {v}",
            c.name, info.name
        )));
    }
    let (file, stats, mut details) = stopped_copy(ctx, c, &info, &path).await?;
    details.data_path = Some(path.clone());
    details.on_volume = Some(info.mount_at(&path).is_some_and(|m| m.kind == "volume"));
    super::ctx::record_volume(ctx, &mut details, &info, &path).await;
    let mut cap = finish(c, details, &file, &stats);
    if stats.files == 0 {
        cap.warnings
            .push(format!("component {}: {path} holds no files", c.name));
    }
    Ok(cap)
}

/// Manifest details and members of a re-framed copy.
pub(crate) fn finish(
    c: &Component,
    details: crate::engine::archive::ComponentDetails,
    file: &SpoolFile,
    stats: &TreeStats,
) -> Captured {
    finish_as(c, details, file, stats, &c.file)
}

/// The member name of a raw copy of a component whose own file is something else (an RDB).
pub fn raw_member(c: &Component) -> String {
    format!("{}-raw.tar.gz", c.name)
}

/// A raw copy of `path` of `info`'s (stopped) container, for a component whose logical dump
/// cannot be taken (`capture_mode: raw_copy`, member [`raw_member`]).
pub(crate) async fn raw_copy(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    path: &str,
) -> Result<Captured> {
    let (file, stats) = copy_path(ctx, c, &info.name, path).await?;
    let mut details = base_details(ctx, c, info, "raw_copy").await;
    details.data_path = Some(path.to_string());
    details.on_volume = Some(info.mount_at(path).is_some_and(|m| m.kind == "volume"));
    super::ctx::record_volume(ctx, &mut details, info, path).await;
    Ok(finish_as(c, details, &file, &stats, &raw_member(c)))
}

fn finish_as(
    c: &Component,
    mut details: crate::engine::archive::ComponentDetails,
    file: &SpoolFile,
    stats: &TreeStats,
    member: &str,
) -> Captured {
    details.root_owner = stats.root_owner.clone();
    details.root_mode = stats.root_mode.clone();
    let mut fp = details.fingerprint.take().unwrap_or_else(|| json!({}));
    fp["entries"] = json!(stats.entries);
    fp["files"] = json!(stats.files);
    fp["dirs"] = json!(stats.dirs);
    fp["symlinks"] = json!(stats.symlinks);
    fp["hardlinks"] = json!(stats.hardlinks);
    fp["bytes"] = json!(stats.bytes);
    details.fingerprint = Some(fp);
    let mut cap = Captured::new(details);
    cap.add(file, member, true);
    if !stats.skipped.is_empty() {
        cap.warnings.push(format!(
            "component {}: {} special files (sockets, FIFOs, devices) were left out: {}",
            c.name,
            stats.skipped.len(),
            stats
                .skipped
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    cap
}

/// Stops the component (and dependents), copies `path` of `info`'s container, starts them again.
pub(crate) async fn stopped_copy(
    ctx: &Ctx<'_>,
    c: &Component,
    info: &ContainerInfo,
    path: &str,
) -> Result<(
    SpoolFile,
    TreeStats,
    crate::engine::archive::ComponentDetails,
)> {
    let held = Held::stop(ctx, c).await?;
    let mode = if held.names.is_empty() && info.running {
        "live_copy"
    } else {
        "stopped_copy"
    };
    let details = base_details(ctx, c, info, mode).await;
    let copied = copy_path(ctx, c, &info.name, path).await;
    let problems = held.release().await;
    let (file, stats) = copied?;
    if let Some(p) = problems.first() {
        return Err(Error::Other(format!("component {}: {p}", c.name)));
    }
    Ok((file, stats, details))
}

/// Copies `path` of `container` into a spooled component tar.
pub(crate) async fn copy_path(
    ctx: &Ctx<'_>,
    c: &Component,
    container: &str,
    path: &str,
) -> Result<(SpoolFile, TreeStats)> {
    let step = step(c);
    ctx.reporter.event(Event::StepStarted {
        step: step.clone(),
        label: format!("{}: copy {path}", c.name),
        total: None,
    });
    let out = ctx.spool.file(&c.file)?;
    let mut p = pipe::pipe_with(move |r| reframe::reframe(r, out));
    let mut counting = Counting {
        inner: p.writer(),
        counter: StepCounter::new(ctx.reporter, &step, None),
        cancel: ctx.cancel,
    };
    // Dropping the download on cancel closes the stream: a stalled engine cannot hold us.
    let downloaded = tokio::select! {
        r = ctx.docker.download(container, path, &mut counting) => r,
        _ = ctx.cancel.cancelled() => Err(Error::Cancelled),
    };
    let cancelled = ctx.cancel.is_cancelled();
    let result = match (downloaded, p.finish().await) {
        _ if cancelled => Err(Error::Cancelled),
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e),
        (Ok(_), Ok(v)) => Ok(v),
    };
    let outcome = if result.is_ok() {
        StepOutcome::Ok
    } else {
        StepOutcome::Failed
    };
    ctx.reporter.event(Event::StepFinished {
        step,
        outcome,
        detail: None,
    });
    result
}
