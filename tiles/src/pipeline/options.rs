//! How a frame is tiled: tile size, overlap, format and the rest, read by the whole pipeline
//! and by each tile row.

use crate::encode::TileFormat;
use crate::resample::Resampling;

/// Tiling options. `Default` gives 256 px tiles, 32 px overlap, JPEG q85, skip ≥ 90 % nodata.
#[derive(Debug, Clone, PartialEq)]
pub struct TileOptions {
    /// Tile side S in pixels.
    pub tile_size: u32,
    /// Overlap O between neighbouring tiles (stride S−O).
    pub overlap: u32,
    /// Output format.
    pub format: TileFormat,
    /// JPEG quality 1–100.
    pub quality: u8,
    /// Skip tiles whose nodata share is at least this (0–1).
    pub nodata_threshold: f64,
    /// Worker threads; `None` uses all cores.
    pub threads: Option<usize>,
    /// Sampling of before-tiles when the frames' grids differ.
    pub resampling: Resampling,
}

impl Default for TileOptions {
    fn default() -> Self {
        Self {
            tile_size: 256,
            overlap: 32,
            format: TileFormat::Jpeg,
            quality: 85,
            nodata_threshold: 0.9,
            threads: None,
            resampling: Resampling::Bilinear,
        }
    }
}
