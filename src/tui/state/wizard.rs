//! The restore wizard's state (docs/design.md section 8): component checkboxes → the checklist,
//! evaluated for real by the engine → the plan → typed confirmation of the stack name → live
//! per-component progress → validation and summary, with undo. Only plain data lives here, and
//! what the screens derive from it (the checklist with the operator's waivers, the row of each
//! component while it runs); `update/wizard.rs` changes it, the backend fills it.

use std::path::PathBuf;

use super::job::JobId;
use super::steps::{StepLog, StepView};
use crate::engine::progress::StepOutcome;
pub use crate::engine::restore::{Choice, End, Finished as Outcome, PlanRow, Target};
use crate::engine::restore::{Class, Item, ItemStatus, checklist};

/// Why the wizard restores this archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// An ordinary restore of a backup.
    Restore,
    /// `restore --undo`: the safety backup of restore `of`, over the components it replaced.
    /// `since`: when that restore ended, if this session saw it.
    Undo {
        of: String,
        since: Option<jiff::Timestamp>,
    },
    /// `restore --resume`: what restore `of` never reached, from the same bytes.
    Resume {
        of: String,
        sha256: String,
        undoes: Option<String>,
        keep_partial: bool,
    },
}

/// What the engine staged and checked (`restore --dry-run`).
#[derive(Debug, Clone)]
pub struct Plan {
    pub id: String,
    pub backup_name: String,
    pub captured_at: String,
    pub sha256: String,
    pub components: Vec<PlanRow>,
    /// The checklist as the engine evaluated it (the lock item included), before waivers.
    pub items: Vec<Item>,
}

/// The options of a run besides the checklist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunRequest {
    /// Waivers typed by the operator (`no-safety-backup` for the safety backup).
    pub accept: Vec<String>,
    pub undoes: Option<String>,
    pub keep_partial: bool,
}

/// What the checklist job needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareRequest {
    pub archive: PathBuf,
    pub spec: Option<String>,
    pub components: Vec<String>,
    /// A resume restores only the bytes the interrupted restore verified.
    pub expect_sha256: Option<String>,
}

/// Why a checklist job ended without a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Cancelled,
    Failed(String),
}

/// Where the wizard is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Reading the profile and the archive's components.
    Loading,
    Select {
        cursor: usize,
    },
    /// The checklist evaluated for real (the archive staged and proven).
    Checking,
    Checklist {
        cursor: usize,
    },
    /// Typing the acknowledgement that waives item `item`.
    Waive {
        cursor: usize,
        item: String,
        input: String,
    },
    Plan {
        scroll: usize,
    },
    /// Typing the stack name.
    Confirm {
        input: String,
    },
    Running,
    /// Validation and summary, scrolled.
    Done {
        scroll: usize,
    },
    /// It cannot go on (no profile, a damaged archive, the lock refused).
    Failed {
        message: String,
    },
}

/// The wizard.
#[derive(Debug, Clone)]
pub struct Wizard {
    pub archive: PathBuf,
    pub purpose: Purpose,
    /// Components to tick instead of the default selection (undo, resume).
    pub preselect: Option<Vec<String>>,
    pub target: Option<Target>,
    pub plan: Option<Plan>,
    /// Waivers the operator typed, as `--accept` ids.
    pub accepted: Vec<String>,
    pub step: Step,
    /// The checklist's or the run's job, while it runs and after.
    pub job: Option<JobId>,
    pub log: StepLog,
    pub started: Option<jiff::Timestamp>,
    pub finished: Option<jiff::Timestamp>,
    /// Cancel was asked during the run.
    pub cancelling: bool,
    pub outcome: Option<Outcome>,
}

/// Where one component got to in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Waiting,
    /// Checked in staging (a database loaded into a scratch copy).
    Staging,
    Staged,
    /// Its safety copy, inside its stop.
    SafetyCopy,
    Swapping,
    /// Swapped, started, its fingerprint checked; the old data still kept.
    Checked,
    Failed,
    Restored,
    RolledBack,
    /// The run ended before reaching it.
    Untouched,
    /// A failed rollback left it where the journal says: settle the restore.
    Unsettled,
}

