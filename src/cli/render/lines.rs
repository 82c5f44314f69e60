//! Plain progress lines on stderr for logs: never a carriage return. Steps shorter than the
//! interval stay silent (the command's result line says enough); longer ones get a line when
//! first due, a line every interval, and a closing line. Warnings always print.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::renderer::{Render, size};
use crate::cli::output;
use crate::engine::progress::{Event, StepOutcome};

pub struct Lines {
    /// `None`: warnings only.
    every: Option<Duration>,
    last: Option<Instant>,
    steps: BTreeMap<String, Step>,
}

struct Step {
    label: String,
    total: Option<u64>,
    started: Instant,
    shown: bool,
}

impl Lines {
    pub fn new(every: Duration) -> Self {
        Lines {
            every: Some(every),
            last: None,
            steps: BTreeMap::new(),
        }
    }

    /// Warnings only.
    pub fn quiet() -> Self {
        Lines {
            every: None,
            last: None,
            steps: BTreeMap::new(),
        }
    }
}

fn outcome_word(o: StepOutcome) -> &'static str {
    match o {
        StepOutcome::Ok => "done",
        StepOutcome::Warning => "done with warnings",
        StepOutcome::Failed => "failed",
        StepOutcome::Skipped => "skipped",
        StepOutcome::Cancelled => "cancelled",
    }
}

impl Render for Lines {
    fn event(&mut self, event: &Event) {
        match event {
            Event::Warning { message } => output::err(&format!("warning: {message}")),
            Event::Note { message } => output::err(message),
            _ if self.every.is_none() => {}
            Event::StepStarted { step, label, total } => {
                let s = Step {
                    label: label.clone(),
                    total: *total,
                    started: Instant::now(),
                    shown: false,
                };
                self.steps.insert(step.clone(), s);
            }
            Event::StepFinished {
                step,
                outcome,
                detail,
            } => {
                let Some(s) = self.steps.remove(step) else {
                    return;
                };
                if s.shown {
                    let secs = s.started.elapsed().as_secs_f64();
                    let detail = detail
                        .as_ref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default();
                    output::err(&format!(
                        "{}: {} in {secs:.1}s{detail}",
                        s.label,
                        outcome_word(*outcome)
                    ));
                }
            }
            Event::JobStarted { .. } | Event::JobFinished { .. } | Event::Progress { .. } => {}
        }
    }

    fn progress(&mut self, updates: &[(String, u64, Option<u64>)]) {
        let Some(every) = self.every else { return };
        if self.last.is_some_and(|t| t.elapsed() < every) {
            return;
        }
        self.last = Some(Instant::now());
        for (step, done, total) in updates {
            let Some(s) = self.steps.get_mut(step) else {
                continue;
            };
            if s.started.elapsed() < every {
                continue;
            }
            if !s.shown {
                s.shown = true;
                let of = s
                    .total
                    .map(|t| format!(" ({})", size(t)))
                    .unwrap_or_default();
                output::err(&format!("{}{of}", s.label));
            }
            let secs = s.started.elapsed().as_secs_f64().max(0.001);
            let rate = (*done as f64 / secs) as u64;
            let line = match total {
                Some(t) if *t > 0 => {
                    let eta = (t.saturating_sub(*done)) / rate.max(1);
                    format!(
                        "{}: {}% {}/{} at {}/s, ETA {eta}s",
                        s.label,
                        done * 100 / t,
                        size(*done),
                        size(*t),
                        size(rate)
                    )
                }
                _ => format!("{}: {} at {}/s", s.label, size(*done), size(rate)),
            };
            output::err(&line);
        }
    }

    fn finish(&mut self) {}
}
