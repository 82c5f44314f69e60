//! The key table: one list of bindings per context, behind the footer, the `?` help and the
//! key lookup in `update`, so a hint on screen is always a key that works. `table` holds the
//! vocabulary (contexts, commands, keys, a binding) and the bindings every context shares; one
//! module per part of the console holds its tables; `lookup` puts them together. Nothing here
//! knows the console's state: the state says which context it is in.
//!
//! This file only declares the modules; the modules, and the rest of the console, import them
//! directly, never this file (`tests/module_graph.rs`).

pub mod backup;
pub mod browser;
pub mod incidents;
pub mod lookup;
pub mod table;
pub mod wizard;
