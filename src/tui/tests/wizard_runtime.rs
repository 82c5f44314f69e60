//! The restore wizard and the incident views through the real event loop, over a scripted fake
//! engine (scripted engines are for unit tests only; the Docker tests use real servers): the
//! checklist and the run happen on blocking threads and report through the engine's hub; a cancel
//! during a swap reaches the engine, which finishes that component first; quitting mid-restore
//! waits for that safe point; an interrupted restore offered at start is rolled back under the
//! lock.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::KeyCode;

use crate::engine::archive::Manifest;
use crate::engine::catalog::ArchiveInfo;
use crate::engine::progress::{Cancel, Reporter, StepOutcome};
use crate::engine::recover::Released;
use crate::engine::verify::{Verdict, VerifyState};
use crate::tui::backend::Backend;
use crate::tui::state::action::ListError;
use crate::tui::state::incidents::{Incidents, SettledView};
use crate::tui::state::wizard::{End, Outcome, Plan, PrepareRequest, Refusal, RunRequest, Target};
use crate::tui::tests::fixtures::*;
use crate::tui::tests::runtime::session;
use crate::tui::tests::wizard_fixtures::{self as rf, finished, started};

/// The engine as a script: what it was asked, and a gate that holds the run inside the swap
/// of postgres until the test opens it (or a cancel arrives).
struct Scripted {
    incidents: Mutex<Incidents>,
    /// Hold the run in the middle of postgres's swap.
    gated: bool,
    gate: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
    calls: Mutex<Vec<String>>,
    run_ended: AtomicBool,
}

impl Scripted {
    fn new(incidents: Incidents, gated: bool) -> (Arc<Scripted>, std::sync::mpsc::Sender<()>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let s = Scripted {
            incidents: Mutex::new(incidents),
            gated,
            gate: Mutex::new(Some(rx)),
            calls: Mutex::new(Vec::new()),
            run_ended: AtomicBool::new(false),
        };
        (Arc::new(s), tx)
    }

