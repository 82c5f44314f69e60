//! Settling an interrupted restore from its journal (docs/design.md section 5): `--rollback ID` puts
//! the old data of every touched component back; `--resume ID` keeps what was swapped and
//! checked, puts back what was caught half-way, and says what is left to restore. Both work
//! from what the journal recorded and what the live stack holds now, and are safe to run
//! again if they are interrupted themselves.

use std::time::Duration;

use serde::Serialize;

use super::ctx::Ctx;
use super::oneoff::DataFolder;
use crate::engine::error::{Error, Result};
use crate::engine::journal::{Journal, Outcome, Read, Record, Undo, UnitState};
use crate::engine::stopped::Ledger;

/// What settling did.
#[derive(Debug, Default, Serialize)]
pub struct Settled {
    pub restore_id: String,
    /// Components whose old data is back.
    pub rolled_back: Vec<String>,
    /// Components kept on the restored data (resume).
    pub kept: Vec<String>,
    /// Components the interrupted restore never reached (resume restores them next).
    pub remaining: Vec<String>,
    /// Containers started again.
    pub started: Vec<String>,
    pub notes: Vec<String>,
}

/// How long a swap script a killed lifeboat left running may take to end.
const ONEOFF_LIMIT: Duration = Duration::from_secs(600);

/// Settles journal `read` (the caller holds the host lock; `ctx.id` is the journal's id).
/// `forward`: resume (keep what was swapped and checked); otherwise roll everything back.
pub async fn settle(
    ctx: &Ctx<'_>,
    ledger: &Ledger,
    read: &Read,
    staging: &std::path::Path,
    forward: bool,
) -> Result<Settled> {
    let journal = Journal::open(&read.path)?;
    let mut out = Settled {
        restore_id: read.begin.id.clone(),
        ..Default::default()
    };
    // Killed while committing: every swap had passed and the safety backup was in place, so
    // the only way that never leaves mixed data is forward. `--undo` still goes back.
    let finishing = read.commit_begun;
    if finishing && !forward {
        out.notes.push(format!(
            "restore {} had passed every check and begun to commit: it is finished, not rolled back (`lifeboat restore --undo {}` puts the old data back from its safety backup)",
            read.begin.id, read.begin.id
        ));
    }
    let forward = forward || finishing;
    for name in ctx.docker.settle_oneoffs(&ctx.id, ONEOFF_LIMIT).await? {
        out.notes.push(format!(
            "waited for {name}, left running by the interrupted restore, and removed it"
        ));
    }
    for (component, containers, undo, st) in read.units.iter().rev() {
        let Some(c) = ctx.profile.component(component) else {
            return Err(Error::Usage(format!(
                "restore {}: component {component} is not in profile {}; settle it with the profile the restore used (--profile)",
                read.begin.id, ctx.profile.name
            )));
        };
        let keep = forward && *st == UnitState::Swapped;
        if !keep
            && !matches!(
                st,
                UnitState::Staged | UnitState::Committed | UnitState::RolledBack
            )
        {
            // Killed while putting it back, the next settle knows to do it again.
            journal.append(Record::RollbackBegin {
                component: component.clone(),
            })?;
        }
        match (st, undo) {
            (UnitState::Committed | UnitState::RolledBack, _) => continue,
            (_, Undo::Postgres {
                container,
                database,
            }) => super::pg::settle(ctx, c, container, database, keep).await?,
            (_, Undo::Folder {
                container,
                image,
                binds,
                path,
                creates_volume,
            }) => {
                let folder = DataFolder {
                    container: container.clone(),
                    image: image.clone(),
                    binds: binds.clone(),
                    path: path.clone(),
                };
                if keep {
                    folder.commit(ctx.docker, &ctx.id).await?;
                } else if *st == UnitState::Staged {
                    // Nothing was uploaded before the swap began; nothing to do.
                } else {
                    let grace = Duration::from_secs(c.stop_timeout);
                    for name in containers {
                        // A removed container (its volume was being filled) has nothing to stop.
                        if ctx.docker.inspect(name).await?.is_none() {
                            continue;
                        }
                        ledger
                            .hold(ctx.docker, name, grace, &format!("rollback {}", ctx.id))
                            .await?;
                    }
                    folder.rollback(ctx.docker, &ctx.id).await?;
                    folder.commit(ctx.docker, &ctx.id).await?;
                    // Created by the restore for a removed container: gone again, as before.
                    if let Some(v) = creates_volume
                        && ctx.docker.volume_labels(v).await?.is_some()
                    {
                        ctx.docker.remove_volume(v).await?;
                    }
                }
            }
            (_, Undo::PgData {
                container,
                image,
                volume,
                destination,
                kept,
            }) => {
                if !keep {
                    let b = super::pgdata::Broken {
                        container: container.clone(),
                        image: image.clone(),
                        volume: volume.clone(),
                        destination: destination.clone(),
                        kept: kept.clone(),
                    };
                    super::pgdata::put_back(ctx, ledger, c, &b).await?;
                }
            }
            (UnitState::Staged, _) => {}
            (_, Undo::Config) => out.notes.push(format!(
                "{component}: the files written beside the live ones (*.restored-{}) stay; remove them or apply them with `lifeboat restore --apply-config {}`",
                ctx.id, ctx.id
            )),
            (_, Undo::Exec) if !keep => out.notes.push(format!(
                "{component}: its restore command may have run and cannot be undone"
            )),
            (_, Undo::Exec) => {}
        }
        let record = if keep {
            out.kept.push(component.clone());
            Record::Committed {
                component: component.clone(),
            }
        } else {
            if *st != UnitState::Staged {
                out.rolled_back.push(component.clone());
            }
            Record::RolledBack {
                component: component.clone(),
            }
        };
        journal.append(record)?;
    }
    // Killed while staging a database, before its unit was journalled: its scratch may exist.
    for name in &read.begin.components {
        let Some(c) = ctx.profile.component(name) else {
            continue;
        };
        if c.kind != crate::engine::stack::Kind::Postgres || read.state_of(name).is_some() {
            continue;
        }
        let Some(container) = c.main_container() else {
            continue;
        };
        let info = ctx.docker.inspect_required(container).await?;
        let creds = crate::engine::credentials::resolve(ctx.profile, c, &info)?;
        if let Some(db) = creds.database {
            super::pg::settle(ctx, c, container, &db, false).await?;
        }
    }
    out.kept.reverse();
    out.rolled_back.reverse();
    if forward {
        out.remaining = read
            .begin
            .components
            .iter()
            .filter(|c| {
                !matches!(
                    read.state_of(c),
                    Some(UnitState::Swapped | UnitState::Committed)
                )
            })
            .cloned()
            .collect();
    }
    // Everything this restore (or an earlier settle of it) held stopped runs again.
    for held in ledger.list()? {
        if !held.purpose.ends_with(&format!(" {}", ctx.id)) {
            continue;
        }
        match ledger.release(ctx.docker, &held.container).await? {
            None => out.started.push(held.container),
            Some(note) => out.notes.push(note),
        }
    }
    for dir in [
        staging.join(format!("restore-{}", ctx.id)),
        staging.join(format!("backup-safety-{}", ctx.id)),
    ] {
        let _ = std::fs::remove_dir_all(dir);
    }
    journal.append(Record::End {
        outcome: if finishing {
            Outcome::Committed
        } else if forward {
            Outcome::Resumed
        } else {
            Outcome::RolledBack
        },
    })?;
    Ok(out)
}

/// The SHA-256 of a whole file, for `--resume` to prove the archive is still the bytes the
/// interrupted restore verified before it settles anything.
pub fn file_sha256(path: &std::path::Path) -> Result<String> {
    use sha2::Digest;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, "open", e))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf).map_err(|e| Error::io(path, "read", e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}
