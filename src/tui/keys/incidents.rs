//! The key tables of the incident views: the interrupted restore offered at start, the
//! yes/no before acting, a settle or restart running and done, the containers held stopped,
//! the lock.

use super::table::{Binding, CTRL_C, Command as C, HELP, Key as K, b, shown};

const BACK: Binding = b(
    &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
    "back",
    Some("back"),
);

pub static INTERRUPTED: &[Binding] = &[
    shown(
        b(
            &[
                (K::Up, C::Up),
                (K::Down, C::Down),
                (K::Char('k'), C::Up),
                (K::Char('j'), C::Down),
            ],
            "choose",
            Some("choose"),
        ),
        "↑↓/jk",
        "j/k",
    ),
    b(&[(K::Enter, C::Next)], "take the chosen action", Some("ok")),
    b(
        &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
        "later (the banner stays; I brings this back)",
        Some("later"),
    ),
    HELP,
    CTRL_C,
];

pub static ASK: &[Binding] = &[
    b(&[(K::Char('y'), C::Yes)], "yes, go ahead", Some("yes")),
    b(
        &[(K::Char('n'), C::No), (K::Esc, C::No)],
        "no, back",
        Some("no"),
    ),
    CTRL_C,
];

pub static BUSY: &[Binding] = &[HELP, CTRL_C];

pub static SETTLE_DONE: &[Binding] = &[
    b(
        &[(K::Char('R'), C::Restore)],
        "restore what the interrupted restore never reached",
        Some("restore the rest"),
    ),
    b(
        &[
            (K::Enter, C::Back),
            (K::Esc, C::Back),
            (K::Char('q'), C::Back),
        ],
        "close",
        Some("close"),
    ),
    HELP,
    CTRL_C,
];

pub static STOPPED: &[Binding] = &[
    b(
        &[(K::Char('r'), C::Restart)],
        "restart now: takes the lock, starts each with its restart policy",
        Some("restart now"),
    ),
    BACK,
    HELP,
    CTRL_C,
];

pub static LOCK: &[Binding] = &[
    b(
        &[(K::Char('r'), C::Reload)],
        "read it again (never takes the lock)",
        Some("read again"),
    ),
    BACK,
    HELP,
    CTRL_C,
];
