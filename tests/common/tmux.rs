//! A real terminal for the console tests: a tmux pane on a private tmux server (its own
//! socket, killed on drop), driven by `send-keys` and read by `capture-pane`.

use std::ffi::OsStr;
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of the test's own, with one pane running `script` (sh) at `w` x `h`.
pub struct Pane {
    socket: String,
}

impl Pane {
    /// Starts `script` in the pane with `vars` in its environment. When the script ends the
    /// pane prints `EXIT=<code>` and stays a minute, so its last screen can be read.
    pub fn start<K, V>(name: &str, vars: &[(K, V)], script: &str, w: u16, h: u16) -> Pane
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let socket = format!("lifeboat-test-{}-{name}", std::process::id());
        let pane = Pane { socket };
        let mut c = pane.tmux();
        for (k, v) in vars {
            c.env(k, v);
        }
        let status = c
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(w.to_string())
            .arg("-y")
            .arg(h.to_string())
            .arg(format!("{script}; echo EXIT=$?; sleep 60"))
            .status()
            .expect("tmux runs (scripts/setup installs it)");
        assert!(status.success(), "tmux new-session");
        pane
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    /// The pane's text; with `escapes`, its colours and attributes too.
    pub fn text(&self, escapes: bool) -> String {
        let mut c = self.tmux();
        c.args(["capture-pane", "-p", "-t", "t"]);
        if escapes {
            c.arg("-e");
        }
        String::from_utf8_lossy(&c.output().expect("capture-pane").stdout).into_owned()
    }

    /// Waits up to 20 s for `what` on the screen.
    pub fn wait(&self, what: &str) -> String {
        self.wait_up_to(what, Duration::from_secs(20))
    }

    /// Waits up to `limit` for `what` on the screen; the screen it found it on.
    pub fn wait_up_to(&self, what: &str, limit: Duration) -> String {
        self.wait_for(&format!("{what:?}"), limit, |t| t.contains(what))
    }

    /// Waits up to `limit` until `ready` holds for the screen.
    pub fn wait_for(&self, what: &str, limit: Duration, ready: impl Fn(&str) -> bool) -> String {
        self.poll(limit, ready)
            .unwrap_or_else(|last| panic!("the screen never showed {what} in {limit:?}:\n{last}"))
    }

    /// The screen once `ready` holds for it, or the last one read when `limit` passed.
    pub fn poll(&self, limit: Duration, ready: impl Fn(&str) -> bool) -> Result<String, String> {
        let start = Instant::now();
        loop {
            let t = self.text(false);
            if ready(&t) {
                return Ok(t);
            }
            if start.elapsed() >= limit {
                return Err(t);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Types `text` literally (no key names).
    pub fn type_text(&self, text: &str) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", "t", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn resize(&self, w: u16, h: u16) {
        let status = self
            .tmux()
            .args(["resize-window", "-t", "t", "-x"])
            .arg(w.to_string())
            .arg("-y")
            .arg(h.to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Closes the terminal: the tmux server goes, the pane's processes get SIGHUP.
    pub fn close(&self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        // Only this test's own server, by its socket name.
        self.close();
    }
}

/// Every parameter of every SGR sequence (`ESC [ ... m`) in `s` (39 and 49, "default
/// colour", are what tmux writes for no colour at all).
pub fn sgr_params(s: &str) -> Vec<u32> {
    s.split("\x1b[")
        .skip(1)
        .filter_map(|rest| rest.split_once('m').map(|(params, _)| params))
        .filter(|p| p.chars().all(|c| c.is_ascii_digit() || c == ';'))
        .flat_map(|p| {
            p.split(';')
                .filter_map(|n| n.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// The colour parameters (foreground, background) among the SGR sequences of `s`.
pub fn colours(s: &str) -> Vec<u32> {
    sgr_params(s)
        .into_iter()
        .filter(|p| matches!(p, 30..=38 | 40..=48 | 90..=97 | 100..=107))
        .collect()
}
