#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

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
mod pipeline;
mod raster;
mod resample;
mod store;
mod stretch;

pub use crs::Crs;
pub use display::Pixels;
pub use encode::{TileFormat, encode};
pub use error::{TilerError, TilerResult};
pub use frame::{Frame, FrameInfo, OpenOptions, Stretch};
pub use georef::GeoTransform;
pub use grid::{TileGrid, TileWindow};
pub use manifest::{TileRecord, Window, to_jsonl};
pub use pipeline::{TileOptions, TileSummary, tile_frame};
pub use resample::Resampling;
pub use store::{LocalTileStore, TileStore};
