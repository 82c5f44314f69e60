//! The restore wizard and the incident views drawn into `TestBackend` at 80x24 and 160x48 and
//! compared with the committed snapshots (`src/tui/tests/snapshots/`): every step of the wizard,
//! the run at 0 %, mid-way, failed, rolled back, cancelled, the summary with undo, the
//! interrupted-restore modal, a settle, the held containers and the lock. Reviewed by eye:
//! nothing that matters is cut at 80x24.

use crossterm::event::KeyCode;

use crate::engine::progress::StepOutcome;
use crate::tui::state::action::Action;
use crate::tui::state::app::App;
use crate::tui::state::incidents::SettledView;
use crate::tui::state::wizard::End;
use crate::tui::tests::fixtures::*;
use crate::tui::tests::screens::{draw, screen_text};
use crate::tui::tests::wizard_fixtures::*;
use crate::tui::theme::Ui;

/// Snapshots the app `make` builds at both sizes, as `<name>_<w>x<h>` (here, so the files
/// carry this module's name).
fn snap(name: &str, make: impl Fn((u16, u16)) -> App) {
    let ui = Ui::new(false, false);
    for size in [(80, 24), (160, 48)] {
        let t = draw(&make(size), &ui);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), t.backend());
    }
}

#[test]
fn restore_component_checkboxes() {
    snap("restore_select", |size| {
        let mut app = at_select(size);
        app.update(key('j'));
        app.update(key('j'));
        app.update(key('j'));
        app
    });
}

#[test]
fn restore_checklist_running() {
    snap("restore_checking", |size| {
        let mut app = at_select(size);
        let job = job_of(&app.update(code(KeyCode::Enter)));
        app.update(Action::JobEvents {
            job,
            events: vec![started(
                "read",
                "reading tars-backup-20260106_030000.tar.gz",
                Some(263_500_000),
            )],
        });
        app.update(Action::JobProgress {
            job,
            steps: vec![("read".into(), 118_575_000, Some(263_500_000))],
        });
        tick(&mut app, 9);
        app
    });
}

/// A waived item beside a failure that can never be waived.
#[test]
fn restore_checklist_with_a_waived_and_a_failed_item() {
    snap("restore_checklist_waived", |size| {
        let mut app = at_checklist(size, true);
        app.update(key('w'));
        typed(&mut app, "image:redis");
        app.update(code(KeyCode::Enter));
        app
    });
}

#[test]
fn restore_checklist_refuses_to_waive_a_never_waivable_failure() {
    snap("restore_checklist_never", |size| {
        let mut app = at_checklist(size, true);
        app.update(key('j'));
        app.update(key('j'));
        app.update(key('w'));
        app
    });
}

#[test]
fn restore_typing_a_waiver() {
    snap("restore_waiving", |size| {
        let mut app = at_checklist(size, false);
        app.update(key('w'));
        typed(&mut app, "image:re");
        app
    });
}

#[test]
fn restore_plan() {
    snap("restore_plan", at_plan);
}

#[test]
fn restore_typed_confirmation() {
    snap("restore_confirm", |size| {
        let mut app = at_plan(size);
        app.update(code(KeyCode::Enter));
        typed(&mut app, "tars-h");
        app
    });
}

#[test]
fn restore_typed_confirmation_wrong_name() {
    snap("restore_confirm_wrong", |size| {
        let mut app = at_plan(size);
        app.update(code(KeyCode::Enter));
        typed(&mut app, "tars");
        app.update(code(KeyCode::Enter));
        app
    });
}

#[test]
fn restore_run_at_zero() {
    snap("restore_run_0", |size| {
        let (mut app, _) = running(size);
        tick(&mut app, 1);
        app
    });
}

#[test]
fn restore_run_mid_way() {
    snap("restore_run_mid", |size| {
        let (mut app, job) = running(size);
        mid_way(&mut app, job, 40);
        app
    });
}

fn failed(size: (u16, u16)) -> (App, u64) {
    let (mut app, job) = running(size);
    mid_way(&mut app, job, 40);
    app.update(Action::JobEvents {
        job,
        events: vec![
            finished("component:postgres", StepOutcome::Ok, None),
            finished("safety:postgres", StepOutcome::Ok, None),
            finished("swap:postgres", StepOutcome::Ok, None),
            started("swap:redis", "redis: swap in the restored data", None),
            finished(
                "swap:redis",
                StepOutcome::Failed,
                Some("redis: the server started empty: 0 keys, the backup recorded 1,500"),
            ),
        ],
    });
    tick(&mut app, 71);
    (app, job)
}

#[test]
fn restore_run_failed() {
    snap("restore_run_failed", |size| failed(size).0);
}

#[test]
fn restore_rolled_back() {
    snap("restore_rolled_back", |size| {
        let (mut app, job) = failed(size);
        tick(&mut app, 95);
        app.update(Action::RestoreFinished {
            job,
            outcome: Box::new(outcome(End::RolledBack)),
        });
        app
    });
}

