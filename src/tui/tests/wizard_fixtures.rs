//! Test fixtures for the restore wizard and the incident views: the target, checklists (one
//! blocked by a waivable item, one by an item that can never be waived), the plan, run events
//! and outcomes, an interrupted journal, held containers and the lock, with the fixed times of
//! `fixtures`. The wizard is driven through `App::update` exactly as keys and jobs would.

use std::path::PathBuf;

use crossterm::event::KeyCode;

use crate::engine::lock::Holder;
use crate::engine::progress::{Event, StepOutcome};
use crate::engine::restore::{Class, Item, ItemStatus};
use crate::tui::state::action::Action;
use crate::tui::state::app::App;
use crate::tui::state::effect::Effect;
use crate::tui::state::incidents::{Held, Incidents, Interrupted, LockInfo, LockNow};
use crate::tui::state::job::JobId;
use crate::tui::state::wizard::{Choice, End, Outcome, Plan, PlanRow, Target};
use crate::tui::tests::fixtures::*;

pub const NEWEST: &str = "tars-backup-20260106_030000.tar.gz";
pub const SAFETY: &str =
    "/var/lib/lifeboat/safety/lifeboat-safety-tars-home-20260106_120412.tar.gz";
pub const RESTORE_ID: &str = "20260106120000";

pub fn newest() -> PathBuf {
    PathBuf::from(HOME).join(NEWEST)
}

pub fn target() -> Target {
    let c = |name: &str, kind: &str, size: u64, on: bool| Choice {
        name: name.into(),
        kind: kind.into(),
        size,
        on,
        unknown: false,
    };
    Target {
        profile: "tars-home".into(),
        spec: Some("tars-home".into()),
        stack: "tars-home".into(),
        choices: vec![
            c("chromadb", "chroma", 48_300_000, true),
            c("postgres", "postgres", 212_000_000, true),
            c("redis", "redis", 3_100_000, true),
            c("configuration", "files", 4_096, false),
            Choice {
                unknown: true,
                ..c("n8n", "?", 9_000_000, false)
            },
        ],
    }
}

fn item(id: &str, label: &str, class: Class, status: ItemStatus, detail: &str) -> Item {
    Item::new(id, label, class, status, detail)
}

/// A checklist blocked by `image:redis` (waivable) and, with `never`, by `rdb-version:redis`
/// (never waivable).
pub fn items(never: bool) -> Vec<Item> {
    use Class::*;
    use ItemStatus::*;
    let mut v = vec![
        item("checksums", "archive and component checksums", Never, Ok, "sidecar and 6 component hashes match (SHA-256 5eed0000abcd…), staged in /var/lib/lifeboat/staging/restore-20260106120000"),
        item("format", "manifest format", Never, Ok, "format 2"),
        item("disk:staging", "disk for staging", Never, Ok, "/var/lib/lifeboat/staging: needs 251.2 MiB, 38.1 GiB free"),
        item("chroma-version:chromadb", "chromadb: Chroma version", Waivable, Ok, "Chroma 0.5.23 on both"),
        item("live:chromadb", "chromadb: live against the backup", Advisory, Ok, "docs: live 40 records, backup 40"),
        item("pg-version:postgres", "postgres: PostgreSQL version", Never, Ok, "PostgreSQL 15 on both"),
        item("live:postgres", "postgres: live against the backup", Advisory, Warn, "messages: live 12,410 rows, backup 12,340"),
        item("image:redis", "redis: image", Waivable, Fail, "the container runs redis:7.4 (sha256:91ab…), the backup recorded redis:7.2 (sha256:3c0f…); --accept image:redis")
            .manual("docker inspect --format '{{.Image}}' tars-home-redis"),
        item("live:redis", "redis: live against the backup", Advisory, Ok, "live 1,502 keys, backup 1,500"),
        item("data-loss-window", "data-loss window", Advisory, Warn, "changes to chromadb, postgres, redis since 2026-01-06T03:00:00+00:00 (9h ago) are discarded"),
        item("safety-backup", "safety backup", Waivable, Ok, "chromadb, postgres, redis copied as they are, inside each one's stop, into /var/lib/lifeboat/safety (/var/lib/lifeboat: needs 251.2 MiB, 38.1 GiB free); `restore --undo` puts them back"),
        item("capture-spread", "capture times of the selected components", Advisory, Ok, "captured within 41 s of each other"),
        item("origin", "archive origin", Advisory, Ok, "made on host homeserver with profile tars-home"),
    ];
    if never {
        v.insert(
            9,
            item("rdb-version:redis", "redis: RDB version", Never, Fail, "the backup's RDB is version 12, newer than the target Redis 7.0 reads (version 10): it would start empty")
                .compat(),
        );
    }
    v.push(item(
        "lock",
        "the host lock",
        Never,
        Ok,
        "/run/lock/lifeboat.lock held by this restore",
    ));
    v
}

