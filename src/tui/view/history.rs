//! The size history of a profile's components: from the manifests the browser already holds,
//! every committed, non-safety archive of the profile (the engine's own baseline test), oldest
//! to newest, and per component its sizes, latest, smallest, largest, and whether the newest
//! trips the backup engine's shrink rule (`engine::backup::shrink`, the one definition).
//! Computed when drawn (never stored), so manifests that arrive in the background join at once.
//! With how many components the screen fits at a size (`update` scrolls by it). The screen's
//! keys are in `update/history.rs`; drawing is `screens/history.rs`.

use crate::engine::backup::{self, Shrink};
use crate::tui::state::app::{App, Entry};

/// Rows per component: the numbers, then a two-row sparkline.
pub const ROWS: u16 = 3;
/// Rows above the components: the span of archives, the shrink summary.
pub const HEAD: u16 = 2;

/// How many components fit at terminal size `size` (the status line, footer, borders and the
/// two head rows taken off), for scrolling in `update`.
pub fn fits(size: (u16, u16)) -> usize {
    usize::from(size.1.saturating_sub(2 + 2 + HEAD) / ROWS)
}

/// One component's sizes over the archives of a [`History`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub component: String,
    /// One per archive, oldest first; `None`: that archive does not hold the component (it
    /// failed, or was skipped).
    pub sizes: Vec<Option<u64>>,
    /// What the shrink rule says of the newest archive against the one before it.
    pub shrink: Option<Shrink>,
}

impl Series {
    /// The size in the newest archive, if it holds the component.
    pub fn latest(&self) -> Option<u64> {
        self.sizes.last().copied().flatten()
    }

    pub fn min(&self) -> Option<u64> {
        self.sizes.iter().flatten().copied().min()
    }

    pub fn max(&self) -> Option<u64> {
        self.sizes.iter().flatten().copied().max()
    }
}

/// A profile's committed archives and its components' sizes across them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// How many committed archives the series span.
    pub archives: usize,
    /// The newest one's capture time.
    pub newest: Option<jiff::Timestamp>,
    pub oldest: Option<jiff::Timestamp>,
    /// Sorted by component name.
    pub series: Vec<Series>,
}

impl History {
    /// How many components trip the shrink rule.
    pub fn shrunk(&self) -> usize {
        self.series.iter().filter(|s| s.shrink.is_some()).count()
    }
}

impl App {
    /// The size history of `profile` over every listed folder. As the engine does for a new
    /// backup, the newest archive is compared with the committed one before it; the engine
    /// looks only in the output folder, the console at every folder it lists (the same
    /// archives, when the folders are the profile's).
    pub fn history(&self, profile: Option<&str>) -> History {
        let mut list: Vec<(&Entry, jiff::Timestamp)> = self
            .entries
            .iter()
            .filter(|e| backup::is_baseline(&e.info))
            .filter(|e| {
                e.info
                    .manifest
                    .as_ref()
                    .is_some_and(|m| m.profile.as_deref() == profile)
            })
            .filter_map(|e| self.time_of(e).map(|t| (e, t)))
            .collect();
        list.sort_by_key(|(e, t)| (*t, e.info.file.clone()));
        let mut names: Vec<String> = list
            .iter()
            .filter_map(|(e, _)| e.info.manifest.as_ref())
            .flat_map(|m| m.details().keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        let series = names
            .into_iter()
            .map(|name| {
                let sizes: Vec<Option<u64>> = list
                    .iter()
                    .map(|(e, _)| {
                        let m = e.info.manifest.as_ref()?;
                        m.details().get(&name).map(|d| d.size)
                    })
                    .collect();
                let shrink = match sizes.as_slice() {
                    [.., prev, Some(latest)] => backup::shrink(*latest, *prev),
                    [Some(only)] => backup::shrink(*only, None),
                    _ => None,
                };
                Series {
                    component: name,
                    sizes,
                    shrink,
                }
            })
            .collect();
        History {
            archives: list.len(),
            newest: list.last().map(|(_, t)| *t),
            oldest: list.first().map(|(_, t)| *t),
            series,
        }
    }
}
