//! Restores that run: their order, the all-or-nothing rule, cancels, and their journals.

use super::bench::{Bench, backed_up, records, steps};
use crate::engine::docker::fake::{Call, Reply};
use crate::engine::docker::fake_pg::Tables;
use crate::engine::progress::Cancel;
use crate::engine::restore::End;

/// Both data folders of the bench, and what is live in each.
fn folders(b: &Bench) -> (String, String) {
    (
        b.folder("lbu-app", "/data"),
        b.folder("lbu-models", "/models"),
    )
}

/// Everything staged and checked before anything stops; the dependent stopped once; each
/// component stopped, copied for the safety backup, swapped and started in turn; the safety
/// backup committed before the old data is dropped; the dependent started last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_stages_everything_first_then_swaps_each_component_in_turn() {
    let b = Bench::new().await;
    let f = b.restore(b.request(), &[], &Cancel::new()).await;
    assert_eq!(f.end, End::Committed, "{f:?}");
    assert_eq!(f.restored, ["uploads", "postgres", "models"]);
    assert!(f.safety_backup.as_ref().is_some_and(|p| p.exists()));
    assert_eq!(b.live(), backed_up());
    assert_eq!(folders(&b), ("restored".into(), "restored".into()));
    assert_eq!(
        b.databases(),
        ["postgres", "tars"],
        "no scratch or kept copy left"
    );
    assert_eq!(
        steps(&b.fake),
        [
            // Staging: the dump loaded into a scratch database while everything runs.
            "CREATE DATABASE \"tars__lifeboat_ID\"",
            "load tars__lifeboat_ID",
            // The dependent of postgres, stopped once for the whole restore.
            "policy lbu-web no",
            "stop lbu-web",
            // uploads: held stopped, new data beside the old, swapped, started.
            "policy lbu-app no",
            "stop lbu-app",
            "upload lbu-app:/data",
            "run lifeboat-swap-lbu-app-ID",
            "start lbu-app",
            "policy lbu-app unless-stopped",
            "start lbu-app",
            // postgres: its safety dump, then the two renames.
            "pg_dump tars",
            "ALTER DATABASE \"tars\" RENAME TO \"tars__pre_ID\"",
            "ALTER DATABASE \"tars__lifeboat_ID\" RENAME TO \"tars\"",
            "policy lbu-models no",
            "stop lbu-models",
            "upload lbu-models:/models",
            "run lifeboat-swap-lbu-models-ID",
            "start lbu-models",
            "policy lbu-models unless-stopped",
            "start lbu-models",
            // Commit: the old data dropped only now, in the same order.
            "run lifeboat-commit-lbu-app-ID",
            "DROP DATABASE IF EXISTS \"tars__pre_ID\"",
            "run lifeboat-commit-lbu-models-ID",
            "start lbu-web",
            "policy lbu-web unless-stopped",
        ]
    );
    assert_eq!(
        records(&b.state(), &f.restore_id),
        [
            "begin",
            "unit uploads",
            "unit postgres",
            "unit models",
            "swap_begin uploads",
            "swap_done uploads",
            "swap_begin postgres",
            "swap_done postgres",
            "swap_begin models",
            "swap_done models",
            "safety",
            "commit_begin",
            "committed uploads",
            "committed postgres",
            "committed models",
            "end committed",
        ]
    );
}

/// Fails the check of the swapped-in live database: it answers with a table missing.
fn failing_postgres_check(b: &Bench) {
    b.fake.on_exec(|_, container, req, _| {
        let sql = req
            .cmd
            .iter()
            .position(|a| a == "-c")
            .map(|i| &req.cmd[i + 1])?;
        let db = req
            .cmd
            .iter()
            .position(|a| a == "-d")
            .map(|i| &req.cmd[i + 1])?;
        // The post-swap check reads the live name without the checklist's UNION of live tables.
        (container == "lbu-db"
            && db == "tars"
            && sql.starts_with("SELECT t, (xpath(")
            && !sql.contains("UNION"))
        .then(|| Reply::ok("public.users|3"))
    });
}

