//! A test stack on the scripted engine: an app with an uploads volume, a PostgreSQL server
//! with a web front end that depends on it, and a models volume; a real archive of it made by
//! the backup driver; folders for state, staging and the lock. Restores run through the same
//! driver the front ends call.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::docker::Connector;
use crate::engine::docker::fake::Fake;
use crate::engine::docker::fake_pg::Tables;
use crate::engine::host::Host;
use crate::engine::journal;
use crate::engine::progress::{Cancel, Silent};
use crate::engine::restore::driver::{LockRule, arm};
use crate::engine::restore::{Finished, Request};
use crate::engine::state::Locations;

const PROFILE: &str = r#"
name = "lbu"
project = "lbu"
archive_prefix = "lbu-backup"

[[component]]
name = "uploads"
kind = "volume"
containers = ["lbu-app"]
volume = "lbu_uploads"
data_path = "/data"
file = "uploads.tar.gz"

[[component]]
name = "postgres"
kind = "postgres"
containers = ["lbu-db"]
file = "postgres.sql.gz"
dependents = ["lbu-web"]
user_env = "POSTGRES_USER"
password_env = "POSTGRES_PASSWORD"
database_env = "POSTGRES_DB"

[[component]]
name = "models"
kind = "volume"
containers = ["lbu-models"]
volume = "lbu_models"
data_path = "/models"
file = "models.tar.gz"
"#;

pub struct Bench {
    pub dir: tempfile::TempDir,
    pub fake: Arc<Fake>,
    pub host: Host,
    pub profile: String,
    pub archive: PathBuf,
}

/// The rows the backup holds.
pub fn backed_up() -> Tables {
    Tables::from([("public.messages".into(), 12), ("public.users".into(), 3)])
}

impl Bench {
    /// The stack running, backed up once, then a table dropped: the incident to restore from.
    pub async fn new() -> Bench {
        Bench::with_profile(PROFILE).await
    }

    /// [`Bench::new`] with the profile edited by `edit`.
    pub async fn edited(edit: impl Fn(&str) -> String) -> Bench {
        Bench::with_profile(&edit(PROFILE)).await
    }

    async fn with_profile(text: &str) -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path().join("lbu.toml");
        std::fs::write(&profile, text).unwrap();
        let fake = Fake::new();
        fake.container("lbu-app", "app:1", &["lbu_uploads:/data"], &[]);
        fake.container(
            "lbu-db",
            "postgres:15",
            &["lbu_pg:/var/lib/postgresql/data"],
            &[
                ("POSTGRES_USER", "tars"),
                ("POSTGRES_PASSWORD", "s3cret-pw"),
                ("POSTGRES_DB", "tars"),
            ],
        );
        fake.postgres("lbu-db", "15.8", &[("tars", backed_up())]);
        fake.container("lbu-web", "web:1", &[], &[]);
        fake.container("lbu-models", "models:1", &["lbu_models:/models"], &[]);
        for v in ["lbu_uploads", "lbu_pg", "lbu_models"] {
            let labels = [("com.docker.compose.project".to_string(), "lbu".to_string())];
            fake.lock()
                .volumes
                .insert(v.into(), labels.into_iter().collect());
        }
        let locations = Locations {
            state: Some(dir.path().join("state")),
            lock: dir.path().join("lifeboat.lock"),
            staging: Some(dir.path().join("staging")),
            output_root: dir.path().join("out"),
            is_root: false,
        };
        let mut host = Host::new(Default::default(), locations);
        host.docker = Connector::given(fake.docker());
        let profile = profile.display().to_string();
        let job = crate::engine::backup_job::Job {
            profile: Some(profile.clone()),
            holder: "test backup".into(),
            ..Default::default()
        };
        let ran = crate::engine::backup_job::backup(&host, &job, &Silent, &Cancel::new()).await;
        let o = ran.outcome.expect("the backup runs");
        assert!(o.failed.is_empty(), "{:?}", o.failed);
        assert_eq!(o.captured, ["uploads", "postgres", "models"], "{o:?}");
        let archive = o.committed.unwrap().archive;
        // The incident: a table dropped after the backup.
        fake.lock()
            .pg
            .get_mut("lbu-db")
            .unwrap()
            .databases
            .insert("tars".into(), Tables::from([("public.users".into(), 3)]));
        fake.lock().calls.clear();
        Bench {
            dir,
            fake,
            host,
            profile,
            archive,
        }
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// A restore of the backup with this profile.
    pub fn request(&self) -> Request {
        Request {
            archive: self.archive.clone(),
            profile: Some(self.profile.clone()),
            ..Default::default()
        }
    }

