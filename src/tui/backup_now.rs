//! The stack's status in the browser's header (the configured profile, its output folder and
//! its last failed backup run from runs.jsonl) and "backup now": the y/n question naming the
//! profile and folder, the run as a job with live progress and cancel, its summary, and the
//! browser read again so the new archive appears. State and `App::update` for both live here;
//! drawing is in `screens/backup.rs` and the header.

use std::path::PathBuf;

use crate::engine::progress::StepOutcome;
use crate::engine::runs::Run;
use crate::tui::action::JobId;
use crate::tui::app::{App, FolderStatus, Screen};
use crate::tui::effect::Effect;
use crate::tui::keymap::{Command, Context};
use crate::tui::steps::StepLog;

/// The configured profile as the backend read it (the one `lifeboat backup` would back up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackStatus {
    pub profile: String,
    /// Where its backups go.
    pub output_dir: PathBuf,
    /// The newest failed run of the profile in runs.jsonl (none without a state folder).
    pub last_failed: Option<Run>,
}

/// How a backup run ended, as the summary shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupEnd {
    /// The exit code `lifeboat backup` would have given (and runs.jsonl records).
    pub exit_code: u8,
    /// The committed archive and its size, if one was committed.
    pub archive: Option<(PathBuf, u64)>,
    pub captured: Vec<String>,
    /// Components that failed, with why.
    pub failed: Vec<(String, String)>,
    /// Warnings (shrinkage, low space, containers started again).
    pub warnings: Vec<String>,
    /// Containers stopped for a consistent copy and started again.
    pub restarted: Vec<String>,
    /// Why nothing was committed (the run's error).
    pub error: Option<String>,
}

impl BackupEnd {
    /// A run that ended without an archive.
    pub fn failed(exit_code: u8, why: String) -> BackupEnd {
        BackupEnd {
            exit_code,
            archive: None,
            captured: Vec::new(),
            failed: Vec::new(),
            warnings: Vec::new(),
            restarted: Vec::new(),
            error: Some(why),
        }
    }
}

/// The backup of this session (one at a time: it takes the host lock).
#[derive(Debug, Clone)]
pub struct BackupRun {
    pub job: JobId,
    pub profile: String,
    pub output_dir: PathBuf,
    pub started: jiff::Timestamp,
    pub finished: Option<jiff::Timestamp>,
    pub log: StepLog,
    /// Cancel was asked; the engine stops at its next check and starts what it stopped.
    pub cancelling: bool,
    pub end: Option<BackupEnd>,
}

impl BackupRun {
    pub fn running(&self) -> bool {
        self.end.is_none()
    }
}

impl App {
    /// The failed run the header shows, if any. Only one newer than the newest committed
    /// backup: that is "backups are failing now", what an on-call engineer must act on. A
    /// failure followed by a good backup is history (`lifeboat status` and runs.jsonl keep
    /// it); showing it in warning colour would teach people to ignore the line. A partial
    /// run (exit 2) also ends after its own archive's capture time, so it is shown: a
    /// component is missing from the newest backup.
    pub fn failed_run_to_show(&self) -> Option<&Run> {
        let run = self.stack.as_ref()?.as_ref().ok()?.last_failed.as_ref()?;
        let end: Option<jiff::Timestamp> = run.end.parse().ok();
        match (self.committed_times().first(), end) {
            (Some(newest), Some(end)) if end <= *newest => None,
            _ => Some(run),
        }
    }

    /// The stack's status arrived.
    pub(crate) fn on_stack(&mut self, stack: Result<StackStatus, String>) -> Vec<Effect> {
        self.stack = Some(stack);
        // The header may grow a line for a failed run: the list loses one.
        self.keep_selection_visible();
        Vec::new()
    }

