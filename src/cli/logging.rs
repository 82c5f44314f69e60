//! The log file, `<state>/logs/lifeboat.log` (0600): what lifeboat did, for the post-mortem,
//! never on the terminal. Secrets never reach it: the engine logs names, images and outcomes,
//! not environments. Without a state folder no file is written. The console's tap
//! (`tui::log_tap`) sits beside the file and shows the same events in the jobs and log pane
//! while a console runs; it prints nothing either.

use std::sync::Mutex;

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::engine::archive::commit;
use crate::engine::state::Locations;

/// Sends `tracing` events at INFO and above to the log file and the console's tap. Failing to
/// open the file is not fatal.
pub fn init(locations: &Locations) {
    let file = open(locations);
    let logged = file.is_some();
    let _ = tracing_subscriber::registry()
        .with(LevelFilter::INFO)
        .with(file.map(|f| {
            tracing_subscriber::fmt::layer()
                .with_writer(Mutex::new(f))
                .with_ansi(false)
        }))
        .with(crate::tui::log_tap::Tap::console())
        .try_init();
    if !logged {
        return;
    }
    // A panic must reach the post-mortem even when the terminal that would show it is gone.
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        default(info);
    }));
}

/// The log file, appended to, created private.
fn open(locations: &Locations) -> Option<std::fs::File> {
    let dir = locations.state.as_ref()?.join("logs");
    commit::create_dir_private(&dir).ok()?;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(dir.join("lifeboat.log"))
        .ok()
}
