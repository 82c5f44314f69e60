//! `App::update` for the incident views: the interrupted restore offered at start (roll back
//! by default, resume, later), the settle job and its result (and restoring what a resume
//! left), the held containers and "restart now", the lock view. Acting always asks first.

use crate::tui::keys::table::{Command, Context};
use crate::tui::state::app::{App, Screen};
use crate::tui::state::effect::Effect;
use crate::tui::state::incidents::{Incidents, Restart, Settle, SettledView};
use crate::tui::state::job::JobId;
use crate::tui::state::wizard::Purpose;

impl App {
    /// The recovery state arrived: at start, an interrupted restore is offered at once.
    pub(crate) fn on_incidents(&mut self, inc: Incidents) {
        self.incidents = inc;
        if !self.offered && self.incidents.to_settle().is_some() && self.screens.is_empty() {
            self.screens.push(Screen::Interrupted {
                choice: 0,
                asking: false,
            });
        }
        self.offered = true;
    }

    /// The browser's keys for the incident views.
    pub(crate) fn show_incident(&mut self, cmd: Command) -> Vec<Effect> {
        match cmd {
            Command::ShowInterrupted if self.incidents.interrupted.is_empty() => {
                self.message = Some("no interrupted restore".into());
                return Vec::new();
            }
            Command::ShowInterrupted => self.screens.push(Screen::Interrupted {
                choice: 0,
                asking: false,
            }),
            Command::ShowStopped => self.screens.push(Screen::Stopped { asking: false }),
            Command::ShowLock => self.screens.push(Screen::Lock),
            _ => return Vec::new(),
        }
        // What is shown is read again as it opens: the state may have changed outside.
        vec![Effect::LoadIncidents]
    }

    /// Keys on the incident screens.
    pub(crate) fn incident_command(&mut self, ctx: Context, cmd: Command) -> Vec<Effect> {
        match (ctx, cmd, self.screens.last().cloned()) {
            (Context::Interrupted, Command::Back, _) => {
                self.screens.pop();
            }
            (Context::Interrupted, c, Some(Screen::Interrupted { choice, .. })) => {
                // While its process still runs there is nothing to settle: only "later".
                let settleable = self.incidents.to_settle().is_some();
                let choice = if settleable { choice } else { 2 };
                let (choice, asking) = match c {
                    Command::Up if settleable => (choice.saturating_sub(1), false),
                    Command::Down if settleable => ((choice + 1).min(2), false),
                    Command::Next if choice == 2 => {
                        self.screens.pop();
                        return Vec::new();
                    }
                    Command::Next => (choice, true),
                    _ => (choice, false),
                };
                if let Some(top) = self.screens.last_mut() {
                    *top = Screen::Interrupted { choice, asking };
                }
            }
            (Context::Ask, Command::Yes, Some(Screen::Interrupted { choice, .. })) => {
                return self.start_settle(choice == 1);
            }
            (Context::Ask, Command::Yes, Some(Screen::Stopped { .. })) => {
                return self.start_restart();
            }
            (Context::Ask, _, Some(Screen::Interrupted { choice, .. })) => {
                if let Some(top) = self.screens.last_mut() {
                    *top = Screen::Interrupted {
                        choice,
                        asking: false,
                    };
                }
            }
            (Context::Ask, _, Some(Screen::Stopped { .. })) => {
                if let Some(top) = self.screens.last_mut() {
                    *top = Screen::Stopped { asking: false };
                }
            }
            (Context::SettleDone, Command::Restore, _) => return self.resume_rest(),
            (Context::SettleDone | Context::Stopped | Context::Lock, Command::Back, _) => {
                self.screens.pop();
            }
            (Context::Stopped, Command::Restart, _) => {
                if self.incidents.stopped.is_empty() {
                    self.message = Some("lifeboat holds no container stopped".into());
                } else if let Some(top) = self.screens.last_mut() {
                    *top = Screen::Stopped { asking: true };
                }
            }
            (Context::Lock, Command::Reload, _) => return vec![Effect::LoadIncidents],
            _ => {}
        }
        Vec::new()
    }

    fn start_settle(&mut self, forward: bool) -> Vec<Effect> {
        let Some(restore) = self.incidents.to_settle().cloned() else {
            self.screens.pop();
            return Vec::new();
        };
        let job = self.next_job;
        self.next_job += 1;
        let id = restore.id.clone();
        self.settle = Some(Settle {
            job,
            restore,
            forward,
            started: self.now,
            finished: None,
            log: Default::default(),
            result: None,
        });
        if let Some(top) = self.screens.last_mut() {
            *top = Screen::Settle;
        }
        vec![Effect::Settle { job, id, forward }]
    }

    fn start_restart(&mut self) -> Vec<Effect> {
        let job = self.next_job;
        self.next_job += 1;
        self.restart = Some(Restart {
            job,
            result: None,
            log: Default::default(),
        });
        if let Some(top) = self.screens.last_mut() {
            *top = Screen::Stopped { asking: false };
        }
        vec![Effect::RestartStopped { job }]
    }

    /// `R` after a resume: the components it never reached, from the same bytes, through the
    /// wizard (as `restore --resume` goes on into a restore).
    fn resume_rest(&mut self) -> Vec<Effect> {
        let Some(s) = &self.settle else {
            return Vec::new();
        };
        let remaining = match &s.result {
            Some(Ok(v)) if s.forward && !v.remaining.is_empty() => v.remaining.clone(),
            _ => {
                self.message = Some("nothing is left to restore".into());
                return Vec::new();
            }
        };
        let r = &s.restore;
        let purpose = Purpose::Resume {
            of: r.id.clone(),
            sha256: r.sha256.clone(),
            undoes: r.undoes.clone(),
            keep_partial: r.keep_partial,
        };
        let (archive, spec) = (r.archive.clone(), r.profile_spec.clone());
        self.screens.pop();
        self.start_wizard(archive, purpose, Some(remaining), spec)
    }

    pub(crate) fn on_settled(
        &mut self,
        job: JobId,
        result: Result<SettledView, String>,
    ) -> Vec<Effect> {
        let now = self.now;
        match self.settle.as_mut().filter(|s| s.job == job) {
            Some(s) => {
                s.finished = Some(now);
                let word = if s.forward { "resumed" } else { "rolled back" };
                let line = match &result {
                    Ok(_) => format!("restore {}: {word}", s.restore.id),
                    Err(e) => format!("restore {}: not settled: {e}", s.restore.id),
                };
                s.result = Some(result);
                self.history.push(line);
                vec![Effect::LoadIncidents]
            }
            None => Vec::new(),
        }
    }

    pub(crate) fn on_restarted(
        &mut self,
        job: JobId,
        result: Result<crate::engine::recover::Released, String>,
    ) -> Vec<Effect> {
        match self.restart.as_mut().filter(|r| r.job == job) {
            Some(r) => {
                let line = match &result {
                    Ok(rel) if rel.started.is_empty() => "restart: nothing started".to_string(),
                    Ok(rel) => format!("restart: started {}", rel.started.join(", ")),
                    Err(e) => format!("restart failed: {e}"),
                };
                r.result = Some(result);
                self.history.push(line);
                vec![Effect::LoadIncidents]
            }
            None => Vec::new(),
        }
    }
}
