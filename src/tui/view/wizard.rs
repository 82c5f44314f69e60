//! The restore wizard's text that scrolls: the plan (what stops, what is replaced, bytes, the
//! data-loss window, the safety backup, waivers) and the validation and summary after the run,
//! with what both share (the run's timing, a phase's colour). Built by pure functions so
//! `update` bounds the scroll with the same count `screens/wizard.rs` and
//! `screens/wizard_run.rs` draw.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::engine::restore::ItemStatus;
use crate::tui::state::app::App;
use crate::tui::state::wizard::{End, Phase, Step, Wizard};
use crate::tui::theme::Ui;
use crate::tui::view::format::{elapsed, size, wrap, wrapped};

/// The furthest the plan or the summary can scroll at the current size.
pub fn max_scroll(app: &App) -> usize {
    let Some(w) = &app.wizard else {
        return 0;
    };
    let ui = Ui::new(true, true);
    // Borders, the three header lines, the status line and the footer.
    let width = usize::from(app.size.0.saturating_sub(2));
    let rows = usize::from(app.size.1.saturating_sub(7));
    let n = match w.step {
        Step::Plan { .. } => plan_lines(&ui, w, width).len(),
        Step::Done { .. } => summary_lines(app, &ui, w, width).len(),
        _ => 0,
    };
    n.saturating_sub(rows)
}

/// "started 12:00:05, 1m 12s so far" / "took 2m 14s".
pub fn timing(app: &App, w: &Wizard) -> String {
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

/// The colour of a component's phase in the run and the validation.
pub fn phase_style(ui: &Ui, p: Phase) -> Style {
    match p {
        Phase::Restored | Phase::Checked => ui.theme.ok,
        Phase::Failed | Phase::RolledBack | Phase::Unsettled => ui.theme.bad,
        Phase::Waiting | Phase::Untouched | Phase::Staged => ui.theme.dim,
        _ => ui.theme.key,
    }
}

/// Every line of the plan: what matters before confirming first (size, the data-loss window,
/// the safety backup, waivers), then each component.
pub fn plan_lines<'a>(ui: &Ui, w: &Wizard, width: usize) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let Some(p) = &w.plan else {
        return Vec::new();
    };
    let items = w.items();
    let item = |id: &str| items.iter().find(|i| i.id == id);
    let total: u64 = p.components.iter().map(|c| c.bytes).sum();
    let mut out = wrapped(
        &format!(
            "Restore {} of {}: {} component{}, {} to move",
            ui.clean(&p.id),
            ui.clean(&p.backup_name),
            p.components.len(),
            if p.components.len() == 1 { "" } else { "s" },
            size(total)
        ),
        width,
        t.header,
    );
    if let Some(i) = item("data-loss-window") {
        out.extend(wrapped(
            &format!("Data-loss window: {}", ui.clean_long(&i.detail)),
            width,
            t.warn,
        ));
    }
    if let Some(i) = item("safety-backup") {
        let (text, style) = if i.status == ItemStatus::Waived {
            (
                "Safety backup: NONE (waived): undo will not be possible".to_string(),
                t.bad,
            )
        } else {
            (
                format!("Safety backup: {}", ui.clean_long(&i.detail)),
                Style::new(),
            )
        };
        out.extend(wrapped(&text, width, style));
    }
    let waived: Vec<&str> = items
        .iter()
        .filter(|i| i.status == ItemStatus::Waived)
        .map(|i| i.id.as_str())
        .collect();
    if !waived.is_empty() {
        out.extend(wrapped(
            &format!("Waived by you: {}", ui.clean(&waived.join(", "))),
            width,
            t.warn,
        ));
    }
    for c in &p.components {
        out.push(Line::from(vec![
            Span::styled(format!(" {}", ui.clean(&c.name)), t.title),
            Span::styled(
                format!(" ({}, {})", ui.clean(&c.kind), size(c.bytes)),
                t.dim,
            ),
        ]));
        let stops = if c.stops.is_empty() {
            "nothing".to_string()
        } else {
            ui.clean(&c.stops.join(", "))
        };
        for (k, v) in [
            ("stops", stops),
            ("replaces", ui.clean(&c.replaces)),
            (
                "expects",
                c.expected
                    .as_deref()
                    .map(|e| ui.clean(e))
                    .unwrap_or_else(|| "no fingerprint recorded".into()),
            ),
        ] {
            for (n, l) in wrap(&v, width.saturating_sub(13)).into_iter().enumerate() {
                out.push(Line::from(vec![
                    Span::styled(format!("   {:<9} ", if n == 0 { k } else { "" }), t.dim),
                    Span::raw(l),
                ]));
            }
        }
    }
    out.extend(wrapped(
        &format!(
            "Each component's fingerprint is checked after its swap, before its dependents start. Archive SHA-256 {}.",
            ui.clean(&p.sha256)
        ),
        width,
        t.dim,
    ));
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
        let mut text = wrap(&format!("expected {expected}"), col);
        text.extend(wrap(&found, col));
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
