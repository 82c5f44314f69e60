//! `App::update` for the restore wizard: which archives may be restored (and why not), the
//! checkboxes, the checklist job, waivers typed as acknowledgements, the plan, the typed stack
//! name, the run and its cancel, the summary and undo. Like the rest of `update` it never does
//! I/O: the engine work leaves as effects and comes back as actions.

use crate::engine::catalog::ListState;
use crate::engine::progress::StepOutcome;
use crate::tui::keys::table::{Command, Context};
use crate::tui::state::app::{App, Entry, Screen, file_name};
use crate::tui::state::effect::Effect;
use crate::tui::state::job::JobId;
use crate::tui::state::wizard::{
    End, Outcome, Plan, PrepareRequest, Purpose, Refusal, RunRequest, Step, Target, Wizard,
    acknowledges, waiver_for,
};
use crate::tui::view::{sizes, wizard};

/// Longest text the typing steps take (a stack name or an item id is far shorter).
const MAX_TYPED: usize = 100;

impl App {
    /// `R` on the browser: the wizard on the selected archive, or why it cannot be restored.
    pub(crate) fn open_restore(&mut self) -> Vec<Effect> {
        let Some(e) = self.selected() else {
            self.message = Some("no archive selected".into());
            return Vec::new();
        };
        let archive = e.info.path.clone();
        match restorable(e) {
            Ok((purpose, preselect, spec)) => self.start_wizard(archive, purpose, preselect, spec),
            Err(why) => {
                self.message = Some(why);
                Vec::new()
            }
        }
    }

    /// Opens the wizard (replacing one already open) and asks for its profile.
    pub(crate) fn start_wizard(
        &mut self,
        archive: std::path::PathBuf,
        purpose: Purpose,
        preselect: Option<Vec<String>>,
        spec: Option<String>,
    ) -> Vec<Effect> {
        if let Some(why) = &self.restore_off {
            self.message = Some(why.clone());
            return Vec::new();
        }
        if let Some(r) = self.incidents.to_settle() {
            self.message = Some(format!(
                "restore {} was interrupted: settle it first (I)",
                r.id
            ));
            return Vec::new();
        }
        let mut effects = Vec::new();
        if self.wizard.is_some() {
            self.keep_wizard_row();
            effects.push(Effect::RestoreClose);
        }
        self.wizard = Some(Wizard::new(archive.clone(), purpose, preselect));
        if !matches!(self.screens.last(), Some(Screen::Restore)) {
            self.screens.push(Screen::Restore);
        }
        effects.push(Effect::RestoreTarget { archive, spec });
        effects
    }

