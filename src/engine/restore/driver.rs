//! The restore driver: the one place that knows how a restore runs, whichever front end asks.
//! [`arm`] loads the profile and takes the host lock (a dry run and the wizard may go on
//! without it: the checklist then shows who holds it); [`Armed::prepare`] stages and proves the
//! archive and evaluates the checklist (all `--dry-run` does); [`Armed::review`] applies the
//! operator's waivers and names what still blocks; [`Armed::run`] begins the journal, starts
//! again what a killed run left stopped, executes all-or-nothing, and lets the lock and the
//! staged copy go. Front ends ask, show and call; they never connect to Docker, take the lock
//! or write a journal themselves.

use std::path::PathBuf;

use serde::Serialize;

use super::checklist::{self, Item, ItemStatus};
use super::ctx::{Ctx, new_id};
use super::plan::Prepared;
use super::prepare::prepare;
use super::request::{Request, StageRequest, load_profile};
use super::run::{RestoreOutcome, RunOptions, execute};
use super::session;
use crate::engine::error::{Error, ErrorKind, Result};
use crate::engine::host::Host;
use crate::engine::journal::{self, Journalled, Outcome, Record, UnitState};
use crate::engine::lock::HostLock;
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::stack::Profile;

/// Whether a held lock ends the restore at once (a real restore) or is shown as a failed
/// checklist item (a dry run, the wizard before the operator decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockRule {
    Required,
    ShownIfHeld,
}

/// A restore armed under the host lock, with its plan once prepared.
pub struct Armed {
    host: Host,
    req: Request,
    profile: Profile,
    /// The profile spec that loaded, journalled so a settle loads the same one.
    spec: Option<String>,
    /// `None`: another lifeboat holds the lock (the checklist's `lock` item fails).
    lock: Option<HostLock>,
    prepared: Option<(Prepared, StagedDir)>,
    state: PathBuf,
    staging: PathBuf,
    /// What the lock's holder record says while this restore holds it.
    holder: String,
}

/// Removes a staged copy when it is dropped (the plan replaced, the wizard closed, the run over).
struct StagedDir(PathBuf);

impl Drop for StagedDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Arms the restore `req`: the archive must exist, the profile loads, and the host lock is
/// taken (`holder` is what its record says). Refused (15) while an interrupted restore is
/// unsettled; what killed restores left in staging is cleared.
pub fn arm(host: &Host, req: Request, holder: &str, rule: LockRule) -> Result<Armed> {
    if !req.archive.exists() {
        return Err(Error::NotFound(req.archive.clone()));
    }
    let (profile, spec) = load_profile(
        &host.config,
        &req.archive,
        req.profile.as_deref(),
        req.project.as_deref(),
    )?;
    let state = host.state()?;
    let staging = host.staging()?;
    let lock = match session::arm(&host.locations.lock, &state, &staging, holder) {
        Ok(l) => Some(l),
        Err(e) if rule == LockRule::ShownIfHeld && e.kind() == ErrorKind::Locked => None,
        Err(e) => return Err(e),
    };
    Ok(Armed {
        host: host.clone(),
        req,
        profile,
        spec,
        lock,
        prepared: None,
        state,
        staging,
        holder: holder.to_string(),
    })
}

/// The checklist with the operator's waivers applied.
#[derive(Debug, Clone)]
pub struct Review {
    pub items: Vec<Item>,
    /// The first item that still blocks the restore.
    pub blocker: Option<Item>,
    /// Ids of the waived items (exit 3 on the command line).
    pub waived: Vec<String>,
}

impl Review {
    /// The one line a refusal by the checklist gives, whichever front end shows it.
    pub fn refusal(&self) -> Option<String> {
        self.blocker.as_ref().map(|b| {
            format!(
                "restore refused by the checklist: {} ({}); nothing was stopped or changed",
                b.id,
                crate::engine::text::sanitize_max(&b.detail, 300)
            )
        })
    }
}

impl Armed {
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn request(&self) -> &Request {
        &self.req
    }

    /// Whether this restore holds the host lock.
    pub fn locked(&self) -> bool {
        self.lock.is_some()
    }

    /// Another choice of components (the wizard went back): the earlier plan is dropped.
    pub fn reselect(&mut self, components: Vec<String>) {
        self.prepared = None;
        self.req.selection.components = components;
    }

    /// What the journal records of this restore, when a front end learns it only after the
    /// checklist (the wizard's undo or resume): `--keep-partial` and the restore it undoes.
    pub fn set_origin(&mut self, keep_partial: bool, undoes: Option<String>) {
        self.req.keep_partial = keep_partial;
        self.req.undoes = undoes;
    }

    /// The plan of the last [`Armed::prepare`], if it is still current.
    pub fn plan(&self) -> Option<&Prepared> {
        self.prepared.as_ref().map(|(p, _)| p)
    }

