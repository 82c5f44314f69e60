//! The incident views through `App::update`: an interrupted restore offered at start (roll back
//! by default, yes first), its settle running to its end and a resume going on into the wizard,
//! "restart now" of held containers, the lock view read again, never taken.

use crossterm::event::KeyCode;

use crate::tui::keys::table::Context;
use crate::tui::state::action::Action;
use crate::tui::state::app::Screen;
use crate::tui::state::effect::Effect;
use crate::tui::state::incidents::SettledView;
use crate::tui::state::wizard::{PrepareRequest, Purpose};
use crate::tui::tests::fixtures::*;
use crate::tui::tests::wizard_fixtures::*;

#[test]
fn the_console_starts_by_reading_the_recovery_state() {
    let app = app((80, 24));
    assert!(app.start().contains(&Effect::LoadIncidents));
}

#[test]
fn an_interrupted_restore_is_offered_at_start_with_rollback_by_default() {
    let mut app = app((80, 24));
    app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
    assert_eq!(
        app.screens,
        vec![Screen::Interrupted {
            choice: 0,
            asking: false
        }]
    );
    assert_eq!(app.context(), Context::Interrupted);
    // Enter on the default asks first; n goes back to the choice.
    assert_eq!(app.update(code(KeyCode::Enter)), vec![]);
    assert_eq!(app.context(), Context::Ask);
    assert_eq!(app.update(key('n')), vec![]);
    assert_eq!(app.context(), Context::Interrupted);
    app.update(code(KeyCode::Enter));
    let effects = app.update(key('y'));
    let job = job_of(&effects);
    assert_eq!(
        effects,
        vec![Effect::Settle {
            job,
            id: "20260105221500".into(),
            forward: false
        }]
    );
    assert_eq!(app.screens, vec![Screen::Settle]);
    // A settle runs to its end: no cancel key; quitting asks, then waits for it.
    assert_eq!(app.context(), Context::Busy);
    assert_eq!(app.update(code(KeyCode::Esc)), vec![]);
    app.update(ctrl('c'));
    assert_eq!(
        app.update(key('y')),
        vec![],
        "nothing to cancel: it runs to its end"
    );
    let effects = app.update(Action::SettleFinished {
        job,
        result: Ok(SettledView {
            rolled_back: vec!["redis".into(), "postgres".into()],
            started: vec!["tars-home-redis".into(), "tars-home-backend".into()],
            ..Default::default()
        }),
    });
    assert_eq!(effects, vec![Effect::LoadIncidents, Effect::Quit]);
}

#[test]
fn later_keeps_the_banner_and_i_brings_the_modal_back() {
    let mut app = app((80, 24));
    app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
    app.update(code(KeyCode::Esc));
    assert!(app.screens.is_empty());
    // Read again later: offered only once a session.
    app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
    assert!(app.screens.is_empty());
    assert_eq!(app.update(key('I')), vec![Effect::LoadIncidents]);
    assert_eq!(app.context(), Context::Interrupted);
    // "Later" is the third choice too.
    app.update(key('j'));
    app.update(key('j'));
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    assert!(app.screens.is_empty());
}

#[test]
fn a_restore_still_running_elsewhere_is_not_offered_for_settling() {
    let mut app = app((80, 24));
    let mut inc = incidents(true);
    inc.interrupted[0].alive = true;
    app.update(Action::IncidentsLoaded(Box::new(inc)));
    assert!(app.screens.is_empty(), "not offered at start");
    app.update(key('I'));
    app.update(key('k'));
    assert_eq!(app.update(code(KeyCode::Enter)), vec![], "only later");
    assert!(app.screens.is_empty());
}

#[test]
fn a_resume_goes_on_into_the_wizard_for_what_is_left() {
    let mut app = app((80, 24));
    app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    let job = job_of(&app.update(key('y')));
    assert!(matches!(
        app.settle.as_ref(),
        Some(s) if s.forward && s.job == job
    ));
    app.update(Action::SettleFinished {
        job,
        result: Ok(SettledView {
            kept: vec!["postgres".into()],
            rolled_back: vec!["redis".into()],
            remaining: vec!["redis".into()],
            ..Default::default()
        }),
    });
    // Settled: no longer interrupted.
    app.update(Action::IncidentsLoaded(Box::new(incidents(false))));
    assert_eq!(app.context(), Context::SettleDone);
    let r = interrupted();
    let effects = app.update(key('R'));
    assert_eq!(
        effects,
        vec![Effect::RestoreTarget {
            archive: r.archive.clone(),
            spec: Some("tars-home".into())
        }]
    );
    assert_eq!(app.screens, vec![Screen::Restore]);
    let w = app.wizard.as_ref().unwrap();
    assert!(matches!(&w.purpose, Purpose::Resume { of, .. } if *of == r.id));
    app.update(Action::RestoreTargetLoaded {
        archive: r.archive.clone(),
        result: Ok(Box::new(target())),
    });
    let effects = app.update(code(KeyCode::Enter));
    let job = job_of(&effects);
    assert_eq!(
        effects,
        vec![Effect::RestorePrepare {
            job,
            request: PrepareRequest {
                archive: r.archive,
                spec: Some("tars-home".into()),
                components: vec!["redis".into()],
                expect_sha256: Some(r.sha256),
            }
        }],
        "only what is left, and only from the bytes verified then"
    );
}

#[test]
fn restart_now_asks_first_then_runs_under_the_lock() {
    let mut app = app((80, 24));
    app.update(Action::IncidentsLoaded(Box::new(incidents(false))));
    assert_eq!(app.update(key('S')), vec![Effect::LoadIncidents]);
    assert_eq!(app.context(), Context::Stopped);
    assert_eq!(app.update(key('r')), vec![]);
    assert_eq!(app.context(), Context::Ask);
    let job = job_of(&app.update(key('y')));
    assert_eq!(app.context(), Context::Busy);
    let effects = app.update(Action::RestartFinished {
        job,
        result: Ok(crate::engine::recover::Released {
            started: vec!["tars-home-backend".into()],
            kept: vec![(
                "tars-home-redis".into(),
                "restore 20260105221500 was interrupted with it half-swapped".into(),
            )],
            problems: Vec::new(),
        }),
    });
    assert_eq!(effects, vec![Effect::LoadIncidents]);
    assert_eq!(app.context(), Context::Stopped);
    app.update(code(KeyCode::Esc));
    assert!(app.screens.is_empty());
    // Nothing held: nothing to ask.
    app.update(Action::IncidentsLoaded(Box::default()));
    app.update(key('S'));
    app.update(key('r'));
    assert_eq!(app.context(), Context::Stopped);
    assert!(app.message.as_deref().unwrap().contains("no container"));
}

#[test]
fn the_lock_view_reads_again_and_never_acts() {
    let mut app = app((80, 24));
    assert_eq!(app.update(key('L')), vec![Effect::LoadIncidents]);
    assert_eq!(app.context(), Context::Lock);
    assert_eq!(app.update(key('r')), vec![Effect::LoadIncidents]);
    for k in ['y', 'w', 'R', 'c'] {
        assert_eq!(app.update(key(k)), vec![], "{k}");
    }
    app.update(key('q'));
    assert!(app.screens.is_empty());
}
