//! The jobs and log pane through `App::update`: lines kept and capped, `J` and Esc, scrolling
//! and following the end, the browser's "new warning" line; and its screen as insta snapshots
//! at 80x24 and 160x48 (a verify, a backup and a restore of the session, warnings and errors in
//! the log), scrolled back, and in the monochrome ASCII theme.

use std::path::PathBuf;

use crossterm::event::KeyCode;
use ratatui::style::Color;
use tracing::Level;

use crate::engine::progress::Event;
use crate::engine::verify::VerifyState;
use crate::tui::keys::table::Context;
use crate::tui::state::action::Action;
use crate::tui::state::app::{App, Screen};
use crate::tui::state::backup::StackStatus;
use crate::tui::state::effect::Effect;
use crate::tui::state::log_pane::LogLine;
use crate::tui::state::log_pane::{KEEP, Tone};
use crate::tui::state::wizard::End;
use crate::tui::tests::fixtures::*;
use crate::tui::tests::screens::{draw, screen_text};
use crate::tui::tests::wizard_fixtures::{outcome, running, tick};
use crate::tui::theme::Ui;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// A line logged `secs` seconds before now.
fn line(level: Level, secs: i64, text: &str) -> LogLine {
    LogLine {
        at: now()
            .checked_sub(jiff::SignedDuration::from_secs(secs))
            .unwrap(),
        level,
        text: text.into(),
    }
}

/// `n` INFO lines numbered from `from`.
fn numbered(from: usize, n: usize) -> Action {
    Action::Log(
        (from..from + n)
            .map(|i| line(Level::INFO, 600, &format!("test: line {i}")))
            .collect(),
    )
}

/// The text of the last line in the view.
fn last_shown(app: &App) -> String {
    let end = app.log.lines.len() - app.log.back;
    app.log.lines[end - 1].text.clone()
}

#[test]
fn lines_are_kept_up_to_the_cap_oldest_dropped() {
    let mut app = app((80, 24));
    app.update(numbered(0, 300));
    app.update(numbered(300, 220));
    assert_eq!(app.log.lines.len(), KEEP);
    assert_eq!(app.log.lines.front().unwrap().text, "test: line 20");
    assert_eq!(app.log.lines.back().unwrap().text, "test: line 519");
}

#[test]
fn j_opens_the_pane_and_esc_q_or_j_close_it() {
    let mut app = app((80, 24));
    for close in [code(KeyCode::Esc), key('q'), key('J')] {
        app.update(key('J'));
        assert_eq!(app.screens, vec![Screen::Jobs]);
        assert_eq!(app.context(), Context::Jobs);
        app.update(close);
        assert!(app.screens.is_empty());
        assert_eq!(app.context(), Context::Browser);
    }
}

#[test]
fn warnings_are_counted_until_the_pane_is_opened() {
    let mut app = app((80, 24));
    let ui = Ui::new(false, false);
    app.update(Action::Log(vec![
        line(Level::INFO, 30, "test: fine"),
        line(Level::WARN, 20, "test: low space"),
    ]));
    assert_eq!(
        (app.log.unseen_warnings, app.log.unseen_errors),
        (1, 0),
        "INFO is not counted"
    );
    assert!(screen_text(&draw(&app, &ui)).contains(" 1 new warning: J shows the log"));
    app.update(Action::Log(vec![line(Level::ERROR, 10, "test: failed")]));
    assert!(screen_text(&draw(&app, &ui)).contains(" 1 new error and 1 warning: J shows the log"));
    app.update(key('J'));
    assert_eq!((app.log.unseen_warnings, app.log.unseen_errors), (0, 0));
    // Seen as they arrive while the pane is open.
    app.update(Action::Log(vec![line(Level::WARN, 5, "test: again")]));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.log.unseen_warnings, 0);
    assert!(!screen_text(&draw(&app, &ui)).contains("J shows the log"));
}

