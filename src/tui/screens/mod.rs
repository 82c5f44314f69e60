//! Drawing: one module per screen, each reading `App` and never changing it. [`frame`] draws
//! the whole console (the screen on top, the status line, the footer, the overlays); `widgets`
//! holds what several screens draw with. The text `update` also measures (the manifest, the
//! wizard's plan and summary) and the sizes are built in `view`, so a screen and the scroll
//! bounds agree.
//!
//! This file only declares the modules and names what the runtime uses; the modules import
//! one another, never this file (`tests/module_graph.rs`).

pub mod backup;
pub mod browser;
pub mod frame;
pub mod help;
pub mod history;
pub mod incidents;
pub mod log_pane;
pub mod manifest;
pub mod too_small;
pub mod verify;
pub mod widgets;
pub mod wizard;
pub mod wizard_run;

pub use frame::draw;
