//! The console's shape, checked (ARCHITECTURE.md, "Invariants"; issue 23): no two of its
//! modules import each other, directly or around a loop, and the leaves every view is built
//! from (`keys`, `remote`) import nothing of the console. The graph is `entitle_modgraph`'s:
//! a module is a file, an import a `crate::…` or `super::…` path outside comments and tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    entitle_modgraph::graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn no_two_modules_of_the_console_import_each_other() {
    let edges = graph();
    assert!(
        edges.len() > 30,
        "the sources were read: {} modules",
        edges.len()
    );
    assert!(
        edges["update"].contains("model"),
        "imports are seen: {:?}",
        edges["update"]
    );
    let found = entitle_modgraph::loops(&edges);
    assert!(found.is_empty(), "modules in a loop: {found:#?}");
}

#[test]
fn the_leaves_import_nothing_of_the_console() {
    let edges = graph();
    for leaf in ["keys", "remote", "theme", "names"] {
        assert!(edges[leaf].is_empty(), "{leaf} imports {:?}", edges[leaf]);
    }
}

#[test]
fn no_source_file_of_the_console_is_over_400_lines() {
    fn walk(dir: &Path, long: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, long);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let lines = std::fs::read_to_string(&path)
                    .unwrap_or_default()
                    .lines()
                    .count();
                if lines > 400 {
                    long.push(format!("{} has {lines} lines", path.display()));
                }
            }
        }
    }
    let mut long = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut long,
    );
    assert!(long.is_empty(), "{long:#?}");
}
