//! A scripted Docker engine for unit tests of the jobs built on [`Api`]: containers, volumes
//! and data folders held in memory, every call recorded in order, `exec` answered by the
//! test's rules, the one-off swap scripts played on the folders they would move, and failures
//! injected on chosen calls. Real Docker is proven by the integration tests; this proves the
//! order, the journal and the refusals around it, in milliseconds.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{Api, ContainerInfo, Docker, ExecOutcome, ExecRequest, Mount, OneOff, Upload};
use crate::engine::error::{Error, Result};

/// One call the engine made, as the tests read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Inspect(String),
    ImageDigest(String),
    /// `exec` in a container: its command line, and the bytes fed to its stdin.
    Exec {
        container: String,
        cmd: Vec<String>,
        stdin: usize,
    },
    Download(String, String),
    Upload(String, String),
    Stop(String),
    Start(String),
    Policy(String, String),
    /// A one-off container created, by name.
    Create(String),
    /// A one-off container run to its end, by name.
    Run(String),
    Remove(String),
    ListOneoffs,
    VolumeLabels(String),
    CreateVolume(String),
    RemoveVolume(String),
}

impl Call {
    /// `stop db`, `exec db psql ... -c ALTER DATABASE ...`: the call in a few words.
    pub fn brief(&self) -> String {
        match self {
            Call::Inspect(c) => format!("inspect {c}"),
            Call::ImageDigest(i) => format!("image {i}"),
            Call::Exec { container, cmd, .. } => {
                let sql = cmd
                    .iter()
                    .position(|a| a == "-c")
                    .and_then(|i| cmd.get(i + 1));
                match sql {
                    Some(s) if cmd.first().is_some_and(|p| p == "psql") => {
                        format!("sql {container} {s}")
                    }
                    _ => format!("exec {container} {}", cmd.join(" ")),
                }
            }
            Call::Download(c, p) => format!("download {c}:{p}"),
            Call::Upload(c, p) => format!("upload {c}:{p}"),
            Call::Stop(c) => format!("stop {c}"),
            Call::Start(c) => format!("start {c}"),
            Call::Policy(c, p) => format!("policy {c} {p}"),
            Call::Create(n) => format!("create {n}"),
            Call::Run(n) => format!("run {n}"),
            Call::Remove(n) => format!("remove {n}"),
            Call::ListOneoffs => "list one-offs".into(),
            Call::VolumeLabels(v) => format!("volume {v}"),
            Call::CreateVolume(v) => format!("create volume {v}"),
            Call::RemoveVolume(v) => format!("remove volume {v}"),
        }
    }
}

/// What an exec answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    pub code: i64,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Reply {
    pub fn ok(stdout: impl Into<Vec<u8>>) -> Reply {
        Reply {
            code: 0,
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    pub fn fail(code: i64, stderr: &str) -> Reply {
        Reply {
            code,
            stdout: Vec::new(),
            stderr: stderr.into(),
        }
    }
}

/// A data folder of a container: which generation of data is live, which is kept aside by a
/// swap (`.lifeboat-pre-<id>`), and which was uploaded beside it (`.lifeboat-new-<id>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folder {
    pub live: String,
    pub kept: Option<String>,
    pub uploaded: Option<String>,
}

/// The engine's state.
#[derive(Debug, Default)]
pub struct World {
    pub containers: BTreeMap<String, ContainerInfo>,
    pub volumes: BTreeMap<String, BTreeMap<String, String>>,
    /// `(container, path)` → its data folder.
    pub folders: BTreeMap<(String, String), Folder>,
    /// One-off containers created and not yet removed, as they were asked for.
    pub oneoffs: BTreeMap<String, OneOff>,
    /// Files in containers, by `(container, path)`: a download of one gives a tar of it.
    pub files: BTreeMap<(String, String), Vec<u8>>,
    /// PostgreSQL servers, by container (`fake_pg.rs`).
    pub pg: BTreeMap<String, super::fake_pg::Server>,
    pub calls: Vec<Call>,
}

impl World {
    fn container(&mut self, name: &str) -> Result<&mut ContainerInfo> {
        self.containers
            .get_mut(name)
            .ok_or_else(|| Error::Docker(format!("docker: no such container: {name}")))
    }

