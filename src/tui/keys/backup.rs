//! The key tables of the size history, "backup now" (the question, the run, its summary) and
//! the jobs and log pane.

use super::table::{Binding, CTRL_C, Command as C, ENDS, HELP, Key as K, PAGE, b, shown};

pub static HISTORY: &[Binding] = &[
    shown(
        b(
            &[
                (K::Up, C::Up),
                (K::Down, C::Down),
                (K::Char('k'), C::Up),
                (K::Char('j'), C::Down),
            ],
            "scroll by component",
            Some("scroll"),
        ),
        "↑↓/jk",
        "j/k",
    ),
    PAGE,
    ENDS,
    b(
        &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
        "back to the list",
        Some("back"),
    ),
    HELP,
    CTRL_C,
];

pub static BACKUP_CONFIRM: &[Binding] = &[
    b(
        &[(K::Char('y'), C::Yes)],
        "start the backup (takes the host lock)",
        Some("back up now"),
    ),
    b(
        &[
            (K::Char('n'), C::No),
            (K::Esc, C::No),
            (K::Char('q'), C::No),
        ],
        "do not back up",
        Some("no"),
    ),
    CTRL_C,
];

pub static BACKUP_RUNNING: &[Binding] = &[
    b(
        &[(K::Char('c'), C::CancelJob)],
        "cancel the backup (what it stopped is started again; nothing is committed)",
        Some("cancel"),
    ),
    b(
        &[(K::Esc, C::Back)],
        "back to the list (the backup goes on)",
        Some("hide"),
    ),
    HELP,
    CTRL_C,
];

pub static BACKUP_DONE: &[Binding] = &[
    b(
        &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
        "back to the list",
        Some("back"),
    ),
    HELP,
    CTRL_C,
];

pub static JOBS: &[Binding] = &[
    shown(
        b(
            &[
                (K::Up, C::Up),
                (K::Down, C::Down),
                (K::Char('k'), C::Up),
                (K::Char('j'), C::Down),
            ],
            "scroll the log",
            Some("scroll"),
        ),
        "↑↓/jk",
        "j/k",
    ),
    PAGE,
    shown(
        b(
            &[
                (K::Home, C::Top),
                (K::End, C::Bottom),
                (K::Char('g'), C::Top),
                (K::Char('G'), C::Bottom),
            ],
            "oldest line kept / the end (follow new lines again)",
            Some("follow"),
        ),
        "End/G",
        "End/G",
    ),
    b(
        &[
            (K::Esc, C::Back),
            (K::Char('q'), C::Back),
            (K::Char('J'), C::Back),
        ],
        "back to the list",
        Some("back"),
    ),
    HELP,
    CTRL_C,
];
