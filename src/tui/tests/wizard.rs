//! The restore wizard through `App::update` alone: keys and scripted job answers in, state and
//! effects out. Which archives are refused, the checkboxes, the checklist job and its cancel,
//! waivers typed (and refused), the plan, a wrong stack name, the run with a cancel before the
//! first swap and during one, a failure rolled back, the summary and undo, quitting mid-run.

use std::path::PathBuf;

use crossterm::event::KeyCode;

use crate::engine::progress::StepOutcome;
use crate::engine::restore::ItemStatus;
use crate::tui::keys::table::Context;
use crate::tui::state::action::Action;
use crate::tui::state::app::{Leaving, Screen};
use crate::tui::state::effect::Effect;
use crate::tui::state::wizard::{End, Phase, PrepareRequest, Purpose, Refusal, RunRequest, Step};
use crate::tui::tests::fixtures::*;
use crate::tui::tests::wizard_fixtures::*;

fn step(app: &crate::tui::state::app::App) -> Step {
    app.wizard
        .as_ref()
        .expect("the wizard is open")
        .step
        .clone()
}

fn item_status(app: &crate::tui::state::app::App, id: &str) -> ItemStatus {
    let w = app.wizard.as_ref().unwrap();
    w.items().iter().find(|i| i.id == id).unwrap().status
}

fn select(app: &mut crate::tui::state::app::App, file: &str) {
    app.update(key('g'));
    while app.selected().unwrap().info.file != file {
        app.update(key('j'));
    }
}

#[test]
fn archives_that_must_not_be_restored_are_refused_with_the_reason() {
    let mut app = app((80, 24));
    for (file, why) in [
        ("tars-backup-20260104_030000.tar.gz", "MISMATCH"),
        ("tars-backup-20260103_030000.tar.gz", "never finished"),
        (
            "tars-backup-20260102_030000.tar.gz",
            "archive itself is missing",
        ),
        ("tars-backup-20251231_030000.tar.gz", "still being read"),
    ] {
        select(&mut app, file);
        assert_eq!(app.update(key('R')), vec![], "{file}");
        let m = app.message.clone().unwrap_or_default();
        assert!(m.contains(why), "{file}: {m}");
        assert!(app.wizard.is_none() && app.screens.is_empty());
    }
    // A version-1 manifest, once read: refused with the manual route.
    let v1 = PathBuf::from(NAS).join("tars-backup-20251231_030000.tar.gz");
    let mut m = manifest(
        "tars-backup-20251231_030000",
        "2025-12-31T03:00:00+00:00",
        &[],
    );
    m.format = None;
    app.update(Action::ManifestLoaded {
        archive: v1,
        result: Ok(Box::new(m)),
    });
    select(&mut app, "tars-backup-20251231_030000.tar.gz");
    app.update(key('R'));
    assert!(app.message.as_deref().unwrap().contains("version-1"));
    // No state folder: nothing can be restored.
    let mut app = crate::tui::tests::fixtures::app((80, 24));
    app.restore_off = Some("no state folder: a restore needs one".into());
    assert_eq!(app.update(key('R')), vec![]);
    assert!(app.message.as_deref().unwrap().contains("no state folder"));
}

#[test]
fn an_interrupted_restore_must_be_settled_before_another_starts() {
    let mut app = app((80, 24));
    app.update(Action::IncidentsLoaded(Box::new(incidents(true))));
    app.screens.clear();
    assert_eq!(app.update(key('R')), vec![]);
    assert!(app.message.as_deref().unwrap().contains("settle it first"));
}

