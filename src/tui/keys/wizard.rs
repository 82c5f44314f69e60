//! The key tables of the restore wizard, one per step: the checkboxes, the checklist job, the
//! checklist and its waivers, the plan, the typed stack name, the run, the summary. Typing
//! contexts bind no printable key, so every letter reaches the text.

use super::table::{Binding, CTRL_C, Command as C, HELP, Key as K, MOVE, PAGE, b, shown};

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
