//! The backups browser: every archive of every folder, newest first, with its state badge,
//! age, size and components; "last committed backup" on top (flagged when it is overdue);
//! the selected archive's details at the bottom.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use super::widgets::block;
use crate::engine::catalog::{self, ListState};
use crate::tui::state::app::{App, Entry, FolderStatus, short_time, usual_interval};
use crate::tui::theme::Ui;
use crate::tui::view::browser::{badge, layout, state_word};
use crate::tui::view::format::{short_age, size};

/// Width from which the list also shows the file name.
const WIDE: u16 = 140;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let a = layout(area, app.failed_run_to_show().is_some());
    frame.render_widget(header(app, ui, a.header.width), a.header);
    draw_list(frame, a.list, app, ui);
    frame.render_widget(details(app, ui), a.details);
}

/// "lifeboat · recovery console" and "last committed backup: 3h 12m ago"; the folders.
fn header<'a>(app: &App, ui: &Ui, width: u16) -> Paragraph<'a> {
    let t = &ui.theme;
    let committed = app.committed_times();
    let (last, style) = match committed.first() {
        None if app
            .folders
            .iter()
            .any(|f| f.status == FolderStatus::Loading) =>
        {
            ("reading folders".to_string(), t.dim)
        }
        None => ("none found".to_string(), t.bad),
        Some(newest) => {
            let age = now_minus(app, *newest);
            match usual_interval(&committed) {
                Some(usual) if age > 2 * usual => (
                    format!(
                        "{} ago, OVERDUE (usual every {})",
                        catalog::age(app.now, *newest),
                        catalog::age(
                            jiff::Timestamp::from_second(usual).unwrap_or_default(),
                            jiff::Timestamp::UNIX_EPOCH
                        )
                    ),
                    t.bad,
                ),
                _ => (format!("{} ago", catalog::age(app.now, *newest)), t.ok),
            }
        }
    };
    // The freshness of the last backup is the point of this line: on a narrow terminal the
    // title gives way first, then the label shortens.
    let mut left = format!(" lifeboat {} recovery console", ui.sym.dot);
    let mut label = "last committed backup: ";
    let fits = |l: &str, lab: &str| {
        l.chars().count() + 2 + lab.len() + last.chars().count() <= usize::from(width)
    };
    if !fits(&left, label) {
        left = " lifeboat".into();
    }
    if !fits(&left, label) {
        label = "last backup: ";
    }
    let used = left.chars().count() + label.len() + last.chars().count() + 1;
    let pad = usize::from(width).saturating_sub(used);
    let title = Line::from(vec![
        Span::styled(left, t.title),
        Span::raw(" ".repeat(pad.max(1))),
        Span::raw(label),
        Span::styled(format!("{last} "), style),
    ]);
    let folders: Vec<String> = app
        .folders
        .iter()
        .map(|f| {
            let what = match &f.status {
                FolderStatus::Loading => "reading".to_string(),
                FolderStatus::Ready(n) => n.to_string(),
                FolderStatus::Missing if f.explicit => "NOT FOUND".into(),
                FolderStatus::Missing => "none yet".into(),
                // The path is already on the line: the reason alone fits 80 columns better.
                FolderStatus::Failed(e) => {
                    let prefix = format!("{}: ", f.path.display());
                    format!("ERROR: {}", e.strip_prefix(&prefix).unwrap_or(e))
                }
            };
            format!("{} ({what})", f.path.display())
        })
        .collect();
    let folders = ui.cut(
        &ui.clean(&format!(" folders: {}", folders.join("  "))),
        usize::from(width),
    );
    let mut lines = vec![title];
    lines.extend(failed_run(app, ui, width));
    lines.push(Line::styled(folders, t.dim));
    Paragraph::new(lines)
}

/// " last failed backup run (tars-home): 2d ago, exit 12: <reason>", when there is one to
/// show (see `App::failed_run_to_show`), cut to the width.
fn failed_run<'a>(app: &App, ui: &Ui, width: u16) -> Option<Line<'a>> {
    let run = app.failed_run_to_show()?;
    let profile = app
        .stack
        .as_ref()
        .and_then(|s| s.as_ref().ok())
        .map(|s| s.profile.as_str())
        .unwrap_or_default();
    let when = match run.end.parse::<jiff::Timestamp>() {
        Ok(t) => format!("{} ago", catalog::age(app.now, t)),
        Err(_) => run.end.clone(),
    };
    let reason = run
        .reason
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    let text = format!(
        " last failed backup run ({profile}): {when}, exit {}{reason}",
        run.exit_code
    );
    Some(Line::styled(
        ui.cut(&ui.clean(&text), usize::from(width)),
        ui.theme.warn,
    ))
}

