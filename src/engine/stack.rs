//! Stack profiles (docs/design.md section 3): which components a stack has, their kind, containers,
//! archive file, dependents, and where their credentials come from. Built-in profiles are
//! embedded from `assets/profiles/`; users give their own with `--profile FILE` or adjust a
//! built-in one in the config's `[profiles.NAME]` table (`project`, `deploy_dir`, `env_file`,
//! `archive_prefix`).
//!
//! A profile is checked completely when it is loaded: a typo or a field that means nothing for
//! its kind is an error naming the file, line and field, never a silent default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::archive::manifest::{check_component_name, check_member_path};
use crate::engine::archive::names::is_valid_prefix;
use crate::engine::config::Config;
use crate::engine::error::{Error, Result};

/// Profiles built into the binary: (name, TOML).
pub const BUILTIN: &[(&str, &str)] = &[(
    "tars-home",
    include_str!("../../assets/profiles/tars-home.toml"),
)];

/// The profile used when neither `--profile` nor the config names one.
pub const DEFAULT_PROFILE: &str = "tars-home";

/// What a component is, which decides how it is backed up and restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Postgres,
    Redis,
    Chroma,
    Volume,
    Files,
    Exec,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Postgres => "postgres",
            Kind::Redis => "redis",
            Kind::Chroma => "chroma",
            Kind::Volume => "volume",
            Kind::Files => "files",
            Kind::Exec => "exec",
        }
    }
}

/// Where credentials are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialSource {
    /// The component's container's environment.
    #[default]
    Container,
    /// The profile's `env_file`.
    EnvFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    #[serde(default)]
    description: String,
    project: String,
    archive_prefix: String,
    #[serde(default)]
    deploy_dir: Option<String>,
    #[serde(default)]
    env_file: Option<String>,
    #[serde(rename = "component", default)]
    components: Vec<ComponentFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentFile {
    name: toml::Spanned<String>,
    kind: Kind,
    #[serde(default)]
    containers: Vec<String>,
    file: String,
    #[serde(default = "yes")]
    default: bool,
    #[serde(default)]
    dependents: Vec<String>,
    #[serde(default)]
    credentials: CredentialSource,
    user_env: Option<String>,
    password_env: Option<String>,
    database_env: Option<String>,
    user: Option<String>,
    database: Option<String>,
    data_path: Option<String>,
    volume: Option<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    dump_command: Vec<String>,
    #[serde(default)]
    restore_command: Vec<String>,
    #[serde(default)]
    health_command: Vec<String>,
    stop_timeout: Option<u64>,
    #[serde(default)]
    pause: bool,
}

fn yes() -> bool {
    true
}

/// One component of a resolved profile: every `{placeholder}` filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    pub kind: Kind,
    /// Containers holding its data (the first is the one lifeboat execs into).
    pub containers: Vec<String>,
    /// Its file in the archive (`config/` for files components).
    pub file: String,
    /// Selected by default for backups.
    pub default: bool,
    /// Containers stopped with it (they write to it).
    pub dependents: Vec<String>,
    pub credentials: CredentialSource,
    pub user_env: Option<String>,
    pub password_env: Option<String>,
    pub database_env: Option<String>,
    pub user: Option<String>,
    pub database: Option<String>,
    /// Path of the data inside the container (chroma: resolved from the container when absent).
    pub data_path: Option<String>,
    /// The named volume (volume components).
    pub volume: Option<String>,
    /// Host files and folders (files components).
    pub paths: Vec<PathBuf>,
    pub dump_command: Vec<String>,
    pub restore_command: Vec<String>,
    /// A command run in the container that exits 0 when the service is healthy.
    pub health_command: Vec<String>,
    /// Seconds a stop waits for a clean shutdown.
    pub stop_timeout: u64,
    /// Chroma: pause instead of stopping for the copy (crash-consistent).
    pub pause: bool,
}

impl Component {
    /// The container lifeboat works through.
    pub fn main_container(&self) -> Option<&str> {
        self.containers.first().map(String::as_str)
    }
}

/// A resolved profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub project: String,
    pub archive_prefix: String,
    pub deploy_dir: Option<PathBuf>,
    pub env_file: Option<PathBuf>,
    pub components: Vec<Component>,
    /// `built-in` or the file it came from.
    pub source: String,
}

