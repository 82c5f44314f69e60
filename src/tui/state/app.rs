//! The console's state: folders and their archives, the browser's selection and filters, the
//! screen stack, jobs, and what to say on the way out. Read-only helpers derive what the
//! screens show and which key context applies; only `update/` changes anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::backup::{BackupRun, StackStatus};
use super::incidents::{Incidents, Restart, Settle};
use super::job::{Job, JobId};
use super::log_pane::{JobRow, LogTail};
use super::wizard::{Step, Wizard};
use crate::engine::archive::names;
use crate::engine::catalog::{ArchiveInfo, ListState};
use crate::engine::runs::Run;
use crate::tui::keys::table::Context;

/// A backup folder shown in the browser.
#[derive(Debug, Clone)]
pub struct Folder {
    pub path: PathBuf,
    /// Named with `--dir` (a missing one is an error, a missing configured one is not).
    pub explicit: bool,
    pub status: FolderStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderStatus {
    Loading,
    /// Listed; this many entries.
    Ready(usize),
    /// Does not exist (yet).
    Missing,
    Failed(String),
}

/// One archive (or orphan sidecar) in the browser.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index into `App::folders`.
    pub folder: usize,
    pub info: ArchiveInfo,
    /// Its manifest is being read from inside the archive.
    pub manifest_pending: bool,
}

/// The browser's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Case-insensitive text matched against name, components, host and profile.
    pub text: String,
    /// `/` was pressed and the text is being typed.
    pub editing: bool,
    /// Only archives holding this component.
    pub component: Option<String>,
    /// Only this folder (index into `App::folders`).
    pub folder: Option<usize>,
}

impl Filter {
    pub fn is_active(&self) -> bool {
        !self.text.is_empty() || self.component.is_some() || self.folder.is_some()
    }
}

/// The list's selection and scroll.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    /// Index into the visible (filtered) rows.
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
    pub filter: Filter,
    /// The operator moved the selection: it then follows its archive when the list changes;
    /// until then it stays on the newest.
    pub moved: bool,
}

/// A screen stacked over the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Manifest {
        archive: PathBuf,
        scroll: usize,
    },
    Verify {
        job: JobId,
    },
    /// The restore wizard (its state is `App::wizard`).
    Restore,
    /// The interrupted-restore modal over the browser: `choice` 0 roll back, 1 resume,
    /// 2 later; `asking`: the yes/no before a settle starts.
    Interrupted {
        choice: usize,
        asking: bool,
    },
    /// A rollback or resume (`App::settle`).
    Settle,
    /// The containers lifeboat holds stopped; `asking`: the yes/no before "restart now".
    Stopped {
        asking: bool,
    },
    /// The lock: its holder record and whether it is held now.
    Lock,
    /// The size history of a profile's components (`profile` as the manifests name it),
    /// scrolled by `scroll` components.
    History {
        profile: Option<String>,
        scroll: usize,
    },
    /// "Back up now?" over the browser.
    BackupConfirm,
    /// The backup run of this session (`App::backup`).
    Backup,
    /// This session's jobs and the log tail (`App::log`).
    Jobs,
}

/// Why the console is on its way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaving {
    /// The operator asked.
    Asked,
    /// A signal (its number): exit 128 + N.
    Signal(i32),
    /// The terminal went away.
    Hangup,
}

/// The whole state.
#[derive(Debug, Clone)]
pub struct App {
    /// "Now", from the last clock tick.
    pub now: jiff::Timestamp,
    /// The zone times are shown in (the system's; UTC in tests).
    pub tz: jiff::tz::TimeZone,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub folders: Vec<Folder>,
    /// Every archive of every folder, newest first.
    pub entries: Vec<Entry>,
    pub browser: Browser,
    /// Screens over the browser, the last one on top.
    pub screens: Vec<Screen>,
    pub help: bool,
    /// "A job is running: cancel it and quit?" is showing.
    pub confirm_quit: bool,
    pub jobs: BTreeMap<JobId, Job>,
    pub next_job: JobId,
    /// Set once leaving was decided; the runtime stops when `Effect::Quit` comes.
    pub leaving: Option<Leaving>,
    /// One line for the operator (an error, "already running"), cleared by the next key.
    pub message: Option<String>,
    /// Whether verify results are remembered (a state folder with an index exists).
    pub has_index: bool,
    /// Why no restore can start here (no state folder), if so.
    pub restore_off: Option<String>,
    /// The restore wizard, while its screen is open.
    pub wizard: Option<Wizard>,
    /// Interrupted restores, held containers, the lock, as last read.
    pub incidents: Incidents,
    /// The interrupted-restore modal was offered (once a session, at start).
    pub offered: bool,
    /// The last settle of this session.
    pub settle: Option<Settle>,
    /// The last "restart now" of this session.
    pub restart: Option<Restart>,
    /// One line per restore, settle, restart and backup of the session, for the way out.
    pub history: Vec<String>,
    /// The configured profile and its last failed run, once read (`Err`: why there is none).
    pub stack: Option<Result<StackStatus, String>>,
    /// The backup run of this session, if one was started.
    pub backup: Option<BackupRun>,
    /// The log lines the tap forwarded this session (the last 500).
    pub log: LogTail,
    /// The checklists and restores of wizards closed this session, for the jobs pane.
    pub closed_wizards: Vec<JobRow>,
}

