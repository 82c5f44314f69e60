//! The stack status in the header and "backup now", through `App::update` with scripted job
//! reports (the fake engine's side of the effects), and their screens as insta snapshots at
//! 80x24 and 160x48: the header with a failed run, the question, the run at 0 % and half-way,
//! failed, and committed with a shrink warning.

use std::path::PathBuf;

use crossterm::event::KeyCode;

use crate::engine::progress::{Event, StepOutcome};
use crate::engine::runs::Run;
use crate::tui::keys::table::Context;
use crate::tui::state::action::Action;
use crate::tui::state::app::{App, FolderStatus, Screen};
use crate::tui::state::backup::{BackupEnd, StackStatus};
use crate::tui::state::effect::Effect;
use crate::tui::tests::fixtures::*;
use crate::tui::tests::screens::{draw, screen_text};
use crate::tui::theme::Ui;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn run(end: &str, code: u8, reason: &str) -> Run {
    Run {
        start: "2026-01-06T10:58:00Z".into(),
        end: end.into(),
        profile: "tars-home".into(),
        exit_code: code,
        reason: Some(reason.into()),
        archive: None,
    }
}

/// The stack as the fake engine reports it, with `failed` as the last failed run.
fn stack(failed: Option<Run>) -> Action {
    Action::StackLoaded(Ok(Box::new(StackStatus {
        profile: "tars-home".into(),
        output_dir: PathBuf::from(HOME),
        last_failed: failed,
    })))
}

/// Failed an hour ago, after the newest committed backup (03:00 today).
fn failing() -> Run {
    run(
        "2026-01-06T11:00:00Z",
        12,
        "every selected component failed; nothing committed (first: postgres: the password \
         file /run/secrets/pg is not readable)",
    )
}

fn with_stack(size: (u16, u16)) -> App {
    let mut app = app(size);
    app.update(stack(None));
    app
}

/// `B`, `y`: the backup runs as job 1.
fn backing_up(size: (u16, u16)) -> App {
    let mut app = with_stack(size);
    app.update(key('B'));
    app.update(key('y'));
    app
}

/// The run `at` seconds in: chromadb done, postgres `done` bytes of 212 MB.
fn mid_way(size: (u16, u16), done: u64, at: i64) -> App {
    let mut app = backing_up(size);
    app.update(Action::JobEvents {
        job: 1,
        events: vec![
            Event::JobStarted {
                job: "backup".into(),
                target: HOME.into(),
            },
            Event::StepStarted {
                step: "chromadb".into(),
                label: "chromadb: copy of volume tars-home_chroma_data".into(),
                total: Some(48_300_000),
            },
            Event::StepFinished {
                step: "chromadb".into(),
                outcome: StepOutcome::Ok,
                detail: None,
            },
            Event::StepStarted {
                step: "postgres".into(),
                label: "postgres: pg_dump of openwebui".into(),
                total: Some(212_000_000),
            },
        ],
    });
    app.update(Action::JobProgress {
        job: 1,
        steps: vec![("postgres".into(), done, Some(212_000_000))],
    });
    app.update(Action::Tick(
        now()
            .checked_add(jiff::SignedDuration::from_secs(at))
            .unwrap(),
    ));
    app
}

fn committed() -> BackupEnd {
    BackupEnd {
        exit_code: 3,
        archive: Some((
            PathBuf::from(HOME).join("tars-backup-20260106_120000.tar.gz"),
            264_100_000,
        )),
        captured: vec![
            "chromadb".into(),
            "postgres".into(),
            "redis".into(),
            "configuration".into(),
        ],
        failed: Vec::new(),
        warnings: vec![
            "component redis is 1200000 bytes, under half of the 3100000 bytes it had in the \
             previous backup: was it taken from the wrong place?"
                .into(),
        ],
        restarted: vec!["tars-redis (down 1.2 s)".into()],
        error: None,
    }
}

fn snap(name: &str, make: impl Fn((u16, u16)) -> App) {
    let ui = Ui::new(false, false);
    for size in SIZES {
        let t = draw(&make(size), &ui);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), t.backend());
    }
}

// --- the header ---------------------------------------------------------------------------

