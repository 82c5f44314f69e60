//! Backup plans: which components, what each stops, how big each is, and every check a backup
//! needs, evaluated for real (Docker, containers, credentials, disk per filesystem, the lock).
//! A dry run is the plan, printed; the real run executes the same plan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::docker::{Docker, ExecRequest};
use crate::engine::error::{Error, Result};
use crate::engine::stack::{Component, Kind, Profile};
use crate::engine::status;

/// What the operator asked for (docs/design.md section 3, backup selection).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--only`: replaces the profile's defaults.
    pub only: Vec<String>,
    /// `--skip` and `--skip-chromadb/--skip-postgres/--skip-redis`.
    pub skip: Vec<String>,
    /// `--include-models`: adds the `ollama` component.
    pub include_models: bool,
}

/// The selected components, in the profile's order. Unknown names and an empty selection are
/// usage errors.
pub fn select<'p>(profile: &'p Profile, sel: &Selection) -> Result<Vec<&'p Component>> {
    let unknown = |n: &str| {
        Error::Usage(format!(
            "unknown component {n:?} in profile {} (known: {})",
            profile.name,
            profile.names()
        ))
    };
    for n in sel.only.iter().chain(&sel.skip) {
        if profile.component(n).is_none() {
            return Err(unknown(n));
        }
    }
    let mut names: Vec<String> = if sel.only.is_empty() {
        profile
            .components
            .iter()
            .filter(|c| c.default)
            .map(|c| c.name.clone())
            .collect()
    } else {
        sel.only.clone()
    };
    if sel.include_models {
        if profile.component("ollama").is_none() {
            return Err(Error::Usage(format!(
                "--include-models: profile {} has no ollama component",
                profile.name
            )));
        }
        names.push("ollama".into());
    }
    names.retain(|n| !sel.skip.contains(n));
    let chosen: Vec<&Component> = profile
        .components
        .iter()
        .filter(|c| names.contains(&c.name))
        .collect();
    if chosen.is_empty() {
        return Err(Error::Usage(
            "nothing to back up: the selection is empty".into(),
        ));
    }
    Ok(chosen)
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    Warn,
    Fail,
}

/// One check of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: String,
    pub label: String,
    pub status: CheckStatus,
    pub detail: String,
}

/// One component of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    pub name: String,
    pub kind: Kind,
    pub file: String,
    /// Containers stopped for the copy (dependents first).
    pub stops: Vec<String>,
    /// Estimated bytes (uncompressed), when known.
    pub estimate: Option<u64>,
}

/// A backup plan.
#[derive(Debug, Clone, Serialize)]
pub struct BackupPlan {
    pub profile: String,
    pub project: String,
    pub output_dir: PathBuf,
    pub staging: PathBuf,
    pub components: Vec<Planned>,
    pub checks: Vec<Check>,
}

impl BackupPlan {
    /// Whether a check failed (the backup must not start).
    pub fn blocked(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.status == CheckStatus::Fail)
    }

    pub fn estimate(&self) -> u64 {
        self.components.iter().filter_map(|c| c.estimate).sum()
    }
}

fn check(
    id: impl Into<String>,
    label: impl Into<String>,
    status: CheckStatus,
    detail: impl Into<String>,
) -> Check {
    Check {
        id: id.into(),
        label: label.into(),
        status,
        detail: detail.into(),
    }
}