    /// Keys on the wizard's screens.
    pub(crate) fn restore_command(&mut self, ctx: Context, cmd: Command) -> Vec<Effect> {
        let now = self.now;
        let max = wizard::max_scroll(self);
        let page = sizes::view_rows(self.size).max(1);
        let Some(w) = self.wizard.as_mut() else {
            return Vec::new();
        };
        match (ctx, cmd) {
            (Context::RestoreSelect, Command::Next) => return self.prepare(),
            (Context::RestoreSelect | Context::RestoreFailed, Command::Back) => {
                return self.close_wizard();
            }
            (Context::RestoreSelect, c) => {
                let Step::Select { cursor } = &mut w.step else {
                    return Vec::new();
                };
                let Some(t) = w.target.as_mut() else {
                    return Vec::new();
                };
                let n = t.choices.len();
                match c {
                    Command::Up => *cursor = cursor.saturating_sub(1),
                    Command::Down => *cursor = (*cursor + 1).min(n.saturating_sub(1)),
                    Command::Toggle => match t.choices.get_mut(*cursor) {
                        Some(ch) if ch.unknown => {
                            self.message = Some(format!(
                                "{} is not in profile {}: lifeboat cannot restore it",
                                ch.name, t.profile
                            ));
                        }
                        Some(ch) => ch.on = !ch.on,
                        None => {}
                    },
                    _ => {}
                }
            }
            (Context::RestoreWorking, Command::CancelJob) => {
                if w.step == Step::Loading {
                    return self.close_wizard();
                }
                if let (Step::Checking, Some(job), false) = (&w.step, w.job, w.cancelling) {
                    w.cancelling = true;
                    return vec![Effect::CancelJob { job }];
                }
            }
            (Context::RestoreChecklist, Command::Waive) => self.waive(),
            (Context::RestoreChecklist, Command::Next) => match w.blocker() {
                Some(b) => {
                    let hint = if waiver_for(&b).is_ok() {
                        " (w waives it)"
                    } else {
                        ""
                    };
                    self.message = Some(format!(
                        "{} blocks the restore{hint}: {}",
                        b.id,
                        crate::engine::text::sanitize_max(&b.detail, 300)
                    ));
                }
                None => w.step = Step::Plan { scroll: 0 },
            },
            (Context::RestoreChecklist, Command::Back) => {
                // Another selection needs another checklist: this plan is dropped.
                w.plan = None;
                w.accepted.clear();
                w.step = Step::Select { cursor: 0 };
            }
            (Context::RestoreChecklist, c) => {
                let n = w.items().len();
                if let Step::Checklist { cursor } = &mut w.step {
                    *cursor = moved(*cursor, c, n, page);
                }
            }
            (Context::RestoreWaive, c) => self.waive_typed(c),
            (Context::RestorePlan, Command::Next) => {
                w.step = Step::Confirm {
                    input: String::new(),
                };
            }
            (Context::RestorePlan, Command::Back) => w.step = Step::Checklist { cursor: 0 },
            (Context::RestorePlan, c) => {
                if let Step::Plan { scroll } = &mut w.step {
                    *scroll = moved(*scroll, c, max + 1, page);
                }
            }
            (Context::RestoreConfirm, c) => return self.confirm_typed(c, now),
            (Context::RestoreRunning, Command::CancelJob) => {
                if let (Some(job), false) = (w.job, w.cancelling) {
                    w.cancelling = true;
                    return vec![Effect::CancelJob { job }];
                }
            }
            (Context::RestoreDone, Command::Undo) => return self.undo(),
            (Context::RestoreDone | Context::RestoreEnded, Command::Back) => {
                return self.close_wizard();
            }
            (Context::RestoreDone | Context::RestoreEnded, c) => {
                if let Step::Done { scroll } = &mut w.step {
                    *scroll = moved(*scroll, c, max + 1, page);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// A printable key while typing a waiver or the stack name.
    pub(crate) fn restore_typed(&mut self, c: char) {
        if let Some(w) = self.wizard.as_mut()
            && let Step::Waive { input, .. } | Step::Confirm { input } = &mut w.step
            && input.chars().count() < MAX_TYPED
        {
            input.push(c);
        }
    }

    /// Enter on the checkboxes: the checklist job, for real, with what is ticked.
    fn prepare(&mut self) -> Vec<Effect> {
        let job = self.next_job;
        let now = self.now;
        let Some(w) = self.wizard.as_mut() else {
            return Vec::new();
        };
        let Some(t) = &w.target else {
            return Vec::new();
        };
        let components: Vec<String> = t
            .choices
            .iter()
            .filter(|c| c.on)
            .map(|c| c.name.clone())
            .collect();
        if components.is_empty() {
            self.message = Some("tick at least one component (Space)".into());
            return Vec::new();
        }
        let request = PrepareRequest {
            archive: w.archive.clone(),
            spec: t.spec.clone(),
            components,
            expect_sha256: match &w.purpose {
                Purpose::Resume { sha256, .. } => Some(sha256.clone()),
                _ => None,
            },
        };
        self.next_job += 1;
        w.job = Some(job);
        w.step = Step::Checking;
        w.log = Default::default();
        w.started = Some(now);
        w.finished = None;
        w.cancelling = false;
        w.plan = None;
        w.accepted.clear();
        vec![Effect::RestorePrepare { job, request }]
    }

    /// `w` on a checklist item: start typing its acknowledgement, withdraw its waiver, or say
    /// why it cannot be waived.
    fn waive(&mut self) {
        let Some(w) = self.wizard.as_mut() else {
            return;
        };
        let Step::Checklist { cursor } = w.step else {
            return;
        };
        let items = w.items();
        let Some(item) = items.get(cursor) else {
            return;
        };
        match waiver_for(item) {
            Ok(accept) if w.accepted.contains(&accept) => {
                w.accepted.retain(|a| *a != accept);
                self.message = Some(format!("waiver of {} withdrawn", item.id));
            }
            Ok(_) => {
                w.step = Step::Waive {
                    cursor,
                    item: item.id.clone(),
                    input: String::new(),
                };
            }
            Err(why) => self.message = Some(why),
        }
    }

    fn waive_typed(&mut self, cmd: Command) {
        let Some(w) = self.wizard.as_mut() else {
            return;
        };
        let Step::Waive {
            cursor,
            item,
            input,
        } = &mut w.step
        else {
            return;
        };
        match cmd {
            Command::Erase => {
                input.pop();
            }
            Command::Abort => w.step = Step::Checklist { cursor: *cursor },
            Command::Submit => {
                let (cursor, id, typed) = (*cursor, item.clone(), std::mem::take(input));
                let accept = w
                    .plan
                    .as_ref()
                    .and_then(|p| p.items.iter().find(|i| i.id == id))
                    .and_then(|i| waiver_for(i).ok());
                match accept {
                    Some(a) if acknowledges(&typed, &id, &a) => {
                        w.accepted.push(a);
                        w.step = Step::Checklist { cursor };
                        self.message =
                            Some(format!("{id} waived: recorded in the restore's journal"));
                    }
                    _ => {
                        self.message = Some(format!("type {id} or yes to waive it; Esc keeps it"));
                    }
                }
            }
            _ => {}
        }
    }

    /// Enter, Esc or Backspace while typing the stack name.
    fn confirm_typed(&mut self, cmd: Command, now: jiff::Timestamp) -> Vec<Effect> {
        let job = self.next_job;
        let Some(w) = self.wizard.as_mut() else {
            return Vec::new();
        };
        let stack = w.stack().unwrap_or_default().to_string();
        let Step::Confirm { input } = &mut w.step else {
            return Vec::new();
        };
        match cmd {
            Command::Erase => {
                input.pop();
            }
            Command::Abort => w.step = Step::Plan { scroll: 0 },
            Command::Submit if input.trim() == stack && !stack.is_empty() => {
                let request = RunRequest {
                    accept: w.accepted.clone(),
                    undoes: match &w.purpose {
                        Purpose::Undo { of, .. } => Some(of.clone()),
                        Purpose::Resume { undoes, .. } => undoes.clone(),
                        Purpose::Restore => None,
                    },
                    keep_partial: matches!(
                        w.purpose,
                        Purpose::Resume {
                            keep_partial: true,
                            ..
                        }
                    ),
                };
                self.next_job += 1;
                w.job = Some(job);
                w.step = Step::Running;
                w.log = Default::default();
                w.started = Some(now);
                w.finished = None;
                w.cancelling = false;
                w.outcome = None;
                return vec![Effect::RestoreRun { job, request }];
            }
            Command::Submit => {
                let typed = crate::engine::text::sanitize_max(input.trim(), 60);
                input.clear();
                self.message = Some(format!(
                    "\"{typed}\" is not the stack's name: type {stack} exactly, or Esc"
                ));
            }
            _ => {}
        }
        Vec::new()
    }

    /// `u` on the summary: the safety backup restored over what the restore replaced, through
    /// the same wizard (its own checklist, plan and confirmation; it takes its own safety backup).
    fn undo(&mut self) -> Vec<Effect> {
        let Some(w) = &self.wizard else {
            return Vec::new();
        };
        let Some(o) = &w.outcome else {
            return Vec::new();
        };
        let safety = match (&o.end, &o.safety_backup) {
            (End::Committed | End::Partial, Some(s)) if !o.restored.is_empty() => s.clone(),
            (End::Committed | End::Partial, None) => {
                self.message = Some(
                    "no safety backup was taken (no-safety-backup was waived): nothing to undo from"
                        .into(),
                );
                return Vec::new();
            }
            _ => {
                self.message = Some("nothing was restored: nothing to undo".into());
                return Vec::new();
            }
        };
        let purpose = Purpose::Undo {
            of: o.restore_id.clone(),
            since: w.finished,
        };
        let preselect = Some(o.restored.clone());
        let spec = w.target.as_ref().and_then(|t| t.spec.clone());
        self.start_wizard(safety, purpose, preselect, spec)
    }

    /// Leaves the wizard: its lock and staged copy go; after a run the folders and the
    /// recovery state are read again (a safety backup appeared, containers started).
    pub(crate) fn close_wizard(&mut self) -> Vec<Effect> {
        if matches!(self.screens.last(), Some(Screen::Restore)) {
            self.screens.pop();
        }
        self.keep_wizard_row();
        let ran = self.wizard.take().is_some_and(|w| w.outcome.is_some());
        let mut effects = vec![Effect::RestoreClose];
        if ran {
            effects.extend(self.init());
            effects.push(Effect::LoadIncidents);
        }
        effects
    }

    pub(crate) fn on_target(
        &mut self,
        archive: &std::path::Path,
        result: Result<Box<Target>, String>,
    ) {
        let Some(w) = self.wizard.as_mut().filter(|w| w.archive == archive) else {
            return;
        };
        if w.step != Step::Loading {
            return;
        }
        match result {
            Ok(mut t) => {
                if let Some(pre) = &w.preselect {
                    for c in &mut t.choices {
                        c.on = !c.unknown && pre.contains(&c.name);
                    }
                }
                let cursor = t.choices.iter().position(|c| !c.unknown).unwrap_or(0);
                w.target = Some(*t);
                w.step = Step::Select { cursor };
            }
            Err(message) => w.step = Step::Failed { message },
        }
    }

    pub(crate) fn on_prepared(&mut self, job: JobId, result: Result<Box<Plan>, Refusal>) {
        let now = self.now;
        let Some(w) = self.wizard.as_mut().filter(|w| w.job == Some(job)) else {
            return;
        };
        w.finished = Some(now);
        w.cancelling = false;
        match result {
            Ok(plan) => {
                w.plan = Some(*plan);
                // The cursor starts on what needs the operator: the first blocking item.
                let items = w.items();
                let cursor = items.iter().position(|i| i.blocks()).unwrap_or(0);
                w.step = Step::Checklist { cursor };
            }
            Err(Refusal::Cancelled) => {
                w.log.close_open(StepOutcome::Cancelled);
                w.step = Step::Select { cursor: 0 };
                self.message = Some("checklist cancelled: nothing was changed".into());
            }
            Err(Refusal::Failed(message)) => {
                w.log.close_open(StepOutcome::Failed);
                w.step = Step::Failed { message };
            }
        }
    }

    pub(crate) fn on_restored(&mut self, job: JobId, outcome: Outcome) -> Vec<Effect> {
        let now = self.now;
        let Some(w) = self.wizard.as_mut().filter(|w| w.job == Some(job)) else {
            return Vec::new();
        };
        w.log.close_open(match outcome.end {
            End::Cancelled => StepOutcome::Cancelled,
            _ => StepOutcome::Failed,
        });
        w.finished = Some(now);
        let line = history_line(&w.archive, &outcome);
        w.outcome = Some(outcome);
        w.step = Step::Done { scroll: 0 };
        self.history.push(line);
        vec![Effect::LoadIncidents]
    }
}

/// The line the way out prints for a run.
fn history_line(archive: &std::path::Path, o: &Outcome) -> String {
    let file = file_name(archive);
    let id = &o.restore_id;
    let what = match &o.end {
        End::Committed | End::Partial => {
            let mut s = format!("restored {}", o.restored.join(", "));
            if !o.rolled_back.is_empty() {
                let back: Vec<&str> = o.rolled_back.iter().map(|(c, _)| c.as_str()).collect();
                s.push_str(&format!(", rolled back {}", back.join(", ")));
            }
            match &o.safety_backup {
                Some(p) => s.push_str(&format!(
                    "; safety backup {} (undo: lifeboat restore --undo {id})",
                    p.display()
                )),
                None => s.push_str("; no safety backup (waived)"),
            }
            s
        }
        End::RolledBack => "failed and rolled back; nothing changed".into(),
        End::Cancelled => "cancelled; what was swapped was put back".into(),
        End::NothingChanged(why) => format!("not restored: {why}"),
        End::RollbackFailed(why) => {
            format!("ROLLBACK FAILED: {why}; settle it: lifeboat restore --rollback {id}")
        }
    };
    format!("restore {id} from {file}: {what}")
}

/// Moves a cursor or scroll position `at` by a key over `n` positions.
fn moved(at: usize, cmd: Command, n: usize, page: usize) -> usize {
    let last = n.saturating_sub(1);
    match cmd {
        Command::Up => at.saturating_sub(1),
        Command::Down => (at + 1).min(last),
        Command::PageUp => at.saturating_sub(page),
        Command::PageDown => (at + page).min(last),
        _ => at.min(last),
    }
}

/// Whether the browser's entry may be restored: the purpose, the components to tick instead
/// of the defaults, and the profile it names; or why not.
type Restorable = (Purpose, Option<Vec<String>>, Option<String>);

fn restorable(e: &Entry) -> Result<Restorable, String> {
    let file = crate::engine::text::sanitize(&e.info.file);
    match e.info.state {
        ListState::Mismatch => {
            return Err(format!(
                "{file}: its last verify failed (MISMATCH): do not restore from it"
            ));
        }
        ListState::Uncommitted => {
            return Err(format!(
                "{file}: no sidecar, the backup never finished: the console does not restore it"
            ));
        }
        ListState::Orphan => return Err(format!("{file}: the archive itself is missing")),
        ListState::Verified | ListState::NotVerified => {}
    }
    let m = match &e.info.manifest {
        Some(m) => m,
        None if e.manifest_pending => {
            return Err(format!(
                "{file}: its manifest is still being read; try again in a moment"
            ));
        }
        None => return Err(format!("{file}: its manifest cannot be read")),
    };
    if m.is_v1() {
        return Err(format!(
            "{file}: a version-1 (T.A.R.S. script) archive: lifeboat restores only archives it wrote (docs/runbook.md section 5 has the manual steps)"
        ));
    }
    if e.info.is_safety() {
        // A safety backup is offered only as the undo of the restore it was taken for.
        let Some(of) = m.extra.get("safety_for").and_then(|v| v.as_str()) else {
            return Err(format!(
                "{file}: a safety backup that does not say which restore it undoes"
            ));
        };
        let replaced: Vec<String> = m
            .extra
            .get("components_replaced")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| m.components.clone());
        return Ok((
            Purpose::Undo {
                of: of.to_string(),
                since: None,
            },
            Some(replaced),
            m.profile.clone(),
        ));
    }
    Ok((Purpose::Restore, None, m.profile.clone()))
}