#[test]
fn a_failed_run_newer_than_the_last_backup_is_shown_and_takes_a_list_row() {
    let mut app = app((80, 24));
    let rows = app.list_rows();
    app.update(stack(Some(failing())));
    assert_eq!(app.failed_run_to_show(), Some(&failing()));
    assert_eq!(app.list_rows(), rows - 1, "the header grew a line");
}

#[test]
fn a_failed_run_followed_by_a_good_backup_is_history_not_shown() {
    let mut app = app((80, 24));
    // 20:00 on the 5th; the newest committed backup was captured at 03:00 on the 6th.
    app.update(stack(Some(run("2026-01-05T20:00:00Z", 1, "disk full"))));
    assert_eq!(app.failed_run_to_show(), None);
    let t = draw(&app, &Ui::new(false, false));
    assert!(!screen_text(&t).contains("last failed"));
}

#[test]
fn a_failed_run_with_no_committed_backup_at_all_is_shown() {
    let mut app = empty_app((80, 24));
    app.update(stack(Some(run("2025-12-01T00:00:00Z", 11, "locked"))));
    assert!(app.failed_run_to_show().is_some());
}

#[test]
fn no_stack_status_shows_nothing_and_blocks_no_browsing() {
    let mut app = app((80, 24));
    app.update(Action::StackLoaded(Err("unknown profile \"x\"".into())));
    assert_eq!(app.failed_run_to_show(), None);
    app.update(key('j'));
    assert_eq!(app.browser.selected, 1);
}

#[test]
fn header_with_a_failed_run() {
    snap("header_failed_run", |size| {
        let mut app = app(size);
        app.update(stack(Some(failing())));
        app
    });
}

// --- backup now: the question -------------------------------------------------------------

#[test]
fn b_asks_first_naming_the_profile_and_the_folder_and_n_changes_nothing() {
    let mut app = with_stack((80, 24));
    assert!(app.update(key('B')).is_empty(), "nothing runs before yes");
    assert_eq!(app.context(), Context::BackupConfirm);
    let text = screen_text(&draw(&app, &Ui::new(false, false)));
    assert!(
        text.contains("tars-home") && text.contains(HOME),
        "names both"
    );
    assert!(app.update(key('n')).is_empty());
    assert!(app.screens.is_empty());
    assert!(app.backup.is_none());
    app.update(key('B'));
    assert!(app.update(code(KeyCode::Esc)).is_empty());
    assert!(app.backup.is_none());
}

#[test]
fn b_before_the_stack_is_known_or_without_one_says_why() {
    let mut app = app((80, 24));
    app.update(key('B'));
    assert!(app.screens.is_empty());
    assert!(app.message.as_deref().unwrap().contains("still reading"));
    app.update(Action::StackLoaded(Err("no state folder".into())));
    app.update(key('B'));
    assert!(app.screens.is_empty());
    assert!(app.message.as_deref().unwrap().contains("no state folder"));
}

#[test]
fn b_while_a_verify_runs_waits_for_it() {
    let mut app = with_stack((80, 24));
    app.update(key('v'));
    app.update(code(KeyCode::Esc)); // cancel asked; still running until it reports
    app.screens.clear();
    app.update(key('B'));
    assert!(app.message.as_deref().unwrap().contains("a job is running"));
    assert!(app.screens.is_empty());
}

#[test]
fn backup_question() {
    snap("backup_confirm", |size| {
        let mut app = with_stack(size);
        app.update(key('B'));
        app
    });
}

// --- backup now: the run ------------------------------------------------------------------

#[test]
fn y_starts_the_backup_whose_reports_land_in_its_log() {
    let mut app = with_stack((80, 24));
    app.update(key('B'));
    assert_eq!(app.update(key('y')), vec![Effect::StartBackup { job: 1 }]);
    assert_eq!(app.context(), Context::BackupRunning);
    assert!(app.busy());
    let app = mid_way((80, 24), 106_000_000, 20);
    let b = app.backup.as_ref().unwrap();
    assert_eq!(b.log.steps.len(), 2);
    assert_eq!(b.log.steps[0].outcome, Some(StepOutcome::Ok));
    assert_eq!(b.log.steps[1].done, 106_000_000);
}

