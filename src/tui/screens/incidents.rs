//! The incident views: the interrupted restore offered at start (a modal over the browser:
//! roll back by default, resume, later), its settle running and its result, the containers
//! lifeboat holds stopped with "restart now", and the lock (the holder record, and whether it is
//! held now from `/proc/locks`). All read-only until the operator says yes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::widgets::{block, centered};
use crate::tui::state::app::{App, short_time};
use crate::tui::state::incidents::{CHOICES, LockNow};
use crate::tui::theme::Ui;
use crate::tui::view::format::{elapsed, short_age, wrap, wrapped};

/// "2026-01-05 22:15 (14h ago)" for an RFC 3339 time, or the text as it is.
fn when(app: &App, ui: &Ui, s: &str) -> String {
    match s.parse::<jiff::Timestamp>() {
        Ok(t) => format!("{} ({} ago)", short_time(t, &app.tz), short_age(app.now, t)),
        Err(_) => ui.clean(s),
    }
}

pub fn draw_interrupted(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    ui: &Ui,
    choice: usize,
    asking: bool,
) {
    let t = &ui.theme;
    let rect = centered(area, 78, 18);
    let width = usize::from(rect.width.saturating_sub(2));
    let Some(r) = app
        .incidents
        .to_settle()
        .or(app.incidents.interrupted.first())
    else {
        return;
    };
    let mut lines = wrapped(&ui.clean_long(&r.describe), width, t.bad);
    lines.extend(wrapped(
        &format!("from {}", ui.clean(&r.archive.display().to_string())),
        width,
        t.dim,
    ));
    let pid = if r.alive {
        format!(
            "pid {} STILL RUNS: it is not interrupted, wait for it",
            r.pid
        )
    } else {
        format!("pid {} (gone)", r.pid)
    };
    lines.push(Line::styled(
        ui.cut(
            &format!(" began {}, {pid}", when(app, ui, &r.began_at)),
            width,
        ),
        t.dim,
    ));
    for (c, st) in &r.units {
        lines.push(Line::raw(
            ui.cut(&format!("   {:<14} {st}", ui.clean(c)), width),
        ));
    }
    lines.push(Line::raw(""));
    if r.alive {
        lines.push(Line::styled(
            format!(" {}Later", ui.sym.pointer),
            t.selected,
        ));
    } else {
        for (i, c) in CHOICES.iter().enumerate() {
            let (p, style) = if i == choice {
                (ui.sym.pointer, t.selected)
            } else {
                ("  ", Style::new())
            };
            lines.push(Line::styled(format!(" {p}{c}"), style));
        }
    }
    lines.push(Line::raw(""));
    if asking {
        let what = if choice == 1 { "Resume" } else { "Roll back" };
        lines.extend(wrapped(
            &format!(
                "{what} restore {} now? It takes the lock and runs to its end: y / n",
                ui.clean(&r.id)
            ),
            width,
            t.warn,
        ));
    } else {
        lines.push(Line::styled(
            " Until it is settled, backup and restore refuse (exit 15).",
            t.dim,
        ));
    }
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, 78, h);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(block(ui, Span::styled(" Interrupted restore ", t.bad))),
        rect,
    );
}

