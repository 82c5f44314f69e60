//! `App::update`: the only place the console's state changes. It takes one [`Action`] and
//! returns the [`Effect`]s the runtime must carry out; it never does I/O and never reads the
//! clock, so tests drive it with keys and scripted job reports alone. This module dispatches:
//! each action and each key command goes to the part of the console it concerns (the sibling
//! modules, each an `impl App` block of its own); leaving and the way out are here.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::keys::lookup;
use crate::tui::keys::table::{Command, Context};
use crate::tui::state::action::Action;
use crate::tui::state::app::{App, Leaving, Screen, file_name};
use crate::tui::state::effect::Effect;
use crate::tui::state::job::{JobId, JobStatus};
use crate::tui::state::steps::StepLog;

impl App {
    /// What to do first: list every folder.
    pub fn init(&self) -> Vec<Effect> {
        self.folders
            .iter()
            .enumerate()
            .map(|(folder, f)| Effect::ListFolder {
                folder,
                dir: f.path.clone(),
            })
            .collect()
    }

    /// What to do when the console opens (and on `r`, and after a backup): list every folder,
    /// read the recovery state and the stack's status.
    pub fn start(&self) -> Vec<Effect> {
        let mut effects = self.init();
        effects.push(Effect::LoadIncidents);
        effects.push(Effect::LoadStack);
        effects
    }

