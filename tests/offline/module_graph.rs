//! The modules of `src/` import one another without cycles: reads every `use` path and every
//! `crate::`/`super::`/`self::` path in the code (tests and comments left out), resolves each to
//! the deepest module it names (a file: `engine::restore::driver`; an item of a `mod.rs` names
//! that module itself), and fails naming every cycle. A module that only declares its children
//! and names what they export is a facade its children must not import back: they import one
//! another directly. No tool beyond std: it runs in the suite in milliseconds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// `src/a/b.rs` → `[a, b]`; `src/a/mod.rs` → `[a]`; `src/lib.rs` → `[]`.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without comments and without `#[cfg(test)]` items (inline test modules
/// and test-only module declarations).
fn code_of(text: &str) -> (String, BTreeSet<String>) {
    let mut test_children = BTreeSet::new();
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t == "#[cfg(test)]" {
            let Some(next) = lines.next() else { break };
            let n = next.trim();
            let decl = n.strip_prefix("pub ").unwrap_or(n);
            if let Some(name) = decl.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
                test_children.insert(name.trim().to_string());
                continue;
            }
            // An inline test item: skip it to its closing brace.
            let mut depth = 0i32;
            let mut opened = false;
            for l in std::iter::once(next).chain(lines.by_ref()) {
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                opened |= l.contains('{');
                if opened && depth <= 0 {
                    break;
                }
            }
            continue;
        }
        let code = match line.find("//") {
            // "unix://..." in a string is not a comment; a `//` after an odd number of quotes
            // is inside one.
            Some(i) if line[..i].matches('"').count() % 2 == 0 => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    (out, test_children)
}

/// Every path a `use` tree names: `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (i, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&base, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&base, &inner[start..], out);
    } else {
        let path = tree.split(" as ").next().unwrap_or("").trim();
        if !path.is_empty() {
            out.push(join(prefix, path));
        }
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}::{b}"),
    }
}

/// Every path in `code`: the trees of `use` statements, and `crate::`/`super::`/`self::`
/// paths anywhere.
fn paths_in(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        let after = &rest[i + 4..];
        if before.is_none_or(|c| c.is_whitespace() || c == ';' || c == '{' || c == '}')
            && let Some(end) = after.find(';')
        {
            expand("", &after[..end].replace('\n', " "), &mut out);
        }
        rest = after;
    }
    // Every path in the code (`crate::a::b`, `super::x`, `child::f`): resolving keeps those
    // that name a module of this crate.
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(i) = code[from..].find("::").map(|i| i + from) {
        from = i + 2;
        let start = code[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |s| s + 1);
        if start == i || (start > 0 && bytes[start - 1] == b':') {
            continue; // not the start of a path
        }
        let end = code[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .map_or(code.len(), |e| i + e);
        // `use super::{a, b}`: a use tree, read whole above.
        if code[end..].starts_with('{') {
            continue;
        }
        out.push(code[start..end].trim_end_matches(':').to_string());
    }
    out
}

/// The deepest module of `modules` that `path`, written in module `from`, names.
fn resolve(modules: &BTreeSet<Module>, from: &Module, is_dir: bool, path: &str) -> Option<Module> {
    let mut segs = path.split("::").filter(|s| !s.is_empty());
    let first = segs.next()?;
    let mut cur: Module = match first {
        "crate" => Vec::new(),
        "self" => from.clone(),
        "super" => {
            // In `a/b.rs` and in `a/b/mod.rs` alike, `super` is `a`.
            let _ = is_dir;
            from[..from.len().saturating_sub(1)].to_vec()
        }
        child => {
            let mut m = from.clone();
            m.push(child.to_string());
            if !modules.contains(&m) {
                return None; // another crate (std, serde, ...)
            }
            m
        }
    };
    for s in segs {
        if s == "super" {
            cur.pop();
            continue;
        }
        let mut next = cur.clone();
        next.push(s.to_string());
        if modules.contains(&next) {
            cur = next;
        } else {
            break;
        }
    }
    Some(cur)
}