impl App {
    pub fn new(
        folders: Vec<(PathBuf, bool)>,
        now: jiff::Timestamp,
        tz: jiff::tz::TimeZone,
        size: (u16, u16),
        has_index: bool,
    ) -> App {
        App {
            now,
            tz,
            size,
            folders: folders
                .into_iter()
                .map(|(path, explicit)| Folder {
                    path,
                    explicit,
                    status: FolderStatus::Loading,
                })
                .collect(),
            entries: Vec::new(),
            browser: Browser::default(),
            screens: Vec::new(),
            help: false,
            confirm_quit: false,
            jobs: BTreeMap::new(),
            next_job: 1,
            leaving: None,
            message: None,
            has_index,
            restore_off: None,
            wizard: None,
            incidents: Incidents::default(),
            offered: false,
            settle: None,
            restart: None,
            history: Vec::new(),
            stack: None,
            backup: None,
            log: LogTail::default(),
            closed_wizards: Vec::new(),
        }
    }

    /// Where keys go now: overlays first, then the screen on top.
    pub fn context(&self) -> Context {
        if self.confirm_quit {
            return Context::ConfirmQuit;
        }
        if self.help {
            return Context::Help;
        }
        self.screen_context()
    }

    /// The context of the screen on top, ignoring overlays (what the help describes).
    pub fn screen_context(&self) -> Context {
        match self.screens.last() {
            None if self.browser.filter.editing => Context::FilterEdit,
            None => Context::Browser,
            Some(Screen::Manifest { .. }) => Context::Manifest,
            Some(Screen::Verify { job }) => match self.jobs.get(job) {
                Some(j) if j.is_running() => Context::VerifyRunning,
                _ => Context::VerifyDone,
            },
            Some(Screen::Restore) => match self.wizard.as_ref().map(|w| &w.step) {
                Some(Step::Select { .. }) => Context::RestoreSelect,
                Some(Step::Checklist { .. }) => Context::RestoreChecklist,
                Some(Step::Waive { .. }) => Context::RestoreWaive,
                Some(Step::Plan { .. }) => Context::RestorePlan,
                Some(Step::Confirm { .. }) => Context::RestoreConfirm,
                Some(Step::Running) => Context::RestoreRunning,
                Some(Step::Done { .. }) if self.wizard.as_ref().is_some_and(Wizard::undoable) => {
                    Context::RestoreDone
                }
                Some(Step::Done { .. }) => Context::RestoreEnded,
                Some(Step::Failed { .. }) | None => Context::RestoreFailed,
                Some(Step::Loading | Step::Checking) => Context::RestoreWorking,
            },
            Some(Screen::Interrupted { asking: true, .. } | Screen::Stopped { asking: true }) => {
                Context::Ask
            }
            Some(Screen::Interrupted { .. }) => Context::Interrupted,
            Some(Screen::Settle) if self.settle_running() => Context::Busy,
            Some(Screen::Settle) => Context::SettleDone,
            Some(Screen::Stopped { .. }) if self.restart_running() => Context::Busy,
            Some(Screen::Stopped { .. }) => Context::Stopped,
            Some(Screen::Lock) => Context::Lock,
            Some(Screen::History { .. }) => Context::History,
            Some(Screen::BackupConfirm) => Context::BackupConfirm,
            Some(Screen::Backup) if self.backup.as_ref().is_some_and(BackupRun::running) => {
                Context::BackupRunning
            }
            Some(Screen::Backup) => Context::BackupDone,
            Some(Screen::Jobs) => Context::Jobs,
        }
    }

    pub fn settle_running(&self) -> bool {
        self.settle.as_ref().is_some_and(|s| s.result.is_none())
    }

    pub fn restart_running(&self) -> bool {
        self.restart.as_ref().is_some_and(|r| r.result.is_none())
    }

    /// Whether any job runs: the verify, the wizard's checklist or run, a settle, a restart,
    /// a backup.
    pub fn busy(&self) -> bool {
        self.running_job().is_some()
            || self.backup.as_ref().is_some_and(BackupRun::running)
            || self.wizard.as_ref().is_some_and(Wizard::running)
            || self.settle_running()
            || self.restart_running()
    }

