//! `App::update` for the size history: `H` opens it on the selected archive's profile, the
//! keys scroll it by component (bounded by how many fit at the current size), Esc closes it.

use crate::tui::keys::lookup::scrolled;
use crate::tui::keys::table::Command;
use crate::tui::state::app::{App, Screen};
use crate::tui::state::effect::Effect;
use crate::tui::view::history::fits;

impl App {
    /// `H` in the browser: the history of the selected archive's profile.
    pub(crate) fn open_history(&mut self) -> Vec<Effect> {
        match self.selected().map(|e| &e.info.manifest) {
            None => self.message = Some("no archive selected".into()),
            Some(None) => {
                self.message = Some("the selected archive's manifest is not known yet".into());
            }
            Some(Some(m)) => {
                let profile = m.profile.clone();
                self.screens.push(Screen::History { profile, scroll: 0 });
            }
        }
        Vec::new()
    }

    /// Keys on the history screen: scroll by component, back.
    pub(crate) fn history_command(&mut self, cmd: Command) -> Vec<Effect> {
        let Some(Screen::History { profile, scroll }) = self.screens.last() else {
            return Vec::new();
        };
        let n = self.history(profile.as_deref()).series.len();
        let page = fits(self.size).max(1);
        let max = n.saturating_sub(page);
        if cmd == Command::Back {
            self.screens.pop();
        } else if let (Some(new), Some(Screen::History { scroll, .. })) =
            (scrolled(*scroll, cmd, page, max), self.screens.last_mut())
        {
            *scroll = new;
        }
        Vec::new()
    }
}