/// Builds the plan for `chosen`, checking everything that can be checked without changing
/// anything.
pub async fn plan(
    docker: &Docker,
    profile: &Profile,
    chosen: &[&Component],
    output_dir: &Path,
    staging: &Path,
) -> BackupPlan {
    let mut checks = vec![check(
        "docker",
        "Docker Engine",
        CheckStatus::Ok,
        format!("answers at {}", docker.endpoint()),
    )];
    let mut components = Vec::new();
    for c in chosen {
        let (estimate, mut more) = component_checks(docker, profile, c).await;
        checks.append(&mut more);
        let stops = if matches!(c.kind, Kind::Chroma | Kind::Volume) {
            c.dependents.iter().chain(&c.containers).cloned().collect()
        } else {
            Vec::new()
        };
        components.push(Planned {
            name: c.name.clone(),
            kind: c.kind,
            file: c.file.clone(),
            stops,
            estimate,
        });
    }
    let total: u64 = components.iter().filter_map(|c| c.estimate).sum();
    checks.extend(writable_checks(output_dir, staging));
    checks.extend(disk_checks(output_dir, staging, total));
    if let Some(root) = docker.root_dir().await {
        checks.extend(docker_fs_check(
            Path::new(&root),
            output_dir,
            staging,
            total,
        ));
    }
    BackupPlan {
        profile: profile.name.clone(),
        project: profile.project.clone(),
        output_dir: output_dir.to_path_buf(),
        staging: staging.to_path_buf(),
        components,
        checks,
    }
}

async fn component_checks(
    docker: &Docker,
    profile: &Profile,
    c: &Component,
) -> (Option<u64>, Vec<Check>) {
    let mut out = Vec::new();
    if c.kind == Kind::Files {
        let present: Vec<&PathBuf> = c.paths.iter().filter(|p| p.exists()).collect();
        let size = present
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        let st = if present.is_empty() {
            CheckStatus::Fail
        } else if present.len() < c.paths.len() {
            CheckStatus::Warn
        } else {
            CheckStatus::Ok
        };
        out.push(check(
            format!("files:{}", c.name),
            format!("{}: its files", c.name),
            st,
            format!("{} of {} present", present.len(), c.paths.len()),
        ));
        return (Some(size), out);
    }
    let st =
        status::component_status(docker, profile, c, &crate::engine::progress::Cancel::new()).await;
    let st = match st {
        Ok(s) => s,
        Err(e) => {
            out.push(check(
                format!("containers:{}", c.name),
                format!("{}: containers", c.name),
                CheckStatus::Fail,
                e.to_string(),
            ));
            return (None, out);
        }
    };
    let needs_running = matches!(
        c.kind,
        Kind::Postgres | Kind::Redis | Kind::Chroma | Kind::Exec
    );
    let main = st.containers.first();
    let container_status = match main {
        Some(k) if !k.exists => (
            CheckStatus::Fail,
            format!("container {} does not exist", k.name),
        ),
        Some(k) if needs_running && !k.running => (
            CheckStatus::Fail,
            format!("container {} is {}", k.name, k.state),
        ),
        Some(k) => (CheckStatus::Ok, format!("{} is {}", k.name, k.state)),
        None => (CheckStatus::Fail, "no container".into()),
    };
    out.push(check(
        format!("containers:{}", c.name),
        format!("{}: containers", c.name),
        container_status.0,
        container_status.1,
    ));
    match &st.login {
        status::Login::Rejected(m) | status::Login::Failed(m) => {
            out.push(check(
                format!("credentials:{}", c.name),
                format!("{}: credentials", c.name),
                CheckStatus::Fail,
                m.clone(),
            ));
        }
        status::Login::Ok => out.push(check(
            format!("credentials:{}", c.name),
            format!("{}: credentials", c.name),
            CheckStatus::Ok,
            "log in",
        )),
        status::Login::NotChecked => {}
    }
    let mut estimate = st.data_bytes;
    if c.kind == Kind::Postgres && main.is_some_and(|k| k.running) {
        estimate = postgres_size(docker, profile, c).await.or(estimate);
    }
    (estimate, out)
}

