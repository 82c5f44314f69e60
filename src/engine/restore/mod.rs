//! Restore (docs/design.md section 5). [`driver`] is the one way a restore runs, for every
//! front end: armed under the host lock, a plan first (the archive staged and proven, the
//! checklist evaluated for real), then execution: every component checked in staging before
//! anything stops, then per component stop → swap keeping the old data → start → fingerprint
//! checks, all-or-nothing unless `--keep-partial`, every step journalled first. Settling an
//! interrupted restore, undo and applying restored configuration are drivers too
//! ([`aftercare`]).
//!
//! This file only declares the modules and names what front ends use; the modules import one
//! another, never this file, so the module graph stays acyclic (`tests/module_graph.rs`).

pub mod aftercare;
pub mod checklist;
pub mod config;
pub mod ctx;
pub mod driver;
pub mod fill;
pub mod live;
pub mod oneoff;
pub mod pg;
pub mod pgdata;
pub mod plan;
pub mod plan_items;
pub mod prepare;
pub mod redis;
pub mod request;
pub mod rows;
pub mod run;
pub mod safety;
pub mod session;
pub mod settle;
#[cfg(test)]
mod tests;
mod units;
pub mod volume;

pub use checklist::{Class, Item, ItemStatus};
pub use ctx::Ctx;
pub use driver::{Armed, End, Finished, Review, arm};
pub use plan::Prepared;
pub use request::{Choice, Request, RestoreSelection, Target};
pub use rows::PlanRow;
