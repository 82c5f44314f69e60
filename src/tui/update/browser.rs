//! `App::update` for the browser and the manifest it opens: moving the selection (paging by the
//! list's rows at the current size), the filters, reading the folders again, a listing or a
//! manifest arriving (the selection follows its archive once the operator moved it), and
//! scrolling the manifest (bounded by the count of lines the screen draws).

use std::path::{Path, PathBuf};

use crate::engine::catalog::{ArchiveInfo, ListState};
use crate::tui::keys::lookup::scrolled;
use crate::tui::keys::table::Command;
use crate::tui::state::action::ListError;
use crate::tui::state::app::{App, Entry, FolderStatus, Screen};
use crate::tui::state::effect::Effect;
use crate::tui::view::{manifest, sizes};

impl App {
    pub(super) fn browser_command(&mut self, cmd: Command) -> Vec<Effect> {
        let page = self.list_rows().max(1) as isize;
        match cmd {
            Command::Up => self.move_selection(-1),
            Command::Down => self.move_selection(1),
            Command::PageUp => self.move_selection(-page),
            Command::PageDown => self.move_selection(page),
            Command::Top => self.move_selection(isize::MIN / 2),
            Command::Bottom => self.move_selection(isize::MAX / 2),
            Command::Open => {
                if let Some(path) = self.selected_path() {
                    self.screens.push(Screen::Manifest {
                        archive: path,
                        scroll: 0,
                    });
                }
            }
            Command::Verify => {
                return match self.selected_path() {
                    Some(path) => self.start_verify(path),
                    None => {
                        self.message = Some("no archive selected".into());
                        Vec::new()
                    }
                };
            }
            Command::Restore => return self.open_restore(),
            Command::History => return self.open_history(),
            Command::BackupNow => return self.ask_backup(),
            Command::Jobs => return self.open_jobs(),
            c @ (Command::ShowInterrupted | Command::ShowStopped | Command::ShowLock) => {
                return self.show_incident(c);
            }
            Command::Filter => self.browser.filter.editing = true,
            Command::CycleComponent => {
                let all = self.components();
                let f = &mut self.browser.filter;
                f.component = match &f.component {
                    None => all.first().cloned(),
                    Some(c) => all.iter().skip_while(|x| *x != c).nth(1).cloned(),
                };
                if all.is_empty() {
                    self.message = Some("no manifest lists any component yet".into());
                }
                self.filter_changed();
            }
            Command::CycleFolder => {
                let n = self.folders.len();
                let f = &mut self.browser.filter;
                f.folder = match f.folder {
                    None if n > 0 => Some(0),
                    Some(i) if i + 1 < n => Some(i + 1),
                    _ => None,
                };
                self.filter_changed();
            }
            Command::ClearFilter => {
                self.browser.filter = Default::default();
                self.filter_changed();
            }
            Command::Reload => {
                for f in &mut self.folders {
                    f.status = FolderStatus::Loading;
                }
                return self.start();
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn manifest_command(&mut self, cmd: Command) -> Vec<Effect> {
        let Some(Screen::Manifest { archive, scroll }) = self.screens.last() else {
            return Vec::new();
        };
        let archive = archive.clone();
        let max = manifest::max_scroll(self, &archive);
        let page = sizes::view_rows(self.size).max(1);
        let new = scrolled(*scroll, cmd, page, max);
        match cmd {
            Command::Back => {
                self.screens.pop();
            }
            Command::Verify => return self.start_verify(archive),
            _ => {
                if let (Some(new), Some(Screen::Manifest { scroll, .. })) =
                    (new, self.screens.last_mut())
                {
                    *scroll = new;
                }
            }
        }
        Vec::new()
    }

    pub(super) fn on_listed(
        &mut self,
        folder: usize,
        result: Result<Vec<ArchiveInfo>, ListError>,
    ) -> Vec<Effect> {
        let selected = self.selected_path();
        let Some(f) = self.folders.get_mut(folder) else {
            return Vec::new();
        };
        self.entries.retain(|e| e.folder != folder);
        let mut pending = Vec::new();
        match result {
            Ok(list) => {
                f.status = FolderStatus::Ready(list.len());
                for info in list {
                    let manifest_pending =
                        info.manifest.is_none() && info.state != ListState::Orphan;
                    if manifest_pending {
                        pending.push(info.path.clone());
                    }
                    self.entries.push(Entry {
                        folder,
                        info,
                        manifest_pending,
                    });
                }
            }
            Err(ListError::Missing) => f.status = FolderStatus::Missing,
            Err(ListError::Failed(why)) => f.status = FolderStatus::Failed(why),
        }
        self.sort_entries();
        self.reselect(selected.as_deref());
        if pending.is_empty() {
            Vec::new()
        } else {
            vec![Effect::LoadManifests { archives: pending }]
        }
    }

    pub(super) fn selected_path(&self) -> Option<PathBuf> {
        self.selected().map(|e| e.info.path.clone())
    }

    /// Newest first by capture time, then by name, as `lifeboat list` orders them.
    pub(super) fn sort_entries(&mut self) {
        let mut entries = std::mem::take(&mut self.entries);
        entries.sort_by(|a, b| {
            self.time_of(b)
                .cmp(&self.time_of(a))
                .then_with(|| b.info.file.cmp(&a.info.file))
        });
        self.entries = entries;
    }

    /// Puts the selection back on `path` after the list changed under it (once the operator
    /// has moved it; before that it stays on the newest archive).
    pub(super) fn reselect(&mut self, path: Option<&Path>) {
        if let Some(p) = path.filter(|_| self.browser.moved)
            && let Some(i) = self
                .visible()
                .iter()
                .position(|&i| self.entries[i].info.path == p)
        {
            self.browser.selected = i;
        }
        self.keep_selection_visible();
    }

    pub(super) fn filter_changed(&mut self) {
        self.browser.selected = 0;
        self.browser.offset = 0;
        self.keep_selection_visible();
    }

    fn move_selection(&mut self, by: isize) {
        self.browser.moved = true;
        let n = self.visible().len();
        let cur = self.browser.selected.min(n.saturating_sub(1)) as isize;
        self.browser.selected =
            (cur.saturating_add(by)).clamp(0, n.saturating_sub(1) as isize) as usize;
        self.keep_selection_visible();
    }

    /// Scrolls so the selection is on screen and the list does not end in blank rows.
    pub(crate) fn keep_selection_visible(&mut self) {
        let n = self.visible().len();
        let rows = self.list_rows().max(1);
        let b = &mut self.browser;
        b.selected = b.selected.min(n.saturating_sub(1));
        if b.selected < b.offset {
            b.offset = b.selected;
        } else if b.selected >= b.offset + rows {
            b.offset = b.selected + 1 - rows;
        }
        b.offset = b.offset.min(n.saturating_sub(rows));
    }
}
