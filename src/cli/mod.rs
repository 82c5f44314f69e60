//! The command line front end: clap arguments, thin commands over the engine, progress
//! renderers and exit codes. No logic of its own beyond presentation.

pub mod args;
mod commands;
pub mod context;
mod entry;
mod logging;
pub mod output;
pub mod render;
pub mod signals;

pub use context::{Context, block_on, fail};
pub use entry::main;
