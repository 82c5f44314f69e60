//! What every restore step works with (the engine connection, the profile, the reporter, the
//! cancel token, the restore id), and the small facts every step asks.

use std::time::Duration;

use crate::engine::docker::{ContainerInfo, Docker, ExecRequest};
use crate::engine::progress::{Cancel, Reporter};
use crate::engine::stack::Profile;

/// What every restore step works with.
pub struct Ctx<'a> {
    pub docker: &'a Docker,
    pub profile: &'a Profile,
    pub reporter: &'a dyn Reporter,
    pub cancel: &'a Cancel,
    /// The restore id: suffix of the scratch database, the kept old data, one-off names.
    pub id: String,
}

/// How long a short command (a query, a count) may take.
const SHORT: Duration = Duration::from_secs(120);

impl Ctx<'_> {
    /// The same context with another cancel token: steps that must run to their end (a
    /// rename, a rollback, dropping a scratch after a cancel) get one nothing cancels.
    pub fn with_cancel<'b>(&'b self, cancel: &'b Cancel) -> Ctx<'b> {
        Ctx {
            docker: self.docker,
            profile: self.profile,
            reporter: self.reporter,
            cancel,
            id: self.id.clone(),
        }
    }

    /// A short command, killed on cancel or after [`SHORT`].
    pub fn short(&self, req: ExecRequest) -> ExecRequest {
        req.cancel(self.cancel).timeout(SHORT)
    }
}

/// Whether the container really runs: a crash-looping one is "restarting" (Docker counts it
/// as running, but nothing can be run in it).
pub fn serving(info: &ContainerInfo) -> bool {
    info.state == "running"
}

/// A restore id: the start time, also the suffix of everything the restore creates.
pub fn new_id() -> String {
    jiff::Zoned::now().strftime("%Y%m%d%H%M%S").to_string()
}
