//! Backups on the reference stack `lbt-backup` (one stack for this binary, its tests run one at a
//! time through `common::backup::serial`), and the Docker layer against the real engine.

#[path = "../common/mod.rs"]
mod common;

mod backup;
mod backup_consistency;
mod backup_crash;
mod backup_faults;
mod docker_layer;