impl Profile {
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }

    /// The component names, for "known: ..." in errors.
    pub fn names(&self) -> String {
        self.components
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The overrides the config may give a profile (`[profiles.NAME]`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Overrides {
    project: Option<String>,
    deploy_dir: Option<String>,
    env_file: Option<String>,
    archive_prefix: Option<String>,
}

/// Loads `spec` (a built-in name or a TOML file; default: the config's `default_profile`, else
/// `tars-home`), applies the config's overrides, then `project`.
pub fn load(spec: Option<&str>, config: &Config, project: Option<&str>) -> Result<Profile> {
    let spec = spec
        .or(config.default_profile.as_deref())
        .unwrap_or(DEFAULT_PROFILE);
    let as_path = Path::new(spec);
    let (text, origin) = if spec.ends_with(".toml") || spec.contains('/') {
        let text = std::fs::read_to_string(as_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Usage(format!("profile file {spec} not found")),
            _ => Error::io(as_path, "read profile", e),
        })?;
        (text, spec.to_string())
    } else {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == spec).ok_or_else(|| {
            let known: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            Error::Usage(format!(
                "unknown profile {spec:?} (built in: {}; or give a .toml file)",
                known.join(", ")
            ))
        })?;
        (text.to_string(), format!("built-in profile {spec}"))
    };
    let file: ProfileFile =
        toml::from_str(&text).map_err(|e| Error::Usage(toml_error(&origin, &text, &e)))?;
    let overrides = match config.profiles.get(&file.name) {
        Some(v) => Overrides::deserialize(v.clone()).map_err(|e| {
            Error::Usage(format!(
                "config [profiles.{}]: {}",
                file.name,
                e.message().trim()
            ))
        })?,
        None => Overrides::default(),
    };
    let project = project
        .map(str::to_string)
        .or(overrides.project)
        .or(config.project.clone())
        .unwrap_or(file.project.clone());
    resolve(
        file,
        overrides.deploy_dir,
        overrides.env_file,
        overrides.archive_prefix,
        project,
        &origin,
        &text,
    )
}

