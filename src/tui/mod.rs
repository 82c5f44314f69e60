//! The interactive console (DESIGN.md section 8). Not built yet: `lifeboat` without a
//! subcommand says so and points at the commands that exist, rather than pretending.

/// What `lifeboat` without a subcommand prints until the console exists.
pub const NOT_YET: &str = "the interactive console is not built yet; use `lifeboat list`, \
`lifeboat verify PATH` or `lifeboat inspect FILE` (see `lifeboat --help`)";
