//! The restore wizard's screens before anything changes: the component checkboxes, the
//! checklist job running, the checklist (status, class, detail, manual command, what `w` does),
//! the plan (what stops, what is replaced, bytes, the data-loss window, the safety backup) and
//! the typed confirmation. Every step shares one frame: the archive, the stack it goes into, and
//! where the wizard is. The run and the summary are in `wizard_run.rs`; the plan's and the
//! summary's lines in `view/wizard.rs` (`update` scrolls by their count).
//!
//! ```text
//! +- Restore tars-backup-20260106_030000.tar.gz --------------+
//! | into stack tars-home (profile tars-home), captured ...    |
//! | components > checklist > plan > confirm > restore > ...   |
//! | (the step's own lines)                                    |
//! +-----------------------------------------------------------+
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::widgets::block;
use super::wizard_run;
use crate::engine::restore::{Class, Item, ItemStatus};
use crate::tui::state::app::{App, file_name, short_time};
use crate::tui::state::wizard::{Purpose, Step, Wizard, waiver_for};
use crate::tui::theme::Ui;
use crate::tui::view::format::{short_age, size, wrapped};
use crate::tui::view::wizard::{max_scroll, plan_lines};

const STEPS: [&str; 6] = [
    "components",
    "checklist",
    "plan",
    "confirm",
    "restore",
    "summary",
];

pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let Some(w) = &app.wizard else {
        return;
    };
    let mut blk = block(ui, title(ui, w));
    let more = max_scroll(app).saturating_sub(match w.step {
        Step::Plan { scroll } | Step::Done { scroll } => scroll,
        _ => 0,
    });
    if more > 0 {
        let arrow = if ui.ascii { "Down" } else { "↓" };
        blk = blk.title_bottom(
            Line::styled(format!(" {more} more below ({arrow}) "), ui.theme.dim).right_aligned(),
        );
    }
    let inner = blk.inner(area);
    frame.render_widget(blk, area);
    let [head, body] = Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(header(app, ui, w, head.width)), head);
    let width = usize::from(body.width);
    match &w.step {
        Step::Loading => frame.render_widget(
            Paragraph::new(Line::styled(
                " reading the profile and the archive's components...",
                ui.theme.dim,
            )),
            body,
        ),
        Step::Select { cursor } => {
            frame.render_widget(Paragraph::new(select_lines(ui, w, *cursor, width)), body)
        }
        Step::Checking => frame.render_widget(
            Paragraph::new(wizard_run::checking_lines(app, ui, w, body.width)),
            body,
        ),
        Step::Checklist { cursor } => draw_checklist(frame, body, ui, w, *cursor, None),
        Step::Waive {
            cursor,
            item,
            input,
        } => draw_checklist(frame, body, ui, w, *cursor, Some((item, input))),
        Step::Plan { scroll } => {
            let lines = plan_lines(ui, w, width);
            let shown: Vec<Line> = lines.into_iter().skip(*scroll).collect();
            frame.render_widget(Paragraph::new(shown), body);
        }
        Step::Confirm { input } => {
            frame.render_widget(Paragraph::new(confirm_lines(ui, w, input, width)), body)
        }
        Step::Running | Step::Done { .. } => wizard_run::draw(frame, body, app, ui, w),
        Step::Failed { message } => {
            let mut lines = vec![Line::styled(
                " THE RESTORE CANNOT GO ON: nothing was stopped or changed",
                ui.theme.bad,
            )];
            lines.extend(wrapped(&ui.clean_long(message), width, Style::new()));
            frame.render_widget(Paragraph::new(lines), body);
        }
    }
}

fn title<'a>(ui: &Ui, w: &Wizard) -> Line<'a> {
    let file = ui.clean(&file_name(&w.archive));
    let (what, rest) = match &w.purpose {
        Purpose::Restore => (" Restore ".to_string(), format!("{file} ")),
        Purpose::Undo { of, .. } => (
            format!(" Undo restore {} ", ui.clean(of)),
            format!("from {file} "),
        ),
        Purpose::Resume { of, .. } => (
            format!(" Resume restore {} ", ui.clean(of)),
            format!("from {file} "),
        ),
    };
    Line::from(vec![Span::styled(what, ui.theme.title), Span::raw(rest)])
}

