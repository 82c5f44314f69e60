//! Restores on the reference stack `lbt-restore` (one stack for this binary, its tests run one at a
//! time through `common::backup::serial`).

#[path = "../common/mod.rs"]
mod common;

mod restore;
mod restore_config;
mod restore_exec;
mod restore_refusals;
