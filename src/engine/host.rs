//! What every job needs of the machine it runs on: the config, where lifeboat keeps its state,
//! lock and staging, and how the Docker engine is reached. The drivers (backup, restore,
//! settle, recover) take a [`Host`]; front ends build one and never connect or lock themselves.

use std::path::PathBuf;

use crate::engine::config::Config;
use crate::engine::docker::{Connector, Docker};
use crate::engine::error::Result;
use crate::engine::state::Locations;
use crate::engine::stopped::Ledger;

#[derive(Clone)]
pub struct Host {
    pub config: Config,
    pub locations: Locations,
    pub docker: Connector,
}

impl Host {
    /// This machine's Docker engine, reached when a job first needs it.
    pub fn new(config: Config, locations: Locations) -> Host {
        Host {
            config,
            locations,
            docker: Connector::default(),
        }
    }

    /// The state folder; mutating jobs refuse without one.
    pub fn state(&self) -> Result<PathBuf> {
        Ok(self.locations.require_state()?.to_path_buf())
    }

    /// Where archives are staged and safety copies spooled.
    pub fn staging(&self) -> Result<PathBuf> {
        let state = self.state()?;
        Ok(self
            .locations
            .staging
            .clone()
            .unwrap_or_else(|| state.join("staging")))
    }

    /// The containers lifeboat holds stopped.
    pub fn ledger(&self) -> Result<Ledger> {
        Ok(Ledger::new(&self.state()?))
    }

    pub async fn docker(&self) -> Result<Docker> {
        self.docker.connect().await
    }
}