/// Where the archive goes, when it was captured, and the wizard's steps with the current one
/// marked.
fn header<'a>(app: &App, ui: &Ui, w: &Wizard, width: u16) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let mut into = match &w.target {
        Some(tg) => format!(
            " into stack {} (profile {})",
            ui.clean(&tg.stack),
            ui.clean(&tg.profile)
        ),
        None => " into the stack of its profile".to_string(),
    };
    let captured = w
        .plan
        .as_ref()
        .and_then(|p| p.captured_at.parse::<jiff::Timestamp>().ok())
        .or_else(|| {
            app.entry(&w.archive)
                .and_then(|e| e.info.manifest.as_ref()?.instant())
        });
    if let Some(c) = captured {
        into.push_str(&format!(
            ", captured {} ({} ago)",
            short_time(c, &app.tz),
            short_age(app.now, c)
        ));
    }
    let current = match w.step {
        Step::Loading | Step::Select { .. } => 0,
        Step::Checking | Step::Checklist { .. } | Step::Waive { .. } => 1,
        Step::Plan { .. } => 2,
        Step::Confirm { .. } => 3,
        Step::Running => 4,
        Step::Done { .. } => 5,
        // It fails while loading or at the checklist: the step it stopped at stays marked.
        Step::Failed { .. } => usize::from(w.target.is_some()),
    };
    let sep = if ui.ascii { " > " } else { " › " };
    let mut crumbs = vec![Span::raw(" ")];
    for (i, s) in STEPS.iter().enumerate() {
        if i > 0 {
            crumbs.push(Span::styled(sep, t.dim));
        }
        crumbs.push(if i == current {
            Span::styled(s.to_uppercase(), t.key)
        } else {
            Span::styled(*s, t.dim)
        });
    }
    vec![
        Line::raw(ui.cut(&into, usize::from(width))),
        Line::from(crumbs),
        undo_line(app, ui, w, width),
    ]
}

/// For an undo: how long the data it replaces has been live (docs/design.md section 5: said first).
fn undo_line<'a>(app: &App, ui: &Ui, w: &Wizard, width: u16) -> Line<'a> {
    match &w.purpose {
        Purpose::Undo { of, since } => {
            let live = since
                .map(|t| format!("for {}", crate::engine::catalog::age(app.now, t)))
                .unwrap_or_else(|| format!("since restore {} committed", ui.clean(of)));
            Line::styled(
                ui.cut(
                    &format!(
                        " the data it replaces has been live {live}; changes since are discarded (kept in this undo's own safety backup)"
                    ),
                    usize::from(width),
                ),
                ui.theme.warn,
            )
        }
        Purpose::Resume { .. } => Line::styled(
            " what the interrupted restore never reached, from the bytes it verified",
            ui.theme.dim,
        ),
        Purpose::Restore => Line::raw(""),
    }
}

fn select_lines<'a>(ui: &Ui, w: &Wizard, cursor: usize, width: usize) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let Some(tg) = &w.target else {
        return Vec::new();
    };
    let mut out = vec![Line::styled(
        " Components to restore (Space ticks; files components are off by default)",
        t.header,
    )];
    for (i, c) in tg.choices.iter().enumerate() {
        let pointer = if i == cursor { ui.sym.pointer } else { "  " };
        let tick = match (c.unknown, c.on) {
            (true, _) => "[-]",
            (_, true) => "[x]",
            _ => "[ ]",
        };
        let mut text = format!(
            "{pointer}{tick} {:<16} {:<9} {:>10}",
            ui.cut(&ui.clean(&c.name), 16),
            ui.clean(&c.kind),
            size(c.size)
        );
        if c.unknown {
            text.push_str(&format!("  not in profile {}", ui.clean(&tg.profile)));
        }
        let style = if i == cursor {
            t.selected
        } else {
            Style::new()
        };
        out.push(Line::styled(ui.cut(&text, width), style));
    }
    out.push(Line::raw(""));
    out.extend(wrapped(
        "Nothing changes yet. Enter runs the checklist for real: it takes the lock, stages and proves the archive, and checks the live stack.",
        width,
        t.dim,
    ));
    out
}

/// The status word of an item, padded: "ok", "WARN", "FAIL", "WAIVED".
pub fn status_word(s: ItemStatus) -> &'static str {
    match s {
        ItemStatus::Ok => "ok",
        ItemStatus::Warn => "WARN",
        ItemStatus::Fail => "FAIL",
        ItemStatus::Waived => "WAIVED",
    }
}

fn status_style(ui: &Ui, i: &Item) -> Style {
    match i.status {
        ItemStatus::Ok => ui.theme.ok,
        ItemStatus::Warn | ItemStatus::Waived => ui.theme.warn,
        ItemStatus::Fail if i.class == Class::Advisory => ui.theme.warn,
        ItemStatus::Fail => ui.theme.bad,
    }
}

fn class_word(c: Class) -> &'static str {
    match c {
        Class::Never => "never",
        Class::Waivable => "waivable",
        Class::Advisory => "advisory",
    }
}

