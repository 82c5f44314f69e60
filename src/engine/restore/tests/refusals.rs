//! Every way the checklist refuses a restore: what blocks, what a waiver lets through, what can
//! never be waived; each refusal changes nothing.

use super::bench::{Bench, steps};
use crate::engine::ErrorKind;
use crate::engine::exit;
use crate::engine::progress::{Cancel, Silent};
use crate::engine::restore::driver::{LockRule, arm};
use crate::engine::restore::{End, ItemStatus};

/// What the checklist's blocker is, after `accept`, for the bench as it is now.
async fn blocker(b: &Bench, accept: &[&str]) -> Option<(String, bool)> {
    let mut a = arm(&b.host, b.request(), "test", LockRule::ShownIfHeld).unwrap();
    a.prepare(&Silent, &Cancel::new()).await.unwrap();
    let accept: Vec<String> = accept.iter().map(|s| s.to_string()).collect();
    let r = a.review(&accept).unwrap();
    r.blocker.map(|i| (i.id, i.compatibility))
}

/// A refused run: nothing changed, and the exit code the command line gives.
async fn refused(b: &Bench, accept: &[&str]) -> (String, u8) {
    let f = b.restore(b.request(), accept, &Cancel::new()).await;
    let End::NothingChanged(why) = &f.end else {
        panic!("not refused: {f:?}");
    };
    assert!(
        steps(&b.fake).is_empty(),
        "a refusal changes nothing: {:#?}",
        steps(&b.fake)
    );
    (why.clone(), exit::for_restore(&f))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_by_another_lifeboat_blocks_and_can_never_be_waived() {
    let b = Bench::new().await;
    let other =
        crate::engine::lock::HostLock::try_acquire(&b.host.locations.lock, "lifeboat backup")
            .unwrap();
    // A real restore stops at once (11); the checklist (dry run, wizard) shows the holder.
    let e = arm(&b.host, b.request(), "test", LockRule::Required)
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::Locked);
    assert_eq!(exit::for_restore_error(e.kind()), exit::LOCKED);
    let mut a = arm(&b.host, b.request(), "test", LockRule::ShownIfHeld).unwrap();
    let p = a.prepare(&Silent, &Cancel::new()).await.unwrap();
    let lock = p.items.iter().find(|i| i.id == "lock").unwrap();
    assert_eq!(lock.status, ItemStatus::Fail);
    assert!(lock.detail.contains("lifeboat backup"), "{}", lock.detail);
    assert!(a.review(&["lock".into()]).is_err(), "never waivable");
    let r = a.review(&[]).unwrap();
    assert_eq!(r.blocker.as_ref().map(|i| i.id.as_str()), Some("lock"));
    // The lock freed, the next checklist of the same armed restore takes it.
    drop(other);
    let p = a.prepare(&Silent, &Cancel::new()).await.unwrap();
    let lock = p.items.iter().find(|i| i.id == "lock").unwrap();
    assert_eq!(lock.status, ItemStatus::Ok, "{}", lock.detail);
    assert!(a.review(&[]).unwrap().blocker.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_postgres_is_a_compatibility_refusal_no_waiver_lifts() {
    let b = Bench::new().await;
    b.fake.lock().pg.get_mut("lbu-db").unwrap().version = "14.11".into();
    assert_eq!(
        blocker(&b, &[]).await,
        Some(("pg-version:postgres".into(), true))
    );
    let (why, code) = refused(&b, &[]).await;
    assert!(why.contains("pg-version:postgres"), "{why}");
    assert_eq!(code, exit::INCOMPATIBLE);
    let mut a = arm(&b.host, b.request(), "test", LockRule::Required).unwrap();
    a.prepare(&Silent, &Cancel::new()).await.unwrap();
    let e = a.review(&["pg-version:postgres".into()]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_postgres_blocks_until_waived_then_the_restore_runs() {
    let b = Bench::new().await;
    b.fake.lock().pg.get_mut("lbu-db").unwrap().version = "16.2".into();
    assert_eq!(
        blocker(&b, &[]).await,
        Some(("pg-version:postgres".into(), true))
    );
    let (_, code) = refused(&b, &[]).await;
    assert_eq!(code, exit::INCOMPATIBLE);
    assert_eq!(blocker(&b, &["pg-version:postgres"]).await, None);
    let f = b
        .restore(b.request(), &["pg-version:postgres"], &Cancel::new())
        .await;
    assert_eq!(f.end, End::Committed, "{f:?}");
    assert_eq!(f.waived, ["pg-version:postgres"]);
    assert_eq!(exit::for_restore(&f), exit::WARNINGS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_image_blocks_until_waived() {
    let b = Bench::new().await;
    b.fake
        .lock()
        .containers
        .get_mut("lbu-models")
        .unwrap()
        .image_id = "sha256:models:2".into();
    assert_eq!(blocker(&b, &[]).await, Some(("image:models".into(), true)));
    refused(&b, &[]).await;
    let f = b
        .restore(b.request(), &["image:models"], &Cancel::new())
        .await;
    assert_eq!(f.end, End::Committed, "{f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_database_container_blocks_and_can_never_be_waived() {
    let b = Bench::new().await;
    b.fake.lock().containers.remove("lbu-db");
    let (id, _) = blocker(&b, &[]).await.unwrap();
    assert_eq!(id, "container:postgres");
    let (why, code) = refused(&b, &[]).await;
    assert!(why.contains("container:postgres"), "{why}");
    assert_eq!(code, exit::ERROR);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_waiver_is_refused_rather_than_ignored() {
    let b = Bench::new().await;
    let mut a = arm(&b.host, b.request(), "test", LockRule::Required).unwrap();
    a.prepare(&Silent, &Cancel::new()).await.unwrap();
    let e = a.review(&["image:postgress".into()]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
    let f = a
        .run(&["image:postgress".into()], &Silent, &Cancel::new())
        .await;
    assert!(matches!(f.end, End::NothingChanged(_)), "{f:?}");
    assert_eq!(exit::for_restore(&f), exit::ERROR);
    assert!(steps(&b.fake).is_empty());
}

/// Something the checklist showed as fine changes before the first swap (the container is
/// stopped by hand): the run stops before stopping anything itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checklist_item_that_changed_since_it_was_shown_ends_the_run() {
    let b = Bench::new().await;
    let mut a = arm(&b.host, b.request(), "test", LockRule::Required).unwrap();
    a.prepare(&Silent, &Cancel::new()).await.unwrap();
    b.fake.lock().pg.get_mut("lbu-db").unwrap().version = "14.11".into();
    let f = a.run(&[], &Silent, &Cancel::new()).await;
    let End::NothingChanged(why) = &f.end else {
        panic!("{f:?}");
    };
    assert!(why.contains("changed since it was shown"), "{why}");
    assert!(!steps(&b.fake).iter().any(|s| s.starts_with("stop ")));
}

/// `--accept no-safety-backup`: the restore runs without one and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiving_the_safety_backup_runs_without_one() {
    let b = Bench::new().await;
    let f = b
        .restore(b.request(), &["no-safety-backup"], &Cancel::new())
        .await;
    assert_eq!(f.end, End::Committed, "{f:?}");
    assert!(f.safety_backup.is_none());
    assert_eq!(f.waived, ["safety-backup"]);
    let r = super::bench::records(&b.state(), &f.restore_id);
    assert!(!r.contains(&"safety".to_string()), "{r:?}");
    assert!(!steps(&b.fake).iter().any(|s| s.starts_with("pg_dump")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_without_a_checklist_is_refused() {
    let b = Bench::new().await;
    let a = arm(&b.host, b.request(), "test", LockRule::Required).unwrap();
    let f = a.run(&[], &Silent, &Cancel::new()).await;
    let End::NothingChanged(why) = &f.end else {
        panic!("{f:?}");
    };
    assert!(why.contains("run the checklist first"), "{why}");
    assert!(b.fake.calls().is_empty());
}
