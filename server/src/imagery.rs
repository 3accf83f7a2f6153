//! A registered frame's imagery on disk, shared by the command line and the API: reopening the
//! frame from `frames.source_path` as it was ingested, and the store keys of its overview
//! pyramid and its chips (the local tile store is rooted at the data folder).

use std::path::Path;

use tessera_tiles::{Frame, OpenOptions, TilerResult};

use crate::db::frame::Frame as FrameRow;

/// What `frames.crs` holds for a frame tiled in pixel space.
pub const PIXEL_SPACE: &str = "pixel";

/// Reopens a registered frame from its source file, with the CRS it was registered with (what
/// `--crs` gave a PNG/JPEG with a world file) and `bands` to display (the file's default
/// when `None`); no hash is computed.
///
/// # Errors
/// The tiler's, naming the file: [`tessera_tiles::TilerError::Unreadable`] when the file is gone.
pub fn open_registered(row: &FrameRow, bands: Option<Vec<usize>>) -> TilerResult<Frame> {
    let georeferenced = row.crs != PIXEL_SPACE;
    Frame::open(
        Path::new(&row.source_path),
        &OpenOptions {
            bands,
            crs_override: georeferenced.then(|| row.crs.clone()),
            pixel_space: !georeferenced,
            hash: false,
            ..OpenOptions::default()
        },
    )
}

/// True for ids that are safe as one path segment of a store key (`[A-Za-z0-9_-]`, at most 64).
#[must_use]
pub fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// The folder of a frame's overview pyramid, relative to the data folder.
#[must_use]
pub fn overview_dir(frame_id: &str) -> String {
    format!("overview/{frame_id}")
}

/// The key of one overview tile (`ext`: `jpg` or `png`).
#[must_use]
pub fn overview_key(frame_id: &str, z: u32, x: u32, y: u32, ext: &str) -> String {
    format!("overview/{frame_id}/{z}/{x}/{y}.{ext}")
}

/// The key of a cached chip: its centre in 1e-5 degrees (about a metre) and its size in metres.
#[must_use]
pub fn chip_key(frame_id: &str, lon_e5: i64, lat_e5: i64, size_m: u32, px: u32) -> String {
    format!("chips/{frame_id}/{size_m}m-{px}px/{lon_e5}_{lat_e5}.jpg")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_make_keys() {
        assert!(is_plain_id("3f2a9c0d"));
        for bad in ["", "..", "a/b", "a.b", "a b", &"x".repeat(65)] {
            assert!(!is_plain_id(bad), "{bad}");
        }
    }

    #[test]
    fn chip_keys_carry_every_parameter() {
        assert_eq!(
            chip_key("f", 3_901_000, -3_595_000, 120, 256),
            "chips/f/120m-256px/3901000_-3595000.jpg"
        );
    }
}
