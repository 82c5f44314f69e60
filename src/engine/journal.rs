//! The restore journal (docs/design.md section 5): `<state>/journal/restore-<id>.jsonl`, one JSON
//! record per line, each written and synced before the step it announces runs (and again when
//! it ends), so a lifeboat killed at any point leaves a file that says exactly how far it got
//! and what undoing it needs. A journal without an `end` record is unsettled; under the host
//! lock that means interrupted (the flock dies with its process), and backup and restore
//! refuse (exit 15) until `restore --rollback ID` or `--resume ID` settles it.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::engine::archive::commit;
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Event, Reporter, StepId};

/// What the restore set out to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Begin {
    pub id: String,
    pub pid: u32,
    pub archive: PathBuf,
    /// The archive's SHA-256 as proven at staging: a resume must find the same bytes.
    pub archive_sha256: String,
    /// The profile as the command line named it (`None`: the configured default) and its
    /// project, so a later run loads the same one.
    pub profile_spec: Option<String>,
    pub project: Option<String>,
    pub profile: String,
    pub components: Vec<String>,
    pub keep_partial: bool,
    /// The restore this one undoes (`restore --undo`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<String>,
}

/// What putting a component's old data back needs, known once it is staged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Undo {
    /// Renamed databases: `<database>__pre_<id>` holds the old one until commit.
    Postgres { container: String, database: String },
    /// A data folder swapped by rename inside itself (`.lifeboat-pre-<id>`).
    Folder {
        container: String,
        image: String,
        binds: Vec<String>,
        path: String,
        /// The volume the restore creates for it (its container was removed and the volume
        /// deleted too): putting the old data back removes it again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        creates_volume: Option<String>,
    },
    /// A PostgreSQL that did not run: its broken data volume copied into `kept`, the
    /// server initialised fresh in `volume`, then loaded.
    PgData {
        container: String,
        image: String,
        volume: String,
        destination: String,
        kept: String,
    },
    /// Files written beside the live ones (`<file>.restored-<id>`): nothing live replaced.
    Config,
    /// A restore command: nothing was kept aside, nothing can be put back.
    Exec,
}

/// One journal record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    Begin(Begin),
    /// A component staged and checked, with its containers (held stopped during its swap).
    Unit {
        component: String,
        containers: Vec<String>,
        undo: Undo,
    },
    /// About to stop and replace the component's data.
    SwapBegin {
        component: String,
    },
    /// Swapped, started and checked against the backup (the old data still kept).
    SwapDone {
        component: String,
    },
    /// Putting the old data back began: until `rolled_back` the data may be mixed.
    RollbackBegin {
        component: String,
    },
    /// The old data is back in place.
    RolledBack {
        component: String,
    },
    /// The safety backup of the replaced components, committed.
    Safety {
        archive: PathBuf,
    },
    /// Every swap passed and the safety backup (if any) is committed: the restore commits.
    /// From here a settle finishes the commit instead of rolling back.
    CommitBegin,
    /// The old data deleted: no way back except the safety backup.
    Committed {
        component: String,
    },
    /// A lifecycle event, as the reporter saw it.
    Event {
        event: serde_json::Value,
    },
    /// The restore is settled.
    End {
        outcome: Outcome,
    },
}

/// How a restore's journal ended; written as its snake_case word (`rolled_back`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every selected component restored, checked and committed.
    Committed,
    /// Some restored, some put back (`--keep-partial`).
    Partial,
    /// A component failed: every swapped one was put back.
    RolledBack,
    /// Cancelled (a signal, the console's cancel): what was swapped was put back.
    Cancelled,
    /// Ended before anything was stopped (Docker lost, a staging check failed).
    Failed,
    /// Settled by `--resume`: what passed kept, the rest restored by a new restore.
    Resumed,
    /// A word this lifeboat does not know (a newer one wrote it): settled all the same.
    #[serde(other)]
    Unknown,
}

impl Outcome {
    /// Whether the restore replaced live data that its safety backup can put back.
    pub fn committed(self) -> bool {
        matches!(self, Outcome::Committed | Outcome::Partial)
    }

    pub fn word(self) -> &'static str {
        match self {
            Outcome::Committed => "committed",
            Outcome::Partial => "partial",
            Outcome::RolledBack => "rolled_back",
            Outcome::Cancelled => "cancelled",
            Outcome::Failed => "failed",
            Outcome::Resumed => "resumed",
            Outcome::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Line {
    at: String,
    #[serde(flatten)]
    record: Record,
}

/// An open journal, appended to.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

pub fn dir(state: &Path) -> PathBuf {
    state.join("journal")
}

pub fn path_of(state: &Path, id: &str) -> PathBuf {
    dir(state).join(format!("restore-{id}.jsonl"))
}

impl Journal {
    /// Creates the journal of restore `begin.id` and writes its first record.
    pub fn create(state: &Path, begin: Begin) -> Result<Journal> {
        let d = dir(state);
        commit::create_dir_private(&d)?;
        let path = path_of(state, &begin.id);
        let file = std::fs::OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, "create", e))?;
        let mut warnings = Vec::new();
        commit::sync_dir(&d, &mut warnings)?;
        let j = Journal {
            path,
            file: Mutex::new(file),
        };
        j.append(Record::Begin(begin))?;
        Ok(j)
    }

