//! What a background job reported, folded into one view: its steps as last seen (label, bytes
//! done of total, how each ended), its warnings and notes. Every job kind (verify, the restore's
//! checklist and run, a settle, a restart) keeps one, fed by the same two actions.

use crate::engine::progress::{Event, StepOutcome};

/// One step of a job as last reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepView {
    pub step: String,
    pub label: String,
    pub done: u64,
    pub total: Option<u64>,
    pub outcome: Option<StepOutcome>,
    /// Why it failed, when the engine said.
    pub detail: Option<String>,
}

/// A job's reports so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepLog {
    pub steps: Vec<StepView>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

impl StepLog {
    /// Folds one lifecycle event in.
    pub fn apply(&mut self, e: Event) {
        match e {
            Event::StepStarted { step, label, total } => self.steps.push(StepView {
                step,
                label,
                done: 0,
                total,
                outcome: None,
                detail: None,
            }),
            Event::StepFinished {
                step,
                outcome,
                detail,
            } => {
                if let Some(s) = self.steps.iter_mut().rev().find(|s| s.step == step) {
                    s.outcome = Some(outcome);
                    s.detail = detail;
                    if outcome == StepOutcome::Ok {
                        s.done = s.total.unwrap_or(s.done);
                    }
                }
            }
            Event::Warning { message } => self.warnings.push(message),
            Event::Note { message } => self.notes.push(message),
            Event::JobStarted { .. } | Event::JobFinished { .. } | Event::Progress { .. } => {}
        }
    }

    /// The latest byte counts of running steps.
    pub fn progress(&mut self, steps: Vec<(String, u64, Option<u64>)>) {
        for (step, done, total) in steps {
            if let Some(s) = self
                .steps
                .iter_mut()
                .rev()
                .find(|s| s.step == step && s.outcome.is_none())
            {
                s.done = done;
                s.total = total.or(s.total);
            }
        }
    }

    /// The latest report of step `id`, running or ended.
    pub fn last(&self, id: &str) -> Option<&StepView> {
        self.steps.iter().rev().find(|s| s.step == id)
    }

    /// Marks every step still open as ended with `outcome` (the job ended without saying).
    pub fn close_open(&mut self, outcome: StepOutcome) {
        for s in self.steps.iter_mut().filter(|s| s.outcome.is_none()) {
            s.outcome = Some(outcome);
        }
    }
}