#[test]
fn c_cancels_once_and_esc_hides_the_run_behind_the_browser() {
    let mut app = mid_way((80, 24), 1, 1);
    assert_eq!(app.update(key('c')), vec![Effect::CancelJob { job: 1 }]);
    assert!(app.backup.as_ref().unwrap().cancelling);
    assert!(app.update(key('c')).is_empty(), "asked once");
    app.update(code(KeyCode::Esc));
    assert!(app.screens.is_empty());
    let text = screen_text(&draw(&app, &Ui::new(false, false)));
    assert!(
        text.contains("cancelling backup of tars-home"),
        "status line"
    );
    app.update(key('B'));
    assert_eq!(app.screens, vec![Screen::Backup], "B shows it again");
}

#[test]
fn the_end_records_the_run_and_reads_the_folders_and_the_stack_again() {
    let mut app = mid_way((80, 24), 212_000_000, 40);
    let effects = app.update(Action::BackupFinished {
        job: 1,
        end: Box::new(committed()),
    });
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::ListFolder { .. }))
            .count(),
        2
    );
    assert!(effects.contains(&Effect::LoadStack));
    assert!(
        app.folders
            .iter()
            .all(|f| f.status == FolderStatus::Loading)
    );
    assert_eq!(app.context(), Context::BackupDone);
    assert!(!app.busy());
    assert!(app.history[0].starts_with("backup of tars-home committed"));
    assert!(app.summary().iter().any(|l| l.contains("(exit 3)")));
    app.update(code(KeyCode::Esc));
    assert!(app.screens.is_empty());
}

#[test]
fn an_archive_written_to_a_folder_not_listed_adds_that_folder() {
    let mut app = backing_up((80, 24));
    let mut end = committed();
    end.archive = Some((PathBuf::from("/srv/elsewhere/tars-backup-x.tar.gz"), 1));
    let effects = app.update(Action::BackupFinished {
        job: 1,
        end: Box::new(end),
    });
    assert_eq!(app.folders.len(), 3);
    assert!(effects.contains(&Effect::ListFolder {
        folder: 2,
        dir: "/srv/elsewhere".into()
    }));
}

#[test]
fn quitting_during_a_backup_asks_then_waits_for_it() {
    let mut app = mid_way((80, 24), 1, 1);
    app.update(ctrl('c'));
    assert!(app.confirm_quit);
    assert_eq!(app.update(key('y')), vec![Effect::CancelJob { job: 1 }]);
    let effects = app.update(Action::BackupFinished {
        job: 1,
        end: Box::new(BackupEnd::failed(20, "cancelled".into())),
    });
    assert_eq!(effects.last(), Some(&Effect::Quit));
}

#[test]
fn backup_at_zero() {
    snap("backup_0", |size| {
        let mut app = backing_up(size);
        app.update(Action::JobEvents {
            job: 1,
            events: vec![Event::StepStarted {
                step: "chromadb".into(),
                label: "chromadb: copy of volume tars-home_chroma_data".into(),
                total: Some(48_300_000),
            }],
        });
        app
    });
}

#[test]
fn backup_half_way() {
    snap("backup_50", |size| mid_way(size, 106_000_000, 20));
}

#[test]
fn backup_failed() {
    snap("backup_failed", |size| {
        let mut app = mid_way(size, 3_000, 25);
        app.update(Action::JobEvents {
            job: 1,
            events: vec![Event::Warning {
                message: "postgres failed: the password file /run/secrets/pg is not readable"
                    .into(),
            }],
        });
        app.update(Action::BackupFinished {
            job: 1,
            end: Box::new(BackupEnd::failed(
                12,
                "every selected component failed; nothing committed (first: the password file \
                 /run/secrets/pg is not readable)"
                    .into(),
            )),
        });
        app
    });
}

#[test]
fn backup_done_with_a_shrink_warning() {
    snap("backup_done", |size| {
        let mut app = mid_way(size, 212_000_000, 41);
        app.update(Action::BackupFinished {
            job: 1,
            end: Box::new(committed()),
        });
        app
    });
}