    /// The folder of `container` that holds `path` (the longest recorded one), created on first
    /// use with `old` data live.
    fn folder(&mut self, container: &str, path: &str) -> &mut Folder {
        self.folders
            .entry((
                container.to_string(),
                path.trim_end_matches('/').to_string(),
            ))
            .or_insert_with(|| Folder {
                live: "old".into(),
                ..Default::default()
            })
    }
}

type ExecRule = Box<dyn Fn(&mut World, &str, &ExecRequest, &[u8]) -> Option<Reply> + Send + Sync>;
type FailRule = Box<dyn Fn(&Call, &World) -> Option<String> + Send + Sync>;
type OneOffRule = Box<dyn Fn(&OneOff) -> Option<(i64, String)> + Send + Sync>;

/// The scripted engine. Clone the [`Arc`] to keep a handle on it while the engine runs.
#[derive(Default)]
pub struct Fake {
    pub world: Mutex<World>,
    rules: Mutex<Vec<ExecRule>>,
    failures: Mutex<Vec<FailRule>>,
    oneoffs: Mutex<Vec<OneOffRule>>,
}

impl Fake {
    pub fn new() -> Arc<Fake> {
        Arc::new(Fake::default())
    }

    /// The engine the jobs hold.
    pub fn docker(self: &Arc<Fake>) -> Docker {
        Docker::with(self.clone())
    }

    /// A running container from `image` with `mounts` (`volume:/path`) and environment `env`.
    pub fn container(&self, name: &str, image: &str, mounts: &[&str], env: &[(&str, &str)]) {
        let mounts = mounts
            .iter()
            .filter_map(|m| m.split_once(':'))
            .map(|(vol, dest)| Mount {
                kind: "volume".into(),
                name: Some(vol.to_string()),
                source: format!("/var/lib/docker/volumes/{vol}/_data"),
                destination: dest.to_string(),
                rw: true,
            })
            .collect();
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut info =
            ContainerInfo::from_parts(format!("id-{name}"), name, image, "running", mounts, env);
        info.restart_policy = "unless-stopped".into();
        info.image_id = format!("sha256:{image}");
        self.lock().containers.insert(name.to_string(), info);
    }

    /// Answers execs for which `rule` returns a reply (rules added later are asked first);
    /// anything no rule answers succeeds with no output.
    pub fn on_exec(
        &self,
        rule: impl Fn(&mut World, &str, &ExecRequest, &[u8]) -> Option<Reply> + Send + Sync + 'static,
    ) {
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(0, Box::new(rule));
    }

    /// Answers the one-off containers for which `rule` returns an exit code and output (a
    /// `redis-server --version`); the swap scripts are played on their folders otherwise.
    pub fn on_oneoff(
        &self,
        rule: impl Fn(&OneOff) -> Option<(i64, String)> + Send + Sync + 'static,
    ) {
        self.oneoffs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(rule));
    }

    /// Fails every call for which `rule` returns a message, before it takes effect.
    pub fn fail_when(
        &self,
        rule: impl Fn(&Call, &World) -> Option<String> + Send + Sync + 'static,
    ) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(rule));
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every call so far, in a few words each.
    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.iter().map(Call::brief).collect()
    }

    /// The calls so far that change something (no inspects, lists or reads).
    pub fn changes(&self) -> Vec<String> {
        self.lock()
            .calls
            .iter()
            .filter(|c| {
                !matches!(
                    c,
                    Call::Inspect(_)
                        | Call::ImageDigest(_)
                        | Call::ListOneoffs
                        | Call::VolumeLabels(_)
                        | Call::Download(..)
                )
            })
            .map(Call::brief)
            .collect()
    }

    pub fn folder(&self, container: &str, path: &str) -> Folder {
        self.lock().folder(container, path).clone()
    }

    pub fn running(&self, container: &str) -> bool {
        self.lock()
            .containers
            .get(container)
            .is_some_and(|c| c.running)
    }

    /// Records `call`; `Err` if a failure rule fires on it.
    fn record(&self, call: Call) -> Result<()> {
        let mut w = self.lock();
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let failed = failures.iter().find_map(|f| f(&call, &w));
        w.calls.push(call);
        match failed {
            Some(why) => Err(Error::Docker(format!("docker: {why}"))),
            None => Ok(()),
        }
    }

    /// A one-off's effect on the folder it names (`lifeboat-<what>-<container>-<id>`).
    fn play(&self, spec: &OneOff) -> (i64, String) {
        let what = spec
            .labels
            .iter()
            .find(|(k, _)| k == "lifeboat.oneoff")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let container = spec
            .name
            .strip_prefix(&format!("lifeboat-{what}-"))
            .and_then(|rest| rest.rsplit_once('-'))
            .map(|(c, _)| c.to_string())
            .unwrap_or_default();
        // `sh -c SCRIPT lifeboat PATH ...`
        let path = spec.cmd.get(4).cloned().unwrap_or_default();
        let mut w = self.lock();
        let f = w.folder(&container, &path);
        match what {
            "swap" => {
                let new = f.uploaded.take().unwrap_or_else(|| "nothing".into());
                f.kept = Some(std::mem::replace(&mut f.live, new));
            }
            "rollback" => {
                if let Some(old) = f.kept.take() {
                    f.live = old;
                }
                f.uploaded = None;
            }
            "commit" => {
                f.kept = None;
                f.uploaded = None;
            }
            _ => {}
        }
        (0, String::new())
    }
}

