//! A crate's module graph, read from its sources as text (ARCHITECTURE.md, "Invariants"):
//! the server's and the console's architecture tests check with it that data flows one way.
//!
//! A module is a file (`orders/service.rs` is `orders::service`). An import is a `crate::…`
//! or `super::…` path outside comments and outside the file's tests.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// `orders/service.rs` → `orders::service`; `orders/mod.rs` → `orders`; `lib.rs` → ``.
fn module_of(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

/// The file's code: its tests and its comments left out.
fn code(text: &str) -> String {
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or_default();
    before_tests
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path named after `crate::` or `super::` (braces expanded one level deep, which is as
/// deep as the server's imports go), as absolute module paths.
fn paths_named(module: &str, code: &str) -> Vec<String> {
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    let mut named = Vec::new();
    for (prefix, base) in [("crate::", String::new()), ("super::", parent.to_owned())] {
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let preceded_by_ident = rest[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            rest = &rest[at + prefix.len()..];
            if preceded_by_ident {
                continue;
            }
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let path = path.trim_end_matches(':');
            let join = |tail: &str| match (base.is_empty(), tail.is_empty()) {
                (true, _) => tail.to_owned(),
                (false, true) => base.clone(),
                (false, false) => format!("{base}::{tail}"),
            };
            let after = &rest[path.len()..];
            // `crate::a::{b, c}`, and `crate::{a, b}` (the group right after the prefix).
            let group = if path.is_empty() {
                after.strip_prefix('{')
            } else {
                after.strip_prefix("::{")
            };
            if let Some(inner) = group {
                let group = inner.split('}').next().unwrap_or_default();
                for item in group.split(',') {
                    let item = item.trim().split(" as ").next().unwrap_or_default();
                    let item = item.split("::{").next().unwrap_or_default();
                    match item {
                        "" => {}
                        "self" => named.push(join(path)),
                        _ if path.is_empty() => named.push(join(item)),
                        _ => named.push(join(&format!("{path}::{item}"))),
                    }
                }
            } else {
                named.push(join(path));
            }
        }
    }
    named
}

/// The longest known module a path starts with.
fn resolve<'a>(path: &str, modules: &'a BTreeSet<String>) -> Option<&'a String> {
    let segments: Vec<&str> = path.split("::").collect();
    (1..=segments.len())
        .rev()
        .find_map(|n| modules.get(&segments[..n].join("::")))
}

/// The module graph of the crate whose sources are under `root` (its `src`): who imports
/// whom. A module's own submodules and ancestors do not count.
pub fn graph(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let root = root.to_path_buf();
    let mut files = Vec::new();
    sources(&root, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&root, f)).collect();
    let mut edges = BTreeMap::new();
    for file in &files {
        let module = module_of(&root, file);
        if module.is_empty() {
            continue;
        }
        let text = fs::read_to_string(file).unwrap_or_default();
        let imports: BTreeSet<String> = paths_named(&module, &code(&text))
            .iter()
            .filter_map(|path| resolve(path, &modules))
            .filter(|to| {
                !to.is_empty()
                    && **to != module
                    && !module.starts_with(&format!("{to}::"))
                    && !to.starts_with(&format!("{module}::"))
            })
            .cloned()
            .collect();
        edges.insert(module, imports);
    }
    edges
}

/// Tarjan's strongly connected components: each component of more than one module is a loop.
pub fn loops(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, at: &'a str) {
            let n = self.index.len();
            self.index.insert(at, n);
            self.low.insert(at, n);
            self.stack.push(at);
            for to in self.edges.get(at).into_iter().flatten() {
                if !self.index.contains_key(to.as_str()) {
                    self.visit(to);
                    let low = self.low[at].min(self.low[to.as_str()]);
                    self.low.insert(at, low);
                } else if self.stack.contains(&to.as_str()) {
                    let low = self.low[at].min(self.index[to.as_str()]);
                    self.low.insert(at, low);
                }
            }
            if self.low[at] == self.index[at] {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    component.push(top.to_owned());
                    if top == at {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for module in edges.keys() {
        if !walk.index.contains_key(module.as_str()) {
            walk.visit(module);
        }
    }
    walk.found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_read_after_a_path_and_right_after_the_prefix() {
        let code = "use crate::{account, views::hints};\nuse crate::model::{Model, Tab};\n\
                    use super::{state, keys::Key};";
        let mut named = paths_named("dialogs::help", code);
        named.sort();
        assert_eq!(
            named,
            [
                "account",
                "dialogs::keys::Key",
                "dialogs::state",
                "model::Model",
                "model::Tab",
                "views::hints"
            ]
        );
    }

    #[test]
    fn a_loop_is_found_when_there_is_one() {
        let edges: BTreeMap<String, BTreeSet<String>> = [
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec!["a"]),
            ("d", vec!["a"]),
        ]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), to.into_iter().map(str::to_owned).collect()))
        .collect();
        assert_eq!(loops(&edges), vec![vec!["a", "b", "c"]]);
    }
}
