//! One module per subcommand: build the engine's options, call it, present the result.

pub mod backup;
pub mod inspect;
pub mod list;
pub mod prune;
pub mod recover;
pub mod restore;
pub mod status;
pub mod verify;
