//! What every command gets (the config, where lifeboat keeps things, the output mode), how a
//! failure is reported, and how async engine work is run to its end.

use crate::cli::{output, render};
use crate::engine::Error;
use crate::engine::config::LoadedConfig;
use crate::engine::index::Index;
use crate::engine::state::Locations;

/// What every command gets.
pub struct Context {
    pub config: LoadedConfig,
    pub locations: Locations,
    pub json: bool,
    pub no_progress: bool,
}

impl Context {
    /// The verify cache, when there is a state folder we can write.
    pub fn index(&self) -> Option<Index> {
        let state = self.locations.state.as_ref()?;
        Index::open(state.join("index")).ok()
    }

    pub fn render_mode(&self) -> render::Mode {
        render::Mode::choose(self.json, self.no_progress)
    }
}

#[derive(serde::Serialize)]
struct ErrorEvent {
    event: &'static str,
    message: String,
}

/// Reports an error as one line on stderr (and as an `error` event under --json).
pub fn fail(e: &Error, json: bool) {
    output::err(&format!(
        "lifeboat: {}",
        crate::engine::text::sanitize_max(&e.to_string(), 1000)
    ));
    if json {
        render::json_print(&ErrorEvent {
            event: "error",
            message: e.to_string(),
        });
    }
}

/// Runs async engine work (Docker) to completion on a small runtime.
pub fn block_on<T>(
    f: impl std::future::Future<Output = crate::engine::Result<T>>,
) -> crate::engine::Result<T> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(f)
}
