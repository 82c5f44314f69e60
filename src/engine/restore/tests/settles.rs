//! After a restore: settling an interrupted one (`--rollback`, `--resume`), and undoing a
//! committed one from its safety backup.

use super::bench::{Bench, backed_up, records, steps};
use crate::engine::ErrorKind;
use crate::engine::docker::fake::Call;
use crate::engine::docker::fake_pg::Tables;
use crate::engine::progress::{Cancel, Silent};
use crate::engine::restore::aftercare::{settle_interrupted, undo};
use crate::engine::restore::{End, Finished};

/// A restore interrupted after its first swap passed: the second swap's rollback fails once,
/// so the journal stays open with uploads swapped and checked, postgres caught half-way.
async fn interrupted(b: &Bench) -> Finished {
    b.fake.fail_when(|call, w| {
        // How often a one-off of this kind ran before, whatever the restore.
        let tries = |prefix: &str| {
            w.calls
                .iter()
                .filter(|c| matches!(c, Call::Run(m) if m.starts_with(prefix)))
                .count()
        };
        let (swap, rollback) = ("lifeboat-swap-lbu-models-", "lifeboat-rollback-lbu-models-");
        match call {
            Call::Run(n) if n.starts_with(swap) && tries(swap) == 0 => Some("killed".into()),
            Call::Run(n) if n.starts_with(rollback) && tries(rollback) < 2 => {
                Some("the disk is gone".into())
            }
            _ => None,
        }
    });
    let f = b.restore(b.request(), &[], &Cancel::new()).await;
    assert!(matches!(f.end, End::RollbackFailed(_)), "{f:?}");
    f
}

/// `--resume` of a journal whose archive changed since: refused before anything is touched
/// (no Docker call, the live data and the journal as they were), exit 13.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_of_a_changed_archive_is_refused_before_anything_is_touched() {
    let b = Bench::new().await;
    let f = interrupted(&b).await;
    let journal = crate::engine::journal::path_of(&b.state(), &f.restore_id);
    let before = std::fs::read(&journal).unwrap();
    let folders = b.fake.lock().folders.clone();
    let live = b.live();
    // The archive replaced by other bytes under the same name.
    let mut bytes = std::fs::read(&b.archive).unwrap();
    bytes.push(0);
    std::fs::write(&b.archive, bytes).unwrap();
    b.fake.lock().calls.clear();
    let e = settle_interrupted(&b.host, &f.restore_id, true, "test", &Silent)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Integrity);
    assert_eq!(
        crate::engine::exit::for_restore_error(e.kind()),
        crate::engine::exit::INTEGRITY
    );
    let msg = e.to_string();
    assert!(
        msg.contains("not the bytes the interrupted restore verified")
            && msg.contains("settle it with --rollback"),
        "{msg}"
    );
    assert!(b.fake.calls().is_empty(), "{:?}", b.fake.calls());
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        before,
        "the journal as it was"
    );
    assert_eq!(b.fake.lock().folders, folders);
    assert_eq!(b.live(), live);
    assert_eq!(
        crate::engine::journal::unsettled(&b.state()).unwrap().len(),
        1
    );
}

/// `--resume`: what passed is kept, what was caught half-way goes back, and the restore of the
/// rest (from the same bytes) leaves every component on the backup's data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_keeps_what_passed_and_restores_the_rest() {
    let b = Bench::new().await;
    let f = interrupted(&b).await;
    let end = settle_interrupted(&b.host, &f.restore_id, true, "test", &Silent)
        .await
        .unwrap();
    let s = &end.settled;
    assert_eq!(s.kept, ["uploads", "postgres"], "swapped and checked: kept");
    assert_eq!(s.rolled_back, ["models"], "caught half-way: put back");
    assert_eq!(s.remaining, ["models"]);
    let r = records(&b.state(), &f.restore_id);
    assert_eq!(r.last().map(String::as_str), Some("end resumed"), "{r:?}");
    let resume = end.resume.expect("components are left to restore");
    assert_eq!(resume.expect_sha256.as_deref().map(str::len), Some(64));
    assert_eq!(
        resume.selection.components, s.remaining,
        "exactly what was not kept"
    );
    let g = b.restore(resume, &[], &Cancel::new()).await;
    assert_eq!(g.end, End::Committed, "{g:?}");
    assert_eq!(b.live(), backed_up());
    assert_eq!(b.folder("lbu-app", "/data"), "restored");
    assert_eq!(b.folder("lbu-models", "/models"), "restored");
    assert!(
        crate::engine::journal::unsettled(&b.state())
            .unwrap()
            .is_empty()
    );
}