    /// Stages and proves the archive, then evaluates the checklist against the live stack
    /// (the `lock` item included). A resume's archive must still be the bytes it verified.
    /// Nothing is stopped or changed.
    pub async fn prepare(&mut self, reporter: &dyn Reporter, cancel: &Cancel) -> Result<&Prepared> {
        self.prepared = None;
        if self.lock.is_none() {
            // Held by another lifeboat when armed: it may be free now.
            match session::arm(
                &self.host.locations.lock,
                &self.state,
                &self.staging,
                &self.holder,
            ) {
                Ok(l) => self.lock = Some(l),
                Err(e) if e.kind() == ErrorKind::Locked => {}
                Err(e) => return Err(e),
            }
        }
        let docker = self.host.docker().await?;
        // Ids are seconds: a restore within the second of the last one (an undo at once) waits
        // for the next, so every restore keeps a journal of its own.
        let mut id = new_id();
        while journal::path_of(&self.state, &id).exists() {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            id = new_id();
        }
        let ctx = Ctx {
            docker: &docker,
            profile: &self.profile,
            reporter,
            cancel,
            id,
        };
        let stage = StageRequest {
            profile: &self.profile,
            archive: self.req.archive.clone(),
            selection: self.req.selection.clone(),
            staging: self.staging.clone(),
            state: self.state.clone(),
            skip_validation: self.req.skip_validation,
        };
        let mut p = prepare(&ctx, &stage).await?;
        // The staged copy goes whatever happens next.
        let staged = StagedDir(p.stage_dir.clone());
        if let Some(want) = &self.req.expect_sha256
            && *want != p.sha256
        {
            return Err(changed_archive(&self.req.archive, &p.sha256, want));
        }
        p.items
            .push(session::lock_item(&self.host.locations.lock, self.locked()));
        let (p, _) = self.prepared.insert((p, staged));
        Ok(p)
    }

    /// The checklist with `accept` applied. An id that names no waivable item is refused
    /// (a usage error), so a typo never waives something else.
    pub fn review(&self, accept: &[String]) -> Result<Review> {
        let Some((p, _)) = &self.prepared else {
            return Err(Error::Usage(
                "nothing is prepared: run the checklist first".into(),
            ));
        };
        let mut items = p.items.clone();
        checklist::apply_accept(&mut items, accept).map_err(Error::Usage)?;
        Ok(Review {
            blocker: checklist::blocker(&items).cloned(),
            waived: items
                .iter()
                .filter(|i| i.status == ItemStatus::Waived)
                .map(|i| i.id.clone())
                .collect(),
            items,
        })
    }

    /// Runs the prepared restore with the operator's waivers: journal begun (Docker reached
    /// first, so an engine that does not answer leaves no journal to settle), what a killed
    /// lifeboat left stopped started again, then the engine's execution. The lock and the
    /// staged copy go when it ends, whatever happens.
    pub async fn run(
        mut self,
        accept: &[String],
        reporter: &dyn Reporter,
        cancel: &Cancel,
    ) -> Finished {
        let review = match self.review(accept) {
            Ok(r) => r,
            Err(e) => return Finished::refused(&e),
        };
        let Some((mut p, _staged)) = self.prepared.take() else {
            return Finished::refused(&Error::Usage(
                "nothing is prepared: run the checklist first".into(),
            ));
        };
        if let Some(why) = review.refusal() {
            let compat = review.blocker.as_ref().is_some_and(|b| b.compatibility);
            let mut f = Finished::refused(&Error::Other(why));
            if compat {
                f.kind = Some(ErrorKind::Incompatible);
            }
            return f;
        }
        p.items = review.items;
        let mut out = match self.execute(&p, reporter, cancel).await {
            Ok(o) => Finished::of(o),
            Err((e, journal)) => Finished::failed(&p.id, &e, journal.as_deref()),
        };
        out.waived = review.waived;
        drop(self.lock.take());
        out
    }

