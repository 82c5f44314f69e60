//! `App::update` on state alone: keys and job reports in, state and effects out.

use std::path::PathBuf;

use crossterm::event::KeyCode;

use crate::engine::catalog::ListState;
use crate::engine::progress::{Event, StepOutcome};
use crate::engine::verify::VerifyState;
use crate::tui::keys::table::Context;
use crate::tui::state::action::Action;
use crate::tui::state::app::{Leaving, Screen};
use crate::tui::state::effect::Effect;
use crate::tui::state::job::JobStatus;
use crate::tui::tests::fixtures::*;

fn files(app: &crate::tui::state::app::App) -> Vec<String> {
    app.visible()
        .iter()
        .map(|&i| app.entries[i].info.file.clone())
        .collect()
}

fn selected_file(app: &crate::tui::state::app::App) -> String {
    app.selected()
        .map(|e| e.info.file.clone())
        .unwrap_or_default()
}

fn home(file: &str) -> PathBuf {
    PathBuf::from(HOME).join(file)
}

#[test]
fn starts_by_listing_every_folder() {
    let app = crate::tui::state::app::App::new(
        vec![(HOME.into(), false), (NAS.into(), true)],
        now(),
        jiff::tz::TimeZone::UTC,
        (80, 24),
        true,
    );
    assert_eq!(
        app.init(),
        vec![
            Effect::ListFolder {
                folder: 0,
                dir: HOME.into()
            },
            Effect::ListFolder {
                folder: 1,
                dir: NAS.into()
            },
        ]
    );
}

#[test]
fn archives_of_every_folder_are_listed_newest_first() {
    let app = app((80, 24));
    assert_eq!(
        files(&app),
        [
            "tars-backup-20260106_030000.tar.gz",
            "lifeboat-safety-tars-home-20260105_120000.tar.gz",
            "tars-backup-20260105_030000.tar.gz",
            "tars-backup-20260104_030000.tar.gz",
            "tars-backup-20260103_030000.tar.gz",
            "tars-backup-20260102_030000.tar.gz",
            "tars-backup-20251231_030000.tar.gz",
        ]
    );
}

#[test]
fn unknown_manifests_are_read_in_the_background() {
    let mut app = app((80, 24));
    let effects = app.update(Action::FolderListed {
        folder: 1,
        result: Ok(nas_listing()),
    });
    let v1 = PathBuf::from(NAS).join("tars-backup-20251231_030000.tar.gz");
    assert_eq!(
        effects,
        vec![Effect::LoadManifests {
            archives: vec![v1.clone()]
        }]
    );
    assert!(app.entry(&v1).unwrap().manifest_pending);
    let m = manifest(
        "tars-backup-20251231_030000",
        "2025-12-31T03:00:00+00:00",
        &[],
    );
    app.update(Action::ManifestLoaded {
        archive: v1.clone(),
        result: Ok(Box::new(m)),
    });
    let e = app.entry(&v1).unwrap();
    assert!(!e.manifest_pending && e.info.manifest.is_some());
    app.update(Action::ManifestLoaded {
        archive: v1.clone(),
        result: Err("truncated".into()),
    });
    assert_eq!(
        app.entry(&v1).unwrap().info.manifest_problem.as_deref(),
        Some("truncated")
    );
}

#[test]
fn arrows_and_jk_move_within_the_list() {
    let mut app = app((80, 24));
    assert_eq!(app.browser.selected, 0);
    app.update(key('j'));
    app.update(code(KeyCode::Down));
    assert_eq!(selected_file(&app), "tars-backup-20260105_030000.tar.gz");
    app.update(key('k'));
    app.update(code(KeyCode::Up));
    app.update(code(KeyCode::Up));
    assert_eq!(app.browser.selected, 0, "stops at the top");
    app.update(key('G'));
    assert_eq!(app.browser.selected, 6);
    app.update(key('j'));
    assert_eq!(app.browser.selected, 6, "stops at the bottom");
    app.update(code(KeyCode::Home));
    assert_eq!(app.browser.selected, 0);
}

#[test]
fn a_small_terminal_scrolls_the_list_and_a_resize_keeps_the_selection_in_view() {
    let mut app = app((60, 16));
    let rows = app.list_rows();
    assert!(rows < 7, "the list does not fit: {rows} rows");
    app.update(key('G'));
    assert_eq!(app.browser.offset, 7 - rows);
    app.update(Action::Resize(80, 40));
    assert_eq!(app.browser.offset, 0, "everything fits again");
    assert_eq!(app.browser.selected, 6);
}

