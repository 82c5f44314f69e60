//! `App::update` for the stack's status and "backup now": the y/n question naming the profile
//! and folder, the run started as a job, its cancel, its end (a line for the way out) and the
//! browser read again so the new archive appears.

use crate::engine::progress::StepOutcome;
use crate::tui::keys::table::{Command, Context};
use crate::tui::state::app::{App, Folder, FolderStatus, Screen};
use crate::tui::state::backup::{BackupEnd, BackupRun, StackStatus};
use crate::tui::state::effect::Effect;
use crate::tui::state::job::JobId;
use crate::tui::state::steps::StepLog;

impl App {
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
            self.folders.push(Folder {
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
