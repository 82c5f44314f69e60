//! Reading the host's recovery state for the console, without the lock: unsettled journals,
//! the containers lifeboat holds stopped, and who holds the lock now. Plain reads of the
//! engine's files; acting on them is a job for the engine's drivers.

use std::path::Path;

use crate::engine::journal::{self, UnitState};
use crate::engine::lock;
use crate::engine::state::Locations;
use crate::engine::stopped::Ledger;
use crate::tui::incidents::{Held, Incidents, Interrupted, LockInfo, LockNow};

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
