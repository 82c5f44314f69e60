//! Starting again what lifeboat holds stopped (`stopped.json`), under the host lock the caller
//! holds: `lifeboat recover` and the console's "restart now" share this, so both keep the rule
//! of docs/design.md section 5: the containers of a restore interrupted with a component half-swapped
//! stay stopped (and are named) until that restore is settled.

use crate::engine::docker::Docker;
use crate::engine::error::Result;
use crate::engine::host::Host;
use crate::engine::journal::{self, Read};
use crate::engine::lock::HostLock;
use crate::engine::stopped::Ledger;

/// What a release did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Released {
    /// Started again, restart policy restored.
    pub started: Vec<String>,
    /// Held containers left stopped: (container, why).
    pub kept: Vec<(String, String)>,
    /// Containers gone or recreated, or a start that failed: one line each.
    pub problems: Vec<String>,
}

/// Releases every held container except those of a restore in `pending` (the unsettled
/// journals, read under the lock) that caught a component half-swapped: that component's
/// containers must not start on mixed data, and its dependents would only meet a half-replaced
/// service.
pub async fn release_held(docker: &Docker, ledger: &Ledger, pending: &[Read]) -> Result<Released> {
    let frozen: Vec<&Read> = pending
        .iter()
        .filter(|r| !r.mid_swap_containers().is_empty())
        .collect();
    let mut out = Released::default();
    for held in ledger.list()? {
        if let Some(r) = frozen
            .iter()
            .find(|r| held.purpose.ends_with(&format!(" {}", r.begin.id)))
        {
            out.kept.push((
                held.container.clone(),
                format!(
                    "restore {} was interrupted with it half-swapped; settle it with `lifeboat restore --rollback {}`",
                    r.begin.id, r.begin.id
                ),
            ));
            continue;
        }
        match ledger.release(docker, &held.container).await {
            Ok(None) => out.started.push(held.container),
            Ok(Some(note)) => out.problems.push(note),
            Err(e) => out.problems.push(format!("{}: {e}", held.container)),
        }
    }
    Ok(out)
}

/// What [`recover`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovered {
    pub released: Released,
    /// The interrupted restores that keep containers stopped, one line each (exit 15).
    pub unsettled: Vec<String>,
}

/// `lifeboat recover` and the console's "restart now": under the host lock (never waiting for
/// it), every container a killed lifeboat left stopped is started again with its restart
/// policy, except those of a restore caught half-swapped. Nothing held and nothing unsettled:
/// nothing to do, and neither the lock nor Docker is touched.
pub async fn recover(host: &Host, holder: &str) -> Result<Recovered> {
    let state = host.state()?;
    let ledger = Ledger::new(&state);
    if ledger.list()?.is_empty() && journal::unsettled(&state)?.is_empty() {
        return Ok(Recovered::default());
    }
    let _lock = HostLock::try_acquire(&host.locations.lock, holder)?;
    // Under the lock every unsettled journal is an interrupted restore.
    let pending = journal::unsettled(&state)?;
    let docker = host.docker().await?;
    Ok(Recovered {
        released: release_held(&docker, &ledger, &pending).await?,
        unsettled: pending
            .iter()
            .map(|r| journal::refuse(r).to_string())
            .collect(),
    })
}
