//! The jobs and log pane: this session's jobs on top (the newest that fit), the log tail
//! below, newest last, one row a line (cut, never wrapped, so scrolling counts lines).
//!
//! ```text
//! +- Jobs and log ---------------------------------------------------------------+
//! | Jobs of this session                                                         |
//! | KIND     WHAT                             STATUS             STARTED     TIME|
//! | verify   tars-backup-20260104_030000      MISMATCH           11:00:00  1m 04s|
//! | backup   tars-home                        running: postgres  12:00:50     40s|
//! | Log, INFO and above, newest last                            following the end|
//! | 11:49:50 INFO  docker::volume: created a volume volume="lifeboat-stage-29"   |
//! | 11:59:00 WARN  backup: component redis is under half its size in the previ...|
//! +------------------------------------------------------------------------------+
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::widgets::block;
use crate::tui::state::app::App;
use crate::tui::state::log_pane::{JobRow, Tone};
use crate::tui::theme::Ui;
use crate::tui::view::format::elapsed;
use crate::tui::view::log_pane::{job_rows_shown, log_rows};

/// Columns of the job table besides WHAT (which takes the rest).
const KIND: usize = 9;
const STATUS: usize = 19;
const STARTED: usize = 9;
const TIME: usize = 7;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let t = &ui.theme;
    let blk = block(ui, Span::styled(" Jobs and log ", t.title));
    let inner = blk.inner(area);
    frame.render_widget(blk, area);
    let width = usize::from(inner.width);
    let rows = app.job_rows();
    let shown = job_rows_shown(inner.height, rows.len());
    let mut lines = Vec::new();
    let heading = if rows.len() > shown {
        format!(
            " Jobs of this session, the newest {shown} of {}",
            rows.len()
        )
    } else {
        " Jobs of this session".to_string()
    };
    lines.push(Line::styled(ui.cut(&heading, width), t.header));
    if rows.is_empty() {
        lines.push(Line::styled(
            ui.cut(
                "  none yet: v verifies an archive, B backs up, R restores",
                width,
            ),
            t.dim,
        ));
    } else {
        let what = width.saturating_sub(1 + KIND + STATUS + STARTED + TIME + 1);
        lines.push(Line::styled(
            format!(
                " {:<KIND$}{:<what$} {:<STATUS$}{:<STARTED$}{:>TIME$}",
                "KIND", "WHAT", "STATUS", "STARTED", "TIME"
            ),
            t.dim,
        ));
        for r in &rows[rows.len() - shown..] {
            lines.push(job_line(app, ui, r, what));
        }
    }
    lines.push(log_heading(app, ui, width));
    let n = log_rows(app);
    let tail = &app.log.lines;
    if tail.is_empty() {
        lines.push(Line::styled(
            ui.cut(
                "  nothing logged yet this session (INFO and above appear here)",
                width,
            ),
            t.dim,
        ));
    }
    let end = tail.len().saturating_sub(app.log.back);
    for l in tail.range(end.saturating_sub(n)..end) {
        let when = l.at.to_zoned(app.tz.clone()).strftime("%H:%M:%S");
        let head = format!(" {when} {:<5} ", l.level.as_str());
        let text = ui.cut(
            &ui.clean(&l.text),
            width.saturating_sub(head.chars().count()),
        );
        let style = match l.level {
            tracing::Level::ERROR => t.bad,
            tracing::Level::WARN => t.warn,
            _ => Style::new(),
        };
        let head_style = if l.is_warning() { style } else { t.dim };
        lines.push(Line::from(vec![
            Span::styled(head, head_style),
            Span::styled(text, style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn job_line<'a>(app: &App, ui: &Ui, r: &JobRow, what: usize) -> Line<'a> {
    let t = &ui.theme;
    let style = match r.tone {
        Tone::Running => t.header,
        Tone::Ok => t.ok,
        Tone::Warn => t.warn,
        Tone::Bad => t.bad,
    };
    // A string first: jiff's formatter does not pad to a width.
    let started = r
        .started
        .to_zoned(app.tz.clone())
        .strftime("%H:%M:%S")
        .to_string();
    let took = elapsed(r.finished.unwrap_or(app.now).as_second() - r.started.as_second());
    Line::from(vec![
        Span::raw(format!(
            " {:<KIND$}{:<what$} ",
            r.kind,
            ui.cut(&ui.clean(&r.what), what.saturating_sub(1)),
        )),
        Span::styled(format!("{:<STATUS$}", ui.cut(&r.status, STATUS - 1)), style),
        Span::raw(format!("{started:<STARTED$}{took:>TIME$}")),
    ])
}

/// "Log, INFO and above, newest last", and on the right whether it follows the end.
fn log_heading<'a>(app: &App, ui: &Ui, width: usize) -> Line<'a> {
    let t = &ui.theme;
    let left = " Log, INFO and above, newest last";
    let right = match app.log.back {
        0 => "following the end".to_string(),
        n => format!("{n} line{} up; End follows", if n == 1 { "" } else { "s" }),
    };
    let gap = width.saturating_sub(left.len() + right.len());
    if gap == 0 {
        return Line::styled(ui.cut(left, width), t.header);
    }
    Line::from(vec![
        Span::styled(left, t.header),
        Span::raw(" ".repeat(gap)),
        Span::styled(right, if app.log.back == 0 { t.dim } else { t.warn }),
    ])
}
