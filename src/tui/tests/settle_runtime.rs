//! Settling through the real event loop and the real engine backend (no Docker is reached: the
//! refusal comes first): a resume of an interrupted restore whose archive changed since is
//! refused before anything is touched, with the engine's own words, and the journal stays
//! unsettled, as `lifeboat restore --resume` refuses it.

use std::sync::Arc;

use crossterm::event::KeyCode;

use crate::engine::host::Host;
use crate::engine::journal::{self, Begin, Journal, Record, Undo};
use crate::engine::state::Locations;
use crate::tui::backend::Engine;
use crate::tui::tests::runtime::session;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_of_a_changed_archive_is_refused_and_the_journal_stays_unsettled() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let archive = dir.path().join("tars-backup-20260106_030000.tar.gz");
    std::fs::write(&archive, b"the bytes that were verified").unwrap();
    let sha = crate::engine::restore::settle::file_sha256(&archive).unwrap();
    let j = Journal::create(
        &state,
        Begin {
            id: "20260106120000".into(),
            // No such process: interrupted, offered for settling.
            pid: u32::MAX - 1,
            archive: archive.clone(),
            archive_sha256: sha,
            profile_spec: None,
            project: None,
            profile: "tars-home".into(),
            components: vec!["postgres".into(), "redis".into()],
            keep_partial: false,
            undoes: None,
        },
    )
    .unwrap();
    for c in ["postgres", "redis"] {
        j.append(Record::Unit {
            component: c.into(),
            containers: vec![format!("tars-home-{c}")],
            undo: Undo::Exec,
        })
        .unwrap();
    }
    j.append(Record::SwapBegin {
        component: "postgres".into(),
    })
    .unwrap();
    let before = std::fs::read(j.path()).unwrap();
    std::fs::write(&archive, b"other bytes under the same name").unwrap();
    let locations = Locations {
        state: Some(state.clone()),
        lock: dir.path().join("lifeboat.lock"),
        staging: None,
        output_root: dir.path().into(),
        is_root: false,
    };
    let engine = Arc::new(Engine::new(None, Host::new(Default::default(), locations)));
    let (app, _) = session(engine, |h| async move {
        h.shows("Roll back: put the old data back").await;
        h.key(KeyCode::Down);
        h.key(KeyCode::Enter);
        h.key(KeyCode::Char('y'));
        h.shows("NOT SETTLED").await;
        h.shows("not the bytes the").await;
        h.key(KeyCode::Esc);
        h.key(KeyCode::Char('q'));
    })
    .await;
    let settle = app.settle.as_ref().unwrap();
    assert!(settle.forward);
    let why = settle.result.clone().unwrap().unwrap_err();
    // The same words `lifeboat restore --resume` prints (the engine's refusal).
    let cli = crate::engine::restore::driver::changed_archive(
        &archive,
        &crate::engine::restore::settle::file_sha256(&archive).unwrap(),
        &journal::read(j.path()).unwrap().begin.archive_sha256,
    )
    .to_string();
    assert_eq!(why, cli);
    assert_eq!(
        std::fs::read(j.path()).unwrap(),
        before,
        "the journal as it was"
    );
    assert_eq!(journal::unsettled(&state).unwrap().len(), 1);
    assert!(
        app.history
            .iter()
            .any(|l| l.contains("not settled") && l.contains("not the bytes")),
        "{:?}",
        app.history
    );
}