#[test]
fn a_safety_backup_opens_as_the_undo_of_its_restore() {
    let mut app = app((80, 24));
    let safety = PathBuf::from(NAS).join("lifeboat-safety-tars-home-20260105_120000.tar.gz");
    let e = app
        .entries
        .iter_mut()
        .find(|e| e.info.path == safety)
        .unwrap();
    let m = e.info.manifest.as_mut().unwrap();
    m.extra
        .insert("safety_for".into(), serde_json::json!("20260105115900"));
    m.extra.insert(
        "components_replaced".into(),
        serde_json::json!(["postgres"]),
    );
    select(&mut app, "lifeboat-safety-tars-home-20260105_120000.tar.gz");
    let effects = app.update(key('R'));
    assert_eq!(
        effects,
        vec![Effect::RestoreTarget {
            archive: safety,
            spec: Some("tars-home".into())
        }]
    );
    let w = app.wizard.as_ref().unwrap();
    assert_eq!(
        w.purpose,
        Purpose::Undo {
            of: "20260105115900".into(),
            since: None
        }
    );
    assert_eq!(w.preselect, Some(vec!["postgres".to_string()]));
}

#[test]
fn checkboxes_start_on_the_default_selection_and_space_toggles() {
    let mut app = app((80, 24));
    let effects = app.update(key('R'));
    assert_eq!(
        effects,
        vec![Effect::RestoreTarget {
            archive: newest(),
            spec: Some("tars-home".into())
        }]
    );
    assert_eq!(app.context(), Context::RestoreWorking);
    app.update(Action::RestoreTargetLoaded {
        archive: newest(),
        result: Ok(Box::new(target())),
    });
    assert_eq!(app.context(), Context::RestoreSelect);
    let on = |app: &crate::tui::state::app::App| -> Vec<String> {
        let t = app.wizard.as_ref().unwrap().target.as_ref().unwrap();
        t.choices
            .iter()
            .filter(|c| c.on)
            .map(|c| c.name.clone())
            .collect()
    };
    assert_eq!(
        on(&app),
        ["chromadb", "postgres", "redis"],
        "files off by default"
    );
    app.update(key(' '));
    for _ in 0..3 {
        app.update(key('j'));
    }
    app.update(key(' '));
    assert_eq!(on(&app), ["postgres", "redis", "configuration"]);
    app.update(key('j'));
    app.update(key(' '));
    assert!(app.message.as_deref().unwrap().contains("not in profile"));
    for _ in 0..5 {
        app.update(key('k'));
    }
    for _ in 0..4 {
        app.update(key(' '));
        app.update(key('j'));
    }
    assert_eq!(on(&app), ["chromadb"]);
    for _ in 0..9 {
        app.update(key('k'));
    }
    app.update(key(' '));
    assert!(on(&app).is_empty());
    assert_eq!(app.update(code(KeyCode::Enter)), vec![], "nothing ticked");
    assert!(
        app.message
            .as_deref()
            .unwrap()
            .contains("tick at least one")
    );
}

#[test]
fn enter_runs_the_checklist_as_a_job_and_cancel_goes_back() {
    let mut app = at_select((80, 24));
    let effects = app.update(code(KeyCode::Enter));
    let job = job_of(&effects);
    assert_eq!(
        effects,
        vec![Effect::RestorePrepare {
            job,
            request: PrepareRequest {
                archive: newest(),
                spec: Some("tars-home".into()),
                components: vec!["chromadb".into(), "postgres".into(), "redis".into()],
                expect_sha256: None,
            }
        }]
    );
    assert_eq!(step(&app), Step::Checking);
    assert!(app.busy());
    assert_eq!(app.update(key('c')), vec![Effect::CancelJob { job }]);
    assert_eq!(app.update(key('c')), vec![], "asked once");
    app.update(Action::RestorePrepared {
        job,
        result: Err(Refusal::Cancelled),
    });
    assert!(matches!(step(&app), Step::Select { .. }));
    assert!(
        app.message
            .as_deref()
            .unwrap()
            .contains("nothing was changed")
    );
    // A checklist that cannot run (a damaged archive, the journal refusing) says why.
    let job = job_of(&app.update(code(KeyCode::Enter)));
    app.update(Action::RestorePrepared {
        job,
        result: Err(Refusal::Failed("integrity: postgres.sql.gz differs".into())),
    });
    assert!(matches!(step(&app), Step::Failed { .. }));
    assert_eq!(app.update(code(KeyCode::Esc)), vec![Effect::RestoreClose]);
    assert!(app.wizard.is_none() && app.screens.is_empty());
}

