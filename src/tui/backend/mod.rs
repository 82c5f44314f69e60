//! The engine behind the console. [`api`] is the seam: the [`Backend`] trait the runtime calls
//! on blocking threads (tests script fakes of it). [`Engine`] is the real one: `engine.rs` holds
//! it, `real.rs` answers the trait with it, and one module per part of the console puts that
//! part's questions to the engine (`wizard.rs` the restore, `incidents.rs` the recovery state
//! and acting on it, `backup.rs` the stack's status and "backup now").
//!
//! This file only declares the modules and names what the console's entry and the tests use;
//! the modules import one another, never this file (`tests/module_graph.rs`).

pub mod api;
pub mod backup;
pub mod engine;
pub mod incidents;
pub mod real;
pub mod wizard;

pub use api::{Backend, failed_verdict};
pub use engine::Engine;