fn now_minus(app: &App, t: jiff::Timestamp) -> i64 {
    app.now.as_second() - t.as_second()
}

fn draw_list(frame: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let t = &ui.theme;
    let visible = app.visible();
    let f = &app.browser.filter;
    let mut title = vec![Span::styled(
        format!(" Backups {} of {} ", visible.len(), app.entries.len()),
        t.title,
    )];
    if f.editing || !f.text.is_empty() {
        let cursor = if f.editing { "_" } else { "" };
        title.push(Span::styled(
            format!("/{}{cursor} ", ui.clean(&f.text)),
            t.key,
        ));
    }
    if let Some(c) = &f.component {
        title.push(Span::styled(format!("component {} ", ui.clean(c)), t.key));
    }
    if let Some(d) = f.folder.and_then(|d| app.folders.get(d)) {
        let name = d.path.display().to_string();
        title.push(Span::styled(
            format!("folder {} ", ui.cut(&ui.clean(&name), 30)),
            t.key,
        ));
    }
    let blk = block(ui, Line::from(title));
    let inner = blk.inner(area);
    frame.render_widget(blk, area);
    if visible.is_empty() {
        let why = if app.entries.is_empty() {
            if app
                .folders
                .iter()
                .any(|f| f.status == FolderStatus::Loading)
            {
                "reading the backup folders..."
            } else {
                "no archives in these folders"
            }
        } else {
            "no archive matches the filters (Esc clears them)"
        };
        frame.render_widget(Paragraph::new(Line::styled(why, t.dim)), inner);
        return;
    }
    // pointer 2 + state 16 + captured 16 + age 7 + size 10 + spacing: 55 columns, the
    // rest for the components (and, on wide terminals, the file name). Below 80 columns the
    // capture time goes (the age says it, the details pane has it).
    let wide = area.width >= WIDE;
    let narrow = area.width < 80;
    let mut widths = vec![Constraint::Length(16)];
    let mut head = vec!["STATE"];
    if !narrow {
        widths.push(Constraint::Length(16));
        head.push("CAPTURED");
    }
    widths.extend([
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Fill(1),
    ]);
    head.extend(["AGE", "SIZE", "COMPONENTS"]);
    let fixed = if narrow { 38 } else { 55 };
    let mut comp_width = usize::from(inner.width).saturating_sub(fixed);
    if wide {
        widths.push(Constraint::Length(50));
        head.push("FILE");
        comp_width = comp_width.saturating_sub(51);
    }
    let rows = visible.iter().map(|&i| {
        let e = &app.entries[i];
        let (badge, style) = badge(app, ui, e);
        let mut cells = vec![Cell::from(Span::styled(badge, style))];
        if !narrow {
            cells.push(Cell::from(
                app.time_of(e)
                    .map(|t| short_time(t, &app.tz))
                    .unwrap_or_else(|| "-".into()),
            ));
        }
        let age = app
            .time_of(e)
            .map(|t| column_age(app.now, t))
            .unwrap_or_else(|| "-".into());
        cells.push(Cell::from(Line::from(age).right_aligned()));
        let sz = e.info.size.map(size).unwrap_or_else(|| "-".into());
        cells.push(Cell::from(Line::from(sz).right_aligned()));
        cells.push(Cell::from(components(ui, e, comp_width)));
        if wide {
            cells.push(Cell::from(ui.cut(&ui.clean(&e.info.file), 50)));
        }
        Row::new(cells)
    });
    let table = Table::new(rows, widths)
        .header(Row::new(head).style(t.header))
        .column_spacing(1)
        .row_highlight_style(t.selected)
        .highlight_symbol(ui.sym.pointer);
    let mut state = TableState::default()
        .with_offset(app.browser.offset)
        .with_selected(Some(app.browser.selected.min(visible.len() - 1)));
    frame.render_stateful_widget(table, inner, &mut state);
}

