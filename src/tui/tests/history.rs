//! The size history through `App::update` and as insta snapshots: which archives count (the
//! engine's baseline test: committed, not safety, same profile), the series oldest to newest,
//! the shrink rule on the newest, scrolling at 80x24, monochrome and ASCII.

use crossterm::event::KeyCode;
use ratatui::style::Color;

use crate::engine::backup::Shrink;
use crate::engine::catalog::{ArchiveInfo, ListState};
use crate::tui::keys::table::Context;
use crate::tui::state::action::Action;
use crate::tui::state::app::{App, Screen};
use crate::tui::tests::fixtures::*;
use crate::tui::tests::screens::{draw, screen_text};
use crate::tui::theme::Ui;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// Eight nightly backups of `components` (name, size on night 1, growth per night), the
/// newest on 2026-01-06; `last` overrides sizes in the newest one.
fn nightly(components: &[(&str, u64, u64)], last: &[(&str, u64)]) -> Vec<ArchiveInfo> {
    (0..8u64)
        .map(|i| {
            let day = 6 - (7 - i as i64);
            let (y, m, d) = if day >= 1 {
                (2026, 1, day)
            } else {
                (2025, 12, 31 + day)
            };
            let stem = format!("tars-backup-{y}{m:02}{d:02}_030000");
            let ts = format!("{y}-{m:02}-{d:02}T03:00:00+00:00");
            let sizes: Vec<(String, u64)> = components
                .iter()
                .map(|(n, base, grow)| {
                    let over = last.iter().find(|(l, _)| l == n).filter(|_| i == 7);
                    (n.to_string(), over.map_or(base + grow * i, |(_, s)| *s))
                })
                .collect();
            let parts: Vec<(&str, &str, &str, u64)> = sizes
                .iter()
                .map(|(n, s)| (n.as_str(), "files", n.as_str(), *s))
                .collect();
            ArchiveInfo {
                file: format!("{stem}.tar.gz"),
                path: format!("{HOME}/{stem}.tar.gz").into(),
                state: ListState::NotVerified,
                verified_at: None,
                reason: None,
                partial: false,
                size: Some(sizes.iter().map(|(_, s)| s).sum()),
                manifest: Some(manifest(&stem, &ts, &parts)),
                manifest_problem: None,
            }
        })
        .collect()
}

const STACK: &[(&str, u64, u64)] = &[
    ("chromadb", 40_000_000, 1_200_000),
    ("postgres", 200_000_000, 2_000_000),
    ("redis", 3_000_000, 20_000),
    ("configuration", 4_096, 0),
];

/// The home folder holds eight nightlies; redis shrank in the newest when `shrunk`.
fn nightly_app(size: (u16, u16), shrunk: bool, components: &[(&str, u64, u64)]) -> App {
    let mut app = App::new(
        vec![(HOME.into(), false)],
        now(),
        jiff::tz::TimeZone::UTC,
        size,
        true,
    );
    let last: &[(&str, u64)] = if shrunk { &[("redis", 1_200_000)] } else { &[] };
    app.update(Action::FolderListed {
        folder: 0,
        result: Ok(nightly(components, last)),
    });
    app
}

fn snap(name: &str, make: impl Fn((u16, u16)) -> App) {
    let ui = Ui::new(false, false);
    for size in SIZES {
        let t = draw(&make(size), &ui);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), t.backend());
    }
}

#[test]
fn only_committed_non_safety_archives_of_the_profile_count_oldest_first() {
    let app = app((80, 24));
    // Verified (6th) and not verified (5th); the mismatch, the uncommitted one, the orphan,
    // the safety backup and the unread version-1 archive do not count.
    let h = app.history(Some("tars-home"));
    assert_eq!(h.archives, 2);
    let redis = h.series.iter().find(|s| s.component == "redis").unwrap();
    assert_eq!(redis.sizes, vec![Some(3_100_000), Some(3_100_000)]);
    let conf = h
        .series
        .iter()
        .find(|s| s.component == "configuration")
        .unwrap();
    assert_eq!(conf.sizes, vec![None, Some(4_096)], "failed on the 5th");
    assert_eq!(h.shrunk(), 0);
    assert!(app.history(Some("another")).series.is_empty());
}

#[test]
fn the_newest_archive_under_half_its_predecessor_trips_the_engine_rule() {
    let app = nightly_app((80, 24), true, STACK);
    let h = app.history(Some("tars-home"));
    assert_eq!(h.archives, 8);
    let redis = h.series.iter().find(|s| s.component == "redis").unwrap();
    assert_eq!(
        redis.shrink,
        Some(Shrink::UnderHalf {
            size: 1_200_000,
            previous: 3_120_000
        })
    );
    assert_eq!(
        (redis.min(), redis.max()),
        (Some(1_200_000), Some(3_120_000))
    );
    assert_eq!(redis.latest(), Some(1_200_000));
    assert_eq!(h.shrunk(), 1);
    let app = nightly_app((80, 24), false, STACK);
    assert_eq!(app.history(Some("tars-home")).shrunk(), 0);
}

#[test]
fn h_opens_the_selected_archives_profile_and_esc_goes_back() {
    let mut app = app((80, 24));
    app.update(key('H'));
    assert_eq!(
        app.screens,
        vec![Screen::History {
            profile: Some("tars-home".into()),
            scroll: 0
        }]
    );
    assert_eq!(app.context(), Context::History);
    app.update(code(KeyCode::Esc));
    assert!(app.screens.is_empty());
}

#[test]
fn h_on_an_archive_whose_manifest_is_not_read_says_so() {
    let mut app = app((80, 24));
    app.update(key('G'));
    app.update(key('H'));
    assert!(app.screens.is_empty());
    assert!(app.message.as_deref().unwrap().contains("not known yet"));
}

/// Nine components at 80x24: six fit, so it scrolls three and no further.
#[test]
fn scrolling_stops_at_the_last_component() {
    let many: Vec<(String, u64, u64)> = (1..=9)
        .map(|i| (format!("part{i}"), i * 1_000_000, 1000))
        .collect();
    let many: Vec<(&str, u64, u64)> = many.iter().map(|(n, a, b)| (n.as_str(), *a, *b)).collect();
    let mut app = nightly_app((80, 24), false, &many);
    app.update(key('H'));
    app.update(key('G'));
    assert!(matches!(
        app.screens.last(),
        Some(Screen::History { scroll: 3, .. })
    ));
    app.update(key('j'));
    assert!(matches!(
        app.screens.last(),
        Some(Screen::History { scroll: 3, .. })
    ));
    let text = screen_text(&draw(&app, &Ui::new(false, false)));
    assert!(text.contains("components 4-9 of 9") && text.contains("part9"));
    app.update(key('g'));
    assert!(matches!(
        app.screens.last(),
        Some(Screen::History { scroll: 0, .. })
    ));
}

#[test]
fn history_of_the_fixture_folders() {
    snap("history", |size| {
        let mut app = app(size);
        app.update(key('H'));
        app
    });
}

#[test]
fn history_with_a_shrink_warning() {
    snap("history_shrink", |size| {
        let mut app = nightly_app(size, true, STACK);
        app.update(key('H'));
        app
    });
}

/// `--ascii` and NO_COLOR: not one non-ASCII glyph, not one colour.
#[test]
fn history_in_ascii_and_monochrome() {
    let mut app = nightly_app((80, 24), true, STACK);
    app.update(key('H'));
    let t = draw(&app, &Ui::new(true, true));
    insta::assert_snapshot!("history_ascii_mono_80x24", t.backend());
    assert!(screen_text(&t).is_ascii(), "{}", t.backend());
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
}
