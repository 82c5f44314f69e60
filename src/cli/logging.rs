//! The log file, `<state>/logs/lifeboat.log` (0600): what lifeboat did, for the post-mortem,
//! never on the terminal. Secrets never reach it: the engine logs names, images and outcomes,
//! not environments. Without a state folder nothing is logged.

use std::sync::Mutex;

use crate::engine::archive::commit;
use crate::engine::state::Locations;

/// Sends `tracing` events at INFO and above to the log file. Failing to open it is not fatal.
pub fn init(locations: &Locations) {
    let Some(state) = &locations.state else {
        return;
    };
    let dir = state.join("logs");
    if commit::create_dir_private(&dir).is_err() {
        return;
    }
    let path = dir.join("lifeboat.log");
    use std::os::unix::fs::OpenOptionsExt;
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
    else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .try_init();
    // A panic must reach the post-mortem even when the terminal that would show it is gone.
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        default(info);
    }));
}
