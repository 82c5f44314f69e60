//! `App::update`, the only code that changes the console's state: `dispatch` takes each
//! action and key command and hands it to the part of the console it concerns, one `impl App`
//! block per part (the browser and manifest, verify, the restore wizard, the incident views,
//! "backup now", the size history, the jobs and log pane). It never does I/O and never reads
//! the clock: the world is reached through the effects it returns. Paging and scroll bounds
//! come from `view`, the same counts the screens draw.
//!
//! This file only declares the modules (private: `App`'s methods need no path), and the modules
//! reach one another through them, never through this file (`tests/module_graph.rs`).

mod backup;
mod browser;
mod dispatch;
mod history;
mod incidents;
mod log_pane;
mod verify;
mod wizard;
