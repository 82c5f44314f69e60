//! Drawing: one function per screen, each reading `App` and never changing it. `draw` picks
//! the screen on top, adds the status line and the footer (from the key table), then the
//! overlays (help, the quit confirmation). Below the minimum size only the "too small"
//! screen is drawn, so no screen ever has to cope with a cramped area.
//!
//! ```text
//! +--------------------------------------------------+
//! | screen on top (browser / manifest / verify)      |
//! |                                                  |
//! +--------------------------------------------------+
//! | status line: a message, or a job running behind  |
//! | footer: keys of the current context              |
//! +--------------------------------------------------+
//! ```

pub mod backup;
pub mod browser;
pub mod help;
pub mod history;
pub mod incidents;
pub mod jobs;
pub mod manifest;
pub mod restore_run;
pub mod too_small;
pub mod verify;
pub mod wizard;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::tui::app::{App, JobStatus, Screen};
use crate::tui::keymap;
use crate::tui::theme::Ui;

/// The smallest terminal the console draws in: the browser's list keeps four rows and the
/// footer keeps its main keys at 60 columns. Below it, `too_small` says what is needed.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Draws the whole console.
pub fn draw(frame: &mut Frame, app: &App, ui: &Ui) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small::draw(frame, area, ui);
        return;
    }
    let [body, status, footer] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    match app.screens.last() {
        None => browser::draw(frame, body, app, ui),
        Some(Screen::Manifest { archive, scroll }) => {
            manifest::draw(frame, body, app, ui, archive, *scroll);
        }
        Some(Screen::Verify { job }) => verify::draw(frame, body, app, ui, *job),
        Some(Screen::Restore) => wizard::draw(frame, body, app, ui),
        Some(Screen::Interrupted { choice, asking }) => {
            browser::draw(frame, body, app, ui);
            incidents::draw_interrupted(frame, body, app, ui, *choice, *asking);
        }
        Some(Screen::Settle) => incidents::draw_settle(frame, body, app, ui),
        Some(Screen::Stopped { asking }) => incidents::draw_stopped(frame, body, app, ui, *asking),
        Some(Screen::Lock) => incidents::draw_lock(frame, body, app, ui),
        Some(Screen::History { profile, scroll }) => {
            history::draw(frame, body, app, ui, profile.as_deref(), *scroll);
        }
        Some(Screen::BackupConfirm) => {
            browser::draw(frame, body, app, ui);
            backup::draw_confirm(frame, body, app, ui);
        }
        Some(Screen::Backup) => backup::draw(frame, body, app, ui),
        Some(Screen::Jobs) => jobs::draw(frame, body, app, ui),
    }
    frame.render_widget(status_line(app, ui), status);
    frame.render_widget(footer_line(app, ui, footer.width), footer);
    if app.help {
        help::draw(frame, body, app, ui);
    }
    if app.confirm_quit {
        help::draw_confirm_quit(frame, body, app, ui);
    }
}

