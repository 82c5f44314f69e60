//! Scanning text by bytes: where a run of bytes ends, where a line ends, where a quote closes.
//! Every format walker and the scrubber use these.

/// The first index from `i` on whose byte is not `f`.
pub(super) fn skip(s: &str, mut i: usize, f: impl Fn(u8) -> bool) -> usize {
    while s.as_bytes().get(i).is_some_and(|&c| f(c)) {
        i += 1;
    }
    i
}

/// The end of the line that `p` is on (before its `\r\n` or `\n`).
pub(super) fn line_end(t: &str, p: usize) -> usize {
    let e = skip(t, p, |c| c != b'\n');
    e - usize::from(e > p && t.as_bytes()[e - 1] == b'\r')
}

/// The index just after the quote closing the one `s` starts with (`\` escapes in `"`, `''` in
/// `'`).
pub(super) fn close_quote(s: &str) -> Option<usize> {
    let (b, mut i) = (s.as_bytes(), 1);
    let q = *b.first()?;
    while i < b.len() {
        if q == b'"' && b[i] == b'\\' || q == b'\'' && b[i] == q && b.get(i + 1) == Some(&q) {
            i += 1;
        } else if b[i] == q {
            return Some(i + 1);
        }
        i += 1;
    }
    None
}
