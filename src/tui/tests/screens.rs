//! Every screen drawn into ratatui's `TestBackend` and compared with the committed
//! snapshots in `src/tui/tests/snapshots/` (insta), at 80x24 (the size the console must be fully
//! usable at) and at 160x48. Snapshots hold text only; the monochrome and ASCII themes are
//! checked cell by cell here as well.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

use crate::engine::progress::Event;
use crate::engine::verify::VerifyState;
use crate::tui::screens;
use crate::tui::state::action::Action;
use crate::tui::state::app::App;
use crate::tui::tests::fixtures::*;
use crate::tui::theme::Ui;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

pub(super) fn draw(app: &App, ui: &Ui) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| screens::draw(f, app, ui)).unwrap();
    t
}

/// Snapshots the app `make` builds at both sizes, as `<name>_<w>x<h>`.
fn snap(name: &str, make: impl Fn((u16, u16)) -> App) {
    let ui = Ui::new(false, false);
    for size in SIZES {
        let app = make(size);
        let t = draw(&app, &ui);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), t.backend());
    }
}

pub(super) fn screen_text(t: &Terminal<TestBackend>) -> String {
    t.backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect()
}

#[test]
fn browser_with_every_state() {
    snap("browser", |size| {
        let mut app = app(size);
        app.update(key('j'));
        app.update(key('j'));
        app
    });
}

#[test]
fn browser_with_a_text_and_a_component_filter() {
    snap("browser_filtered", |size| {
        let mut app = app(size);
        app.update(key('/'));
        for c in "tars-backup".chars() {
            app.update(key(c));
        }
        app.update(code(KeyCode::Enter));
        app.update(key('c'));
        app.update(key('c'));
        app
    });
}

#[test]
fn browser_while_typing_a_filter_that_matches_nothing() {
    snap("browser_filter_none", |size| {
        let mut app = app(size);
        app.update(key('/'));
        for c in "zzz".chars() {
            app.update(key(c));
        }
        app
    });
}

#[test]
fn browser_of_a_folder_not_created_yet() {
    snap("browser_empty", empty_app);
}

#[test]
fn browser_selecting_a_mismatch() {
    snap("browser_mismatch", |size| {
        let mut app = app(size);
        for _ in 0..3 {
            app.update(key('j'));
        }
        app
    });
}

/// NO_COLOR: no colour in any cell, the selection reversed.
#[test]
fn browser_in_the_monochrome_theme() {
    let ui = Ui::new(true, false);
    let mut app = app((80, 24));
    app.update(key('j'));
    let t = draw(&app, &ui);
    insta::assert_snapshot!("browser_mono_80x24", t.backend());
    let buf = t.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "monochrome sets no colour"
    );
    // The selected row is the second archive: row 2 (header) + 1 (border) + 1 (columns) + 1.
    let y = 5;
    let reversed = (1..79).filter(|&x| buf[(x, y)].modifier.contains(Modifier::REVERSED));
    assert!(reversed.count() > 70, "the selected row is reversed");
    assert!(!buf[(2, 4)].modifier.contains(Modifier::REVERSED));
}

/// `--ascii`: not one glyph outside ASCII on the screen.
#[test]
fn browser_in_ascii() {
    let ui = Ui::new(false, true);
    let app = app((80, 24));
    let t = draw(&app, &ui);
    insta::assert_snapshot!("browser_ascii_80x24", t.backend());
    assert!(screen_text(&t).is_ascii(), "{}", t.backend());
}

#[test]
fn manifest_view() {
    snap("manifest", |size| {
        let mut app = app(size);
        app.update(key('j'));
        app.update(key('j'));
        app.update(code(KeyCode::Enter));
        app
    });
}

#[test]
fn manifest_view_scrolled_to_the_end() {
    snap("manifest_end", |size| {
        let mut app = app(size);
        app.update(code(KeyCode::Enter));
        app.update(key('G'));
        app
    });
}

#[test]
fn manifest_view_of_a_mismatch_wraps_the_reason() {
    snap("manifest_mismatch", |size| {
        let mut app = app(size);
        for _ in 0..3 {
            app.update(key('j'));
        }
        app.update(code(KeyCode::Enter));
        app
    });
}