impl Phase {
    pub fn word(self) -> &'static str {
        match self {
            Phase::Waiting => "waiting",
            Phase::Staging => "staging",
            Phase::Staged => "staged",
            Phase::SafetyCopy => "safety copy",
            Phase::Swapping => "swapping",
            Phase::Checked => "checked",
            Phase::Failed => "FAILED",
            Phase::Restored => "restored",
            Phase::RolledBack => "rolled back",
            Phase::Untouched => "not touched",
            Phase::Unsettled => "UNSETTLED",
        }
    }
}

/// One component's row in the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub phase: Phase,
    /// The step running for it now (bytes done of total).
    pub step: Option<StepView>,
    /// Why it was rolled back or failed.
    pub detail: Option<String>,
}

/// What `w` does on a checklist item: the `--accept` id it would record, or why it cannot.
pub fn waiver_for(item: &Item) -> Result<String, String> {
    if item.id == "safety-backup" && item.class == Class::Waivable {
        return Ok("no-safety-backup".into());
    }
    match (item.class, item.status) {
        (Class::Waivable, ItemStatus::Fail | ItemStatus::Waived) => Ok(item.id.clone()),
        (Class::Waivable, _) => Err(format!("{} passed: nothing to waive", item.id)),
        (Class::Never, ItemStatus::Ok) => Err(format!("{} passed", item.id)),
        (Class::Never, _) => Err(format!(
            "{} can never be waived: fix its cause first",
            item.id
        )),
        (Class::Advisory, _) => Err(format!(
            "{} is advisory: it never blocks the restore",
            item.id
        )),
    }
}

/// Whether `typed` acknowledges waiving `item` (as `accept`): its id, `yes`, or the accept
/// id itself (`no-safety-backup`).
pub fn acknowledges(typed: &str, item: &str, accept: &str) -> bool {
    let t = typed.trim();
    t == item || t == accept || t == "yes"
}

impl Wizard {
    pub fn new(archive: PathBuf, purpose: Purpose, preselect: Option<Vec<String>>) -> Wizard {
        Wizard {
            archive,
            purpose,
            preselect,
            target: None,
            plan: None,
            accepted: Vec::new(),
            step: Step::Loading,
            job: None,
            log: StepLog::default(),
            started: None,
            finished: None,
            cancelling: false,
            outcome: None,
        }
    }

    /// The checklist with the operator's waivers applied (what the engine will be given).
    pub fn items(&self) -> Vec<Item> {
        let Some(p) = &self.plan else {
            return Vec::new();
        };
        let mut items = p.items.clone();
        // Every accepted id was checked against `waiver_for` when typed.
        let _ = checklist::apply_accept(&mut items, &self.accepted);
        items
    }

    /// The first item that still blocks the restore.
    pub fn blocker(&self) -> Option<Item> {
        checklist::blocker(&self.items()).cloned()
    }

    /// Whether a checklist or run job of this wizard is running.
    pub fn running(&self) -> bool {
        matches!(self.step, Step::Checking | Step::Running)
    }

    /// One row per planned component: where the run got to, from its steps (`stage:<c>`,
    /// `safety:<c>`, `component:<c>`, `swap:<c>`) and, once it ended, from its outcome.
    pub fn rows(&self) -> Vec<Row> {
        let Some(plan) = &self.plan else {
            return Vec::new();
        };
        plan.components.iter().map(|c| self.row(&c.name)).collect()
    }

