//! Credentials of a component, read where its profile says (the container's environment or the
//! profile's env file) and held as [`Secret`]s: they reach child processes only through their
//! environment (`PGPASSWORD`, `REDISCLI_AUTH`), never a command line, a log or a message.

use crate::engine::docker::ContainerInfo;
use crate::engine::envfile::EnvFile;
use crate::engine::error::{Error, Result};
use crate::engine::secret::Secret;
use crate::engine::stack::{Component, CredentialSource, Profile};

/// What a component logs in with.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub user: Option<String>,
    pub database: Option<String>,
    pub password: Option<Secret>,
}

/// Resolves `component`'s credentials from its container (`info`) or the profile's env file.
pub fn resolve(
    profile: &Profile,
    component: &Component,
    info: &ContainerInfo,
) -> Result<Credentials> {
    let env_file = match component.credentials {
        CredentialSource::EnvFile => {
            let path = profile
                .env_file
                .as_ref()
                .ok_or_else(|| Error::Usage(format!("profile {}: no env_file", profile.name)))?;
            Some(EnvFile::read(path)?)
        }
        CredentialSource::Container => None,
    };
    let lookup = |var: &str| -> Option<String> {
        match &env_file {
            Some(f) => f.get(var).map(str::to_string),
            None => info.env_var(var).map(str::to_string),
        }
    };
    let from =
        |literal: &Option<String>, var: &Option<String>, what: &str| -> Result<Option<String>> {
            match (literal, var) {
                (Some(v), _) => Ok(Some(v.clone())),
                (None, Some(var)) => lookup(var)
                    .map(Some)
                    .ok_or_else(|| missing(profile, component, info, var, what)),
                (None, None) => Ok(None),
            }
        };
    let user = from(&component.user, &component.user_env, "user")?;
    let database = from(&component.database, &component.database_env, "database")?;
    // A password variable that is absent means "no password" only for Redis (no requirepass).
    let password = match &component.password_env {
        Some(var) => match lookup(var) {
            Some(v) => Some(Secret::new(v)),
            None if component.kind == crate::engine::stack::Kind::Redis => None,
            None => return Err(missing(profile, component, info, var, "password")),
        },
        None => None,
    };
    Ok(Credentials {
        user,
        database,
        password,
    })
}

fn missing(profile: &Profile, c: &Component, info: &ContainerInfo, var: &str, what: &str) -> Error {
    let place = match c.credentials {
        CredentialSource::Container => format!("the environment of container {}", info.name),
        CredentialSource::EnvFile => profile
            .env_file
            .as_ref()
            .map_or("the env file".into(), |p| p.display().to_string()),
    };
    Error::Secret(format!(
        "component {}: its {what} variable {var} is not set in {place}",
        c.name
    ))
}
