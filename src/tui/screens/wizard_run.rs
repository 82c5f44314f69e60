//! The restore while it runs and after: a row per component (waiting, staging, safety copy,
//! swapping, checked, restored, rolled back) with the current step's bytes, the safety backup's
//! write, what a cancel does at this moment; then the validation (what the backup recorded
//! against what the engine found after each swap) and the summary with the safety backup and
//! undo, whose lines `view/wizard.rs` builds (`update` scrolls by their count). Also the
//! checklist job's progress, drawn like a verify.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::engine::progress::StepOutcome;
use crate::tui::state::app::App;
use crate::tui::state::steps::StepView;
use crate::tui::state::wizard::{Phase, Step, Wizard};
use crate::tui::theme::Ui;
use crate::tui::view::format::{size, wrapped};
use crate::tui::view::wizard::{phase_style, summary_lines, timing};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &Ui, w: &Wizard) {
    let width = usize::from(area.width);
    let lines = match w.step {
        Step::Done { scroll } => summary_lines(app, ui, w, width)
            .into_iter()
            .skip(scroll)
            .collect(),
        _ => running_lines(app, ui, w, width),
    };
    frame.render_widget(Paragraph::new(lines), area);
}

/// A step's bar and amounts in `width` columns, or its label when it has no size.
fn step_cell(ui: &Ui, s: &StepView, width: usize) -> String {
    match s.total {
        Some(total) if total > 0 => {
            let amounts = format!(
                "{:>3}%  {} of {}",
                s.done.saturating_mul(100) / total,
                size(s.done),
                size(total)
            );
            let bar = width
                .saturating_sub(amounts.chars().count() + 2)
                .clamp(6, 30);
            format!("{}  {amounts}", ui.bar(s.done as f64 / total as f64, bar))
        }
        _ if s.done > 0 => format!("{} so far", size(s.done)),
        _ => ui.clean(&s.label),
    }
}

fn running_lines<'a>(app: &App, ui: &Ui, w: &Wizard, width: usize) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let mut out = vec![
        Line::styled(timing(app, w), t.dim),
        Line::styled(
            format!(" {:<16} {:<12} NOW", "COMPONENT", "STATE"),
            t.header,
        ),
    ];
    let now_width = width.saturating_sub(32);
    for r in w.rows() {
        let now = match (&r.step, &r.detail) {
            (Some(s), _) => step_cell(ui, s, now_width),
            (None, Some(d)) => ui.clean(d),
            _ => String::new(),
        };
        out.push(Line::from(vec![
            Span::raw(format!(" {:<16} ", ui.cut(&ui.clean(&r.name), 16))),
            Span::styled(format!("{:<12} ", r.phase.word()), phase_style(ui, r.phase)),
            Span::raw(ui.cut(&now, now_width)),
        ]));
    }
    if let Some(s) = w.log.last("write") {
        let (word, style) = match s.outcome {
            None => ("writing", t.key),
            Some(StepOutcome::Ok) => ("committed", t.ok),
            Some(_) => ("FAILED", t.bad),
        };
        let now = if s.outcome.is_none() {
            step_cell(ui, s, now_width)
        } else {
            String::new()
        };
        out.push(Line::from(vec![
            Span::raw(format!(" {:<16} ", "safety backup")),
            Span::styled(format!("{word:<12} "), style),
            Span::raw(ui.cut(&now, now_width)),
        ]));
    }
    out.push(Line::raw(""));
    if w.cancelling {
        out.extend(wrapped(&w.cancel_line(), width, t.warn));
    } else if let Some(r) = w.rows().iter().find(|r| r.phase == Phase::Failed) {
        out.extend(wrapped(
            &format!(
                "{} failed: putting back what was swapped",
                ui.clean(&r.name)
            ),
            width,
            t.bad,
        ));
    } else {
        out.extend(wrapped(
            "c cancels: before the first swap it aborts; during a swap that component finishes first, then everything is rolled back",
            width,
            t.dim,
        ));
    }
    messages(&mut out, ui, w, width, 4);
    out
}

/// The last `n` warnings and notes the run sent.
fn messages<'a>(out: &mut Vec<Line<'a>>, ui: &Ui, w: &Wizard, width: usize, n: usize) {
    let all = w
        .log
        .warnings
        .iter()
        .map(|m| (format!("warning: {}", ui.clean(m)), ui.theme.warn))
        .chain(
            w.log
                .notes
                .iter()
                .map(|m| (format!("note: {}", ui.clean(m)), ui.theme.dim)),
        )
        .collect::<Vec<_>>();
    let skip = all.len().saturating_sub(n);
    for (m, style) in all.into_iter().skip(skip) {
        out.extend(wrapped(&m, width, style));
    }
}

/// The checklist job: the step the engine reports (reading the archive into staging) and its
/// bar, and what a cancel does.
pub fn checking_lines<'a>(app: &App, ui: &Ui, w: &Wizard, width: u16) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let width = usize::from(width);
    let mut out = vec![Line::styled(timing(app, w), t.dim)];
    out.extend(wrapped(
        "Running the checklist for real: the archive is staged and proven, the live stack checked. Nothing is stopped or changed.",
        width,
        Style::new(),
    ));
    out.push(Line::raw(""));
    match w.log.steps.iter().rev().find(|s| s.outcome.is_none()) {
        Some(s) => {
            out.push(Line::raw(format!(
                " {}",
                ui.cut(&ui.clean(&s.label), width)
            )));
            out.push(Line::raw(format!(
                " {}",
                step_cell(ui, s, width.saturating_sub(2))
            )));
        }
        None => out.push(Line::styled(" checking the live stack...", t.dim)),
    }
    if w.cancelling {
        out.push(Line::styled(" cancelling the checklist...", t.warn));
    }
    messages(&mut out, ui, w, width, 3);
    out
}
