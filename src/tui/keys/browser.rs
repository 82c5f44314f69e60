//! The key tables of the browser and what opens over it without a module of its own: the `/`
//! filter, the manifest, verify, the help overlay and the quit confirmation.

use super::table::{Binding, CTRL_C, Command as C, ENDS, HELP, Key as K, MOVE, PAGE, b, shown};

pub static BROWSER: &[Binding] = &[
    MOVE,
    PAGE,
    ENDS,
    b(
        &[(K::Enter, C::Open)],
        "open the archive's manifest",
        Some("manifest"),
    ),
    b(
        &[(K::Char('v'), C::Verify)],
        "verify it: sidecar, every entry, every component hash",
        Some("verify"),
    ),
    b(
        &[(K::Char('R'), C::Restore)],
        "restore it: components, checklist, plan, typed stack name",
        Some("restore"),
    ),
    b(
        &[(K::Char('/'), C::Filter)],
        "filter by text: name, component, host, profile",
        Some("filter"),
    ),
    // Paired, so the help with the states legend stays one screen at 80x24.
    b(
        &[
            (K::Char('c'), C::CycleComponent),
            (K::Char('f'), C::CycleFolder),
        ],
        "only archives holding a component / in one folder (cycle)",
        None,
    ),
    b(
        &[(K::Esc, C::ClearFilter), (K::Char('r'), C::Reload)],
        "clear the filters / read the folders again",
        None,
    ),
    b(
        &[
            (K::Char('I'), C::ShowInterrupted),
            (K::Char('S'), C::ShowStopped),
            (K::Char('L'), C::ShowLock),
        ],
        "interrupted restore / containers held stopped / lock",
        None,
    ),
    HELP,
    b(&[(K::Char('q'), C::Quit)], "quit", Some("quit")),
    // After quit: the footer keeps the keys above at 80 columns and shows these when wider
    // (it skips what does not fit); the help always lists them.
    b(
        &[(K::Char('B'), C::BackupNow)],
        "back up the configured profile now (asks first)",
        Some("backup"),
    ),
    b(
        &[(K::Char('H'), C::History)],
        "size history of the profile's components",
        Some("history"),
    ),
    b(
        &[(K::Char('J'), C::Jobs)],
        "jobs of this session and the log (warnings, errors)",
        Some("log"),
    ),
    CTRL_C,
];

pub static FILTER_EDIT: &[Binding] = &[
    b(&[(K::Enter, C::Submit)], "keep the filter", Some("keep")),
    b(&[(K::Esc, C::Abort)], "drop the filter", Some("drop")),
    b(
        &[(K::Backspace, C::Erase)],
        "delete a character",
        Some("delete"),
    ),
    CTRL_C,
];

pub static MANIFEST: &[Binding] = &[
    shown(
        b(
            &[
                (K::Up, C::Up),
                (K::Down, C::Down),
                (K::Char('k'), C::Up),
                (K::Char('j'), C::Down),
            ],
            "scroll",
            Some("scroll"),
        ),
        "↑↓/jk",
        "j/k",
    ),
    PAGE,
    ENDS,
    b(
        &[(K::Char('v'), C::Verify)],
        "verify this archive",
        Some("verify"),
    ),
    b(
        &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
        "back to the list",
        Some("back"),
    ),
    HELP,
    CTRL_C,
];

pub static VERIFY_RUNNING: &[Binding] = &[
    b(
        &[(K::Esc, C::CancelJob), (K::Char('c'), C::CancelJob)],
        "cancel the verify (nothing is recorded)",
        Some("cancel"),
    ),
    HELP,
    CTRL_C,
];

pub static VERIFY_DONE: &[Binding] = &[
    b(
        &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
        "back to the list",
        Some("back"),
    ),
    b(
        &[(K::Char('v'), C::Verify)],
        "verify again",
        Some("verify again"),
    ),
    HELP,
    CTRL_C,
];

pub static HELP_OVERLAY: &[Binding] = &[
    b(
        &[
            (K::Esc, C::Back),
            (K::Char('?'), C::Back),
            (K::Char('q'), C::Back),
        ],
        "close the help",
        Some("close"),
    ),
    CTRL_C,
];

pub static CONFIRM_QUIT: &[Binding] = &[
    b(
        &[(K::Char('y'), C::Yes)],
        "cancel the running job, then quit",
        Some("cancel it and quit"),
    ),
    b(
        &[(K::Char('n'), C::No), (K::Esc, C::No)],
        "keep the job running",
        Some("stay"),
    ),
];
