//! The restore half of the real backend: the same engine calls in the same order as
//! `lifeboat restore` (src/cli/commands/restore.rs), split at the points where the console
//! waits for the operator. `prepare` arms (the lock, once per wizard) and runs the checklist for
//! real; the armed [`Session`] (lock, profile, staged plan) waits in the backend while the
//! operator reads, waives and types; `run` applies the waivers, checks for a blocker, begins the
//! journal, starts what a killed lifeboat left stopped, executes, and lets the lock and the
//! staged copy go. Settle and restart take the lock for their own run. Every method blocks (it
//! runs on a blocking thread) and drives the async engine on the console's runtime.

use std::future::Future;
use std::path::{Path, PathBuf};

use crate::engine::archive::peek;
use crate::engine::docker::Docker;
use crate::engine::error::{Error, ErrorKind, Result};
use crate::engine::journal::{self, Journalled, Record, UnitState};
use crate::engine::lock::{self, HostLock};
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::restore::{
    self, Ctx, Prepared, RestoreRequest, RestoreSelection, RunOptions, checklist, session, settle,
};
use crate::engine::stack::{self, Component, Kind, Profile};
use crate::engine::state::Locations;
use crate::engine::stopped::Ledger;
use crate::tui::backend::Engine;
use crate::tui::incidents::{Held, Incidents, Interrupted, LockInfo, LockNow, SettledView};
use crate::tui::restore::{
    Choice, End, Outcome, Plan, PlanComponent, PrepareRequest, Refusal, RunRequest, Target,
};

/// What the lock file's holder record says while the console holds it.
const WHO: &str = "lifeboat console (restore)";

/// An armed restore: the lock (`None`: another lifeboat holds it, and the checklist says so),
/// the profile, and the plan with its staged copy.
pub struct Session {
    lock: Option<HostLock>,
    profile: Profile,
    spec: Option<String>,
    prepared: Option<Prepared>,
    staged: Option<StagedDir>,
}

/// Removes a staged copy when it is dropped (the plan replaced, the wizard closed, the run over).
struct StagedDir(PathBuf);

impl Drop for StagedDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs async engine work from a blocking thread on the console's runtime.
pub(crate) fn block_on<T>(f: impl Future<Output = Result<T>>) -> Result<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => h.block_on(f),
        Err(_) => Err(Error::Other("no async runtime for the engine".into())),
    }
}

/// The state folder and the staging folder.
fn folders(l: &Locations) -> Result<(PathBuf, PathBuf)> {
    let state = l.require_state()?.to_path_buf();
    let staging = l.staging.clone().unwrap_or_else(|| state.join("staging"));
    Ok((state, staging))
}

/// The profile `spec` names (the archive's own), else the configured one, as the command line
/// does when `--profile` is not given. Returns the spec that loaded, for the journal.
fn load_profile(e: &Engine, spec: Option<&str>) -> Result<(Profile, Option<String>)> {
    match stack::load(spec, &e.config, None) {
        Ok(p) => Ok((p, spec.map(str::to_string))),
        Err(_) if spec.is_some() => Ok((stack::load(None, &e.config, None)?, None)),
        Err(err) => Err(err),
    }
}

pub fn target(e: &Engine, archive: &Path, spec: Option<&str>) -> Result<Target> {
    let m = peek::read_manifest(archive)?;
    let (profile, spec) = load_profile(e, spec)?;
    // An empty default selection (only files components) leaves every box empty to tick.
    let defaults = restore::select(&profile, &m, &RestoreSelection::default()).unwrap_or_default();
    let choices = m
        .components
        .iter()
        .map(|name| {
            let c = profile.component(name);
            let details = m.details().get(name);
            Choice {
                name: name.clone(),
                kind: c
                    .map(|c| c.kind.as_str().to_string())
                    .or_else(|| details.and_then(|d| d.kind.clone()))
                    .unwrap_or_else(|| "?".into()),
                size: details.map(|d| d.size).unwrap_or(0),
                on: defaults.iter().any(|d| d.name == *name),
                unknown: c.is_none(),
            }
        })
        .collect();
    Ok(Target {
        profile: profile.name.clone(),
        spec,
        stack: profile.project.clone(),
        choices,
    })
}

