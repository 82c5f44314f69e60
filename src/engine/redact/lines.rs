//! Values inside lines: where a value starts and ends (plain, quoted, triple-quoted, flow), how
//! it is replaced, and the assignment forms of env, YAML, TOML and generic files.

use super::scan::*;
use super::scrub::*;
use super::words::*;

// --- values in lines ------------------------------------------------------------------------

/// A YAML mapping or sequence level: its indentation, dotted path, whether a key on the way is
/// secret, and whether scalars right under it are redacted. A TOML table too.
#[derive(Clone, Default)]
pub(super) struct Node {
    pub(super) indent: usize,
    pub(super) path: String,
    pub(super) secret: bool,
    pub(super) redact: bool,
}

impl Node {
    /// The level of key `k` under this one, at column `indent`.
    pub(super) fn child(&self, k: &str, indent: usize) -> Node {
        let secret = self.secret || is_secret(k);
        let redact = secret || !is_allowed(k);
        Node {
            indent,
            path: join(&self.path, k),
            secret,
            redact,
        }
    }
}

/// The index just after the bracket closing the `[` or `{` that `s` starts with.
pub(super) fn close_flow(s: &str) -> Option<usize> {
    let (b, mut depth, mut i) = (s.as_bytes(), 0, 0);
    while i < b.len() {
        match b[i] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' if depth == 1 => return Some(i + 1),
            b']' | b'}' => depth -= 1,
            b'"' | b'\'' if !b[i - 1].is_ascii_alphanumeric() => i += close_quote(&s[i..])? - 1,
            b'#' if b[i - 1].is_ascii_whitespace() => i = skip(s, i, |c| c != b'\n') - 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// `t[at..]`, cut to 64 KiB: where a value running over several lines must close (an unclosed
/// quote is then a one-line value, and a 16 MiB file cannot take quadratic time).
pub(super) fn window(t: &str, at: usize) -> &str {
    let mut end = (at + (1 << 16)).min(t.len());
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    &t[at..end]
}

/// Where a ` #` comment starts in a line.
pub(super) fn comment_at(s: &str) -> Option<usize> {
    s.as_bytes()
        .windows(2)
        .position(|w| w[1] == b'#' && blank(w[0]))
        .map(|x| x + 1)
}

/// The value starting at `t[at..]`: its shape, its end, and the end of the line it ends on.
/// Quoted values (and bracketed ones outside env files) may run over several lines.
pub(super) fn extent(t: &str, at: usize, kind: Kind) -> (Shape, usize, usize) {
    let rest = window(t, at);
    let closed = if kind == Kind::Toml && (rest.starts_with("\"\"\"") || rest.starts_with("'''")) {
        rest[3..]
            .find(&rest[..3])
            .map(|x| (Shape::Triple, at + 6 + x))
    } else if rest.starts_with(['"', '\'']) {
        close_quote(rest).map(|x| (Shape::Quoted, at + x))
    } else if kind != Kind::Env && rest.starts_with(['[', '{']) {
        close_flow(rest).map(|x| (Shape::Flow, at + x))
    } else {
        None
    };
    if let Some((shape, end)) = closed {
        return (shape, end, line_end(t, end));
    }
    let le = line_end(t, at);
    let cut = if kind == Kind::Toml {
        t[at..le].find('#')
    } else {
        comment_at(&t[at..le])
    };
    let ve = at + t[at..cut.map_or(le, |x| at + x)].trim_end().len();
    (Shape::Plain, ve, le)
}

/// A value as written: replaced whole (keeping its quotes) when `redact`, else scrubbed.
pub(super) fn value(v: &str, shape: Shape, redact: bool, kind: Kind, n: &mut usize) -> String {
    let q = [0, 1, 3, 0][shape as usize]; // quote length
    if !redact {
        return scrub(v, n);
    } else if shape != Shape::Flow && harmless(&v[q..v.len() - q]) {
        return v.to_string();
    }
    *n += 1;
    match (q, kind) {
        (0, Kind::Toml) => format!("\"{PLACEHOLDER}\""),
        _ => format!("{}{PLACEHOLDER}{}", &v[..q], &v[v.len() - q..]),
    }
}

/// A YAML flow collection (`[a, b]`, `{k: v}`, maybe over several lines) that is the value of
/// `node`: each scalar is kept or redacted by its own key, as in block style.
pub(super) fn yaml_flow(s: &str, node: &Node, r: &mut Run) -> String {
    let (b, mut out, mut i) = (s.as_bytes(), String::with_capacity(s.len()), 0);
    let (mut levels, mut key): (Vec<Node>, Option<Node>) = (Vec::new(), None);
    let mut flag = false; // the last item was a secret flag
    let stop = |j: usize| {
        b",[]{}".contains(&b[j])
            || b[j] == b'#' && b[j - 1].is_ascii_whitespace()
            || b[j] == b':' && b.get(j + 1).is_none_or(|c| b" \t,]}".contains(c))
    };
    while i < b.len() {
        let mut e = i + 1;
        match b[i] {
            b'[' | b'{' => {
                let level = key
                    .take()
                    .unwrap_or_else(|| levels.last().unwrap_or(node).clone());
                levels.push(level);
            }
            b']' | b'}' | b',' => {
                key = None;
                levels.truncate(levels.len() - usize::from(b[i] != b','));
            }
            b'#' if b[i - 1].is_ascii_whitespace() => e = skip(s, i, |c| c != b'\n'),
            b':' | b' ' | b'\t' | b'\r' | b'\n' => {}
            c => {
                let end = match c {
                    b'"' | b'\'' => i + close_quote(&s[i..]).unwrap_or(s.len() - i),
                    _ => (i..b.len()).find(|&j| stop(j)).unwrap_or(b.len()),
                };
                let tok = s[i..end].trim_end();
                let q = usize::from(tok.len() >= 2 && tok.starts_with(['"', '\'']));
                let top = levels.last().unwrap_or(node);
                let new = if s[i + tok.len()..]
                    .trim_start_matches([' ', '\t'])
                    .starts_with(':')
                {
                    key = Some(top.child(&tok[q..tok.len() - q], 0));
                    tok.to_string()
                } else {
                    let level = key.take().unwrap_or_else(|| top.clone());
                    let shape = if q == 1 { Shape::Quoted } else { Shape::Plain };
                    let redact = level.redact || std::mem::take(&mut flag);
                    flag = !redact && is_flag(tok);
                    let new = value(tok, shape, redact, Kind::Yaml, &mut r.count);
                    if new != tok {
                        r.key(&level.path);
                    }
                    new
                };
                out.push_str(&new);
                i += tok.len();
                continue;
            }
        }
        let part = &s[i..e];
        out.push_str(&if b[i] == b'#' {
            scrub(part, &mut r.count)
        } else {
            part.to_string()
        });
        i = e;
    }
    out
}

/// Writes `t[start..at]`, the value at `at` assigned to `path` (none for "") and the rest of
/// the line it ends on. Returns that line's end and the value's shape.
pub(super) fn assign(
    t: &str,
    start: usize,
    at: usize,
    path: &str,
    redact: bool,
    kind: Kind,
    r: &mut Run,
) -> (usize, Shape) {
    let (shape, ve, le) = extent(t, at, kind);
    let new = value(&t[at..ve], shape, redact, kind, &mut r.count);
    if new != t[at..ve] {
        r.key(path);
    }
    r.out.push_str(&t[start..at]);
    r.out.push_str(&new);
    // A tail glued to a redacted value (the shell's `"a"b`) is part of it.
    if !redact
        || t[ve..le]
            .bytes()
            .next()
            .is_none_or(|c| c.is_ascii_whitespace() || b",;#]}".contains(&c))
    {
        let tail = scrub(&t[ve..le], &mut r.count);
        r.out.push_str(&tail);
    }
    (le, shape)
}

/// `[export ]KEY=` at the start of `s`: the key's range and where the value starts.
pub(super) fn env_assign(s: &str, spaced: bool) -> Option<(usize, usize, usize)> {
    let mut ks = s.len() - s.trim_start().len();
    if let Some(r) = s[ks..]
        .strip_prefix("export")
        .filter(|r| r.starts_with([' ', '\t']))
    {
        ks = s.len() - r.trim_start().len();
    }
    let ke = skip(s, ks, name_byte);
    let eq = skip(s, ke, |c| spaced && blank(c));
    let ok = s
        .as_bytes()
        .get(ks)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
    (ok && s[eq..].starts_with('=')).then(|| (ks, ke, skip(s, eq + 1, |c| spaced && blank(c))))
}

/// `key: value`, `key = value` or `"key": value`, with an identifier key, at the start of `s`.
pub(super) fn colon_assign(s: &str) -> Option<(&str, usize)> {
    let q = usize::from(s.starts_with(['"', '\'']));
    let ke = skip(s, q, name_byte);
    let (key, rest) = (&s[q..ke], &s[ke..]);
    let rest = if q == 1 {
        rest.strip_prefix(&s[..1])?
    } else {
        rest
    };
    let op = rest.trim_start_matches([' ', '\t']);
    let ok = op.starts_with('=') || op.starts_with(':') && op[1..].bytes().next().is_none_or(blank);
    let first = key
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
    (ok && first).then(|| (key, s.len() - op[1..].trim_start().len()))
}

/// A comment line: a commented-out `KEY=VALUE` is an assignment like any other; `key: value`
/// is redacted when the key is secret, or not allowed and the value one word or quoted.
pub(super) fn comment(line: &str, r: &mut Run) {
    let m = skip(line, 0, |c| {
        c.is_ascii_whitespace() || c == b'#' || c == b';'
    });
    let s = &line[m..];
    r.out.push_str(&line[..m]);
    let found = env_assign(s, false).map(|(ks, ke, vs)| (&s[ks..ke], vs, false));
    if let Some((k, vs, loose)) = found.or_else(|| colon_assign(s).map(|(k, vs)| (k, vs, true))) {
        let word = s[vs..].starts_with(['"', '\'']) || !s[vs..].trim().contains([' ', '\t']);
        let redact = !is_allowed(k) && (!loose || word || is_secret(k));
        if redact || !loose {
            assign(s, 0, vs, "", redact, Kind::Generic, r);
            return;
        }
    }
    let s = scrub(s, &mut r.count);
    r.out.push_str(&s);
}

/// A line of no known format: secret-named assignments and directives (redis.conf's
/// `requirepass hunter2`) are redacted, everything scrubbed.
pub(super) fn generic_line(line: &str, r: &mut Run) {
    let s = line.trim_start();
    if s.starts_with(['#', ';']) {
        return comment(line, r);
    }
    let lead = line.len() - s.len();
    let found = env_assign(line, true).map(|(ks, ke, vs)| (&line[ks..ke], vs));
    let found = found.or_else(|| colon_assign(s).map(|(k, vs)| (k, lead + vs)));
    if let Some((key, vs)) = found.filter(|(k, _)| is_secret(k)) {
        assign(line, 0, vs, key, true, Kind::Generic, r);
        return;
    }
    let (w, v) = s.split_at(skip(s, 0, name_byte));
    if v.starts_with([' ', '\t'])
        && is_secret(w)
        && !harmless(v)
        && !v.trim_start().starts_with(['=', ':'])
    {
        r.count += 1;
        r.out
            .push_str(&format!("{}{w} {PLACEHOLDER}", &line[..lead]));
        return;
    }
    let s = scrub(line, &mut r.count);
    r.out.push_str(&s);
}
