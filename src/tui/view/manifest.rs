//! The manifest view's text: what an archive says it holds (profile, host, capture time,
//! format, each component's kind, size, capture time, mode, image, fingerprint, and every
//! checksum), every string sanitised. Lines are built by one pure function so `update` bounds
//! the scroll with the same count `screens/manifest.rs` draws.

use std::path::Path;

use ratatui::text::{Line, Span};

use crate::engine::catalog::{self, ListState};
use crate::tui::state::app::{App, Entry, short_time};
use crate::tui::theme::Ui;
use crate::tui::view::browser::{badge, state_word};
use crate::tui::view::format::{short_age, size, wrap};
use crate::tui::view::sizes::{text_width, view_rows};

/// The furthest the view can scroll for `archive`.
pub fn max_scroll(app: &App, archive: &Path) -> usize {
    // Styles do not change the count; the plain theme is as good as any here.
    let ui = Ui::new(true, true);
    let n = lines(app, &ui, archive, text_width(app.size.0)).len();
    n.saturating_sub(view_rows(app.size))
}

/// Every line of the view, top to bottom.
pub fn lines<'a>(app: &App, ui: &Ui, archive: &Path, width: usize) -> Vec<Line<'a>> {
    let t = &ui.theme;
    let Some(e) = app.entry(archive) else {
        return vec![Line::styled(
            "this archive is no longer listed (the folder was read again)",
            t.dim,
        )];
    };
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!(" {k:<13}"), t.header),
            Span::raw(v),
        ])
    };
    let folder = app
        .folders
        .get(e.folder)
        .map(|f| f.path.display().to_string())
        .unwrap_or_default();
    let mut out = vec![
        field("File", ui.clean(&e.info.file)),
        field("Folder", ui.clean(&folder)),
        state_line(app, ui, e),
    ];
    // Free text (why a verify failed) is wrapped here rather than by the paragraph, so the
    // line count that bounds the scroll is the one drawn.
    if let Some(r) = e
        .info
        .reason
        .as_deref()
        .filter(|_| e.info.state != ListState::Orphan)
    {
        for (i, part) in wrap(&ui.clean_long(r), width.saturating_sub(14))
            .into_iter()
            .enumerate()
        {
            let k = if i == 0 { "Reason" } else { "" };
            out.push(field(k, part));
        }
    }
    let Some(m) = &e.info.manifest else {
        let why = match (&e.info.manifest_problem, e.manifest_pending) {
            (_, true) => "reading the manifest from inside the archive...".to_string(),
            (Some(p), _) => format!("unreadable: {}", ui.clean(p)),
            (None, _) if e.info.state == ListState::Orphan => {
                "none: the archive is missing".to_string()
            }
            (None, _) => "unknown".to_string(),
        };
        out.push(field("Manifest", why));
        return out;
    };
    let s = |v: &str| ui.clean(v);
    let writer = if m.is_v1() {
        format!("T.A.R.S. backup-tars.sh {}", s(&m.version))
    } else {
        format!(
            "lifeboat {}",
            s(m.tool_version.as_deref().unwrap_or(&m.version))
        )
    };
    out.push(field("Backup name", s(&m.backup_name)));
    out.push(field(
        "Format",
        format!("{} (written by {writer})", m.format()),
    ));
    out.push(field(
        "Kind",
        format!("{:?}", m.archive_kind()).to_lowercase(),
    ));
    let age = m
        .instant()
        .map(|t| format!(" ({} ago)", catalog::age(app.now, t)))
        .unwrap_or_default();
    out.push(field("Captured", format!("{}{age}", s(&m.timestamp))));
    out.push(field("Host", s(&m.host)));
    out.push(field(
        "Profile",
        m.profile.as_deref().map(s).unwrap_or_else(|| "-".into()),
    ));
    let failed = m.failed();
    out.push(field(
        "Failed",
        if failed.is_empty() {
            "none".into()
        } else {
            failed.iter().map(|c| s(c)).collect::<Vec<_>>().join(", ")
        },
    ));
    for w in m.warnings() {
        for (i, part) in wrap(&s(w), width.saturating_sub(14))
            .into_iter()
            .enumerate()
        {
            let k = if i == 0 { "Warning" } else { "" };
            out.push(field(k, part).style(t.warn));
        }
    }
    if let Some(p) = &e.info.manifest_problem {
        for (i, part) in wrap(&ui.clean_long(p), width.saturating_sub(14))
            .into_iter()
            .enumerate()
        {
            let k = if i == 0 { "Note" } else { "" };
            out.push(field(k, part));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled(" Components", t.title));
    for c in &m.components {
        let Some(d) = m.details().get(c) else {
            let file = crate::engine::archive::manifest::V1_COMPONENT_FILES
                .iter()
                .find(|(n, _)| n == c)
                .map(|(_, f)| *f)
                .unwrap_or("?");
            out.push(Line::raw(format!("   {:<15} {file}", s(c))));
            continue;
        };
        out.push(Line::from(vec![
            Span::styled(format!("   {:<15} ", s(c)), t.title),
            Span::raw(format!(
                "{:<9} {:<24} {:>10}",
                d.kind.as_deref().map(s).unwrap_or_else(|| "?".into()),
                s(&d.file),
                size(d.size)
            )),
        ]));
        let mut facts = Vec::new();
        facts.extend(d.capture_mode.as_deref().map(s));
        facts.extend(
            d.captured_at
                .as_deref()
                .map(|v| format!("captured {}", s(v))),
        );
        facts.extend(
            d.server_version
                .as_deref()
                .map(|v| format!("server {}", s(v))),
        );
        if d.on_volume == Some(false) {
            facts.push("NOT on a volume".into());
        }
        if !facts.is_empty() {
            out.push(Line::raw(format!("     {}", facts.join(", "))));
        }
        if let Some(i) = &d.image {
            out.push(Line::raw(format!("     image {}", s(i))));
        }
        if let Some(p) = &d.data_path {
            out.push(Line::raw(format!("     data {}", s(p))));
        }
        if let Some(fp) = &d.fingerprint {
            out.push(Line::styled(
                format!("     fingerprint {}", s(&fp.to_string())),
                t.dim,
            ));
        }
        for f in &d.extra_files {
            out.push(Line::raw(format!(
                "     + {:<32} {:>10}",
                s(&f.file),
                size(f.size)
            )));
        }
    }
    if !m.docker_volumes.is_empty() {
        out.push(Line::raw(""));
        let v: Vec<String> = m.docker_volumes.iter().map(|v| s(v)).collect();
        out.push(field("Volumes", v.join(", ")));
    }
    if !m.options.is_empty() {
        let o: Vec<String> = m
            .options
            .iter()
            .map(|(k, v)| format!("{}={}", s(k), s(&v.to_string())))
            .collect();
        out.push(field("Options", o.join(", ")));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(" Checksums (SHA-256)", t.title));
    for (file, hash) in &m.checksums {
        out.push(Line::raw(format!("   {}", s(file))));
        out.push(Line::styled(format!("     {}", s(hash)), t.dim));
    }
    out
}

/// Whether what the view shows was proven: the verify state, in words.
fn state_line<'a>(app: &App, ui: &Ui, e: &Entry) -> Line<'a> {
    let (_, style) = badge(app, ui, e);
    let word = state_word(e.info.state);
    let at = e
        .info
        .verified_at
        .as_deref()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map(|t| {
            format!(
                " at {} ({} ago)",
                short_time(t, &app.tz),
                short_age(app.now, t)
            )
        })
        .unwrap_or_default();
    let note = match e.info.state {
        ListState::Verified => format!("{at}: proven"),
        ListState::NotVerified => ": unproven until a verify (v)".into(),
        ListState::Mismatch => format!("{at}: do not restore from it"),
        ListState::Uncommitted => ": never committed, do not trust it".into(),
        ListState::Orphan => String::new(),
    };
    Line::from(vec![
        Span::styled(format!(" {:<13}", "State"), ui.theme.header),
        Span::styled(word, style),
        Span::raw(note),
    ])
}