#[test]
fn enter_opens_the_manifest_and_esc_or_q_comes_back() {
    let mut app = app((80, 24));
    app.update(key('j'));
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    assert_eq!(
        app.screens,
        vec![Screen::Manifest {
            archive: PathBuf::from(NAS).join("lifeboat-safety-tars-home-20260105_120000.tar.gz"),
            scroll: 0
        }]
    );
    assert_eq!(app.context(), Context::Manifest);
    app.update(code(KeyCode::Esc));
    assert!(app.screens.is_empty());
    app.update(code(KeyCode::Enter));
    assert!(
        app.update(key('q')).is_empty(),
        "q leaves the manifest, not lifeboat"
    );
    assert!(app.screens.is_empty() && app.leaving.is_none());
}

#[test]
fn the_manifest_scrolls_within_its_length() {
    let mut app = app((80, 24));
    app.update(code(KeyCode::Enter));
    app.update(key('G'));
    let Some(Screen::Manifest { scroll: end, .. }) = app.screens.last().cloned() else {
        panic!("manifest screen");
    };
    assert!(end > 0, "the manifest is longer than the screen");
    app.update(key('j'));
    assert_eq!(
        app.screens.last(),
        Some(&Screen::Manifest {
            archive: home("tars-backup-20260106_030000.tar.gz"),
            scroll: end
        }),
        "no scrolling past the end"
    );
    app.update(key('k'));
    app.update(key('g'));
    assert!(matches!(
        app.screens.last(),
        Some(Screen::Manifest { scroll: 0, .. })
    ));
}

#[test]
fn slash_filters_by_text_as_it_is_typed() {
    let mut app = app((80, 24));
    app.update(key('G'));
    app.update(key('/'));
    assert_eq!(app.context(), Context::FilterEdit);
    for c in "SAFETY".chars() {
        app.update(key(c));
    }
    assert_eq!(
        files(&app),
        ["lifeboat-safety-tars-home-20260105_120000.tar.gz"]
    );
    assert_eq!(app.browser.selected, 0, "the selection starts over");
    app.update(key('q'));
    assert_eq!(app.browser.filter.text, "SAFETYq", "q is text while typing");
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.context(), Context::Browser);
    assert_eq!(files(&app).len(), 1, "Enter keeps the filter");
    app.update(code(KeyCode::Esc));
    assert_eq!(files(&app).len(), 7, "Esc in the list clears it");
    app.update(key('/'));
    app.update(key('x'));
    app.update(code(KeyCode::Esc));
    assert!(
        app.browser.filter.text.is_empty(),
        "Esc while typing drops it"
    );
    // The host and profile match too.
    app.update(key('/'));
    "homeserver".chars().for_each(|c| {
        app.update(key(c));
    });
    assert_eq!(files(&app).len(), 4);
}

#[test]
fn c_cycles_through_components_then_off() {
    let mut app = app((80, 24));
    assert_eq!(
        app.components(),
        ["chromadb", "configuration", "postgres", "redis"]
    );
    app.update(key('c'));
    assert_eq!(app.browser.filter.component.as_deref(), Some("chromadb"));
    assert_eq!(files(&app).len(), 4);
    app.update(key('c'));
    assert_eq!(
        app.browser.filter.component.as_deref(),
        Some("configuration")
    );
    assert_eq!(
        files(&app).len(),
        3,
        "the backup whose configuration failed is out"
    );
    app.update(key('c'));
    app.update(key('c'));
    app.update(key('c'));
    assert_eq!(app.browser.filter.component, None);
    assert_eq!(files(&app).len(), 7);
}

#[test]
fn f_cycles_through_folders_then_off() {
    let mut app = app((80, 24));
    app.update(key('f'));
    assert_eq!(files(&app).len(), 5);
    app.update(key('f'));
    assert_eq!(files(&app).len(), 2);
    app.update(key('f'));
    assert_eq!(files(&app).len(), 7);
}

#[test]
fn r_reads_the_folders_again_and_the_selection_stays_on_its_archive() {
    let mut app = app((80, 24));
    app.update(key('j'));
    app.update(key('j'));
    let effects = app.update(key('r'));
    assert_eq!(effects.len(), 4);
    assert!(
        effects[..2]
            .iter()
            .all(|e| matches!(e, Effect::ListFolder { .. }))
    );
    assert_eq!(effects[2], Effect::LoadIncidents, "the recovery state too");
    assert_eq!(
        effects[3],
        Effect::LoadStack,
        "and the stack's last failed run"
    );
    // The NAS folder comes back first and empty: the home archive stays selected.
    app.update(Action::FolderListed {
        folder: 1,
        result: Ok(Vec::new()),
    });
    assert_eq!(selected_file(&app), "tars-backup-20260105_030000.tar.gz");
}