#[test]
fn the_log_scrolls_and_end_follows_again() {
    let mut app = app((80, 24));
    app.update(numbered(0, 100));
    app.update(key('J'));
    let page = crate::tui::view::log_pane::log_rows(&app);
    assert!(
        page >= 10,
        "80x24 keeps most of the pane for the log: {page}"
    );
    assert_eq!(app.log.back, 0);
    app.update(code(KeyCode::Down));
    assert_eq!(app.log.back, 0, "nothing below the end");
    app.update(code(KeyCode::Up));
    app.update(key('k'));
    assert_eq!(app.log.back, 2);
    app.update(code(KeyCode::PageUp));
    assert_eq!(app.log.back, 2 + page);
    app.update(code(KeyCode::PageDown));
    assert_eq!(app.log.back, 2);
    app.update(code(KeyCode::Home));
    assert_eq!(
        app.log.back,
        100 - page,
        "the first line at the top, no further"
    );
    app.update(code(KeyCode::PageUp));
    assert_eq!(app.log.back, 100 - page);
    app.update(code(KeyCode::End));
    assert_eq!(app.log.back, 0);
}

#[test]
fn new_lines_follow_the_end_unless_scrolled_back() {
    let mut app = app((80, 24));
    app.update(numbered(0, 100));
    app.update(key('J'));
    app.update(numbered(100, 5));
    assert_eq!(app.log.back, 0);
    assert_eq!(
        last_shown(&app),
        "test: line 104",
        "following: the newest shows"
    );
    for _ in 0..3 {
        app.update(key('k'));
    }
    assert_eq!(last_shown(&app), "test: line 101");
    app.update(numbered(105, 5));
    assert_eq!(app.log.back, 8);
    assert_eq!(
        last_shown(&app),
        "test: line 101",
        "scrolled: the view stays put"
    );
    // Past the cap the oldest lines go (0 to 9 here), and the view still stays put.
    app.update(numbered(110, 400));
    assert_eq!(app.log.lines.front().unwrap().text, "test: line 10");
    assert_eq!(last_shown(&app), "test: line 101");
    app.update(key('G'));
    assert_eq!(last_shown(&app), "test: line 509");
}

/// The session: a restore done (its wizard closed), a verify that found a mismatch, a backup
/// on its way; the log with info, a warning and an error, the newest last. Now is 12:01:30.
fn busy(size: (u16, u16)) -> App {
    // A restore from 12:00:00, committed 45 s later, its wizard closed.
    let (mut app, job) = running(size);
    tick(&mut app, 45);
    app.update(Action::RestoreFinished {
        job,
        outcome: Box::new(outcome(End::Committed)),
    });
    app.update(code(KeyCode::Esc));
    assert!(app.wizard.is_none(), "the wizard closed");
    // Verify the mismatch archive (the fourth row) an hour ago; it took 1m 04s.
    app.update(Action::Tick(
        now()
            .checked_sub(jiff::SignedDuration::from_secs(3600))
            .unwrap(),
    ));
    for _ in 0..3 {
        app.update(key('j'));
    }
    let verify = match app.update(key('v')).as_slice() {
        [Effect::StartVerify { job, .. }] => *job,
        other => panic!("no verify started: {other:?}"),
    };
    app.update(Action::Tick(
        now()
            .checked_sub(jiff::SignedDuration::from_secs(3536))
            .unwrap(),
    ));
    app.update(Action::VerifyFinished {
        job: verify,
        verdict: Box::new(verdict(
            "tars-backup-20260104_030000.tar.gz",
            VerifyState::Mismatch,
            Some("integrity: the SHA-256 of the archive does not match its sidecar"),
        )),
    });
    app.update(code(KeyCode::Esc));
    // A backup started at 12:00:50, now on postgres.
    app.update(Action::StackLoaded(Ok(Box::new(StackStatus {
        profile: "tars-home".into(),
        output_dir: PathBuf::from(HOME),
        last_failed: None,
    }))));
    tick(&mut app, 50);
    app.update(key('B'));
    let backup = match app.update(key('y')).as_slice() {
        [Effect::StartBackup { job }] => *job,
        other => panic!("no backup started: {other:?}"),
    };
    app.update(Action::JobEvents {
        job: backup,
        events: vec![Event::StepStarted {
            step: "postgres".into(),
            label: "postgres: pg_dump of openwebui".into(),
            total: Some(212_000_000),
        }],
    });
    tick(&mut app, 90);
    app.update(code(KeyCode::Esc));
    let mut lines: Vec<LogLine> = (0..30)
        .map(|i| {
            line(
                Level::INFO,
                900 - i * 10,
                &format!("docker::volume: created a volume volume=\"lifeboat-stage-{i:02}\""),
            )
        })
        .collect();
    lines.push(line(
        Level::WARN,
        60,
        "backup: component redis is under half its size in the previous backup (3.0 MiB, now 1.2 MiB) profile=\"tars-home\"",
    ));
    lines.push(line(
        Level::ERROR,
        30,
        "docker::image: could not pull an image image=\"postgres:15\" \\x1b[2J",
    ));
    lines.push(line(
        Level::INFO,
        5,
        "docker::image: created a container from an image container=lifeboat-stage-pg image=postgres:15 id=9f2c",
    ));
    app.update(Action::Log(lines));
    app
}

