//! The jobs and log pane (`J`): this session's jobs (verifies, the backup, the wizard's
//! checklist or restore, a settle) in one table, and the tail of the log the tap
//! (`log_tap`) forwards, newest at the bottom, following the end unless scrolled. State and
//! its part of `App::update` live here; drawing is in `screens/jobs.rs`.

use std::collections::VecDeque;

use crate::engine::archive::names;
use crate::engine::verify::VerifyState;
use crate::tui::app::{App, JobStatus, Screen};
use crate::tui::effect::Effect;
use crate::tui::keymap::Command;
use crate::tui::log_tap::LogLine;
use crate::tui::restore::{End, Purpose, Step};

/// Lines the pane keeps; older ones are dropped (the log file has them all).
pub const KEEP: usize = 500;

/// The log lines of this session, as the pane shows them.
#[derive(Debug, Clone, Default)]
pub struct LogTail {
    pub lines: VecDeque<LogLine>,
    /// How many lines up from the end the view's last row is; 0 follows the end.
    pub back: usize,
    /// WARN lines that arrived while the pane was not on top (the browser says so).
    pub unseen_warnings: usize,
    /// ERROR lines likewise.
    pub unseen_errors: usize,
}

/// How a job's status reads: the colour of its word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Running,
    Ok,
    Warn,
    Bad,
}

/// One job of the session as the pane lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub kind: &'static str,
    /// The archive (without its extension), the profile, or the restore's id.
    pub what: String,
    pub status: String,
    pub tone: Tone,
    pub started: jiff::Timestamp,
    pub finished: Option<jiff::Timestamp>,
}

impl App {
    /// Lines from the tap: kept (the last [`KEEP`]), counted when the pane is not looking,
    /// and a scrolled view held still over the lines it shows.
    pub(crate) fn on_log(&mut self, lines: Vec<LogLine>) -> Vec<Effect> {
        let looking = self.screens.last() == Some(&Screen::Jobs);
        let tail = &mut self.log;
        for line in lines {
            if !looking {
                match line.level {
                    tracing::Level::ERROR => tail.unseen_errors += 1,
                    tracing::Level::WARN => tail.unseen_warnings += 1,
                    _ => {}
                }
            }
            tail.lines.push_back(line);
            if tail.lines.len() > KEEP {
                tail.lines.pop_front();
            }
            // A scrolled view stays over the lines it shows: the end moved one line away
            // from it (whether or not the oldest line was dropped at the top).
            if tail.back > 0 {
                tail.back += 1;
            }
        }
        self.clamp_log_scroll();
        Vec::new()
    }

    /// `J` in the browser: the pane, following the end; what it shows is now seen.
    pub(crate) fn open_jobs(&mut self) -> Vec<Effect> {
        self.log.back = 0;
        self.log.unseen_warnings = 0;
        self.log.unseen_errors = 0;
        self.screens.push(Screen::Jobs);
        Vec::new()
    }

    /// Keys on the pane: scroll the log, End follows it again, Esc back.
    pub(crate) fn jobs_command(&mut self, cmd: Command) -> Vec<Effect> {
        let page = crate::tui::screens::jobs::log_rows(self).max(1);
        let back = self.log.back;
        self.log.back = match cmd {
            Command::Up => back + 1,
            Command::Down => back.saturating_sub(1),
            Command::PageUp => back + page,
            Command::PageDown => back.saturating_sub(page),
            Command::Top => usize::MAX,
            Command::Bottom => 0,
            Command::Back => {
                self.screens.pop();
                back
            }
            _ => back,
        };
        self.clamp_log_scroll();
        Vec::new()
    }

    /// The most the log can be scrolled back: its first line at the top of the view.
    pub fn max_log_back(&self) -> usize {
        self.log
            .lines
            .len()
            .saturating_sub(crate::tui::screens::jobs::log_rows(self))
    }

    pub(crate) fn clamp_log_scroll(&mut self) {
        self.log.back = self.log.back.min(self.max_log_back());
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
}

impl App {
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

    /// The wizard is closing: its job stays listed for the rest of the session.
    pub(crate) fn keep_wizard_row(&mut self) {
        if let Some(row) = self.wizard_row() {
            self.closed_wizards.push(row);
        }
    }
}

fn verify_row(j: &crate::tui::app::Job) -> JobRow {
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
    let name = crate::tui::update::file_name(p);
    let stem = name.strip_suffix(".sha256").unwrap_or(&name);
    stem.strip_suffix(names::ARCHIVE_EXT)
        .unwrap_or(stem)
        .to_string()
}