#[test]
fn a_waiver_is_typed_and_a_wrong_acknowledgement_is_refused() {
    let mut app = at_checklist((80, 24), false);
    assert_eq!(step(&app), Step::Checklist { cursor: 7 }, "on the blocker");
    app.update(code(KeyCode::Enter));
    assert!(
        app.message
            .as_deref()
            .unwrap()
            .contains("image:redis blocks")
    );
    assert!(matches!(step(&app), Step::Checklist { .. }));
    app.update(key('w'));
    assert_eq!(app.context(), Context::RestoreWaive);
    typed(&mut app, "image");
    app.update(code(KeyCode::Enter));
    assert!(
        app.message
            .as_deref()
            .unwrap()
            .contains("type image:redis or yes")
    );
    assert_eq!(item_status(&app, "image:redis"), ItemStatus::Fail);
    // Letters that are keys elsewhere (q quits, y answers) are typed here.
    typed(&mut app, "qy");
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Backspace));
    assert!(matches!(step(&app), Step::Waive { ref input, .. } if input.is_empty()));
    typed(&mut app, "image:redis");
    app.update(code(KeyCode::Enter));
    assert_eq!(item_status(&app, "image:redis"), ItemStatus::Waived);
    assert_eq!(app.wizard.as_ref().unwrap().accepted, ["image:redis"]);
    assert!(app.wizard.as_ref().unwrap().blocker().is_none());
    // w again withdraws it; Esc while typing keeps the item as it was.
    app.update(key('w'));
    assert_eq!(item_status(&app, "image:redis"), ItemStatus::Fail);
    app.update(key('w'));
    typed(&mut app, "yes");
    app.update(code(KeyCode::Esc));
    assert_eq!(item_status(&app, "image:redis"), ItemStatus::Fail);
    app.update(key('w'));
    typed(&mut app, "yes");
    app.update(code(KeyCode::Enter));
    assert_eq!(item_status(&app, "image:redis"), ItemStatus::Waived);
    app.update(code(KeyCode::Enter));
    assert_eq!(step(&app), Step::Plan { scroll: 0 });
}

#[test]
fn never_waivable_and_advisory_items_refuse_a_waiver() {
    let mut app = at_checklist((80, 24), true);
    // The cursor starts on the first blocker: image:redis; the RDB item is further down.
    while !matches!(step(&app), Step::Checklist { cursor: 9 }) {
        app.update(key('j'));
    }
    app.update(key('w'));
    let m = app.message.clone().unwrap();
    assert!(m.contains("rdb-version:redis can never be waived"), "{m}");
    assert!(matches!(step(&app), Step::Checklist { .. }));
    app.update(key('k'));
    app.update(key('k'));
    app.update(key('k'));
    app.update(key('w'));
    assert!(app.message.as_deref().unwrap().contains("advisory"));
    // Waiving image:redis is not enough: the RDB still blocks.
    app.update(key('j'));
    app.update(key('w'));
    typed(&mut app, "image:redis");
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Enter));
    assert!(
        app.message
            .as_deref()
            .unwrap()
            .starts_with("rdb-version:redis blocks the restore:")
    );
    assert!(matches!(step(&app), Step::Checklist { .. }));
}

#[test]
fn no_safety_backup_is_waived_by_typing_yes() {
    let mut app = at_checklist((80, 24), false);
    while !matches!(step(&app), Step::Checklist { cursor: 10 }) {
        app.update(key('j'));
    }
    app.update(key('w'));
    typed(&mut app, "yes");
    app.update(code(KeyCode::Enter));
    assert_eq!(item_status(&app, "safety-backup"), ItemStatus::Waived);
    assert_eq!(app.wizard.as_ref().unwrap().accepted, ["no-safety-backup"]);
}

