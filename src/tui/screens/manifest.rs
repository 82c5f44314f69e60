//! The manifest view, scrollable: its lines (`view/manifest.rs`) in a bordered block named
//! after the archive, with how many lines are below.

use std::path::Path;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::screens::widgets::block;
use crate::tui::state::app::{App, file_name};
use crate::tui::theme::Ui;
use crate::tui::view::manifest::lines;
use crate::tui::view::sizes::text_width;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &Ui, archive: &Path, scroll: usize) {
    let all = lines(app, ui, archive, text_width(area.width));
    let rows = usize::from(area.height.saturating_sub(2));
    let scroll = scroll.min(all.len().saturating_sub(rows));
    let more = if all.len() > scroll + rows {
        format!(" {} more below ", all.len() - scroll - rows)
    } else {
        String::new()
    };
    let name = file_name(archive);
    let blk = block(
        ui,
        Line::from(vec![
            Span::styled(" Manifest ", ui.theme.title),
            Span::raw(format!("{} ", ui.clean(&name))),
        ]),
    )
    .title_bottom(Line::styled(more, ui.theme.dim).right_aligned());
    let shown: Vec<Line> = all.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown).block(blk), area);
}
