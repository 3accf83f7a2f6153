//! The module graph of a crate, read from its sources, and the loops in it: shared by the
//! workspace's "no module imports one that imports it back" tests (this crate's
//! `tests/module_graph.rs` and the server's `tests/module_graph.rs`).
//!
//! Every `use` path and every `crate::` / `super::` / `self::` path in code (comments and
//! strings left out) names the deepest module of the crate it reaches. A file's
//! `#[cfg(test)] mod tests` counts as part of that file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub type Module = Vec<String>;

/// Every file module of the crate, by path from the root (`lib.rs` is the empty path).
fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<Module, String>) {
    for entry in std::fs::read_dir(dir).expect("the source folder reads") {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file names")
            .to_owned();
        if path.is_dir() {
            modules(&path, &[prefix, &[name]].concat(), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let module = if ["lib", "mod"].contains(&name.as_str()) {
                prefix.to_vec()
            } else {
                [prefix, &[name]].concat()
            };
            let text = std::fs::read_to_string(&path).expect("a source file reads");
            out.insert(module, text);
        }
    }
}

/// The code with comments, strings and character literals blanked out.
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let (mut out, mut i) = (String::with_capacity(src.len()), 0);
    let until = |from: usize, end: &str| {
        let end: Vec<char> = end.chars().collect();
        (from..c.len())
            .find(|&k| c[k..].starts_with(&end))
            .map_or(c.len(), |k| k + end.len())
    };
    while i < c.len() {
        let next = c.get(i + 1).copied();
        let skip_to = match (c[i], next) {
            ('/', Some('/')) => until(i, "\n"),
            ('/', Some('*')) => until(i + 2, "*/"),
            // A raw string `r#"…"#`, not a raw identifier `r#type`.
            ('r', Some('#' | '"'))
                if (i == 0 || !c[i - 1].is_alphanumeric())
                    && c[i + 1..].iter().find(|&&h| h != '#') == Some(&'"') =>
            {
                let hashes = c[i + 1..].iter().take_while(|&&h| h == '#').count();
                until(i + 2 + hashes, &format!("\"{}", "#".repeat(hashes)))
            }
            ('"', _) => {
                let mut k = i + 1;
                while k < c.len() && c[k] != '"' {
                    k += if c[k] == '\\' { 2 } else { 1 };
                }
                k + 1
            }
            ('\'', Some('\\')) => until(i + 3, "'"),
            ('\'', Some(_)) if c.get(i + 2) == Some(&'\'') => i + 3,
            (ch, _) => {
                out.push(ch);
                i += 1;
                continue;
            }
        };
        // A blank where something was skipped, so the words on either side stay apart.
        out.push(' ');
        i = skip_to;
    }
    out
}

/// `tree` without its renamings (`x as y` → `x`).
fn drop_aliases(tree: &str) -> String {
    let mut out = tree.to_owned();
    while let Some(at) = out.find(" as ") {
        let rest = out[at + 4..].trim_start();
        let alias = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let end = out.len() - rest.len() + alias;
        out.replace_range(at..end, "");
    }
    out
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = drop_aliases(tree)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let (prefix, inner) = (&tree[..open], &tree[open + 1..tree.len() - 1]);
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (k, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// Every path the code names: `use` trees, expanded, and inline `crate::` / `super::` / `self::`.
fn paths(code: &str) -> Vec<String> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    for (at, _) in code.match_indices("use ") {
        if code[..at].ends_with(is_word) {
            continue;
        }
        let end = code[at..].find(';').map_or(code.len(), |e| at + e);
        out.extend(expand(&code[at + 4..end]));
    }
    for root in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(root) {
            if code[..at].ends_with(is_word) || code[..at].ends_with("::") {
                continue;
            }
            let len = code[at..]
                .find(|c: char| !(is_word(c) || c == ':'))
                .unwrap_or(code.len() - at);
            out.push(code[at..at + len].to_owned());
        }
    }
    out
}

/// The module of the crate that `path`, written in module `here`, reaches.
fn resolve(path: &str, here: &[String], all: &BTreeMap<Module, String>) -> Option<Module> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Module = match segs.first()? {
        &"crate" => Vec::new(),
        &"super" | &"self" => here.to_vec(),
        child if all.contains_key(&[here, &[(*child).to_owned()]].concat()) => here.to_vec(),
        _ => return None,
    };
    let mut rest = &segs[usize::from(segs[0] == "crate")..];
    while let Some((&first, tail)) = rest.split_first() {
        match first {
            "super" => {
                base.pop();
            }
            "self" => {}
            _ => break,
        }
        rest = tail;
    }
    for seg in rest {
        let deeper = [&base[..], &[(*seg).to_owned()]].concat();
        if !all.contains_key(&deeper) {
            break;
        }
        base = deeper;
    }
    Some(base)
}

pub fn graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut all = BTreeMap::new();
    modules(src, &[], &mut all);
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, text) in &all {
        let code = code_only(text);
        // `super` inside the file's test module is the file's own module.
        let (main, tests) = code
            .find("#[cfg(test)]")
            .filter(|&at| code[at + 12..].trim_start().starts_with("mod tests"))
            .map_or((&code[..], ""), |at| code.split_at(at));
        let in_tests = [&module[..], &["tests".to_owned()]].concat();
        for (part, here) in [(main, module), (tests, &in_tests)] {
            for path in paths(part) {
                if let Some(to) = resolve(&path, here, &all)
                    && to != *module
                    && to != in_tests
                {
                    edges.entry(module.clone()).or_default().insert(to);
                }
            }
        }
    }
    edges
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "lib".to_owned()
    } else {
        m.join("::")
    }
}

/// Depth-first search; every edge back to a module on the current path closes a loop.
pub fn loops(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    fn visit(
        m: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        path: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
        found: &mut Vec<String>,
    ) {
        path.push(m.clone());
        for to in edges.get(m).into_iter().flatten() {
            if let Some(start) = path.iter().position(|p| p == to) {
                let names: Vec<String> = path[start..].iter().map(|p| name(p)).collect();
                found.push(format!("{} -> {}", names.join(" -> "), name(to)));
            } else if !done.contains(to) {
                visit(to, edges, path, done, found);
            }
        }
        path.pop();
        done.insert(m.clone());
    }
    let (mut done, mut found) = (BTreeSet::new(), Vec::new());
    for m in edges.keys() {
        if !done.contains(m) {
            visit(m, edges, &mut Vec::new(), &mut done, &mut found);
        }
    }
    found
}