pub fn plan(never: bool) -> Plan {
    let pc =
        |name: &str, kind: &str, stops: &[&str], replaces: &str, bytes: u64, exp: &str| PlanRow {
            name: name.into(),
            kind: kind.into(),
            stops: stops.iter().map(|s| s.to_string()).collect(),
            replaces: replaces.into(),
            bytes,
            expected: Some(exp.into()),
        };
    Plan {
        id: RESTORE_ID.into(),
        backup_name: "tars-backup-20260106_030000".into(),
        captured_at: "2026-01-06T03:00:00+00:00".into(),
        sha256: format!("{:064x}", 0x5eed),
        components: vec![
            pc(
                "chromadb",
                "chroma",
                &["tars-home-chromadb", "tars-home-backend"],
                "the Chroma data of tars-home-chromadb",
                48_300_000,
                "1 collections, 40 records; 212 files, 46.1 MiB",
            ),
            pc(
                "postgres",
                "postgres",
                &["tars-home-postgres", "tars-home-backend"],
                "its database in tars-home-postgres (the old one kept until the restore commits)",
                212_000_812,
                "3 tables, 12,340 rows",
            ),
            pc(
                "redis",
                "redis",
                &["tars-home-redis", "tars-home-backend"],
                "the Redis data of tars-home-redis",
                3_100_000,
                "1,500 keys",
            ),
        ],
        items: items(never),
    }
}

/// The console with the wizard open on the newest archive, its target loaded.
pub fn at_select(size: (u16, u16)) -> App {
    let mut app = app(size);
    app.update(key('R'));
    app.update(Action::RestoreTargetLoaded {
        archive: newest(),
        result: Ok(Box::new(target())),
    });
    app
}

/// The job id of the effect that started a job.
pub fn job_of(effects: &[Effect]) -> JobId {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::RestorePrepare { job, .. }
            | Effect::RestoreRun { job, .. }
            | Effect::Settle { job, .. }
            | Effect::RestartStopped { job } => Some(*job),
            _ => None,
        })
        .expect("a job was started")
}

/// The wizard at its checklist (`never`: with the never-waivable failure).
pub fn at_checklist(size: (u16, u16), never: bool) -> App {
    let mut app = at_select(size);
    let job = job_of(&app.update(code(KeyCode::Enter)));
    app.update(Action::RestorePrepared {
        job,
        result: Ok(Box::new(plan(never))),
    });
    app
}

pub fn typed(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(app.update(key(c)));
    }
    effects
}

/// The wizard at its plan: `image:redis` waived by typing its id.
pub fn at_plan(size: (u16, u16)) -> App {
    let mut app = at_checklist(size, false);
    app.update(key('w'));
    typed(&mut app, "image:redis");
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Enter));
    app
}

/// The restore started (the stack name typed); returns the run's job.
pub fn running(size: (u16, u16)) -> (App, JobId) {
    let mut app = at_plan(size);
    app.update(code(KeyCode::Enter));
    typed(&mut app, "tars-home");
    let job = job_of(&app.update(code(KeyCode::Enter)));
    (app, job)
}

pub fn started(step: &str, label: &str, total: Option<u64>) -> Event {
    Event::StepStarted {
        step: step.into(),
        label: label.into(),
        total,
    }
}

pub fn finished(step: &str, outcome: StepOutcome, detail: Option<&str>) -> Event {
    Event::StepFinished {
        step: step.into(),
        outcome,
        detail: detail.map(str::to_string),
    }
}

