//! The console's state, as plain data: [`App`](app::App) and what it holds (the browser, the
//! screen stack, the verify jobs, the restore wizard, the incidents, the backup run, the log
//! pane), the step log every job reports into, and the messages in and out of `update`
//! ([`Action`](action::Action), [`Effect`](effect::Effect)). Read-only helpers that need nothing beyond the state live beside
//! the data; `update/` changes it, `view/` derives from it, `screens/` draws it.
//!
//! This file only declares the modules; the modules, and the rest of the console, import them
//! directly, never this file (`tests/module_graph.rs`).

pub mod action;
pub mod app;
pub mod backup;
pub mod effect;
pub mod incidents;
pub mod job;
pub mod log_pane;
pub mod steps;
pub mod wizard;