/// An escape sequence in a manifest reaches the screen as visible text, never as ESC.
#[test]
fn archive_strings_are_sanitised() {
    let mut app = app((160, 48));
    app.update(key('j'));
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    let t = draw(&app, &Ui::new(false, false));
    let text = screen_text(&t);
    assert!(text.contains("home\\x1b[2Jserver"), "{}", t.backend());
    assert!(!text.contains('\x1b'));
}

/// A verify of the third archive, `at` seconds in, `done` bytes read.
fn verifying(size: (u16, u16), done: u64, at: i64) -> App {
    let mut app = app(size);
    app.update(key('j'));
    app.update(key('j'));
    app.update(key('v'));
    app.update(Action::JobEvents {
        job: 1,
        events: vec![Event::StepStarted {
            step: "read".into(),
            label: "reading tars-backup-20260105_030000.tar.gz".into(),
            total: Some(262_900_000),
        }],
    });
    app.update(Action::JobProgress {
        job: 1,
        steps: vec![("read".into(), done, Some(262_900_000))],
    });
    app.update(Action::Tick(
        now()
            .checked_add(jiff::SignedDuration::from_secs(at))
            .unwrap(),
    ));
    app
}

#[test]
fn verify_at_zero() {
    snap("verify_0", |size| verifying(size, 0, 0));
}

#[test]
fn verify_half_way() {
    snap("verify_45", |size| verifying(size, 118_305_000, 12));
}

#[test]
fn verify_passed() {
    snap("verify_ok", |size| {
        let mut app = verifying(size, 262_900_000, 27);
        app.update(Action::VerifyFinished {
            job: 1,
            verdict: Box::new(verdict(
                "tars-backup-20260105_030000.tar.gz",
                VerifyState::Verified,
                None,
            )),
        });
        app
    });
}

#[test]
fn verify_failed_with_a_mismatch() {
    snap("verify_mismatch", |size| {
        let mut app = verifying(size, 200_000_000, 20);
        app.update(Action::VerifyFinished {
            job: 1,
            verdict: Box::new(verdict(
                "tars-backup-20260105_030000.tar.gz",
                VerifyState::Mismatch,
                Some(
                    "tars-backup-20260105_030000.tar.gz: integrity: postgres.sql.gz: SHA-256 \
                     differs from the manifest (expected 0000abc1..., got 9f2c...)",
                ),
            )),
        });
        app
    });
}

#[test]
fn verify_cancelled() {
    snap("verify_cancelled", |size| {
        let mut app = verifying(size, 60_000_000, 8);
        app.update(code(KeyCode::Esc));
        app.update(Action::VerifyFinished {
            job: 1,
            verdict: Box::new(verdict(
                "tars-backup-20260105_030000.tar.gz",
                VerifyState::Cancelled,
                Some("cancelled"),
            )),
        });
        app
    });
}

#[test]
fn verify_cancelling() {
    snap("verify_cancelling", |size| {
        let mut app = verifying(size, 60_000_000, 8);
        app.update(code(KeyCode::Esc));
        app
    });
}

#[test]
fn help_over_the_browser() {
    snap("help_browser", |size| {
        let mut app = app(size);
        app.update(key('?'));
        app
    });
}

#[test]
fn help_over_a_running_verify() {
    snap("help_verify", |size| {
        let mut app = verifying(size, 0, 0);
        app.update(key('?'));
        app
    });
}

#[test]
fn quit_while_a_verify_runs_asks_first() {
    snap("confirm_quit", |size| {
        let mut app = verifying(size, 118_305_000, 12);
        app.update(key('q'));
        app.update(ctrl('c'));
        app
    });
}

#[test]
fn too_small() {
    let ui = Ui::new(false, false);
    for size in [(59, 24), (80, 15), (30, 6)] {
        let app = app(size);
        let t = draw(&app, &ui);
        insta::assert_snapshot!(format!("too_small_{}x{}", size.0, size.1), t.backend());
        assert!(screen_text(&t).contains("terminal too small"));
    }
    // The smallest size that is not too small draws the browser.
    let t = draw(&app((60, 16)), &ui);
    insta::assert_snapshot!("browser_60x16", t.backend());
}