    /// Opens an existing journal to settle it. A torn last line (the process died while
    /// writing it) is ended first, so the next record starts on a line of its own.
    pub fn open(path: &Path) -> Result<Journal> {
        let torn = std::fs::read(path)
            .map_err(|e| Error::io(path, "read", e))?
            .last()
            .is_some_and(|b| *b != b'\n');
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, "open", e))?;
        if torn {
            file.write_all(b"\n")
                .map_err(|e| Error::io(path, "write", e))?;
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record and syncs it: it is on disk before the step it announces starts.
    pub fn append(&self, record: Record) -> Result<()> {
        let line = Line {
            at: jiff::Timestamp::now().to_string(),
            record,
        };
        let mut text = serde_json::to_string(&line)
            .map_err(|e| Error::Other(format!("journal record: {e}")))?;
        text.push('\n');
        let f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        (&*f)
            .write_all(text.as_bytes())
            .and_then(|_| f.sync_data())
            .map_err(|e| Error::io(&self.path, "write", e))
    }
}

/// A reporter that writes every lifecycle event to the journal before passing it on.
/// Progress is not journalled (it is not a step). A journal that cannot be written is
/// reported once as a warning; the work is not stopped for it at this level (the explicit
/// records the restore needs are written with [`Journal::append`], which fails the step).
pub struct Journalled<'a> {
    pub journal: &'a Journal,
    pub inner: &'a dyn Reporter,
}

impl Reporter for Journalled<'_> {
    fn event(&self, event: Event) {
        if !matches!(event, Event::Progress { .. })
            && let Ok(v) = serde_json::to_value(&event)
        {
            let _ = self.journal.append(Record::Event { event: v });
        }
        self.inner.event(event);
    }

    fn progress(&self, step: &str, done: u64, total: Option<u64>) {
        self.inner.progress(step, done, total);
    }
}

/// Where each component of a journal got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitState {
    /// Staged only: its live data was never touched.
    Staged,
    /// Between swap begin and swap done: its data may be half-replaced.
    MidSwap,
    /// On the restored data, checked; the old data still kept.
    Swapped,
    RolledBack,
    Committed,
}

/// A journal read back.
#[derive(Debug, Clone)]
pub struct Read {
    pub path: PathBuf,
    pub begin: Begin,
    pub units: Vec<(String, Vec<String>, Undo, UnitState)>,
    pub safety: Option<PathBuf>,
    /// The restore had decided to commit (`commit_begin`).
    pub commit_begun: bool,
    pub end: Option<Outcome>,
    /// The last step event seen (`swap:postgres`), for messages.
    pub last_step: Option<String>,
    /// When the journal began (its first record).
    pub began_at: String,
    /// When it ended, if it did.
    pub ended_at: Option<String>,
}

impl Read {
    pub fn settled(&self) -> bool {
        self.end.is_some()
    }

    pub fn state_of(&self, component: &str) -> Option<UnitState> {
        self.units.iter().find(|u| u.0 == component).map(|u| u.3)
    }

    /// Containers of components caught between swap begin and swap done: they must stay
    /// stopped until the journal is settled.
    pub fn mid_swap_containers(&self) -> Vec<String> {
        self.units
            .iter()
            .filter(|u| u.3 == UnitState::MidSwap)
            .flat_map(|u| u.1.iter().cloned())
            .collect()
    }

    /// One line for "restore X was interrupted ..." messages.
    pub fn describe(&self) -> String {
        let mid: Vec<_> = self
            .units
            .iter()
            .filter(|u| u.3 == UnitState::MidSwap)
            .map(|u| u.0.as_str())
            .collect();
        let at = self.last_step.as_deref().unwrap_or("its start");
        let mut s = format!(
            "restore {} ({}) was interrupted at {at}",
            self.begin.id,
            self.begin.components.join(", ")
        );
        if !mid.is_empty() {
            s.push_str(&format!(" with {} half-swapped", mid.join(", ")));
        }
        s
    }
}

