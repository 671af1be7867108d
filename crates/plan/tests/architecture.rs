//! The shape of the code, held by tests rather than by habit:
//!
//! - no production function over 100 lines, no production file over 800
//!   (string literals, raw strings and comments read as Rust reads them;
//!   test modules and `tests.rs` files left out), with no allow list;
//! - no import cycle of more than two files inside `crates/plan/src`
//!   (`lib.rs`, the crate's index, is left out; what it re-exports counts
//!   as its module's);
//! - every component of `awsdeploy_plan::COMPONENTS` has its docs page,
//!   its row in the README's and the architecture page's tables, and an e2e
//!   module in `tests/e2e/main.rs`'s list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FUNCTION_LINES: usize = 100;
const MAX_FILE_LINES: usize = 800;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The production sources: every crate's `src` and the binary's.
fn production_files() -> Vec<PathBuf> {
    let root = repo();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    files.retain(|f| f.file_name().is_some_and(|n| n != "tests.rs"));
    files.sort();
    files
}

/// `source` with every comment, string and character literal's contents
/// made spaces (newlines kept), so that what is left is code.
fn code_of(source: &str) -> Vec<char> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = chars.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in out.iter_mut().take(to).skip(from) {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            let end = chars[i..]
                .iter()
                .position(|c| *c == '\n')
                .map_or(chars.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if c == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < chars.len() && depth > 0 {
                if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if (c == 'r' || (c == 'b' && next == Some('r')))
            && !is_ident(chars.get(i.wrapping_sub(1)).copied())
            && raw_string_start(&chars, i + usize::from(c == 'b') + 1).is_some()
        {
            let start = i + usize::from(c == 'b') + 1;
            let hashes = raw_string_start(&chars, start).unwrap_or(0);
            let mut j = start + hashes + 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            blank(&mut out, start + hashes + 1, j - 1 - hashes);
            i = j;
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i + 1, j);
            i = j + 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), not a lifetime ('a).
            let end = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|c| *c == '\'')
                    .map(|p| i + 2 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    blank(&mut out, i + 1, end);
                    i = end + 1;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    out
}

fn is_ident(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// At `at`: `#*"` opening a raw string; the number of `#`.
fn raw_string_start(chars: &[char], at: usize) -> Option<usize> {
    let hashes = chars[at.min(chars.len())..]
        .iter()
        .take_while(|c| **c == '#')
        .count();
    (chars.get(at + hashes) == Some(&'"')).then_some(hashes)
}

/// The index of the `}` matching the `{` at `open`.
fn matching_brace(code: &[char], open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in code.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    code.len()
}

fn line_of(code: &[char], at: usize) -> usize {
    code[..at.min(code.len())]
        .iter()
        .filter(|c| **c == '\n')
        .count()
        + 1
}

fn word_at(code: &[char], at: usize, word: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    code.get(at..at + w.len()) == Some(&w[..])
        && !is_ident(at.checked_sub(1).and_then(|p| code.get(p).copied()))
        && !is_ident(code.get(at + w.len()).copied())
}

/// Where each `#[cfg(test)]` item is: its first and last characters.
fn test_spans(code: &[char]) -> Vec<(usize, usize)> {
    let marker: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut spans = Vec::new();
    let mut i = 0;
    while i + marker.len() <= code.len() {
        if code[i..i + marker.len()] == marker[..] {
            let rest = i + marker.len();
            if let Some(p) = code[rest..]
                .iter()
                .position(|c| *c == '{' || *c == ';')
                .map(|p| rest + p)
            {
                let end = if code[p] == '{' {
                    matching_brace(code, p)
                } else {
                    p
                };
                spans.push((i, end));
                i = end;
            }
        }
        i += 1;
    }
    spans
}

/// The code with every `#[cfg(test)]` item made blank.
fn without_tests(mut code: Vec<char>) -> Vec<char> {
    for (start, end) in test_spans(&code) {
        for c in code.iter_mut().take(end + 1).skip(start) {
            if *c != '\n' {
                *c = ' ';
            }
        }
    }
    code
}

/// A file's lines, but for those of its `#[cfg(test)]` items.
fn production_lines(source: &str, code: &[char]) -> usize {
    let tests: usize = test_spans(code)
        .iter()
        .map(|(start, end)| line_of(code, *end) - line_of(code, *start) + 1)
        .sum();
    source.lines().count() - tests
}

/// Each function with a body: its name, first line and length in lines.
fn functions(code: &[char]) -> Vec<(String, usize, usize)> {
    let mut found = Vec::new();
    for i in 0..code.len() {
        if !word_at(code, i, "fn") {
            continue;
        }
        let name: String = code[i + 2..]
            .iter()
            .skip_while(|c| c.is_whitespace())
            .take_while(|c| is_ident(Some(**c)))
            .collect();
        if name.is_empty() {
            continue; // `fn(` types
        }
        let Some(p) = code[i..].iter().position(|c| *c == '{' || *c == ';') else {
            continue;
        };
        if code[i + p] == ';' {
            continue; // a trait's declaration
        }
        let end = matching_brace(code, i + p);
        let (first, last) = (line_of(code, i), line_of(code, end));
        found.push((name, first, last - first + 1));
    }
    found
}

#[test]
fn no_function_over_100_lines_and_no_file_over_800() {
    let mut problems = Vec::new();
    for file in production_files() {
        let source = std::fs::read_to_string(&file).unwrap();
        let code = code_of(&source);
        let lines = production_lines(&source, &code);
        let code = without_tests(code);
        let shown = file.strip_prefix(repo()).unwrap_or(&file).display();
        if lines > MAX_FILE_LINES {
            problems.push(format!("{shown}: {lines} lines (at most {MAX_FILE_LINES})"));
        }
        for (name, line, length) in functions(&code) {
            if length > MAX_FUNCTION_LINES {
                problems.push(format!(
                    "{shown}:{line}: fn {name} is {length} lines (at most {MAX_FUNCTION_LINES})"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "split these:\n{}", problems.join("\n"));
}

#[test]
fn the_scanner_reads_strings_and_comments_as_rust_does() {
    let source = "fn a() {\n    let s = \"}\\\"/*\";\n    let r = r#\"}\"#;\n    let c = '}';\n    // }\n    /* } /* } */ */\n}\nfn b<'a>(x: &'a str) {}\n";
    let code = code_of(source);
    assert_eq!(
        functions(&code),
        vec![("a".to_owned(), 1, 7), ("b".to_owned(), 8, 1)]
    );
    let clippy_trap = "fn c() {\n    let arn = \"arn:aws:s3:::bucket/*\";\n}\nfn d() {}\n";
    assert_eq!(functions(&code_of(clippy_trap))[0].2, 3);
}

/// `crates/plan/src`'s modules (`a::b`) and the modules each names in its
/// `use crate::…` lines and `crate::…::` paths, outside its tests. An item
/// a module re-exports (`pub use steps::Item`) counts as the module that
/// defines it.
fn plan_imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo().join("crates/plan/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let module = |path: &Path| -> String {
        let rel = path.strip_prefix(&src).unwrap().with_extension("");
        let name = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("::");
        if name == "lib" { String::new() } else { name }
    };
    let modules: BTreeSet<String> = files.iter().map(|f| module(f)).collect();
    let sources: BTreeMap<String, String> = files
        .iter()
        .map(|f| {
            let code = without_tests(code_of(&std::fs::read_to_string(f).unwrap()));
            (module(f), code.into_iter().collect())
        })
        .collect();
    let reexports = reexports(&sources, &modules);
    let mut graph = BTreeMap::new();
    for (name, code) in &sources {
        if name.is_empty() || name.ends_with("tests") {
            continue;
        }
        let mut deps = BTreeSet::new();
        for path in crate_paths(code) {
            let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
            let target = resolve(&parts, &modules, &reexports);
            if target != *name && !target.is_empty() {
                deps.insert(target);
            }
        }
        graph.insert(name.clone(), deps);
    }
    graph
}

/// Every `crate::…` path in `code` (each item of a `use crate::{…}`).
fn crate_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        // A macro's `$crate::` is the crate where it expands, not here.
        if code[..at].ends_with('$') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        let path: String = rest
            .chars()
            .take_while(|c| is_ident(Some(*c)) || *c == ':')
            .collect();
        if rest[path.len()..].starts_with('{') {
            let end = rest.find(';').unwrap_or(rest.len());
            paths.extend(use_items(&rest[..end]).into_iter().map(|(p, _)| p));
        } else {
            paths.push(
                rest.chars()
                    .take_while(|c| is_ident(Some(*c)) || *c == ':')
                    .collect(),
            );
        }
    }
    paths
}

/// The paths of a `{a, b::{c, d}, e as f}` list, flattened, each with the
/// name it is used by.
fn use_items(list: &str) -> Vec<(String, String)> {
    let list = list.trim();
    if !list.starts_with('{') && list.contains("::{") {
        return use_items(&format!("{{{list}}}"));
    }
    let Some(inner) = list.strip_prefix('{').and_then(|l| l.strip_suffix('}')) else {
        let path = list.split(" as ").next().unwrap_or(list).trim().to_owned();
        let name = list
            .rsplit([':', ' '])
            .next()
            .unwrap_or(list)
            .trim()
            .to_owned();
        return vec![(path, name)];
    };
    let (mut items, mut depth, mut current) = (Vec::new(), 0, String::new());
    for ch in inner.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if ch == ',' && depth == 0 {
            items.push(std::mem::take(&mut current));
        } else {
            current.push(ch);
        }
    }
    items.push(current);
    let mut out = Vec::new();
    for item in items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        match item.find("::{") {
            Some(at) => {
                let prefix = &item[..at];
                for (path, name) in use_items(&item[at + 2..]) {
                    out.push((format!("{prefix}::{path}"), name));
                }
            }
            None => out.extend(use_items(item)),
        }
    }
    out
}

/// (module, item) → the module an item it re-exports comes from: every
/// `pub use` / `pub(crate) use` of a child module's item.
fn reexports(
    sources: &BTreeMap<String, String>,
    modules: &BTreeSet<String>,
) -> BTreeMap<(String, String), String> {
    let mut map = BTreeMap::new();
    for (module, code) in sources {
        for statement in code.split(';') {
            let statement = statement.trim();
            let Some(rest) = statement
                .strip_prefix("pub use ")
                .or_else(|| statement.strip_prefix("pub(crate) use "))
            else {
                continue;
            };
            for (path, name) in use_items(rest) {
                let parts: Vec<&str> = path.split("::").collect();
                let Some((_, within)) = parts.split_last() else {
                    continue;
                };
                let child = within
                    .iter()
                    .filter(|p| **p != "self")
                    .copied()
                    .collect::<Vec<_>>()
                    .join("::");
                let target = if module.is_empty() {
                    child
                } else {
                    format!("{module}::{child}")
                };
                if modules.contains(&target) {
                    map.insert((module.clone(), name), target);
                }
            }
        }
    }
    map
}

/// The module `crate::{parts}` names, through the re-exports.
fn resolve(
    parts: &[&str],
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<(String, String), String>,
) -> String {
    let mut module = String::new();
    for part in parts {
        let child = if module.is_empty() {
            (*part).to_owned()
        } else {
            format!("{module}::{part}")
        };
        if modules.contains(&child) {
            module = child;
            continue;
        }
        let mut item_module = module.clone();
        while let Some(next) = reexports.get(&(item_module.clone(), (*part).to_owned())) {
            item_module.clone_from(next);
        }
        return item_module;
    }
    module
}

/// Import cycles of three files or more: for each import `a → b`, a way
/// back from `b` to `a` through some other file `c`, avoiding `b` (a
/// module and its helper importing each other is allowed).
fn long_cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for (a, imports) in graph {
        for b in imports.iter().filter(|b| *b != a) {
            for c in graph.get(b).into_iter().flatten() {
                if c == a || c == b {
                    continue;
                }
                if let Some(mut path) = path_avoiding(graph, c, a, b) {
                    path.insert(0, b.clone());
                    path.insert(0, a.clone());
                    found.push(path);
                }
            }
        }
    }
    found
}

/// A path `from` → … → `to` that never passes `avoid` (breadth first).
fn path_avoiding(
    graph: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
    avoid: &str,
) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from]);
    let mut seen = BTreeSet::from([from, avoid]);
    while let Some(node) = queue.pop_front() {
        if node == to {
            let mut path = vec![to.to_owned()];
            let mut at = to;
            while let Some(previous) = came_from.get(at) {
                path.push((*previous).to_owned());
                at = previous;
            }
            path.reverse();
            return Some(path);
        }
        for next in graph.get(node).into_iter().flatten() {
            if seen.insert(next.as_str()) {
                came_from.insert(next.as_str(), node);
                queue.push_back(next.as_str());
            }
        }
    }
    None
}

