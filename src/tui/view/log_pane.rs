//! The jobs of the session as the jobs and log pane lists them: verifies, the backup, the
//! wizard's checklists and runs (closed ones too), a settle, each with a status word and its
//! tone; and the pane's geometry: how many job rows it shows, how many log rows are left, how
//! far the log can scroll back. Read-only, derived when drawn and when `update` bounds the
//! scroll.

use crate::engine::archive::names;
use crate::engine::verify::VerifyState;
use crate::tui::state::app::{App, file_name};
use crate::tui::state::job::{Job, JobStatus};
use crate::tui::state::log_pane::{JobRow, Tone};
use crate::tui::state::wizard::{End, Purpose, Step};

/// Job rows shown: at most a quarter of the pane, at least one, so the log keeps the rest.
pub fn job_rows_shown(inner_height: u16, jobs: usize) -> usize {
    jobs.clamp(1, usize::from(inner_height / 4).max(1))
}

/// Rows inside the border at terminal size `size` (less the status line and the footer).
fn inner_height(size: (u16, u16)) -> u16 {
    size.1.saturating_sub(2 + 2)
}

/// Rows of the job section: its title, the column names when there are jobs, the jobs.
fn jobs_height(inner: u16, jobs: usize) -> usize {
    let shown = job_rows_shown(inner, jobs);
    if jobs == 0 { 2 } else { 2 + shown }
}

/// Log rows at the current size: what PgUp/PgDn move by and scrolling is clamped to.
pub fn log_rows(app: &App) -> usize {
    let inner = inner_height(app.size);
    usize::from(inner)
        .saturating_sub(jobs_height(inner, app.job_rows().len()))
        .saturating_sub(1)
}

impl App {
    /// The most the log can be scrolled back: its first line at the top of the view.
    pub fn max_log_back(&self) -> usize {
        self.log.lines.len().saturating_sub(log_rows(self))
    }

    /// Every job of the session, oldest first: verifies, the backup, the checklists and runs
    /// of the wizard (closed ones too), a settle. A wizard that started nothing is not a job.
    pub fn job_rows(&self) -> Vec<JobRow> {
        let mut rows: Vec<JobRow> = self.jobs.values().map(verify_row).collect();
        if let Some(b) = &self.backup {
            let (status, tone) = match &b.end {
                None if b.cancelling => ("cancelling".into(), Tone::Warn),
                None => match b.log.steps.iter().rev().find(|s| s.outcome.is_none()) {
                    Some(s) => (format!("running: {}", s.step), Tone::Running),
                    None => ("running".into(), Tone::Running),
                },
                Some(e) if e.archive.is_some() && e.exit_code == 0 => {
                    ("committed".into(), Tone::Ok)
                }
                Some(e) if e.archive.is_some() => {
                    (format!("committed, exit {}", e.exit_code), Tone::Warn)
                }
                Some(_) if b.cancelling => ("cancelled".into(), Tone::Warn),
                Some(e) => (format!("FAILED, exit {}", e.exit_code), Tone::Bad),
            };
            rows.push(JobRow {
                kind: "backup",
                what: b.profile.clone(),
                status,
                tone,
                started: b.started,
                finished: b.finished,
            });
        }
        rows.extend(self.closed_wizards.iter().cloned());
        rows.extend(self.wizard_row());
        if let Some(s) = &self.settle {
            let (status, tone) = match &s.result {
                None => ("running".into(), Tone::Running),
                Some(Ok(_)) => ("done".into(), Tone::Ok),
                Some(Err(_)) => ("FAILED".into(), Tone::Bad),
            };
            rows.push(JobRow {
                kind: if s.forward { "resume" } else { "rollback" },
                what: s.restore.id.clone(),
                status,
                tone,
                started: s.started,
                finished: s.finished,
            });
        }
        rows.sort_by_key(|r| r.started);
        rows
    }

    /// The wizard's checklist or run, once it started one.
    pub(crate) fn wizard_row(&self) -> Option<JobRow> {
        let w = self.wizard.as_ref()?;
        let started = w.started?;
        let (status, tone) = match (&w.step, &w.outcome) {
            (Step::Checking, _) => ("checking".into(), Tone::Running),
            (Step::Running, _) if w.cancelling => ("cancelling".into(), Tone::Warn),
            (Step::Running, _) => ("running".into(), Tone::Running),
            (_, Some(o)) => match &o.end {
                End::Committed => ("restored".into(), Tone::Ok),
                End::Partial => ("partly restored".into(), Tone::Warn),
                End::RolledBack => ("rolled back".into(), Tone::Bad),
                End::Cancelled => ("cancelled".into(), Tone::Warn),
                End::NothingChanged(_) => ("nothing changed".into(), Tone::Warn),
                End::RollbackFailed(_) => ("ROLLBACK FAILED".into(), Tone::Bad),
            },
            (Step::Failed { .. }, None) => ("FAILED".into(), Tone::Bad),
            (_, None) => ("checked, not run".into(), Tone::Ok),
        };
        let kind = match (&w.purpose, w.outcome.is_some() || w.step == Step::Running) {
            (_, false) => "checklist",
            (Purpose::Restore, true) => "restore",
            (Purpose::Undo { .. }, true) => "undo",
            (Purpose::Resume { .. }, true) => "resume",
        };
        Some(JobRow {
            kind,
            what: archive_name(&w.archive),
            status,
            tone,
            started,
            finished: w.finished,
        })
    }
}

fn verify_row(j: &Job) -> JobRow {
    let (status, tone) = match &j.status {
        JobStatus::Running => match j.log.steps.last().and_then(|s| {
            s.total
                .filter(|t| *t > 0)
                .map(|t| s.done.saturating_mul(100) / t)
        }) {
            Some(p) => (format!("running {p}%"), Tone::Running),
            None => ("running".into(), Tone::Running),
        },
        JobStatus::Cancelling => ("cancelling".into(), Tone::Warn),
        JobStatus::Done(v) => match v.state {
            VerifyState::Verified => ("verified".into(), Tone::Ok),
            VerifyState::Warnings => ("verified, warnings".into(), Tone::Warn),
            VerifyState::Mismatch => ("MISMATCH".into(), Tone::Bad),
            VerifyState::NotCommitted => ("uncommitted".into(), Tone::Bad),
            VerifyState::Orphan => ("orphan".into(), Tone::Bad),
            VerifyState::NotFound => ("not found".into(), Tone::Bad),
            VerifyState::Error => ("could not check".into(), Tone::Bad),
            VerifyState::Cancelled => ("cancelled".into(), Tone::Warn),
        },
    };
    JobRow {
        kind: "verify",
        what: archive_name(&j.archive),
        status,
        tone,
        started: j.started,
        finished: j.finished,
    }
}

/// The file name without `.tar.gz` (or `.sha256` for an orphan sidecar): the time in it is
/// what tells two archives apart, and it must survive a narrow column.
fn archive_name(p: &std::path::Path) -> String {
    let name = file_name(p);
    let stem = name.strip_suffix(".sha256").unwrap_or(&name);
    stem.strip_suffix(names::ARCHIVE_EXT)
        .unwrap_or(stem)
        .to_string()
}
