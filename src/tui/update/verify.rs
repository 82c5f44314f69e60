//! `App::update` for verify: starting one on an archive (one at a time: verifies compete for
//! the same disk, and the operator watches one screen), cancelling the one shown, and its
//! verdict arriving, which moves the archive's badge in the browser at once.

use std::path::PathBuf;

use crate::engine::catalog::ListState;
use crate::engine::verify::{Verdict, VerifyState};
use crate::tui::state::app::{App, Screen, file_name};
use crate::tui::state::effect::Effect;
use crate::tui::state::job::{Job, JobId, JobStatus};

impl App {
    /// Starts a verify of `archive` and shows it. One verify at a time: they would compete for
    /// the same disk, and the operator watches one screen.
    pub(super) fn start_verify(&mut self, archive: PathBuf) -> Vec<Effect> {
        if let Some(j) = self.running_job() {
            let (id, same) = (j.id, j.archive == archive);
            if same {
                self.screens.push(Screen::Verify { job: id });
            } else {
                self.message = Some(format!(
                    "a verify is already running ({}); wait for it or cancel it",
                    file_name(&j.archive)
                ));
            }
            return Vec::new();
        }
        let id = self.next_job;
        self.next_job += 1;
        self.jobs.insert(
            id,
            Job {
                id,
                archive: archive.clone(),
                started: self.now,
                finished: None,
                status: JobStatus::Running,
                log: Default::default(),
            },
        );
        self.screens.push(Screen::Verify { job: id });
        vec![Effect::StartVerify { job: id, archive }]
    }

    pub(super) fn cancel_shown_job(&mut self) -> Vec<Effect> {
        let Some(Screen::Verify { job }) = self.screens.last() else {
            return Vec::new();
        };
        let job = *job;
        match self.jobs.get_mut(&job) {
            Some(j) if matches!(j.status, JobStatus::Running) => {
                j.status = JobStatus::Cancelling;
                vec![Effect::CancelJob { job }]
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn on_verified(&mut self, job: JobId, verdict: Box<Verdict>) -> Vec<Effect> {
        let now = self.now;
        let Some(j) = self.jobs.get_mut(&job) else {
            return Vec::new();
        };
        j.log.close_open(match verdict.state {
            VerifyState::Cancelled => crate::engine::progress::StepOutcome::Cancelled,
            _ => crate::engine::progress::StepOutcome::Failed,
        });
        j.finished = Some(now);
        let archive = j.archive.clone();
        // The badge follows the verdict at once (the engine recorded it in the index too,
        // when there is one; without one this session's result is all there is).
        if let Some(e) = self.entries.iter_mut().find(|e| e.info.path == archive) {
            let badge = match verdict.state {
                VerifyState::Verified | VerifyState::Warnings => Some(ListState::Verified),
                VerifyState::Mismatch => Some(ListState::Mismatch),
                VerifyState::NotCommitted => Some(ListState::Uncommitted),
                VerifyState::Orphan => Some(ListState::Orphan),
                _ => None,
            };
            if let Some(state) = badge {
                e.info.state = state;
                if matches!(state, ListState::Verified | ListState::Mismatch) {
                    e.info.verified_at = Some(now.to_string());
                    e.info.reason = verdict
                        .reason
                        .clone()
                        .or_else(|| verdict.warnings.first().cloned());
                }
            }
        }
        if let Some(j) = self.jobs.get_mut(&job) {
            j.status = JobStatus::Done(verdict);
        }
        self.quit_if_done()
    }
}
