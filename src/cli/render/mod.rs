//! The three CLI renderers of the engine's progress events (docs/design.md section 7): indicatif
//! bars on a terminal, one plain line every few seconds otherwise (cron logs), and `--json`
//! event lines on stdout.
//!
//! A [`Session`] owns a render thread fed by a [`Hub`], so the engine never waits on a slow
//! terminal or pipe. [`Session::flush`] is a barrier: everything reported so far is rendered
//! before the command prints its own results, keeping output in order.

mod bars;
mod json;
mod lines;
mod renderer;
mod session;

pub use json::print as json_print;
pub use renderer::size;
pub use session::{Mode, Session};
