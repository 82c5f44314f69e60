//! The `?` overlay, written from the same key table as the footer (so it lists exactly the
//! keys that work on the screen below it), and the "cancel the job and quit?" question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::tui::app::App;
use crate::tui::keymap::{self, Context};
use crate::tui::screens::{block, centered};
use crate::tui::theme::Ui;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let t = &ui.theme;
    let below = app.screen_context();
    let keys = |ctx: Context| {
        keymap::bindings(ctx).iter().map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:<14}", b.keys_label(ui.ascii)), t.key),
                Span::raw(b.what),
            ])
        })
    };
    let mut lines: Vec<Line> = keys(below).collect();
    if below == Context::Browser {
        lines.push(Line::raw(""));
        for (word, style, what) in [
            (
                "verified",
                t.ok,
                "a verify passed and nothing changed since",
            ),
            (
                "not verified",
                t.warn,
                "committed, not verified since it changed",
            ),
            ("MISMATCH", t.bad, "the last verify failed: do not restore"),
            (
                "uncommitted",
                t.bad,
                "no sidecar: the backup never finished",
            ),
            ("orphan", t.bad, "a sidecar whose archive is missing"),
        ] {
            lines.push(Line::from(vec![
                Span::styled(format!(" {word:<14}"), style),
                Span::raw(what),
            ]));
        }
        lines.push(Line::raw(
            " [safety] pre-restore safety backup   [partial] write running or cut short",
        ));
    }
    // Closing keys are in the footer (and any key closes): the list stays one screen at 80x24.
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, 78, height);
    let title = match below {
        Context::Browser | Context::FilterEdit => " Help: browser ",
        Context::Manifest => " Help: manifest ",
        Context::VerifyRunning | Context::VerifyDone => " Help: verify ",
        Context::Help | Context::ConfirmQuit => " Help ",
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
    let what = app
        .running_job()
        .map(|j| crate::tui::update::file_name(&j.archive))
        .unwrap_or_default();
    let mut lines = vec![
        Line::raw(format!(" A verify of {} is running.", ui.clean(&what))),
        Line::raw(" Cancel it and quit? Nothing is recorded for a cancelled verify."),
        Line::raw(""),
    ];
    lines.push(Line::from(
        keymap::bindings(Context::ConfirmQuit)
            .iter()
            .flat_map(|b| {
                [
                    Span::styled(format!(" {}", b.keys_label(ui.ascii)), t.key),
                    Span::raw(format!(" {}  ", b.what)),
                ]
            })
            .collect::<Vec<_>>(),
    ));
    let rect = centered(area, 70, 6);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(ui, Span::styled(" Quit? ", t.bad)))
            .wrap(Wrap { trim: false }),
        rect,
    );
}