#[test]
fn no_import_cycle_of_more_than_two_files_in_the_planner() {
    let graph = plan_imports();
    assert!(graph.len() > 30, "{graph:?}");
    let cycles = long_cycles(&graph);
    assert!(
        cycles.is_empty(),
        "modules importing each other around a cycle of three or more files:\n{}",
        cycles
            .iter()
            .map(|c| c.join(" → "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_cycle_finder_finds_a_three_file_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), BTreeSet::from([v.to_owned()])))
        .collect();
    assert_eq!(
        long_cycles(&graph).len(),
        3,
        "one cycle, seen from each import"
    );
    let pair: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "a")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), BTreeSet::from([v.to_owned()])))
        .collect();
    assert!(
        long_cycles(&pair).is_empty(),
        "two files may import each other"
    );
}

#[test]
fn every_component_has_its_page_its_rows_and_its_e2e_module() {
    let root = repo();
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let (readme, architecture, e2e) = (
        read("README.md"),
        read("docs/architecture.md"),
        read("tests/e2e/main.rs"),
    );
    let mut missing = Vec::new();
    for component in awsdeploy_plan::COMPONENTS {
        let id = component.id().as_str();
        let page = format!("components/{}.md", id.replace('_', "-"));
        if !root.join("docs").join(&page).is_file() {
            missing.push(format!("{id}: no docs/{page}"));
        }
        if !readme.contains(&format!("(docs/{page})")) {
            missing.push(format!("{id}: no row in the README's table"));
        }
        if !architecture.contains(&format!("({page})")) {
            missing.push(format!("{id}: no row in docs/architecture.md's table"));
        }
        if !e2e.contains(&format!("\nmod {id};"))
            || !root.join(format!("tests/e2e/{id}.rs")).is_file()
        {
            missing.push(format!("{id}: no e2e module tests/e2e/{id}.rs in main.rs"));
        }
        for section in component.sections() {
            if !readme.contains(&format!("`[{section}]`")) {
                missing.push(format!("{id}: the README does not name [{section}]"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