    fn row(&self, name: &str) -> Row {
        use crate::engine::progress::StepId;
        let step = |id: StepId| self.log.last(&id.to_string());
        let n = || name.to_string();
        let swap = step(StepId::Swap(n()));
        let failed_detail = swap
            .filter(|s| s.outcome == Some(StepOutcome::Failed))
            .map(|s| s.detail.clone().unwrap_or_else(|| s.label.clone()));
        let running = [
            StepId::Component(n()),
            StepId::Safety(n()),
            StepId::Stage(n()),
            StepId::Swap(n()),
        ]
        .into_iter()
        .filter_map(step)
        .find(|s| s.outcome.is_none())
        .cloned();
        if let Some(o) = &self.outcome {
            let (phase, detail) = if o.restored.iter().any(|r| r == name) {
                (Phase::Restored, None)
            } else if let Some((_, why)) = o.rolled_back.iter().find(|(r, _)| r == name) {
                (Phase::RolledBack, Some(why.clone()))
            } else if swap.is_some_and(|s| s.outcome == Some(StepOutcome::Failed)) {
                (Phase::Failed, failed_detail)
            } else if swap.is_some() && matches!(o.end, End::RollbackFailed(_)) {
                (
                    Phase::Unsettled,
                    Some("its journal says where it is: settle the restore".into()),
                )
            } else {
                (Phase::Untouched, None)
            };
            return Row {
                name: name.to_string(),
                phase,
                step: None,
                detail,
            };
        }
        let phase = match (swap, step(StepId::Safety(n())), step(StepId::Stage(n()))) {
            (Some(s), safety, _) => match s.outcome {
                None if safety.is_some_and(|x| x.outcome.is_none()) => Phase::SafetyCopy,
                None => Phase::Swapping,
                Some(StepOutcome::Ok) => Phase::Checked,
                Some(_) => Phase::Failed,
            },
            (None, _, Some(st)) if st.outcome.is_none() => Phase::Staging,
            (None, _, Some(st)) if st.outcome == Some(StepOutcome::Ok) => Phase::Staged,
            (None, _, Some(_)) => Phase::Failed,
            (None, _, None) => Phase::Waiting,
        };
        Row {
            name: name.to_string(),
            phase,
            step: running,
            detail: (phase == Phase::Failed).then_some(failed_detail).flatten(),
        }
    }

    /// What a cancel does at this point of the run, in one line.
    pub fn cancel_line(&self) -> String {
        let rows = self.rows();
        if let Some(r) = rows
            .iter()
            .find(|r| matches!(r.phase, Phase::SafetyCopy | Phase::Swapping))
        {
            return format!("finishing {}, then rolling back", r.name);
        }
        let swapped: Vec<&str> = rows
            .iter()
            .filter(|r| r.phase == Phase::Checked)
            .map(|r| r.name.as_str())
            .collect();
        if swapped.is_empty() {
            "cancelling before the first swap: nothing is replaced, what was stopped starts again"
                .into()
        } else {
            format!("cancelling: rolling back {}", swapped.join(", "))
        }
    }

    /// Whether the run can be undone: something restored, with a safety backup.
    pub fn undoable(&self) -> bool {
        self.outcome.as_ref().is_some_and(|o| {
            matches!(o.end, End::Committed | End::Partial)
                && !o.restored.is_empty()
                && o.safety_backup.is_some()
        })
    }

    /// The stack name to type, once the profile is known.
    pub fn stack(&self) -> Option<&str> {
        self.target.as_ref().map(|t| t.stack.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, class: Class, status: ItemStatus) -> Item {
        Item::new(id, id, class, status, "why")
    }

    #[test]
    fn only_waivable_failures_and_the_safety_backup_can_be_waived() {
        assert_eq!(
            waiver_for(&item("image:redis", Class::Waivable, ItemStatus::Fail)),
            Ok("image:redis".into())
        );
        assert_eq!(
            waiver_for(&item("safety-backup", Class::Waivable, ItemStatus::Ok)),
            Ok("no-safety-backup".into()),
            "the safety backup is waived whatever its status"
        );
        let never = waiver_for(&item("checksums", Class::Never, ItemStatus::Fail)).unwrap_err();
        assert!(never.contains("can never be waived"), "{never}");
        assert!(waiver_for(&item("origin", Class::Advisory, ItemStatus::Warn)).is_err());
        assert!(waiver_for(&item("disk:target", Class::Waivable, ItemStatus::Ok)).is_err());
    }

    #[test]
    fn an_acknowledgement_is_the_id_yes_or_the_accept_id() {
        assert!(acknowledges(" image:redis ", "image:redis", "image:redis"));
        assert!(acknowledges("yes", "safety-backup", "no-safety-backup"));
        assert!(acknowledges(
            "no-safety-backup",
            "safety-backup",
            "no-safety-backup"
        ));
        assert!(!acknowledges("y", "image:redis", "image:redis"));
        assert!(!acknowledges("image", "image:redis", "image:redis"));
    }
}
