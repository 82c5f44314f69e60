//! The key table: one list of bindings per context. The footer, the `?` help overlay and the
//! key lookup in `update` all read these tables, so a hint on screen is always a key that works.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::{backup_keys, restore_keys};

/// Where the keys are read: the screen on top, or an overlay that swallows keys first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Browser,
    /// Typing the `/` filter: printable keys go into the text.
    FilterEdit,
    Manifest,
    VerifyRunning,
    VerifyDone,
    Help,
    /// "A job is running: cancel it and quit?"
    ConfirmQuit,
    /// The wizard's component checkboxes.
    RestoreSelect,
    /// The wizard reading the profile, or running the checklist.
    RestoreWorking,
    RestoreChecklist,
    /// Typing the acknowledgement that waives a checklist item.
    RestoreWaive,
    RestorePlan,
    /// Typing the stack name.
    RestoreConfirm,
    RestoreRunning,
    /// Validation and summary of a restore that can be undone.
    RestoreDone,
    /// Validation and summary of one that cannot (nothing restored, no safety backup).
    RestoreEnded,
    RestoreFailed,
    /// The interrupted-restore modal: roll back, resume, later.
    Interrupted,
    /// A yes/no question on the screen on top (settle, restart).
    Ask,
    /// A job that runs to its end (settle, restart): nothing to press but help.
    Busy,
    SettleDone,
    Stopped,
    Lock,
    /// The size history of a profile's components.
    History,
    /// "Back up now?"
    BackupConfirm,
    BackupRunning,
    BackupDone,
    /// This session's jobs and the log.
    Jobs,
}

/// What a key asks for. `update` decides what that means in the current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Open the selected archive's manifest.
    Open,
    /// Verify the selected archive.
    Verify,
    /// Start typing a text filter.
    Filter,
    CycleComponent,
    CycleFolder,
    ClearFilter,
    Reload,
    /// Leave the screen on top (the browser is never left this way).
    Back,
    /// Cancel the running job.
    CancelJob,
    Help,
    Quit,
    Yes,
    No,
    /// Typing: take the text (keep the filter, waive, confirm).
    Submit,
    /// Typing: drop the text.
    Abort,
    /// Typing: delete the last character.
    Erase,
    /// Open the restore wizard on the selected archive.
    Restore,
    /// Show the interrupted restore.
    ShowInterrupted,
    /// Show the containers lifeboat holds stopped.
    ShowStopped,
    /// Show the lock.
    ShowLock,
    /// Tick or untick a component.
    Toggle,
    /// Go on to the wizard's next step (or take the chosen option).
    Next,
    /// Waive the selected checklist item (or withdraw its waiver).
    Waive,
    /// Undo the restore just done, from its safety backup.
    Undo,
    /// Start again what lifeboat holds stopped.
    Restart,
    /// Show the size history of the selected archive's profile.
    History,
    /// Back up the configured profile now (asks first).
    BackupNow,
    /// Show this session's jobs and the log.
    Jobs,
}

/// A key as the tables name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Backspace,
}

impl Key {
    fn matches(self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match (self, ev.code) {
            (Key::Ctrl(c), KeyCode::Char(k)) => ctrl && k.eq_ignore_ascii_case(&c),
            // Shift is part of the character itself ('G', '?'); Ctrl or Alt make another key.
            (Key::Char(c), KeyCode::Char(k)) => {
                k == c && !ctrl && !ev.modifiers.contains(KeyModifiers::ALT)
            }
            (Key::Up, KeyCode::Up)
            | (Key::Down, KeyCode::Down)
            | (Key::PageUp, KeyCode::PageUp)
            | (Key::PageDown, KeyCode::PageDown)
            | (Key::Home, KeyCode::Home)
            | (Key::End, KeyCode::End)
            | (Key::Enter, KeyCode::Enter)
            | (Key::Esc, KeyCode::Esc)
            | (Key::Backspace, KeyCode::Backspace) => true,
            _ => false,
        }
    }

