//! `stopped.json`: the containers lifeboat holds stopped, with the restart policy each had.
//!
//! Before stopping a container lifeboat records it here and sets its restart policy to `no`, so
//! that neither the daemon nor a host reboot starts it on half-replaced data; starting it again
//! restores the policy and forgets the record. Whatever a killed lifeboat left here is what
//! `lifeboat recover` restarts. The caller holds the host lock for every change.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::archive::commit;
use crate::engine::docker::Docker;
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Event, Reporter};

/// One held container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub container: String,
    /// The container's ID: a container recreated under the same name is not this one.
    #[serde(default)]
    pub id: String,
    /// The restart policy to put back when it starts.
    pub restart_policy: String,
    /// Whether it was running when lifeboat stopped it (only those are started again).
    pub was_running: bool,
    pub since: String,
    /// What stopped it (`backup postgres`, `restore chromadb`).
    pub purpose: String,
    pub pid: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    held: Vec<Held>,
}

/// The ledger in `<state>/stopped.json`.
#[derive(Debug, Clone)]
pub struct Ledger {
    path: PathBuf,
}

impl Ledger {
    pub fn new(state: &Path) -> Ledger {
        Ledger {
            path: state.join("stopped.json"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The containers held stopped.
    pub fn list(&self) -> Result<Vec<Held>> {
        Ok(self.read()?.held)
    }

    fn read(&self) -> Result<Record> {
        match std::fs::read(&self.path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                Error::Other(format!(
                    "{}: unreadable ({e}); fix or remove it after checking its containers",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Record::default()),
            Err(e) => Err(Error::io(&self.path, "read", e)),
        }
    }

    fn write(&self, r: &Record) -> Result<()> {
        if let Some(dir) = self.path.parent() {
            commit::create_dir_private(dir)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut warnings = Vec::new();
        let mut f = commit::create_new(&tmp, &mut warnings)?
            .ok_or_else(|| Error::Other(format!("{}: exists", tmp.display())))?;
        use std::io::Write;
        f.write_all(&serde_json::to_vec_pretty(r).unwrap_or_default())
            .map_err(|e| Error::io(&tmp, "write", e))?;
        commit::sync_file(&f, &tmp, &mut warnings)?;
        drop(f);
        std::fs::rename(&tmp, &self.path).map_err(|e| Error::io(&self.path, "replace", e))?;
        if let Some(dir) = self.path.parent() {
            commit::sync_dir(dir, &mut warnings)?;
        }
        Ok(())
    }

    /// Records `container`, sets its restart policy to `no`, stops it (waiting `grace`).
    /// A container already held keeps its first record (and its original policy).
    pub async fn hold(
        &self,
        docker: &Docker,
        container: &str,
        grace: Duration,
        purpose: &str,
    ) -> Result<()> {
        let info = docker.inspect_required(container).await?;
        let mut r = self.read()?;
        if !r.held.iter().any(|h| h.container == container) {
            r.held.push(Held {
                container: container.to_string(),
                id: info.id.clone(),
                restart_policy: info.restart_policy.clone(),
                was_running: info.state == "running",
                since: jiff::Timestamp::now().to_string(),
                purpose: purpose.to_string(),
                pid: std::process::id(),
            });
            self.write(&r)?;
        }
        if let Err(e) = docker.set_restart_policy(container, "no").await {
            // A crash-looping container waiting for its next restart has no task to update:
            // the engine refuses ("cannot update a stopped container"). Stopping it ends the
            // restart loop; the policy then changes as a setting, before anything can start it.
            if docker.inspect_required(container).await?.state != "restarting" {
                return Err(e);
            }
            docker.stop(container, grace).await?;
            return docker.set_restart_policy(container, "no").await;
        }
        docker.stop(container, grace).await
    }

    /// Starts `container` again if it was running, restores its restart policy, forgets it.
    /// A container that is gone, or was recreated under its name, is forgotten and left alone:
    /// the returned note says so.
    pub async fn release(&self, docker: &Docker, container: &str) -> Result<Option<String>> {
        let mut r = self.read()?;
        let Some(pos) = r.held.iter().position(|h| h.container == container) else {
            return Ok(None);
        };
        let held = r.held[pos].clone();
        let note = match docker.inspect(container).await? {
            None => Some(format!(
                "container {container} no longer exists; recreate it (e.g. `docker compose up -d --no-start`)"
            )),
            Some(info) if !held.id.is_empty() && info.id != held.id => Some(format!(
                "container {container} was recreated since lifeboat stopped it; left as it is"
            )),
            Some(_) => {
                if held.was_running {
                    docker.start(container).await?;
                }
                docker
                    .set_restart_policy(container, &held.restart_policy)
                    .await?;
                None
            }
        };
        r.held.remove(pos);
        self.write(&r)?;
        Ok(note)
    }

    /// Starts again, with its restart policy, whatever a killed lifeboat left stopped (each one
    /// reported as a warning): a backup or restore does this before it stops anything itself.
    pub async fn release_leftovers(&self, docker: &Docker, reporter: &dyn Reporter) -> Result<()> {
        for held in self.list()? {
            let message = match self.release(docker, &held.container).await? {
                None => format!(
                    "started {} again: a previous run left it stopped",
                    held.container
                ),
                Some(note) => note,
            };
            reporter.event(Event::Warning { message });
        }
        Ok(())
    }
}
