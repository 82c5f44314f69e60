//! The `?` overlay, written from the same key table as the footer (so it lists exactly the
//! keys that work on the screen below it), and the "cancel the job and quit?" question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::widgets::{block, centered};
use crate::tui::keys::lookup;
use crate::tui::keys::table::Context;
use crate::tui::state::app::{App, file_name};
use crate::tui::state::wizard::Step;
use crate::tui::theme::Ui;
use crate::tui::view::format::wrapped;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let t = &ui.theme;
    let below = app.screen_context();
    let keys = |ctx: Context| {
        lookup::bindings(ctx).iter().map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:<14}", b.keys_label(ui.ascii)), t.key),
                Span::raw(b.what),
            ])
        })
    };
    let mut lines: Vec<Line> = keys(below).collect();
    if below == Context::Browser {
        // The gap before the legend goes first when the screen is short (80x24).
        if lines.len() + 4 + 2 <= usize::from(area.height) {
            lines.push(Line::raw(""));
        }
        // Two states a line: the legend and every key fit one screen at 80x24.
        let legend = [
            ("verified", t.ok, "passed, not changed"),
            ("not verified", t.warn, "committed, not checked"),
            ("MISMATCH", t.bad, "last verify failed"),
            ("uncommitted", t.bad, "no sidecar: unfinished"),
            ("orphan", t.bad, "its archive is missing"),
        ];
        for pair in legend.chunks(2) {
            let mut spans = Vec::new();
            for (word, style, what) in pair {
                spans.push(Span::styled(format!(" {word:<14}"), *style));
                spans.push(Span::raw(format!("{what:<23}")));
            }
            lines.push(Line::from(spans));
        }
        if let Some(l) = lines.last_mut() {
            l.spans.push(Span::raw(" [safety] [partial] flags"));
        }
    }
    // Closing keys are in the footer (and any key closes): the list stays one screen at 80x24.
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, 78, height);
    let title = match below {
        Context::Browser | Context::FilterEdit => " Help: browser ",
        Context::Manifest => " Help: manifest ",
        Context::VerifyRunning | Context::VerifyDone => " Help: verify ",
        Context::RestoreSelect
        | Context::RestoreWorking
        | Context::RestoreChecklist
        | Context::RestoreWaive
        | Context::RestorePlan
        | Context::RestoreConfirm
        | Context::RestoreRunning
        | Context::RestoreDone
        | Context::RestoreEnded
        | Context::RestoreFailed => " Help: restore ",
        Context::Interrupted | Context::Busy | Context::SettleDone => " Help: interrupted restore ",
        Context::Stopped => " Help: held containers ",
        Context::Lock => " Help: lock ",
        Context::History => " Help: size history ",
        Context::BackupConfirm | Context::BackupRunning | Context::BackupDone => " Help: backup ",
        Context::Jobs => " Help: jobs and log ",
        Context::Help | Context::ConfirmQuit | Context::Ask => " Help ",
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(ui, Span::styled(title, t.title)))
            .wrap(Wrap { trim: false }),
        rect,
    );
}

pub fn draw_confirm_quit(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let t = &ui.theme;
    // Wrapped here, not by the paragraph, so the box is as tall as its text and the keys
    // line is never cut off.
    let width = usize::from(area.width.min(76).saturating_sub(2));
    let mut lines: Vec<Line> = quit_question(app, ui)
        .iter()
        .flat_map(|l| wrapped(&ui.clean(l), width, ratatui::style::Style::new()))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(
        lookup::bindings(Context::ConfirmQuit)
            .iter()
            .flat_map(|b| {
                [
                    Span::styled(format!(" {}", b.keys_label(ui.ascii)), t.key),
                    Span::raw(format!(" {}  ", b.what)),
                ]
            })
            .collect::<Vec<_>>(),
    ));
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, 76, h);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(ui, Span::styled(" Quit? ", t.bad)))
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// What quitting now means for what runs: a verify is cancelled; a restore goes on to its next
/// safe point first; a settle or a restart runs to its end.
fn quit_question(app: &App, ui: &Ui) -> Vec<String> {
    if let Some(w) = app.wizard.as_ref().filter(|w| w.running()) {
        if w.step == Step::Checking {
            return vec![
                "The checklist is running (nothing has been changed).".into(),
                "Cancel it and quit?".into(),
            ];
        }
        return vec![
            "A restore is running. Quit once it reaches a safe point?".into(),
            format!(
                "Before the first swap it aborts and starts again what it stopped; during a swap it finishes that component, then rolls back. Now: {}.",
                w.cancel_line()
            ),
        ];
    }
    if let Some(b) = app.backup.as_ref().filter(|b| b.running()) {
        return vec![
            format!("A backup of {} is running.", ui.clean(&b.profile)),
            "Cancel it and quit? It starts again what it stopped and commits nothing.".into(),
        ];
    }
    if app.settle_running() || app.restart_running() {
        return vec![
            "A rollback, resume or restart is running; it runs to its end.".into(),
            "Quit once it has finished?".into(),
        ];
    }
    let what = app
        .running_job()
        .map(|j| file_name(&j.archive))
        .unwrap_or_default();
    vec![
        format!("A verify of {} is running.", ui.clean(&what)),
        "Cancel it and quit? Nothing is recorded for a cancelled verify.".into(),
    ]
}
