//! The browser's geometry and words that other views share: its regions at a size (so
//! `update` pages by the rows the list really has), and an archive's state badge (the manifest
//! view shows it too).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;

use crate::engine::catalog::ListState;
use crate::tui::state::app::{App, Entry};
use crate::tui::theme::Ui;
use crate::tui::view::format::short_age;

/// The browser's three regions: the header, the list, the selected archive's details.
pub struct Areas {
    pub header: Rect,
    pub list: Rect,
    pub details: Rect,
}

/// `failed`: the header has a line for a failed backup run.
pub fn layout(area: Rect, failed: bool) -> Areas {
    // On short terminals the details shrink to one line so the list keeps its rows.
    let details = if area.height >= 22 { 6 } else { 3 };
    let [header, list, details] = Layout::vertical([
        Constraint::Length(if failed { 3 } else { 2 }),
        Constraint::Fill(1),
        Constraint::Length(details),
    ])
    .areas(area);
    Areas {
        header,
        list,
        details,
    }
}

/// Rows of archives the list shows at terminal size `size` (borders, column header, status
/// line and footer taken off), for paging and scrolling in `update`; `failed` as in `layout`.
pub fn list_rows(size: (u16, u16), failed: bool) -> usize {
    let body = Rect::new(0, 0, size.0, size.1.saturating_sub(2));
    usize::from(layout(body, failed).list.height.saturating_sub(3))
}

impl App {
    /// Rows of the browser's list at the current size (what PgUp/PgDn move by).
    pub fn list_rows(&self) -> usize {
        list_rows(self.size, self.failed_run_to_show().is_some())
    }
}

/// The state word and its style: "verified 3h ago", "not verified", "MISMATCH",
/// "uncommitted", "orphan".
pub fn badge(app: &App, ui: &Ui, e: &Entry) -> (String, Style) {
    let t = &ui.theme;
    match e.info.state {
        ListState::Verified => {
            let when = e
                .info
                .verified_at
                .as_deref()
                .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                .map(|at| format!(" {} ago", short_age(app.now, at)))
                .unwrap_or_default();
            (format!("verified{when}"), t.ok)
        }
        s @ ListState::NotVerified => (state_word(s).into(), t.warn),
        s => (state_word(s).into(), t.bad),
    }
}

/// The state as one word, without the age.
pub fn state_word(state: ListState) -> &'static str {
    match state {
        ListState::Verified => "verified",
        ListState::NotVerified => "not verified",
        ListState::Mismatch => "MISMATCH",
        ListState::Uncommitted => "uncommitted",
        ListState::Orphan => "orphan",
    }
}