    /// How the key is written in the footer and the help.
    pub fn label(self, ascii: bool) -> String {
        match self {
            Key::Char(' ') => "Space".into(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Up if ascii => "Up".into(),
            Key::Up => "↑".into(),
            Key::Down if ascii => "Down".into(),
            Key::Down => "↓".into(),
            Key::PageUp => "PgUp".into(),
            Key::PageDown => "PgDn".into(),
            Key::Home => "Home".into(),
            Key::End => "End".into(),
            Key::Enter => "Enter".into(),
            Key::Esc => "Esc".into(),
            Key::Backspace => "Bksp".into(),
        }
    }
}

/// One line of the table: keys, what they do (for the help), and the footer's short word.
pub struct Binding {
    pub keys: &'static [(Key, Command)],
    pub what: &'static str,
    /// The footer's word for it; `None`: only in the help.
    pub footer: Option<&'static str>,
    /// A compact way of writing the keys (unicode, ascii), for bindings with many keys.
    pub shown: Option<(&'static str, &'static str)>,
}

impl Binding {
    /// "↑↓/jk", "Esc/q": the keys as the footer shows them (compact when it can be).
    pub fn footer_label(&self, ascii: bool) -> String {
        match self.shown {
            Some((uni, asc)) => if ascii { asc } else { uni }.to_string(),
            None => self.keys_label(ascii),
        }
    }

    /// "Up/Down/k/j": every key, as the help lists them.
    pub fn keys_label(&self, ascii: bool) -> String {
        self.keys
            .iter()
            .map(|(k, _)| k.label(ascii))
            .collect::<Vec<_>>()
            .join("/")
    }
}

pub(crate) const fn b(
    keys: &'static [(Key, Command)],
    what: &'static str,
    footer: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
        what,
        footer,
        shown: None,
    }
}

pub(crate) const fn shown(binding: Binding, uni: &'static str, ascii: &'static str) -> Binding {
    Binding {
        shown: Some((uni, ascii)),
        ..binding
    }
}

use Command as C;
use Key as K;

pub(crate) const MOVE: Binding = shown(
    b(
        &[
            (K::Up, C::Up),
            (K::Down, C::Down),
            (K::Char('k'), C::Up),
            (K::Char('j'), C::Down),
        ],
        "move the selection",
        Some("move"),
    ),
    "↑↓/jk",
    "j/k",
);
pub(crate) const PAGE: Binding = b(
    &[(K::PageUp, C::PageUp), (K::PageDown, C::PageDown)],
    "page up / down",
    None,
);
pub(crate) const ENDS: Binding = b(
    &[
        (K::Home, C::Top),
        (K::End, C::Bottom),
        (K::Char('g'), C::Top),
        (K::Char('G'), C::Bottom),
    ],
    "first / last",
    None,
);
pub(crate) const HELP: Binding = b(&[(K::Char('?'), C::Help)], "this help", Some("help"));
pub(crate) const CTRL_C: Binding = b(
    &[(K::Ctrl('c'), C::Quit)],
    "quit lifeboat (asks first while a job runs)",
    None,
);

static BROWSER: &[Binding] = &[
    MOVE,
    PAGE,
    ENDS,
    b(
        &[(K::Enter, C::Open)],
        "open the archive's manifest",
        Some("manifest"),
    ),
    b(
        &[(K::Char('v'), C::Verify)],
        "verify it: sidecar, every entry, every component hash",
        Some("verify"),
    ),
    b(
        &[(K::Char('R'), C::Restore)],
        "restore it: components, checklist, plan, typed stack name",
        Some("restore"),
    ),
    b(
        &[(K::Char('/'), C::Filter)],
        "filter by text: name, component, host, profile",
        Some("filter"),
    ),
    // Paired, so the help with the states legend stays one screen at 80x24.
    b(
        &[
            (K::Char('c'), C::CycleComponent),
            (K::Char('f'), C::CycleFolder),
        ],
        "only archives holding a component / in one folder (cycle)",
        None,
    ),
    b(
        &[(K::Esc, C::ClearFilter), (K::Char('r'), C::Reload)],
        "clear the filters / read the folders again",
        None,
    ),
    b(
        &[
            (K::Char('I'), C::ShowInterrupted),
            (K::Char('S'), C::ShowStopped),
            (K::Char('L'), C::ShowLock),
        ],
        "interrupted restore / containers held stopped / lock",
        None,
    ),
    HELP,
    b(&[(K::Char('q'), C::Quit)], "quit", Some("quit")),
    // After quit: the footer keeps the keys above at 80 columns and shows these when wider
    // (it skips what does not fit); the help always lists them.
    b(
        &[(K::Char('B'), C::BackupNow)],
        "back up the configured profile now (asks first)",
        Some("backup"),
    ),
    b(
        &[(K::Char('H'), C::History)],
        "size history of the profile's components",
        Some("history"),
    ),
    b(
        &[(K::Char('J'), C::Jobs)],
        "jobs of this session and the log (warnings, errors)",
        Some("log"),
    ),
    CTRL_C,
];