#[test]
fn a_wrong_stack_name_starts_nothing_and_the_right_one_runs_the_restore() {
    let mut app = at_plan((80, 24));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.context(), Context::RestoreConfirm);
    assert_eq!(typed(&mut app, "tars-hom"), vec![]);
    assert_eq!(app.update(code(KeyCode::Enter)), vec![]);
    assert!(
        app.message
            .as_deref()
            .unwrap()
            .contains("not the stack's name")
    );
    assert_eq!(
        step(&app),
        Step::Confirm {
            input: String::new()
        }
    );
    typed(&mut app, "tars-home");
    let effects = app.update(code(KeyCode::Enter));
    let job = job_of(&effects);
    assert_eq!(
        effects,
        vec![Effect::RestoreRun {
            job,
            request: RunRequest {
                accept: vec!["image:redis".into()],
                undoes: None,
                keep_partial: false,
            }
        }]
    );
    assert_eq!(app.context(), Context::RestoreRunning);
    let rows = app.wizard.as_ref().unwrap().rows();
    assert!(rows.iter().all(|r| r.phase == Phase::Waiting));
}

#[test]
fn cancel_before_the_first_swap_aborts_with_nothing_replaced() {
    let (mut app, job) = running((80, 24));
    assert_eq!(app.update(key('c')), vec![Effect::CancelJob { job }]);
    let w = app.wizard.as_ref().unwrap();
    assert!(w.cancelling);
    assert!(w.cancel_line().contains("before the first swap"));
    let mut o = outcome(End::Cancelled);
    o.rolled_back.clear();
    let effects = app.update(Action::RestoreFinished {
        job,
        outcome: Box::new(o),
    });
    assert_eq!(effects, vec![Effect::LoadIncidents]);
    assert_eq!(step(&app), Step::Done { scroll: 0 });
    let rows = app.wizard.as_ref().unwrap().rows();
    assert!(rows.iter().all(|r| r.phase == Phase::Untouched));
}

#[test]
fn cancel_during_a_swap_finishes_that_component_then_rolls_back() {
    let (mut app, job) = running((80, 24));
    mid_way(&mut app, job, 40);
    let phases: Vec<Phase> = app
        .wizard
        .as_ref()
        .unwrap()
        .rows()
        .iter()
        .map(|r| r.phase)
        .collect();
    assert_eq!(phases, [Phase::Checked, Phase::SafetyCopy, Phase::Waiting]);
    let row = &app.wizard.as_ref().unwrap().rows()[1];
    assert_eq!(
        row.step.as_ref().unwrap().done,
        95_400_000,
        "the current step's bytes"
    );
    app.update(key('c'));
    assert_eq!(
        app.wizard.as_ref().unwrap().cancel_line(),
        "finishing postgres, then rolling back"
    );
    app.update(Action::RestoreFinished {
        job,
        outcome: Box::new(outcome(End::Cancelled)),
    });
    let phases: Vec<Phase> = app
        .wizard
        .as_ref()
        .unwrap()
        .rows()
        .iter()
        .map(|r| r.phase)
        .collect();
    assert_eq!(
        phases,
        [Phase::RolledBack, Phase::RolledBack, Phase::Untouched]
    );
    assert_eq!(app.update(key('u')), vec![], "nothing to undo");
}

#[test]
fn a_failed_component_rolls_everything_back() {
    let (mut app, job) = running((80, 24));
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
    let rows = app.wizard.as_ref().unwrap().rows();
    assert_eq!(rows[2].phase, Phase::Failed);
    app.update(Action::RestoreFinished {
        job,
        outcome: Box::new(outcome(End::RolledBack)),
    });
    let rows = app.wizard.as_ref().unwrap().rows();
    assert!(rows.iter().all(|r| r.phase == Phase::RolledBack));
    assert!(rows[2].detail.as_deref().unwrap().contains("started empty"));
}

