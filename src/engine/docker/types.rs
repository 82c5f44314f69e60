//! What lifeboat knows of containers and asks of one-off containers: plain data, built by an
//! [`super::Api`] implementation. Secrets (container environments) are never logged or shown:
//! [`ContainerInfo`]'s `Debug` lists only variable names.

use std::collections::HashMap;

/// A mount of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `volume`, `bind`, `tmpfs`.
    pub kind: String,
    /// The volume's name (volumes only).
    pub name: Option<String>,
    pub source: String,
    pub destination: String,
    pub rw: bool,
}

/// What lifeboat needs to know of a container.
#[derive(Clone)]
pub struct ContainerInfo {
    pub id: String,
    pub name: String,
    /// The image as the container was created from it (`lifeboat-testbed/postgres:15`).
    pub image: String,
    /// The image's ID (`sha256:...`).
    pub image_id: String,
    /// `running`, `exited`, `restarting`, `created`, `paused`, `dead`.
    pub state: String,
    pub running: bool,
    /// `healthy`, `unhealthy`, `starting`; `None` without a health check.
    pub health: Option<String>,
    /// `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`.
    pub restart_policy: String,
    /// How often Docker restarted it (climbing while it crash-loops).
    pub restart_count: i64,
    pub mounts: Vec<Mount>,
    pub labels: HashMap<String, String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
}

impl ContainerInfo {
    /// A variable of the container's environment (may be a secret: keep it in a [`Secret`]).
    ///
    /// [`Secret`]: crate::engine::secret::Secret
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The names of its environment variables.
    pub fn env_names(&self) -> impl Iterator<Item = &str> {
        self.env.iter().map(|(k, _)| k.as_str())
    }

    /// The mount whose destination is `path`.
    pub fn mount_at(&self, path: &str) -> Option<&Mount> {
        let path = path.trim_end_matches('/');
        self.mounts
            .iter()
            .find(|m| m.destination.trim_end_matches('/') == path)
    }
}

impl std::fmt::Debug for ContainerInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerInfo")
            .field("name", &self.name)
            .field("image", &self.image)
            .field("state", &self.state)
            .field("health", &self.health)
            .field("restart_policy", &self.restart_policy)
            .field("mounts", &self.mounts)
            .field("env", &self.env_names().collect::<Vec<_>>())
            .finish()
    }
}

/// A container's record, as an [`super::Api`] implementation builds it (the environment stays private:
/// read it through [`ContainerInfo::env_var`]).
impl ContainerInfo {
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        id: impl Into<String>,
        name: impl Into<String>,
        image: impl Into<String>,
        state: impl Into<String>,
        mounts: Vec<Mount>,
        env: Vec<(String, String)>,
    ) -> ContainerInfo {
        let state = state.into();
        ContainerInfo {
            id: id.into(),
            name: name.into(),
            image: image.into(),
            image_id: String::new(),
            running: state == "running" || state == "restarting",
            state,
            health: None,
            restart_policy: "no".into(),
            restart_count: 0,
            mounts,
            labels: HashMap::new(),
            cmd: Vec::new(),
            entrypoint: Vec::new(),
            env,
        }
    }
}

/// A container to create for a one-off job (never started by this call).
#[derive(Debug, Clone, Default)]
pub struct OneOff {
    pub name: String,
    pub image: String,
    pub cmd: Vec<String>,
    pub user: Option<String>,
    /// `volume:/path[:ro]` binds.
    pub binds: Vec<String>,
    pub labels: Vec<(String, String)>,
    /// Replaces the image's entrypoint (`[""]` resets it, so `cmd` runs as given).
    pub entrypoint: Option<Vec<String>>,
}