#[test]
fn v_runs_a_verify_whose_progress_and_verdict_land_in_the_state() {
    let mut app = app((80, 24));
    app.update(key('j'));
    app.update(key('j'));
    let archive = home("tars-backup-20260105_030000.tar.gz");
    assert_eq!(
        app.update(key('v')),
        vec![Effect::StartVerify {
            job: 1,
            archive: archive.clone()
        }]
    );
    assert_eq!(app.screens, vec![Screen::Verify { job: 1 }]);
    assert_eq!(app.context(), Context::VerifyRunning);
    app.update(Action::JobEvents {
        job: 1,
        events: vec![Event::StepStarted {
            step: "read".into(),
            label: "reading tars-backup-20260105_030000.tar.gz".into(),
            total: Some(1000),
        }],
    });
    app.update(Action::JobProgress {
        job: 1,
        steps: vec![("read".into(), 450, Some(1000))],
    });
    let s = &app.jobs[&1].log.steps[0];
    assert_eq!((s.done, s.total, s.outcome), (450, Some(1000), None));
    app.update(Action::JobEvents {
        job: 1,
        events: vec![Event::StepFinished {
            step: "read".into(),
            outcome: StepOutcome::Ok,
            detail: None,
        }],
    });
    let effects = app.update(Action::VerifyFinished {
        job: 1,
        verdict: Box::new(verdict(
            "tars-backup-20260105_030000.tar.gz",
            VerifyState::Verified,
            None,
        )),
    });
    assert!(effects.is_empty());
    assert_eq!(app.context(), Context::VerifyDone);
    let e = app.entry(&archive).unwrap();
    assert_eq!(
        e.info.state,
        ListState::Verified,
        "the badge turns verified"
    );
    assert_eq!(e.info.verified_at.as_deref(), Some(NOW));
    assert_eq!(app.jobs[&1].log.steps[0].done, 1000);
    app.update(code(KeyCode::Esc));
    assert!(app.screens.is_empty());
    assert_eq!(
        app.summary(),
        ["verify tars-backup-20260105_030000.tar.gz: verified"]
    );
}

#[test]
fn a_mismatch_turns_the_badge_and_keeps_the_reason() {
    let mut app = app((80, 24));
    app.update(key('j'));
    app.update(key('j'));
    app.update(key('v'));
    app.update(Action::VerifyFinished {
        job: 1,
        verdict: Box::new(verdict(
            "tars-backup-20260105_030000.tar.gz",
            VerifyState::Mismatch,
            Some("postgres.sql.gz: SHA-256 differs from the manifest"),
        )),
    });
    let e = app
        .entry(&home("tars-backup-20260105_030000.tar.gz"))
        .unwrap();
    assert_eq!(e.info.state, ListState::Mismatch);
    assert_eq!(
        e.info.reason.as_deref(),
        Some("postgres.sql.gz: SHA-256 differs from the manifest")
    );
}

#[test]
fn esc_or_c_cancels_a_running_verify_and_the_badge_stays() {
    for cancel_key in [code(KeyCode::Esc), key('c')] {
        let mut app = app((80, 24));
        app.update(key('j'));
        app.update(key('j'));
        app.update(key('v'));
        assert_eq!(app.update(cancel_key), vec![Effect::CancelJob { job: 1 }]);
        assert!(matches!(app.jobs[&1].status, JobStatus::Cancelling));
        assert_eq!(app.screens.len(), 1, "the screen stays to show the outcome");
        app.update(Action::VerifyFinished {
            job: 1,
            verdict: Box::new(verdict(
                "tars-backup-20260105_030000.tar.gz",
                VerifyState::Cancelled,
                Some("cancelled"),
            )),
        });
        assert_eq!(app.context(), Context::VerifyDone);
        let e = app
            .entry(&home("tars-backup-20260105_030000.tar.gz"))
            .unwrap();
        assert_eq!(e.info.state, ListState::NotVerified);
    }
}

