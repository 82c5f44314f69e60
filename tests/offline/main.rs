//! Tests that need no Docker Engine: archives round-tripped through real tools, hostile and damaged
//! input, the command line and its exit codes, crashes at each commit step, signals, version-1
//! archives, prune, the console in a real terminal, and the module graph. One binary, so the crate
//! and `common` are compiled once and these tests run side by side.

#[path = "../common/mod.rs"]
mod common;

mod archive_roundtrip;
mod bad_input;
mod cli;
mod crash_commit;
mod hostile_entries;
mod module_graph;
mod prune;
mod signals;
mod tar_differentials;
mod tui_smoke;
mod v1_compat;
