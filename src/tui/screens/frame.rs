//! The whole frame: `draw` picks the screen on top, adds the status line and the footer (from
//! the key table), then the overlays (help, the quit confirmation). Below the minimum size only
//! the "too small" screen is drawn, so no screen ever has to cope with a cramped area.
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

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{
    backup, browser, help, history, incidents, log_pane, manifest, too_small, verify, wizard,
};
use crate::tui::keys::lookup;
use crate::tui::state::app::{App, Screen, file_name};
use crate::tui::state::job::JobStatus;
use crate::tui::theme::Ui;
use crate::tui::view::sizes::{MIN_HEIGHT, MIN_WIDTH};

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
        Some(Screen::Jobs) => log_pane::draw(frame, body, app, ui),
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
            format!(" {what}{pct}: {}", ui.clean(&file_name(&j.archive))),
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
    for (keys, word) in lookup::footer(app.context(), ui.ascii) {
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