/// The check after the second of three swaps fails: the first two are put back (the second by
/// renaming the old database back), the third never stops, the restore ends rolled back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_check_after_the_second_swap_puts_the_first_two_back() {
    let b = Bench::new().await;
    failing_postgres_check(&b);
    let f = b.restore(b.request(), &[], &Cancel::new()).await;
    assert_eq!(f.end, End::RolledBack, "{f:?}");
    assert!(f.restored.is_empty());
    let back: Vec<&str> = f.rolled_back.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(back, ["postgres", "uploads"]);
    assert!(f.rolled_back[0].1.contains("public.messages"), "{f:?}");
    assert_eq!(
        b.live(),
        Tables::from([("public.users".into(), 3)]),
        "the live database is the one from before the restore"
    );
    assert_eq!(folders(&b), ("old".into(), "old".into()));
    assert_eq!(b.databases(), ["postgres", "tars"]);
    assert!(
        f.safety_backup.is_none(),
        "nothing committed, no safety backup"
    );
    let s = steps(&b.fake);
    assert!(
        !s.iter().any(|c| c.contains("lbu-models")),
        "models never stopped: {s:#?}"
    );
    assert!(b.fake.running("lbu-app") && b.fake.running("lbu-web"));
    assert_eq!(
        records(&b.state(), &f.restore_id),
        [
            "begin",
            "unit uploads",
            "unit postgres",
            "unit models",
            "swap_begin uploads",
            "swap_done uploads",
            "swap_begin postgres",
            "rollback_begin postgres",
            "rolled_back postgres",
            "rollback_begin uploads",
            "rolled_back uploads",
            "end rolled_back",
        ]
    );
}

/// The third swap fails: all three are put back, newest first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_in_the_third_swap_puts_all_three_back() {
    let b = Bench::new().await;
    b.fake.fail_when(|call, _| match call {
        Call::Run(n) if n.starts_with("lifeboat-swap-lbu-models-") => {
            Some("the swap script was killed".into())
        }
        _ => None,
    });
    let f = b.restore(b.request(), &[], &Cancel::new()).await;
    assert_eq!(f.end, End::RolledBack, "{f:?}");
    let back: Vec<&str> = f.rolled_back.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(back, ["models", "postgres", "uploads"]);
    assert_eq!(b.live(), Tables::from([("public.users".into(), 3)]));
    assert_eq!(folders(&b), ("old".into(), "old".into()));
    assert!(
        ["lbu-app", "lbu-db", "lbu-web", "lbu-models"]
            .iter()
            .all(|c| b.fake.running(c))
    );
    let r = records(&b.state(), &f.restore_id);
    assert_eq!(
        r[r.len() - 7..],
        [
            "rollback_begin models",
            "rolled_back models",
            "rollback_begin postgres",
            "rolled_back postgres",
            "rollback_begin uploads",
            "rolled_back uploads",
            "end rolled_back",
        ]
    );
}

/// `--keep-partial`: what passed stays, what failed is put back, the restore commits partial.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_partial_commits_what_passed() {
    let b = Bench::new().await;
    failing_postgres_check(&b);
    let mut req = b.request();
    req.keep_partial = true;
    let f = b.restore(req, &[], &Cancel::new()).await;
    assert_eq!(f.end, End::Partial, "{f:?}");
    assert_eq!(f.restored, ["uploads", "models"]);
    assert_eq!(folders(&b), ("restored".into(), "restored".into()));
    assert_eq!(b.live(), Tables::from([("public.users".into(), 3)]));
    let r = records(&b.state(), &f.restore_id);
    assert!(r.contains(&"rolled_back postgres".to_string()), "{r:?}");
    assert_eq!(r.last().map(String::as_str), Some("end partial"));
}

