//! A background job's number, and the verify job's state (one at a time: verifies compete for
//! the same disk). The other jobs (the wizard's checklist and run, a settle, a restart, a
//! backup) keep their state beside their part of the console; every job reports through a
//! [`StepLog`].

use std::path::PathBuf;

use super::steps::StepLog;
use crate::engine::verify::Verdict;

/// A background job's number, unique for the session.
pub type JobId = u64;

#[derive(Debug, Clone)]
pub enum JobStatus {
    Running,
    /// Cancel was asked; the job stops at its next check.
    Cancelling,
    Done(Box<Verdict>),
}

/// A background job (today: verify).
#[derive(Debug, Clone)]
pub struct Job {
    pub id: JobId,
    pub archive: PathBuf,
    pub started: jiff::Timestamp,
    pub finished: Option<jiff::Timestamp>,
    pub status: JobStatus,
    pub log: StepLog,
}

impl Job {
    pub fn is_running(&self) -> bool {
        !matches!(self.status, JobStatus::Done(_))
    }
}
