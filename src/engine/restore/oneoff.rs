//! Swapping a stopped service's data folder, keeping the old data: the new data is uploaded
//! beside it (`.lifeboat-new-<id>`), then a one-off container of the service's own image, with
//! the service's mounts, moves the old entries into `.lifeboat-pre-<id>` and the new ones in.
//! Renames inside one filesystem: fast, whatever the size. Rollback and commit are one-offs too.

use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;

use crate::engine::docker::{ContainerInfo, Docker, OneOff};
use crate::engine::error::{Error, Result};

/// How long a one-off (moves and removals) may take.
const LIMIT: Duration = Duration::from_secs(3600);

/// Where a component's data lives: a folder of a container, on a volume or bind mount.
#[derive(Debug, Clone)]
pub struct DataFolder {
    /// The service container (stopped while its data is swapped).
    pub container: String,
    pub image: String,
    /// The container's mounts, as binds, so the one-off sees the same tree.
    pub binds: Vec<String>,
    /// The data folder inside the container.
    pub path: String,
}

impl DataFolder {
    /// The data folder `path` of `info`; it must be on a volume or bind mount, or a one-off
    /// could not reach it.
    pub fn of(info: &ContainerInfo, path: &str) -> Result<DataFolder> {
        let path = path.trim_end_matches('/').to_string();
        let covered = info.mounts.iter().any(|m| {
            let d = m.destination.trim_end_matches('/');
            m.kind != "tmpfs" && (path == d || path.starts_with(&format!("{d}/")))
        });
        if !covered {
            return Err(Error::Other(format!(
                "{path} of container {} is not on a volume or bind mount: lifeboat cannot swap it safely (copy the data in by hand, see docs/runbook.md)",
                info.name
            )));
        }
        let binds = info
            .mounts
            .iter()
            .filter(|m| m.kind != "tmpfs")
            .filter_map(|m| {
                let src = if m.kind == "volume" {
                    m.name.clone()?
                } else {
                    m.source.clone()
                };
                Some(format!("{src}:{}", m.destination))
            })
            .collect();
        Ok(DataFolder {
            container: info.name.clone(),
            image: info.image.clone(),
            binds,
            path,
        })
    }

    pub fn new_dir(id: &str) -> String {
        format!(".lifeboat-new-{id}")
    }

    pub fn pre_dir(id: &str) -> String {
        format!(".lifeboat-pre-{id}")
    }

    /// Uploads a tar stream whose entries all sit under `.lifeboat-new-<id>/`.
    pub async fn upload_new(
        &self,
        docker: &Docker,
        stream: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    ) -> Result<()> {
        docker
            .upload_fallible(&self.container, &self.path, stream)
            .await
    }

    /// Old entries into `.lifeboat-pre-<id>`, new ones in. With `chown`, the new entries get
    /// the folder's owner (an RDB uploaded as root must be readable by the redis user).
    /// `root` applies a recorded owner (`uid:gid`) and octal mode to the folder itself.
    pub async fn swap(
        &self,
        docker: &Docker,
        id: &str,
        chown: bool,
        root: Option<(&str, &str)>,
    ) -> Result<()> {
        let (owner, mode) = root.unwrap_or(("", ""));
        let script = r#"set -eu
cd "$1"
mkdir "$3"
# Uploads of restores killed before their swap.
for f in .lifeboat-new-*; do [ "$f" = "$2" ] || [ ! -e "$f" ] || rm -rf -- "$f"; done
for f in * .[!.]* ..?*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  case "$f" in .lifeboat-new-*|.lifeboat-pre-*) continue;; esac
  mv -- "$f" "$3"/
done
owner=$(stat -c %u:%g .)
for f in "$2"/* "$2"/.[!.]* "$2"/..?*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  base=${f#"$2"/}
  mv -- "$f" "./$base"
  if [ "$4" = chown ]; then chown -R "$owner" "./$base"; fi
done
rmdir "$2"
if [ -n "$5" ]; then chown "$5" .; fi
if [ -n "$6" ]; then chmod "$6" .; fi
"#;
        let chown = if chown { "chown" } else { "keep" };
        self.run(
            docker,
            id,
            "swap",
            script,
            &[&Self::new_dir(id), &Self::pre_dir(id), chown, owner, mode],
        )
        .await
    }

    /// Puts the old entries back (the new ones are deleted).
    pub async fn rollback(&self, docker: &Docker, id: &str) -> Result<()> {
        let script = r#"set -eu
cd "$1"
[ -d "$3" ] || exit 0
gone=".lifeboat-failed-$$"
mkdir "$gone"
for f in * .[!.]* ..?*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  case "$f" in .lifeboat-*) continue;; esac
  mv -- "$f" "$gone"/
done
for f in "$3"/* "$3"/.[!.]* "$3"/..?*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  mv -- "$f" .
done
rmdir "$3"
rm -rf "$gone" "$2"
"#;
        self.run(
            docker,
            id,
            "rollback",
            script,
            &[&Self::new_dir(id), &Self::pre_dir(id)],
        )
        .await
    }

    /// Deletes the kept old data (and any upload a failed swap left).
    pub async fn commit(&self, docker: &Docker, id: &str) -> Result<()> {
        let script = "set -eu\ncd \"$1\"\nrm -rf \"$2\" \"$3\"\n";
        self.run(
            docker,
            id,
            "commit",
            script,
            &[&Self::new_dir(id), &Self::pre_dir(id)],
        )
        .await
    }

    async fn run(
        &self,
        docker: &Docker,
        id: &str,
        what: &str,
        script: &str,
        args: &[&str],
    ) -> Result<()> {
        let mut cmd = vec![
            "sh".to_string(),
            "-c".to_string(),
            script.to_string(),
            "lifeboat".to_string(),
            self.path.clone(),
        ];
        cmd.extend(args.iter().map(|a| a.to_string()));
        let spec = OneOff {
            name: format!("lifeboat-{what}-{}-{id}", self.container),
            image: self.image.clone(),
            cmd,
            user: Some("0:0".into()),
            binds: self.binds.clone(),
            labels: vec![("lifeboat.oneoff".into(), what.into())],
            entrypoint: Some(vec![String::new()]),
        };
        let (code, log) = docker.run_oneoff(&spec, LIMIT).await?;
        if code != 0 {
            let last = log
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            return Err(Error::Other(format!(
                "{what} of {} in {} failed (exit {code}): {}",
                self.path,
                self.container,
                last.trim()
            )));
        }
        Ok(())
    }
}
