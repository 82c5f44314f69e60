//! The backup driver: one backup run, as `lifeboat backup` and the console's "backup now" both
//! make it. The profile and selection, the host lock (refused while an interrupted restore is
//! unsettled), what a killed run left stopped started again, leftovers removed, space and write
//! access checked before anything stops, the run itself, and its line in runs.jsonl (written
//! here and nowhere else). `--dry-run`'s plan is here too, with the lock and journal checks.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::json;

use crate::engine::backup::{BackupOutcome, BackupRequest, clean_leftovers, run};
use crate::engine::error::{Error, ErrorKind, Result};
use crate::engine::exit;
use crate::engine::host::Host;
use crate::engine::journal;
use crate::engine::lock::HostLock;
use crate::engine::plan::{self, BackupPlan, Check, CheckStatus, Selection};
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::runs::{self, Run};
use crate::engine::stack::{self, Profile};

/// A backup as the operator asked for it.
#[derive(Debug, Clone, Default)]
pub struct Job {
    /// `--profile NAME|FILE` (`None`: the configured one).
    pub profile: Option<String>,
    pub project: Option<String>,
    pub selection: Selection,
    /// `--output-dir` (`None`: the configured or default folder of the profile).
    pub output_dir: Option<PathBuf>,
    /// What the lock's holder record says while this run holds it.
    pub holder: String,
    /// The signal that stopped the run, if one did: a cancelled run is recorded with its
    /// exit code (128 + N) instead of 20. The command line passes its signal watcher.
    pub signalled: Option<fn() -> Option<i32>>,
}

/// How a backup run ended.
#[derive(Debug)]
pub struct Ran {
    /// The profile that loaded, if one did.
    pub profile: Option<String>,
    pub outcome: Result<BackupOutcome>,
    /// The exit code of the run (docs/exit-codes.md), as runs.jsonl records it.
    pub code: u8,
}

impl Job {
    fn code_of(&self, e: &Error) -> u8 {
        match (e.kind(), self.signalled.and_then(|f| f())) {
            (ErrorKind::Cancelled, Some(sig)) => exit::for_signal(sig),
            (kind, _) => exit::for_backup_error(kind),
        }
    }

    fn load(&self, host: &Host) -> Result<Profile> {
        stack::load(
            self.profile.as_deref(),
            &host.config,
            self.project.as_deref(),
        )
    }

    fn output_dir(&self, host: &Host, profile: &Profile) -> PathBuf {
        self.output_dir
            .clone()
            .unwrap_or_else(|| host.locations.default_output(&host.config, &profile.name))
    }

    /// The options recorded in the manifest.
    fn options(&self) -> BTreeMap<String, serde_json::Value> {
        let mut options = BTreeMap::new();
        options.insert(
            "include_models".into(),
            json!(self.selection.include_models),
        );
        options.insert("skip".into(), json!(self.selection.skip));
        options.insert("only".into(), json!(self.selection.only));
        options
    }
}

/// Runs backup `job` and records it in runs.jsonl (a profile that does not load records
/// nothing: there is no profile to record it under).
pub async fn backup(host: &Host, job: &Job, reporter: &dyn Reporter, cancel: &Cancel) -> Ran {
    let start = jiff::Timestamp::now();
    let profile = match job.load(host) {
        Ok(p) => p,
        Err(e) => {
            return Ran {
                profile: None,
                code: job.code_of(&e),
                outcome: Err(e),
            };
        }
    };
    let outcome = locked(host, job, &profile, reporter, cancel).await;
    let (code, reason, archive) = match &outcome {
        Ok(o) => (
            exit::for_backup(o),
            o.committed
                .is_none()
                .then(|| "nothing committed".to_string())
                .or_else(|| o.reason()),
            o.committed.as_ref().map(|c| c.archive.clone()),
        ),
        Err(e) => (job.code_of(e), Some(e.to_string()), None),
    };
    if let Ok(state) = host.state() {
        let run = Run {
            start: start.to_string(),
            end: jiff::Timestamp::now().to_string(),
            profile: profile.name.clone(),
            exit_code: code,
            reason,
            archive,
        };
        // A lost line only hides this run from "last failed run"; the backup itself stands.
        let _ = runs::append(&state, &run);
    }
    Ran {
        profile: Some(profile.name),
        outcome,
        code,
    }
}

/// Takes the host lock and runs the backup: refused while an interrupted restore is unsettled
/// (it may hold half-swapped data), what a killed run left stopped started again first, its
/// leftovers removed, space and write access checked before anything is stopped or written.
async fn locked(
    host: &Host,
    job: &Job,
    profile: &Profile,
    reporter: &dyn Reporter,
    cancel: &Cancel,
) -> Result<BackupOutcome> {
    let components = plan::select(profile, &job.selection)?;
    let state = host.state()?;
    let staging = host.staging()?;
    let output_dir = job.output_dir(host, profile);
    let docker = host.docker().await?;
    let _lock = HostLock::try_acquire(&host.locations.lock, &job.holder)?;
    if let Some(r) = journal::unsettled(&state)?.first() {
        return Err(journal::refuse(r));
    }
    host.ledger()?.release_leftovers(&docker, reporter).await?;
    clean_leftovers(&output_dir, &staging);
    let p = plan::plan(&docker, profile, &components, &output_dir, &staging).await;
    if let Some(c) = p.checks.iter().find(|c| {
        c.status == CheckStatus::Fail && (c.id.starts_with("disk:") || c.id.starts_with("write:"))
    }) {
        return Err(Error::Other(format!(
            "{}: {}; nothing was written",
            c.label, c.detail
        )));
    }
    let warnings = p
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Warn && c.id.starts_with("disk:"))
        .map(|c| format!("{}: {}", c.label, c.detail))
        .collect();
    let req = BackupRequest {
        profile,
        components,
        output_dir,
        staging,
        state,
        options: job.options(),
        warnings,
    };
    run(&docker, &req, reporter, cancel).await
}

/// `--dry-run`: the plan, every check evaluated for real, the lock and an unsettled restore
/// shown as failed checks. Nothing is stopped, written or recorded.
pub async fn dry_run(host: &Host, job: &Job) -> Result<BackupPlan> {
    let profile = job.load(host)?;
    let components = plan::select(&profile, &job.selection)?;
    let state = host.state()?;
    let staging = host.staging()?;
    let output_dir = job.output_dir(host, &profile);
    let docker = host.docker().await?;
    let lock = HostLock::try_acquire(&host.locations.lock, &job.holder);
    let mut p = plan::plan(&docker, &profile, &components, &output_dir, &staging).await;
    p.checks.push(match lock {
        Ok(_) => lock_check(
            CheckStatus::Ok,
            format!("{} is free", host.locations.lock.display()),
        ),
        Err(e) => lock_check(CheckStatus::Fail, e.to_string()),
    });
    // The real run refuses (15) while an interrupted restore is unsettled.
    if let Some(r) = journal::unsettled(&state)?.first() {
        p.checks.push(Check {
            id: "journal".into(),
            label: "the host lock".into(),
            status: CheckStatus::Fail,
            detail: journal::refuse(r).to_string(),
        });
    }
    Ok(p)
}

fn lock_check(status: CheckStatus, detail: String) -> Check {
    Check {
        id: "lock".into(),
        label: "the host lock".into(),
        status,
        detail,
    }
}