/// A cancel while the database loads in staging: nothing stops, the scratch goes, the journal
/// ends cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_before_the_first_swap_stops_nothing() {
    let b = Bench::new().await;
    let cancel = Cancel::new();
    let c = cancel.clone();
    b.fake.on_exec(move |_, _, req, stdin| {
        // The load: the operator cancels while it runs; it finishes all the same.
        (req.cmd.first().is_some_and(|p| p == "psql") && !stdin.is_empty()).then(|| {
            c.cancel();
            None
        })?
    });
    let f = b.restore(b.request(), &[], &cancel).await;
    assert_eq!(f.end, End::Cancelled, "{f:?}");
    assert!(f.restored.is_empty() && f.rolled_back.is_empty());
    let s = steps(&b.fake);
    assert!(
        !s.iter()
            .any(|c| c.starts_with("stop ") || c.starts_with("upload ")),
        "{s:#?}"
    );
    assert_eq!(
        b.databases(),
        ["postgres", "tars"],
        "the scratch was dropped"
    );
    assert_eq!(b.live(), Tables::from([("public.users".into(), 3)]));
    assert_eq!(
        records(&b.state(), &f.restore_id),
        ["begin", "unit uploads", "end cancelled"],
        "postgres never finished staging"
    );
}

/// A cancel during the first swap: that swap finishes, then it is put back and nothing else
/// is touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_during_a_swap_lets_it_finish_then_puts_it_back() {
    let b = Bench::new().await;
    let cancel = Cancel::new();
    let c = cancel.clone();
    b.fake.fail_when(move |call, _| {
        if matches!(call, Call::Run(n) if n.starts_with("lifeboat-swap-lbu-app-")) {
            c.cancel();
        }
        None
    });
    let f = b.restore(b.request(), &[], &cancel).await;
    assert_eq!(f.end, End::Cancelled, "{f:?}");
    assert_eq!(
        f.rolled_back,
        [("uploads".to_string(), "cancelled".to_string())]
    );
    assert_eq!(folders(&b), ("old".into(), "old".into()));
    assert_eq!(b.live(), Tables::from([("public.users".into(), 3)]));
    assert_eq!(b.databases(), ["postgres", "tars"]);
    assert!(!steps(&b.fake).iter().any(|c| c.contains("RENAME")));
    let r = records(&b.state(), &f.restore_id);
    assert_eq!(
        r[4..],
        [
            "swap_begin uploads",
            "swap_done uploads",
            "rollback_begin uploads",
            "rolled_back uploads",
            "end cancelled"
        ]
    );
}

/// A dump that does not load: the restore ends before anything stops, journal `failed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staging_failure_changes_nothing_and_ends_failed() {
    let b = Bench::new().await;
    b.fake.on_exec(|_, _, req, stdin| {
        (req.cmd.first().is_some_and(|p| p == "psql") && !stdin.is_empty())
            .then(|| Reply::fail(3, "ERROR:  relation \"x\" already exists"))
    });
    let f = b.restore(b.request(), &[], &Cancel::new()).await;
    let End::NothingChanged(why) = &f.end else {
        panic!("{f:?}");
    };
    assert!(
        why.contains("did not load") && why.contains("nothing was stopped"),
        "{why}"
    );
    assert!(!steps(&b.fake).iter().any(|c| c.starts_with("stop ")));
    assert_eq!(b.databases(), ["postgres", "tars"]);
    assert_eq!(
        records(&b.state(), &f.restore_id),
        ["begin", "unit uploads", "end failed"]
    );
}

