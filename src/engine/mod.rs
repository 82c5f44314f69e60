//! The engine: everything lifeboat does, with no knowledge of how it is shown.
//!
//! Nothing under `engine/` imports ratatui, crossterm, indicatif or clap (a test enforces it).
//! Operations take options, return a plan or a result, and report through a
//! [`progress::Reporter`] the caller owns, honouring a [`progress::Cancel`] token. The CLI and
//! the TUI are two front ends over the same calls.

pub mod archive;
pub mod backup;
pub mod backup_job;
pub mod catalog;
pub mod components;
pub mod config;
pub mod credentials;
pub mod docker;
pub mod envfile;
pub mod error;
pub mod exit;
pub mod host;
pub mod index;
pub mod journal;
pub mod lock;
pub mod plan;
pub mod progress;
pub mod prune;
pub mod recover;
pub mod redact;
pub mod restore;
pub mod runs;
pub mod secret;
pub mod stack;
pub mod state;
pub mod status;
pub mod stopped;
pub mod text;
pub mod verify;

pub use error::{Error, ErrorKind, Result};

/// This lifeboat's version, recorded in every manifest it writes.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
