//! The runtime: everything between the console's state and the outside world. [`event_loop`]
//! turns terminal input, job reports, log lines (from `log_tap`), signals and the clock into
//! actions for `App::update`, carries out the effects it returns (engine calls on blocking
//! threads, cancel tokens, quit) and draws when something changed; [`terminal`] is what it
//! draws on (raw mode, the alternate screen, the panic hook); [`frame_trace`] times frames when
//! asked to.
//!
//! This file only declares the modules and names what the console's entry and the tests use;
//! the modules import one another, never this file (`tests/module_graph.rs`).

pub mod event_loop;
pub mod frame_trace;
pub mod terminal;

pub use event_loop::{Inputs, run};
pub use terminal::{Console, Surface};