#[async_trait::async_trait]
impl Api for Fake {
    fn endpoint(&self) -> &str {
        "fake://"
    }

    async fn server_version(&self) -> Result<String> {
        Ok("fake".into())
    }

    async fn root_dir(&self) -> Option<String> {
        None
    }

    async fn inspect(&self, container: &str) -> Result<Option<ContainerInfo>> {
        self.record(Call::Inspect(container.into()))?;
        Ok(self.lock().containers.get(container).cloned())
    }

    async fn image_digest(&self, image: &str) -> Result<Option<String>> {
        self.record(Call::ImageDigest(image.into()))?;
        Ok(None)
    }

    async fn exec(
        &self,
        container: &str,
        req: ExecRequest,
        stdin: Option<&mut (dyn AsyncRead + Unpin + Send)>,
        stdout: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<ExecOutcome> {
        let mut fed = Vec::new();
        if let Some(src) = stdin {
            src.read_to_end(&mut fed)
                .await
                .map_err(|e| Error::Docker(format!("docker: reading its input: {e}")))?;
        }
        self.record(Call::Exec {
            container: container.into(),
            cmd: req.cmd.clone(),
            stdin: fed.len(),
        })?;
        if req.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
            return Err(Error::Cancelled);
        }
        let reply = {
            let mut w = self.lock();
            if !w.containers.get(container).is_some_and(|c| c.running) {
                return Err(Error::Docker(format!(
                    "docker: run {} in {container}: container is not running",
                    req.cmd.first().cloned().unwrap_or_default()
                )));
            }
            let rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
            rules
                .iter()
                .find_map(|r| r(&mut w, container, &req, &fed))
                .unwrap_or_default()
        };
        stdout
            .write_all(&reply.stdout)
            .await
            .map_err(|e| Error::Docker(format!("docker: writing its output: {e}")))?;
        Ok(ExecOutcome {
            exit_code: reply.code,
            stdout_bytes: reply.stdout.len() as u64,
            stderr: reply.stderr,
        })
    }

    async fn download(
        &self,
        container: &str,
        path: &str,
        out: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<u64> {
        self.record(Call::Download(container.into(), path.into()))?;
        let file = self
            .lock()
            .files
            .get(&(container.to_string(), path.to_string()))
            .cloned();
        // A tar of the folder, named after the path's last part, with one file that says which
        // data is live; or of the one file there is at that path.
        let live = self.lock().folder(container, path).live.clone();
        let name = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("data");
        let header = |kind: tar::EntryType, mode: u32, size: u64| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(kind);
            h.set_mode(mode);
            h.set_size(size);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(0);
            h
        };
        let mut b = tar::Builder::new(Vec::new());
        let fake_tar = |e: std::io::Error| Error::Docker(format!("docker: fake tar: {e}"));
        if let Some(bytes) = &file {
            b.append_data(
                &mut header(tar::EntryType::Regular, 0o644, bytes.len() as u64),
                name,
                bytes.as_slice(),
            )
            .map_err(fake_tar)?;
        } else {
            b.append_data(
                &mut header(tar::EntryType::Directory, 0o755, 0),
                format!("{name}/"),
                std::io::empty(),
            )
            .map_err(fake_tar)?;
            b.append_data(
                &mut header(tar::EntryType::Regular, 0o644, live.len() as u64),
                format!("{name}/live.txt"),
                live.as_bytes(),
            )
            .map_err(fake_tar)?;
        }
        let bytes = b.into_inner().map_err(fake_tar)?;
        out.write_all(&bytes)
            .await
            .map_err(|e| Error::Docker(format!("docker: copy {path} out of {container}: {e}")))?;
        Ok(bytes.len() as u64)
    }

