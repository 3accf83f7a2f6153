//! No module of the crate imports one that imports it back, directly or round a loop: each
//! format's writer depends on the shared modules (site, sink, format, error), never the other
//! way. The graph reader is shared with the consensus crate's own test.

#[path = "../../../consensus/tests/support/module_graph.rs"]
mod reader;

use std::path::Path;

use reader::{graph, loops};

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    // The reader sees the crate's real structure (a parse that found nothing would pass).
    assert!(edges[&vec!["kml".to_owned()]].contains(&vec!["site".to_owned()]));
    assert_eq!(loops(&edges), Vec::<String>::new());
}
