//! "Backup now": the y/n question over the browser (naming the profile and the output folder),
//! then the run: elapsed time, the component being captured with its bytes, each step as it
//! ended, warnings; at the end the summary (the committed archive, failed components,
//! warnings such as shrinkage) or why it failed, with the exit code `lifeboat backup` gives.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::widgets::{block, centered, step_bar};
use crate::engine::progress::StepOutcome;
use crate::tui::keys::lookup;
use crate::tui::keys::table::Context;
use crate::tui::state::app::App;
use crate::tui::state::backup::{BackupEnd, BackupRun};
use crate::tui::theme::Ui;
use crate::tui::view::format::{elapsed, size, wrapped};

/// The question, over the browser.
pub fn draw_confirm(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let t = &ui.theme;
    let Some(Ok(stack)) = &app.stack else {
        return;
    };
    let mut lines = vec![
        Line::from(vec![
            Span::raw(" Back up profile "),
            Span::styled(ui.clean(&stack.profile), t.title),
            Span::raw(" now?"),
        ]),
        Line::raw(format!(
            " into {}",
            ui.clean(&stack.output_dir.display().to_string())
        )),
        Line::raw(""),
        Line::styled(
            " It holds the host lock: a cron backup meanwhile is refused.",
            t.dim,
        ),
        Line::styled(
            " Containers stopped for a consistent copy are started again after.",
            t.dim,
        ),
        Line::raw(""),
    ];
    lines.push(Line::from(
        lookup::bindings(Context::BackupConfirm)
            .iter()
            .filter(|b| b.footer.is_some())
            .flat_map(|b| {
                [
                    Span::styled(format!(" {}", b.keys_label(ui.ascii)), t.key),
                    Span::raw(format!(" {}  ", b.footer.unwrap_or_default())),
                ]
            })
            .collect::<Vec<_>>(),
    ));
    let rect = centered(area, 70, 9);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(ui, Span::styled(" Backup now? ", t.warn)))
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// The run and, once it ended, its summary.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let Some(b) = &app.backup else {
        return;
    };
    let t = &ui.theme;
    let blk = block(
        ui,
        Line::from(vec![
            Span::styled(" Backup ", t.title),
            Span::raw(format!("{} ", ui.clean(&b.profile))),
        ]),
    );
    let inner = blk.inner(area);
    frame.render_widget(blk, area);
    let [top, rest] = Layout::vertical([Constraint::Length(6), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(progress_lines(app, ui, b, top.width)), top);
    let width = usize::from(rest.width);
    let lines = match &b.end {
        None => running_lines(ui, b, width),
        Some(end) => end_lines(ui, b, end, width),
    };
    // The newest lines matter most: when they do not fit, the oldest go.
    let skip = lines.len().saturating_sub(usize::from(rest.height));
    frame.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()),
        rest,
    );
}

/// Folder, elapsed time, the step running now and its bar.
fn progress_lines<'a>(app: &App, ui: &Ui, b: &BackupRun, width: u16) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let end = b.finished.unwrap_or(app.now);
    let secs = (end.as_second() - b.started.as_second()).max(0);
    let took = if b.finished.is_some() {
        format!("took {}", elapsed(secs))
    } else {
        format!("{} so far", elapsed(secs))
    };
    let mut out = vec![
        Line::styled(
            format!(" into {}", ui.clean(&b.output_dir.display().to_string())),
            t.dim,
        ),
        Line::styled(
            format!(
                " started {}, {took}",
                b.started.to_zoned(app.tz.clone()).strftime("%H:%M:%S")
            ),
            t.dim,
        ),
        Line::raw(""),
    ];
    let Some(step) = b.log.steps.last() else {
        out.push(Line::raw(" starting: the lock, leftovers, space checks..."));
        return out;
    };
    out.push(Line::raw(
        ui.cut(&format!(" {}", ui.clean(&step.label)), usize::from(width)),
    ));
    out.push(step_bar(ui, step, width));
    out
}

