//! Below the minimum size nothing else is drawn: one message saying what is needed. Keys
//! still work (`q` quits), and the console comes back as soon as the terminal is resized.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::theme::Ui;
use crate::tui::view::sizes::{MIN_HEIGHT, MIN_WIDTH};

pub fn draw(frame: &mut Frame, area: Rect, ui: &Ui) {
    let lines = vec![
        Line::styled(
            format!(
                "terminal too small: need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{}",
                area.width, area.height
            ),
            ui.theme.bad,
        ),
        Line::raw("enlarge the window, or press q to quit"),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