static FILTER_EDIT: &[Binding] = &[
    b(&[(K::Enter, C::Submit)], "keep the filter", Some("keep")),
    b(&[(K::Esc, C::Abort)], "drop the filter", Some("drop")),
    b(
        &[(K::Backspace, C::Erase)],
        "delete a character",
        Some("delete"),
    ),
    CTRL_C,
];

static MANIFEST: &[Binding] = &[
    shown(
        b(
            &[
                (K::Up, C::Up),
                (K::Down, C::Down),
                (K::Char('k'), C::Up),
                (K::Char('j'), C::Down),
            ],
            "scroll",
            Some("scroll"),
        ),
        "↑↓/jk",
        "j/k",
    ),
    PAGE,
    ENDS,
    b(
        &[(K::Char('v'), C::Verify)],
        "verify this archive",
        Some("verify"),
    ),
    b(
        &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
        "back to the list",
        Some("back"),
    ),
    HELP,
    CTRL_C,
];

static VERIFY_RUNNING: &[Binding] = &[
    b(
        &[(K::Esc, C::CancelJob), (K::Char('c'), C::CancelJob)],
        "cancel the verify (nothing is recorded)",
        Some("cancel"),
    ),
    HELP,
    CTRL_C,
];

static VERIFY_DONE: &[Binding] = &[
    b(
        &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
        "back to the list",
        Some("back"),
    ),
    b(
        &[(K::Char('v'), C::Verify)],
        "verify again",
        Some("verify again"),
    ),
    HELP,
    CTRL_C,
];

static HELP_OVERLAY: &[Binding] = &[
    b(
        &[
            (K::Esc, C::Back),
            (K::Char('?'), C::Back),
            (K::Char('q'), C::Back),
        ],
        "close the help",
        Some("close"),
    ),
    CTRL_C,
];

static CONFIRM_QUIT: &[Binding] = &[
    b(
        &[(K::Char('y'), C::Yes)],
        "cancel the running job, then quit",
        Some("cancel it and quit"),
    ),
    b(
        &[(K::Char('n'), C::No), (K::Esc, C::No)],
        "keep the job running",
        Some("stay"),
    ),
];

/// The bindings of a context, in the order the help lists them.
pub fn bindings(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Browser => BROWSER,
        Context::FilterEdit => FILTER_EDIT,
        Context::Manifest => MANIFEST,
        Context::VerifyRunning => VERIFY_RUNNING,
        Context::VerifyDone => VERIFY_DONE,
        Context::Help => HELP_OVERLAY,
        Context::ConfirmQuit => CONFIRM_QUIT,
        Context::RestoreSelect => restore_keys::RESTORE_SELECT,
        Context::RestoreWorking => restore_keys::RESTORE_WORKING,
        Context::RestoreChecklist => restore_keys::RESTORE_CHECKLIST,
        Context::RestoreWaive => restore_keys::RESTORE_WAIVE,
        Context::RestorePlan => restore_keys::RESTORE_PLAN,
        Context::RestoreConfirm => restore_keys::RESTORE_CONFIRM,
        Context::RestoreRunning => restore_keys::RESTORE_RUNNING,
        Context::RestoreDone => restore_keys::RESTORE_DONE,
        Context::RestoreEnded => restore_keys::RESTORE_ENDED,
        Context::RestoreFailed => restore_keys::RESTORE_FAILED,
        Context::Interrupted => restore_keys::INTERRUPTED,
        Context::Ask => restore_keys::ASK,
        Context::Busy => restore_keys::BUSY,
        Context::SettleDone => restore_keys::SETTLE_DONE,
        Context::Stopped => restore_keys::STOPPED,
        Context::Lock => restore_keys::LOCK,
        Context::History => backup_keys::HISTORY,
        Context::BackupConfirm => backup_keys::BACKUP_CONFIRM,
        Context::BackupRunning => backup_keys::BACKUP_RUNNING,
        Context::BackupDone => backup_keys::BACKUP_DONE,
        Context::Jobs => backup_keys::JOBS,
    }
}

