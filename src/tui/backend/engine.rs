//! The real engine as the console holds it: the index, the host (config, state folder, lock,
//! staging, Docker) and the wizard's armed restore between its checklist and its run; and the
//! one way its blocking calls drive the async engine.

use std::future::Future;

use crate::engine::error::{Error, Result};
use crate::engine::host::Host;
use crate::engine::index::Index;
use crate::engine::restore::Armed;

/// The real engine, with the index when there is a state folder.
pub struct Engine {
    pub index: Option<Index>,
    /// The config, the state folder, the lock, staging, and the Docker engine.
    pub host: Host,
    /// The wizard's armed restore: its lock, profile and staged plan.
    pub armed: std::sync::Mutex<Option<Armed>>,
}

impl Engine {
    pub fn new(index: Option<Index>, host: Host) -> Engine {
        Engine {
            index,
            host,
            armed: std::sync::Mutex::new(None),
        }
    }
}

/// Runs async engine work from a blocking thread on the console's runtime.
pub(crate) fn block_on<T>(f: impl Future<Output = Result<T>>) -> Result<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => h.block_on(f),
        Err(_) => Err(Error::Other("no async runtime for the engine".into())),
    }
}
