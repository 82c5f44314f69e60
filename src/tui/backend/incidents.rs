//! The incident views' half of the real backend. Reading the host's recovery state for the
//! console, without the lock: unsettled journals, the containers lifeboat holds stopped, and
//! who holds the lock now (plain reads of the engine's files). Acting on them is a job for the
//! engine's drivers, under the lock: settling an interrupted restore, restarting what is held
//! stopped. Every function blocks (it runs on a blocking thread).

use std::path::Path;

use super::engine::{Engine, block_on};
use crate::engine::error::Result;
use crate::engine::journal::{self, UnitState};
use crate::engine::lock;
use crate::engine::progress::Reporter;
use crate::engine::recover::Released;
use crate::engine::restore::aftercare;
use crate::engine::state::Locations;
use crate::engine::stopped::Ledger;
use crate::tui::state::incidents::{Held, Incidents, Interrupted, LockInfo, LockNow, SettledView};

/// The recovery state, read without the lock.
pub fn incidents(l: &Locations) -> Incidents {
    let now = match lock::held_now(&l.lock) {
        Ok(Some(pid)) => LockNow::Held(pid),
        Ok(None) => LockNow::Free,
        Err(err) => LockNow::Unknown(format!("/proc/locks: {err}")),
    };
    let mut out = Incidents {
        lock: LockInfo {
            path: l.lock.clone(),
            holder: lock::read_holder(&l.lock),
            now,
        },
        state: l.state.clone(),
        ..Default::default()
    };
    let Some(state) = &l.state else {
        return out;
    };
    let pending = journal::unsettled(state).unwrap_or_else(|err| {
        out.problems.push(err.to_string());
        Vec::new()
    });
    out.interrupted = pending.iter().map(interrupted).collect();
    let held = Ledger::new(state).list().unwrap_or_else(|err| {
        out.problems.push(err.to_string());
        Vec::new()
    });
    out.stopped = held
        .into_iter()
        .map(|h| Held {
            frozen_by: pending
                .iter()
                .find(|r| {
                    !r.mid_swap_containers().is_empty()
                        && h.purpose.ends_with(&format!(" {}", r.begin.id))
                })
                .map(|r| r.begin.id.clone()),
            container: h.container,
            since: h.since,
            purpose: h.purpose,
            was_running: h.was_running,
            restart_policy: h.restart_policy,
        })
        .collect();
    out
}

/// Rolls back (or resumes) interrupted restore `id` under the lock, to its end.
pub fn settle(e: &Engine, id: &str, forward: bool, reporter: &dyn Reporter) -> Result<SettledView> {
    let end = block_on(aftercare::settle_interrupted(
        &e.host,
        id,
        forward,
        "lifeboat console (settle)",
        reporter,
    ))?;
    let s = end.settled;
    Ok(SettledView {
        rolled_back: s.rolled_back,
        kept: s.kept,
        remaining: s.remaining,
        started: s.started,
        notes: s.notes,
    })
}

/// Starts again what lifeboat holds stopped, under the lock.
pub fn restart(e: &Engine) -> Result<Released> {
    block_on(crate::engine::recover::recover(
        &e.host,
        "lifeboat console (restart)",
    ))
    .map(|r| r.released)
}

fn interrupted(r: &journal::Read) -> Interrupted {
    let alive = r.begin.pid != 0 && Path::new(&format!("/proc/{}", r.begin.pid)).exists();
    Interrupted {
        id: r.begin.id.clone(),
        describe: r.describe(),
        archive: r.begin.archive.clone(),
        sha256: r.begin.archive_sha256.clone(),
        components: r.begin.components.clone(),
        units: r
            .units
            .iter()
            .map(|(c, _, _, st)| (c.clone(), unit_word(*st)))
            .collect(),
        began_at: r.began_at.clone(),
        pid: r.begin.pid,
        alive,
        profile_spec: r.begin.profile_spec.clone(),
        undoes: r.begin.undoes.clone(),
        keep_partial: r.begin.keep_partial,
    }
}

fn unit_word(s: UnitState) -> &'static str {
    match s {
        UnitState::Staged => "staged; its live data never touched",
        UnitState::MidSwap => "HALF-SWAPPED: kept stopped",
        UnitState::Swapped => "swapped and checked; its old data kept",
        UnitState::RolledBack => "rolled back",
        UnitState::Committed => "committed",
    }
}