    /// On the way out: a backup stops at its next check and starts again what it stopped.
    pub(crate) fn cancel_backup(&mut self) -> Vec<Effect> {
        match self.backup.as_mut() {
            Some(b) if b.running() && !b.cancelling => {
                b.cancelling = true;
                vec![Effect::CancelJob { job: b.job }]
            }
            _ => Vec::new(),
        }
    }

    /// `B` in the browser: ask first, naming the profile and where the archive goes.
    pub(crate) fn ask_backup(&mut self) -> Vec<Effect> {
        if self.backup.as_ref().is_some_and(BackupRun::running) {
            self.screens.push(Screen::Backup);
            return Vec::new();
        }
        if self.busy() {
            self.message = Some("a job is running: wait for it or cancel it first".into());
            return Vec::new();
        }
        match &self.stack {
            None => self.message = Some("still reading the profile; try again in a moment".into()),
            Some(Err(why)) => self.message = Some(format!("no backup from here: {why}")),
            Some(Ok(_)) => self.screens.push(Screen::BackupConfirm),
        }
        Vec::new()
    }

    /// Keys on the question and on the run's screen.
    pub(crate) fn backup_command(&mut self, ctx: Context, cmd: Command) -> Vec<Effect> {
        match (ctx, cmd) {
            (Context::BackupConfirm, Command::Yes) => {
                self.screens.pop();
                self.start_backup()
            }
            (Context::BackupConfirm, _) => {
                self.screens.pop();
                Vec::new()
            }
            (Context::BackupRunning, Command::CancelJob) => self.cancel_backup(),
            // The run goes on behind the browser; the status line shows it.
            (Context::BackupRunning | Context::BackupDone, Command::Back) => {
                self.screens.pop();
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn start_backup(&mut self) -> Vec<Effect> {
        let Some(Ok(stack)) = &self.stack else {
            return Vec::new();
        };
        let job = self.next_job;
        self.next_job += 1;
        self.backup = Some(BackupRun {
            job,
            profile: stack.profile.clone(),
            output_dir: stack.output_dir.clone(),
            started: self.now,
            finished: None,
            log: StepLog::default(),
            cancelling: false,
            end: None,
        });
        self.screens.push(Screen::Backup);
        vec![Effect::StartBackup { job }]
    }

    /// The run ended: the summary, a line for the way out, and the folders and the stack
    /// read again (the new archive at the top, a new failed run in the header).
    pub(crate) fn on_backed_up(&mut self, job: JobId, end: BackupEnd) -> Vec<Effect> {
        let now = self.now;
        let Some(b) = self.backup.as_mut().filter(|b| b.job == job) else {
            return Vec::new();
        };
        b.log.close_open(if b.cancelling {
            StepOutcome::Cancelled
        } else {
            StepOutcome::Failed
        });
        b.finished = Some(now);
        let line = match (&end.archive, &end.error) {
            (Some((path, _)), _) => format!(
                "backup of {} committed {} (exit {})",
                b.profile,
                path.display(),
                end.exit_code
            ),
            (None, Some(why)) => format!(
                "backup of {} failed (exit {}): {why}",
                b.profile, end.exit_code
            ),
            (None, None) => format!("backup of {} failed (exit {})", b.profile, end.exit_code),
        };
        let dir = end
            .archive
            .as_ref()
            .and_then(|(p, _)| p.parent())
            .map(std::path::Path::to_path_buf);
        b.end = Some(end);
        self.history.push(line);
        // The archive went to the profile's output folder; if the browser does not list that
        // folder, it does from now on, or the new archive would not appear.
        if let Some(dir) = dir
            && !self.folders.iter().any(|f| f.path == dir)
        {
            self.folders.push(crate::tui::app::Folder {
                path: dir,
                explicit: false,
                status: FolderStatus::Loading,
            });
        }
        for f in &mut self.folders {
            f.status = FolderStatus::Loading;
        }
        // Whatever is selected stays selected; the operator who did not move sees the newest,
        // which is now the archive just written.
        self.start()
    }
}