/// `--undo`: the safety backup of a committed restore put back over exactly what it replaced,
/// as a restore of its own (with its own safety backup).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_puts_back_what_the_restore_replaced() {
    let b = Bench::new().await;
    let f = b.restore(b.request(), &[], &Cancel::new()).await;
    assert_eq!(f.end, End::Committed);
    assert_eq!(b.live(), backed_up());
    let u = undo(&b.host, None).unwrap();
    assert_eq!(u.restore_id, f.restore_id);
    assert_eq!(u.components, ["uploads", "postgres", "models"]);
    assert_eq!(u.request.undoes.as_deref(), Some(f.restore_id.as_str()));
    assert!(
        u.warning()
            .contains("changes made since then are discarded")
    );
    b.fake.lock().calls.clear();
    let g = b.restore(u.request, &[], &Cancel::new()).await;
    assert_eq!(g.end, End::Committed, "{g:?}");
    assert_eq!(
        b.live(),
        Tables::from([("public.users".into(), 3)]),
        "the database from before the restore"
    );
    assert!(g.safety_backup.is_some(), "the undo keeps what it replaced");
    assert!(steps(&b.fake).iter().any(|s| s.starts_with("load ")));
    // An undo of a restore that never committed is refused.
    let e = undo(&b.host, Some("19990101000000")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
}

/// A removed container whose volume was deleted too: the restore recreates the volume to fill
/// it; when that restore is put back, by the run itself or by `--rollback` after a kill, the
/// volume it created goes again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volume_recreated_for_a_removed_container_goes_again_on_rollback() {
    let b = Bench::new().await;
    let models = |b: &Bench| b.fake.lock().volumes.contains_key("lbu_models");
    assert!(models(&b), "the backup's volume exists");
    // The incident: the models container removed and its volume deleted.
    let fail_swap = |b: &Bench| {
        b.fake.fail_when(|call, w| {
            let tries = |p: &str| {
                w.calls
                    .iter()
                    .filter(|c| matches!(c, Call::Run(m) if m.starts_with(p)))
                    .count()
            };
            match call {
                Call::Run(n) if n.starts_with("lifeboat-swap-lbu-models-") => Some("killed".into()),
                Call::Run(n)
                    if n.starts_with("lifeboat-rollback-lbu-models-")
                        && tries("lifeboat-rollback-lbu-models-") == 0 =>
                {
                    Some("the disk is gone".into())
                }
                _ => None,
            }
        })
    };
    b.fake.lock().containers.remove("lbu-models");
    b.fake.lock().volumes.remove("lbu_models");
    fail_swap(&b);
    let f = b
        .restore(b.request(), &["no-safety-backup"], &Cancel::new())
        .await;
    assert!(matches!(f.end, End::RollbackFailed(_)), "{f:?}");
    assert!(models(&b), "recreated, and left by the failed rollback");
    settle_interrupted(&b.host, &f.restore_id, false, "test", &Silent)
        .await
        .unwrap();
    assert!(
        !models(&b),
        "--rollback removes the volume the restore created"
    );
    assert!(
        crate::engine::journal::unsettled(&b.state())
            .unwrap()
            .is_empty()
    );
}
