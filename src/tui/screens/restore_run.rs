//! The restore while it runs and after: a row per component (waiting, staging, safety copy,
//! swapping, checked, restored, rolled back) with the current step's bytes, the safety backup's
//! write, what a cancel does at this moment; then the validation (what the backup recorded
//! against what the engine found after each swap) and the summary with the safety backup and
//! undo. Also the checklist job's progress, drawn like a verify.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::engine::progress::StepOutcome;
use crate::tui::app::App;
use crate::tui::restore::{End, Phase, Step, Wizard};
use crate::tui::screens::{elapsed, size, wrapped};
use crate::tui::steps::StepView;
use crate::tui::theme::Ui;

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

/// "started 12:00:05, 1m 12s so far" / "took 2m 14s".
fn timing(app: &App, w: &Wizard) -> String {
    let Some(start) = w.started else {
        return String::new();
    };
    let end = w.finished.unwrap_or(app.now);
    let secs = (end.as_second() - start.as_second()).max(0);
    let at = start.to_zoned(app.tz.clone()).strftime("%H:%M:%S");
    match w.finished {
        Some(_) => format!(" started {at}, took {}", elapsed(secs)),
        None => format!(" started {at}, {} so far", elapsed(secs)),
    }
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

fn phase_style(ui: &Ui, p: Phase) -> Style {
    match p {
        Phase::Restored | Phase::Checked => ui.theme.ok,
        Phase::Failed | Phase::RolledBack | Phase::Unsettled => ui.theme.bad,
        Phase::Waiting | Phase::Untouched | Phase::Staged => ui.theme.dim,
        _ => ui.theme.key,
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

/// Validation and summary: every line, for scrolling.
pub fn summary_lines<'a>(app: &App, ui: &Ui, w: &Wizard, width: usize) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let Some(o) = &w.outcome else {
        return Vec::new();
    };
    let restored = ui.clean(&o.restored.join(", "));
    let (head, style, why) = match &o.end {
        End::Committed => (format!("RESTORED and checked: {restored}"), t.ok, None),
        End::Partial => (format!("PARTLY RESTORED: {restored}"), t.warn, None),
        End::RolledBack => (
            "FAILED AND ROLLED BACK: the old data is back, nothing changed".to_string(),
            t.bad,
            None,
        ),
        End::Cancelled => (
            "CANCELLED: what was swapped was put back, what was stopped started again".into(),
            t.warn,
            None,
        ),
        End::NothingChanged(m) => (
            "NOT RESTORED: nothing was stopped or changed".into(),
            t.bad,
            Some(m),
        ),
        End::RollbackFailed(m) => (
            "ROLLBACK FAILED: the stack needs you".into(),
            t.bad,
            Some(m),
        ),
    };
    let mut out = wrapped(&head, width, style);
    out.push(Line::styled(
        format!(" restore {},{}", ui.clean(&o.restore_id), timing(app, w)),
        t.dim,
    ));
    if let Some(m) = why {
        out.extend(wrapped(&ui.clean_long(m), width, Style::new()));
    }
    if let End::RollbackFailed(_) = o.end {
        out.extend(wrapped(
            &format!(
                "The restore stays unsettled: close this, then I rolls it back (or `lifeboat restore --rollback {}`).",
                ui.clean(&o.restore_id)
            ),
            width,
            t.warn,
        ));
    }
    validation(&mut out, ui, w, width);
    match (&o.safety_backup, &o.end) {
        (Some(s), _) => {
            out.push(Line::styled(
                " Safety backup of the replaced data:",
                t.header,
            ));
            out.extend(
                wrapped(
                    &ui.clean(&s.display().to_string()),
                    width.saturating_sub(2),
                    Style::new(),
                )
                .into_iter()
                .map(|l| {
                    let mut l = l;
                    l.spans.insert(0, Span::raw(" "));
                    l
                }),
            );
            out.push(Line::styled(
                "   u undoes this restore from it (its own checklist, plan and confirmation)",
                t.key,
            ));
        }
        (None, End::Committed | End::Partial) => out.push(Line::styled(
            " No safety backup was taken (waived): this restore cannot be undone",
            t.warn,
        )),
        _ => {}
    }
    if !o.waived.is_empty() {
        out.extend(wrapped(
            &format!("Waived: {} (journalled)", ui.clean(&o.waived.join(", "))),
            width,
            t.warn,
        ));
    }
    for n in &o.notes {
        out.extend(wrapped(
            &format!("note: {}", ui.clean_long(n)),
            width,
            t.dim,
        ));
    }
    for m in &w.log.warnings {
        out.extend(wrapped(
            &format!("warning: {}", ui.clean_long(m)),
            width,
            t.warn,
        ));
    }
    out
}

/// Expected (the backup's fingerprint) against found (what the engine checked after the swap).
fn validation<'a>(out: &mut Vec<Line<'a>>, ui: &Ui, w: &Wizard, width: usize) {
    let t = &ui.theme;
    let Some(plan) = &w.plan else {
        return;
    };
    out.push(Line::styled(
        " Validation: the backup's fingerprint, and what was found after the swap",
        t.header,
    ));
    for (r, c) in w.rows().iter().zip(&plan.components) {
        let expected = c
            .expected
            .as_deref()
            .map(|e| ui.clean(e))
            .unwrap_or_else(|| "no fingerprint recorded".into());
        let found = match r.phase {
            Phase::Restored => "found the same (checked after start)".to_string(),
            Phase::RolledBack | Phase::Failed => format!(
                "put back: {}",
                r.detail.as_deref().map(|d| ui.clean(d)).unwrap_or_default()
            ),
            Phase::Unsettled => r.detail.as_deref().map(|d| ui.clean(d)).unwrap_or_default(),
            _ => "not touched".into(),
        };
        let col = width.saturating_sub(31);
        let mut text = crate::tui::screens::manifest::wrap(&format!("expected {expected}"), col);
        text.extend(crate::tui::screens::manifest::wrap(&found, col));
        for (n, l) in text.into_iter().enumerate() {
            if n == 0 {
                out.push(Line::from(vec![
                    Span::raw(format!("   {:<14} ", ui.cut(&ui.clean(&r.name), 14))),
                    Span::styled(format!("{:<12} ", r.phase.word()), phase_style(ui, r.phase)),
                    Span::raw(l),
                ]));
            } else {
                out.push(Line::raw(format!("{:31}{l}", "")));
            }
        }
    }
}
