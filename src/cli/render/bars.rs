//! indicatif bars on a terminal (stderr), at most ten repaints a second.

use std::collections::BTreeMap;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::renderer::Render;
use crate::engine::progress::Event;

pub struct Bars {
    multi: MultiProgress,
    bars: BTreeMap<String, ProgressBar>,
}

impl Bars {
    pub fn new() -> Self {
        Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)),
            bars: BTreeMap::new(),
        }
    }
}

fn style(known_total: bool) -> ProgressStyle {
    let template = if known_total {
        "{msg:44!} [{bar:30}] {bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12} ETA {eta}"
    } else {
        "{spinner} {msg:44!} {bytes:>10} {bytes_per_sec:>12}"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl Render for Bars {
    fn event(&mut self, event: &Event) {
        match event {
            Event::StepStarted { step, label, total } => {
                let bar = self.multi.add(ProgressBar::new(total.unwrap_or(0)));
                bar.set_style(style(total.is_some()));
                bar.set_message(label.clone());
                self.bars.insert(step.clone(), bar);
            }
            Event::StepFinished { step, .. } => {
                if let Some(bar) = self.bars.remove(step) {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
            }
            Event::Warning { message } => {
                let _ = self.multi.println(format!("warning: {message}"));
            }
            Event::Note { message } => {
                let _ = self.multi.println(message);
            }
            Event::JobStarted { .. } | Event::JobFinished { .. } | Event::Progress { .. } => {}
        }
    }

    fn progress(&mut self, steps: &[(String, u64, Option<u64>)]) {
        for (step, done, _) in steps {
            if let Some(bar) = self.bars.get(step) {
                bar.set_position(*done);
            }
        }
    }

    fn finish(&mut self) {
        for (_, bar) in std::mem::take(&mut self.bars) {
            bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}
