//! What the operator asks a restore to do, typed once by the front end: the archive, the
//! profile, the selection (docs/design.md section 3), the options. Also what
//! the wizard offers before anything is armed: the target stack and the archive's components
//! with the default selection ticked.

use std::path::{Path, PathBuf};

use crate::engine::archive::{Manifest, peek};
use crate::engine::config::Config;
use crate::engine::error::{Error, Result};
use crate::engine::stack::{self, Component, Kind, Profile};

/// The restore selection: which of the archive's components are restored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreSelection {
    /// `--component` / `--only`: replaces the default set.
    pub components: Vec<String>,
    /// `--skip`.
    pub skip: Vec<String>,
    /// `--restore-config`: adds the `files` components.
    pub restore_config: bool,
}

/// A restore as the operator asked for it (`lifeboat restore ...`, the wizard, a resume, an
/// undo): parsed once, never edited by the driver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub archive: PathBuf,
    /// `--profile NAME|FILE`. `None`: the profile the archive was made with, else the
    /// configured one.
    pub profile: Option<String>,
    /// `--project`: the compose project, when it is not the profile's.
    pub project: Option<String>,
    pub selection: RestoreSelection,
    /// `--keep-partial`: what passed stays when another component fails.
    pub keep_partial: bool,
    /// `--skip-validation --force`: a missing or mismatched sidecar is waived (item
    /// `sidecar`); the archive must still parse to its end with every component hash matching.
    pub skip_validation: bool,
    /// A resume restores only the bytes the interrupted restore verified.
    pub expect_sha256: Option<String>,
    /// The restore this one undoes (`--undo`).
    pub undoes: Option<String>,
}

/// What the staging and the checklist need (the driver builds it).
#[derive(Debug, Clone)]
pub struct StageRequest<'a> {
    pub profile: &'a Profile,
    pub archive: PathBuf,
    pub selection: RestoreSelection,
    /// Staging root; the archive is extracted into `restore-<id>` under it.
    pub staging: PathBuf,
    pub state: PathBuf,
    pub skip_validation: bool,
}

/// The components to restore: every component the archive holds except `files` ones, unless
/// `--component` names them; `--skip` removes; `--restore-config` adds the `files` ones.
/// Unknown names and an empty selection are usage errors.
pub fn select(
    profile: &Profile,
    manifest: &Manifest,
    sel: &RestoreSelection,
) -> Result<Vec<Component>> {
    for n in sel.components.iter().chain(&sel.skip) {
        if !manifest.components.contains(n) {
            return Err(Error::Usage(format!(
                "component {n:?} is not in this archive (it holds: {})",
                manifest.components.join(", ")
            )));
        }
        if profile.component(n).is_none() {
            return Err(Error::Usage(format!(
                "component {n:?} is not in profile {} (known: {})",
                profile.name,
                profile.names()
            )));
        }
    }
    let mut chosen = Vec::new();
    for name in &manifest.components {
        let Some(c) = profile.component(name) else {
            continue;
        };
        let wanted = if sel.components.is_empty() {
            c.kind != Kind::Files || sel.restore_config
        } else {
            sel.components.contains(name) || (sel.restore_config && c.kind == Kind::Files)
        };
        if wanted && !sel.skip.contains(name) {
            chosen.push(c.clone());
        }
    }
    if chosen.is_empty() {
        return Err(Error::Usage(
            "nothing to restore: the selection is empty (the archive holds: ".to_string()
                + &manifest.components.join(", ")
                + ")",
        ));
    }
    Ok(chosen)
}

/// The profile a restore of `archive` loads: `explicit` when given (it must load), else the
/// one the archive was made with, else the configured one. Returns the spec that loaded
/// (`None`: the configured one), which the journal keeps so a settle loads the same profile.
pub fn load_profile(
    config: &Config,
    archive: &Path,
    explicit: Option<&str>,
    project: Option<&str>,
) -> Result<(Profile, Option<String>)> {
    if let Some(spec) = explicit {
        return Ok((stack::load(Some(spec), config, project)?, Some(spec.into())));
    }
    let archived = peek::read_manifest(archive).ok().and_then(|m| m.profile);
    match stack::load(archived.as_deref(), config, project) {
        Ok(p) => Ok((p, archived)),
        Err(_) if archived.is_some() => Ok((stack::load(None, config, project)?, None)),
        Err(e) => Err(e),
    }
}

/// The stack an archive restores into and its components to choose from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The profile's name, and the spec that loaded it.
    pub profile: String,
    pub spec: Option<String>,
    /// The stack (compose project): what the operator types to confirm.
    pub stack: String,
    pub choices: Vec<Choice>,
}

/// One component of the archive, ticked or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    /// Its kind in the profile ("postgres", "files", ...).
    pub kind: String,
    /// Its size in the archive.
    pub size: u64,
    pub on: bool,
    /// Not in the profile: shown, never restorable.
    pub unknown: bool,
}

/// What a restore of `archive` would restore into, with the default selection ticked.
pub fn target(
    config: &Config,
    archive: &Path,
    explicit: Option<&str>,
    project: Option<&str>,
) -> Result<Target> {
    let m = peek::read_manifest(archive)?;
    let (profile, spec) = load_profile(config, archive, explicit, project)?;
    // An empty default selection (only files components) leaves every box empty to tick.
    let defaults = select(&profile, &m, &RestoreSelection::default()).unwrap_or_default();
    let choices = m
        .components
        .iter()
        .map(|name| {
            let c = profile.component(name);
            let details = m.details().get(name);
            Choice {
                name: name.clone(),
                kind: c
                    .map(|c| c.kind.as_str().to_string())
                    .or_else(|| details.and_then(|d| d.kind.clone()))
                    .unwrap_or_else(|| "?".into()),
                size: details.map(|d| d.size).unwrap_or(0),
                on: defaults.iter().any(|d| d.name == *name),
                unknown: c.is_none(),
            }
        })
        .collect();
    Ok(Target {
        profile: profile.name.clone(),
        spec,
        stack: profile.project.clone(),
        choices,
    })
}