/// The command a key means in `ctx`, if any.
pub fn lookup(ctx: Context, ev: &KeyEvent) -> Option<Command> {
    bindings(ctx)
        .iter()
        .flat_map(|b| b.keys.iter())
        .find(|(k, _)| k.matches(ev))
        .map(|(_, c)| *c)
}

/// The footer's hints for `ctx`: ("↑↓/jk", "move") pairs, in table order.
pub fn footer(ctx: Context, ascii: bool) -> Vec<(String, &'static str)> {
    bindings(ctx)
        .iter()
        .filter_map(|b| b.footer.map(|word| (b.footer_label(ascii), word)))
        .collect()
}

/// A scroll position after a scrolling key (`None` for any other), kept within `0..=max`.
pub fn scrolled(scroll: usize, cmd: Command, page: usize, max: usize) -> Option<usize> {
    let new = match cmd {
        Command::Up => scroll.saturating_sub(1),
        Command::Down => scroll + 1,
        Command::PageUp => scroll.saturating_sub(page),
        Command::PageDown => scroll + page,
        Command::Top => 0,
        Command::Bottom => max,
        _ => return None,
    };
    Some(new.min(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Context; 28] = [
        Context::Browser,
        Context::FilterEdit,
        Context::Manifest,
        Context::VerifyRunning,
        Context::VerifyDone,
        Context::Help,
        Context::ConfirmQuit,
        Context::RestoreSelect,
        Context::RestoreWorking,
        Context::RestoreChecklist,
        Context::RestoreWaive,
        Context::RestorePlan,
        Context::RestoreConfirm,
        Context::RestoreRunning,
        Context::RestoreDone,
        Context::RestoreEnded,
        Context::RestoreFailed,
        Context::Interrupted,
        Context::Ask,
        Context::Busy,
        Context::SettleDone,
        Context::Stopped,
        Context::Lock,
        Context::History,
        Context::BackupConfirm,
        Context::BackupRunning,
        Context::BackupDone,
        Context::Jobs,
    ];

    fn event(k: Key) -> KeyEvent {
        match k {
            Key::Char(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            Key::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
            Key::Up => KeyEvent::from(KeyCode::Up),
            Key::Down => KeyEvent::from(KeyCode::Down),
            Key::PageUp => KeyEvent::from(KeyCode::PageUp),
            Key::PageDown => KeyEvent::from(KeyCode::PageDown),
            Key::Home => KeyEvent::from(KeyCode::Home),
            Key::End => KeyEvent::from(KeyCode::End),
            Key::Enter => KeyEvent::from(KeyCode::Enter),
            Key::Esc => KeyEvent::from(KeyCode::Esc),
            Key::Backspace => KeyEvent::from(KeyCode::Backspace),
        }
    }

    /// Every key a table shows does what the table says (no key bound twice in a context).
    #[test]
    fn every_listed_key_looks_up_to_its_own_command() {
        for ctx in ALL {
            for b in bindings(ctx) {
                for (k, c) in b.keys {
                    assert_eq!(lookup(ctx, &event(*k)), Some(*c), "{ctx:?} {k:?}");
                }
            }
        }
    }

    #[test]
    fn ctrl_c_quits_from_every_screen_but_the_confirmation() {
        for ctx in ALL {
            let want = (ctx != Context::ConfirmQuit).then_some(Command::Quit);
            assert_eq!(lookup(ctx, &event(Key::Ctrl('c'))), want, "{ctx:?}");
        }
        assert_eq!(
            lookup(Context::Browser, &event(Key::Char('c'))),
            Some(Command::CycleComponent),
            "plain c is not Ctrl-C"
        );
    }

    #[test]
    fn footer_labels_follow_the_symbol_set() {
        let f = footer(Context::Browser, false);
        assert_eq!(f[0], ("↑↓/jk".to_string(), "move"));
        assert_eq!(f[1], ("Enter".to_string(), "manifest"));
        let f = footer(Context::Browser, true);
        assert_eq!(f[0], ("j/k".to_string(), "move"));
        assert!(f.iter().all(|(k, w)| k.is_ascii() && w.is_ascii()));
    }
}
