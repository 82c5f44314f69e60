//! The event loop: one `tokio::select!` over terminal input, background results, signals,
//! a job poll and the clock. Each input becomes an [`Action`]; `App::update` turns it into
//! [`Effect`]s, carried out here; the screen is drawn only when something changed.
//!
//! Engine work runs on blocking threads and reports through an engine `Hub` (lifecycle
//! events queued, byte counts coalesced), so the engine never waits for the screen. The loop
//! reads each job's hub every 100 ms while jobs run, which caps progress repaints at about
//! ten a second; with nothing running the loop sleeps until a key, a log line from the tap
//! or the 30-second clock.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::Event as TermEvent;
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc::{Receiver, UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::frame_trace::FrameTrace;
use super::terminal::{Surface, panicked};
use crate::engine::progress::{Cancel, Hub, HubView};
use crate::tui::backend::api::{Backend, failed_verdict};
use crate::tui::screens::frame::draw;
use crate::tui::state::action::{Action, ListError};
use crate::tui::state::app::App;
use crate::tui::state::backup::BackupEnd;
use crate::tui::state::effect::Effect;
use crate::tui::state::job::JobId;
use crate::tui::state::log_pane::LogLine;
use crate::tui::state::wizard::{Outcome, Refusal};
use crate::tui::theme::Ui;

/// How often running jobs are read: at most this many progress repaints a second.
pub const JOB_POLL: Duration = Duration::from_millis(100);
/// How often the clock ticks when nothing happens (ages are shown to the minute).
pub const CLOCK: Duration = Duration::from_secs(30);
/// The shortest time between two frames, however fast keys arrive.
pub const MIN_FRAME: Duration = Duration::from_millis(33);

/// A job running on a blocking thread.
struct Running {
    view: HubView,
    cancel: Cancel,
    handle: JoinHandle<()>,
    /// A restore, settle or restart: on the way out it is waited for to its end (it stops at a
    /// safe point, never half-way), however long that takes.
    protected: bool,
}

/// Log lines taken from the tap in one go: one action, one frame, however fast they come.
const LOG_BATCH: usize = 256;

/// What the loop listens to besides its own jobs.
pub struct Inputs<E> {
    /// The terminal's input.
    pub events: E,
    /// Signals, as actions.
    pub external: UnboundedReceiver<Action>,
    /// Log lines from the tap (`log_tap::Tap::open`).
    pub logs: Receiver<LogLine>,
}

/// Runs the console until `Effect::Quit`; `clock` says what time it is (fixed in tests).
pub async fn run<B, S, E>(
    app: &mut App,
    ui: &Ui,
    backend: Arc<B>,
    surface: &mut S,
    inputs: Inputs<E>,
    clock: impl Fn() -> jiff::Timestamp,
) -> io::Result<()>
where
    B: Backend,
    S: Surface,
    E: Stream<Item = io::Result<TermEvent>> + Unpin,
{
    let Inputs {
        mut events,
        mut external,
        mut logs,
    } = inputs;
    let (tx, mut rx) = unbounded_channel::<Action>();
    let mut exec = Executor {
        backend,
        tx,
        jobs: HashMap::new(),
        session: Cancel::new(),
    };
    let mut poll = tokio::time::interval(JOB_POLL);
    poll.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut tick = tokio::time::interval_at(Instant::now() + CLOCK, CLOCK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut input_open = true;
    let mut terminal_ok = true;
    let mut dirty = true;
    let mut last_frame: Option<Instant> = None;
    let mut quit = false;
    let mut trace = FrameTrace::from_env();
    for e in app.start() {
        quit |= exec.run(e);
    }
    while !quit {
        if panicked() {
            exec.shutdown().await;
            return Err(io::Error::other("a panic stopped the console"));
        }
        let wait = last_frame
            .map(|l| (l + MIN_FRAME).saturating_duration_since(Instant::now()))
            .unwrap_or_default();
        if dirty && terminal_ok && wait.is_zero() {
            if surface.draw(&mut |f| draw(f, app, ui)).is_err() {
                // The terminal is gone (EIO after a hangup): stop drawing, wind down.
                terminal_ok = false;
                for e in app.update(Action::InputClosed) {
                    quit |= exec.run(e);
                }
                continue;
            }
            dirty = false;
            last_frame = Some(Instant::now());
            trace.drawn(app);
        }
        let mut actions = Vec::new();
        tokio::select! {
            ev = events.next(), if input_open => match ev {
                Some(Ok(ev)) => {
                    if matches!(ev, TermEvent::Key(_)) {
                        trace.key();
                    }
                    // A fresh "now" first: what a key starts (a job) is stamped with it.
                    actions.push(Action::Tick(clock()));
                    actions.extend(Action::from_terminal(ev));
                }
                Some(Err(_)) | None => {
                    input_open = false;
                    actions.push(Action::InputClosed);
                }
            },
            Some(a) = rx.recv() => actions.push(a),
            Some(a) = external.recv() => actions.push(a),
            // Wakes only when a line arrives: an idle console stays asleep.
            Some(line) = logs.recv() => {
                let mut lines = vec![line];
                while lines.len() < LOG_BATCH {
                    match logs.try_recv() {
                        Ok(l) => lines.push(l),
                        Err(_) => break,
                    }
                }
                actions.push(Action::Log(lines));
            }
            _ = poll.tick(), if !exec.jobs.is_empty() => {
                actions.push(Action::Tick(clock()));
                exec.drain_all(&mut actions);
            }
            _ = tick.tick() => actions.push(Action::Tick(clock())),
            _ = tokio::time::sleep(wait), if dirty && terminal_ok && !wait.is_zero() => {}
        }
        // Whatever else is already waiting goes into the same frame.
        while let Ok(a) = rx.try_recv() {
            actions.push(a);
        }
        for a in actions {
            // A job's own events come before its end, in order.
            if let Some(job) = a.ends_job() {
                let mut before = Vec::new();
                exec.drain(job, &mut before);
                exec.jobs.remove(&job);
                for b in before {
                    for e in app.update(b) {
                        quit |= exec.run(e);
                    }
                }
            }
            dirty = true;
            for e in app.update(a) {
                quit |= exec.run(e);
            }
        }
    }
    exec.shutdown().await;
    Ok(())
}

/// Carries out effects and keeps the running jobs.
struct Executor<B> {
    backend: Arc<B>,
    tx: UnboundedSender<Action>,
    jobs: HashMap<JobId, Running>,
    /// Cancelled on the way out: stops background manifest reads between archives.
    session: Cancel,
}

impl<B: Backend> Executor<B> {
    /// Carries out one effect; true for `Quit`.
    fn run(&mut self, effect: Effect) -> bool {
        match effect {
            Effect::ListFolder { folder, dir } => {
                let (b, tx) = (self.backend.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let result = tokio::task::spawn_blocking(move || b.list(&dir))
                        .await
                        .unwrap_or_else(|e| Err(ListError::Failed(e.to_string())));
                    let _ = tx.send(Action::FolderListed { folder, result });
                });
            }
            Effect::LoadManifests { archives } => {
                let (b, tx, stop) = (self.backend.clone(), self.tx.clone(), self.session.clone());
                // One thread reads them in turn: they compete for the same disk anyway.
                drop(tokio::task::spawn_blocking(move || {
                    for archive in archives {
                        if stop.is_cancelled() {
                            break;
                        }
                        let result = b.manifest(&archive).map(Box::new);
                        if tx.send(Action::ManifestLoaded { archive, result }).is_err() {
                            break;
                        }
                    }
                }));
            }
            Effect::StartVerify { job, archive } => {
                let path = archive.clone();
                self.spawn_job(
                    job,
                    false,
                    move |b, hub, cancel| Action::VerifyFinished {
                        job,
                        verdict: Box::new(b.verify(&path, hub, cancel)),
                    },
                    move |why| Action::VerifyFinished {
                        job,
                        verdict: Box::new(failed_verdict(&archive, why)),
                    },
                );
            }
            Effect::LoadIncidents => {
                self.blocking(|b| Action::IncidentsLoaded(Box::new(b.incidents())));
            }
            Effect::RestoreTarget { archive, spec } => {
                self.blocking(move |b| Action::RestoreTargetLoaded {
                    result: b.restore_target(&archive, spec.as_deref()).map(Box::new),
                    archive,
                });
            }
            Effect::RestorePrepare { job, request } => self.spawn_job(
                job,
                true,
                move |b, hub, cancel| Action::RestorePrepared {
                    job,
                    result: b.restore_prepare(&request, hub, cancel).map(Box::new),
                },
                move |why| Action::RestorePrepared {
                    job,
                    result: Err(Refusal::Failed(why)),
                },
            ),
            Effect::RestoreRun { job, request } => self.spawn_job(
                job,
                true,
                move |b, hub, cancel| Action::RestoreFinished {
                    job,
                    outcome: Box::new(b.restore_run(&request, hub, cancel)),
                },
                // Where it stopped is in its journal: settling it finds out.
                move |why| Action::RestoreFinished {
                    job,
                    outcome: Box::new(Outcome::lost(format!(
                        "{why}; the restore's journal says how far it got: settle it (I)"
                    ))),
                },
            ),
            Effect::RestoreClose => {
                let b = self.backend.clone();
                drop(tokio::task::spawn_blocking(move || b.restore_close()));
            }
            Effect::Settle { job, id, forward } => self.spawn_job(
                job,
                true,
                move |b, hub, _| Action::SettleFinished {
                    job,
                    result: b.settle(&id, forward, hub),
                },
                move |why| Action::SettleFinished {
                    job,
                    result: Err(why),
                },
            ),
            Effect::RestartStopped { job } => self.spawn_job(
                job,
                true,
                move |b, hub, _| Action::RestartFinished {
                    job,
                    result: b.restart_stopped(hub),
                },
                move |why| Action::RestartFinished {
                    job,
                    result: Err(why),
                },
            ),
            Effect::LoadStack => {
                self.blocking(|b| Action::StackLoaded(b.stack_status().map(Box::new)));
            }
            // Protected: on the way out the backup is waited for, so what it stopped for a
            // copy is started again before lifeboat exits.
            Effect::StartBackup { job } => self.spawn_job(
                job,
                true,
                move |b, hub, cancel| Action::BackupFinished {
                    job,
                    end: Box::new(b.backup(hub, cancel)),
                },
                move |why| Action::BackupFinished {
                    job,
                    end: Box::new(BackupEnd::failed(crate::engine::exit::ERROR, why)),
                },
            ),
            Effect::CancelJob { job } => {
                if let Some(j) = self.jobs.get(&job) {
                    j.cancel.cancel();
                }
            }
            Effect::Quit => return true,
        }
        false
    }

    /// Runs `work` as job `job` on a blocking thread with its own hub and cancel token; its
    /// answer comes back as an action. A thread that panics answers with a failure instead.
    fn spawn_job<F, P>(&mut self, job: JobId, protected: bool, work: F, panicked: P)
    where
        F: FnOnce(&B, &Hub, &Cancel) -> Action + Send + 'static,
        P: FnOnce(String) -> Action + Send + 'static,
    {
        let (hub, view) = Hub::new();
        let cancel = Cancel::new();
        let (b, tx, token) = (self.backend.clone(), self.tx.clone(), cancel.clone());
        let handle = tokio::spawn(async move {
            let answer = tokio::task::spawn_blocking(move || work(&b, &hub, &token)).await;
            let action =
                answer.unwrap_or_else(|e| panicked(format!("the job stopped unexpectedly: {e}")));
            let _ = tx.send(action);
        });
        self.jobs.insert(
            job,
            Running {
                view,
                cancel,
                handle,
                protected,
            },
        );
    }

    /// A quick read on a blocking thread, answered by an action (no job, no cancel).
    fn blocking<F>(&self, work: F)
    where
        F: FnOnce(&B) -> Action + Send + 'static,
    {
        let (b, tx) = (self.backend.clone(), self.tx.clone());
        tokio::spawn(async move {
            if let Ok(a) = tokio::task::spawn_blocking(move || work(&b)).await {
                let _ = tx.send(a);
            }
        });
    }

    /// What job `job` reported since the last look: lifecycle events, then byte counts.
    fn drain(&mut self, job: JobId, out: &mut Vec<Action>) {
        let Some(j) = self.jobs.get_mut(&job) else {
            return;
        };
        let events = j.view.drain();
        if !events.is_empty() {
            out.push(Action::JobEvents { job, events });
        }
        if let Some(steps) = j.view.progress_if_changed() {
            out.push(Action::JobProgress { job, steps });
        }
    }

    fn drain_all(&mut self, out: &mut Vec<Action>) {
        let ids: Vec<JobId> = self.jobs.keys().copied().collect();
        for id in ids {
            self.drain(id, out);
        }
    }

    /// Cancels whatever still runs and gives it a moment to stop cleanly; a restore, settle or
    /// restart is waited for until it reaches its safe point. Then the wizard's lock and
    /// staged copy go.
    async fn shutdown(&mut self) {
        self.session.cancel();
        for (_, j) in self.jobs.drain() {
            j.cancel.cancel();
            if j.protected {
                let _ = j.handle.await;
            } else {
                let _ = tokio::time::timeout(Duration::from_secs(5), j.handle).await;
            }
        }
        let b = self.backend.clone();
        let _ = tokio::task::spawn_blocking(move || b.restore_close()).await;
    }
}
