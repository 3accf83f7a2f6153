//! No module of the crate imports one that imports it back, directly or round a loop: shared
//! types live in the module that owns them, so each module can be read (and changed) knowing
//! only what it imports. The graph reader is `support/module_graph.rs`.

#[path = "support/module_graph.rs"]
mod module_graph;

use std::path::Path;

use module_graph::{graph, loops};

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    // The reader sees the crate's real structure (a parse that found nothing would pass).
    let pipeline = vec!["tessera".to_owned(), "pipeline".to_owned()];
    assert!(
        edges[&pipeline].contains(&vec!["tessera".to_owned(), "candidates".to_owned()]),
        "{edges:?}"
    );
    assert!(edges[&vec!["error".to_owned()]].contains(&vec!["id".to_owned()]));
    assert_eq!(loops(&edges), Vec::<String>::new());
}
