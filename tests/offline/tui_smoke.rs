//! The console as an operator meets it: the real binary in a real terminal (a tmux pane on a
//! private tmux server), driven by keys. It lists, verifies (the result lands in the index),
//! quits with the terminal given back, survives a too-small window, honours NO_COLOR, and a
//! SIGTERM ends it with 143 and the terminal restored. No Docker. Needs tmux (scripts/setup
//! installs it); fails loudly without it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::tmux::{Pane, colours, sgr_params};
use crate::common::*;

/// A backup folder with one archive, and a state folder, config and lock of the test's own.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("backups")).unwrap();
        std::fs::create_dir_all(dir.path().join("state")).unwrap();
        // The output folder is the test's own: the machine's default one stays out of view.
        let config = format!(
            "output_dir = \"{}\"\n",
            dir.path().join("backups").display()
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        write_archive(
            &dir.path().join("backups"),
            "2026-01-05T14:00:00+00:00[UTC]",
        );
        Env { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn vars(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("LIFEBOAT_CONFIG", self.path("config.toml")),
            ("LIFEBOAT_STATE", self.path("state")),
            ("LIFEBOAT_LOCK", self.path("lock")),
        ]
    }

    /// The shell line running the console on the backup folder.
    fn console(&self, extra: &str) -> String {
        format!(
            "{} --dir {} {extra}",
            env!("CARGO_BIN_EXE_lifeboat"),
            self.path("backups").display()
        )
    }
}

fn list_state(env: &Env) -> String {
    let o = run(lifeboat()
        .envs(env.vars())
        .args(["--json", "list"])
        .arg(env.path("backups")));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    first["state"].as_str().unwrap().to_string()
}

fn archive_name(dir: &Path) -> String {
    committed_in(dir)[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn the_console_lists_verifies_and_gives_the_terminal_back() {
    let env = Env::new();
    let name = archive_name(&env.path("backups"));
    let pane = Pane::start("verify", &env.vars(), &env.console(""), 80, 24);
    pane.wait("Backups 1 of 1");
    pane.wait("not verified");
    pane.keys(&["v"]);
    pane.wait("VERIFIED");
    pane.keys(&["Escape"]);
    pane.wait("▶ verified");
    pane.keys(&["q"]);
    let after = pane.wait("EXIT=0");
    assert!(
        !after.contains("Backups 1 of 1"),
        "the alternate screen is gone:\n{after}"
    );
    assert!(
        after.contains(&format!("lifeboat: verify {name}: verified")),
        "the session's summary:\n{after}"
    );
    assert_eq!(list_state(&env), "verified", "the index remembers it");
}

#[test]
fn a_small_window_says_so_and_the_console_returns_on_resize() {
    let env = Env::new();
    let pane = Pane::start("small", &env.vars(), &env.console(""), 50, 12);
    pane.wait("terminal too small: need 60x16, have 50x12");
    pane.resize(80, 24);
    pane.wait("Backups 1 of 1");
    pane.keys(&["q"]);
    pane.wait("EXIT=0");
}

/// NO_COLOR (and --ascii): no colour escape on the screen, no box drawing.
#[test]
fn no_color_and_ascii_draw_plain() {
    let env = Env::new();
    let pane = Pane::start(
        "plain",
        &env.vars(),
        &format!("NO_COLOR=1 {}", env.console("--ascii")),
        80,
        24,
    );
    let screen = pane.wait("Backups 1 of 1");
    assert!(screen.is_ascii(), "{screen}");
    let styled = pane.text(true);
    assert_eq!(
        colours(&styled),
        Vec::<u32>::new(),
        "colours under NO_COLOR:\n{styled:?}"
    );
    assert!(
        sgr_params(&styled).contains(&7),
        "the selection is reversed"
    );
    pane.keys(&["q"]);
    pane.wait("EXIT=0");
}

#[test]
fn sigterm_ends_the_console_with_143_and_the_terminal_restored() {
    let env = Env::new();
    let pid = env.path("pid");
    let script = format!(
        "sh -c 'echo $$ > {}; exec {}'",
        pid.display(),
        env.console("")
    );
    let pane = Pane::start("term", &env.vars(), &script, 80, 24);
    pane.wait("Backups 1 of 1");
    let pid = std::fs::read_to_string(&pid).unwrap();
    let status = Command::new("kill")
        .args(["-TERM", pid.trim()])
        .status()
        .unwrap();
    assert!(status.success());
    let after = pane.wait("EXIT=143");
    assert!(after.contains("lifeboat: stopped by SIGTERM"), "{after}");
    assert!(!after.contains("Backups 1 of 1"), "{after}");
}

/// A damaged archive: verify shows MISMATCH, and the wizard refuses it with the reason.
#[test]
fn a_corrupted_archive_is_badged_and_its_restore_refused() {
    let env = Env::new();
    let archive = committed_in(&env.path("backups"))[0].clone();
    let mut bytes = std::fs::read(&archive).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&archive, bytes).unwrap();
    let pane = Pane::start("corrupt", &env.vars(), &env.console(""), 80, 24);
    pane.wait("Backups 1 of 1");
    pane.keys(&["v"]);
    pane.wait("MISMATCH");
    pane.keys(&["Escape"]);
    pane.wait("▶ MISMATCH");
    pane.keys(&["R"]);
    let screen = pane.wait("its last verify failed (MISMATCH)");
    assert!(
        !screen.contains("Components to restore"),
        "no wizard opened:\n{screen}"
    );
    pane.keys(&["q"]);
    pane.wait("EXIT=0");
    assert_eq!(list_state(&env), "mismatch", "the index remembers it");
}

/// Run as another user (`setpriv`, uid nobody): a folder it may not read says so, a missing
/// one named with --dir says NOT FOUND, and the readable one still lists its archive.
#[test]
fn a_missing_and_an_unreadable_folder_are_named_and_the_rest_still_lists() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let open = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    open(env.dir.path(), 0o755);
    // The user's own state folder (and lock in it): nobody may write only there.
    let state = env.path("state-nobody");
    std::fs::create_dir_all(&state).unwrap();
    open(&state, 0o777);
    let locked = env.path("locked");
    write_archive(&locked, "2026-01-04T14:00:00+00:00[UTC]");
    open(&locked, 0o700);
    for a in std::fs::read_dir(env.path("backups")).unwrap() {
        open(&a.unwrap().path(), 0o644);
    }
    let vars = vec![
        ("LIFEBOAT_CONFIG", env.path("config.toml")),
        ("LIFEBOAT_STATE", state.clone()),
        ("LIFEBOAT_LOCK", state.join("lock")),
    ];
    let script = format!(
        "setpriv --reuid=65534 --regid=65534 --clear-groups -- {} --dir {} --dir {}",
        env.console(""),
        env.path("missing").display(),
        locked.display()
    );
    let pane = Pane::start("nobody", &vars, &script, 160, 30);
    let screen = pane.wait("NOT FOUND");
    let screen = if screen.contains("ERROR") {
        screen
    } else {
        pane.wait("ERROR")
    };
    assert!(
        screen.contains("(ERROR: list folder: Permission denied"),
        "the unreadable folder says why:\n{screen}"
    );
    pane.wait("Backups 1 of 1");
    pane.keys(&["q"]);
    pane.wait("EXIT=0");
}
