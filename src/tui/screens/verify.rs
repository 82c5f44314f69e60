//! The verify screen: one job's live progress (the step the engine reports, bytes done of
//! total, elapsed time), then its verdict: verified, mismatch with the reason, cancelled, or
//! why it could not be checked, with the components proven and any warnings.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::widgets::{block, step_bar};
use crate::engine::verify::VerifyState;
use crate::tui::state::app::{App, file_name};
use crate::tui::state::job::{Job, JobId, JobStatus};
use crate::tui::theme::Ui;
use crate::tui::view::format::{elapsed, size, wrapped};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &Ui, job: JobId) {
    let Some(j) = app.jobs.get(&job) else {
        return;
    };
    let t = &ui.theme;
    let blk = block(
        ui,
        Line::from(vec![
            Span::styled(" Verify ", t.title),
            Span::raw(format!("{} ", ui.clean(&file_name(&j.archive)))),
        ]),
    );
    let inner = blk.inner(area);
    frame.render_widget(blk, area);
    let [top, result] = Layout::vertical([Constraint::Length(6), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(progress_lines(app, ui, j, top.width)), top);
    frame.render_widget(
        Paragraph::new(result_lines(app, ui, j, usize::from(result.width))),
        result,
    );
}

/// Folder, elapsed time, the current step and its bar.
fn progress_lines<'a>(app: &App, ui: &Ui, j: &Job, width: u16) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let folder = j
        .archive
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let end = j.finished.unwrap_or(app.now);
    let secs = (end.as_second() - j.started.as_second()).max(0);
    let took = if j.finished.is_some() {
        format!("took {}", elapsed(secs))
    } else {
        format!("{} so far", elapsed(secs))
    };
    let mut out = vec![
        Line::styled(format!(" in {}", ui.clean(&folder)), t.dim),
        Line::styled(
            format!(
                " started {}, {took}",
                j.started.to_zoned(app.tz.clone()).strftime("%H:%M:%S"),
            ),
            t.dim,
        ),
        Line::raw(""),
    ];
    let Some(step) = j.log.steps.last() else {
        out.push(Line::raw(" starting..."));
        return out;
    };
    out.push(Line::raw(format!(" {}", ui.clean(&step.label))));
    out.push(step_bar(ui, step, width));
    out
}

/// The verdict, or what is happening until there is one.
fn result_lines<'a>(app: &App, ui: &Ui, j: &Job, width: usize) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let mut out = Vec::new();
    let v = match &j.status {
        JobStatus::Running => {
            out.push(Line::styled(
                " checking: sidecar hash, every entry, every component hash",
                t.dim,
            ));
            return with_messages(out, ui, j, width);
        }
        JobStatus::Cancelling => {
            out.push(Line::styled(
                " cancelling: the verify stops at its next check",
                t.warn,
            ));
            return with_messages(out, ui, j, width);
        }
        JobStatus::Done(v) => v,
    };
    let (head, style) = match v.state {
        VerifyState::Verified => ("VERIFIED", t.ok),
        VerifyState::Warnings => ("VERIFIED WITH WARNINGS", t.warn),
        VerifyState::Mismatch => ("MISMATCH", t.bad),
        VerifyState::NotCommitted => ("NOT COMMITTED", t.bad),
        VerifyState::Orphan => ("ORPHAN", t.bad),
        VerifyState::NotFound => ("NOT FOUND", t.bad),
        VerifyState::Error => ("COULD NOT CHECK", t.bad),
        VerifyState::Cancelled => ("CANCELLED", t.warn),
    };
    let what = match v.state {
        VerifyState::Verified | VerifyState::Warnings => {
            ": the sidecar, every entry and every component hash match".to_string()
        }
        VerifyState::Mismatch => ": do not restore from this archive".to_string(),
        VerifyState::Cancelled => ": nothing was recorded; the archive keeps its old state".into(),
        _ => String::new(),
    };
    out.push(Line::from(vec![
        Span::styled(format!(" {head}"), style),
        Span::raw(what),
    ]));
    if let Some(r) = v
        .reason
        .as_ref()
        .filter(|_| v.state != VerifyState::Cancelled)
    {
        out.extend(wrapped(
            &ui.clean_long(r),
            width,
            ratatui::style::Style::new(),
        ));
    }
    if matches!(v.state, VerifyState::Verified | VerifyState::Warnings) {
        if let Some(sha) = &v.sha256 {
            out.push(Line::styled(format!(" sha256 {}", ui.clean(sha)), t.dim));
        }
        for c in &v.components {
            out.push(Line::raw(format!(
                "   {:<16} {:<26} {:>10}",
                ui.clean(&c.name),
                ui.clean(&c.file),
                c.size.map(size).unwrap_or_default()
            )));
        }
        if !app.has_index {
            out.push(Line::styled(
                " no state folder: this result is not remembered after you quit",
                t.dim,
            ));
        }
    }
    for w in &v.warnings {
        out.extend(wrapped(
            &format!("warning: {}", ui.clean_long(w)),
            width,
            t.warn,
        ));
    }
    for n in &v.notes {
        out.extend(wrapped(
            &format!("note: {}", ui.clean_long(n)),
            width,
            t.dim,
        ));
    }
    out
}

/// Warnings and notes the job sent while running.
fn with_messages<'a>(mut out: Vec<Line<'a>>, ui: &Ui, j: &Job, width: usize) -> Vec<Line<'a>> {
    for w in &j.log.warnings {
        out.extend(wrapped(
            &format!("warning: {}", ui.clean(w)),
            width,
            ui.theme.warn,
        ));
    }
    for n in &j.log.notes {
        out.extend(wrapped(
            &format!("note: {}", ui.clean(n)),
            width,
            ui.theme.dim,
        ));
    }
    out
}