    /// Applies one action; returns what the runtime must do about it.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Key(k) => self.on_key(&k),
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.keep_selection_visible();
                Vec::new()
            }
            Action::Tick(now) => {
                self.now = now;
                Vec::new()
            }
            Action::FolderListed { folder, result } => self.on_listed(folder, result),
            Action::ManifestLoaded { archive, result } => {
                let selected = self.selected_path();
                if let Some(e) = self.entries.iter_mut().find(|e| e.info.path == archive) {
                    e.manifest_pending = false;
                    match result {
                        Ok(m) => e.info.manifest = Some(*m),
                        Err(why) => e.info.manifest_problem = Some(why),
                    }
                }
                // The manifest's timestamp may move the archive in the list.
                self.sort_entries();
                self.reselect(selected.as_deref());
                Vec::new()
            }
            Action::JobEvents { job, events } => {
                if let Some(log) = self.log_of(job) {
                    events.into_iter().for_each(|e| log.apply(e));
                }
                Vec::new()
            }
            Action::JobProgress { job, steps } => {
                if let Some(log) = self.log_of(job) {
                    log.progress(steps);
                }
                Vec::new()
            }
            Action::VerifyFinished { job, verdict } => self.on_verified(job, verdict),
            Action::IncidentsLoaded(inc) => {
                self.on_incidents(*inc);
                Vec::new()
            }
            Action::RestoreTargetLoaded { archive, result } => {
                self.on_target(&archive, result);
                Vec::new()
            }
            Action::RestorePrepared { job, result } => {
                self.on_prepared(job, result);
                self.quit_if_done()
            }
            Action::RestoreFinished { job, outcome } => {
                let mut effects = self.on_restored(job, *outcome);
                effects.extend(self.quit_if_done());
                effects
            }
            Action::SettleFinished { job, result } => {
                let mut effects = self.on_settled(job, result);
                effects.extend(self.quit_if_done());
                effects
            }
            Action::RestartFinished { job, result } => {
                let mut effects = self.on_restarted(job, result);
                effects.extend(self.quit_if_done());
                effects
            }
            Action::StackLoaded(result) => self.on_stack(result.map(|s| *s)),
            Action::BackupFinished { job, end } => {
                let mut effects = self.on_backed_up(job, *end);
                effects.extend(self.quit_if_done());
                effects
            }
            Action::Log(lines) => self.on_log(lines),
            Action::Signal(sig) => self.leave(Leaving::Signal(sig)),
            Action::InputClosed => self.leave(Leaving::Hangup),
        }
    }

    fn on_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let ctx = self.context();
        self.message = None;
        match lookup::lookup(ctx, key) {
            Some(cmd) => self.command(ctx, cmd),
            // Any key closes the help; only its own keys are listed.
            None if ctx == Context::Help => {
                self.help = false;
                Vec::new()
            }
            None if matches!(
                ctx,
                Context::FilterEdit | Context::RestoreWaive | Context::RestoreConfirm
            ) =>
            {
                if let KeyCode::Char(c) = key.code
                    && !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                {
                    if ctx == Context::FilterEdit {
                        self.browser.filter.text.push(c);
                        self.filter_changed();
                    } else {
                        self.restore_typed(c);
                    }
                }
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    fn command(&mut self, ctx: Context, cmd: Command) -> Vec<Effect> {
        match (ctx, cmd) {
            (_, Command::Quit) => self.request_quit(),
            (Context::ConfirmQuit, Command::Yes) => {
                self.confirm_quit = false;
                self.leave(Leaving::Asked)
            }
            (Context::ConfirmQuit, _) => {
                self.confirm_quit = false;
                Vec::new()
            }
            (Context::Help, _) => {
                self.help = false;
                Vec::new()
            }
            (_, Command::Help) => {
                self.help = true;
                Vec::new()
            }
            (Context::Browser, c) => self.browser_command(c),
            (Context::FilterEdit, c) => {
                match c {
                    Command::Submit => self.browser.filter.editing = false,
                    Command::Abort => {
                        self.browser.filter.editing = false;
                        self.browser.filter.text.clear();
                    }
                    Command::Erase => {
                        self.browser.filter.text.pop();
                    }
                    _ => {}
                }
                self.filter_changed();
                Vec::new()
            }
            (Context::Manifest, c) => self.manifest_command(c),
            (
                ctx @ (Context::RestoreSelect
                | Context::RestoreWorking
                | Context::RestoreChecklist
                | Context::RestoreWaive
                | Context::RestorePlan
                | Context::RestoreConfirm
                | Context::RestoreRunning
                | Context::RestoreDone
                | Context::RestoreEnded
                | Context::RestoreFailed),
                c,
            ) => self.restore_command(ctx, c),
            (
                ctx @ (Context::Interrupted
                | Context::Ask
                | Context::Busy
                | Context::SettleDone
                | Context::Stopped
                | Context::Lock),
                c,
            ) => self.incident_command(ctx, c),
            (Context::History, c) => self.history_command(c),
            (Context::Jobs, c) => self.jobs_command(c),
            (ctx @ (Context::BackupConfirm | Context::BackupRunning | Context::BackupDone), c) => {
                self.backup_command(ctx, c)
            }
            (Context::VerifyRunning, Command::CancelJob) => self.cancel_shown_job(),
            (Context::VerifyDone, Command::Back) => {
                self.screens.pop();
                Vec::new()
            }
            (Context::VerifyDone, Command::Verify) => {
                let Some(Screen::Verify { job }) = self.screens.last() else {
                    return Vec::new();
                };
                let Some(archive) = self.jobs.get(job).map(|j| j.archive.clone()) else {
                    return Vec::new();
                };
                self.screens.pop();
                self.start_verify(archive)
            }
            _ => Vec::new(),
        }
    }

    /// `q` or Ctrl-C: leave at once when nothing runs, else ask first.
    fn request_quit(&mut self) -> Vec<Effect> {
        if self.busy() {
            self.confirm_quit = true;
            self.help = false;
            return Vec::new();
        }
        self.leave(Leaving::Asked)
    }

    /// Decides to leave: cancels every running job; `Effect::Quit` comes once none runs
    /// (here, or when the last one reports back).
    fn leave(&mut self, why: Leaving) -> Vec<Effect> {
        if !matches!(self.leaving, Some(Leaving::Signal(_))) {
            self.leaving = Some(why);
        }
        let mut effects: Vec<Effect> = Vec::new();
        for j in self.jobs.values_mut() {
            if matches!(j.status, JobStatus::Running) {
                j.status = JobStatus::Cancelling;
                effects.push(Effect::CancelJob { job: j.id });
            }
        }
        effects.extend(self.cancel_backup());
        // A restore stops at its next safe point (before a swap, or once the component being
        // swapped is done and rolled back); settles and restarts run to their end.
        if let Some(w) = self
            .wizard
            .as_mut()
            .filter(|w| w.running() && !w.cancelling)
            && let Some(job) = w.job
        {
            w.cancelling = true;
            effects.push(Effect::CancelJob { job });
        }
        effects.extend(self.quit_if_done());
        effects
    }

    /// `Effect::Quit` once leaving was decided and nothing runs any more.
    pub(super) fn quit_if_done(&self) -> Vec<Effect> {
        if self.leaving.is_some() && !self.busy() {
            vec![Effect::Quit]
        } else {
            Vec::new()
        }
    }

    /// Where job `job`'s reports go.
    fn log_of(&mut self, job: JobId) -> Option<&mut StepLog> {
        if let Some(j) = self.jobs.get_mut(&job) {
            return Some(&mut j.log);
        }
        if let Some(w) = self.wizard.as_mut().filter(|w| w.job == Some(job)) {
            return Some(&mut w.log);
        }
        if let Some(b) = self.backup.as_mut().filter(|b| b.job == job) {
            return Some(&mut b.log);
        }
        if let Some(s) = self.settle.as_mut().filter(|s| s.job == job) {
            return Some(&mut s.log);
        }
        self.restart
            .as_mut()
            .filter(|r| r.job == job)
            .map(|r| &mut r.log)
    }

    /// Exit code of the console: 128 + N after a signal, else 0.
    pub fn exit_code(&self) -> u8 {
        match self.leaving {
            Some(Leaving::Signal(sig)) => crate::engine::exit::for_signal(sig),
            _ => 0,
        }
    }

    /// What to print once the terminal is restored: one line per job of the session (verifies,
    /// then restores, settles and restarts).
    pub fn summary(&self) -> Vec<String> {
        self.jobs
            .values()
            .map(|j| {
                let name = file_name(&j.archive);
                match &j.status {
                    // The engine's line names the archive, except for a bare reason.
                    JobStatus::Done(v) => match crate::engine::verify::summary_line(v) {
                        line if line.starts_with(&name) => format!("verify {line}"),
                        line => format!("verify {name}: {line}"),
                    },
                    _ => format!("verify {name}: did not finish"),
                }
            })
            .chain(self.history.iter().cloned())
            .map(|l| crate::engine::text::sanitize_max(&l, 1000))
            .collect()
    }
}