    async fn execute(
        &self,
        p: &Prepared,
        reporter: &dyn Reporter,
        cancel: &Cancel,
    ) -> std::result::Result<RestoreOutcome, (Error, Option<PathBuf>)> {
        let docker = self.host.docker().await.map_err(|e| (e, None))?;
        let origin = session::Origin {
            profile_spec: self.spec.clone(),
            project: self.req.project.clone(),
            keep_partial: self.req.keep_partial,
            undoes: self.req.undoes.clone(),
        };
        let journal =
            session::begin(&self.state, p, &self.profile.name, &origin).map_err(|e| (e, None))?;
        let path = journal.path().to_path_buf();
        let reporter = Journalled {
            journal: &journal,
            inner: reporter,
        };
        let ctx = Ctx {
            docker: &docker,
            profile: &self.profile,
            reporter: &reporter,
            cancel,
            id: p.id.clone(),
        };
        let ledger = crate::engine::stopped::Ledger::new(&self.state);
        if let Err(e) = ledger.release_leftovers(&docker, &reporter).await {
            // Nothing of this restore ran: its journal ends here, or it would wait to be settled.
            let _ = journal.append(Record::End {
                outcome: Outcome::Failed,
            });
            return Err((e, Some(path)));
        }
        let opts = RunOptions {
            journal: &journal,
            keep_partial: self.req.keep_partial,
            staging: self.staging.clone(),
            state: self.state.clone(),
        };
        execute(&ctx, p, &ledger, &opts)
            .await
            .map_err(|e| (e, Some(path)))
    }
}

/// The refusal of a resume whose archive is no longer the bytes the interrupted restore
/// verified (exit 13), the same from every front end.
pub fn changed_archive(archive: &std::path::Path, now: &str, then: &str) -> Error {
    Error::integrity(
        archive,
        format!(
            "not the bytes the interrupted restore verified (SHA-256 {now} now, {then} then): resume restores only those; settle it with --rollback instead"
        ),
    )
}

/// How a restore ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "end", content = "reason", rename_all = "snake_case")]
pub enum End {
    /// Every selected component restored and checked.
    Committed,
    /// Some restored, some rolled back (`--keep-partial`).
    Partial,
    /// A component failed: every swapped one was put back.
    RolledBack,
    /// The operator (or a signal) cancelled: what was swapped was put back.
    Cancelled,
    /// Refused or failed before anything was stopped.
    NothingChanged(String),
    /// Putting the old data back failed: the restore stays unsettled.
    RollbackFailed(String),
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finished {
    pub restore_id: String,
    #[serde(flatten)]
    pub end: End,
    /// Components swapped, checked and committed.
    pub restored: Vec<String>,
    /// Components put back as they were, with why.
    pub rolled_back: Vec<(String, String)>,
    /// Things the operator should know (roles created without a password, ...).
    pub notes: Vec<String>,
    /// The committed safety backup of the replaced data (`restore --undo` restores it).
    #[serde(serialize_with = "crate::engine::text::serialize_opt_path_lossy")]
    pub safety_backup: Option<PathBuf>,
    /// Checklist items waived for this run.
    pub waived: Vec<String>,
    /// For an end with an error: its kind, for the exit code.
    #[serde(skip)]
    pub kind: Option<ErrorKind>,
}

impl Finished {
    fn empty(end: End) -> Finished {
        Finished {
            restore_id: String::new(),
            end,
            restored: Vec::new(),
            rolled_back: Vec::new(),
            notes: Vec::new(),
            safety_backup: None,
            waived: Vec::new(),
            kind: None,
        }
    }

    /// A run that did not start, because of `e`.
    pub fn refused(e: &Error) -> Finished {
        let mut f = Finished::empty(End::NothingChanged(e.to_string()));
        f.kind = Some(e.kind());
        f
    }

    /// A run whose thread stopped without an answer (`message` says so): its journal says how
    /// far it got, so it is treated like a failed rollback (settle it).
    pub fn lost(message: String) -> Finished {
        let mut f = Finished::empty(End::RollbackFailed(message));
        f.kind = Some(ErrorKind::RollbackFailed);
        f
    }

    fn of(o: RestoreOutcome) -> Finished {
        let end = if o.restored.is_empty() {
            End::RolledBack
        } else if o.rolled_back.is_empty() {
            End::Committed
        } else {
            End::Partial
        };
        Finished {
            restore_id: o.restore_id,
            end,
            restored: o.restored,
            rolled_back: o.rolled_back,
            notes: o.notes,
            safety_backup: o.safety_backup,
            waived: Vec::new(),
            kind: None,
        }
    }

    /// A run that ended with `e`: a cancel says from its journal what was put back.
    fn failed(id: &str, e: &Error, journal: Option<&std::path::Path>) -> Finished {
        let end = match e.kind() {
            ErrorKind::Cancelled => End::Cancelled,
            ErrorKind::RollbackFailed => End::RollbackFailed(e.to_string()),
            _ => End::NothingChanged(e.to_string()),
        };
        let mut f = Finished::empty(end);
        f.restore_id = id.to_string();
        f.kind = Some(e.kind());
        if let Some(read) = journal.and_then(|p| journal::read(p).ok()) {
            for (c, _, _, st) in &read.units {
                match st {
                    UnitState::RolledBack => f.rolled_back.push((c.clone(), "cancelled".into())),
                    UnitState::Committed => f.restored.push(c.clone()),
                    _ => {}
                }
            }
        }
        f
    }
}