    /// Indices into `entries` that pass the filters, in list order.
    pub fn visible(&self) -> Vec<usize> {
        let f = &self.browser.filter;
        let needle = f.text.to_lowercase();
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| f.folder.is_none_or(|d| e.folder == d))
            .filter(|(_, e)| {
                f.component.as_ref().is_none_or(|c| {
                    e.info
                        .manifest
                        .as_ref()
                        .is_some_and(|m| m.components.iter().any(|x| x == c))
                })
            })
            .filter(|(_, e)| needle.is_empty() || haystack(&e.info).contains(&needle))
            .map(|(i, _)| i)
            .collect()
    }

    /// The selected entry, if the list is not empty.
    pub fn selected(&self) -> Option<&Entry> {
        let v = self.visible();
        v.get(self.browser.selected)
            .or(v.last())
            .map(|&i| &self.entries[i])
    }

    pub fn entry(&self, path: &Path) -> Option<&Entry> {
        self.entries.iter().find(|e| e.info.path == path)
    }

    /// Every component name any listed manifest holds, sorted: what `c` cycles through.
    pub fn components(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .entries
            .iter()
            .filter_map(|e| e.info.manifest.as_ref())
            .flat_map(|m| m.components.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// The verify job running now, if any (one at a time: they compete for the same disk).
    pub fn running_job(&self) -> Option<&Job> {
        self.jobs.values().find(|j| j.is_running())
    }

    /// Committed backups (not safety backups), newest first: the times behind
    /// "last committed backup".
    pub fn committed_times(&self) -> Vec<jiff::Timestamp> {
        let mut t: Vec<jiff::Timestamp> = self
            .entries
            .iter()
            .filter(|e| {
                matches!(
                    e.info.state,
                    ListState::Verified | ListState::NotVerified | ListState::Mismatch
                ) && !e.info.is_safety()
            })
            .filter_map(|e| self.time_of(e))
            .collect();
        t.sort_by(|a, b| b.cmp(a));
        t
    }

    /// An entry's capture time: the manifest's, else the time in its file name read in the
    /// console's zone (as `ArchiveInfo::time` does in the system's; the zone is injected here
    /// so tests do not depend on the machine's).
    pub fn time_of(&self, e: &Entry) -> Option<jiff::Timestamp> {
        if let Some(t) = e.info.manifest.as_ref().and_then(|m| m.instant()) {
            return Some(t);
        }
        let stem = e.info.file.split(names::ARCHIVE_EXT).next()?;
        let (_, dt) = names::parse_backup_name(stem)?;
        dt.to_zoned(self.tz.clone()).ok().map(|z| z.timestamp())
    }

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
}

/// The text `/` matches: file name, components, host, profile, all lower case.
fn haystack(info: &ArchiveInfo) -> String {
    let mut s = info.file.to_lowercase();
    if let Some(m) = &info.manifest {
        for part in m
            .components
            .iter()
            .chain(std::iter::once(&m.host))
            .chain(m.profile.iter())
        {
            s.push(' ');
            s.push_str(&part.to_lowercase());
        }
    }
    s
}

/// The usual gap between committed backups (the median), when there are enough to say.
pub fn usual_interval(newest_first: &[jiff::Timestamp]) -> Option<i64> {
    if newest_first.len() < 3 {
        return None;
    }
    let mut gaps: Vec<i64> = newest_first
        .windows(2)
        .map(|w| w[0].as_second() - w[1].as_second())
        .filter(|g| *g > 0)
        .collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    // Backups minutes apart are someone trying things by hand, not a schedule to be late for.
    Some(gaps[gaps.len() / 2]).filter(|g| *g >= MIN_SCHEDULE)
}

/// The shortest usual gap taken for a schedule (10 minutes).
const MIN_SCHEDULE: i64 = 600;

/// An archive's file name (the whole path when it has none), as every screen and line names it.
pub fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// A manifest's capture time in `tz` as "2026-01-05 14:00".
pub fn short_time(t: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    t.to_zoned(tz.clone())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_interval_is_the_median_gap() {
        let t = |h: i64| jiff::Timestamp::from_second(h * 3600).unwrap();
        assert_eq!(usual_interval(&[t(48), t(24)]), None, "two are not enough");
        assert_eq!(
            usual_interval(&[t(72), t(48), t(24), t(23)]),
            Some(24 * 3600),
            "one odd gap does not move it"
        );
        let s = |x: i64| jiff::Timestamp::from_second(x).unwrap();
        assert_eq!(
            usual_interval(&[s(100), s(92), s(84)]),
            None,
            "seconds apart is no schedule"
        );
    }
}