/// Each step as it ended (or runs), then the warnings so far.
fn running_lines<'a>(ui: &Ui, b: &BackupRun, width: usize) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let mut out = Vec::new();
    if b.cancelling {
        out.push(Line::styled(
            " cancelling: the backup stops at its next check, starts again what it stopped, \
             and commits nothing",
            t.warn,
        ));
    }
    out.extend(steps(ui, b, width));
    for w in &b.log.warnings {
        out.extend(wrapped(&format!("warning: {}", ui.clean(w)), width, t.warn));
    }
    out
}

fn steps<'a>(ui: &Ui, b: &BackupRun, width: usize) -> Vec<Line<'a>> {
    let t = &ui.theme;
    b.log
        .steps
        .iter()
        .map(|s| {
            let (word, style) = match s.outcome {
                None => ("..", t.key),
                Some(StepOutcome::Ok) => ("ok", t.ok),
                Some(StepOutcome::Warning) => ("warn", t.warn),
                Some(StepOutcome::Failed) => ("FAIL", t.bad),
                Some(StepOutcome::Skipped) => ("skip", t.dim),
                Some(StepOutcome::Cancelled) => ("stop", t.warn),
            };
            let text = format!("{} {}", ui.clean(&s.label), size(s.done));
            Line::from(vec![
                Span::styled(format!(" [{word:>4}] "), style),
                Span::raw(ui.cut(&text, width.saturating_sub(9))),
            ])
        })
        .collect()
}

/// The summary: committed (with what failed or warned) or failed, and the exit code.
fn end_lines<'a>(ui: &Ui, b: &BackupRun, end: &BackupEnd, width: usize) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let mut out = Vec::new();
    let (head, style) = match (&end.archive, end.failed.is_empty(), end.warnings.is_empty()) {
        (None, ..) if b.cancelling => ("CANCELLED: nothing was committed", t.warn),
        (None, ..) => ("FAILED: nothing was committed", t.bad),
        (Some(_), false, _) => ("COMMITTED WITHOUT SOME COMPONENTS", t.bad),
        (Some(_), true, false) => ("COMMITTED WITH WARNINGS", t.warn),
        (Some(_), true, true) => ("COMMITTED", t.ok),
    };
    out.push(Line::from(vec![
        Span::styled(format!(" {head}"), style),
        Span::raw(format!(" (exit {})", end.exit_code)),
    ]));
    // Without an archive, what each step did and what it warned is the diagnosis.
    if end.archive.is_none() {
        out.extend(steps(ui, b, width));
        for w in &b.log.warnings {
            out.extend(wrapped(&format!("warning: {}", ui.clean(w)), width, t.warn));
        }
    }
    if let Some((path, bytes)) = &end.archive {
        out.extend(wrapped(
            &format!(
                "{} ({})",
                ui.clean(&path.display().to_string()),
                size(*bytes)
            ),
            width,
            t.title,
        ));
        out.push(Line::raw(ui.cut(
            &format!(" components: {}", ui.clean(&end.captured.join(", "))),
            width,
        )));
        out.push(Line::styled(
            " it is at the top of the list now; v verifies it",
            t.dim,
        ));
    }
    if let Some(why) = &end.error {
        out.extend(wrapped(
            &ui.clean_long(why),
            width,
            ratatui::style::Style::new(),
        ));
    }
    if !end.restarted.is_empty() {
        out.extend(wrapped(
            &format!(
                "stopped for a consistent copy and started again: {}",
                ui.clean(&end.restarted.join(", "))
            ),
            width,
            t.dim,
        ));
    }
    for (name, why) in &end.failed {
        out.extend(wrapped(
            &format!("FAILED {}: {}", ui.clean(name), ui.clean_long(why)),
            width,
            t.bad,
        ));
    }
    for w in &end.warnings {
        out.extend(wrapped(
            &format!("warning: {}", ui.clean_long(w)),
            width,
            t.warn,
        ));
    }
    out
}