pub(crate) async fn postgres_size(
    docker: &Docker,
    profile: &Profile,
    c: &Component,
) -> Option<u64> {
    let info = docker.inspect(c.main_container()?).await.ok()??;
    let creds = crate::engine::credentials::resolve(profile, c, &info).ok()?;
    let mut r = ExecRequest::new([
        "psql",
        "-X",
        "-At",
        "-h",
        "127.0.0.1",
        "-c",
        "SELECT pg_catalog.pg_database_size(current_database())",
    ]);
    r.cmd
        .extend(["-U".into(), creds.user?, "-d".into(), creds.database?]);
    if let Some(p) = &creds.password {
        r = r.secret("PGPASSWORD", p);
    }
    let r = r.timeout(std::time::Duration::from_secs(30));
    let (o, out) = docker.exec_capture(&info.name, r).await.ok()?;
    if !o.success() {
        return None;
    }
    String::from_utf8_lossy(&out).trim().parse().ok()
}

/// Free bytes and total bytes of the filesystem holding `path` (its nearest existing parent).
pub fn fs_space(path: &Path) -> Option<(u64, u64, u64)> {
    let mut p = path;
    while !p.exists() {
        p = p.parent()?;
    }
    let s = rustix::fs::statvfs(p).ok()?;
    Some((s.f_bavail * s.f_frsize, s.f_blocks * s.f_frsize, s.f_fsid))
}

/// The output and staging folders (or, before they exist, the folders they would be made in)
/// must be writable. `access(2)` answers for root too: a read-only mount says EROFS.
fn writable_checks(output: &Path, staging: &Path) -> Vec<Check> {
    let mut out = Vec::new();
    for (id, what, p) in [
        ("write:output", "output folder", output),
        ("write:staging", "staging folder", staging),
    ] {
        let mut at = p;
        while !at.exists() {
            match at.parent() {
                Some(parent) => at = parent,
                None => break,
            }
        }
        let access = rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK;
        let (status, detail) = match rustix::fs::access(at, access) {
            Ok(()) if at == p => (CheckStatus::Ok, format!("{} is writable", p.display())),
            Ok(()) => (
                CheckStatus::Ok,
                format!("{} will be made in {}", p.display(), at.display()),
            ),
            Err(e) => (
                CheckStatus::Fail,
                format!(
                    "{} cannot be written: {}",
                    at.display(),
                    std::io::Error::from(e)
                ),
            ),
        };
        out.push(check(id, what, status, detail));
    }
    out
}

/// Disk per filesystem: the spool (staging) and the archive (output) each need about the
/// estimate; on one filesystem, both at once.
fn disk_checks(output: &Path, staging: &Path, estimate: u64) -> Vec<Check> {
    let mut need: BTreeMap<u64, (PathBuf, u64, u64)> = BTreeMap::new();
    for p in [output, staging] {
        if let Some((free, _, fsid)) = fs_space(p) {
            let e = need.entry(fsid).or_insert((p.to_path_buf(), free, 0));
            e.2 += estimate;
        }
    }
    need.into_values()
        .map(|(p, free, needed)| {
            let st = if needed > free {
                CheckStatus::Fail
            } else {
                CheckStatus::Ok
            };
            check(
                format!("disk:{}", p.display()),
                format!("disk for {}", p.display()),
                st,
                format!("needs about {}, {} free", human(needed), human(free)),
            )
        })
        .collect()
}

/// Writing must not leave the filesystem holding Docker's data under 10 % free.
fn docker_fs_check(root: &Path, output: &Path, staging: &Path, estimate: u64) -> Option<Check> {
    let (free, total, fsid) = fs_space(root)?;
    let mut written = 0;
    for p in [output, staging] {
        if fs_space(p).is_some_and(|(_, _, f)| f == fsid) {
            written += estimate;
        }
    }
    if written == 0 || total == 0 {
        return None;
    }
    let after = free.saturating_sub(written);
    let st = if after * 10 < total {
        CheckStatus::Warn
    } else {
        CheckStatus::Ok
    };
    Some(check(
        "disk:docker",
        "Docker's filesystem stays above 10 % free",
        st,
        format!(
            "{} free of {} after writing about {}",
            human(after),
            human(total),
            human(written)
        ),
    ))
}

fn human(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY)
}
