//! Keys and free text: which keys are secret or allowed, and scrubbing secret-shaped strings
//! (URL credentials, PEM keys, JWTs, known tokens, high-entropy words) out of kept text.

use super::scan::*;
use super::words::*;

// --- keys and values ------------------------------------------------------------------------

/// A key's words, upper-cased: split at non-alphanumerics and lower-to-upper case changes.
pub(super) fn words_of(key: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() || (lower && c.is_ascii_uppercase()) {
            parts.push(String::new());
        }
        lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        if let Some(p) = parts.last_mut().filter(|_| c.is_ascii_alphanumeric()) {
            p.push(c.to_ascii_uppercase());
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

pub(super) fn is_secret(key: &str) -> bool {
    let up = key.to_ascii_uppercase();
    SECRET_WORDS.split_whitespace().any(|w| up.contains(w))
        || words_of(key)
            .iter()
            .map(|p| p.trim_end_matches(|c: char| c.is_ascii_digit()))
            .any(|p| p.ends_with("KEY") || p.ends_with("KEYS") || p == "SIG" || p == "PIN")
}

pub(super) fn is_allowed(key: &str) -> bool {
    let n = words_of(key.rsplit('.').next().unwrap_or(key)).join("_");
    let listed = |a: &str| n == a || n.strip_suffix(a).is_some_and(|h| h.ends_with('_'));
    !n.is_empty()
        && !is_secret(key)
        && (n.starts_with("IMAGE_")
            || n.split('_').any(|p| p == "TIMEOUT")
            || ALLOWED.split_whitespace().any(listed))
}

/// A value that tells nothing even under a secret key: empty, already redacted, a boolean or
/// null, or only a reference to a variable (`${NAME}`, `${NAME:?message}`, `$NAME`, `$$NAME`).
pub(super) fn harmless(v: &str) -> bool {
    let t = v.trim();
    let t = if t.starts_with("$${") { &t[1..] } else { t };
    let name = match t.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
        Some(s) => match s.split_once('?') {
            Some((n, m)) => {
                Some(n.strip_suffix(':').unwrap_or(n)).filter(|_| !m.contains(['{', '$']))
            }
            None => Some(s),
        },
        None => t
            .strip_prefix("$$")
            .or(t.strip_prefix('$'))
            .filter(|s| !s.contains(char::is_lowercase)),
    };
    let first = |s: &str| s.bytes().next().is_some_and(|c| !c.is_ascii_digit());
    let reference =
        name.is_some_and(|s| first(s) && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'));
    let words = "true false yes no on off null ~ none".split(' ');
    reference
        || t.is_empty()
        || t == PLACEHOLDER
        || words.into_iter().any(|w| t.eq_ignore_ascii_case(w))
}

/// A command-line flag with a secret name and no value of its own (`--requirepass`).
pub(super) fn is_flag(s: &str) -> bool {
    let t = s.trim().trim_matches(['"', '\'']);
    t.starts_with('-') && !t.contains('=') && is_secret(t.trim_start_matches('-'))
}

pub(super) fn join(parent: &str, key: &str) -> String {
    format!("{parent}{}{key}", if parent.is_empty() { "" } else { "." })
}

pub(super) fn blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

pub(super) fn name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
}

// --- scrubbing text -------------------------------------------------------------------------

/// Removes secret-shaped strings from any text, counting each in `n`.
pub(super) fn scrub(text: &str, n: &mut usize) -> String {
    let t = urls(&pem(text, n), n);
    let t = runs(&t, n, name_byte, |s, e| {
        named(&t, s, e).map(|(a, b)| (a, b, PLACEHOLDER.into()))
    });
    let b = t.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || b"+/_.~-".contains(&c);
    runs(&t, n, word, |s, e| {
        secret_word(&t[s..e], &b[..s]).map(|w| (s, e, w))
    })
}

/// Calls `f` on each longest run of bytes that are `class`; `f` may return a range starting
/// there and its replacement.
pub(super) fn runs(
    text: &str,
    n: &mut usize,
    class: fn(u8) -> bool,
    mut f: impl FnMut(usize, usize) -> Option<(usize, usize, String)>,
) -> String {
    let (mut out, mut last, mut i) = (String::with_capacity(text.len()), 0, 0);
    while i < text.len() {
        let e = skip(text, i, class);
        if e == i {
            i += 1;
        } else if let Some((a, b, new)) = f(i, e) {
            out.push_str(&text[last..a]);
            out.push_str(&new);
            *n += 1;
            (last, i) = (b, b);
        } else {
            i = e;
        }
    }
    out + &text[last..]
}

/// Private key PEM blocks: every line of the body becomes the placeholder.
pub(super) fn pem(text: &str, n: &mut usize) -> String {
    let (mut out, mut rest) = (String::with_capacity(text.len()), text);
    while let Some(b) = rest.find("-----BEGIN ") {
        let h = rest[b + 11..].find("-----").map(|x| b + 16 + x);
        let Some(h) = h.filter(|&h| !rest[b..h].contains('\n')) else {
            out.push_str(&rest[..b + 11]);
            rest = &rest[b + 11..];
            continue;
        };
        let end = rest[h..].find("-----END ").map_or(rest.len(), |x| h + x);
        let (head, body) = (&rest[b..h], &rest[h..end]);
        out.push_str(&rest[..h]);
        if !head.contains("PRIVATE KEY") || body.split_whitespace().all(|w| w == PLACEHOLDER) {
            out.push_str(body);
        } else {
            *n += 1;
            for l in body.split_inclusive('\n') {
                let core = l.trim();
                out.push_str(&if core.is_empty() {
                    l.into()
                } else {
                    l.replacen(core, PLACEHOLDER, 1)
                });
            }
        }
        rest = &rest[end..];
    }
    out + rest
}

pub(super) fn urls(text: &str, n: &mut usize) -> String {
    let (mut out, mut i) = (String::with_capacity(text.len()), 0);
    while let Some(p) = text[i..].find("://") {
        let s = i + p + 3;
        let e = skip(text, s, |c| {
            !c.is_ascii_whitespace() && !b"\"'<>`".contains(&c)
        });
        out.push_str(&text[i..s]);
        out.push_str(&url(&text[s..e], n));
        i = e;
    }
    out + &text[i..]
}

/// One URL after its `://`: the password (secret query parameters are left to [`named`]) and
/// a webhook's path.
pub(super) fn url(u: &str, n: &mut usize) -> String {
    let mut u = u.to_string();
    let c = u
        .find(':')
        .filter(|&c| !u[..c].contains(['/', '?', '#', '@']));
    // The last `@`: unencoded `@` and `/` in passwords are common, `host:port/x@y` is not.
    if let Some((c, at)) = c.and_then(|c| Some((c, c + u[c..].rfind('@')?))) {
        let head = u[c + 1..at].split(['/', '?', '#']).next().unwrap_or("");
        let port = c > 0 && head.len() < at - c - 1 && head.parse::<u16>().is_ok();
        if !port && !harmless(&u[c + 1..at]) {
            u.replace_range(c + 1..at, PLACEHOLDER);
            *n += 1;
        }
    }
    if let Some(s) = HOOKS.iter().find_map(|h| u.find(h).map(|p| p + h.len())) {
        let e = u[s..].find(['?', '#']).map_or(u.len(), |x| s + x);
        if !harmless(&u[s..e]) {
            u.replace_range(s..e, PLACEHOLDER);
            *n += 1;
        }
    }
    u
}

/// For the name at `t[s..e]`: the value of `NAME=value`, `NAME: value`, `"name": "value"` or
/// `--name value` when the name is secret, or the credential after `Bearer`/`Basic`.
pub(super) fn named(t: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    let (b, name) = (t.as_bytes(), &t[s..e]);
    let end = |j: usize| {
        skip(t, j, |c| {
            !c.is_ascii_whitespace() && !b",;&)]}\"'<".contains(&c)
        })
    };
    let scheme = |w: &str| w.eq_ignore_ascii_case("bearer") || w.eq_ignore_ascii_case("basic");
    if scheme(name) {
        let vs = skip(t, e, blank);
        let w = &t[vs..end(vs)];
        let cred = vs > e
            && w.len() >= 8
            && w.bytes()
                .any(|c| c.is_ascii_digit() || b"+/=_.-".contains(&c));
        return (cred && !harmless(w)).then_some((vs, vs + w.len()));
    }
    if !is_secret(name.trim_start_matches('-')) {
        return None;
    }
    let quoted_key = s > 0 && b"\"'".contains(&b[s - 1]) && b.get(e) == Some(&b[s - 1]);
    let gap = skip(t, e + usize::from(quoted_key), blank);
    let (flag, vs) = match b.get(gap) {
        Some(b'=') => (false, gap + 1),
        Some(b':') if b.get(gap + 1).is_none_or(|c| b" \t\"'\r\n".contains(c)) => (false, gap + 1),
        _ if name.starts_with('-') && gap > e => (true, gap),
        _ => return None,
    };
    let vs = skip(t, vs, |c| blank(c) || (flag && b"\"',".contains(&c)));
    let (vs, mut ve) = match b.get(vs) {
        Some(b'-') if flag => return None,
        None | Some(b'{' | b'[' | b'|' | b'>' | b'&' | b'*') => return None,
        Some(b'"' | b'\'') => (
            vs + 1,
            close_quote(&t[vs..line_end(t, vs)]).map_or_else(|| line_end(t, vs), |x| vs + x - 1),
        ),
        _ => (vs, end(vs)),
    };
    if scheme(&t[vs..ve]) && skip(t, ve, blank) > ve {
        ve = end(skip(t, ve, blank));
    }
    (!harmless(&t[vs..ve])).then_some((vs, ve))
}

/// A word that is a token (well-known prefix, JWT, long high-entropy string) outside paths and
/// digests: its replacement.
pub(super) fn secret_word(w: &str, before: &[u8]) -> Option<String> {
    let bad = |x: &str| !is_digest(x, b"") && (known_token(x) || is_jwt(x) || token_shaped(x));
    if is_digest(w, before) {
        return None;
    } else if known_token(w) || is_jwt(w) {
        return Some(PLACEHOLDER.into());
    }
    let url = w.starts_with("//") && before.ends_with(b":");
    if !url && ["/", "./", "../", "~/"].iter().any(|p| w.starts_with(p)) {
        return None;
    } else if !w.contains('/') {
        return bad(w).then(|| PLACEHOLDER.into());
    }
    let has = |k: fn(&u8) -> bool| w.bytes().any(|c| k(&c));
    if token_shaped(w)
        && has(u8::is_ascii_uppercase)
        && has(u8::is_ascii_lowercase)
        && has(u8::is_ascii_digit)
    {
        return Some(PLACEHOLDER.into()); // base64 with slashes
    }
    let new = w
        .split('/')
        .map(|p| if bad(p) { PLACEHOLDER } else { p })
        .collect::<Vec<_>>()
        .join("/");
    (new != w).then_some(new)
}

pub(super) fn is_digest(w: &str, before: &[u8]) -> bool {
    let hex = |s: &[u8]| s.len() >= 32 && s.iter().all(u8::is_ascii_hexdigit);
    let (wb, bl) = (w.as_bytes(), before.len());
    DIGESTS.iter().map(|a| a.as_bytes()).any(|a| {
        let p = a.len();
        (hex(wb)
            && bl > p
            && before[bl - 1] == b':'
            && before[bl - 1 - p..bl - 1].eq_ignore_ascii_case(a))
            || (wb.len() > p + 1
                && wb[..p].eq_ignore_ascii_case(a)
                && b"-_".contains(&wb[p])
                && hex(&wb[p + 1..]))
    })
}

pub(super) fn known_token(w: &str) -> bool {
    TOKENS
        .split_whitespace()
        .filter_map(|p| w.strip_prefix(p))
        .any(|r| {
            r.len() >= 16
                && r.bytes()
                    .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        })
}

pub(super) fn is_jwt(w: &str) -> bool {
    w.starts_with("eyJ") && w.split('.').count() >= 3 && w.len() >= 30
}

/// At least 24 letters and digits, 16 of them in a row, and character classes changing as
/// often as in random strings (not as in words, versions or model names).
pub(super) fn token_shaped(w: &str) -> bool {
    let a: Vec<u8> = w.bytes().filter(u8::is_ascii_alphanumeric).collect();
    let n = a.len();
    let longest = w
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::len)
        .max()
        .unwrap_or(0);
    let class = |c: &u8| u8::from(c.is_ascii_lowercase()) + 2 * u8::from(c.is_ascii_digit());
    let count = |k| a.iter().filter(|c| class(c) == k).count();
    let flips = a
        .windows(2)
        .filter(|p| class(&p[0]) != class(&p[1]))
        .count();
    let (up, low, dig) = (count(0), count(1), count(2));
    n >= 24
        && longest >= 16
        && dig < n
        && if dig > 0 {
            flips * 4 >= n - 1
        } else {
            up * 4 >= n && low * 4 >= n && flips * 10 >= 3 * (n - 1)
        }
}
