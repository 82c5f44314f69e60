//! The render session: a thread fed by the engine's hub that drives the chosen renderer, so
//! the engine never waits on a slow terminal or pipe.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::renderer::Render;
use super::{bars, json, lines};
use crate::engine::progress::{Hub, HubView};

/// Which renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bars,
    Lines,
    Json,
    /// Lifecycle warnings only (`--no-progress`).
    Quiet,
}

impl Mode {
    /// `--json` wins; then `--no-progress`; then bars on a terminal, lines otherwise.
    pub fn choose(json: bool, no_progress: bool) -> Mode {
        if json {
            Mode::Json
        } else if no_progress {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Lines
        }
    }
}

enum Control {
    Flush(Sender<()>),
    Stop,
}

/// A running renderer.
pub struct Session {
    hub: Arc<Hub>,
    control: Sender<Control>,
    handle: Option<JoinHandle<()>>,
}

impl Session {
    pub fn start(mode: Mode) -> Session {
        let (hub, view) = Hub::new();
        let (control, rx) = mpsc::channel();
        let renderer: Box<dyn Render> = match mode {
            Mode::Bars => Box::new(bars::Bars::new()),
            Mode::Lines => Box::new(lines::Lines::new(Duration::from_secs(5))),
            Mode::Json => Box::new(json::Json::new(Duration::from_millis(500))),
            Mode::Quiet => Box::new(lines::Lines::quiet()),
        };
        let handle = std::thread::Builder::new()
            .name("lifeboat-render".into())
            .spawn(move || run(view, rx, renderer))
            .ok();
        Session {
            hub: Arc::new(hub),
            control,
            handle,
        }
    }

    /// The reporter to hand to the engine.
    pub fn reporter(&self) -> &Hub {
        &self.hub
    }

    /// Returns once everything reported so far has been rendered.
    pub fn flush(&self) {
        let (tx, rx) = mpsc::channel();
        if self.control.send(Control::Flush(tx)).is_ok() {
            let _ = rx.recv_timeout(Duration::from_secs(5));
        }
    }

    /// Renders what is left and stops the thread.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.control.send(Control::Stop);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(mut view: HubView, control: Receiver<Control>, mut r: Box<dyn Render>) {
    let drain = |view: &mut HubView, r: &mut Box<dyn Render>| {
        for e in view.drain() {
            r.event(&e);
        }
        if let Some(p) = view.progress_if_changed() {
            r.progress(&p);
        }
    };
    // Wait on the control channel, not the events: a flush or stop answers at once, and
    // events are rendered at most 100 ms late (ten repaints a second).
    loop {
        match control.recv_timeout(Duration::from_millis(100)) {
            Ok(Control::Flush(ack)) => {
                drain(&mut view, &mut r);
                let _ = ack.send(());
            }
            Ok(Control::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                drain(&mut view, &mut r);
                r.finish();
                return;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => drain(&mut view, &mut r),
        }
    }
}