/// An age for the list's column (7 wide): "3h 12m", "2d 4h", then whole days from ten on.
fn column_age(now: jiff::Timestamp, then: jiff::Timestamp) -> String {
    let days = (now.as_second() - then.as_second()) / 86_400;
    if days >= 10 {
        format!("{days}d")
    } else {
        catalog::age(now, then)
    }
}

/// "[safety] [partial] FAILED:redis chromadb,postgres", or why the manifest is not known.
fn components(ui: &Ui, e: &Entry, width: usize) -> String {
    let mut s = String::new();
    if e.info.is_safety() {
        s.push_str("[safety] ");
    }
    if e.info.partial {
        s.push_str("[partial] ");
    }
    match &e.info.manifest {
        Some(m) => {
            // A failed component goes first: in a narrow column it must not be the part cut.
            let failed = m.failed();
            if !failed.is_empty() {
                s.push_str(&format!("FAILED:{} ", failed.join(",")));
            }
            s.push_str(&m.components.join(","));
        }
        None if e.manifest_pending => s.push_str("(reading manifest)"),
        None if e.info.state == ListState::Orphan => s.push_str("(archive missing)"),
        None => s.push_str("(manifest unreadable)"),
    }
    ui.cut(&ui.clean(&s), width)
}

/// The selected archive: its file and folder, what its state means, where it came from.
fn details<'a>(app: &App, ui: &Ui) -> Paragraph<'a> {
    let t = &ui.theme;
    let blk = block(ui, Span::styled(" Selected ", t.title));
    let Some(e) = app.selected() else {
        return Paragraph::new("").block(blk);
    };
    let folder = app
        .folders
        .get(e.folder)
        .map(|f| f.path.display().to_string())
        .unwrap_or_default();
    let mut lines = vec![Line::from(vec![
        Span::styled(ui.clean(&e.info.file), t.title),
        Span::styled(format!(" in {}", ui.clean(&folder)), t.dim),
    ])];
    let (_, style) = badge(app, ui, e);
    let word = state_word(e.info.state);
    let why = match e.info.state {
        ListState::Verified => match (&e.info.verified_at, &e.info.reason) {
            (Some(at), Some(r)) => format!(" at {}; {}", show_time(app, at), ui.clean_long(r)),
            (Some(at), None) => format!(
                " at {}: sidecar, every entry, every component hash",
                show_time(app, at)
            ),
            _ => String::new(),
        },
        ListState::NotVerified => ": committed; not verified since it last changed (v)".into(),
        ListState::Mismatch => match &e.info.reason {
            Some(r) => format!(": {}", ui.clean_long(r)),
            None => ": the last verify failed".into(),
        },
        ListState::Uncommitted => ": no sidecar; the backup did not finish or it was lost".into(),
        ListState::Orphan => ": a sidecar whose archive is missing".into(),
    };
    lines.push(Line::from(vec![Span::styled(word, style), Span::raw(why)]));
    if let Some(m) = &e.info.manifest {
        let mut c = format!("components {}", m.components.join(", "));
        let failed = m.failed();
        if !failed.is_empty() {
            c.push_str(&format!("; FAILED at backup time: {}", failed.join(", ")));
        }
        lines.push(Line::raw(ui.clean(&c)));
    }
    let mut facts = Vec::new();
    if let Some(m) = &e.info.manifest {
        facts.push(format!("captured {}", ui.clean(&m.timestamp)));
        facts.extend(
            m.profile
                .as_deref()
                .map(|p| format!("profile {}", ui.clean(p))),
        );
        facts.push(format!("host {}", ui.clean(&m.host)));
        facts.push(format!("format {}", m.format()));
    }
    if let Some(p) = &e.info.manifest_problem {
        facts.push(format!("manifest: {}", ui.clean_long(p)));
    }
    if e.info.partial {
        facts.push("a .partial of this name exists (write running or interrupted)".into());
    }
    lines.push(Line::styled(facts.join(", "), t.dim));
    Paragraph::new(lines).block(blk).wrap(Wrap { trim: false })
}

/// An RFC 3339 time from the index as "2026-01-05 15:00 (2h ago)" in the console's zone.
fn show_time(app: &App, s: &str) -> String {
    match s.parse::<jiff::Timestamp>() {
        Ok(t) => format!("{} ({} ago)", short_time(t, &app.tz), short_age(app.now, t)),
        Err(_) => crate::engine::text::sanitize(s),
    }
}