#[test]
fn restore_cancelling_during_a_swap() {
    snap("restore_cancelling", |size| {
        let (mut app, job) = running(size);
        mid_way(&mut app, job, 40);
        app.update(key('c'));
        app
    });
}

#[test]
fn restore_cancelled() {
    snap("restore_cancelled", |size| {
        let (mut app, job) = running(size);
        mid_way(&mut app, job, 40);
        app.update(key('c'));
        tick(&mut app, 66);
        app.update(Action::RestoreFinished {
            job,
            outcome: Box::new(outcome(End::Cancelled)),
        });
        app
    });
}

#[test]
fn restore_summary_with_undo() {
    snap("restore_summary", |size| {
        let (mut app, job) = running(size);
        mid_way(&mut app, job, 40);
        tick(&mut app, 134);
        let mut o = outcome(End::Committed);
        o.notes.push(
            "postgres: role reader was missing and was created without a password: set one with ALTER ROLE if it logs in".into(),
        );
        app.update(Action::RestoreFinished {
            job,
            outcome: Box::new(o),
        });
        app
    });
}

#[test]
fn restore_rollback_failed() {
    snap("restore_rollback_failed", |size| {
        let (mut app, job) = failed(size);
        let mut o = outcome(End::RollbackFailed(
            "redis: putting the old data back failed: the one-off container exited 1 (the restore failed first: put back because redis failed)".into(),
        ));
        o.rolled_back = vec![("chromadb".into(), "put back because redis failed".into())];
        app.update(Action::RestoreFinished {
            job,
            outcome: Box::new(o),
        });
        app
    });
}

#[test]
fn interrupted_restore_offered_at_start() {
    snap("interrupted", |size| {
        let mut app = app(size);
        app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
        app
    });
    snap("interrupted_asking", |size| {
        let mut app = app(size);
        app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
        app.update(code(KeyCode::Enter));
        app
    });
}

#[test]
fn interrupted_restore_banner_after_later() {
    snap("browser_banner", |size| {
        let mut app = app(size);
        app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
        app.update(code(KeyCode::Esc));
        app
    });
}

#[test]
fn settle_running_and_resumed() {
    snap("settle_running", |size| {
        let mut app = app(size);
        app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
        app.update(code(KeyCode::Enter));
        app.update(key('y'));
        tick(&mut app, 7);
        app
    });
    snap("settle_resumed", |size| {
        let mut app = app(size);
        app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
        app.update(key('j'));
        app.update(code(KeyCode::Enter));
        let job = job_of(&app.update(key('y')));
        tick(&mut app, 12);
        app.update(Action::SettleFinished {
            job,
            result: Ok(SettledView {
                rolled_back: vec!["redis".into()],
                kept: vec!["postgres".into()],
                remaining: vec!["redis".into()],
                started: vec!["tars-home-backend".into()],
                notes: Vec::new(),
            }),
        });
        app
    });
}

#[test]
fn stopped_containers_view() {
    snap("stopped", |size| {
        let mut app = app(size);
        app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
        app.update(code(KeyCode::Esc));
        app.update(key('S'));
        app
    });
}

#[test]
fn lock_view() {
    snap("lock", |size| {
        let mut app = app(size);
        app.update(Action::IncidentsLoaded(Box::new(incidents(false))));
        app.update(key('L'));
        app
    });
}

#[test]
fn help_over_the_checklist() {
    snap("help_checklist", |size| {
        let mut app = at_checklist(size, false);
        app.update(key('?'));
        app
    });
}

/// `--ascii` on the busiest screens: nothing outside ASCII.
#[test]
fn restore_screens_in_ascii() {
    let ui = Ui::new(true, true);
    let (mut app, job) = running((80, 24));
    mid_way(&mut app, job, 40);
    let t = draw(&app, &ui);
    insta::assert_snapshot!("restore_run_mid_ascii_80x24", t.backend());
    assert!(screen_text(&t).is_ascii(), "{}", t.backend());
    let app = at_checklist((80, 24), true);
    assert!(screen_text(&draw(&app, &ui)).is_ascii());
}

#[test]
fn quitting_during_a_restore_says_it_waits_for_a_safe_point() {
    snap("restore_quit", |size| {
        let (mut app, job) = running(size);
        mid_way(&mut app, job, 40);
        app.update(ctrl('c'));
        app
    });
}

#[test]
fn a_checklist_that_could_not_run() {
    snap("restore_failed", |size| {
        let mut app = at_select(size);
        let job = job_of(&app.update(code(KeyCode::Enter)));
        app.update(Action::RestorePrepared {
            job,
            result: Err(crate::tui::state::wizard::Refusal::Failed(
                "cannot reach the Docker engine at unix:///var/run/docker.sock: no such socket"
                    .into(),
            )),
        });
        app
    });
}
