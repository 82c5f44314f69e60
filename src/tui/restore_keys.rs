//! The key tables of the restore wizard and the incident views (interrupted restore, held
//! containers, lock), in the same form as `keymap`'s: the footer, the help and the lookup read
//! them through `keymap::bindings`. Typing contexts bind no printable key, so every letter
//! reaches the text.

use crate::tui::keymap::{Binding, CTRL_C, Command as C, HELP, Key as K, MOVE, PAGE, b, shown};

const BACK: Binding = b(
    &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
    "back",
    Some("back"),
);
const TYPE_ERASE: Binding = b(&[(K::Backspace, C::Erase)], "delete a character", None);

pub static RESTORE_SELECT: &[Binding] = &[
    MOVE,
    b(
        &[(K::Char(' '), C::Toggle)],
        "tick or untick the component",
        Some("tick"),
    ),
    b(
        &[(K::Enter, C::Next)],
        "run the checklist for real (takes the lock; changes nothing)",
        Some("checklist"),
    ),
    b(
        &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
        "leave the wizard",
        Some("leave"),
    ),
    HELP,
    CTRL_C,
];

pub static RESTORE_WORKING: &[Binding] = &[
    b(
        &[(K::Esc, C::CancelJob), (K::Char('c'), C::CancelJob)],
        "stop the checklist (nothing was changed)",
        Some("cancel"),
    ),
    HELP,
    CTRL_C,
];

pub static RESTORE_CHECKLIST: &[Binding] = &[
    MOVE,
    PAGE,
    b(
        &[(K::Char('w'), C::Waive)],
        "waive the item (type its id or yes); again withdraws",
        Some("waive"),
    ),
    b(
        &[(K::Enter, C::Next)],
        "the plan (only with no item blocking)",
        Some("plan"),
    ),
    b(
        &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
        "back to the components",
        Some("back"),
    ),
    HELP,
    CTRL_C,
];

pub static RESTORE_WAIVE: &[Binding] = &[
    b(&[(K::Enter, C::Submit)], "waive it", Some("waive")),
    b(&[(K::Esc, C::Abort)], "keep it as it is", Some("keep")),
    TYPE_ERASE,
    CTRL_C,
];

pub static RESTORE_PLAN: &[Binding] = &[
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
    b(
        &[(K::Enter, C::Next)],
        "go on to the confirmation",
        Some("confirm"),
    ),
    b(
        &[(K::Esc, C::Back), (K::Char('q'), C::Back)],
        "back to the checklist",
        Some("back"),
    ),
    HELP,
    CTRL_C,
];

pub static RESTORE_CONFIRM: &[Binding] = &[
    b(
        &[(K::Enter, C::Submit)],
        "restore (only if the stack name is typed exactly)",
        Some("restore"),
    ),
    b(&[(K::Esc, C::Abort)], "back to the plan", Some("back")),
    TYPE_ERASE,
    CTRL_C,
];

pub static RESTORE_RUNNING: &[Binding] = &[
    b(
        &[(K::Char('c'), C::CancelJob)],
        "cancel: aborts before a swap, else finishes it and rolls back",
        Some("cancel"),
    ),
    HELP,
    CTRL_C,
];

pub static RESTORE_DONE: &[Binding] = &[
    MOVE,
    b(
        &[(K::Char('u'), C::Undo)],
        "undo: restore the safety backup over what was replaced",
        Some("undo"),
    ),
    b(
        &[
            (K::Enter, C::Back),
            (K::Esc, C::Back),
            (K::Char('q'), C::Back),
        ],
        "close the wizard",
        Some("close"),
    ),
    HELP,
    CTRL_C,
];

pub static RESTORE_ENDED: &[Binding] = &[
    MOVE,
    b(
        &[
            (K::Enter, C::Back),
            (K::Esc, C::Back),
            (K::Char('q'), C::Back),
        ],
        "close the wizard",
        Some("close"),
    ),
    HELP,
    CTRL_C,
];

pub static RESTORE_FAILED: &[Binding] = &[
    b(
        &[
            (K::Enter, C::Back),
            (K::Esc, C::Back),
            (K::Char('q'), C::Back),
        ],
        "close the wizard",
        Some("close"),
    ),
    HELP,
    CTRL_C,
];

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
