//! The event loop end to end with a scripted engine and a recording `TestBackend`: folders
//! listed and manifests read in the background, a verify's progress reaching the screen, the
//! badge turning verified, cancellation on quit, hangups and signals, repaint pacing.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::engine::archive::Manifest;
use crate::engine::catalog::{ArchiveInfo, ListState};
use crate::engine::progress::{Cancel, Event, Reporter, StepOutcome};
use crate::engine::verify::{Verdict, VerifyState};
use crate::tui::backend::Backend;
use crate::tui::runtime::{self, Surface};
use crate::tui::state::action::{Action, ListError};
use crate::tui::state::app::App;
use crate::tui::tests::fixtures::*;
use crate::tui::theme::Ui;

/// How the scripted verify behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    /// Reports half its bytes, then waits for `go` (or a cancel).
    HalfThenWait,
    /// Reports progress as fast as it can for 600 ms, then passes.
    Flood,
}

struct Fake {
    script: Script,
    go: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
    cancelled: AtomicBool,
}

impl Backend for Fake {
    fn list(&self, dir: &Path) -> Result<Vec<ArchiveInfo>, ListError> {
        match dir.to_str() {
            Some(HOME) => Ok(home_listing()),
            Some(NAS) => Ok(nas_listing()),
            _ => Err(ListError::Missing),
        }
    }

    fn manifest(&self, archive: &Path) -> Result<Manifest, String> {
        let name = archive
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".tar.gz"))
            .ok_or("not an archive")?;
        Ok(manifest(
            name,
            "2025-12-31T03:00:00+00:00",
            &[("ollama", "volume", "ollama-models.tar.gz", 5_000_000_000)],
        ))
    }

    fn verify(&self, archive: &Path, reporter: &dyn Reporter, cancel: &Cancel) -> Verdict {
        let file = archive.file_name().unwrap().to_str().unwrap().to_string();
        reporter.event(Event::JobStarted {
            job: "verify".into(),
            target: file.clone(),
        });
        reporter.event(Event::StepStarted {
            step: "read".into(),
            label: format!("reading {file}"),
            total: Some(1000),
        });
        let state = match self.script {
            Script::HalfThenWait => {
                reporter.progress("read", 500, Some(1000));
                let go = self.go.lock().unwrap().take().unwrap();
                loop {
                    if cancel.is_cancelled() {
                        self.cancelled.store(true, Ordering::SeqCst);
                        break VerifyState::Cancelled;
                    }
                    if go.recv_timeout(Duration::from_millis(5)).is_ok() {
                        break VerifyState::Verified;
                    }
                }
            }
            Script::Flood => {
                let start = std::time::Instant::now();
                let mut n = 0;
                while start.elapsed() < Duration::from_millis(600) {
                    n = (n + 1) % 1000;
                    reporter.progress("read", n, Some(1000));
                }
                VerifyState::Verified
            }
        };
        reporter.event(Event::StepFinished {
            step: "read".into(),
            outcome: if state == VerifyState::Verified {
                StepOutcome::Ok
            } else {
                StepOutcome::Cancelled
            },
            detail: None,
        });
        let reason = (state == VerifyState::Cancelled).then_some("cancelled");
        verdict(&file, state, reason)
    }
}

/// A `TestBackend` that keeps the text of every frame drawn.
struct Recorder {
    term: Terminal<TestBackend>,
    frames: Arc<Mutex<Vec<String>>>,
}

impl Surface for Recorder {
    fn draw(&mut self, render: &mut dyn FnMut(&mut ratatui::Frame)) -> io::Result<()> {
        let _ = self.term.draw(|f| render(f));
        self.frames
            .lock()
            .unwrap()
            .push(self.term.backend().to_string());
        Ok(())
    }

    fn size(&self) -> io::Result<(u16, u16)> {
        Ok((80, 24))
    }
}

pub(super) struct Harness {
    pub(super) keys: UnboundedSender<io::Result<TermEvent>>,
    pub(super) signals: UnboundedSender<Action>,
    /// The tap's side of the log channel.
    pub(super) logs: tokio::sync::mpsc::Sender<crate::tui::state::log_pane::LogLine>,
    frames: Arc<Mutex<Vec<String>>>,
}

impl Harness {
    /// Types `text`, one key a character.
    pub(super) fn typed(&self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub(super) fn key(&self, code: KeyCode) {
        let _ = self
            .keys
            .send(Ok(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))));
    }

    pub(super) fn ctrl_c(&self) {
        let _ = self.keys.send(Ok(TermEvent::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        ))));
    }

    /// Waits (up to 10 s) for a frame showing `text`.
    pub(super) async fn shows(&self, text: &str) {
        for _ in 0..1000 {
            if self
                .frames
                .lock()
                .unwrap()
                .last()
                .is_some_and(|f| f.contains(text))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let last = self
            .frames
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or_default();
        panic!("no frame showed {text:?}; the last one:\n{last}");
    }
}

fn input(
    rx: tokio::sync::mpsc::UnboundedReceiver<io::Result<TermEvent>>,
) -> impl Stream<Item = io::Result<TermEvent>> + Unpin {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|ev| (ev, rx))
    }))
}