/// Tarjan's strongly connected components of more than one module.
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct T<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        on: BTreeSet<Module>,
        next: usize,
        out: Vec<Vec<Module>>,
    }
    fn visit(t: &mut T, v: &Module) {
        t.index.insert(v.clone(), t.next);
        t.low.insert(v.clone(), t.next);
        t.next += 1;
        t.stack.push(v.clone());
        t.on.insert(v.clone());
        for w in t.edges.get(v).cloned().unwrap_or_default() {
            if !t.index.contains_key(&w) {
                visit(t, &w);
                let l = t.low[&w].min(t.low[v]);
                t.low.insert(v.clone(), l);
            } else if t.on.contains(&w) {
                let l = t.index[&w].min(t.low[v]);
                t.low.insert(v.clone(), l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(&w);
                let done = &w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// The import graph of `src`: every module and the modules it imports.
fn graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.retain(|f| f.file_name().is_some_and(|n| n != "main.rs"));
    let texts: Vec<(PathBuf, Module, String, BTreeSet<String>)> = files
        .iter()
        .map(|f| {
            let (code, tests) = code_of(&std::fs::read_to_string(f).unwrap());
            (f.clone(), module_of(src, f), code, tests)
        })
        .collect();
    // Test-only modules (and everything under them) are not part of the graph.
    let mut test_only: Vec<Module> = Vec::new();
    for (_, m, _, tests) in &texts {
        for t in tests {
            let mut c = m.clone();
            c.push(t.clone());
            test_only.push(c);
        }
    }
    let live = |m: &Module| !test_only.iter().any(|t| m.starts_with(t));
    let modules: BTreeSet<Module> = texts.iter().map(|t| t.1.clone()).filter(live).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (file, m, code, _) in texts.iter().filter(|t| live(&t.1)) {
        let is_dir = file
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "lib.rs");
        let e = edges.entry(m.clone()).or_default();
        for p in paths_in(code) {
            if let Some(to) = resolve(&modules, m, is_dir, &p)
                && &to != m
                && live(&to)
            {
                e.insert(to);
            }
        }
    }
    edges
}

#[test]
fn the_modules_of_src_import_one_another_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = graph(&src);
    assert!(
        edges.len() > 50,
        "the graph holds only {} modules: is src/ read?",
        edges.len()
    );
    let found = cycles(&edges);
    let report: Vec<String> = found
        .iter()
        .map(|c| {
            let names: Vec<String> = c.iter().map(name).collect();
            let inside: Vec<String> = c
                .iter()
                .flat_map(|a| {
                    edges[a]
                        .iter()
                        .filter(|b| c.contains(b))
                        .map(move |b| format!("{} -> {}", name(a), name(b)))
                })
                .collect();
            format!("{}\n    {}", names.join(", "), inside.join("\n    "))
        })
        .collect();
    assert!(found.is_empty(), "import cycles:\n{}", report.join("\n"));
}

/// The checker itself finds a cycle through a facade and ignores other crates and comments.
#[test]
fn the_checker_sees_a_cycle_through_a_facade() {
    let dir = std::env::temp_dir().join(format!("lifeboat-graph-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::write(
        dir.join("lib.rs"),
        "pub mod a;\npub mod c;\n// use crate::a::b;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a/mod.rs"),
        "pub mod b;\npub use b::{Thing, other::{X, Y}};\nuse std::path::Path;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a/b.rs"),
        "use super::Shared;\npub struct Thing;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("c.rs"),
        "fn f() { let _ = crate::a::b::Thing; }\n#[cfg(test)]\nmod tests {\n use crate::c;\n}\n",
    )
    .unwrap();
    let edges = graph(&dir);
    let a = vec!["a".to_string()];
    let b = vec!["a".to_string(), "b".to_string()];
    assert!(edges[&a].contains(&b), "{edges:?}");
    assert!(edges[&b].contains(&a), "{edges:?}");
    assert_eq!(cycles(&edges), vec![vec![a.clone(), b.clone()]]);
    assert!(
        !edges[&vec![]].contains(&b),
        "comments are not code: {edges:?}"
    );
    std::fs::write(dir.join("a/b.rs"), "pub struct Thing;\n").unwrap();
    assert!(cycles(&graph(&dir)).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
