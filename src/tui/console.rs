//! The console's entry (docs/design.md section 8): what the command line decided ([`Options`]),
//! whether a console can start here ([`refusal`]), and [`run`]: the async runtime, the real
//! backend, signal watching, the terminal and the log tap set up around the event loop, and
//! everything given back in order on the way out (the terminal first, then one line per job of
//! the session on stderr).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::index::Index;
use crate::tui::backend::engine::Engine;
use crate::tui::log_tap::Tap;
use crate::tui::runtime::event_loop::{self, Inputs};
use crate::tui::runtime::terminal::{Console, Surface};
use crate::tui::state::action::Action;
use crate::tui::state::app::{App, Leaving};
use crate::tui::theme::Ui;

/// What the command line decided for the console.
pub struct Options {
    /// Backup folders, with whether each was named by `--dir` (its absence is an error).
    pub folders: Vec<(PathBuf, bool)>,
    /// The verify cache, when there is a state folder.
    pub index: Option<Index>,
    /// `--no-color` or `NO_COLOR`: the monochrome theme.
    pub no_color: bool,
    /// `--ascii`: no box drawing or other non-ASCII glyphs.
    pub ascii: bool,
    /// The configuration (profiles for a restore).
    pub config: crate::engine::config::Config,
    /// The state folder, the lock and staging.
    pub locations: crate::engine::state::Locations,
}

/// Why the console cannot start here, if it cannot: it needs a terminal on both sides.
pub fn refusal() -> Option<&'static str> {
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return None;
    }
    Some(
        "the console needs a terminal (stdin and stdout are not one); for scripts use \
         `lifeboat list`, `lifeboat verify PATH` or `lifeboat inspect FILE`",
    )
}

/// Runs the console; returns the exit code (0, 1 on a terminal failure, 128 + N after a
/// signal). Lines summarising the session's jobs go to stderr once the terminal is back.
pub fn run(opts: Options) -> u8 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    let ui = Ui::new(opts.no_color, opts.ascii);
    let restore_off: Option<String> = opts
        .locations
        .state
        .is_none()
        .then(|| "no state folder: a restore needs one (set LIFEBOAT_STATE)".to_string());
    let backend = Arc::new(Engine::new(
        opts.index,
        crate::engine::host::Host::new(opts.config, opts.locations),
    ));
    let (sig_tx, sig_rx) = tokio::sync::mpsc::unbounded_channel();
    let signals = watch_signals(sig_tx);
    let mut console = match Console::enter() {
        Ok(c) => c,
        Err(e) => return fail(&format!("cannot set up the terminal: {e}")),
    };
    let size = console.size().unwrap_or((80, 24));
    let mut app = App::new(
        opts.folders,
        jiff::Timestamp::now(),
        jiff::tz::TimeZone::system(),
        size,
        backend.index.is_some(),
    );
    app.restore_off = restore_off;
    // From here until the terminal is back, log lines go to the pane (and the file), never
    // to the screen.
    let tap = Tap::console();
    let logs = tap.open();
    let result = rt.block_on(async {
        let events = crossterm::event::EventStream::new();
        event_loop::run(
            &mut app,
            &ui,
            backend,
            &mut console,
            Inputs {
                events,
                external: sig_rx,
                logs,
            },
            jiff::Timestamp::now,
        )
        .await
    });
    tap.close();
    drop(console);
    if let Some(h) = signals {
        h.close();
    }
    // A manifest read of a big archive may still be running: do not wait long for it.
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    tracing::info!(code = app.exit_code(), "console closed");
    for line in app.summary() {
        say(&format!("lifeboat: {line}"));
    }
    if let Err(e) = result {
        return fail(&format!("the console stopped: {e}"));
    }
    if let Some(Leaving::Signal(sig)) = app.leaving {
        say(&format!(
            "lifeboat: stopped by {}",
            crate::engine::exit::signal_name(sig)
        ));
    }
    app.exit_code()
}

/// SIGTERM, SIGHUP and SIGINT become actions: jobs are cancelled and the terminal restored
/// before lifeboat exits (raw mode turns Ctrl-C into a key, which asks first).
fn watch_signals(
    tx: tokio::sync::mpsc::UnboundedSender<Action>,
) -> Option<signal_hook::iterator::Handle> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]).ok()?;
    let handle = signals.handle();
    std::thread::Builder::new()
        .name("lifeboat-tui-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                if tx.send(Action::Signal(sig)).is_err() {
                    break;
                }
            }
        })
        .ok()?;
    Some(handle)
}

fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn fail(msg: &str) -> u8 {
    say(&format!("lifeboat: {msg}"));
    crate::engine::exit::ERROR
}
