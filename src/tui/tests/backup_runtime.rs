//! "Backup now" through the real event loop with a scripted engine: the stack status read at
//! start reaches the header, `B` `y` runs the backup on a blocking thread whose progress
//! reaches the screen, and `c` cancels it (the fake sees the token); a committed run lists
//! the new archive at the top of the browser.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crossterm::event::KeyCode;

use crate::engine::archive::Manifest;
use crate::engine::catalog::ArchiveInfo;
use crate::engine::progress::{Cancel, Event, Reporter};
use crate::engine::runs::Run;
use crate::engine::verify::{Verdict, VerifyState};
use crate::tui::backend::Backend;
use crate::tui::state::action::ListError;
use crate::tui::state::backup::{BackupEnd, StackStatus};
use crate::tui::tests::fixtures::*;
use crate::tui::tests::runtime::session;

const NEW: &str = "tars-backup-20260106_120000.tar.gz";

/// Commits a new archive unless cancelled while it waits half-way.
struct Fake {
    /// Set once the backup has committed: the home folder then lists the new archive.
    written: AtomicBool,
    cancelled: AtomicBool,
    /// Closed (dropped) to let the backup finish.
    go: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
    listings: AtomicUsize,
}

impl Backend for Fake {
    fn list(&self, dir: &Path) -> Result<Vec<ArchiveInfo>, ListError> {
        self.listings.fetch_add(1, Ordering::SeqCst);
        match dir.to_str() {
            Some(HOME) => {
                let mut l = home_listing();
                if self.written.load(Ordering::SeqCst) {
                    let mut new = l[0].clone();
                    new.file = NEW.into();
                    new.path = PathBuf::from(HOME).join(NEW);
                    new.manifest = Some(manifest(
                        "tars-backup-20260106_120000",
                        "2026-01-06T12:00:00+00:00",
                        &[("redis", "redis", "redis-dump.rdb", 3_100_000)],
                    ));
                    l.insert(0, new);
                }
                Ok(l)
            }
            Some(NAS) => Ok(nas_listing()),
            _ => Err(ListError::Missing),
        }
    }

    fn manifest(&self, _: &Path) -> Result<Manifest, String> {
        Err("not read in this test".into())
    }

    fn verify(&self, archive: &Path, _: &dyn Reporter, _: &Cancel) -> Verdict {
        verdict(&archive.display().to_string(), VerifyState::Verified, None)
    }

    fn stack_status(&self) -> Result<StackStatus, String> {
        Ok(StackStatus {
            profile: "tars-home".into(),
            output_dir: HOME.into(),
            last_failed: Some(Run {
                start: "2026-01-06T10:00:00Z".into(),
                end: "2026-01-06T10:01:00Z".into(),
                profile: "tars-home".into(),
                exit_code: 11,
                reason: Some("another lifeboat holds the lock".into()),
                archive: None,
            }),
        })
    }

    fn backup(&self, reporter: &dyn Reporter, cancel: &Cancel) -> BackupEnd {
        reporter.event(Event::StepStarted {
            step: "redis".into(),
            label: "redis: BGSAVE copy".into(),
            total: Some(1000),
        });
        reporter.progress("redis", 500, Some(1000));
        let go = self.go.lock().unwrap().take().unwrap();
        loop {
            if cancel.is_cancelled() {
                self.cancelled.store(true, Ordering::SeqCst);
                return BackupEnd::failed(20, "cancelled".into());
            }
            if let Err(std::sync::mpsc::RecvTimeoutError::Disconnected) =
                go.recv_timeout(Duration::from_millis(5))
            {
                break;
            }
        }
        self.written.store(true, Ordering::SeqCst);
        BackupEnd {
            exit_code: 0,
            archive: Some((PathBuf::from(HOME).join(NEW), 3_100_000)),
            captured: vec!["redis".into()],
            failed: Vec::new(),
            warnings: Vec::new(),
            restarted: Vec::new(),
            error: None,
        }
    }
}

fn fake() -> (std::sync::Arc<Fake>, std::sync::mpsc::Sender<()>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let f = Fake {
        written: AtomicBool::new(false),
        cancelled: AtomicBool::new(false),
        go: Mutex::new(Some(rx)),
        listings: AtomicUsize::new(0),
    };
    (std::sync::Arc::new(f), tx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_now_runs_in_the_background_and_the_new_archive_tops_the_list() {
    let (fake, go) = fake();
    let (app, _) = session(fake.clone(), |h| async move {
        h.shows("last failed backup run (tars-home)").await;
        h.key(KeyCode::Char('B'));
        h.shows("Back up profile tars-home now?").await;
        h.key(KeyCode::Char('y'));
        h.shows("50%").await;
        drop(go);
        h.shows("COMMITTED").await;
        h.key(KeyCode::Esc);
        h.shows(NEW).await;
        h.key(KeyCode::Char('q'));
    })
    .await;
    assert!(!fake.cancelled.load(Ordering::SeqCst));
    assert_eq!(
        app.selected().unwrap().info.file,
        NEW,
        "the newest, selected"
    );
    assert!(
        fake.listings.load(Ordering::SeqCst) >= 4,
        "read again after"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_cancels_the_backup_through_its_token() {
    let (fake, _go) = fake();
    let (app, _) = session(fake.clone(), |h| async move {
        h.shows("last failed backup run").await;
        h.key(KeyCode::Char('B'));
        h.shows("Back up profile").await;
        h.key(KeyCode::Char('y'));
        h.shows("50%").await;
        h.key(KeyCode::Char('c'));
        h.shows("CANCELLED: nothing was committed").await;
        h.key(KeyCode::Char('q'));
        h.key(KeyCode::Char('q'));
    })
    .await;
    assert!(fake.cancelled.load(Ordering::SeqCst));
    assert!(app.backup.unwrap().end.is_some());
}
