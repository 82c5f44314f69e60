//! `App::update` for the jobs and log pane: lines from the tap kept (the last [`KEEP`]) and
//! counted while the pane is not looking, `J` opens it following the end, the keys scroll the
//! log (bounded by the rows it has at the current size), and a closing wizard's job is kept
//! listed.

use crate::tui::keys::table::Command;
use crate::tui::state::app::{App, Screen};
use crate::tui::state::effect::Effect;
use crate::tui::state::log_pane::{KEEP, LogLine};
use crate::tui::view::log_pane::log_rows;

impl App {
    /// Lines from the tap: kept (the last [`KEEP`]), counted when the pane is not looking,
    /// and a scrolled view held still over the lines it shows.
    pub(crate) fn on_log(&mut self, lines: Vec<LogLine>) -> Vec<Effect> {
        let looking = self.screens.last() == Some(&Screen::Jobs);
        let tail = &mut self.log;
        for line in lines {
            if !looking {
                match line.level {
                    tracing::Level::ERROR => tail.unseen_errors += 1,
                    tracing::Level::WARN => tail.unseen_warnings += 1,
                    _ => {}
                }
            }
            tail.lines.push_back(line);
            if tail.lines.len() > KEEP {
                tail.lines.pop_front();
            }
            // A scrolled view stays over the lines it shows: the end moved one line away
            // from it (whether or not the oldest line was dropped at the top).
            if tail.back > 0 {
                tail.back += 1;
            }
        }
        self.clamp_log_scroll();
        Vec::new()
    }

    /// `J` in the browser: the pane, following the end; what it shows is now seen.
    pub(crate) fn open_jobs(&mut self) -> Vec<Effect> {
        self.log.back = 0;
        self.log.unseen_warnings = 0;
        self.log.unseen_errors = 0;
        self.screens.push(Screen::Jobs);
        Vec::new()
    }

    /// Keys on the pane: scroll the log, End follows it again, Esc back.
    pub(crate) fn jobs_command(&mut self, cmd: Command) -> Vec<Effect> {
        let page = log_rows(self).max(1);
        let back = self.log.back;
        self.log.back = match cmd {
            Command::Up => back + 1,
            Command::Down => back.saturating_sub(1),
            Command::PageUp => back + page,
            Command::PageDown => back.saturating_sub(page),
            Command::Top => usize::MAX,
            Command::Bottom => 0,
            Command::Back => {
                self.screens.pop();
                back
            }
            _ => back,
        };
        self.clamp_log_scroll();
        Vec::new()
    }

    pub(crate) fn clamp_log_scroll(&mut self) {
        self.log.back = self.log.back.min(self.max_log_back());
    }

    /// The wizard is closing: its job stays listed for the rest of the session.
    pub(crate) fn keep_wizard_row(&mut self) {
        if let Some(row) = self.wizard_row() {
            self.closed_wizards.push(row);
        }
    }
}