pub fn draw_settle(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let t = &ui.theme;
    let Some(s) = &app.settle else {
        return;
    };
    let what = if s.forward { "Resume" } else { "Rollback" };
    let blk = block(
        ui,
        Span::styled(
            format!(" {what} of restore {} ", ui.clean(&s.restore.id)),
            t.title,
        ),
    );
    let inner = blk.inner(area);
    frame.render_widget(blk, area);
    let width = usize::from(inner.width);
    let secs = (s.finished.unwrap_or(app.now).as_second() - s.started.as_second()).max(0);
    let mut lines = wrapped(&ui.clean_long(&s.restore.describe), width, t.dim);
    lines.push(Line::raw(""));
    match &s.result {
        None => {
            lines.push(Line::styled(
                format!(
                    " {} under the lock, {} so far",
                    if s.forward {
                        "resuming"
                    } else {
                        "rolling back"
                    },
                    elapsed(secs)
                ),
                t.key,
            ));
            if let Some(step) = s.log.steps.iter().rev().find(|x| x.outcome.is_none()) {
                lines.push(Line::raw(format!(
                    " {}",
                    ui.cut(&ui.clean(&step.label), width)
                )));
            }
            lines.extend(wrapped(
                "It runs to its end and cannot be cancelled: stopping half-way would leave data mixed. Quitting waits for it.",
                width,
                t.dim,
            ));
        }
        Some(Err(e)) => {
            lines.push(Line::styled(" NOT SETTLED", t.bad));
            lines.extend(wrapped(&ui.clean_long(e), width, Style::new()));
        }
        Some(Ok(v)) => {
            lines.push(Line::styled(
                format!(
                    " SETTLED ({}) in {}",
                    if s.forward { "resumed" } else { "rolled back" },
                    elapsed(secs)
                ),
                t.ok,
            ));
            for (k, list) in [
                ("old data back", &v.rolled_back),
                ("kept on the restored data", &v.kept),
                ("started again", &v.started),
            ] {
                if !list.is_empty() {
                    lines.extend(wrapped(
                        &format!("{k}: {}", ui.clean(&list.join(", "))),
                        width,
                        Style::new(),
                    ));
                }
            }
            for n in &v.notes {
                lines.extend(wrapped(
                    &format!("note: {}", ui.clean_long(n)),
                    width,
                    t.dim,
                ));
            }
            if !v.remaining.is_empty() {
                lines.extend(wrapped(
                    &format!(
                        "still to restore, from the same archive: {}: R opens the wizard for them",
                        ui.clean(&v.remaining.join(", "))
                    ),
                    width,
                    t.key,
                ));
            }
        }
    }
    for w in &s.log.warnings {
        lines.extend(wrapped(&format!("warning: {}", ui.clean(w)), width, t.warn));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_stopped(frame: &mut Frame, area: Rect, app: &App, ui: &Ui, asking: bool) {
    let t = &ui.theme;
    let inc = &app.incidents;
    let blk = block(
        ui,
        Span::styled(
            format!(" Held stopped by lifeboat ({}) ", inc.stopped.len()),
            t.title,
        ),
    );
    let inner = blk.inner(area);
    frame.render_widget(blk, area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    if inc.stopped.is_empty() {
        lines.push(Line::styled(" lifeboat holds no container stopped", t.ok));
    }
    for h in &inc.stopped {
        lines.push(Line::styled(
            format!(" {}", ui.clean(&h.container)),
            t.title,
        ));
        for text in [
            format!(
                "since {}, stopped by `{}`",
                when(app, ui, &h.since),
                ui.clean(&h.purpose)
            ),
            format!(
                "{}; its restart policy ({}) is put back",
                if h.was_running {
                    "was running: restart starts it"
                } else {
                    "was not running: it stays stopped"
                },
                ui.clean(&h.restart_policy)
            ),
        ] {
            lines.extend(
                wrap(&text, width.saturating_sub(4))
                    .into_iter()
                    .map(|l| Line::raw(format!("   {l}"))),
            );
        }
        if let Some(id) = &h.frozen_by {
            lines.extend(
                wrap(
                    &format!(
                        "restore {} was interrupted with it half-swapped: it stays stopped until that restore is settled (I)",
                        ui.clean(id)
                    ),
                    width.saturating_sub(4),
                )
                .into_iter()
                .map(|l| Line::styled(format!("   {l}"), t.bad)),
            );
        }
    }
    lines.push(Line::raw(""));
    match &app.restart {
        Some(r) if r.result.is_none() => {
            lines.push(Line::styled(" restarting under the lock...", t.key));
        }
        Some(r) => match &r.result {
            Some(Ok(rel)) => {
                if !rel.started.is_empty() {
                    lines.extend(wrapped(
                        &format!("started again: {}", ui.clean(&rel.started.join(", "))),
                        width,
                        t.ok,
                    ));
                }
                for (c, why) in &rel.kept {
                    lines.extend(wrapped(
                        &format!("left {} stopped: {}", ui.clean(c), ui.clean(why)),
                        width,
                        t.warn,
                    ));
                }
                for p in &rel.problems {
                    lines.extend(wrapped(&ui.clean_long(p), width, t.bad));
                }
            }
            Some(Err(e)) => lines.extend(wrapped(
                &format!("restart failed: {}", ui.clean_long(e)),
                width,
                t.bad,
            )),
            None => {}
        },
        None => {}
    }
    if asking {
        lines.push(Line::styled(
            " Restart them now? It takes the lock (refused while another lifeboat holds it). y / n",
            t.warn,
        ));
    } else if app.restart.is_none() && !inc.stopped.is_empty() {
        lines.extend(wrapped(
            "lifeboat set their restart policy to no while it worked on them; r starts them again with it (as `lifeboat recover` does).",
            width,
            t.dim,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_lock(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let t = &ui.theme;
    let l = &app.incidents.lock;
    let blk = block(ui, Span::styled(" Host lock ", t.title));
    let inner = blk.inner(area);
    frame.render_widget(blk, area);
    let width = usize::from(inner.width);
    let me = i64::from(std::process::id());
    let (now, style) = match &l.now {
        LockNow::NotRead => ("not read yet".to_string(), t.dim),
        LockNow::Held(pid) if *pid == me => (format!("HELD by this console (pid {pid})"), t.warn),
        LockNow::Held(pid) => (format!("HELD by pid {pid}"), t.warn),
        LockNow::Free => ("free".to_string(), t.ok),
        LockNow::Unknown(e) => (format!("unknown: {}", ui.clean(e)), t.bad),
    };
    let mut lines = vec![
        Line::raw(ui.cut(
            &format!(" file     {}", ui.clean(&l.path.display().to_string())),
            width,
        )),
        Line::from(vec![Span::raw(" now      "), Span::styled(now, style)]),
        Line::raw(""),
    ];
    match &l.holder {
        Some(h) => {
            lines.push(Line::styled(
                " Holder record (written by whoever took it last):",
                t.header,
            ));
            for (k, v) in [
                ("pid", h.pid.to_string()),
                ("command", ui.clean(&h.command)),
                ("since", when(app, ui, &h.started)),
                ("host", ui.clean(&h.host)),
            ] {
                lines.push(Line::raw(ui.cut(&format!("   {k:<8} {v}"), width)));
            }
            if l.now == LockNow::Free {
                lines.extend(wrapped(
                    "The lock is free: this record is left over from a holder that died (flock ends with its process).",
                    width,
                    t.dim,
                ));
            }
        }
        None => lines.push(Line::styled(" no holder record", t.dim)),
    }
    lines.push(Line::raw(""));
    lines.extend(wrapped(
        "Read from the lock file and /proc/locks: looking never takes the lock, so it cannot get in the way of a backup starting.",
        width,
        t.dim,
    ));
    for p in &app.incidents.problems {
        lines.extend(wrapped(&ui.clean_long(p), width, t.bad));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
