//! Text for people: untrusted strings (from archives, manifests, file names) made safe to show
//! on a terminal, and counts grouped by thousands.
//!
//! A manifest is attacker-controlled input as far as the screen is concerned: an ANSI or OSC
//! escape in a component name could repaint the operator's terminal or fake a status line.
//! Everything that came from an archive goes through [`sanitize`] before display.

/// Longest string shown from an archive before it is cut with an ellipsis.
pub const MAX_SHOWN_CHARS: usize = 200;

/// Returns `s` with control characters, escape sequences and bidi overrides made visible
/// (`\x1b`, `\u{202e}`) and cut to [`MAX_SHOWN_CHARS`] characters.
pub fn sanitize(s: &str) -> String {
    sanitize_max(s, MAX_SHOWN_CHARS)
}

/// [`sanitize`] with a caller-chosen length limit.
pub fn sanitize_max(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 2));
    for (shown, c) in s.chars().enumerate() {
        if shown >= max_chars {
            out.push('…');
            break;
        }
        if is_unsafe_char(c) {
            let code = u32::from(c);
            if code < 0x80 {
                out.push_str(&format!("\\x{code:02x}"));
            } else {
                out.push_str(&format!("\\u{{{code:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Bytes (a path from a tar header, say) shown safely: invalid UTF-8 is replaced, then sanitised.
pub fn sanitize_bytes(b: &[u8]) -> String {
    sanitize(&String::from_utf8_lossy(b))
}

/// Serializes a path as a string even when it is not valid UTF-8 (replacement characters),
/// so one odd file name never breaks a JSON line.
pub fn serialize_path_lossy<S: serde::Serializer>(
    p: &std::path::Path,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// [`serialize_path_lossy`] for an optional path.
pub fn serialize_opt_path_lossy<S: serde::Serializer>(
    path: &Option<std::path::PathBuf>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => s.serialize_some(&p.to_string_lossy()),
        None => s.serialize_none(),
    }
}

/// Control characters (C0, DEL, C1), bidirectional overrides and isolates, and zero-width
/// characters that can hide text.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

/// 12,340 rather than 12340.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bidi_become_visible() {
        assert_eq!(sanitize("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(sanitize("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(sanitize("tab\there"), "tab\\x09here");
        assert_eq!(sanitize("\u{9b}31m"), "\\u{9b}31m");
        assert!(!sanitize("\x1b]0;title\x07").contains('\x1b'));
    }

    #[test]
    fn long_strings_are_cut() {
        let s = "a".repeat(500);
        let out = sanitize(&s);
        assert_eq!(out.chars().count(), MAX_SHOWN_CHARS + 1);
        assert!(out.ends_with('…'));
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        assert_eq!(sanitize("postgres.sql.gz — ok ✓"), "postgres.sql.gz — ok ✓");
    }
}
