//! The analyst's map view of a frame: a Web Mercator (EPSG:3857) XYZ pyramid of 256 px tiles,
//! `overview/{frame}/{z}/{x}/{y}.jpg` where a tile is all frame data and `.png` with alpha where
//! it holds the frame's edge or nodata (tiles with no data at all are not written).
//!
//! The deepest zoom is rendered from the frame: each tile row's pixel centres go mercator →
//! lon/lat → frame CRS (`proj4rs`) → frame pixel (inverse geotransform), sampled bilinearly, with
//! the frame read in bands of rows ([`crate::sample`]). Every shallower zoom is made from the
//! one below by 2×2 averaging as its rows complete, so each level holds at most two tile rows
//! and memory stays bounded whatever the frame's size.

pub mod mercator;
mod pyramid;

use std::time::Instant;

use serde::Serialize;

use crate::error::{TilerError, TilerResult};
use crate::frame::Frame;
use crate::pipeline::check_id;
use crate::store::TileStore;
use mercator::{MAX_LAT, overview_zooms, to_mercator};

/// Options of [`overview_frame`]. `Default`: JPEG quality 85, every core.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewOptions {
    /// JPEG quality 1–100 of the tiles fully inside the frame.
    pub quality: u8,
    /// Worker threads; `None` uses all cores.
    pub threads: Option<usize>,
}

impl Default for OverviewOptions {
    fn default() -> Self {
        Self {
            quality: 85,
            threads: None,
        }
    }
}

/// What [`overview_frame`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OverviewSummary {
    /// The shallowest zoom written (the whole frame in one to four tiles).
    pub min_zoom: u8,
    /// The deepest zoom written (pixels finer than the frame's).
    pub max_zoom: u8,
    /// Tiles fully inside the frame's data, written as JPEG.
    pub jpeg_tiles: u64,
    /// Edge tiles, written as PNG with alpha.
    pub png_tiles: u64,
    /// Tiles of the zoom range's grid that hold no data and were not written.
    pub empty_tiles: u64,
    /// Bytes written.
    pub bytes: u64,
    /// The frame's WGS84 bounds [west, south, east, north], along its edges.
    pub bounds: [f64; 4],
    /// The most frame rows held at once: what bounds memory (rows × frame width × 3 bytes).
    pub largest_band_rows: u32,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Where a frame lies on the map and which zooms its pyramid has.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// Projected bounds [west, south, east, north] in EPSG:3857 metres.
    pub mercator: [f64; 4],
    /// WGS84 bounds [west, south, east, north].
    pub bounds: [f64; 4],
}

/// Points along the frame's edges per side: UTM edges curve slightly on the mercator map.
const EDGE_POINTS: u32 = 32;

impl Plan {
    pub(crate) fn of(frame: &Frame) -> TilerResult<Self> {
        let path = &frame.info().path;
        let (w, h) = (
            f64::from(frame.info().width),
            f64::from(frame.info().height),
        );
        let lonlat = |px: f64, py: f64| -> TilerResult<(f64, f64)> {
            let corners = frame.footprint(px, py, 0.0, 0.0)?;
            corners
                .map(|c| (c[0][0], c[0][1]))
                .ok_or_else(|| TilerError::InvalidOption {
                    path: path.clone(),
                    detail: "a frame in pixel space has no place on the map".into(),
                })
        };
        let mut bounds = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for i in 0..=EDGE_POINTS {
            let t = f64::from(i) / f64::from(EDGE_POINTS);
            for (px, py) in [(t * w, 0.0), (t * w, h), (0.0, t * h), (w, t * h)] {
                let (lon, lat) = lonlat(px, py)?;
                bounds = [
                    bounds[0].min(lon),
                    bounds[1].min(lat),
                    bounds[2].max(lon),
                    bounds[3].max(lat),
                ];
            }
        }
        if bounds[1] >= MAX_LAT || bounds[3] <= -MAX_LAT {
            return Err(TilerError::InvalidOption {
                path: path.clone(),
                detail: format!("the frame lies beyond ±{MAX_LAT:.4}°, outside Web Mercator"),
            });
        }
        let (west, south) = to_mercator(bounds[0], bounds[1]);
        let (east, north) = to_mercator(bounds[2], bounds[3]);
        // Ground size of one pixel at the frame's centre: the finer of its two sides.
        let (cx, cy) = (w / 2.0, h / 2.0);
        let (lon, lat) = lonlat(cx, cy)?;
        let (lon_x, lat_x) = lonlat(cx + 1.0, cy)?;
        let (lon_y, lat_y) = lonlat(cx, cy + 1.0)?;
        let metres = |dlon: f64, dlat: f64| {
            let r = mercator::RADIUS;
            (dlon.to_radians() * lat.to_radians().cos() * r).hypot(dlat.to_radians() * r)
        };
        let pixel_m = metres(lon_x - lon, lat_x - lat).min(metres(lon_y - lon, lat_y - lat));
        if !(pixel_m.is_finite() && pixel_m > 0.0) {
            return Err(TilerError::InvalidOption {
                path: path.clone(),
                detail: "the geotransform gives pixels of no size".into(),
            });
        }
        let (min_zoom, max_zoom) = overview_zooms(pixel_m, lat, (east - west).max(north - south));
        Ok(Self {
            min_zoom,
            max_zoom,
            mercator: [west, south, east, north],
            bounds,
        })
    }
}

/// Writes the Web Mercator overview pyramid of `frame` to `store` under `overview/{frame_key}/`
/// and returns its zoom range.
///
/// `progress(done, total)` is called after each tile of the zoom range's grid (written or empty).
/// Tiles already in the store under the same keys are overwritten; a rebuild that should drop
/// tiles of an older, larger pyramid must clear `overview/{frame_key}/` first.
///
/// # Errors
/// [`TilerError::InvalidOption`] for a frame without georeference (pixel space) or outside Web
/// Mercator's latitudes, or a `frame_key` that is not `[A-Za-z0-9._-]`; any error of reading,
/// encoding or storing.
///
/// ```no_run
/// use tessera_tiles::{Frame, LocalTileStore, OpenOptions, OverviewOptions, overview_frame};
/// let frame = Frame::open("raqqa_2017-10-30.tif", &OpenOptions::default())?;
/// let store = LocalTileStore::new("out");
/// let summary = overview_frame(&frame, "raqqa-1030", &OverviewOptions::default(), &store, &|_, _| {})?;
/// println!("zooms {}..={}", summary.min_zoom, summary.max_zoom);
/// # Ok::<(), tessera_tiles::TilerError>(())
/// ```
pub fn overview_frame(
    frame: &Frame,
    frame_key: &str,
    opts: &OverviewOptions,
    store: &dyn TileStore,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> TilerResult<OverviewSummary> {
    let path = &frame.info().path;
    check_id(path, frame_key)?;
    let started = Instant::now();
    let plan = Plan::of(frame)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .map_err(|e| TilerError::InvalidOption {
            path: path.clone(),
            detail: e.to_string(),
        })?;
    let mut summary = pool
        .install(|| pyramid::Pyramid::new(frame, frame_key, &plan, opts, store, progress).run())?;
    summary.bounds = plan.bounds;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
