//! The console's tests, out of the code's folders: `App::update` driven by keys and scripted
//! job reports (`update`, `wizard`, `incidents`, `backup`, `history`, `log_pane`), every screen
//! drawn into ratatui's `TestBackend` and compared with the insta snapshots in `snapshots/`
//! (`screens`, `wizard_snapshots`, and the snapshot tests of `backup`, `history`, `log_pane`),
//! the real event loop over scripted engines (`runtime`, `backup_runtime`, `wizard_runtime`,
//! `settle_runtime`), and the real backend without Docker (`backend`). `fixtures` and
//! `wizard_fixtures` build the state they start from, at fixed times.
//!
//! A snapshot is named after the module that asserts it (`lifeboat__tui__tests__<module>__...`):
//! moving or renaming a module here means renaming its snapshots with it.

mod backend;
mod backup;
mod backup_runtime;
mod fixtures;
mod history;
mod incidents;
mod log_pane;
mod runtime;
mod screens;
mod settle_runtime;
mod update;
mod wizard;
mod wizard_fixtures;
mod wizard_runtime;
mod wizard_snapshots;