/// Reads a journal; a torn last line (the process died writing it) is ignored.
pub fn read(path: &Path) -> Result<Read> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, "read", e))?;
    let mut lines = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Line>(l).ok());
    let first = lines.next();
    let Some(Line {
        at: began_at,
        record: Record::Begin(begin),
    }) = first
    else {
        return Err(Error::Other(format!(
            "{}: not a restore journal (no begin record); check it and remove it by hand",
            path.display()
        )));
    };
    let mut r = Read {
        path: path.to_path_buf(),
        begin,
        units: Vec::new(),
        safety: None,
        commit_begun: false,
        end: None,
        last_step: None,
        began_at,
        ended_at: None,
    };
    for line in lines {
        let set = |r: &mut Read, c: &str, s: UnitState| {
            if let Some(u) = r.units.iter_mut().find(|u| u.0 == c) {
                u.3 = s;
            }
        };
        match line.record {
            Record::Begin(_) => {}
            Record::Unit {
                component,
                containers,
                undo,
            } => {
                r.units.retain(|u| u.0 != component);
                r.units
                    .push((component, containers, undo, UnitState::Staged));
            }
            Record::SwapBegin { component } => set(&mut r, &component, UnitState::MidSwap),
            Record::SwapDone { component } => set(&mut r, &component, UnitState::Swapped),
            Record::RollbackBegin { component } => set(&mut r, &component, UnitState::MidSwap),
            Record::RolledBack { component } => set(&mut r, &component, UnitState::RolledBack),
            Record::Committed { component } => set(&mut r, &component, UnitState::Committed),
            Record::Safety { archive } => r.safety = Some(archive),
            Record::CommitBegin => r.commit_begun = true,
            Record::Event { event } => {
                // The restore's own steps, not the backup steps a safety copy runs inside.
                if event.get("event").and_then(|e| e.as_str()) == Some("step_started")
                    && let Some(s) = event.get("step").and_then(|s| s.as_str())
                    && !matches!(StepId::parse(s), StepId::Component(_))
                {
                    r.last_step = Some(s.to_string());
                }
            }
            Record::End { outcome } => {
                r.end = Some(outcome);
                r.ended_at = Some(line.at);
            }
        }
    }
    Ok(r)
}

/// Every journal in the state folder, oldest first (ids sort by time).
pub fn all(state: &Path) -> Result<Vec<Read>> {
    let d = dir(state);
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&d) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("restore-") && n.ends_with(".jsonl"))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(&d, "read", e)),
    };
    paths.sort();
    paths.iter().map(|p| read(p)).collect()
}

/// The unsettled journals. Call under the host lock: then every one is interrupted.
pub fn unsettled(state: &Path) -> Result<Vec<Read>> {
    Ok(all(state)?.into_iter().filter(|r| !r.settled()).collect())
}

/// The error backup and restore give while a journal is unsettled (exit 15).
pub fn refuse(r: &Read) -> Error {
    Error::Interrupted(format!(
        "{}; settle it first: `lifeboat restore --rollback {id}` puts the old data back, `lifeboat restore --resume {id}` finishes it",
        r.describe(),
        id = r.begin.id
    ))
}

/// A journal by restore id.
pub fn find(state: &Path, id: &str) -> Result<Read> {
    let p = path_of(state, id);
    if !p.exists() {
        return Err(Error::Usage(format!(
            "no restore {id} in {} (each restore has a restore-<id>.jsonl there)",
            dir(state).display()
        )));
    }
    read(&p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn begin(id: &str) -> Begin {
        Begin {
            id: id.into(),
            pid: 1,
            archive: "/b/x.tar.gz".into(),
            archive_sha256: "ab".into(),
            profile_spec: None,
            project: Some("p".into()),
            profile: "tars-home".into(),
            components: vec!["postgres".into(), "redis".into()],
            keep_partial: false,
            undoes: None,
        }
    }

    #[test]
    fn states_follow_the_records_and_a_torn_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::create(dir.path(), begin("1")).unwrap();
        for (c, containers) in [("postgres", vec!["db"]), ("redis", vec!["cache"])] {
            j.append(Record::Unit {
                component: c.into(),
                containers: containers.iter().map(|s| s.to_string()).collect(),
                undo: Undo::Exec,
            })
            .unwrap();
        }
        j.append(Record::SwapBegin {
            component: "postgres".into(),
        })
        .unwrap();
        j.append(Record::SwapDone {
            component: "postgres".into(),
        })
        .unwrap();
        j.append(Record::SwapBegin {
            component: "redis".into(),
        })
        .unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(j.path())
            .unwrap()
            .write_all(b"{\"at\":\"x\",\"record\":\"end\",\"outc")
            .unwrap();
        let r = read(j.path()).unwrap();
        assert!(!r.settled());
        assert_eq!(r.state_of("postgres"), Some(UnitState::Swapped));
        assert_eq!(r.state_of("redis"), Some(UnitState::MidSwap));
        assert_eq!(r.mid_swap_containers(), vec!["cache".to_string()]);
        assert_eq!(unsettled(dir.path()).unwrap().len(), 1);
        let j = Journal::open(j.path()).unwrap();
        // The torn line has no newline: the next record must still land on a line of its own.
        j.append(Record::End {
            outcome: Outcome::RolledBack,
        })
        .unwrap();
        let r = read(j.path()).unwrap();
        assert_eq!(r.end, Some(Outcome::RolledBack));
        let last = std::fs::read_to_string(j.path()).unwrap();
        assert!(
            last.trim_end()
                .ends_with(r#""record":"end","outcome":"rolled_back"}"#),
            "the journal keeps its words: {last}"
        );
    }
}
