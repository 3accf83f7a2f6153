//! The crate's integration tests, in one binary: each writer's output (escaping, refused
//! numbers, empty exports), the exact field names of every format, GDAL reading every format
//! back, and the module graph.

mod fields;
mod gdal;
mod module_graph;
mod support;
mod writers;
