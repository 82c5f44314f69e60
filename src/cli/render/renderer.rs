//! What every progress renderer implements, and sizes written for people.

use crate::engine::progress::Event;

/// What a renderer does with events.
pub(super) trait Render: Send {
    fn event(&mut self, event: &Event);
    /// Latest byte counts of running steps (only when they changed).
    fn progress(&mut self, steps: &[(String, u64, Option<u64>)]);
    fn finish(&mut self);
}

/// "1.2 GiB".
pub fn size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY)
}