    async fn upload(&self, container: &str, path: &str, mut stream: Upload) -> Result<()> {
        while let Some(chunk) = stream.next().await {
            chunk.map_err(|e| Error::Docker(format!("docker: copy into {path}: {e}")))?;
        }
        self.record(Call::Upload(container.into(), path.into()))?;
        let mut w = self.lock();
        w.container(container)?;
        w.folder(container, path).uploaded = Some("restored".into());
        Ok(())
    }

    async fn stop(&self, container: &str, _grace: Duration) -> Result<()> {
        self.record(Call::Stop(container.into()))?;
        let mut w = self.lock();
        let c = w.container(container)?;
        c.running = false;
        c.state = "exited".into();
        Ok(())
    }

    async fn start(&self, container: &str) -> Result<()> {
        self.record(Call::Start(container.into()))?;
        let mut w = self.lock();
        let c = w.container(container)?;
        c.running = true;
        c.state = "running".into();
        Ok(())
    }

    async fn set_restart_policy(&self, container: &str, policy: &str) -> Result<()> {
        self.record(Call::Policy(container.into(), policy.into()))?;
        self.lock().container(container)?.restart_policy = policy.into();
        Ok(())
    }

    async fn create(&self, spec: &OneOff) -> Result<String> {
        self.record(Call::Create(spec.name.clone()))?;
        let mut info = ContainerInfo::from_parts(
            format!("id-{}", spec.name),
            spec.name.clone(),
            spec.image.clone(),
            "created",
            Vec::new(),
            Vec::new(),
        );
        info.labels = spec.labels.iter().cloned().collect();
        let mut w = self.lock();
        w.containers.insert(spec.name.clone(), info);
        w.oneoffs.insert(spec.name.clone(), spec.clone());
        Ok(format!("id-{}", spec.name))
    }

    async fn remove(&self, container: &str) -> Result<()> {
        self.record(Call::Remove(container.into()))?;
        let mut w = self.lock();
        w.containers.remove(container);
        w.oneoffs.remove(container);
        Ok(())
    }

    async fn run_created(&self, name: &str, _limit: Duration) -> Result<(i64, String)> {
        self.record(Call::Run(name.into()))?;
        let spec = self.lock().oneoffs.get(name).cloned();
        match spec {
            Some(spec) => {
                let rules = self.oneoffs.lock().unwrap_or_else(|e| e.into_inner());
                match rules.iter().find_map(|r| r(&spec)) {
                    Some(answer) => Ok(answer),
                    None => Ok(self.play(&spec)),
                }
            }
            None => Err(Error::Docker(format!("docker: no such container: {name}"))),
        }
    }

    async fn oneoff_names(&self) -> Result<Vec<String>> {
        self.record(Call::ListOneoffs)?;
        Ok(self
            .lock()
            .containers
            .values()
            .filter(|c| c.labels.contains_key("lifeboat.oneoff"))
            .map(|c| c.name.clone())
            .collect())
    }

    async fn volume_labels(&self, name: &str) -> Result<Option<BTreeMap<String, String>>> {
        self.record(Call::VolumeLabels(name.into()))?;
        Ok(self.lock().volumes.get(name).cloned())
    }

    async fn create_volume(&self, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
        self.record(Call::CreateVolume(name.into()))?;
        self.lock().volumes.insert(name.into(), labels.clone());
        Ok(())
    }

    async fn remove_volume(&self, name: &str) -> Result<()> {
        self.record(Call::RemoveVolume(name.into()))?;
        self.lock().volumes.remove(name);
        Ok(())
    }
}
