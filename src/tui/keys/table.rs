//! The key table's vocabulary: the contexts keys are read in, the commands they ask for, the
//! keys as the tables name them, one binding line, and the bindings every context shares
//! (move, page, ends, help, Ctrl-C). The per-screen tables are built from these in the sibling
//! modules; `lookup` puts them together.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
    pub(super) fn matches(self, ev: &KeyEvent) -> bool {
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