#[test]
fn undo_restores_the_safety_backup_through_the_same_wizard() {
    let (mut app, job) = running((80, 24));
    tick(&mut app, 130);
    app.update(Action::RestoreFinished {
        job,
        outcome: Box::new(outcome(End::Committed)),
    });
    let done_at = app.now;
    let effects = app.update(key('u'));
    assert_eq!(
        effects,
        vec![
            Effect::RestoreClose,
            Effect::RestoreTarget {
                archive: SAFETY.into(),
                spec: Some("tars-home".into())
            }
        ]
    );
    assert_eq!(
        app.screens,
        vec![Screen::Restore],
        "the same screen, a new wizard"
    );
    let w = app.wizard.as_ref().unwrap();
    assert_eq!(
        w.purpose,
        Purpose::Undo {
            of: RESTORE_ID.into(),
            since: Some(done_at)
        }
    );
    // The safety archive holds only what was replaced: exactly that is ticked.
    let mut t = target();
    t.choices
        .retain(|c| c.name != "configuration" && c.name != "n8n");
    for c in &mut t.choices {
        c.on = false;
    }
    app.update(Action::RestoreTargetLoaded {
        archive: SAFETY.into(),
        result: Ok(Box::new(t)),
    });
    let on: Vec<bool> = app
        .wizard
        .as_ref()
        .unwrap()
        .target
        .as_ref()
        .unwrap()
        .choices
        .iter()
        .map(|c| c.on)
        .collect();
    assert_eq!(on, [true, true, true]);
    // Through the checklist and confirmation, the run says what it undoes.
    let job = job_of(&app.update(code(KeyCode::Enter)));
    let mut p = plan(false);
    p.items.retain(|i| i.id != "image:redis");
    app.update(Action::RestorePrepared {
        job,
        result: Ok(Box::new(p)),
    });
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Enter));
    typed(&mut app, "tars-home");
    let effects = app.update(code(KeyCode::Enter));
    assert!(matches!(
        &effects[..],
        [Effect::RestoreRun { request: RunRequest { undoes: Some(of), .. }, .. }] if of == RESTORE_ID
    ));
}

#[test]
fn closing_the_summary_reads_the_folders_and_the_recovery_state_again() {
    let (mut app, job) = running((80, 24));
    app.update(Action::RestoreFinished {
        job,
        outcome: Box::new(outcome(End::Committed)),
    });
    let effects = app.update(code(KeyCode::Esc));
    assert_eq!(effects[0], Effect::RestoreClose);
    assert!(effects.contains(&Effect::LoadIncidents));
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::ListFolder { .. }))
            .count(),
        2
    );
    assert!(app.wizard.is_none() && app.screens.is_empty());
}

#[test]
fn quitting_during_a_restore_asks_and_waits_for_a_safe_point() {
    let (mut app, job) = running((80, 24));
    mid_way(&mut app, job, 40);
    assert_eq!(app.update(key('q')), vec![], "q is not bound while it runs");
    assert_eq!(app.update(ctrl('c')), vec![]);
    assert_eq!(app.context(), Context::ConfirmQuit);
    assert_eq!(app.update(key('y')), vec![Effect::CancelJob { job }]);
    assert_eq!(app.leaving, Some(Leaving::Asked));
    let effects = app.update(Action::RestoreFinished {
        job,
        outcome: Box::new(outcome(End::Cancelled)),
    });
    assert_eq!(effects, vec![Effect::LoadIncidents, Effect::Quit]);
}

#[test]
fn a_signal_during_a_restore_cancels_it_and_leaves_once_it_stopped() {
    let (mut app, job) = running((80, 24));
    assert_eq!(
        app.update(Action::Signal(15)),
        vec![Effect::CancelJob { job }]
    );
    assert_eq!(app.update(Action::Signal(15)), vec![], "asked once");
    let effects = app.update(Action::RestoreFinished {
        job,
        outcome: Box::new(outcome(End::Cancelled)),
    });
    assert!(effects.contains(&Effect::Quit));
    assert_eq!(app.exit_code(), 143);
}

#[test]
fn reports_of_an_older_job_are_ignored() {
    let mut app = at_checklist((80, 24), false);
    app.update(code(KeyCode::Esc));
    let newer = job_of(&app.update(code(KeyCode::Enter)));
    app.update(Action::RestorePrepared {
        job: newer - 1,
        result: Ok(Box::new(plan(true))),
    });
    assert_eq!(
        step(&app),
        Step::Checking,
        "the first checklist's answer is stale"
    );
}