/// Events up to postgres being swapped, its safety copy 45 % done; `at` seconds in.
pub fn mid_way(app: &mut App, job: JobId, at: i64) {
    app.update(Action::JobEvents {
        job,
        events: vec![
            started(
                "stage:postgres",
                "postgres: load the dump into tars_restore_20260106120000",
                None,
            ),
            finished("stage:postgres", StepOutcome::Ok, None),
            started("swap:chromadb", "chromadb: swap in the restored data", None),
            started(
                "safety:chromadb",
                "chromadb: safety copy of the data about to be replaced",
                None,
            ),
            finished("safety:chromadb", StepOutcome::Ok, None),
            finished("swap:chromadb", StepOutcome::Ok, None),
            started("swap:postgres", "postgres: swap in the restored data", None),
            started(
                "safety:postgres",
                "postgres: safety copy of the data about to be replaced",
                None,
            ),
            started("component:postgres", "postgres: pg_dump", Some(212_000_000)),
        ],
    });
    app.update(Action::JobProgress {
        job,
        steps: vec![("component:postgres".into(), 95_400_000, Some(212_000_000))],
    });
    tick(app, at);
}

/// Moves "now" to `at` seconds after the fixtures' now.
pub fn tick(app: &mut App, at: i64) {
    app.update(Action::Tick(
        now()
            .checked_add(jiff::SignedDuration::from_secs(at))
            .unwrap(),
    ));
}

pub fn outcome(end: End) -> Outcome {
    let all = ["chromadb", "postgres", "redis"];
    let (restored, rolled_back, safety) = match &end {
        End::Committed => (all.to_vec(), Vec::new(), Some(PathBuf::from(SAFETY))),
        End::RolledBack => (
            Vec::new(),
            vec![
                ("chromadb", "put back because redis failed"),
                ("postgres", "put back because redis failed"),
                (
                    "redis",
                    "redis: the server started empty: 0 keys, the backup recorded 1,500",
                ),
            ],
            None,
        ),
        End::Cancelled => (
            Vec::new(),
            vec![("chromadb", "cancelled"), ("postgres", "cancelled")],
            None,
        ),
        _ => (Vec::new(), Vec::new(), None),
    };
    Outcome {
        restore_id: RESTORE_ID.into(),
        end,
        restored: restored.into_iter().map(str::to_string).collect(),
        rolled_back: rolled_back
            .into_iter()
            .map(|(c, w)| (c.to_string(), w.to_string()))
            .collect(),
        notes: Vec::new(),
        safety_backup: safety,
        waived: vec!["image:redis".into()],
        kind: None,
    }
}

pub fn interrupted() -> Interrupted {
    Interrupted {
        id: "20260105221500".into(),
        describe: "restore 20260105221500 (postgres, redis) was interrupted at swap:redis with redis half-swapped".into(),
        archive: PathBuf::from(HOME).join("tars-backup-20260105_030000.tar.gz"),
        sha256: format!("{:064x}", 0xfeed),
        components: vec!["postgres".into(), "redis".into()],
        units: vec![
            ("postgres".into(), "swapped and checked; its old data kept"),
            ("redis".into(), "HALF-SWAPPED: kept stopped"),
        ],
        began_at: "2026-01-05T22:15:00Z".into(),
        pid: 4242,
        alive: false,
        profile_spec: Some("tars-home".into()),
        undoes: None,
        keep_partial: false,
    }
}

pub fn incidents(with_interrupted: bool) -> Incidents {
    let held = |c: &str, purpose: &str, frozen: Option<&str>| Held {
        container: c.into(),
        since: "2026-01-05T22:15:40Z".into(),
        purpose: purpose.into(),
        was_running: true,
        restart_policy: "unless-stopped".into(),
        frozen_by: frozen.map(str::to_string),
    };
    Incidents {
        interrupted: if with_interrupted {
            vec![interrupted()]
        } else {
            Vec::new()
        },
        stopped: vec![
            held(
                "tars-home-redis",
                "restore redis 20260105221500",
                Some("20260105221500"),
            ),
            held("tars-home-backend", "backup postgres", None),
        ],
        lock: LockInfo {
            path: "/run/lock/lifeboat.lock".into(),
            holder: Some(Holder {
                pid: 31337,
                command: "lifeboat backup".into(),
                started: "2026-01-06T11:58:00Z".into(),
                host: "homeserver".into(),
            }),
            now: LockNow::Held(31337),
        },
        problems: Vec::new(),
        state: Some("/var/lib/lifeboat".into()),
    }
}
