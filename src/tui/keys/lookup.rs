//! The lookup over the key tables: one list of bindings per context. The footer, the `?` help
//! overlay and the key lookup in `update` all read these tables, so a hint on screen is always
//! a key that works.

use crossterm::event::KeyEvent;

use super::table::{Binding, Command, Context};
use super::{backup, browser, incidents, wizard};

/// The bindings of a context, in the order the help lists them.
pub fn bindings(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Browser => browser::BROWSER,
        Context::FilterEdit => browser::FILTER_EDIT,
        Context::Manifest => browser::MANIFEST,
        Context::VerifyRunning => browser::VERIFY_RUNNING,
        Context::VerifyDone => browser::VERIFY_DONE,
        Context::Help => browser::HELP_OVERLAY,
        Context::ConfirmQuit => browser::CONFIRM_QUIT,
        Context::RestoreSelect => wizard::RESTORE_SELECT,
        Context::RestoreWorking => wizard::RESTORE_WORKING,
        Context::RestoreChecklist => wizard::RESTORE_CHECKLIST,
        Context::RestoreWaive => wizard::RESTORE_WAIVE,
        Context::RestorePlan => wizard::RESTORE_PLAN,
        Context::RestoreConfirm => wizard::RESTORE_CONFIRM,
        Context::RestoreRunning => wizard::RESTORE_RUNNING,
        Context::RestoreDone => wizard::RESTORE_DONE,
        Context::RestoreEnded => wizard::RESTORE_ENDED,
        Context::RestoreFailed => wizard::RESTORE_FAILED,
        Context::Interrupted => incidents::INTERRUPTED,
        Context::Ask => incidents::ASK,
        Context::Busy => incidents::BUSY,
        Context::SettleDone => incidents::SETTLE_DONE,
        Context::Stopped => incidents::STOPPED,
        Context::Lock => incidents::LOCK,
        Context::History => backup::HISTORY,
        Context::BackupConfirm => backup::BACKUP_CONFIRM,
        Context::BackupRunning => backup::BACKUP_RUNNING,
        Context::BackupDone => backup::BACKUP_DONE,
        Context::Jobs => backup::JOBS,
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
    use crossterm::event::{KeyCode, KeyModifiers};

    use super::*;
    use crate::tui::keys::table::Key;

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