    fn note(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

impl Backend for Scripted {
    fn list(&self, dir: &Path) -> Result<Vec<ArchiveInfo>, ListError> {
        match dir.to_str() {
            Some(HOME) => Ok(home_listing()),
            _ => Err(ListError::Missing),
        }
    }

    fn manifest(&self, _: &Path) -> Result<Manifest, String> {
        Err("not needed".into())
    }

    fn verify(&self, archive: &Path, _: &dyn Reporter, _: &Cancel) -> Verdict {
        verdict(
            &archive.file_name().unwrap().to_string_lossy(),
            VerifyState::Verified,
            None,
        )
    }

    fn incidents(&self) -> Incidents {
        self.incidents.lock().unwrap().clone()
    }

    fn restore_target(&self, archive: &Path, spec: Option<&str>) -> Result<Target, String> {
        self.note(format!("target {} {spec:?}", archive.display()));
        Ok(rf::target())
    }

    fn restore_prepare(
        &self,
        req: &PrepareRequest,
        reporter: &dyn Reporter,
        _: &Cancel,
    ) -> Result<Plan, Refusal> {
        self.note(format!("prepare {}", req.components.join(",")));
        reporter.event(started("read", "reading the archive", Some(1000)));
        reporter.progress("read", 1000, Some(1000));
        reporter.event(finished("read", StepOutcome::Ok, None));
        Ok(rf::plan(false))
    }

    fn restore_run(&self, req: &RunRequest, reporter: &dyn Reporter, cancel: &Cancel) -> Outcome {
        self.note(format!("run accept={}", req.accept.join(",")));
        for e in [
            started("swap:chromadb", "chromadb: swap in the restored data", None),
            finished("swap:chromadb", StepOutcome::Ok, None),
            started("swap:postgres", "postgres: swap in the restored data", None),
            started("safety:postgres", "postgres: safety copy", None),
            started("component:postgres", "postgres: pg_dump", Some(1000)),
        ] {
            reporter.event(e);
        }
        reporter.progress("component:postgres", 450, Some(1000));
        let mut cancelled = false;
        if self.gated {
            // Inside a swap a cancel is noticed, but the component finishes first.
            let gate = self.gate.lock().unwrap().take().unwrap();
            loop {
                cancelled |= cancel.is_cancelled();
                if gate.recv_timeout(Duration::from_millis(5)).is_ok() {
                    break;
                }
            }
        }
        for s in ["component:postgres", "safety:postgres", "swap:postgres"] {
            reporter.event(finished(s, StepOutcome::Ok, None));
        }
        cancelled |= cancel.is_cancelled();
        let out = if cancelled {
            rf::outcome(End::Cancelled)
        } else {
            reporter.event(started("swap:redis", "redis: swap", None));
            reporter.event(finished("swap:redis", StepOutcome::Ok, None));
            rf::outcome(End::Committed)
        };
        self.run_ended.store(true, Ordering::SeqCst);
        out
    }

    fn restore_close(&self) {
        self.note("close".into());
    }

    fn settle(&self, id: &str, forward: bool, _: &dyn Reporter) -> Result<SettledView, String> {
        self.note(format!("settle {id} forward={forward}"));
        *self.incidents.lock().unwrap() = Incidents::default();
        Ok(SettledView {
            rolled_back: vec!["redis".into(), "postgres".into()],
            ..Default::default()
        })
    }

    fn restart_stopped(&self, _: &dyn Reporter) -> Result<Released, String> {
        Err("not scripted".into())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_from_the_browser_to_the_summary_and_on_to_undo() {
    let (fake, _gate) = Scripted::new(Incidents::default(), false);
    let (app, _) = session(fake.clone(), |h| async move {
        h.shows("2026-01-06 03:00").await;
        h.key(KeyCode::Char('R'));
        h.shows("Space ticks").await;
        h.key(KeyCode::Enter);
        h.shows("BLOCKED by image:redis").await;
        h.key(KeyCode::Char('w'));
        h.typed("image:redis");
        h.key(KeyCode::Enter);
        h.shows("nothing blocks").await;
        h.key(KeyCode::Enter);
        h.shows("Data-loss window").await;
        h.key(KeyCode::Enter);
        h.typed("tars-home");
        h.key(KeyCode::Enter);
        h.shows("RESTORED and checked").await;
        h.key(KeyCode::Char('u'));
        h.shows("Undo restore 20260106120000").await;
        h.key(KeyCode::Esc);
        h.shows("R restore").await;
        h.key(KeyCode::Char('q'));
    })
    .await;
    assert_eq!(
        fake.calls(),
        [
            format!("target {} Some(\"tars-home\")", rf::newest().display()),
            "prepare chromadb,postgres,redis".into(),
            "run accept=image:redis".into(),
            "close".into(),
            format!("target {} Some(\"tars-home\")", rf::SAFETY),
            "close".into(),
            // The way out drops whatever the wizard still held.
            "close".into(),
        ]
    );
    assert!(app.wizard.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_during_a_swap_finishes_that_component_then_rolls_back() {
    let (fake, gate) = Scripted::new(Incidents::default(), true);
    let (app, frames) = session(fake.clone(), |h| async move {
        h.shows("2026-01-06 03:00").await;
        h.key(KeyCode::Char('R'));
        h.shows("Space ticks").await;
        h.key(KeyCode::Enter);
        h.shows("BLOCKED").await;
        h.key(KeyCode::Char('w'));
        h.typed("yes");
        h.key(KeyCode::Enter);
        h.key(KeyCode::Enter);
        h.key(KeyCode::Enter);
        h.typed("tars-home");
        h.key(KeyCode::Enter);
        h.shows(" 45%").await;
        h.key(KeyCode::Char('c'));
        h.shows("finishing postgres, then rolling back").await;
        gate.send(()).unwrap();
        h.shows("CANCELLED").await;
        h.key(KeyCode::Esc);
        h.key(KeyCode::Char('q'));
    })
    .await;
    assert!(frames.iter().any(|f| f.contains("safety copy")));
    assert!(
        app.summary().iter().any(|l| l.contains("cancelled")),
        "{:?}",
        app.summary()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_mid_restore_waits_for_the_safe_point() {
    let (fake, gate) = Scripted::new(Incidents::default(), true);
    let f = fake.clone();
    let (app, _) = session(fake.clone(), |h| async move {
        h.shows("2026-01-06 03:00").await;
        h.key(KeyCode::Char('R'));
        h.shows("Space ticks").await;
        h.key(KeyCode::Enter);
        h.shows("BLOCKED").await;
        h.key(KeyCode::Char('w'));
        h.typed("image:redis");
        h.key(KeyCode::Enter);
        h.key(KeyCode::Enter);
        h.key(KeyCode::Enter);
        h.typed("tars-home");
        h.key(KeyCode::Enter);
        h.shows(" 45%").await;
        h.ctrl_c();
        h.shows("safe point").await;
        h.key(KeyCode::Char('y'));
        // The console does not leave while the swap runs.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!f.run_ended.load(Ordering::SeqCst));
        gate.send(()).unwrap();
    })
    .await;
    assert!(
        fake.run_ended.load(Ordering::SeqCst),
        "left only after the run ended"
    );
    let w = app.wizard.as_ref().unwrap();
    assert_eq!(w.outcome.as_ref().unwrap().end, End::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_restore_is_offered_at_start_and_rolled_back() {
    let (fake, _gate) = Scripted::new(rf::incidents(true), false);
    let (app, _) = session(fake.clone(), |h| async move {
        h.shows("Interrupted restore").await;
        h.key(KeyCode::Enter);
        h.shows("y / n").await;
        h.key(KeyCode::Char('y'));
        h.shows("SETTLED (rolled back)").await;
        h.key(KeyCode::Esc);
        h.shows("R restore").await;
        h.key(KeyCode::Char('q'));
    })
    .await;
    assert_eq!(
        fake.calls(),
        ["settle 20260105221500 forward=false", "close"]
    );
    assert!(
        app.incidents.interrupted.is_empty(),
        "read again after the settle"
    );
}
