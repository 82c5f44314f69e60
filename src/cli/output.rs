//! stdout and stderr that never panic: once a write fails (EPIPE because `head` exited, EIO
//! because the terminal went away) that stream goes quiet and the work goes on, so the exit
//! code still tells the truth.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);

/// Writes one line (a newline is added) to stdout; silently drops it if stdout is gone.
pub fn out(line: &str) {
    write_line(&mut std::io::stdout().lock(), &STDOUT_GONE, line);
}

/// Writes one line to stderr; silently drops it if stderr is gone.
pub fn err(line: &str) {
    write_line(&mut std::io::stderr().lock(), &STDERR_GONE, line);
}

/// Whether stdout failed at some point.
pub fn stdout_gone() -> bool {
    STDOUT_GONE.load(Ordering::Relaxed)
}

fn write_line(w: &mut dyn Write, gone: &AtomicBool, line: &str) {
    if gone.load(Ordering::Relaxed) {
        return;
    }
    let r = w
        .write_all(line.as_bytes())
        .and_then(|()| w.write_all(b"\n"))
        .and_then(|()| w.flush());
    if r.is_err() {
        gone.store(true, Ordering::Relaxed);
    }
}

/// Serializes `value` as one JSON line, with the characters a terminal could act on that
/// serde_json leaves raw (C1 controls, bidi overrides) escaped as `\uXXXX`.
pub fn json_line(value: &impl serde::Serialize) -> String {
    let s = serde_json::to_string(value)
        .unwrap_or_else(|e| format!("{{\"v\":1,\"event\":\"error\",\"message\":\"{e}\"}}"));
    escape_terminal_chars(&s)
}

/// Escapes, inside JSON text, the characters a terminal could act on that serde_json leaves raw.
pub fn escape_terminal_chars(s: &str) -> String {
    let risky = |c: char| matches!(c, '\u{7f}'..='\u{9f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}');
    if !s.chars().any(risky) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if risky(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_escape_c1_and_bidi() {
        let line = json_line(&serde_json::json!({"name": "a\u{9b}b\u{202e}c\u{1b}"}));
        assert!(
            !line.contains('\u{9b}') && !line.contains('\u{202e}') && !line.contains('\u{1b}'),
            "{line}"
        );
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["name"], "a\u{9b}b\u{202e}c\u{1b}");
    }
}
