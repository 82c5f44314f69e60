//! `App::update`: the only place the console's state changes. It takes one [`Action`] and
//! returns the [`Effect`]s the runtime must carry out; it never does I/O and never reads the
//! clock, so tests drive it with keys and scripted job reports alone.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::engine::catalog::{ArchiveInfo, ListState};
use crate::engine::verify::{Verdict, VerifyState};
use crate::tui::action::{Action, JobId, ListError};
use crate::tui::app::{App, Entry, FolderStatus, Job, JobStatus, Leaving, Screen};
use crate::tui::effect::Effect;
use crate::tui::keymap::{self, Command, Context};

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
        match keymap::lookup(ctx, key) {
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

    fn browser_command(&mut self, cmd: Command) -> Vec<Effect> {
        let page = self.list_rows().max(1) as isize;
        match cmd {
            Command::Up => self.move_selection(-1),
            Command::Down => self.move_selection(1),
            Command::PageUp => self.move_selection(-page),
            Command::PageDown => self.move_selection(page),
            Command::Top => self.move_selection(isize::MIN / 2),
            Command::Bottom => self.move_selection(isize::MAX / 2),
            Command::Open => {
                if let Some(path) = self.selected_path() {
                    self.screens.push(Screen::Manifest {
                        archive: path,
                        scroll: 0,
                    });
                }
            }
            Command::Verify => {
                return match self.selected_path() {
                    Some(path) => self.start_verify(path),
                    None => {
                        self.message = Some("no archive selected".into());
                        Vec::new()
                    }
                };
            }
            Command::Restore => return self.open_restore(),
            Command::History => return self.open_history(),
            Command::BackupNow => return self.ask_backup(),
            Command::Jobs => return self.open_jobs(),
            c @ (Command::ShowInterrupted | Command::ShowStopped | Command::ShowLock) => {
                return self.show_incident(c);
            }
            Command::Filter => self.browser.filter.editing = true,
            Command::CycleComponent => {
                let all = self.components();
                let f = &mut self.browser.filter;
                f.component = match &f.component {
                    None => all.first().cloned(),
                    Some(c) => all.iter().skip_while(|x| *x != c).nth(1).cloned(),
                };
                if all.is_empty() {
                    self.message = Some("no manifest lists any component yet".into());
                }
                self.filter_changed();
            }
            Command::CycleFolder => {
                let n = self.folders.len();
                let f = &mut self.browser.filter;
                f.folder = match f.folder {
                    None if n > 0 => Some(0),
                    Some(i) if i + 1 < n => Some(i + 1),
                    _ => None,
                };
                self.filter_changed();
            }
            Command::ClearFilter => {
                self.browser.filter = Default::default();
                self.filter_changed();
            }
            Command::Reload => {
                for f in &mut self.folders {
                    f.status = FolderStatus::Loading;
                }
                return self.start();
            }
            _ => {}
        }
        Vec::new()
    }

    fn manifest_command(&mut self, cmd: Command) -> Vec<Effect> {
        let Some(Screen::Manifest { archive, scroll }) = self.screens.last() else {
            return Vec::new();
        };
        let archive = archive.clone();
        let max = crate::tui::screens::manifest::max_scroll(self, &archive);
        let page = crate::tui::screens::manifest::view_rows(self.size).max(1);
        let new = crate::tui::keymap::scrolled(*scroll, cmd, page, max);
        match cmd {
            Command::Back => {
                self.screens.pop();
            }
            Command::Verify => return self.start_verify(archive),
            _ => {
                if let (Some(new), Some(Screen::Manifest { scroll, .. })) =
                    (new, self.screens.last_mut())
                {
                    *scroll = new;
                }
            }
        }
        Vec::new()
    }

    /// Starts a verify of `archive` and shows it. One verify at a time: they would compete for
    /// the same disk, and the operator watches one screen.
    fn start_verify(&mut self, archive: PathBuf) -> Vec<Effect> {
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

    fn cancel_shown_job(&mut self) -> Vec<Effect> {
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
    fn quit_if_done(&self) -> Vec<Effect> {
        if self.leaving.is_some() && !self.busy() {
            vec![Effect::Quit]
        } else {
            Vec::new()
        }
    }

    /// Where job `job`'s reports go.
    fn log_of(&mut self, job: JobId) -> Option<&mut crate::tui::steps::StepLog> {
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

    fn on_listed(
        &mut self,
        folder: usize,
        result: Result<Vec<ArchiveInfo>, ListError>,
    ) -> Vec<Effect> {
        let selected = self.selected_path();
        let Some(f) = self.folders.get_mut(folder) else {
            return Vec::new();
        };
        self.entries.retain(|e| e.folder != folder);
        let mut pending = Vec::new();
        match result {
            Ok(list) => {
                f.status = FolderStatus::Ready(list.len());
                for info in list {
                    let manifest_pending =
                        info.manifest.is_none() && info.state != ListState::Orphan;
                    if manifest_pending {
                        pending.push(info.path.clone());
                    }
                    self.entries.push(Entry {
                        folder,
                        info,
                        manifest_pending,
                    });
                }
            }
            Err(ListError::Missing) => f.status = FolderStatus::Missing,
            Err(ListError::Failed(why)) => f.status = FolderStatus::Failed(why),
        }
        self.sort_entries();
        self.reselect(selected.as_deref());
        if pending.is_empty() {
            Vec::new()
        } else {
            vec![Effect::LoadManifests { archives: pending }]
        }
    }

    fn on_verified(&mut self, job: JobId, verdict: Box<Verdict>) -> Vec<Effect> {
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

    fn selected_path(&self) -> Option<PathBuf> {
        self.selected().map(|e| e.info.path.clone())
    }

    /// Newest first by capture time, then by name, as `lifeboat list` orders them.
    fn sort_entries(&mut self) {
        let mut entries = std::mem::take(&mut self.entries);
        entries.sort_by(|a, b| {
            self.time_of(b)
                .cmp(&self.time_of(a))
                .then_with(|| b.info.file.cmp(&a.info.file))
        });
        self.entries = entries;
    }

    /// Puts the selection back on `path` after the list changed under it (once the operator
    /// has moved it; before that it stays on the newest archive).
    fn reselect(&mut self, path: Option<&std::path::Path>) {
        if let Some(p) = path.filter(|_| self.browser.moved)
            && let Some(i) = self
                .visible()
                .iter()
                .position(|&i| self.entries[i].info.path == p)
        {
            self.browser.selected = i;
        }
        self.keep_selection_visible();
    }

    fn filter_changed(&mut self) {
        self.browser.selected = 0;
        self.browser.offset = 0;
        self.keep_selection_visible();
    }

    fn move_selection(&mut self, by: isize) {
        self.browser.moved = true;
        let n = self.visible().len();
        let cur = self.browser.selected.min(n.saturating_sub(1)) as isize;
        self.browser.selected =
            (cur.saturating_add(by)).clamp(0, n.saturating_sub(1) as isize) as usize;
        self.keep_selection_visible();
    }

    /// Scrolls so the selection is on screen and the list does not end in blank rows.
    pub(crate) fn keep_selection_visible(&mut self) {
        let n = self.visible().len();
        let rows = self.list_rows().max(1);
        let b = &mut self.browser;
        b.selected = b.selected.min(n.saturating_sub(1));
        if b.selected < b.offset {
            b.offset = b.selected;
        } else if b.selected >= b.offset + rows {
            b.offset = b.selected + 1 - rows;
        }
        b.offset = b.offset.min(n.saturating_sub(rows));
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

pub fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}
