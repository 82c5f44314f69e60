//! The line-based formats walked line by line: env, YAML (indentation levels, block scalars,
//! secret flags in lists) and TOML tables.

use super::lines::*;
use super::scan::*;
use super::scrub::*;
use super::words::*;

// --- line-based formats ---------------------------------------------------------------------

#[derive(Default)]
pub(super) struct State {
    pub(super) stack: Vec<Node>,
    /// A block scalar or multi-line plain scalar: lines indented deeper belong to it (and
    /// whether it has been counted).
    pub(super) block: Option<(Node, bool)>,
    /// The indentation of a list item that was a secret flag: the next item is its value.
    pub(super) flag: Option<usize>,
    pub(super) table: Node,
}

/// Env, YAML, TOML and generic files, line by line; a value may take several lines.
pub(super) fn lines(t: &str, kind: Kind, r: &mut Run) {
    let (mut st, mut pos) = (State::default(), 0);
    while pos < t.len() {
        let le = line_end(t, pos);
        let line = &t[pos..le];
        let end = match (kind, env_assign(line, true)) {
            (Kind::Yaml, _) => yaml_line(t, pos, le, &mut st, r),
            (Kind::Toml, _) if line.trim_start().starts_with('[') => {
                let name = line
                    .trim_start()
                    .trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or("");
                let path = name.replace(['"', '\'', ' '], "");
                st.table = Node {
                    secret: is_secret(&path),
                    path,
                    ..Node::default()
                };
                r.out.push_str(line);
                le
            }
            (Kind::Env | Kind::Toml, Some((ks, ke, vs))) => {
                let key = &line[ks..ke];
                let (path, secret) = (join(&st.table.path, key), st.table.secret || is_secret(key));
                assign(t, pos, pos + vs, &path, secret || !is_allowed(key), kind, r).0
            }
            _ => {
                generic_line(line, r);
                le
            }
        };
        let next = t[end..].find('\n').map_or(t.len(), |x| end + x + 1);
        r.out.push_str(&t[end..next]);
        pos = next;
    }
}

/// `key:` (plain or quoted) at the start of `s`: the key and the index after the colon.
pub(super) fn yaml_key(s: &str) -> Option<(&str, usize)> {
    let (key, i) = if s.starts_with(['"', '\'']) {
        let q = close_quote(s)?;
        (&s[1..q - 1], q)
    } else if s.starts_with(['[', '{', '|', '>', '*', '&', '!', '%', '@', '`', '#', '?']) {
        return None;
    } else {
        let b = s.as_bytes();
        let colon = |i: usize| b[i] == b':' && b.get(i + 1).is_none_or(|&c| blank(c));
        let i = (0..b.len()).find(|&i| colon(i) || b[i] == b'#' && i > 0 && b[i - 1] == b' ')?;
        (s[..i].trim_end(), i)
    };
    let rest = s[i..].trim_start().strip_prefix(':')?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some((key, s.len() - rest.len()))
}