pub fn prepare(
    e: &Engine,
    req: &PrepareRequest,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> std::result::Result<Plan, Refusal> {
    let failed = |e: Error| match e.kind() {
        ErrorKind::Cancelled => Refusal::Cancelled,
        _ => Refusal::Failed(e.to_string()),
    };
    let (state, staging) = folders(&e.locations).map_err(failed)?;
    let (profile, spec) = load_profile(e, req.spec.as_deref()).map_err(failed)?;
    // The earlier plan's staged copy goes now; its lock stays (armed once per wizard).
    let old = take_session(e);
    let lock = match old.and_then(|mut s| s.lock.take()) {
        Some(l) => Some(l),
        None => match session::arm(&e.locations.lock, &state, &staging, WHO) {
            Ok(l) => Some(l),
            // As `--dry-run` does: a held lock is a failed checklist item, not the end.
            Err(err) if err.kind() == ErrorKind::Locked => None,
            Err(err) => return Err(failed(err)),
        },
    };
    let rreq = RestoreRequest {
        profile: &profile,
        archive: req.archive.clone(),
        selection: RestoreSelection {
            components: req.components.clone(),
            skip: Vec::new(),
            restore_config: false,
        },
        staging,
        state,
        accept: Vec::new(),
        keep_partial: false,
        skip_validation: false,
    };
    let id = restore::new_id();
    let prepared = block_on(async {
        let docker = Docker::connect().await?;
        let ctx = Ctx {
            docker: &docker,
            profile: &profile,
            reporter,
            cancel,
            id,
        };
        restore::prepare(&ctx, &rreq).await
    });
    let mut prepared = match prepared {
        Ok(p) => p,
        Err(err) => {
            keep_lock(e, lock, profile, spec);
            return Err(failed(err));
        }
    };
    let staged = StagedDir(prepared.stage_dir.clone());
    if let Some(want) = &req.expect_sha256
        && *want != prepared.sha256
    {
        keep_lock(e, lock, profile, spec);
        return Err(Refusal::Failed(format!(
            "{}: not the bytes the interrupted restore verified (SHA-256 {} now, {want} then): resume restores only those; roll it back instead",
            req.archive.display(),
            prepared.sha256
        )));
    }
    prepared
        .items
        .push(session::lock_item(&e.locations.lock, lock.is_some()));
    let plan = plan_of(&prepared);
    put_session(
        e,
        Session {
            lock,
            profile,
            spec,
            prepared: Some(prepared),
            staged: Some(staged),
        },
    );
    Ok(plan)
}

fn take_session(e: &Engine) -> Option<Session> {
    e.session
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
}

fn put_session(e: &Engine, s: Session) {
    *e.session
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(s);
}

/// A failed checklist keeps the wizard armed: the operator may go back and try again.
fn keep_lock(e: &Engine, lock: Option<HostLock>, profile: Profile, spec: Option<String>) {
    put_session(
        e,
        Session {
            lock,
            profile,
            spec,
            prepared: None,
            staged: None,
        },
    );
}

pub fn run(e: &Engine, req: &RunRequest, reporter: &dyn Reporter, cancel: &Cancel) -> Outcome {
    let mut out = Outcome::refused(String::new());
    // The session is consumed: whatever happens, its lock and staged copy go when this ends.
    let Some(mut s) = take_session(e) else {
        out.end = End::NothingChanged("nothing is prepared: run the checklist first".into());
        return out;
    };
    let (Some(mut p), Some(_staged)) = (s.prepared.take(), s.staged.take()) else {
        out.end = End::NothingChanged("nothing is prepared: run the checklist first".into());
        return out;
    };
    out.restore_id = p.id.clone();
    if let Err(why) = checklist::apply_accept(&mut p.items, &req.accept) {
        out.end = End::NothingChanged(why);
        return out;
    }
    if let Some(b) = checklist::blocker(&p.items) {
        out.end = End::NothingChanged(format!(
            "refused by the checklist: {} ({}); nothing was stopped or changed",
            b.id, b.detail
        ));
        return out;
    }
    out.waived = p
        .items
        .iter()
        .filter(|i| i.status == restore::ItemStatus::Waived)
        .map(|i| i.id.clone())
        .collect();
    match execute(e, &s, &p, req, reporter, cancel) {
        Ok((o, _)) => {
            out.end = if o.restored.is_empty() {
                End::RolledBack
            } else if o.rolled_back.is_empty() {
                End::Committed
            } else {
                End::Partial
            };
            out.restored = o.restored;
            out.rolled_back = o.rolled_back;
            out.notes = o.notes;
            out.safety_backup = o.safety_backup;
        }
        Err((err, journal)) => {
            out.end = match err.kind() {
                ErrorKind::Cancelled => End::Cancelled,
                ErrorKind::RollbackFailed => End::RollbackFailed(err.to_string()),
                _ => End::NothingChanged(err.to_string()),
            };
            // `execute` returns no outcome with a cancel: the journal says what was put back.
            if let Some(read) = journal.and_then(|p| journal::read(&p).ok()) {
                for (c, _, _, st) in &read.units {
                    match st {
                        UnitState::RolledBack => {
                            out.rolled_back.push((c.clone(), "cancelled".into()));
                        }
                        UnitState::Committed => out.restored.push(c.clone()),
                        _ => {}
                    }
                }
            }
        }
    }
    drop(s.lock.take());
    out
}

type Executed = std::result::Result<(restore::RestoreOutcome, PathBuf), (Error, Option<PathBuf>)>;

/// The journalled part, as the command line runs it: Docker first (so a daemon that does not
/// answer leaves no journal to settle), the journal's first record, what a killed lifeboat left
/// stopped started again, then the engine's execution.
fn execute(
    e: &Engine,
    s: &Session,
    p: &Prepared,
    req: &RunRequest,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Executed {
    let (state, staging) = folders(&e.locations).map_err(|err| (err, None))?;
    let docker = block_on(Docker::connect()).map_err(|err| (err, None))?;
    let origin = session::Origin {
        profile_spec: s.spec.clone(),
        project: None,
        keep_partial: req.keep_partial,
        undoes: req.undoes.clone(),
    };
    let journal = session::begin(&state, p, &s.profile.name, &origin).map_err(|err| (err, None))?;
    let path = journal.path().to_path_buf();
    let reporter = Journalled {
        journal: &journal,
        inner: reporter,
    };
    let ledger = Ledger::new(&state);
    let ctx = Ctx {
        docker: &docker,
        profile: &s.profile,
        reporter: &reporter,
        cancel,
        id: p.id.clone(),
    };
    if let Err(err) = block_on(session::release_leftovers(&docker, &ledger, &reporter)) {
        // Nothing of this restore ran: say so in its journal, or it would wait to be settled.
        let _ = journal.append(Record::End {
            outcome: "failed".into(),
        });
        return Err((err, Some(path)));
    }
    let opts = RunOptions {
        journal: &journal,
        keep_partial: req.keep_partial,
        staging,
        state,
    };
    match block_on(restore::execute(&ctx, p, &ledger, &opts)) {
        Ok(o) => Ok((o, path)),
        Err(err) => Err((err, Some(path))),
    }
}

pub fn close(e: &Engine) {
    drop(take_session(e));
}

pub fn settle(e: &Engine, id: &str, forward: bool, reporter: &dyn Reporter) -> Result<SettledView> {
    let (state, staging) = folders(&e.locations)?;
    let _lock = HostLock::try_acquire(&e.locations.lock, "lifeboat console (settle)")?;
    let read = journal::find(&state, id)?;
    if let Some(end) = &read.end {
        return Err(Error::Usage(format!(
            "restore {id} is already settled ({end}); nothing to do"
        )));
    }
    let profile = stack::load(
        read.begin.profile_spec.as_deref(),
        &e.config,
        read.begin.project.as_deref(),
    )?;
    // Settling runs to its end: no cancel reaches it.
    let calm = Cancel::new();
    let s = block_on(async {
        let docker = Docker::connect().await?;
        let ctx = Ctx {
            docker: &docker,
            profile: &profile,
            reporter,
            cancel: &calm,
            id: id.to_string(),
        };
        settle::settle(&ctx, &Ledger::new(&state), &read, &staging, forward).await
    })?;
    Ok(SettledView {
        rolled_back: s.rolled_back,
        kept: s.kept,
        remaining: s.remaining,
        started: s.started,
        notes: s.notes,
    })
}

pub fn restart(e: &Engine, _reporter: &dyn Reporter) -> Result<crate::engine::recover::Released> {
    let (state, _) = folders(&e.locations)?;
    let _lock = HostLock::try_acquire(&e.locations.lock, "lifeboat console (restart)")?;
    // Under the lock every unsettled journal is an interrupted restore.
    let pending = journal::unsettled(&state)?;
    let ledger = Ledger::new(&state);
    block_on(async {
        let docker = Docker::connect().await?;
        crate::engine::recover::release_held(&docker, &ledger, &pending).await
    })
}

/// The recovery state, read without the lock.
pub fn incidents(l: &Locations) -> Incidents {
    let now = match lock::held_now(&l.lock) {
        Ok(Some(pid)) => LockNow::Held(pid),
        Ok(None) => LockNow::Free,
        Err(err) => LockNow::Unknown(format!("/proc/locks: {err}")),
    };
    let mut out = Incidents {
        lock: LockInfo {
            path: l.lock.clone(),
            holder: lock::read_holder(&l.lock),
            now,
        },
        state: l.state.clone(),
        ..Default::default()
    };
    let Some(state) = &l.state else {
        return out;
    };
    let pending = journal::unsettled(state).unwrap_or_else(|err| {
        out.problems.push(err.to_string());
        Vec::new()
    });
    out.interrupted = pending.iter().map(interrupted).collect();
    let held = Ledger::new(state).list().unwrap_or_else(|err| {
        out.problems.push(err.to_string());
        Vec::new()
    });
    out.stopped = held
        .into_iter()
        .map(|h| Held {
            frozen_by: pending
                .iter()
                .find(|r| {
                    !r.mid_swap_containers().is_empty()
                        && h.purpose.ends_with(&format!(" {}", r.begin.id))
                })
                .map(|r| r.begin.id.clone()),
            container: h.container,
            since: h.since,
            purpose: h.purpose,
            was_running: h.was_running,
            restart_policy: h.restart_policy,
        })
        .collect();
    out
}

fn interrupted(r: &journal::Read) -> Interrupted {
    let alive = r.begin.pid != 0 && Path::new(&format!("/proc/{}", r.begin.pid)).exists();
    Interrupted {
        id: r.begin.id.clone(),
        describe: r.describe(),
        archive: r.begin.archive.clone(),
        sha256: r.begin.archive_sha256.clone(),
        components: r.begin.components.clone(),
        units: r
            .units
            .iter()
            .map(|(c, _, _, st)| (c.clone(), unit_word(*st)))
            .collect(),
        began_at: r.began_at.clone(),
        pid: r.begin.pid,
        alive,
        profile_spec: r.begin.profile_spec.clone(),
        undoes: r.begin.undoes.clone(),
        keep_partial: r.begin.keep_partial,
    }
}

fn unit_word(s: UnitState) -> &'static str {
    match s {
        UnitState::Staged => "staged; its live data never touched",
        UnitState::MidSwap => "HALF-SWAPPED: kept stopped",
        UnitState::Swapped => "swapped and checked; its old data kept",
        UnitState::RolledBack => "rolled back",
        UnitState::Committed => "committed",
    }
}

/// The plan screen's view of a prepared restore.
fn plan_of(p: &Prepared) -> Plan {
    Plan {
        id: p.id.clone(),
        backup_name: p.backup_name.clone(),
        captured_at: p.captured_at.clone(),
        sha256: p.sha256.clone(),
        components: p
            .selected
            .iter()
            .map(|c| {
                let d = p.details(&c.name);
                let mut stops = c.containers.clone();
                for d in &c.dependents {
                    if !stops.contains(d) {
                        stops.push(d.clone());
                    }
                }
                if c.kind == Kind::Files || c.kind == Kind::Exec {
                    stops.clear();
                }
                PlanComponent {
                    name: c.name.clone(),
                    kind: c.kind.as_str().to_string(),
                    stops,
                    replaces: replaces(c),
                    bytes: d
                        .map(|d| d.size + d.extra_files.iter().map(|f| f.size).sum::<u64>())
                        .unwrap_or(0),
                    expected: d.and_then(|d| d.fingerprint.as_ref()).and_then(expected),
                }
            })
            .collect(),
        items: p.items.clone(),
    }
}

/// What a restore of `c` replaces, in words.
pub fn replaces(c: &Component) -> String {
    let main = c.main_container().unwrap_or("its container");
    match c.kind {
        Kind::Postgres => {
            format!("its database in {main} (the old one kept until the restore commits)")
        }
        Kind::Redis => format!("the Redis data of {main}"),
        Kind::Chroma => format!("the Chroma data of {main}"),
        Kind::Volume => match &c.volume {
            Some(v) => format!("volume {v}"),
            None => format!("the data of {main}"),
        },
        Kind::Files => "nothing: the files are written beside the live ones, for review".into(),
        Kind::Exec => format!("what its restore command changes in {main} (it cannot be undone)"),
    }
}

/// What a recorded fingerprint promises, in a few words: "3 tables, 12,340 rows".
pub fn expected(fp: &serde_json::Value) -> Option<String> {
    use crate::engine::restore::live::group;
    let mut parts = Vec::new();
    if let Some(t) = fp.get("tables").and_then(|t| t.as_object()) {
        let rows: u64 = t.values().filter_map(|v| v.as_u64()).sum();
        parts.push(format!("{} tables, {} rows", t.len(), group(rows)));
    }
    if let Some(k) = fp.get("keys").and_then(|k| k.as_u64()) {
        parts.push(format!("{} keys", group(k)));
    }
    if let Some(c) = fp.get("collections").and_then(|c| c.as_object()) {
        let n: u64 = c.values().filter_map(|v| v.as_u64()).sum();
        parts.push(format!("{} collections, {} records", c.len(), group(n)));
    }
    if let Some(f) = fp.get("files").and_then(|f| f.as_u64()) {
        let bytes = fp.get("bytes").and_then(|b| b.as_u64()).unwrap_or(0);
        parts.push(format!(
            "{} files, {}",
            group(f),
            humansize::format_size(bytes, humansize::BINARY)
        ));
    }
    if let Some(s) = fp.get("sources").and_then(|s| s.as_array()) {
        parts.push(format!("{} files", s.len()));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}