/// Putting the old data back fails too: the journal stays open (exit 15), the half-swapped
/// component's container stays stopped, and `--rollback` settles it later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rollback_leaves_the_journal_to_settle() {
    let b = Bench::new().await;
    b.fake.fail_when(|call, w| match call {
        Call::Run(n) if n.starts_with("lifeboat-swap-lbu-models-") => Some("killed".into()),
        // The first rollback of uploads fails; a later one (the settle) works.
        Call::Run(n) if n.starts_with("lifeboat-rollback-lbu-app-") => {
            let tries = w
                .calls
                .iter()
                .filter(|c| matches!(c, Call::Run(m) if m == n))
                .count();
            (tries == 0).then(|| "the disk is gone".into())
        }
        _ => None,
    });
    let f = b.restore(b.request(), &[], &Cancel::new()).await;
    let End::RollbackFailed(why) = &f.end else {
        panic!("{f:?}");
    };
    assert!(
        why.contains("uploads") && why.contains("the disk is gone"),
        "{why}"
    );
    assert_eq!(
        crate::engine::exit::for_restore(&f),
        crate::engine::exit::INTERRUPTED
    );
    let r = records(&b.state(), &f.restore_id);
    assert!(!r.iter().any(|l| l.starts_with("end")), "{r:?}");
    assert_eq!(r.last().map(String::as_str), Some("rollback_begin uploads"));
    let pending = crate::engine::journal::unsettled(&b.state()).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].mid_swap_containers(), ["lbu-app"]);
    // Settled by --rollback: the old data back everywhere, the journal ended.
    let end = crate::engine::restore::aftercare::settle_interrupted(
        &b.host,
        &f.restore_id,
        false,
        "test settle",
        &crate::engine::progress::Silent,
    )
    .await
    .unwrap();
    assert!(end.resume.is_none());
    assert_eq!(folders(&b), ("old".into(), "old".into()));
    assert_eq!(b.live(), Tables::from([("public.users".into(), 3)]));
    assert!(
        ["lbu-app", "lbu-web", "lbu-models"]
            .iter()
            .all(|c| b.fake.running(c))
    );
    let r = records(&b.state(), &f.restore_id);
    assert_eq!(r.last().map(String::as_str), Some("end rolled_back"));
    assert!(
        crate::engine::journal::unsettled(&b.state())
            .unwrap()
            .is_empty()
    );
}

/// A component whose container another selected component names as a dependent is swapped
/// after that one, whatever the archive's order: the app comes back on the restored database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_follow_the_dependencies_not_the_archive_order() {
    let b = Bench::edited(|p| {
        p.replace(
            r#"dependents = ["lbu-web"]"#,
            r#"dependents = ["lbu-web", "lbu-app"]"#,
        )
    })
    .await;
    let f = b.restore(b.request(), &[], &Cancel::new()).await;
    assert_eq!(f.end, End::Committed, "{f:?}");
    let r = records(&b.state(), &f.restore_id);
    let swaps: Vec<&str> = r
        .iter()
        .filter_map(|l| l.strip_prefix("swap_begin "))
        .collect();
    assert_eq!(swaps, ["postgres", "uploads", "models"]);
    // The app, a dependent of postgres, stays stopped until its own data is swapped too.
    let s = steps(&b.fake);
    let stop = s.iter().position(|l| l == "stop lbu-app").unwrap();
    let rename = s
        .iter()
        .position(|l| l.contains("RENAME TO \"tars\""))
        .unwrap();
    let start = s.iter().position(|l| l == "start lbu-app").unwrap();
    assert!(stop < rename && rename < start, "{s:#?}");
    assert!(b.fake.running("lbu-app"));
    assert_eq!(b.live(), backed_up());
}

/// A crash-looping container between two restarts refuses a restart-policy update (Docker says
/// "cannot update a stopped container"): it is stopped first, then held with policy `no`, and
/// restored and started on the restored data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_looping_container_is_held_although_its_policy_cannot_change_while_it_loops() {
    let b = Bench::new().await;
    b.fake
        .lock()
        .containers
        .get_mut("lbu-models")
        .unwrap()
        .state = "restarting".into();
    b.fake.fail_when(|call, w| match call {
        Call::Policy(c, p)
            if c == "lbu-models"
                && p == "no"
                && w.containers.get(c).is_some_and(|i| i.state == "restarting") =>
        {
            Some("Cannot update container: cannot update a stopped container: unknown".into())
        }
        _ => None,
    });
    let f = b.restore(b.request(), &[], &Cancel::new()).await;
    assert_eq!(f.end, End::Committed, "{f:?}");
    assert_eq!(b.folder("lbu-models", "/models"), "restored");
    assert!(b.fake.running("lbu-models"));
    let s = steps(&b.fake);
    let stop = s.iter().position(|l| l == "stop lbu-models").unwrap();
    let policy = s.iter().rposition(|l| l == "policy lbu-models no").unwrap();
    let upload = s
        .iter()
        .position(|l| l == "upload lbu-models:/models")
        .unwrap();
    assert!(stop < policy && policy < upload, "{s:#?}");
}