pub(super) fn yaml_line(t: &str, pos: usize, le: usize, st: &mut State, r: &mut Run) -> usize {
    let line = &t[pos..le];
    let ind = skip(line, 0, |c| c == b' ');
    let content = line[ind..].trim_end();
    if let Some((b, hit)) = st
        .block
        .as_mut()
        .filter(|(b, _)| content.is_empty() || ind > b.indent)
    {
        let redact = b.redact && !content.is_empty();
        let new = if redact {
            format!("{}{PLACEHOLDER}", &line[..ind])
        } else {
            scrub(line, &mut r.count)
        };
        if new != line {
            r.count += usize::from(redact && !std::mem::replace(hit, true));
            r.key(&b.path);
        }
        r.out.push_str(&new);
        return le;
    }
    st.block = None;
    if content.is_empty() || content.starts_with('#') {
        comment(line, r);
        return le;
    } else if ["---", "...", "%"].iter().any(|p| content.starts_with(p)) {
        st.stack.clear();
        r.out.push_str(line);
        return le;
    }
    // List dashes: `item` has the columns of the first and the last (`- - x`).
    let (mut col, mut item) = (ind, None);
    while line[col..].starts_with('-') && line.as_bytes().get(col + 1).is_none_or(|&c| blank(c)) {
        item = Some((item.map_or(col, |(first, _)| first), col));
        col = skip(line, col + 1, blank);
    }
    let last = item.map(|(_, last)| last);
    let pending = st.flag.take().is_some_and(|f| Some(f) == last);
    let rest = &line[col..];
    if rest.is_empty() {
        r.out.push_str(line);
        return le;
    }
    let floor = item.map_or(col, |(first, _)| first + 1);
    while st.stack.last().is_some_and(|n| n.indent >= floor) {
        st.stack.pop();
    }
    let parent = st.stack.last().cloned().unwrap_or_default();
    if let Some((k, after)) = yaml_key(rest) {
        return yaml_value(t, pos, pos + col + after, parent.child(k, col), st, r);
    }
    if item.is_some() {
        // A `KEY=VALUE` item, maybe quoted: a compose `environment:` list.
        let q = usize::from(rest.starts_with(['"', '\'']));
        let ie = match q {
            1 => close_quote(rest).map_or(rest.len(), |x| x - 1),
            _ => comment_at(rest).unwrap_or(rest.len()),
        };
        let inner = rest[q..ie].trim_end();
        if let Some((ks, ke, vs)) = env_assign(inner, false) {
            let (k, v) = (&inner[ks..ke], &inner[vs..]);
            let redact = parent.secret || !is_allowed(k);
            let new = value(v, Shape::Plain, redact, Kind::Generic, &mut r.count);
            if new != v {
                r.key(&join(&parent.path, k));
            }
            let tail = scrub(&rest[q + inner.len()..], &mut r.count);
            r.out
                .push_str(&format!("{}{new}{tail}", &line[..col + q + vs]));
            return le;
        }
    }
    let node = Node {
        indent: last.unwrap_or(parent.indent),
        redact: parent.redact || pending,
        ..parent
    };
    if item.is_some() && !node.redact && is_flag(rest) {
        st.flag = last;
    }
    yaml_value(t, pos, pos + col, node, st, r)
}

/// The value of a YAML key or item at `at`. Anchors stay; tags stay before a block or a flow
/// collection, and go with a redacted scalar (`!!int <REDACTED>` would not parse).
pub(super) fn yaml_value(
    t: &str,
    pos: usize,
    at: usize,
    node: Node,
    st: &mut State,
    r: &mut Run,
) -> usize {
    let le = line_end(t, at);
    let mut at = skip(t, at, blank);
    while t[at..le].starts_with('&') {
        at = skip(t, skip(t, at, |c| !c.is_ascii_whitespace()), blank);
    }
    let mut v = at;
    while t[v..le].starts_with('!') {
        v = skip(t, skip(t, v, |c| !c.is_ascii_whitespace()), blank);
    }
    let s = &t[v..le];
    if s.starts_with(['[', '{'])
        && let Some(e) = close_flow(window(t, v))
    {
        let (new, end) = (yaml_flow(&t[v..v + e], &node, r), line_end(t, v + e));
        let tail = scrub(&t[v + e..end], &mut r.count);
        r.out.push_str(&format!("{}{new}{tail}", &t[pos..v]));
        return end;
    } else if !(s.is_empty() || s.starts_with(['#', '*', '|', '>'])) {
        let (end, shape) = assign(t, pos, at, &node.path, node.redact, Kind::Yaml, r);
        if shape == Shape::Plain {
            st.block = Some((node, true));
        }
        return end;
    }
    r.out.push_str(&t[pos..v]);
    let c = scrub(s, &mut r.count);
    r.out.push_str(&c);
    if s.starts_with(['|', '>']) {
        st.block = Some((node, false));
    } else if !s.starts_with('*') {
        st.stack.push(node);
    }
    le
}