fn toml_error(origin: &str, text: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .map(|s| format!(" line {}", line_of(text, s.start)))
        .unwrap_or_default();
    format!("{origin}:{line}: {}", e.message().trim())
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn resolve(
    f: ProfileFile,
    deploy_dir: Option<String>,
    env_file: Option<String>,
    prefix: Option<String>,
    project: String,
    origin: &str,
    text: &str,
) -> Result<Profile> {
    let bad = |line: Option<usize>, msg: String| {
        let at = line.map(|l| format!(" line {l}")).unwrap_or_default();
        Error::Usage(format!("{origin}:{at}: {msg}"))
    };
    if !valid_name(&project) {
        return Err(bad(
            None,
            format!("project {project:?} must be letters, digits, '.', '_' or '-'"),
        ));
    }
    let archive_prefix = prefix.unwrap_or(f.archive_prefix);
    if !is_valid_prefix(&archive_prefix) {
        return Err(bad(
            None,
            format!("archive_prefix {archive_prefix:?} is not allowed"),
        ));
    }
    let deploy_dir = deploy_dir.or(f.deploy_dir);
    let mut vars: BTreeMap<&str, String> = BTreeMap::new();
    vars.insert("project", project.clone());
    if let Some(d) = &deploy_dir {
        vars.insert("deploy_dir", d.clone());
    }
    let fill = |s: &str, vars: &BTreeMap<&str, String>| -> std::result::Result<String, String> {
        fill(s, vars)
    };
    let env_file = match env_file.or(f.env_file) {
        Some(e) => Some(fill(&e, &vars).map_err(|m| bad(None, format!("env_file: {m}")))?),
        None => None,
    };
    if let Some(e) = &env_file {
        vars.insert("env_file", e.clone());
    }
    if f.components.is_empty() {
        return Err(bad(None, "the profile has no [[component]]".into()));
    }
    let mut components: Vec<Component> = Vec::new();
    for c in f.components {
        let line = Some(line_of(text, c.name.span().start));
        let name = c.name.get_ref().clone();
        let err = |m: String| bad(line, format!("component {name}: {m}"));
        check_component_name(&name).map_err(|e| err(e.0))?;
        if components.iter().any(|o| o.name == name) {
            return Err(err("defined twice".into()));
        }
        if components.iter().any(|o| o.file == c.file) {
            return Err(err(format!(
                "file {} is already another component's",
                c.file
            )));
        }
        check_kind_fields(&c).map_err(&err)?;
        let filled = |list: &[String]| -> Result<Vec<String>> {
            list.iter().map(|s| fill(s, &vars).map_err(&err)).collect()
        };
        let one = |o: &Option<String>| -> Result<Option<String>> {
            o.as_deref()
                .map(|s| fill(s, &vars).map_err(&err))
                .transpose()
        };
        let paths = filled(&c.paths)?.into_iter().map(PathBuf::from).collect();
        if c.credentials == CredentialSource::EnvFile && env_file.is_none() {
            return Err(err(
                "credentials = \"env_file\" but the profile names no env_file".into(),
            ));
        }
        components.push(Component {
            containers: filled(&c.containers)?,
            dependents: filled(&c.dependents)?,
            volume: one(&c.volume)?,
            data_path: c.data_path.clone(),
            paths,
            name,
            kind: c.kind,
            file: c.file,
            default: c.default,
            credentials: c.credentials,
            user_env: c.user_env,
            password_env: c.password_env,
            database_env: c.database_env,
            user: c.user,
            database: c.database,
            dump_command: c.dump_command,
            restore_command: c.restore_command,
            health_command: c.health_command,
            stop_timeout: c.stop_timeout.unwrap_or(30),
            pause: c.pause,
        });
    }
    Ok(Profile {
        name: f.name,
        description: f.description,
        project,
        archive_prefix,
        deploy_dir: deploy_dir.map(PathBuf::from),
        env_file: env_file.map(PathBuf::from),
        components,
        source: origin.to_string(),
    })
}

/// Which fields each kind takes: anything else is a mistake worth an error.
fn check_kind_fields(c: &ComponentFile) -> std::result::Result<(), String> {
    let kind = c.kind.as_str();
    let unused = |field: &str, set: bool| {
        if set {
            Err(format!("field {field} is not used by kind {kind}"))
        } else {
            Ok(())
        }
    };
    let needs = |field: &str, set: bool| {
        if set {
            Ok(())
        } else {
            Err(format!("kind {kind} needs the field {field}"))
        }
    };
    let creds = c.user_env.is_some()
        || c.password_env.is_some()
        || c.database_env.is_some()
        || c.user.is_some()
        || c.database.is_some();
    match c.kind {
        Kind::Files => {
            needs("paths", !c.paths.is_empty())?;
            unused("containers", !c.containers.is_empty())?;
            unused("user_env/password_env/database_env/user/database", creds)?;
            if !c.file.ends_with('/') {
                return Err(format!(
                    "file {:?} of a files component must be a folder ending in '/'",
                    c.file
                ));
            }
        }
        Kind::Postgres | Kind::Redis | Kind::Chroma | Kind::Volume | Kind::Exec => {
            needs("containers", !c.containers.is_empty())?;
            unused("paths", !c.paths.is_empty())?;
            if c.file.ends_with('/') {
                return Err(format!("file {:?} must be a file, not a folder", c.file));
            }
        }
    }
    if c.kind == Kind::Postgres {
        needs("user_env or user", c.user_env.is_some() || c.user.is_some())?;
        needs(
            "database_env or database",
            c.database_env.is_some() || c.database.is_some(),
        )?;
    }
    if matches!(
        c.kind,
        Kind::Redis | Kind::Chroma | Kind::Volume | Kind::Files
    ) {
        unused(
            "user_env/database_env/user/database",
            c.user_env.is_some()
                || c.database_env.is_some()
                || c.user.is_some()
                || c.database.is_some(),
        )?;
    }
    if matches!(c.kind, Kind::Chroma | Kind::Volume | Kind::Files) {
        unused("password_env", c.password_env.is_some())?;
    }
    if c.kind == Kind::Volume {
        needs("volume", c.volume.is_some())?;
        needs("data_path", c.data_path.is_some())?;
    } else {
        unused("volume", c.volume.is_some())?;
    }
    if c.kind == Kind::Exec {
        needs("dump_command", !c.dump_command.is_empty())?;
    } else {
        unused(
            "dump_command/restore_command",
            !c.dump_command.is_empty() || !c.restore_command.is_empty(),
        )?;
    }
    if c.kind != Kind::Chroma {
        unused("pause", c.pause)?;
    }
    let trimmed = c.file.trim_end_matches('/');
    check_member_path(trimmed).map_err(|e| e.0)?;
    if matches!(trimmed, "manifest.json" | "postgres-globals.sql") {
        return Err(format!(
            "file {:?} is a name the archive itself uses",
            c.file
        ));
    }
    if c.containers
        .iter()
        .chain(&c.dependents)
        .any(|n| n.is_empty())
    {
        return Err("an empty container name".into());
    }
    if let Some(p) = &c.data_path
        && !p.starts_with('/')
    {
        return Err(format!(
            "data_path {p:?} must be an absolute path in the container"
        ));
    }
    if c.paths
        .iter()
        .any(|p| !p.starts_with('/') && !p.starts_with('{'))
    {
        return Err("paths must be absolute (cron runs lifeboat from anywhere)".into());
    }
    if c.kind == Kind::Files {
        unused("health_command", !c.health_command.is_empty())?;
        unused("dependents", !c.dependents.is_empty())?;
        unused("data_path", c.data_path.is_some())?;
    }
    if trimmed.contains('/') {
        return Err(format!(
            "file {:?} must sit at the top of the archive",
            c.file
        ));
    }
    Ok(())
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Fills `{name}` placeholders; an unknown one is an error.
fn fill(s: &str, vars: &BTreeMap<&str, String>) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            return Err(format!("unclosed '{{' in {s:?}"));
        };
        let key = &rest[start + 1..start + end];
        match vars.get(key) {
            Some(v) => out.push_str(v),
            None => return Err(format!("unknown placeholder {{{key}}} in {s:?}")),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
#[path = "stack_tests.rs"]
mod tests;
