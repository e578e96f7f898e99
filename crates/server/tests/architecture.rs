//! The server's shape, checked (ARCHITECTURE.md, "Invariants"): data flows one way between its
//! modules. Read from the sources as text, so it needs nothing but the files:
//! - no module imports an HTTP API module (`*::api`) but the routes, which import them all;
//! - nothing imports the routes but the wiring (`serve`);
//! - no two modules import each other, directly or around a loop.
//!
//! The graph is `entitle_modgraph`'s: a module is a file, an import a `crate::…` or `super::…`
//! path outside comments and tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use entitle_modgraph::loops;

/// The server's module graph.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    entitle_modgraph::graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn only_the_routes_import_the_http_apis() {
    let edges = graph();
    let wrong: Vec<String> = edges
        .iter()
        .filter(|(module, _)| module.as_str() != "routes")
        .flat_map(|(module, imports)| {
            imports
                .iter()
                .filter(|to| to.ends_with("::api") && !module.ends_with("::api"))
                .map(move |to| format!("{module} imports {to}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    let routes = &edges["routes"];
    let apis = edges
        .keys()
        .filter(|m| m.ends_with("::api"))
        .filter(|api| !routes.contains(*api))
        .cloned()
        .collect::<Vec<_>>();
    assert!(apis.is_empty(), "the routes do not mount {apis:?}");
}

#[test]
fn nothing_but_the_wiring_imports_the_routes() {
    let importers: Vec<String> = graph()
        .into_iter()
        .filter(|(_, imports)| imports.contains("routes"))
        .map(|(module, _)| module)
        .collect();
    assert_eq!(importers, vec!["serve"]);
}

#[test]
fn no_two_modules_import_each_other() {
    let edges = graph();
    assert!(
        edges.len() > 50,
        "the sources were read: {} modules",
        edges.len()
    );
    assert!(
        edges["routes"].contains("orders::api"),
        "imports are seen: {:?}",
        edges["routes"]
    );
    let found = loops(&edges);
    assert!(found.is_empty(), "modules in a loop: {found:#?}");
}
