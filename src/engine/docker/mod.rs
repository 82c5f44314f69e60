//! The Docker Engine as lifeboat uses it. [`Api`] is the narrow seam: the raw calls every job
//! makes (inspect, exec with streamed binary-safe output, archive download and upload, stop and
//! start with client timeouts longer than the grace period, restart policies, one-off
//! containers, volumes, image inspect). [`Bollard`] is its real implementation and the only
//! code that talks to the Engine API; unit tests script a fake (`fake.rs`). [`Docker`] is what
//! the engine holds: the seam plus the helpers built on it, the same whichever is behind it.
//!
//! Every call names the container and what was being done in its error, on one line. Secrets
//! (container environments) are never logged or shown: [`ContainerInfo`]'s `Debug` lists only
//! variable names.

mod api;
mod client;
mod client_archive;
mod client_exec;
mod client_lifecycle;
mod client_volume;
mod exec;
#[cfg(test)]
pub mod fake;
#[cfg(test)]
pub mod fake_pg;
mod handle;
mod types;

pub use api::{Api, Upload};
pub use client::{Bollard, DEFAULT_SOCKET};
pub use exec::{ExecOutcome, ExecRequest};
pub use handle::{Connector, Docker};
pub use types::{ContainerInfo, Mount, OneOff};
