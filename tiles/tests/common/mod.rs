//! Shared helpers for the integration tests: where the data lives, opening frames.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::PathBuf;

use tessera_tiles::{Frame, OpenOptions};

/// `../shared/data` beside the repository clone.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")).join(rel)
}

/// `tiles/tests/fixtures`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(rel)
}

/// A name from `gdalinfo_corners.json` (`data/...` or `fixtures/...`) as a path.
pub fn resolve(name: &str) -> PathBuf {
    match name.split_once('/') {
        Some(("data", rel)) => data(rel),
        Some(("fixtures", rel)) => fixture(rel),
        _ => panic!("unexpected fixture name {name}"),
    }
}

/// Default options, plus a CRS for world-file images (their CRS lives outside the file).
pub fn options_for(path: &std::path::Path) -> OpenOptions {
    let mut opts = OpenOptions::default();
    if path.extension().is_some_and(|e| e == "png" || e == "jpg") {
        opts.crs_override = Some("EPSG:4326".into());
    }
    opts
}

pub fn open(path: &std::path::Path) -> Frame {
    Frame::open(path, &options_for(path)).unwrap_or_else(|e| panic!("{e}"))
}
