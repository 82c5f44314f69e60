//! lifeboat: a recovery console for self-hosted AI stacks in Docker.
//!
//! - [`engine`]: everything lifeboat does, free of any UI crate. One driver per job — the
//!   backup (`engine::backup_job`), the restore (`engine::restore::driver`, and
//!   `engine::restore::aftercare` for settle, undo and apply-config), recover
//!   (`engine::recover`), status (`engine::status`) — arms the job (profile, host lock,
//!   journal), reaches Docker through the narrow seam `engine::docker::Api`, reports through a
//!   `progress::Reporter` and honours a `progress::Cancel` token.
//! - [`cli`]: the command line for cron and scripts: arguments parsed once into what the
//!   operator asked, a driver called, its answer shown (indicatif bars, plain lines or JSON
//!   lines) and turned into an exit code (`engine::exit`).
//! - [`tui`]: the interactive console over the same drivers.
//!
//! The front ends call the engine; the engine never calls them. The modules import one another
//! without cycles (`tests/module_graph.rs`). The design contract is `docs/design.md`; the code's
//! map is `docs/architecture.md`.

#[cfg_attr(not(test), deny(clippy::unwrap_used))]
pub mod engine;

pub mod cli;
pub mod tui;
