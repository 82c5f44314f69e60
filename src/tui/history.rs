//! The size history of a profile's components: from the manifests the browser already holds,
//! every committed, non-safety archive of the profile (the engine's own baseline test), oldest
//! to newest, and per component its sizes, latest, smallest, largest, and whether the newest
//! trips the backup engine's shrink rule (`engine::backup::shrink`, the one definition).
//! Computed when drawn, so manifests that arrive in the background join at once. The screen's
//! key handling is here too; drawing is `screens/history.rs`.

use crate::engine::backup::{self, Shrink};
use crate::tui::app::{App, Entry, Screen};
use crate::tui::effect::Effect;
use crate::tui::keymap::Command;

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

    /// `H` in the browser: the history of the selected archive's profile.
    pub(crate) fn open_history(&mut self) -> Vec<Effect> {
        match self.selected().map(|e| &e.info.manifest) {
            None => self.message = Some("no archive selected".into()),
            Some(None) => {
                self.message = Some("the selected archive's manifest is not known yet".into());
            }
            Some(Some(m)) => {
                let profile = m.profile.clone();
                self.screens.push(Screen::History { profile, scroll: 0 });
            }
        }
        Vec::new()
    }

    /// Keys on the history screen: scroll by component, back.
    pub(crate) fn history_command(&mut self, cmd: Command) -> Vec<Effect> {
        let Some(Screen::History { profile, scroll }) = self.screens.last() else {
            return Vec::new();
        };
        let n = self.history(profile.as_deref()).series.len();
        let page = crate::tui::screens::history::fits(self.size).max(1);
        let max = n.saturating_sub(page);
        if cmd == Command::Back {
            self.screens.pop();
        } else if let (Some(new), Some(Screen::History { scroll, .. })) = (
            crate::tui::keymap::scrolled(*scroll, cmd, page, max),
            self.screens.last_mut(),
        ) {
            *scroll = new;
        }
        Vec::new()
    }
}