/// The checklist: one row per item, a line saying what blocks, and the selected item in full
/// (or the acknowledgement being typed).
fn draw_checklist(
    frame: &mut Frame,
    area: Rect,
    ui: &Ui,
    w: &Wizard,
    cursor: usize,
    typing: Option<(&String, &String)>,
) {
    let t = &ui.theme;
    let items = w.items();
    let detail_rows = if area.height >= 30 { 8 } else { 6 };
    let [list, verdict, detail] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(detail_rows),
    ])
    .areas(area);
    let rows = usize::from(list.height.saturating_sub(1)).max(1);
    let offset = cursor.saturating_sub(rows - 1);
    let width = usize::from(list.width);
    let mut lines = vec![Line::styled(
        format!(
            "  {:<6} {:<26} {:<8} DETAIL{}",
            "STATE",
            "ITEM",
            "CLASS",
            if items.len() > rows {
                format!(" ({} items, {}/{})", items.len(), cursor + 1, items.len())
            } else {
                String::new()
            }
        ),
        t.header,
    )];
    for (i, item) in items.iter().enumerate().skip(offset).take(rows) {
        let pointer = if i == cursor { ui.sym.pointer } else { "  " };
        let row = format!(
            "{:<26} {:<8} {}",
            ui.cut(&ui.clean(&item.id), 26),
            class_word(item.class),
            ui.clean(&item.detail)
        );
        let row = ui.cut(&row, width.saturating_sub(9));
        let sel = if i == cursor {
            t.selected
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(pointer.to_string(), sel),
            Span::styled(
                format!("{:<6} ", status_word(item.status)),
                status_style(ui, item).patch(sel),
            ),
            Span::styled(row, sel),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), list);
    let v = match w.blocker() {
        Some(b) => Line::styled(
            ui.cut(
                &format!(
                    " BLOCKED by {}{}",
                    ui.clean(&b.id),
                    if waiver_for(&b).is_ok() {
                        ": w waives it"
                    } else {
                        ": it can never be waived; fix it, then run the checklist again"
                    }
                ),
                width,
            ),
            t.bad,
        ),
        None => Line::styled(" nothing blocks: Enter shows the plan", t.ok),
    };
    frame.render_widget(Paragraph::new(v), verdict);
    let Some(item) = items.get(cursor) else {
        return;
    };
    let dw = usize::from(detail.width);
    let blk = block(
        ui,
        Span::styled(format!(" {} ", ui.clean(&item.label)), t.title),
    );
    let inner_w = dw.saturating_sub(2);
    let mut d = Vec::new();
    if let Some((id, input)) = typing {
        let accept = waiver_for(item).unwrap_or_default();
        d.extend(wrapped(
            &format!(
                "Waive {id}? The waiver is journalled with the restore. Type {id} or yes, then Enter ({}):",
                if accept == "no-safety-backup" {
                    "no safety backup is taken: undo will not be possible"
                } else {
                    "Esc keeps it"
                }
            ),
            inner_w,
            t.warn,
        ));
        d.push(Line::from(vec![
            Span::styled(" > ", t.key),
            Span::raw(format!("{}_", ui.clean(input))),
        ]));
    } else {
        d.extend(wrapped(&ui.clean_long(&item.detail), inner_w, Style::new()));
        if let Some(m) = &item.manual {
            d.extend(wrapped(
                &format!("by hand: {}", ui.clean_long(m)),
                inner_w,
                t.dim,
            ));
        }
        let what = match waiver_for(item) {
            Ok(a) if w.accepted.contains(&a) => "waived by you: w withdraws the waiver".to_string(),
            Ok(a) if a == "no-safety-backup" => {
                "w waives it: no safety backup is taken (you type yes)".to_string()
            }
            Ok(_) => format!("w waives it (you type {} or yes)", ui.clean(&item.id)),
            Err(why) => why,
        };
        d.extend(wrapped(&what, inner_w, t.key));
    }
    frame.render_widget(Paragraph::new(d).block(blk), detail);
}

fn confirm_lines<'a>(ui: &Ui, w: &Wizard, input: &str, width: usize) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let stack = ui.clean(w.stack().unwrap_or_default());
    let names = w
        .plan
        .as_ref()
        .map(|p| {
            p.components
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let safety = match w.items().iter().find(|i| i.id == "safety-backup") {
        Some(i) if i.status == ItemStatus::Waived => {
            "No safety backup is taken (waived): this cannot be undone."
        }
        _ => "A safety backup of the replaced data is taken first; the summary offers undo.",
    };
    let mut out = wrapped(
        &format!(
            "The live data of {} in stack {stack} is replaced with the backup. Changes made since it was captured are discarded. {safety}",
            ui.clean(&names)
        ),
        width,
        Style::new(),
    );
    out.push(Line::raw(""));
    out.push(Line::from(vec![
        Span::raw(" Type the stack name "),
        Span::styled(stack.clone(), t.key),
        Span::raw(" to restore:"),
    ]));
    out.push(Line::from(vec![
        Span::styled(" > ", t.key),
        Span::raw(format!("{}_", ui.clean(input))),
    ]));
    out.push(Line::raw(""));
    out.push(Line::styled(
        " Esc goes back to the plan; nothing has changed yet.",
        t.dim,
    ));
    out
}