/// Runs the console over `fake` while `drive` plays the operator; returns the final state.
pub(super) async fn session<B, F>(
    fake: Arc<B>,
    drive: impl FnOnce(Harness) -> F,
) -> (App, Vec<String>)
where
    B: Backend,
    F: std::future::Future<Output = ()>,
{
    let (key_tx, key_rx) = unbounded_channel();
    let (sig_tx, sig_rx) = unbounded_channel();
    let (log_tx, log_rx) = tokio::sync::mpsc::channel(crate::tui::log_tap::QUEUE);
    let frames = Arc::new(Mutex::new(Vec::new()));
    let mut surface = Recorder {
        term: Terminal::new(TestBackend::new(80, 24)).unwrap(),
        frames: frames.clone(),
    };
    let mut app = App::new(
        vec![(HOME.into(), false), (NAS.into(), true)],
        now(),
        jiff::tz::TimeZone::UTC,
        (80, 24),
        true,
    );
    let ui = Ui::new(false, false);
    let harness = Harness {
        keys: key_tx,
        signals: sig_tx,
        logs: log_tx,
        frames: frames.clone(),
    };
    let run = runtime::run(
        &mut app,
        &ui,
        fake,
        &mut surface,
        runtime::Inputs {
            events: input(key_rx),
            external: sig_rx,
            logs: log_rx,
        },
        now,
    );
    let (result, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(run, drive(harness))
    })
    .await
    .expect("the console ended in time");
    result.expect("the loop ran");
    let frames = frames.lock().unwrap().clone();
    (app, frames)
}

fn fake(script: Script) -> (Arc<Fake>, std::sync::mpsc::Sender<()>) {
    let (go_tx, go_rx) = std::sync::mpsc::channel();
    let f = Fake {
        script,
        go: Mutex::new(Some(go_rx)),
        cancelled: AtomicBool::new(false),
    };
    (Arc::new(f), go_tx)
}

fn home(file: &str) -> PathBuf {
    PathBuf::from(HOME).join(file)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verify_runs_in_the_background_and_the_badge_turns_verified() {
    let (fake, go) = fake(Script::HalfThenWait);
    let (app, _) = session(fake.clone(), |h| async move {
        // The version-1 archive's manifest arrives from the background read.
        h.shows("ollama").await;
        h.key(KeyCode::Char('j'));
        h.key(KeyCode::Char('j'));
        h.key(KeyCode::Char('v'));
        h.shows(" 50%").await;
        go.send(()).unwrap();
        h.shows("VERIFIED").await;
        h.key(KeyCode::Esc);
        h.shows("verified 0s ago").await;
        h.key(KeyCode::Char('q'));
    })
    .await;
    let e = app
        .entry(&home("tars-backup-20260105_030000.tar.gz"))
        .unwrap();
    assert_eq!(e.info.state, ListState::Verified);
    assert!(!fake.cancelled.load(Ordering::SeqCst));
    assert_eq!(app.exit_code(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_during_a_verify_asks_and_cancels_it() {
    let (fake, _go) = fake(Script::HalfThenWait);
    let (app, _) = session(fake.clone(), |h| async move {
        h.shows("2026-01-06 03:00").await;
        h.key(KeyCode::Char('v'));
        h.shows(" 50%").await;
        h.ctrl_c();
        h.shows("Cancel it and quit?").await;
        h.key(KeyCode::Char('y'));
    })
    .await;
    assert!(
        fake.cancelled.load(Ordering::SeqCst),
        "the job saw the cancel"
    );
    assert_eq!(
        app.summary(),
        ["verify tars-backup-20260106_030000.tar.gz: cancelled"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_terminal_or_a_signal_cancels_the_job_and_ends_the_loop() {
    let (fake1, _go) = fake(Script::HalfThenWait);
    let (app, _) = session(fake1.clone(), |h| async move {
        h.shows("2026-01-06 03:00").await;
        h.key(KeyCode::Char('v'));
        h.shows(" 50%").await;
        drop(h.keys); // the SSH session went away
    })
    .await;
    assert!(fake1.cancelled.load(Ordering::SeqCst));
    assert_eq!(app.exit_code(), 0);

    let (fake2, _go) = fake(Script::HalfThenWait);
    let (app, _) = session(fake2.clone(), |h| async move {
        h.shows("2026-01-06 03:00").await;
        h.key(KeyCode::Char('v'));
        h.shows(" 50%").await;
        h.signals.send(Action::Signal(1)).unwrap();
    })
    .await;
    assert!(fake2.cancelled.load(Ordering::SeqCst));
    assert_eq!(app.exit_code(), 129);
}

/// A job reporting progress as fast as it can is drawn about ten times a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_repaints_are_capped_at_about_ten_a_second() {
    let (fake, _go) = fake(Script::Flood);
    let (_, frames) = session(fake, |h| async move {
        h.shows("2026-01-06 03:00").await;
        h.key(KeyCode::Char('v'));
        h.shows("VERIFIED").await;
        h.key(KeyCode::Esc);
        h.key(KeyCode::Char('q'));
    })
    .await;
    let verifying = frames.iter().filter(|f| f.contains("reading tars")).count();
    assert!(
        (1..=12).contains(&verifying),
        "{verifying} frames for 600 ms of progress"
    );
}

/// A log line from the tap reaches the pane through the loop (no key, no job to wake it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_line_wakes_the_loop_and_reaches_the_pane() {
    let (fake, _go) = fake(Script::HalfThenWait);
    let (app, _) = session(fake, |h| async move {
        h.shows("2026-01-06 03:00").await;
        let line = crate::tui::state::log_pane::LogLine {
            at: now(),
            level: tracing::Level::WARN,
            text: "backup: low space on /var/backups".into(),
        };
        h.logs.send(line).await.unwrap();
        h.shows("1 new warning: J shows the log").await;
        h.key(KeyCode::Char('J'));
        h.shows("backup: low space on /var/backups").await;
        h.key(KeyCode::Esc);
        h.key(KeyCode::Char('q'));
    })
    .await;
    assert_eq!(app.log.lines.len(), 1);
    assert_eq!(app.log.unseen_warnings, 0);
}
