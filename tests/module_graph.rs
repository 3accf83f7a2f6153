//! No module of the server or the tiler imports one that imports it back, directly or round a
//! loop: the layers of docs/ARCHITECTURE.md point one way (api → scheduler, jobs → db), and
//! shared types live in the module that owns them. The graph reader is shared with the
//! consensus crate's own test.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

#[path = "../consensus/tests/support/module_graph.rs"]
mod module_graph;

use std::path::Path;

use module_graph::{graph, loops};

fn crate_src(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

#[test]
fn server_modules_form_no_loop() {
    let edges = graph(&crate_src("server"));
    // The reader sees the crate's real structure (a parse that found nothing would pass).
    let api = vec!["api".to_owned()];
    assert!(edges[&api].contains(&vec!["state".to_owned()]), "{edges:?}");
    assert_eq!(loops(&edges), Vec::<String>::new());
}

#[test]
fn tiler_modules_form_no_loop() {
    let edges = graph(&crate_src("tiles"));
    assert!(!edges.is_empty());
    assert_eq!(loops(&edges), Vec::<String>::new());
}
