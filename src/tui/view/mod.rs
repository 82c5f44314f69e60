//! What the screens show, derived from the state and measured: pure functions that read `App`
//! and never change it. They sit below both `update` and `screens` because both need them:
//! `update` pages and bounds scrolling by the rows a screen has and the lines it draws, and the
//! screens draw those same lines, so the two always agree on a count. Also the words and
//! numbers every screen writes alike (`format`) and what is computed rather than stored (the
//! size history, the session's jobs).
//!
//! This file only declares the modules; the modules import one another, never this file
//! (`tests/module_graph.rs`).

pub mod browser;
pub mod format;
pub mod history;
pub mod log_pane;
pub mod manifest;
pub mod sizes;
pub mod wizard;