#[test]
fn v_on_a_finished_verify_starts_a_new_job_in_its_place() {
    let mut app = app((80, 24));
    app.update(key('v'));
    app.update(Action::VerifyFinished {
        job: 1,
        verdict: Box::new(verdict(
            "tars-backup-20260106_030000.tar.gz",
            VerifyState::Verified,
            None,
        )),
    });
    let effects = app.update(key('v'));
    assert_eq!(
        effects,
        vec![Effect::StartVerify {
            job: 2,
            archive: home("tars-backup-20260106_030000.tar.gz")
        }]
    );
    assert_eq!(app.screens, vec![Screen::Verify { job: 2 }]);
}

#[test]
fn quitting_with_nothing_running_quits_at_once() {
    let mut app = app((80, 24));
    assert_eq!(app.update(key('q')), vec![Effect::Quit]);
    assert_eq!(app.exit_code(), 0);
    let mut app = self::app((80, 24));
    app.update(code(KeyCode::Enter));
    assert_eq!(
        app.update(ctrl('c')),
        vec![Effect::Quit],
        "Ctrl-C from any screen"
    );
}

#[test]
fn quitting_while_a_job_runs_asks_then_cancels_then_quits() {
    let mut app = app((80, 24));
    app.update(key('v'));
    assert!(app.update(ctrl('c')).is_empty());
    assert_eq!(app.context(), Context::ConfirmQuit);
    assert!(app.update(key('n')).is_empty());
    assert_eq!(app.context(), Context::VerifyRunning, "n keeps it running");
    app.update(ctrl('c'));
    assert_eq!(app.update(key('y')), vec![Effect::CancelJob { job: 1 }]);
    assert_eq!(app.leaving, Some(Leaving::Asked));
    let effects = app.update(Action::VerifyFinished {
        job: 1,
        verdict: Box::new(verdict(
            "tars-backup-20260106_030000.tar.gz",
            VerifyState::Cancelled,
            Some("cancelled"),
        )),
    });
    assert_eq!(
        effects,
        vec![Effect::Quit],
        "quits once the job has stopped"
    );
    assert_eq!(app.summary().len(), 1);
}

#[test]
fn a_signal_cancels_the_jobs_and_exits_128_plus_n() {
    let mut app = app((80, 24));
    app.update(key('v'));
    assert_eq!(
        app.update(Action::Signal(15)),
        vec![Effect::CancelJob { job: 1 }]
    );
    let effects = app.update(Action::VerifyFinished {
        job: 1,
        verdict: Box::new(verdict(
            "tars-backup-20260106_030000.tar.gz",
            VerifyState::Cancelled,
            None,
        )),
    });
    assert_eq!(effects, vec![Effect::Quit]);
    assert_eq!(app.exit_code(), 143);
    let mut idle = self::app((80, 24));
    assert_eq!(idle.update(Action::InputClosed), vec![Effect::Quit]);
    assert_eq!(idle.leaving, Some(Leaving::Hangup));
}

#[test]
fn question_mark_shows_help_over_any_screen_and_a_key_closes_it() {
    let mut app = app((80, 24));
    app.update(key('?'));
    assert_eq!(app.context(), Context::Help);
    assert_eq!(app.screen_context(), Context::Browser);
    assert!(app.update(key('j')).is_empty());
    assert!(!app.help, "any key closes the help");
    assert_eq!(app.browser.selected, 0, "and does nothing else");
    app.update(key('v'));
    app.update(key('?'));
    assert_eq!(app.screen_context(), Context::VerifyRunning);
    app.update(code(KeyCode::Esc));
    assert!(
        matches!(app.jobs[&1].status, JobStatus::Running),
        "Esc closed the help, it did not cancel"
    );
}

#[test]
fn keys_on_an_empty_list_do_nothing_harmful() {
    let mut app = empty_app((80, 24));
    for a in [key('j'), key('G'), code(KeyCode::Enter), key('c'), key('f')] {
        assert!(app.update(a).is_empty());
    }
    assert!(app.screens.is_empty());
    assert!(app.update(key('v')).is_empty());
    assert_eq!(app.message.as_deref(), Some("no archive selected"));
    app.update(key('f'));
    assert_eq!(app.message, None, "the next key clears the message");
}

#[test]
fn ticks_move_the_clock_and_resizes_the_size() {
    let mut app = app((80, 24));
    let later: jiff::Timestamp = "2026-01-06T13:00:00Z".parse().unwrap();
    app.update(Action::Tick(later));
    app.update(Action::Resize(120, 40));
    assert_eq!((app.now, app.size), (later, (120, 40)));
}
