//! `--json`: one `{"v":1,"event":...}` object per line on stdout. Lifecycle events are all
//! written; byte counts at most every half second per step. The schema is docs/json.md.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::renderer::Render;
use crate::cli::output;
use crate::engine::progress::Event;

/// Version of the JSON event schema.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    v: u32,
    #[serde(flatten)]
    event: &'a T,
}

/// Prints any event-shaped value as a versioned JSON line.
pub fn print<T: Serialize>(event: &T) {
    output::out(&output::json_line(&Line { v: SCHEMA, event }));
}

pub struct Json {
    every: Duration,
    last: BTreeMap<String, Instant>,
}

impl Json {
    pub fn new(every: Duration) -> Self {
        Json {
            every,
            last: BTreeMap::new(),
        }
    }
}

impl Render for Json {
    fn event(&mut self, event: &Event) {
        if let Event::StepFinished { step, .. } = event {
            self.last.remove(step);
        }
        print(event);
    }

    fn progress(&mut self, steps: &[(String, u64, Option<u64>)]) {
        for (step, done, total) in steps {
            if self
                .last
                .get(step)
                .is_some_and(|t| t.elapsed() < self.every)
            {
                continue;
            }
            self.last.insert(step.clone(), Instant::now());
            print(&Event::Progress {
                step: step.clone(),
                done: *done,
                total: *total,
            });
        }
    }

    fn finish(&mut self) {}
}
