//! The pieces several screens draw with: a bordered block in the theme's glyphs, a centred
//! box for overlays, a step's progress bar.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use crate::engine::progress::StepOutcome;
use crate::tui::state::steps::StepView;
use crate::tui::theme::Ui;
use crate::tui::view::format::size;

/// A bordered block in the theme's glyphs with a title.
pub fn block<'a>(ui: &Ui, title: impl Into<Line<'a>>) -> Block<'a> {
    Block::bordered()
        .border_set(ui.sym.border)
        .border_style(ui.theme.border)
        .title(title)
}

/// A rectangle of at most `w` x `h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A step's progress bar and amounts ("45%  90.98 MiB of 202.18 MiB", or the bytes so far when
/// the total is unknown), coloured by how the step ended.
pub fn step_bar<'a>(ui: &Ui, step: &StepView, width: u16) -> Line<'a> {
    let t = &ui.theme;
    let (ratio, amounts) = match step.total {
        Some(total) if total > 0 => (
            step.done as f64 / total as f64,
            format!(
                "{:>3}%  {} of {}",
                step.done.saturating_mul(100) / total,
                size(step.done),
                size(total)
            ),
        ),
        _ => (0.0, size(step.done)),
    };
    // A fixed width (room for the longest amounts), so the bar does not jump as they grow.
    let bar_width = usize::from(width).saturating_sub(38).clamp(10, 50);
    let style = match step.outcome {
        Some(StepOutcome::Failed) => t.bad,
        Some(StepOutcome::Ok) => t.ok,
        _ => t.key,
    };
    Line::from(vec![
        Span::raw(" "),
        Span::styled(ui.bar(ratio, bar_width), style),
        Span::raw(format!("  {amounts}")),
    ])
}
