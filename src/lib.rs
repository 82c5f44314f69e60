//! lifeboat: a recovery console for self-hosted AI stacks in Docker.
//!
//! - [`engine`]: everything lifeboat does (archives, verification, later backup and restore),
//!   free of any UI crate, reporting through a progress seam.
//! - [`cli`]: the command line for cron and scripts (clap, indicatif, JSON lines, exit codes).
//! - [`tui`]: the interactive console (filled by later work).
//!
//! The front ends call the engine; the engine never calls them.

#[cfg_attr(not(test), deny(clippy::unwrap_used))]
pub mod engine;

pub mod cli;
pub mod tui;