/// A message for the operator, else a job running behind the screen on top, else what needs
/// attention (an interrupted restore, containers held stopped), else log warnings not seen.
fn status_line<'a>(app: &App, ui: &Ui) -> Paragraph<'a> {
    if let Some(m) = &app.message {
        return Paragraph::new(Span::styled(format!(" {}", ui.clean(m)), ui.theme.warn));
    }
    let shown = match app.screens.last() {
        Some(Screen::Verify { job }) => Some(*job),
        _ => None,
    };
    if let Some(j) = app.running_job().filter(|j| Some(j.id) != shown) {
        let pct = j
            .log
            .steps
            .last()
            .and_then(|s| s.total.filter(|t| *t > 0).map(|t| s.done * 100 / t))
            .map(|p| format!(" {p}%"))
            .unwrap_or_default();
        let what = if matches!(j.status, JobStatus::Cancelling) {
            "cancelling verify"
        } else {
            "verify running"
        };
        return Paragraph::new(Span::styled(
            format!(
                " {what}{pct}: {}",
                ui.clean(&crate::tui::update::file_name(&j.archive))
            ),
            ui.theme.warn,
        ));
    }
    if let Some(b) = app
        .backup
        .as_ref()
        .filter(|b| b.running() && app.screens.last() != Some(&Screen::Backup))
    {
        let what = if b.cancelling {
            "cancelling backup"
        } else {
            "backup running"
        };
        let step = b
            .log
            .steps
            .last()
            .map(|s| format!(": {}", ui.clean(&s.label)))
            .unwrap_or_default();
        let text = format!(" {what} of {}{step} (B shows it)", ui.clean(&b.profile));
        return Paragraph::new(Span::styled(
            ui.cut(&text, usize::from(app.size.0)),
            ui.theme.warn,
        ));
    }
    let inc = &app.incidents;
    let mut banner = Vec::new();
    if let Some(r) = inc.to_settle() {
        banner.push(format!(
            "restore {} interrupted: I settles it",
            ui.clean(&r.id)
        ));
    }
    if !inc.stopped.is_empty() {
        banner.push(format!(
            "{} container{} held stopped: S",
            inc.stopped.len(),
            if inc.stopped.len() == 1 { "" } else { "s" }
        ));
    }
    if !banner.is_empty() && app.screens.is_empty() {
        let text = ui.cut(&format!(" {}", banner.join("; ")), usize::from(app.size.0));
        return Paragraph::new(Span::styled(text, ui.theme.bad));
    }
    if app.screens.is_empty() {
        let (errors, warnings) = (app.log.unseen_errors, app.log.unseen_warnings);
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let (text, style) = match (errors, warnings) {
            (0, 0) => return Paragraph::new(""),
            (0, w) => (
                format!(" {w} new warning{}: J shows the log", plural(w)),
                ui.theme.warn,
            ),
            (e, 0) => (
                format!(" {e} new error{}: J shows the log", plural(e)),
                ui.theme.bad,
            ),
            (e, w) => (
                format!(
                    " {e} new error{} and {w} warning{}: J shows the log",
                    plural(e),
                    plural(w)
                ),
                ui.theme.bad,
            ),
        };
        return Paragraph::new(Span::styled(text, style));
    }
    Paragraph::new("")
}

/// The keys of the current context, as many as fit, in table order.
fn footer_line<'a>(app: &App, ui: &Ui, width: u16) -> Paragraph<'a> {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    for (keys, word) in keymap::footer(app.context(), ui.ascii) {
        let need = keys.chars().count() + 1 + word.chars().count() + 2;
        if used + need > width as usize {
            continue;
        }
        used += need;
        spans.push(Span::styled(keys, ui.theme.key));
        spans.push(Span::raw(format!(" {word}  ")));
    }
    Paragraph::new(Line::from(spans))
}

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

/// "3h", "2d", "45s": the largest unit of an age, for narrow columns.
pub fn short_age(now: jiff::Timestamp, then: jiff::Timestamp) -> String {
    let secs = now.as_second() - then.as_second();
    match secs {
        s if s < 0 => "future".into(),
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Bytes as "12.3 MiB".
pub fn size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY)
}

/// `text` wrapped to `width`, each line indented by one space, in `style`.
pub fn wrapped<'a>(text: &str, width: usize, style: ratatui::style::Style) -> Vec<Line<'a>> {
    manifest::wrap(text, width.saturating_sub(2))
        .into_iter()
        .map(|l| Line::styled(format!(" {l}"), style))
        .collect()
}

/// "12s", "3m 04s", "1h 02m".
pub fn elapsed(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// A step's progress bar and amounts ("45%  90.98 MiB of 202.18 MiB", or the bytes so far when
/// the total is unknown), coloured by how the step ended.
pub fn step_bar<'a>(ui: &Ui, step: &crate::tui::steps::StepView, width: u16) -> Line<'a> {
    use crate::engine::progress::StepOutcome;
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
