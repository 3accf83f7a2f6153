#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod chip;
mod crs;
mod display;
mod encode;
mod error;
mod frame;
mod georef;
mod geotiff;
mod grid;
mod image_file;
mod manifest;
mod overview;
mod pipeline;
mod raster;
mod resample;
mod sample;
mod store;
mod stretch;

pub use chip::{MAX_CHIP_PX, chip, chip_jpeg};
pub use crs::Crs;
pub use display::Pixels;
pub use encode::{TileFormat, encode};
pub use error::{TilerError, TilerResult};
pub use frame::{Frame, FrameInfo, OpenOptions, Stretch};
pub use georef::GeoTransform;
pub use grid::{TileGrid, TileWindow};
pub use manifest::{TileRecord, Window, to_jsonl};
pub use overview::mercator::overview_zooms;
pub use overview::{OverviewOptions, OverviewSummary, overview_frame};
pub use pipeline::{TileOptions, TileSummary, tile_frame};
pub use resample::Resampling;
pub use store::{LocalTileStore, TileStore};
