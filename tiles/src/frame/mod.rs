//! A [`Frame`]: one georeferenced image opened for tiling, with the [`FrameInfo`] the server
//! registers (sha256, size, CRS, geotransform, WGS84 footprint, bands).
//!
//! This file holds the types and the accessors; `open.rs` has [`Frame::open`], which reads the file
//! (a GeoTIFF, or an image with a world file) and builds them.

mod open;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::crs::Crs;
use crate::display::Pixels;
use crate::error::{TilerError, TilerResult};
use crate::georef::GeoTransform;
use crate::raster::{BandCache, PixelSource};

/// How a frame's values are mapped to display bytes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Stretch {
    /// Percentile stretch for 16-bit data and for frames with more than three colour bands;
    /// 8-bit gray/RGB(A) shown as-is.
    #[default]
    Auto,
    /// No stretch: 8-bit as-is, 16-bit divided by 256.
    None,
    /// Linear stretch between two percentiles of each displayed band, e.g. (2.0, 98.0).
    Percentile(f64, f64),
}

/// Options for [`Frame::open`]; `Default` suits a plain GeoTIFF.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenOptions {
    /// Bands to display, 1-based: one (gray) or three (RGB), e.g. `[3, 2, 1]`. Default: band 1
    /// for one- or two-band frames, bands 1,2,3 otherwise.
    pub bands: Option<Vec<usize>>,
    /// CRS to use instead of (or in the absence of) the file's: `EPSG:NNNN` or a PROJ string.
    pub crs_override: Option<String>,
    /// Accept a frame without georeference and tile it in pixel space (footprints are then
    /// `None`). A frame that has a georeference still uses it.
    pub pixel_space: bool,
    /// Nodata value to use instead of the file's `GDAL_NODATA`.
    pub nodata_override: Option<f64>,
    /// Display stretch.
    pub stretch: Stretch,
    /// Compute the sha256 of the file at open (needed to register a frame; costs one read).
    pub hash: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            bands: None,
            crs_override: None,
            pixel_space: false,
            nodata_override: None,
            stretch: Stretch::Auto,
            hash: true,
        }
    }
}

/// What the server stores about a frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameInfo {
    /// The path the frame was opened from.
    pub path: PathBuf,
    /// Hex sha256 of the file (empty when `OpenOptions::hash` was off).
    pub sha256: String,
    /// File size in bytes.
    pub file_size: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bands (samples per pixel) in the file, alpha included.
    pub bands: u16,
    /// Bits per sample.
    pub bit_depth: u8,
    /// The displayed bands, 1-based.
    pub display_bands: Vec<usize>,
    /// `EPSG:NNNN`, a PROJ string, or `None` in pixel space.
    pub crs: Option<String>,
    /// The EPSG code when the CRS has one.
    pub epsg: Option<u16>,
    /// GDAL-style geotransform (pixel corners → CRS).
    pub geotransform: [f64; 6],
    /// WGS84 [lon, lat] of pixel corners (0,0), (W,0), (W,H), (0,H); `None` in pixel space.
    pub footprint: Option<[[f64; 2]; 4]>,
    /// The nodata value in use.
    pub nodata: Option<f64>,
}

/// An opened frame: metadata plus chunked pixel access.
#[derive(Debug)]
pub struct Frame {
    info: FrameInfo,
    transform: GeoTransform,
    crs: Option<Crs>,
    source: Box<dyn PixelSource>,
}

impl Frame {
    /// The metadata to register.
    #[must_use]
    pub fn info(&self) -> &FrameInfo {
        &self.info
    }

    /// The pixel → CRS transform ([`GeoTransform::PIXEL`] in pixel space).
    #[must_use]
    pub fn transform(&self) -> &GeoTransform {
        &self.transform
    }

    /// The CRS, `None` in pixel space.
    #[must_use]
    pub fn crs(&self) -> Option<&Crs> {
        self.crs.as_ref()
    }

    /// Display pixels (1 or 3 channels, with the nodata mask) of a window, clipped to the frame.
    /// Decodes the full-width chunk rows under the window; meant for previews and checks, not for
    /// tiling (use [`crate::tile_frame`]).
    ///
    /// # Errors
    /// [`TilerError::Corrupt`] and friends when a chunk cannot be decoded.
    pub fn read_window(&self, x: u32, y: u32, w: u32, h: u32) -> TilerResult<Pixels> {
        let (fw, fh) = self.source.size();
        let (x, y) = (x.min(fw), y.min(fh));
        let (w, h) = (w.min(fw - x) as usize, h.min(fh - y));
        let band = BandCache::new(self.source()).read_rows(y, h)?;
        let mut out = Pixels::new(w, h as usize, band.channels);
        out.blit(&band, (x as usize, 0), (0, 0), (w, h as usize));
        Ok(out)
    }

    pub(crate) fn source(&self) -> &dyn PixelSource {
        self.source.as_ref()
    }

    /// WGS84 [lon, lat] of the four corners (x, y), (x+w, y), (x+w, y+h), (x, y+h) of a pixel
    /// rectangle, or `None` in pixel space.
    ///
    /// # Errors
    /// [`TilerError::UnsupportedCrs`] when a corner cannot be converted.
    pub fn footprint(&self, x: f64, y: f64, w: f64, h: f64) -> TilerResult<Option<[[f64; 2]; 4]>> {
        self.crs
            .as_ref()
            .map(|c| {
                corners(c, &self.transform, x, y, x + w, y + h)
                    .map_err(|e| crs_error(&self.info.path, &e))
            })
            .transpose()
    }
}

fn crs_error(path: &Path, detail: &str) -> TilerError {
    TilerError::UnsupportedCrs {
        path: path.to_path_buf(),
        detail: format!(
            "{detail}; pass the CRS explicitly (crs_override / --crs EPSG:NNNN or a +proj string)"
        ),
    }
}

fn corners(
    crs: &Crs,
    gt: &GeoTransform,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
) -> Result<[[f64; 2]; 4], String> {
    let mut out = [[0.0; 2]; 4];
    for (o, (px, py)) in out.iter_mut().zip([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]) {
        let (x, y) = gt.apply(px, py);
        let (lon, lat) = crs.to_wgs84(x, y)?;
        *o = [lon, lat];
    }
    Ok(out)
}
