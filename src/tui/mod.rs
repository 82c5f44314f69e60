//! The interactive console (docs/design.md section 8): `lifeboat` without a command.
//!
//! The Elm-style loop, so every state change can be tested without a terminal:
//!
//! ```text
//! terminal keys ─┐                          ┌─▶ screens::draw(&App)  (only when changed)
//! job reports ───┼─▶ Action ─▶ App::update ─┤
//! signals, clock ┘                          └─▶ Vec<Effect> ─▶ runtime: engine calls on
//!                                                 blocking threads, cancel tokens, quit
//! ```
//!
//! Each folder is one layer, and a layer imports only the ones listed before it:
//!
//! - `keys/`: the key tables (contexts, commands, bindings) behind the footer, the help and
//!   the key lookup; `theme`: colours, monochrome, ASCII. Both know nothing of the state.
//! - `state/`: plain data: `App` and what it holds (the wizard, the incidents, the backup
//!   run, the log pane, jobs and their step logs), and the messages in and out of `update`
//!   (`action`, `effect`).
//! - `view/`: what the screens show, derived and measured (sizes, the text of the screens that
//!   scroll, the size history, the session's jobs), read-only, shared by `update` and
//!   `screens` so a page and a scroll bound are what is drawn.
//! - `update/`: `App::update`, the only code that changes the state, one `impl App` per part.
//! - `screens/`: drawing, reading `App` and never changing it.
//! - `backend/`: the engine behind a trait; `runtime/`: the event loop and the terminal;
//!   `log_tap`: the tracing layer that forwards log lines to the console (never to the
//!   terminal); `console`: the entry that sets them up around `App` ([`run`]).
//! - `tests/`: the console's tests and fixtures, with their insta snapshots.
//!
//! The restore wizard is `wizard` in every layer (`state/wizard.rs`, `update/wizard.rs`,
//! `keys/wizard.rs`, `view/wizard.rs`, `screens/wizard.rs` and `wizard_run.rs`,
//! `backend/wizard.rs`, `tests/wizard*.rs`); likewise `incidents`, `backup`, `history`,
//! `log_pane`. This file only declares the modules and names what the command line uses
//! (`tests/module_graph.rs` keeps the layers acyclic).

pub mod backend;
pub mod console;
pub mod keys;
pub mod log_tap;
pub mod runtime;
pub mod screens;
pub mod state;
#[cfg(test)]
mod tests;
pub mod theme;
pub mod update;
pub mod view;

pub use console::{Options, refusal, run};