#[test]
fn job_rows_name_every_job_of_the_session() {
    let app = busy((80, 24));
    let rows = app.job_rows();
    let shown: Vec<(&str, &str, &str, Tone)> = rows
        .iter()
        .map(|r| (r.kind, r.what.as_str(), r.status.as_str(), r.tone))
        .collect();
    assert_eq!(
        shown,
        vec![
            (
                "verify",
                "tars-backup-20260104_030000",
                "MISMATCH",
                Tone::Bad
            ),
            (
                "restore",
                "tars-backup-20260106_030000",
                "restored",
                Tone::Ok
            ),
            ("backup", "tars-home", "running: postgres", Tone::Running),
        ]
    );
}

#[test]
fn jobs_and_log() {
    let ui = Ui::new(false, false);
    for size in SIZES {
        let mut app = busy(size);
        app.update(key('J'));
        let t = draw(&app, &ui);
        insta::assert_snapshot!(format!("jobs_log_{}x{}", size.0, size.1), t.backend());
    }
}

#[test]
fn jobs_and_log_scrolled_back() {
    let ui = Ui::new(false, false);
    let mut app = busy((80, 24));
    app.update(key('J'));
    app.update(code(KeyCode::PageUp));
    let t = draw(&app, &ui);
    insta::assert_snapshot!("jobs_log_scrolled_80x24", t.backend());
}

#[test]
fn jobs_and_log_with_nothing_yet() {
    let ui = Ui::new(false, false);
    let mut app = app((80, 24));
    app.update(key('J'));
    let t = draw(&app, &ui);
    insta::assert_snapshot!("jobs_log_empty_80x24", t.backend());
}

/// `NO_COLOR` and `--ascii`: no colour and not one glyph outside ASCII; warnings still stand
/// out (bold) and say their level in words.
#[test]
fn jobs_and_log_in_monochrome_ascii() {
    let ui = Ui::new(true, true);
    let mut app = busy((80, 24));
    app.update(key('J'));
    let t = draw(&app, &ui);
    insta::assert_snapshot!("jobs_log_mono_ascii_80x24", t.backend());
    assert!(screen_text(&t).is_ascii(), "{}", t.backend());
    let buf = t.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "monochrome sets no colour"
    );
}

#[test]
fn browser_says_a_warning_arrived() {
    let ui = Ui::new(false, false);
    let mut app = app((80, 24));
    app.update(Action::Log(vec![line(
        Level::WARN,
        20,
        "backup: low space",
    )]));
    let t = draw(&app, &ui);
    insta::assert_snapshot!("browser_log_warning_80x24", t.backend());
}