    /// Arms, prepares and runs `req` with waivers `accept`; the cancel token is the caller's.
    pub async fn restore(&self, req: Request, accept: &[&str], cancel: &Cancel) -> Finished {
        let accept: Vec<String> = accept.iter().map(|s| s.to_string()).collect();
        let mut armed = arm(&self.host, req, "test restore", LockRule::Required).unwrap();
        if let Err(e) = armed.prepare(&Silent, cancel).await {
            return Finished::refused(&e);
        }
        armed.run(&accept, &Silent, cancel).await
    }

    /// The live database's tables.
    pub fn live(&self) -> Tables {
        self.fake.tables("lbu-db", "tars").unwrap_or_default()
    }

    /// The databases of the server, by name.
    pub fn databases(&self) -> Vec<String> {
        self.fake.lock().pg["lbu-db"]
            .databases
            .keys()
            .cloned()
            .collect()
    }

    /// What is live in the data folder of `container` at `path`.
    pub fn folder(&self, container: &str, path: &str) -> String {
        self.fake.folder(container, path).live
    }
}

/// What changed, in order, in a few words: stops, starts, policies, uploads, one-offs run,
/// databases created, loaded, dumped, renamed and dropped (reads left out), with the restore
/// id written `ID`.
pub fn steps(fake: &Fake) -> Vec<String> {
    let id = regex_lite_digits();
    fake.changes()
        .into_iter()
        .filter_map(|c| {
            let c = id(&c);
            if c.starts_with("create lifeboat-") || c.starts_with("remove lifeboat-") {
                return None;
            }
            if let Some(rest) = c.strip_prefix("sql lbu-db ") {
                let keep = ["CREATE DATABASE", "ALTER DATABASE", "DROP DATABASE"];
                return keep.iter().any(|k| rest.starts_with(k)).then(|| {
                    rest.split(" OWNER ")
                        .next()
                        .unwrap_or(rest)
                        .replace(" WITH (FORCE)", "")
                });
            }
            if let Some(rest) = c.strip_prefix("exec lbu-db ") {
                let db = rest.rsplit(' ').next().unwrap_or("");
                return match rest.split(' ').next() {
                    Some("psql") => Some(format!("load {db}")),
                    Some("pg_dump") => Some(format!("pg_dump {db}")),
                    _ => None,
                };
            }
            Some(c)
        })
        .collect()
}

/// Replaces every run of 14 digits (a restore id) with `ID`.
fn regex_lite_digits() -> impl Fn(&str) -> String {
    |s: &str| {
        let mut out = String::new();
        let mut digits = String::new();
        for ch in s.chars().chain(std::iter::once('\n')) {
            if ch.is_ascii_digit() {
                digits.push(ch);
                continue;
            }
            out.push_str(if digits.len() == 14 { "ID" } else { &digits });
            digits.clear();
            out.push(ch);
        }
        out.pop();
        out
    }
}

/// The records of restore `id`'s journal, one word each with its component (`swap_begin
/// postgres`); lifecycle events left out.
pub fn records(state: &Path, id: &str) -> Vec<String> {
    let text = std::fs::read_to_string(journal::path_of(state, id)).unwrap();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["record"] != "event")
        .map(|v| {
            let word = v["record"].as_str().unwrap_or("?").to_string();
            match (v.get("component"), v.get("outcome")) {
                (Some(c), _) => format!("{word} {}", c.as_str().unwrap_or("?")),
                (_, Some(o)) => format!("{word} {}", o.as_str().unwrap_or("?")),
                _ => word,
            }
        })
        .collect()
}
